//! The one place core errors become the apps' error type.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

/// Every refusal: `code` is the stable machine code, `reason` the message.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SesshuError {
    /// The operation was refused.
    #[error("{reason} ({code})")]
    Failed {
        /// The stable machine code.
        code: String,
        /// A message for people.
        reason: String,
    },
}

/// A core error for the apps.
pub fn fail(e: impl Into<sesshu_core::Error>) -> SesshuError {
    let e: sesshu_core::Error = e.into();
    SesshuError::Failed {
        code: e.code().to_owned(),
        reason: e.to_string(),
    }
}

/// An error of the binding itself.
pub fn invalid(code: &str, reason: impl Into<String>) -> SesshuError {
    SesshuError::Failed {
        code: code.to_owned(),
        reason: reason.into(),
    }
}

/// A result for the apps.
pub type Result<T, E = SesshuError> = std::result::Result<T, E>;

/// Instants cross as the platform's (`java.time.Instant`, `Date`).
pub type Timestamp = DateTime<Utc>;
uniffi::custom_type!(Timestamp, SystemTime, { remote });
