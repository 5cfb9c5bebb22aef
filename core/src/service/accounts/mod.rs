//! Accounts (H-1), organisation access tokens (H-2) and the outbox, persisted:
//! one file per part of the flow, as in [`crate::accounts`]; the results
//! they return and the helpers they share are here.

use chrono::{DateTime, NaiveDate, Utc};

use crate::accounts::{
    decide_sign_in, extract_first_administrators, hash_password, totp, verify_password,
    AccountStatus, Credentials, ExtractionInput, HashedHistory, InactivitySchedule,
    PasswordContext, PasswordHash, RejectedRow, SignInDecision, SignInError, TemporaryPassword,
    User, UserId,
};
use crate::authz::{Operation, Relation};
use crate::identifiers::EmailAddress;
use crate::organisation::{OrganisationCode, OrganisationType, Role};
use crate::outbox::{Notification, NotificationKind};
use crate::secrets::{constant_time_eq, digest_hex, random_code, Random, Secret};
use crate::store::{ChangeSet, Expected, Organisation, StoredOrganisation, StoredUser, Write};
use crate::tokens::{self, AccessToken, TokenError};
use crate::Error;

use super::{Actor, ServiceError, Sesshu};

mod access_tokens;
mod changes;
mod inactivity;
mod outbox;
mod registration;
mod resets;
mod second_factor;
mod sign_in;

/// A new account: what its holder needs to set a permanent password. The
/// same is queued in the outbox for the holder's e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedAccount {
    /// The new user id.
    pub user_id: UserId,
    /// 仮パスワード.
    pub temporary_password: Secret,
    /// The single-use token of the activation URL.
    pub url_token: Secret,
    /// Both are valid until then.
    pub expires_at: DateTime<Utc>,
}

/// What a first-administrator extraction did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractionReport {
    /// Accounts issued, in master order.
    pub issued: Vec<(OrganisationCode, UserId)>,
    /// Rows reported instead of issued.
    pub rejected: Vec<RejectedRow>,
}

/// What an inactivity batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Accounts the rule selected.
    pub candidates: u64,
    /// Accounts changed (suspended) or notified by this run.
    pub changed: u64,
}

/// What a user changes of their own account (H-1-3): `None` leaves a field
/// as it is. A new e-mail address takes effect only through the link sent
/// to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new e-mail address (confirmed by link).
    pub email: Option<EmailAddress>,
    /// The complete new list of linked accounts.
    pub linked_accounts: Option<Vec<UserId>>,
    /// `(current password, new password)`.
    pub password: Option<(Secret, Secret)>,
}

/// What an administrator changes of a user of their organisation (H-1-4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new role (valid for the organisation type).
    pub role: Option<Role>,
    /// Active or suspended.
    pub state: Option<AccountStatus>,
}

/// Which fields a change actually changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// Field names applied, in order (`email` means: confirmation sent).
    pub changed: Vec<&'static str>,
}

/// A new organisation access token: shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token in clear (`sst_…`).
    pub token: Secret,
    /// What is stored of it.
    pub stored: AccessToken,
}

fn wrong() -> Error {
    SignInError::InvalidCredentials.into()
}

impl Sesshu {
    pub(in crate::service) fn rng(&self) -> Result<&dyn Random, Error> {
        self.random
            .as_deref()
            .ok_or_else(|| SignInError::NoRandomSource.into())
    }

    pub(in crate::service) fn put_user(user: User, at: DateTime<Utc>, expected: Expected) -> Write {
        Write::PutUser {
            user: Box::new(user),
            updated_at: at,
            expected,
        }
    }

    /// A temporary password and URL token for `user`, valid for `hours`,
    /// and the notification that carries them.
    fn temporary_credentials(
        &self,
        user: &User,
        hours: i64,
        kind: NotificationKind,
        now: DateTime<Utc>,
    ) -> Result<(TemporaryPassword, IssuedAccount, Notification), Error> {
        let rng = self.rng()?;
        let temporary_password = Secret::new(random_code(rng, 16));
        let url_token = Secret::new(random_code(rng, 32));
        let expires_at = crate::calendar::hours_after(now, hours, "temporary password validity")?;
        let temp = TemporaryPassword {
            digest: digest_hex(temporary_password.expose()),
            url_token_digest: digest_hex(url_token.expose()),
            expires_at,
        };
        let notification = Notification {
            seq: 0,
            kind,
            recipient: user.email.clone(),
            user: Some(user.id.clone()),
            payload: [
                ("user_id".to_owned(), user.id.to_string()),
                ("name".to_owned(), user.name.clone()),
                (
                    "expires_at".to_owned(),
                    crate::calendar::utc_text(expires_at),
                ),
            ]
            .into(),
            secrets: [
                ("temporary_password".to_owned(), temporary_password.clone()),
                ("url_token".to_owned(), url_token.clone()),
            ]
            .into(),
            dedupe_key: None,
            created_at: now,
            delivered_at: None,
        };
        let issued = IssuedAccount {
            user_id: user.id.clone(),
            temporary_password,
            url_token,
            expires_at,
        };
        Ok((temp, issued, notification))
    }

    /// Writes for a new user of `org` (its row read at `org_version`), with
    /// a temporary password valid for `hours`.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::service) fn new_user(
        &self,
        org: &mut Organisation,
        email: EmailAddress,
        name: &str,
        role: Role,
        hours: i64,
        now: DateTime<Utc>,
        writes: &mut Vec<Write>,
    ) -> Result<IssuedAccount, Error> {
        org.org_type.check_role(role)?;
        org.users_issued += 1;
        let mut user = User {
            id: UserId::new(&org.code, org.users_issued),
            org_type: org.org_type,
            organisation: org.code.clone(),
            email,
            name: name.trim().to_owned(),
            role,
            state: AccountStatus::Active,
            linked_accounts: Vec::new(),
            issued_at: now,
            last_sign_in: None,
            credentials: Credentials::default(),
        };
        let (temp, issued, mut notification) =
            self.temporary_credentials(&user, hours, NotificationKind::AccountIssued, now)?;
        notification.dedupe_key = Some(format!("account_issued:{}", user.id));
        user.credentials.temporary = Some(temp);
        writes.push(Self::put_user(user, now, Expected::Absent));
        writes.push(Write::Notify { notification });
        Ok(issued)
    }

    pub(in crate::service) fn organisation_or_new(
        &self,
        org_type: OrganisationType,
        code: &OrganisationCode,
    ) -> Result<(Organisation, Expected), Error> {
        Ok(match self.store.organisation(code)? {
            Some(StoredOrganisation {
                organisation,
                version,
            }) => (organisation, Expected::Version(version)),
            None => (
                Organisation {
                    org_type,
                    code: code.clone(),
                    online_eligibility: false,
                    first_admin: None,
                    users_issued: 0,
                },
                Expected::Absent,
            ),
        })
    }

    pub(in crate::service) fn stored_user(
        &self,
        user_id: &str,
    ) -> Result<Option<StoredUser>, Error> {
        match UserId::parse(user_id) {
            Ok(id) => Ok(self.store.user(&id)?),
            Err(_) => Ok(None),
        }
    }

    /// Verifies `password` against a hash of the configured cost, so an
    /// unknown user id takes as long as a known one.
    fn spend_like_a_verification(&self, password: &str) {
        let hash = self.dummy_hash.get_or_init(|| {
            let rng = crate::secrets::SeededRandom::new(0);
            hash_password("-", self.accounts.argon2, &rng)
                .unwrap_or_else(|_| PasswordHash::from_stored(""))
        });
        let _ = verify_password(password, hash);
    }

    /// Records a failed attempt (and maybe a lock) and answers
    /// `invalid_credentials`.
    fn fail(&self, mut stored: StoredUser, now: DateTime<Utc>) -> Result<Actor, Error> {
        let policy = self.accounts.lockout;
        stored.user.credentials.failures =
            policy.after_failure(&stored.user.credentials.failures, now);
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(
                stored.user,
                now,
                Expected::Version(stored.version),
            )],
            log: Vec::new(),
        })?;
        Err(wrong())
    }
}
