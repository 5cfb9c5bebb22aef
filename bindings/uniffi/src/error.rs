//! The one place core errors become the apps' error type.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

/// Every refusal, one variant per kind ([`sesshu_core::ErrorKind`]) so
/// that apps can branch on it: `code` is the stable machine code, `reason`
/// the message (never an engine's own text).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SesshuError {
    /// An input was refused: a code, date, name or value that is not valid.
    #[error("{reason} ({code})")]
    Validation {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
    /// A rule refused the request.
    #[error("{reason} ({code})")]
    Rule {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
    /// The thing does not exist, or is not visible to the actor.
    #[error("{reason} ({code})")]
    NotFound {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
    /// The actor may not do this.
    #[error("{reason} ({code})")]
    NotAuthorized {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
    /// Another change won: read again and decide again.
    #[error("{reason} ({code})")]
    Conflict {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
    /// The storage engine failed.
    #[error("{reason} ({code})")]
    Storage {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
}

/// A core error for the apps, in the variant of its kind.
pub fn fail(e: impl Into<sesshu_core::Error>) -> SesshuError {
    use sesshu_core::ErrorKind;
    let e: sesshu_core::Error = e.into();
    let (code, reason) = (e.code().to_owned(), e.public_message());
    match e.kind() {
        ErrorKind::Rule => SesshuError::Rule { code, reason },
        ErrorKind::NotFound => SesshuError::NotFound { code, reason },
        ErrorKind::NotAuthorized => SesshuError::NotAuthorized { code, reason },
        ErrorKind::Conflict => SesshuError::Conflict { code, reason },
        ErrorKind::Storage => SesshuError::Storage { code, reason },
        _ => SesshuError::Validation { code, reason },
    }
}

/// An error of the binding itself (a value of the wrong form): bad input.
pub fn invalid(code: &str, reason: impl Into<String>) -> SesshuError {
    SesshuError::Validation {
        code: code.to_owned(),
        reason: reason.into(),
    }
}

/// A result for the apps.
pub type Result<T, E = SesshuError> = std::result::Result<T, E>;

/// Instants cross as the platform's (`java.time.Instant`, `Date`).
pub type Timestamp = DateTime<Utc>;
uniffi::custom_type!(Timestamp, SystemTime, { remote });
