//! Accounts (アカウント管理, H-1, SPEC §14): who gets a first administrator,
//! what a password must be, and when an unused account is suspended.

mod extraction;
mod inactivity;
mod password;

pub use extraction::{
    extract_first_administrators, AdministratorRow, DelegationStatus, Extraction, ExtractionError,
    ExtractionInput, FirstAdministrator, IssuanceClass, OrganisationRow, RejectedRow,
};
pub use inactivity::{AccountActivity, AccountStatus, InactivityError, InactivitySchedule};
pub use password::{
    is_common_password, PasswordContext, PasswordHistory, PasswordPolicy, PasswordPolicyError,
    PasswordViolation,
};
