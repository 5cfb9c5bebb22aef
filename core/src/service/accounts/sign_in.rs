//! Activation and sign-in (H-1-9): the service reads, the pure rule [`decide_sign_in`](crate::accounts::decide_sign_in) decides, the service commits.

use super::*;

impl Sesshu {
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
        let decision = decide_sign_in(
            &stored.user,
            password,
            second_factor,
            self.accounts.lockout,
            now,
        );
        let (user, answer) = match decision {
            SignInDecision::Refused(e) => return Err(e.into()),
            SignInDecision::Failed(user) => (user, Err(wrong())),
            SignInDecision::SignedIn(user) => {
                let actor = user.actor();
                (user, Ok(actor))
            }
        };
        self.store.commit(ChangeSet {
            writes: vec![Self::put_user(
                *user,
                now,
                Expected::Version(stored.version),
            )],
            log: Vec::new(),
        })?;
        answer
    }

    /// The signed-in user's own account.
    pub(super) fn own_account(&self, actor: &Actor) -> Result<StoredUser, Error> {
        self.stored_user(&actor.user_id)?.ok_or_else(|| {
            ServiceError::NotFound {
                entity: "user",
                id: actor.user_id.clone(),
            }
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use crate::conformance::{account_services, activated, GOOD};
    use crate::store::MemoryStore;

    #[test]
    fn the_service_stores_what_the_rule_decided() {
        let s = account_services(Arc::new(MemoryStore::new()), 0);
        let user = activated(&s, "131016", "sato@example.jp");
        let e = s.sign_in(&user, "wrong", None).unwrap_err();
        assert_eq!(e.code(), "invalid_credentials");
        // The failure was stored: four more lock the account.
        for _ in 0..4 {
            let _ = s.sign_in(&user, "wrong", None);
        }
        assert_eq!(
            s.sign_in(&user, GOOD, None).unwrap_err().code(),
            "account_locked"
        );
        let fresh = activated(&s, "131016", "suzuki@example.jp");
        let actor = s.sign_in(&fresh, GOOD, None).unwrap();
        assert_eq!(actor.user_id, fresh);
        // An unknown user id answers as a wrong password does.
        let unknown = s.sign_in("131016-9999", GOOD, None).unwrap_err();
        assert_eq!(unknown.code(), "invalid_credentials");
    }
}
