//! Secrets and the random source they come from.
//!
//! The core never reads a random source by itself (SPEC §15): services are
//! given a [`Random`]. Embedders use [`OsRandom`] (feature
//! `system-random`); tests and demos use [`SeededRandom`], which repeats.
//!
//! A [`Secret`] is text that must not leak: its `Debug` and `Display` print
//! `<redacted>`, so a secret inside any struct, error or log line stays
//! hidden. Its text is read only with [`Secret::expose`], its memory is
//! wiped when it is dropped (`zeroize`), and two secrets compare in
//! constant time (`subtle`).

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A source of random bytes.
pub trait Random: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's random source (`getrandom`), for embedders.
#[cfg(feature = "system-random")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OsRandom;

#[cfg(feature = "system-random")]
impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // The OS source failing is not recoverable: no secret may be made
        // from anything weaker.
        #[allow(clippy::expect_used)]
        getrandom::fill(buf).expect("the operating system's random source failed");
    }
}

/// A repeatable source for tests and demos: SHA-256 of a seed and a
/// counter. Never for real secrets.
#[derive(Debug)]
pub struct SeededRandom {
    seed: u64,
    counter: std::sync::atomic::AtomicU64,
}

impl SeededRandom {
    /// The sequence of `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRandom {
            seed,
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let n = self
                .counter
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut h = Sha256::new();
            h.update(self.seed.to_be_bytes());
            h.update(n.to_be_bytes());
            let block = h.finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// Text that must not leak (a password, a token, a TOTP secret).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Overwrites every byte of the text's buffer, then empties it.
    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    /// Wipes the text before its memory is freed, so that a later
    /// allocation, a core dump or a swapped page does not hold it.
    fn drop(&mut self) {
        self.wipe();
    }
}

impl PartialEq for Secret {
    /// In constant time ([`constant_time_eq`]).
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

impl Secret {
    /// Wraps secret text.
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret text, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `n` random bytes.
pub fn random_bytes(rng: &dyn Random, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    rng.fill(&mut buf);
    buf
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `n` random characters of Crockford's base 32 (no I, L, O, U): easy to
/// read aloud and to type, 5 bits each.
pub fn random_code(rng: &dyn Random, n: usize) -> String {
    random_bytes(rng, n)
        .into_iter()
        .map(|b| char::from(CROCKFORD[usize::from(b & 31)]))
        .collect()
}

/// SHA-256 of `text`, as 64 hex characters: how tokens and recovery codes
/// are stored.
pub fn digest_hex(text: &str) -> String {
    crate::access_log::to_hex(&Sha256::digest(text.as_bytes()).into())
}

/// Compares two byte strings in time that depends only on their lengths
/// (`subtle`).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug_and_display() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{s}"), "<redacted>");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            password: Secret,
        }
        let h = Holder {
            password: s.clone(),
        };
        assert!(!format!("{h:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn seeded_random_repeats_and_differs_by_seed() {
        let a = random_bytes(&SeededRandom::new(1), 40);
        assert_eq!(a, random_bytes(&SeededRandom::new(1), 40));
        assert_ne!(a, random_bytes(&SeededRandom::new(2), 40));
        let r = SeededRandom::new(1);
        assert_ne!(random_bytes(&r, 8), random_bytes(&r, 8));
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let c = random_code(&SeededRandom::new(3), 200);
        assert_eq!(c.len(), 200);
        assert!(c
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() && !"ILOU".contains(ch)));
    }

    #[test]
    fn a_wiped_secret_holds_no_text_and_compares_in_constant_time() {
        // `wipe` is what `Drop` runs: `zeroize` overwrites every byte of
        // the buffer (its whole capacity) before clearing it.
        let mut s = Secret::new("hunter2");
        let capacity = s.0.capacity();
        s.wipe();
        assert_eq!(s.expose(), "");
        assert_eq!(s.0.capacity(), capacity);
        assert_eq!(Secret::new("abc"), Secret::new("abc"));
        assert_ne!(Secret::new("abc"), Secret::new("abd"));
        assert_ne!(Secret::new("abc"), Secret::new("abcd"));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
