//! Accounts (H-1, H-2): organisations, users, access tokens and the
//! outbox of notifications.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::accounts::{User, UserId};
use crate::organisation::{OrganisationCode, OrganisationType};
use crate::outbox::Notification;
use crate::tokens::AccessToken;

/// An organisation known to the national system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Organisation {
    /// Its type.
    pub org_type: OrganisationType,
    /// Its code.
    pub code: OrganisationCode,
    /// Connected to the online eligibility network (オンライン資格確認):
    /// such an institution issues its own access tokens.
    pub online_eligibility: bool,
    /// Its first administrator, once issued (H-1-1).
    pub first_admin: Option<UserId>,
    /// How many user ids it has been given (the next is this + 1).
    pub users_issued: u64,
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrganisation {
    /// The organisation.
    pub organisation: Organisation,
    /// Row version, from 1.
    pub version: i64,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    /// The user.
    pub user: User,
    /// Row version, from 1.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The reads of accounts.
pub trait AccountStore: Send + Sync {
    /// An organisation by code.
    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError>;
    /// Organisations by code (those that exist), in code order.
    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError>;
    /// A user by id.
    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError>;
    /// Users with this e-mail address, in id order.
    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError>;
    /// An organisation's users, in id order, after `after`.
    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit: usize,
    ) -> Result<Vec<StoredUser>, StoreError>;
    /// Active users whose last activity (last sign-in, or issuance) is
    /// before `threshold`, in (last activity, id) order, after the user
    /// `after` names (narrowing only: the inactivity rule decides).
    fn inactive_users(
        &self,
        threshold: DateTime<Utc>,
        after: Option<(DateTime<Utc>, &UserId)>,
        limit: usize,
    ) -> Result<Vec<StoredUser>, StoreError>;
    /// An access token by id.
    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError>;
    /// An organisation's access tokens, in id order.
    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError>;
    /// Notifications after `after_seq` (only unsent ones when `pending`),
    /// in order.
    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError>;
}
