//! The optional second factor (二要素認証): TOTP (RFC 6238, HMAC-SHA-1,
//! 30-second steps, 6 digits — what authenticator apps expect) and
//! single-use recovery codes.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::secrets::{digest_hex, random_bytes, random_code, Random, Secret};

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now (clock drift).
pub const DRIFT_STEPS: i64 = 1;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base 32 without padding (the `secret=` of an otpauth URI).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

fn unbase32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = BASE32.iter().position(|&x| x == c.to_ascii_uppercase())?;
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// A new TOTP secret (160 bits, base 32).
pub fn new_secret(rng: &dyn Random) -> Secret {
    Secret::new(base32(&random_bytes(rng, 20)))
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(secret: &Secret, issuer: &str, account: &str) -> Secret {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    Secret::new(format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        secret.expose(),
        enc(issuer)
    ))
}

/// The step a time falls in.
pub fn step_at(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(STEP_SECS)
}

/// The code of `step` (RFC 4226 HOTP over the step counter).
pub fn code_at_step(secret: &Secret, step: i64) -> Option<String> {
    let key = unbase32(secret.expose())?;
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).ok()?;
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    Some(format!(
        "{:0width$}",
        bin % 10u32.pow(DIGITS),
        width = DIGITS as usize
    ))
}

/// Checks `code` at `now`, allowing [`DRIFT_STEPS`] either side; a step
/// at or before `last_used_step` is refused (no replay). Returns the step
/// that matched.
pub fn verify(
    secret: &Secret,
    code: &str,
    now: DateTime<Utc>,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let code = code.trim();
    let now_step = step_at(now);
    (now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS)
        .filter(|s| last_used_step.is_none_or(|last| *s > last))
        .find(|s| {
            code_at_step(secret, *s)
                .is_some_and(|c| crate::secrets::constant_time_eq(c.as_bytes(), code.as_bytes()))
        })
}

/// Ten single-use recovery codes (`XXXXX-XXXXX`), in clear to show once,
/// and the digests to store.
pub fn recovery_codes(rng: &dyn Random) -> (Vec<Secret>, Vec<String>) {
    (0..10)
        .map(|_| {
            let c = random_code(rng, 10);
            let shown = format!("{}-{}", &c[..5], &c[5..]);
            let digest = recovery_digest(&shown);
            (Secret::new(shown), digest)
        })
        .unzip()
}

/// The stored digest of a recovery code as typed (case and hyphen ignored).
pub fn recovery_digest(code: &str) -> String {
    let canonical: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    digest_hex(&canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (key "12345678901234567890"), 6 digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = Secret::new(base32(b"12345678901234567890"));
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            let at = DateTime::from_timestamp(t, 0).unwrap_or_default();
            assert_eq!(
                code_at_step(&secret, step_at(at)).as_deref(),
                Some(code),
                "t={t}"
            );
        }
    }

    #[test]
    fn drift_and_replay() {
        let secret = Secret::new(base32(b"12345678901234567890"));
        let now = DateTime::from_timestamp(1_111_111_111, 0).unwrap_or_default();
        let step = step_at(now);
        let prev = code_at_step(&secret, step - 1).unwrap_or_default();
        assert_eq!(verify(&secret, &prev, now, None), Some(step - 1));
        assert_eq!(
            verify(&secret, &prev, now, Some(step - 1)),
            None,
            "replayed"
        );
        let old = code_at_step(&secret, step - 2).unwrap_or_default();
        assert_eq!(verify(&secret, &old, now, None), None, "too old");
        assert_eq!(verify(&secret, "000000x", now, None), None);
    }

    #[test]
    fn base32_round_trips() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(unbase32(&base32(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn recovery_codes_are_stored_as_digests() {
        let (shown, stored) = recovery_codes(&crate::secrets::SeededRandom::new(4));
        assert_eq!(shown.len(), 10);
        assert_eq!(
            recovery_digest(&shown[0].expose().to_lowercase()),
            stored[0]
        );
        assert!(!stored.iter().any(|d| d.contains(shown[0].expose())));
    }
}
