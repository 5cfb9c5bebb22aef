//! Signed checkpoints of the access log (ログのチェックポイント): what makes
//! a log cut short detectable.
//!
//! The hash chain ([`crate::access_log`]) shows that no entry was changed
//! or removed from the middle, but whoever can write the database can also
//! delete the newest entries and rewrite the head row, and the chain still
//! verifies. Certificate Transparency closes this with signed tree heads
//! (RFC 9162 §4.10; Trillian and Tessera call them checkpoints): a key the
//! log's operator — not the database — holds signs "the log had N entries
//! ending in hash H at time T", and the signed statement is kept apart
//! from the database. A log that is shorter than a checkpoint, or whose
//! entry N is not H, was cut short or rewritten.
//!
//! Keys are ECDSA P-256 with SHA-256 (the `p256` crate, as RFC 9162 and
//! the PDF signatures use). The private key lives in a file the operator
//! keeps away from the store; the store never sees it.

use chrono::{DateTime, SecondsFormat, Utc};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::access_log::{from_hex, to_hex, Digest32};
use crate::secrets::{Random, Secret};

/// The first line of a checkpoint's signed text, naming its format.
const FORMAT: &str = "sesshu-log-checkpoint-v1";
/// How a private key file begins.
const KEY_PREFIX: &str = "sesshu-log-key-v1:";
/// How a public key file begins.
const PUBLIC_PREFIX: &str = "sesshu-log-public-key-v1:";

/// Why a key or a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// A key file that is not a sesshu log key.
    #[error("not a sesshu log {kind} key: {reason}")]
    InvalidKey {
        /// `private` or `public`.
        kind: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A checkpoint file that cannot be read.
    #[error("not a sesshu log checkpoint: {reason}")]
    InvalidCheckpoint {
        /// What is wrong.
        reason: String,
    },
    /// The signature does not verify with the public key given.
    #[error("the checkpoint's signature does not verify with this public key (key {key_id})")]
    BadSignature {
        /// The id of the key given.
        key_id: String,
    },
    /// The log's own chain is broken: a checkpoint would vouch for it.
    #[error("the log's chain breaks at entry {seq} ({reason}): no checkpoint is signed for it")]
    LogBroken {
        /// The first entry that does not match.
        seq: i64,
        /// What does not match.
        reason: &'static str,
    },
}

impl CheckpointError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CheckpointError::InvalidKey { .. } => "invalid_log_key",
            CheckpointError::InvalidCheckpoint { .. } => "invalid_checkpoint",
            CheckpointError::BadSignature { .. } => "checkpoint_signature_invalid",
            CheckpointError::LogBroken { .. } => "log_broken",
        }
    }
}

/// The private key that signs checkpoints (チェックポイント署名鍵). Its text
/// is a [`Secret`]; it is never stored in the store.
pub struct LogKey(SigningKey);

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogKey({})", self.public().id())
    }
}

impl LogKey {
    /// A new key from `rng` (the operating system's source in production).
    pub fn generate(rng: &dyn Random) -> LogKey {
        loop {
            let mut bytes = [0u8; 32];
            rng.fill(&mut bytes);
            // Fewer than one in 2^32 draws is not a valid scalar.
            if let Ok(k) = SigningKey::from_slice(&bytes) {
                return LogKey(k);
            }
        }
    }

    /// The key file's text: `sesshu-log-key-v1:` and the scalar in hex.
    pub fn to_text(&self) -> Secret {
        Secret::new(format!("{KEY_PREFIX}{}\n", hex(&self.0.to_bytes())))
    }

    /// Reads a key file's text.
    pub fn parse(text: &str) -> Result<LogKey, CheckpointError> {
        let bad = |reason| CheckpointError::InvalidKey {
            kind: "private",
            reason,
        };
        let body = text
            .trim()
            .strip_prefix(KEY_PREFIX)
            .ok_or(bad("it does not begin with sesshu-log-key-v1:"))?;
        let bytes = unhex(body).ok_or(bad("the key is not hexadecimal"))?;
        SigningKey::from_slice(&bytes)
            .map(LogKey)
            .map_err(|_| bad("the key is not a P-256 scalar"))
    }

    /// Its public key, for verifiers.
    pub fn public(&self) -> LogPublicKey {
        LogPublicKey(*self.0.verifying_key())
    }

    /// Signs "the log had `size` entries, the last with hash `head`, at
    /// `at`".
    pub fn sign(&self, size: i64, head: &Digest32, at: DateTime<Utc>) -> Checkpoint {
        let mut c = Checkpoint {
            size,
            head: to_hex(head),
            at: at.to_rfc3339_opts(SecondsFormat::Micros, true),
            key_id: self.public().id(),
            signature: String::new(),
        };
        let signature: Signature = self.0.sign(c.signed_text().as_bytes());
        c.signature = hex(&signature.to_bytes());
        c
    }
}

/// The public key that verifies checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPublicKey(VerifyingKey);

impl LogPublicKey {
    /// The public key file's text: `sesshu-log-public-key-v1:` and the
    /// compressed SEC1 point in hex.
    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_PREFIX}{}\n",
            hex(self.0.to_sec1_point(true).as_bytes())
        )
    }

    /// Reads a public key file's text.
    pub fn parse(text: &str) -> Result<LogPublicKey, CheckpointError> {
        let bad = |reason| CheckpointError::InvalidKey {
            kind: "public",
            reason,
        };
        let body = text
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or(bad("it does not begin with sesshu-log-public-key-v1:"))?;
        let bytes = unhex(body).ok_or(bad("the key is not hexadecimal"))?;
        VerifyingKey::from_sec1_bytes(&bytes)
            .map(LogPublicKey)
            .map_err(|_| bad("the key is not a P-256 point"))
    }

    /// A short id: the first 8 bytes of SHA-256 of the compressed point, in
    /// hex, so that a checkpoint names the key that signed it.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.0.to_sec1_point(true).as_bytes());
        hex(digest.get(..8).unwrap_or_default())
    }
}

/// A signed checkpoint (署名付きチェックポイント): the log's size and last
/// hash at a time, signed. Kept as JSON apart from the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Entries in the log (the last entry's `seq`).
    pub size: i64,
    /// The last entry's hash, hex (all zeros for an empty log).
    pub head: String,
    /// When it was signed (RFC 3339, UTC).
    pub at: String,
    /// The signing key's id ([`LogPublicKey::id`]).
    pub key_id: String,
    /// ECDSA P-256 SHA-256 signature of [`Checkpoint::signed_text`], `r‖s`
    /// in hex.
    pub signature: String,
}

impl Checkpoint {
    /// The text the signature covers: the format, size, head and time, one
    /// a line.
    pub fn signed_text(&self) -> String {
        format!("{FORMAT}\n{}\n{}\n{}\n", self.size, self.head, self.at)
    }

    /// Reads a checkpoint file (JSON).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let c: Checkpoint =
            serde_json::from_str(text).map_err(|e| CheckpointError::InvalidCheckpoint {
                reason: e.to_string(),
            })?;
        if c.size < 0 || from_hex(&c.head).is_none() {
            return Err(CheckpointError::InvalidCheckpoint {
                reason: "size must be 0 or more and head 64 hexadecimal digits".into(),
            });
        }
        Ok(c)
    }

    /// The checkpoint as a file's JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The head hash.
    pub fn head_digest(&self) -> Option<Digest32> {
        from_hex(&self.head)
    }

    /// Whether `key` signed this checkpoint.
    pub fn verify_signature(&self, key: &LogPublicKey) -> Result<(), CheckpointError> {
        let bad = || CheckpointError::BadSignature { key_id: key.id() };
        let bytes = unhex(&self.signature).ok_or_else(bad)?;
        let signature = Signature::from_slice(&bytes).map_err(|_| bad())?;
        key.0
            .verify(self.signed_text().as_bytes(), &signature)
            .map_err(|_| bad())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SeededRandom;

    #[test]
    fn a_checkpoint_verifies_with_its_key_only() {
        let key = LogKey::generate(&SeededRandom::new(1));
        let other = LogKey::generate(&SeededRandom::new(2));
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let c = key.sign(5, &[7u8; 32], at);
        assert_eq!(c.verify_signature(&key.public()), Ok(()));
        assert_eq!(
            c.verify_signature(&other.public()).map_err(|e| e.code()),
            Err("checkpoint_signature_invalid")
        );
        // Any change to what was signed breaks the signature.
        let shorter = Checkpoint {
            size: 4,
            ..c.clone()
        };
        assert!(shorter.verify_signature(&key.public()).is_err());
        // Files round-trip.
        let back = Checkpoint::parse(&c.to_json()).unwrap();
        assert_eq!(back, c);
        let k = LogKey::parse(key.to_text().expose()).unwrap();
        assert_eq!(k.public(), key.public());
        let p = LogPublicKey::parse(&key.public().to_text()).unwrap();
        assert_eq!(p, key.public());
        assert_eq!(
            LogKey::parse(&key.public().to_text())
                .map_err(|e| e.code())
                .err(),
            Some("invalid_log_key")
        );
        assert_eq!(
            Checkpoint::parse("{}").map_err(|e| e.code()).err(),
            Some("invalid_checkpoint")
        );
        assert!(!format!("{key:?}").contains(&key.to_text().expose()[KEY_PREFIX.len()..]));
    }
}
