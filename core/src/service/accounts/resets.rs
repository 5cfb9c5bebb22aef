//! Password resets and user-id reminders, which reveal nothing about who has an account.

use super::*;

impl Sesshu {
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
}
