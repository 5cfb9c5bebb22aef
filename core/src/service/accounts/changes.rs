//! Changes to accounts: by their holders and by their organisation's administrator.

use super::*;

impl Sesshu {
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
    pub(super) fn set_password(&self, user: &mut User, new_password: &str) -> Result<(), Error> {
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
}
