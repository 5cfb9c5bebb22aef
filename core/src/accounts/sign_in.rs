//! Why a sign-in, an activation or a credential change was refused.

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::PasswordViolation;

/// A refused sign-in or credential change. The messages never say whether
/// an account exists or which part was wrong: `invalid_credentials` covers
/// an unknown user id, a wrong password, a wrong temporary password or URL
/// token, and a wrong second factor.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The user id, password, token or code did not match.
    #[error("the user id or password is not correct")]
    InvalidCredentials,
    /// Too many failures: try again later.
    #[error("the account is locked after repeated failures until {until}")]
    Locked {
        /// When the lock ends.
        until: DateTime<Utc>,
    },
    /// The account is suspended (停止).
    #[error("the account is suspended")]
    Suspended,
    /// The account has a second factor: sign in again with its code.
    #[error("a second-factor code is required")]
    SecondFactorRequired,
    /// Only a temporary password is set: activate the account with it.
    #[error("set a permanent password first (the temporary password cannot sign in)")]
    PasswordChangeRequired,
    /// The temporary password and URL are past their validity: request a
    /// new temporary password.
    #[error("the temporary password has expired; request a new one")]
    TemporaryExpired,
    /// The link (e-mail change) is past its validity or was replaced.
    #[error("the link has expired or was already used")]
    LinkExpired,
    /// The new password does not satisfy the policy.
    #[error("the new password is not acceptable: {}", violations.iter().map(|v| v.message()).collect::<Vec<_>>().join("; "))]
    PasswordRejected {
        /// Every rule it breaks.
        violations: Vec<PasswordViolation>,
    },
    /// The services were built without a random source
    /// (`Sesshu::with_random`).
    #[error("no random source is configured for making secrets")]
    NoRandomSource,
}

impl SignInError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::InvalidCredentials => "invalid_credentials",
            SignInError::Locked { .. } => "account_locked",
            SignInError::Suspended => "account_suspended",
            SignInError::SecondFactorRequired => "second_factor_required",
            SignInError::PasswordChangeRequired => "password_change_required",
            SignInError::TemporaryExpired => "temporary_password_expired",
            SignInError::LinkExpired => "link_expired",
            SignInError::PasswordRejected { .. } => "password_rejected",
            SignInError::NoRandomSource => "no_random_source",
        }
    }
}
