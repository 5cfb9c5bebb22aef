//! The second factor (TOTP, 二要素認証): enrolment and confirmation.

use super::*;

impl Sesshu {
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
}
