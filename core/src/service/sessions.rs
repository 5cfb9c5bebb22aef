//! Who may act on a store: its mode (development or production), the first
//! operator's bootstrap, and signed-in users' sessions (ADR 0015).
//!
//! On a production store every read and change of personal data runs under
//! an identity verified from a credential: an organisation access token
//! ([`Sesshu::verify_token`]) or a session opened by signing in
//! ([`Sesshu::open_session`]). A development store (the demo, examples,
//! tests) believes the identity it is given, and says so.

use chrono::{DateTime, Utc};

use crate::accounts::{AccountStatus, SignInError};
use crate::identifiers::EmailAddress;
use crate::macros::named_enum;
use crate::organisation::{OrganisationCode, OrganisationError, OrganisationType, Role};
use crate::secrets::Secret;
use crate::store::{settings, ChangeSet, Expected, Write};
use crate::tokens::{self, TokenError};
use crate::Error;

use super::{Actor, IssuedAccount, ServiceError, Sesshu};

named_enum! {
    /// Whether a store believes identity as given (開発用) or verifies it
    /// from a credential (本番).
    pub enum StoreMode {
        /// The demo, examples and tests: identity flags are believed, and
        /// every command says so.
        Development = "development",
        /// Real residents' data: identity comes from a verified credential.
        Production = "production",
    }
    unknown: OrganisationError = |v| OrganisationError::InvalidOperation { value: v.to_owned() };
}

/// A session opened by signing in: the token to present (shown once) and
/// the actor it acts as.
#[derive(Debug)]
pub struct OpenedSession {
    /// The session token (`sst_…`); only its digest is stored.
    pub token: Secret,
    /// Its public id (to revoke it).
    pub id: String,
    /// The signed-in user as an actor.
    pub actor: Actor,
    /// The session ends then.
    pub expires_at: DateTime<Utc>,
}

impl Sesshu {
    /// The store's mode; a store that never had one set (made before modes
    /// existed) is a production store.
    pub fn store_mode(&self) -> Result<StoreMode, Error> {
        match self.store.setting(settings::MODE)? {
            None => Ok(StoreMode::Production),
            Some(v) => StoreMode::parse(&v).map_err(|e| {
                crate::store::StoreError::Corrupt {
                    entity: "store setting",
                    id: settings::MODE.to_owned(),
                    reason: e.to_string(),
                }
                .into()
            }),
        }
    }

    /// Sets the mode of a new store, once (`store_mode_fixed` when it has
    /// another). Returns whether this call set it.
    pub fn initialise(&self, mode: StoreMode) -> Result<bool, Error> {
        if let Some(v) = self.store.setting(settings::MODE)? {
            let current = self.store_mode()?;
            if current != mode {
                return Err(ServiceError::ModeFixed {
                    mode: current,
                    asked: mode,
                }
                .into());
            }
            debug_assert_eq!(v, mode.as_str());
            return Ok(false);
        }
        self.store.commit(ChangeSet {
            writes: vec![Write::PutSetting {
                key: settings::MODE.to_owned(),
                value: mode.as_str().to_owned(),
            }],
            log: Vec::new(),
        })?;
        Ok(true)
    }

    /// The user the bootstrap credential was issued to, if it was.
    pub fn bootstrap_user(&self) -> Result<Option<String>, Error> {
        Ok(self.store.setting(settings::BOOTSTRAP)?)
    }

    /// Issues the first operator's credential (初回の管理者), once per
    /// store: an administrator of `organisation` with a temporary password
    /// and activation token, as any created account has. The operator
    /// activates it, signs in, and from then on creates users and issues
    /// tokens as an administrator does.
    pub fn bootstrap_operator(
        &self,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
        email: &EmailAddress,
        name: &str,
    ) -> Result<IssuedAccount, Error> {
        if let Some(user) = self.bootstrap_user()? {
            return Err(ServiceError::AlreadyBootstrapped { user }.into());
        }
        let (issued, mut writes) =
            self.plan_user(org_type, organisation, email, name, Role::Administrator)?;
        // Written once: a second bootstrap racing this one conflicts here.
        writes.push(Write::PutSetting {
            key: settings::BOOTSTRAP.to_owned(),
            value: issued.user_id.as_str().to_owned(),
        });
        self.store.commit(ChangeSet {
            writes,
            log: Vec::new(),
        })?;
        Ok(issued)
    }

    /// Signs a user in ([`Sesshu::sign_in`]: password, and the second
    /// factor where enrolled) and opens a session for the configured
    /// `session_hours`: a token that acts as the user while the account
    /// stays active.
    pub fn open_session(
        &self,
        user_id: &str,
        password: &str,
        second_factor: Option<&str>,
    ) -> Result<OpenedSession, Error> {
        let actor = self.sign_in(user_id, password, second_factor)?;
        let stored = self.stored_user(user_id)?.ok_or(TokenError::Invalid)?;
        let now = self.now();
        let expires_at =
            crate::calendar::hours_after(now, self.accounts.session_hours, "session_hours")?;
        let (token, row) = tokens::open_session(self.rng()?, &stored.user, now, expires_at);
        let id = row.id.clone();
        self.store.commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: row,
                expected: Expected::Absent,
            }],
            log: Vec::new(),
        })?;
        Ok(OpenedSession {
            token,
            id,
            actor,
            expires_at,
        })
    }

    /// Ends a session (`sesshu logout`): its token is revoked at once.
    /// Returns whether this call ended it; an organisation token is not a
    /// session and is refused (`invalid_token`).
    pub fn close_session(&self, token: &str) -> Result<bool, Error> {
        let id = tokens::token_id(token).ok_or(TokenError::Invalid)?;
        let row = self.store.access_token(id)?.ok_or(TokenError::Invalid)?;
        if row.session_of.is_none() {
            return Err(TokenError::Invalid.into());
        }
        let now = self.now();
        match tokens::verify(token, &row, now) {
            Ok(()) => {}
            Err(TokenError::Revoked | TokenError::Expired) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        let version = row.version;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: tokens::AccessToken {
                    revoked_at: Some(now),
                    ..row
                },
                expected: Expected::Version(version),
            }],
            log: Vec::new(),
        })?;
        Ok(true)
    }

    /// The actor of a verified session row: the user as they are now, so
    /// a suspended account's session stops at once.
    pub(super) fn session_actor(&self, user_id: &str) -> Result<Actor, Error> {
        let stored = self.stored_user(user_id)?.ok_or(TokenError::Invalid)?;
        if stored.user.state == AccountStatus::Suspended {
            return Err(SignInError::Suspended.into());
        }
        Ok(stored.user.actor())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::StoreMode;
    use crate::conformance::services;
    use crate::store::MemoryStore;

    #[test]
    fn a_store_mode_is_set_once() {
        let s = services(Arc::new(MemoryStore::new()), 0);
        assert!(s.initialise(StoreMode::Development).unwrap());
        assert!(!s.initialise(StoreMode::Development).unwrap());
        assert_eq!(s.store_mode().unwrap(), StoreMode::Development);
        let e = s.initialise(StoreMode::Production).unwrap_err();
        assert_eq!(e.code(), "store_mode_fixed");
    }
}
