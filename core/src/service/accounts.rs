//! Accounts (H-1), organisation access tokens (H-2) and the outbox, persisted.

use chrono::{DateTime, NaiveDate, Utc};

use crate::accounts::{
    extract_first_administrators, hash_password, totp, verify_password, AccountStatus, Credentials,
    ExtractionInput, HashedHistory, InactivitySchedule, PasswordContext, PasswordHash, RejectedRow,
    SignInError, TemporaryPassword, User, UserId,
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
    pub(super) fn rng(&self) -> Result<&dyn Random, Error> {
        self.random
            .as_deref()
            .ok_or_else(|| SignInError::NoRandomSource.into())
    }

    pub(super) fn put_user(user: User, at: DateTime<Utc>, expected: Expected) -> Write {
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
    pub(super) fn new_user(
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

    pub(super) fn organisation_or_new(
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

    /// Registers or updates an organisation (its type and whether it is
    /// connected to the online eligibility network). Operators only.
    pub fn register_organisation(
        &self,
        actor: &Actor,
        org_type: OrganisationType,
        code: &OrganisationCode,
        online_eligibility: bool,
    ) -> Result<(), Error> {
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        let (mut org, expected) = self.organisation_or_new(org_type, code)?;
        org.org_type = org_type;
        org.online_eligibility = online_eligibility;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutOrganisation {
                organisation: org,
                expected,
            }],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// H-1-2: an administrator creates a user of their own organisation
    /// with a role valid for it. The holder receives the user id, a
    /// temporary password and the activation URL (also queued in the
    /// outbox).
    pub fn create_user(
        &self,
        actor: &Actor,
        email: &EmailAddress,
        name: &str,
        role: Role,
    ) -> Result<IssuedAccount, Error> {
        self.guard(actor, Operation::CreateUsers, Relation::Own)?;
        let (issued, writes) =
            self.plan_user(actor.org_type, &actor.organisation, email, name, role)?;
        self.store.commit(ChangeSet {
            writes,
            log: Vec::new(),
        })?;
        Ok(issued)
    }

    /// The writes that create one user in `organisation` (the
    /// organisation itself first, created if new): what `create_user` and
    /// the first operator's bootstrap commit.
    pub(super) fn plan_user(
        &self,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
        email: &EmailAddress,
        name: &str,
        role: Role,
    ) -> Result<(IssuedAccount, Vec<Write>), Error> {
        let (mut org, expected) = self.organisation_or_new(org_type, organisation)?;
        let mut writes = Vec::new();
        let issued = self.new_user(
            &mut org,
            email.clone(),
            name,
            role,
            self.accounts.temporary_validity_hours,
            self.now(),
            &mut writes,
        )?;
        writes.insert(
            0,
            Write::PutOrganisation {
                organisation: org,
                expected,
            },
        );
        Ok((issued, writes))
    }

    /// H-1-1: the daily first-administrator batch. Organisations that
    /// already have one are skipped, so a rerun (or a run after a crash)
    /// issues nothing twice; each organisation commits on its own.
    pub fn extract_first_administrators(
        &self,
        actor: &Actor,
        input: &ExtractionInput,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ExtractionReport, Error> {
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        let mut codes: Vec<OrganisationCode> = input
            .medical_institutions
            .iter()
            .chain(&input.municipalities)
            .chain(&input.unions)
            .map(|r| r.code.as_str())
            .chain(input.administrators.iter().map(|r| r.org_code.as_str()))
            .filter_map(|c| OrganisationCode::parse(c).ok())
            .collect();
        codes.sort();
        codes.dedup();
        let mut known: std::collections::HashMap<OrganisationCode, StoredOrganisation> = self
            .store
            .organisations(&codes)?
            .into_iter()
            .map(|o| (o.organisation.code.clone(), o))
            .collect();
        let mut input = input.clone();
        input.already_issued.extend(
            known
                .values()
                .filter(|o| o.organisation.first_admin.is_some())
                .map(|o| o.organisation.code.to_string()),
        );
        let extraction = extract_first_administrators(&input);
        let now = self.now();
        let mut report = ExtractionReport {
            issued: Vec::new(),
            rejected: extraction.rejected,
        };
        let total = extraction.issue.len();
        // Commits of 500 organisations: a crash loses at most the open
        // chunk, and the rerun issues exactly what is missing.
        for chunk in extraction.issue.chunks(500) {
            let mut writes = Vec::new();
            let mut issued = Vec::new();
            for admin in chunk {
                let (mut org, expected) = match known.remove(&admin.org_code) {
                    Some(o) => (o.organisation, Expected::Version(o.version)),
                    None => self.organisation_or_new(admin.org_type, &admin.org_code)?,
                };
                let mut user_writes = Vec::new();
                let account = self.new_user(
                    &mut org,
                    admin.email.clone(),
                    &admin.admin_name,
                    Role::Administrator,
                    self.accounts.first_admin_validity_hours,
                    now,
                    &mut user_writes,
                )?;
                org.first_admin = Some(account.user_id.clone());
                writes.push(Write::PutOrganisation {
                    organisation: org,
                    expected,
                });
                writes.extend(user_writes);
                issued.push((admin.org_code.clone(), account.user_id));
            }
            self.store.commit(ChangeSet {
                writes,
                log: Vec::new(),
            })?;
            report.issued.extend(issued);
            progress(report.issued.len(), total);
        }
        Ok(report)
    }

    pub(super) fn stored_user(&self, user_id: &str) -> Result<Option<StoredUser>, Error> {
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

    /// H-1-7: sets the permanent password of a new (or reset) account from
    /// its temporary password and URL token, under the password policy.
    pub fn activate_account(
        &self,
        user_id: &str,
        url_token: &str,
        temporary_password: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        let now = self.now();
        let Some(stored) = self.stored_user(user_id)? else {
            return Err(wrong());
        };
        let policy = self.accounts.lockout;
        if let Some(until) = stored
            .user
            .credentials
            .failures
            .locked_until
            .filter(|_| policy.is_locked(&stored.user.credentials.failures, now))
        {
            return Err(SignInError::Locked { until }.into());
        }
        let Some(temp) = stored.user.credentials.temporary.clone() else {
            return Err(wrong());
        };
        let token_ok = constant_time_eq(
            digest_hex(url_token).as_bytes(),
            temp.url_token_digest.as_bytes(),
        );
        let password_ok = constant_time_eq(
            digest_hex(temporary_password).as_bytes(),
            temp.digest.as_bytes(),
        );
        if !(password_ok && token_ok) {
            return self.fail(stored, now).map(|_| ());
        }
        if now >= temp.expires_at {
            return Err(SignInError::TemporaryExpired.into());
        }
        let mut user = stored.user;
        self.set_password(&mut user, new_password)?;
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(user, now, Expected::Version(stored.version))],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// H-1-9: signs a user in with their password (and, when enrolled,
    /// their second factor: a TOTP code or a recovery code). Returns the
    /// actor the user acts as. Failures count towards the lock; a
    /// suspended account is refused; the last sign-in is recorded.
    pub fn sign_in(
        &self,
        user_id: &str,
        password: &str,
        second_factor: Option<&str>,
    ) -> Result<Actor, Error> {
        let now = self.now();
        let Some(stored) = self.stored_user(user_id)? else {
            self.spend_like_a_verification(password);
            return Err(wrong());
        };
        let policy = self.accounts.lockout;
        let creds = &stored.user.credentials;
        if let (true, Some(until)) = (
            policy.is_locked(&creds.failures, now),
            creds.failures.locked_until,
        ) {
            return Err(SignInError::Locked { until }.into());
        }
        let Some(hash) = creds.password.clone() else {
            let temp_matches = creds.temporary.as_ref().is_some_and(|t| {
                constant_time_eq(digest_hex(password).as_bytes(), t.digest.as_bytes())
            });
            if temp_matches {
                return Err(SignInError::PasswordChangeRequired.into());
            }
            return self.fail(stored, now);
        };
        if !verify_password(password, &hash) {
            return self.fail(stored, now);
        }
        if stored.user.state == AccountStatus::Suspended {
            return Err(SignInError::Suspended.into());
        }
        let mut user = stored.user.clone();
        if let Some(enrolment) = user.credentials.totp.as_mut().filter(|t| t.confirmed) {
            let Some(code) = second_factor else {
                return Err(SignInError::SecondFactorRequired.into());
            };
            if let Some(step) = totp::verify(&enrolment.secret, code, now, enrolment.last_step) {
                enrolment.last_step = Some(step);
            } else {
                let digest = totp::recovery_digest(code);
                let before = enrolment.recovery.len();
                enrolment
                    .recovery
                    .retain(|d| !constant_time_eq(d.as_bytes(), digest.as_bytes()));
                if enrolment.recovery.len() == before {
                    return self.fail(stored, now);
                }
            }
        }
        user.last_sign_in = Some(now);
        user.credentials.failures = Default::default();
        let actor = user.actor();
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(user, now, Expected::Version(stored.version))],
            log: Vec::new(),
        })?;
        Ok(actor)
    }

    /// The signed-in user's own account.
    fn own_account(&self, actor: &Actor) -> Result<StoredUser, Error> {
        self.stored_user(&actor.user_id)?.ok_or_else(|| {
            ServiceError::NotFound {
                entity: "user",
                id: actor.user_id.clone(),
            }
            .into()
        })
    }

    /// Starts TOTP enrolment for the signed-in user: the secret and the
    /// `otpauth://` URI to show as a QR code. Sign-in requires it once
    /// [`confirm_totp`](Self::confirm_totp) accepted a first code.
    pub fn enrol_totp(&self, actor: &Actor) -> Result<(Secret, Secret), Error> {
        let stored = self.own_account(actor)?;
        let now = self.now();
        let secret = totp::new_secret(self.rng()?);
        let uri = totp::otpauth_uri(&secret, "sesshu", stored.user.id.as_str());
        let mut user = stored.user;
        user.credentials.totp = Some(crate::accounts::TotpEnrolment {
            secret: secret.clone(),
            confirmed: false,
            last_step: None,
            recovery: Vec::new(),
        });
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(user, now, Expected::Version(stored.version))],
            log: Vec::new(),
        })?;
        Ok((secret, uri))
    }

    /// Confirms TOTP enrolment with a first code; returns the ten recovery
    /// codes, shown once.
    pub fn confirm_totp(&self, actor: &Actor, code: &str) -> Result<Vec<Secret>, Error> {
        let stored = self.own_account(actor)?;
        let now = self.now();
        let mut user = stored.user;
        let Some(enrolment) = user.credentials.totp.as_mut() else {
            return Err(wrong());
        };
        let Some(step) = totp::verify(&enrolment.secret, code, now, enrolment.last_step) else {
            return Err(wrong());
        };
        let (shown, digests) = totp::recovery_codes(self.rng()?);
        enrolment.confirmed = true;
        enrolment.last_step = Some(step);
        enrolment.recovery = digests;
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(user, now, Expected::Version(stored.version))],
            log: Vec::new(),
        })?;
        Ok(shown)
    }

    /// H-1-3: the signed-in user changes their own account. Only fields
    /// that differ are applied; a new e-mail address waits for its link
    /// ([`confirm_email`](Self::confirm_email)); a new password needs the
    /// current one and passes the policy.
    pub fn update_own_account(
        &self,
        actor: &Actor,
        changes: &OwnChanges,
    ) -> Result<ChangeReport, Error> {
        let stored = self.own_account(actor)?;
        let now = self.now();
        let mut user = stored.user.clone();
        let mut report = ChangeReport::default();
        let mut writes = Vec::new();
        if let Some(name) = changes.name.as_deref().map(str::trim) {
            if name != user.name {
                user.name = name.to_owned();
                report.changed.push("name");
            }
        }
        if let Some(linked) = &changes.linked_accounts {
            if *linked != user.linked_accounts {
                user.linked_accounts = linked.clone();
                report.changed.push("linked_accounts");
            }
        }
        if let Some((current, new)) = &changes.password {
            let ok = user
                .credentials
                .password
                .as_ref()
                .is_some_and(|h| verify_password(current.expose(), h));
            if !ok {
                return Err(wrong());
            }
            self.set_password(&mut user, new.expose())?;
            report.changed.push("password");
        }
        if let Some(email) = changes.email.as_ref().filter(|e| **e != user.email) {
            let token = Secret::new(random_code(self.rng()?, 32));
            let expires_at = crate::calendar::hours_after(
                now,
                self.accounts.email_change_validity_hours,
                "email_change_validity_hours",
            )?;
            user.credentials.pending_email = Some(crate::accounts::PendingEmail {
                email: email.clone(),
                token_digest: digest_hex(token.expose()),
                expires_at,
            });
            writes.push(Write::Notify {
                notification: Notification {
                    seq: 0,
                    kind: NotificationKind::EmailConfirmation,
                    recipient: email.clone(),
                    user: Some(user.id.clone()),
                    payload: [
                        ("user_id".to_owned(), user.id.to_string()),
                        (
                            "expires_at".to_owned(),
                            crate::calendar::utc_text(expires_at),
                        ),
                    ]
                    .into(),
                    secrets: [("link_token".to_owned(), token)].into(),
                    dedupe_key: None,
                    created_at: now,
                    delivered_at: None,
                },
            });
            report.changed.push("email");
        }
        if !report.changed.is_empty() {
            writes.insert(
                0,
                Self::put_user(user, now, Expected::Version(stored.version)),
            );
            self.store.commit(ChangeSet {
                writes,
                log: Vec::new(),
            })?;
        }
        Ok(report)
    }

    /// Sets a new permanent password under the policy (history included).
    fn set_password(&self, user: &mut User, new_password: &str) -> Result<(), Error> {
        let mut previous: Vec<PasswordHash> = user.credentials.password.iter().cloned().collect();
        previous.extend(user.credentials.history.iter().cloned());
        let violations = self.accounts.password_policy.check(
            PasswordContext {
                user_id: user.id.as_str(),
                email: user.email.as_str(),
            },
            new_password,
            &HashedHistory(&previous),
        );
        if !violations.is_empty() {
            return Err(SignInError::PasswordRejected { violations }.into());
        }
        previous.truncate(usize::try_from(self.accounts.password_policy.history_size).unwrap_or(0));
        user.credentials.history = previous;
        user.credentials.password = Some(hash_password(
            new_password,
            self.accounts.argon2,
            self.rng()?,
        )?);
        user.credentials.temporary = None;
        user.credentials.failures = Default::default();
        Ok(())
    }

    /// Follows the link sent to a new e-mail address: within its validity,
    /// the address takes effect.
    pub fn confirm_email(&self, user_id: &str, token: &str) -> Result<(), Error> {
        let Some(stored) = self.stored_user(user_id)? else {
            return Err(SignInError::LinkExpired.into());
        };
        let now = self.now();
        let Some(pending) = stored.user.credentials.pending_email.clone() else {
            return Err(SignInError::LinkExpired.into());
        };
        let matches = constant_time_eq(
            digest_hex(token).as_bytes(),
            pending.token_digest.as_bytes(),
        );
        if !matches || now >= pending.expires_at {
            return Err(SignInError::LinkExpired.into());
        }
        let mut user = stored.user;
        user.email = pending.email;
        user.credentials.pending_email = None;
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(user, now, Expected::Version(stored.version))],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// H-1-4: an administrator changes a user of their own organisation:
    /// name, role (valid for the organisation type) and state. Only fields
    /// that differ are applied.
    pub fn update_user(
        &self,
        actor: &Actor,
        user_id: &str,
        changes: &UserChanges,
    ) -> Result<ChangeReport, Error> {
        let Some(stored) = self.stored_user(user_id)? else {
            self.guard(actor, Operation::ManageUsers, Relation::Own)?;
            return Err(ServiceError::NotFound {
                entity: "user",
                id: user_id.to_owned(),
            }
            .into());
        };
        let relation = actor.relation_to(stored.user.organisation.as_str());
        self.guard(actor, Operation::ManageUsers, relation)?;
        let mut user = stored.user.clone();
        let mut report = ChangeReport::default();
        if let Some(name) = changes.name.as_deref().map(str::trim) {
            if name != user.name {
                user.name = name.to_owned();
                report.changed.push("name");
            }
        }
        if let Some(role) = changes.role.filter(|r| *r != user.role) {
            user.org_type.check_role(role)?;
            user.role = role;
            report.changed.push("role");
        }
        if let Some(state) = changes.state.filter(|s| *s != user.state) {
            user.state = state;
            if state == AccountStatus::Active {
                user.credentials.failures = Default::default();
            }
            report.changed.push("state");
        }
        if !report.changed.is_empty() {
            self.store.commit(ChangeSet {
                writes: vec![Self::put_user(
                    user,
                    self.now(),
                    Expected::Version(stored.version),
                )],
                log: Vec::new(),
            })?;
        }
        Ok(report)
    }

    /// The users of the administrator's organisation, in id order.
    pub fn list_users(
        &self,
        actor: &Actor,
        after: Option<&UserId>,
        limit: usize,
    ) -> Result<Vec<User>, Error> {
        self.guard(actor, Operation::ManageUsers, Relation::Own)?;
        Ok(self
            .store
            .users_of(&actor.organisation, after, limit.clamp(1, 10_000))?
            .into_iter()
            .map(|u| u.user)
            .collect())
    }

    /// H-1-5: when the user id and e-mail address both match one account, a
    /// new temporary password and URL are queued for that address (the
    /// permanent password stays valid until replaced). The answer is the
    /// same whether or not they matched.
    pub fn request_password_reset(&self, user_id: &str, email: &str) -> Result<(), Error> {
        let Some(stored) = self.stored_user(user_id)? else {
            return Ok(());
        };
        if !constant_time_eq(
            stored.user.email.as_str().as_bytes(),
            email.trim().as_bytes(),
        ) {
            return Ok(());
        }
        let now = self.now();
        let mut user = stored.user;
        let (temp, _, notification) = self.temporary_credentials(
            &user,
            self.accounts.temporary_validity_hours,
            NotificationKind::PasswordReset,
            now,
        )?;
        user.credentials.temporary = Some(temp);
        self.store.commit(ChangeSet {
            writes: vec![
                Self::put_user(user, now, Expected::Version(stored.version)),
                Write::Notify { notification },
            ],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// H-1-6: the user ids registered with `email` are queued for that
    /// address; the answer is the same whether or not there are any.
    pub fn remind_user_ids(&self, email: &str) -> Result<(), Error> {
        let users = self.store.users_by_email(email.trim())?;
        let Some(first) = users.first() else {
            return Ok(());
        };
        let ids: Vec<String> = users.iter().map(|u| u.user.id.to_string()).collect();
        self.store.commit(ChangeSet {
            writes: vec![Write::Notify {
                notification: Notification {
                    seq: 0,
                    kind: NotificationKind::UserIdReminder,
                    recipient: first.user.email.clone(),
                    user: None,
                    payload: [("user_ids".to_owned(), ids.join(","))].into(),
                    secrets: Default::default(),
                    dedupe_key: None,
                    created_at: self.now(),
                    delivered_at: None,
                },
            }],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// H-1-8 notice: warns every account the inactivity rule selects for
    /// execution date `execution`. Rerunning notifies nobody twice.
    pub fn inactivity_notice(
        &self,
        actor: &Actor,
        execution: NaiveDate,
        progress: impl FnMut(u64),
    ) -> Result<BatchReport, Error> {
        self.inactivity_batch(actor, execution, false, progress)
    }

    /// H-1-8 execution: suspends every account still inactive on
    /// `execution` and notifies it. Rerunning changes nothing.
    pub fn inactivity_execute(
        &self,
        actor: &Actor,
        execution: NaiveDate,
        progress: impl FnMut(u64),
    ) -> Result<BatchReport, Error> {
        self.inactivity_batch(actor, execution, true, progress)
    }

    fn inactivity_batch(
        &self,
        actor: &Actor,
        execution: NaiveDate,
        suspend: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<BatchReport, Error> {
        const PAGE: usize = 5_000;
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        let schedule = InactivitySchedule::for_execution(execution)?;
        let now = self.now();
        let (kind, tag) = if suspend {
            (NotificationKind::AccountSuspended, "suspended")
        } else {
            (NotificationKind::InactivityNotice, "notice")
        };
        let mut report = BatchReport::default();
        let mut after: Option<(DateTime<Utc>, UserId)> = None;
        loop {
            let page = self.store.inactive_users(
                schedule.threshold,
                after.as_ref().map(|(t, id)| (*t, id)),
                PAGE,
            )?;
            let Some(last) = page.last() else { break };
            after = Some((
                crate::store::rows::last_activity(&last.user),
                last.user.id.clone(),
            ));
            let full = page.len() == PAGE;
            let mut writes = Vec::new();
            for stored in page {
                if !schedule.is_candidate(&stored.user.activity()) {
                    continue;
                }
                report.candidates += 1;
                let notification = Notification {
                    seq: 0,
                    kind,
                    recipient: stored.user.email.clone(),
                    user: Some(stored.user.id.clone()),
                    payload: [
                        ("user_id".to_owned(), stored.user.id.to_string()),
                        ("execution_date".to_owned(), execution.to_string()),
                    ]
                    .into(),
                    secrets: Default::default(),
                    dedupe_key: Some(format!("inactivity_{tag}:{execution}:{}", stored.user.id)),
                    created_at: now,
                    delivered_at: None,
                };
                if suspend {
                    let mut user = stored.user;
                    user.state = AccountStatus::Suspended;
                    writes.push(Self::put_user(user, now, Expected::Version(stored.version)));
                }
                writes.push(Write::Notify { notification });
                report.changed += 1;
            }
            if !writes.is_empty() {
                self.store.commit(ChangeSet {
                    writes,
                    log: Vec::new(),
                })?;
            }
            progress(report.candidates);
            if !full {
                break;
            }
        }
        Ok(report)
    }

    /// H-2: issues an access token for `organisation`. Its own organisation
    /// for an administrator or municipality staff; municipality staff also
    /// for a medical institution outside the online eligibility network.
    pub fn issue_token(
        &self,
        actor: &Actor,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
        label: &str,
        valid_days: Option<i64>,
    ) -> Result<IssuedToken, Error> {
        self.authorize_token(actor, org_type, organisation)?;
        let now = self.now();
        let (token, stored) = tokens::issue(
            self.rng()?,
            org_type,
            organisation.clone(),
            label,
            &actor.user_id,
            now,
            valid_days.map(tokens::valid_days).transpose()?,
        )?;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: stored.clone(),
                expected: Expected::Absent,
            }],
            log: Vec::new(),
        })?;
        Ok(IssuedToken { token, stored })
    }

    fn authorize_token(
        &self,
        actor: &Actor,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
    ) -> Result<(), Error> {
        let relation = actor.relation_to(organisation.as_str());
        self.guard(actor, Operation::ManageTokens, relation)?;
        if relation == Relation::Other {
            let connected = self
                .store
                .organisation(organisation)?
                .is_some_and(|o| o.organisation.online_eligibility);
            if org_type != OrganisationType::MedicalInstitution || connected {
                return Err(self.refused(
                    actor,
                    actor.refuse(&format!(
                        "manage the tokens of {organisation} (only institutions outside the online eligibility network)"
                    )),
                ));
            }
        }
        Ok(())
    }

    fn stored_token(&self, id: &str) -> Result<AccessToken, Error> {
        self.store.access_token(id)?.ok_or_else(|| {
            ServiceError::NotFound {
                entity: "access token",
                id: id.to_owned(),
            }
            .into()
        })
    }

    /// Checks a token presented by a system and returns the actor it acts
    /// as (the organisation's staff role; its user id is `token:<id>`), or,
    /// for a session ([`Sesshu::open_session`]), the signed-in user.
    pub fn verify_token(&self, token: &str) -> Result<Actor, Error> {
        let id = tokens::token_id(token).ok_or(TokenError::Invalid)?;
        let Some(row) = self.store.access_token(id)? else {
            return Err(TokenError::Invalid.into());
        };
        tokens::verify(token, &row, self.now())?;
        if let Some(user) = &row.session_of {
            return self.session_actor(user);
        }
        let role = match row.org_type {
            OrganisationType::MedicalInstitution => Role::MedicalStaff,
            _ => Role::Municipality,
        };
        Ok(Actor::new(
            &format!("token:{}", row.id),
            row.org_type,
            row.organisation,
            vec![role],
        ))
    }

    /// Revokes a token at once. Returns whether this call revoked it.
    pub fn revoke_token(&self, actor: &Actor, id: &str) -> Result<bool, Error> {
        let row = self.stored_token(id)?;
        self.authorize_token(actor, row.org_type, &row.organisation)?;
        if row.revoked_at.is_some() {
            return Ok(false);
        }
        let version = row.version;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: AccessToken {
                    revoked_at: Some(self.now()),
                    ..row
                },
                expected: Expected::Version(version),
            }],
            log: Vec::new(),
        })?;
        Ok(true)
    }

    /// Rotates a token: a new token for the same organisation and label;
    /// the old one stays valid for the configured overlap.
    pub fn rotate_token(&self, actor: &Actor, id: &str) -> Result<IssuedToken, Error> {
        let old = self.stored_token(id)?;
        self.authorize_token(actor, old.org_type, &old.organisation)?;
        if old.revoked_at.is_some() {
            return Err(TokenError::Revoked.into());
        }
        let now = self.now();
        let (token, stored) = tokens::issue(
            self.rng()?,
            old.org_type,
            old.organisation.clone(),
            &old.label,
            &actor.user_id,
            now,
            old.expires_at.map(|e| e - old.issued_at),
        )?;
        let until = crate::calendar::hours_after(
            now,
            self.accounts.token_rotation_overlap_hours,
            "token_rotation_overlap_hours",
        )?;
        let retired = tokens::retire(&old, now, until - now);
        self.store.commit(ChangeSet {
            writes: vec![
                Write::PutAccessToken {
                    token: retired,
                    expected: Expected::Version(old.version),
                },
                Write::PutAccessToken {
                    token: stored.clone(),
                    expected: Expected::Absent,
                },
            ],
            log: Vec::new(),
        })?;
        Ok(IssuedToken { token, stored })
    }

    /// Unsent notifications, oldest first (the embedding system sends them
    /// and acknowledges).
    pub fn pending_notifications(
        &self,
        actor: &Actor,
        limit: usize,
    ) -> Result<Vec<Notification>, Error> {
        self.guard(actor, Operation::DrainOutbox, Relation::Own)?;
        Ok(self.store.notifications(0, true, limit.clamp(1, 10_000))?)
    }

    /// Marks notifications sent; their secrets are erased.
    pub fn ack_notifications(&self, actor: &Actor, seqs: &[i64]) -> Result<(), Error> {
        self.guard(actor, Operation::DrainOutbox, Relation::Own)?;
        self.store.commit(ChangeSet {
            writes: vec![Write::AckNotifications {
                seqs: seqs.to_vec(),
                at: self.now(),
            }],
            log: Vec::new(),
        })?;
        Ok(())
    }
}
