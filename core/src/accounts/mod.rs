//! Accounts (アカウント管理, H-1, SPEC §14): who gets a first administrator,
//! what a password must be, and when an unused account is suspended.

mod extraction;
mod hashing;
mod inactivity;
mod lockout;
mod password;
mod sign_in;
pub mod totp;
mod users;

pub use extraction::{
    extract_first_administrators, AdministratorRow, DelegationStatus, Extraction, ExtractionError,
    ExtractionInput, FirstAdministrator, IssuanceClass, OrganisationRow, RejectedRow,
};
pub use hashing::{
    hash_password, verify_password, Argon2Params, HashedHistory, HashingError, PasswordHash,
};
pub use inactivity::{AccountActivity, AccountStatus, InactivityError, InactivitySchedule};
pub use lockout::{FailureState, LockoutPolicy};
pub use password::{
    is_common_password, PasswordContext, PasswordHistory, PasswordPolicy, PasswordPolicyError,
    PasswordViolation,
};
pub use sign_in::{decide_sign_in, SignInDecision, SignInError};
pub use users::{
    AccountConfig, Credentials, PendingEmail, TemporaryPassword, TotpEnrolment, User, UserId,
};
