//! The notification outbox (通知): what the library wants sent — account
//! issuance, password resets, user-id reminders, e-mail confirmations,
//! inactivity notices and suspensions, bank-account applications and
//! decisions, notices. Nothing here sends mail; the
//! embedding system drains the outbox and acknowledges what it sent.
//!
//! A notification may carry secrets (a temporary password, a URL token).
//! They are kept only until the notification is acknowledged: the
//! acknowledgement erases them, and `Debug` never shows them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::accounts::UserId;
use crate::identifiers::EmailAddress;
use crate::macros::named_enum;
use crate::organisation::OrganisationError;
use crate::secrets::Secret;

named_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// A new account: user id, temporary password and URL (H-1-1, H-1-2).
        AccountIssued = "account_issued",
        /// A password reset: a new temporary password and URL (H-1-5).
        PasswordReset = "password_reset",
        /// The user ids registered with an address (H-1-6).
        UserIdReminder = "user_id_reminder",
        /// The link that confirms a new e-mail address (H-1-3).
        EmailConfirmation = "email_confirmation",
        /// The account will be suspended for inactivity (H-1-8 notice).
        InactivityNotice = "inactivity_notice",
        /// The account was suspended for inactivity (H-1-8 execution).
        AccountSuspended = "account_suspended",
        /// A bank-account application was made (to the federation, H-9).
        BankAccountApplied = "bank_account_applied",
        /// An application was approved (to the institution, then the federation).
        BankAccountApproved = "bank_account_approved",
        /// An application was rejected, with its reason (to the institution,
        /// then the federation).
        BankAccountRejected = "bank_account_rejected",
        /// A notice (お知らせ, H-11) to one user.
        Notice = "notice",
    }
    unknown: OrganisationError = |v| OrganisationError::InvalidOperation { value: v.to_owned() };
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Position in the outbox (0 until stored).
    pub seq: i64,
    /// What about.
    pub kind: NotificationKind,
    /// Where to send it.
    pub recipient: EmailAddress,
    /// The account it concerns, if one.
    pub user: Option<UserId>,
    /// What to say (plain values).
    pub payload: BTreeMap<String, String>,
    /// Secrets to include, erased once acknowledged.
    pub secrets: BTreeMap<String, Secret>,
    /// A key that makes the notification idempotent: a second notification
    /// with the same key is not stored.
    pub dedupe_key: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When the embedding system acknowledged sending it.
    pub delivered_at: Option<DateTime<Utc>>,
}
