use crate::text::nfkc_trimmed;

use super::IdentifierError;
use crate::macros::string_identifier;

/// Validates an opaque key: NFKC, trimmed, 1–`max` characters of ASCII
/// letters, digits, `-` and `_`.
fn opaque(input: &str, max: usize) -> Result<String, &'static str> {
    let s = nfkc_trimmed(input);
    check_opaque(&s, max)?;
    Ok(s)
}

/// [`opaque`] of text already owned: kept as it is, without a copy, when
/// it is already normal (ASCII, nothing to trim), as stored keys are. The
/// text comes back with the reason when it is refused.
fn opaque_owned(input: String, max: usize) -> Result<String, (String, &'static str)> {
    if !input.is_ascii() || input.trim().len() != input.len() {
        return opaque(&input, max).map_err(|reason| (input, reason));
    }
    match check_opaque(&input, max) {
        Ok(()) => Ok(input),
        Err(reason) => Err((input, reason)),
    }
}

/// The checks on a normalised key.
fn check_opaque(s: &str, max: usize) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err("empty");
    }
    if s.len() > max {
        return Err("too long");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("only letters, digits, '-' and '_' are allowed");
    }
    Ok(())
}

macro_rules! opaque_id {
    ($(#[$meta:meta])* $ty:ident, $kind:literal, $max:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $ty(String);

        impl $ty {
            /// Validates the key (1–
            #[doc = stringify!($max)]
            /// of A–Z, a–z, 0–9, `-`, `_`; full-width accepted).
            pub fn parse(input: &str) -> Result<Self, IdentifierError> {
                opaque(input, $max)
                    .map($ty)
                    .map_err(|reason| IdentifierError::InvalidKey {
                        kind: $kind,
                        value: input.to_owned(),
                        reason,
                    })
            }

            /// [`Self::parse`] of text already owned (a stored key): the
            /// same checks, without a copy when it is already normal.
            pub fn parse_owned(input: String) -> Result<Self, IdentifierError> {
                opaque_owned(input, $max)
                    .map($ty)
                    .map_err(|(value, reason)| IdentifierError::InvalidKey {
                        kind: $kind,
                        value,
                        reason,
                    })
            }

            /// The key as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_identifier!($ty);
    };
}

opaque_id!(
    /// 予防接種管理番号: the vaccination management id that identifies a person
    /// across municipalities in the national system.
    ManagementId,
    "management_id",
    32
);
opaque_id!(
    /// 予防接種対象者番号: the subject number a municipality's system assigns.
    SubjectNumber,
    "subject_number",
    32
);
opaque_id!(
    /// The id of one vaccination record (接種記録).
    RecordId,
    "record_id",
    40
);
opaque_id!(
    /// A vaccine code (ワクチンコード) as the national masters list it.
    VaccineCode,
    "vaccine",
    32
);
