//! Password policy (パスワードポリシー, H-1-7, SPEC §14).
//!
//! The password is NFKC-normalised, then checked; every violation is
//! reported (not just the first), so the user can fix them at once.

use std::collections::HashSet;
use std::sync::OnceLock;

use thiserror::Error;

use crate::text::nfkc;

/// The bundled list of the 10,000 most common passwords (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect())
}

/// Whether `password` (NFKC-normalised, lower-cased) is in the bundled list
/// of common passwords.
pub fn is_common_password(password: &str) -> bool {
    common_passwords().contains(nfkc(password).to_lowercase().as_str())
}

/// A policy that contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PasswordPolicyError {
    /// The policy's numbers are inconsistent.
    #[error("invalid password policy: {reason}")]
    InvalidPolicy {
        /// What is wrong.
        reason: &'static str,
    },
}

impl PasswordPolicyError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordPolicyError::InvalidPolicy { .. } => "invalid_policy",
        }
    }
}

/// One way a password fails the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PasswordViolation {
    /// Fewer characters than `min_length`.
    TooShort,
    /// More characters than `max_length`.
    TooLong,
    /// No lower-case letter a–z.
    MissingLowercase,
    /// No upper-case letter A–Z.
    MissingUppercase,
    /// No digit 0–9.
    MissingDigit,
    /// No symbol (printable ASCII other than a letter or digit, space included).
    MissingSymbol,
    /// Contains the user id (any case).
    ContainsUserId,
    /// Contains the e-mail address's local part (any case).
    ContainsEmail,
    /// In the list of common passwords.
    CommonPassword,
    /// Equal to one of the recent previous passwords.
    ReusedPassword,
    /// Contains a control character.
    InvalidCharacter,
}

impl PasswordViolation {
    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            PasswordViolation::TooShort => "too_short",
            PasswordViolation::TooLong => "too_long",
            PasswordViolation::MissingLowercase => "missing_lowercase",
            PasswordViolation::MissingUppercase => "missing_uppercase",
            PasswordViolation::MissingDigit => "missing_digit",
            PasswordViolation::MissingSymbol => "missing_symbol",
            PasswordViolation::ContainsUserId => "contains_user_id",
            PasswordViolation::ContainsEmail => "contains_email",
            PasswordViolation::CommonPassword => "common_password",
            PasswordViolation::ReusedPassword => "reused_password",
            PasswordViolation::InvalidCharacter => "invalid_character",
        }
    }

    /// A message for the user.
    pub fn message(self) -> &'static str {
        match self {
            PasswordViolation::TooShort => "the password is too short",
            PasswordViolation::TooLong => "the password is too long",
            PasswordViolation::MissingLowercase => "add a lower-case letter (a–z)",
            PasswordViolation::MissingUppercase => "add an upper-case letter (A–Z)",
            PasswordViolation::MissingDigit => "add a digit (0–9)",
            PasswordViolation::MissingSymbol => "add a symbol such as ! or #",
            PasswordViolation::ContainsUserId => "the password must not contain your user id",
            PasswordViolation::ContainsEmail => "the password must not contain your e-mail address",
            PasswordViolation::CommonPassword => "this password is too common",
            PasswordViolation::ReusedPassword => "this password was used recently",
            PasswordViolation::InvalidCharacter => "the password contains a control character",
        }
    }
}

/// The configurable password policy.
///
/// [`Default`] follows current guidance (NIST SP 800-63B, OWASP): length
/// matters more than composition, so 12–128 characters with letters of both
/// cases and a digit, no user id or e-mail, not a common password, not one
/// of the last 5.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode scalar values after NFKC).
    pub min_length: u32,
    /// Most characters.
    pub max_length: u32,
    /// Require a–z.
    pub require_lowercase: bool,
    /// Require A–Z.
    pub require_uppercase: bool,
    /// Require 0–9.
    pub require_digit: bool,
    /// Require a symbol.
    pub require_symbol: bool,
    /// Forbid the user id inside the password.
    pub forbid_user_id: bool,
    /// Forbid the e-mail local part inside the password.
    pub forbid_email: bool,
    /// Reject passwords in the common-password list.
    pub reject_common: bool,
    /// How many previous passwords may not be reused (0 = none checked).
    pub history_size: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 12,
            max_length: 128,
            require_lowercase: true,
            require_uppercase: true,
            require_digit: true,
            require_symbol: false,
            forbid_user_id: true,
            forbid_email: true,
            reject_common: true,
            history_size: 5,
        }
    }
}

/// Who the password is for.
#[derive(Debug, Clone, Copy)]
pub struct PasswordContext<'a> {
    /// The user id.
    pub user_id: &'a str,
    /// The user's e-mail address.
    pub email: &'a str,
}

/// The user's previous passwords, newest first, as the store holds them
/// (hashes in production). `is_reused` answers whether the NFKC-normalised
/// candidate equals one of the newest `depth` of them.
pub trait PasswordHistory {
    /// Whether `candidate` equals one of the newest `depth` previous passwords.
    fn is_reused(&self, candidate: &str, depth: usize) -> bool;
}

/// Previous passwords held in clear for the moment of the check (e.g.
/// supplied by an identity provider), newest first.
impl<S: AsRef<str>> PasswordHistory for [S] {
    fn is_reused(&self, candidate: &str, depth: usize) -> bool {
        self.iter()
            .take(depth)
            .any(|previous| nfkc(previous.as_ref()) == candidate)
    }
}

/// Whether `needle` (3+ characters) occurs in `haystack`, ignoring case.
fn contains_folded(haystack_lower: &str, needle: &str) -> bool {
    let needle = nfkc(needle).to_lowercase();
    needle.chars().count() >= 3 && haystack_lower.contains(&needle)
}

impl PasswordPolicy {
    /// Checks that the policy is self-consistent.
    pub fn validate(&self) -> Result<(), PasswordPolicyError> {
        if self.max_length == 0 {
            return Err(PasswordPolicyError::InvalidPolicy {
                reason: "max_length must be at least 1",
            });
        }
        if self.min_length > self.max_length {
            return Err(PasswordPolicyError::InvalidPolicy {
                reason: "min_length is greater than max_length",
            });
        }
        Ok(())
    }

    /// Every violation of the policy, in a fixed order; empty when the
    /// password is acceptable.
    pub fn check<H: PasswordHistory + ?Sized>(
        &self,
        who: PasswordContext<'_>,
        password: &str,
        history: &H,
    ) -> Vec<PasswordViolation> {
        use PasswordViolation as V;
        let pw = nfkc(password);
        let lower = pw.to_lowercase();
        let len = pw.chars().count();
        let has = |f: fn(&char) -> bool| pw.chars().any(|c| f(&c));
        let is_symbol = |c: &char| (' '..='~').contains(c) && !c.is_ascii_alphanumeric();
        let email_local = who.email.split_once('@').map_or(who.email, |(l, _)| l);

        let checks = [
            (
                u32::try_from(len).unwrap_or(u32::MAX) < self.min_length,
                V::TooShort,
            ),
            (
                u32::try_from(len).unwrap_or(u32::MAX) > self.max_length,
                V::TooLong,
            ),
            (
                self.require_lowercase && !has(char::is_ascii_lowercase),
                V::MissingLowercase,
            ),
            (
                self.require_uppercase && !has(char::is_ascii_uppercase),
                V::MissingUppercase,
            ),
            (
                self.require_digit && !has(char::is_ascii_digit),
                V::MissingDigit,
            ),
            (self.require_symbol && !has(is_symbol), V::MissingSymbol),
            (
                self.forbid_user_id && contains_folded(&lower, who.user_id),
                V::ContainsUserId,
            ),
            (
                self.forbid_email && contains_folded(&lower, email_local),
                V::ContainsEmail,
            ),
            (
                self.reject_common && common_passwords().contains(lower.as_str()),
                V::CommonPassword,
            ),
            (
                self.history_size > 0
                    && history.is_reused(
                        &pw,
                        usize::try_from(self.history_size).unwrap_or(usize::MAX),
                    ),
                V::ReusedPassword,
            ),
            (has(|c| c.is_control()), V::InvalidCharacter),
        ];
        checks
            .into_iter()
            .filter_map(|(failed, v)| failed.then_some(v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list() {
        assert!(common_passwords().len() >= 10_000);
        assert!(is_common_password("Password"));
        assert!(is_common_password("ｉｌｏｖｅｙｏｕ"));
        assert!(!is_common_password("vaccination ledger in sapporo"));
    }

    #[test]
    fn policy_consistency() {
        assert!(PasswordPolicy::default().validate().is_ok());
        let bad = PasswordPolicy {
            min_length: 20,
            max_length: 10,
            ..PasswordPolicy::default()
        };
        assert_eq!(bad.validate().map_err(|e| e.code()), Err("invalid_policy"));
    }

    #[test]
    fn history_depth() {
        let p = PasswordPolicy {
            history_size: 1,
            ..PasswordPolicy::default()
        };
        let who = PasswordContext {
            user_id: "u1",
            email: "a@b.jp",
        };
        let history = ["Newest-Pass-2025", "Older-Pass-2024x"];
        assert!(p.check(who, "Older-Pass-2024x", &history[..]).is_empty());
        assert_eq!(
            p.check(who, "Newest-Pass-2025", &history[..]),
            [PasswordViolation::ReusedPassword]
        );
    }
}
