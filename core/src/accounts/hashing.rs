//! Password hashing: Argon2id (RFC 9106), stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). Passwords are
//! NFKC-normalised before hashing, as the policy checks them.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use thiserror::Error;

use crate::secrets::{constant_time_eq, random_bytes, Random};
use crate::text::nfkc;

/// Argon2id cost parameters. The default is OWASP's first recommended
/// configuration for Argon2id: 19 MiB of memory, 2 iterations, 1 lane
/// (also the `argon2` crate's default and RFC 9106's "second recommended"
/// memory-constrained choice). Raise them where sign-in latency allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Why a password could not be hashed (bad parameters).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid Argon2 parameters: {reason}")]
pub struct HashingError {
    /// Why.
    pub reason: String,
}

impl HashingError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        "invalid_hash_parameters"
    }
}

/// A stored password hash (PHC string). Its `Debug` shows only the
/// parameters.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params = self.0.split('$').take(4).collect::<Vec<_>>().join("$");
        write!(f, "PasswordHash({params}$<redacted>)")
    }
}

impl PasswordHash {
    /// A hash as stored.
    pub fn from_stored(phc: impl Into<String>) -> Self {
        PasswordHash(phc.into())
    }

    /// The PHC string, to store.
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;

fn argon2(params: Argon2Params, out_len: usize) -> Result<Argon2<'static>, HashingError> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(out_len),
    )
    .map_err(|e| HashingError {
        reason: e.to_string(),
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

/// Hashes `password` (NFKC-normalised) with a fresh salt from `rng`.
pub fn hash_password(
    password: &str,
    params: Argon2Params,
    rng: &dyn Random,
) -> Result<PasswordHash, HashingError> {
    let salt = random_bytes(rng, SALT_BYTES);
    let mut out = [0u8; HASH_BYTES];
    argon2(params, HASH_BYTES)?
        .hash_password_into(nfkc(password).as_bytes(), &salt, &mut out)
        .map_err(|e| HashingError {
            reason: e.to_string(),
        })?;
    Ok(PasswordHash(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        B64.encode(salt),
        B64.encode(out)
    )))
}

/// Parses `$argon2id$v=19$m=M,t=T,p=P$salt$hash`.
fn parse(phc: &str) -> Option<(Argon2Params, Vec<u8>, Vec<u8>)> {
    let mut parts = phc.split('$');
    if !parts.next()?.is_empty() || parts.next()? != "argon2id" || parts.next()? != "v=19" {
        return None;
    }
    let mut params = Argon2Params::default();
    for kv in parts.next()?.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => params.memory_kib = v,
            "t" => params.iterations = v,
            "p" => params.parallelism = v,
            _ => return None,
        }
    }
    let salt = B64.decode(parts.next()?).ok()?;
    let hash = B64.decode(parts.next()?).ok()?;
    parts.next().is_none().then_some((params, salt, hash))
}

/// Whether `password` matches `hash` (constant-time comparison; any
/// unreadable hash is a mismatch).
pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    let Some((params, salt, expected)) = parse(&hash.0) else {
        return false;
    };
    let Ok(a) = argon2(params, expected.len()) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    a.hash_password_into(nfkc(password).as_bytes(), &salt, &mut out)
        .is_ok()
        && constant_time_eq(&out, &expected)
}

/// Previous password hashes, newest first, as the policy's history.
#[derive(Debug, Clone, Copy)]
pub struct HashedHistory<'a>(pub &'a [PasswordHash]);

impl super::PasswordHistory for HashedHistory<'_> {
    fn is_reused(&self, candidate: &str, depth: usize) -> bool {
        self.0
            .iter()
            .take(depth)
            .any(|h| verify_password(candidate, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::PasswordHistory;
    use crate::secrets::SeededRandom;

    /// Small parameters: the tests check the format, not the cost.
    const FAST: Argon2Params = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn a_hash_verifies_its_password_only() {
        let rng = SeededRandom::new(1);
        let h = hash_password("Correct-Horse-7", FAST, &rng).unwrap();
        assert!(h.as_stored().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(verify_password("Correct-Horse-7", &h));
        assert!(!verify_password("Correct-Horse-8", &h));
        // NFKC: full-width input is the same password.
        assert!(verify_password("Ｃｏｒｒｅｃｔ－Ｈｏｒｓｅ－７", &h));
        // A fresh salt each time.
        assert_ne!(h, hash_password("Correct-Horse-7", FAST, &rng).unwrap());
    }

    #[test]
    fn the_default_parameters_are_owasps() {
        let p = Argon2Params::default();
        assert_eq!((p.memory_kib, p.iterations, p.parallelism), (19_456, 2, 1));
    }

    #[test]
    fn unreadable_hashes_never_match() {
        for bad in [
            "",
            "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA",
            "$argon2id$v=19$m=x$AA$AA",
            "plain",
        ] {
            assert!(!verify_password("", &PasswordHash::from_stored(bad)));
        }
        assert!(hash_password(
            "x",
            Argon2Params {
                memory_kib: 1,
                iterations: 0,
                parallelism: 0
            },
            &SeededRandom::new(1)
        )
        .is_err());
    }

    #[test]
    fn debug_hides_the_hash() {
        let h = hash_password("Correct-Horse-7", FAST, &SeededRandom::new(1)).unwrap();
        let shown = format!("{h:?}");
        assert!(shown.contains("m=64") && shown.contains("<redacted>"));
        assert!(!shown.contains(h.as_stored().rsplit('$').next().unwrap()));
    }

    #[test]
    fn history_finds_a_reused_password() {
        let rng = SeededRandom::new(2);
        let old = [
            hash_password("First-Password-1", FAST, &rng).unwrap(),
            hash_password("Second-Password-2", FAST, &rng).unwrap(),
        ];
        let h = HashedHistory(&old);
        assert!(h.is_reused("Second-Password-2", 5));
        assert!(!h.is_reused("Second-Password-2", 1));
        assert!(!h.is_reused("Third-Password-3", 5));
    }
}
