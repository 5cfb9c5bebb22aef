//! Accounts, organisation access tokens and the outbox (H-1, H-2).

use sesshu_core::accounts::{AccountStatus, UserId};
use sesshu_core::identifiers::EmailAddress;
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::secrets::Secret;
use sesshu_core::service::{OwnChanges, UserChanges};

use crate::error::{fail, Result};
use crate::plain::accounts::masters_in;
use crate::plain::accounts::{account_out, actor_in, actor_out, changed, extraction_out};
use crate::plain::accounts::{notifications_out, token_out, OutboxNotification};
use crate::plain::accounts::{organisation_in, user_after, users_out};
use crate::plain::accounts::{Actor, ExtractionResult, IssuedAccount, IssuedToken, UserInfo};
use crate::plain::certificates::{
    certificate_request, issuances_out, page_size, CertificateOptions, Issuance,
};
use crate::plain::records::{file_options, person_key, staff};
use crate::plain::{date, seq_in};
use crate::store::Sesshu;

#[uniffi::export]
impl Sesshu {
    /// An administrator creates a user of their organisation.
    pub fn create_user(
        &self,
        actor: Actor,
        email: String,
        name: String,
        role: String,
    ) -> Result<IssuedAccount> {
        let email = EmailAddress::parse(&email).map_err(fail)?;
        let i = self
            .inner
            .create_user(
                &actor_in(&actor)?,
                &email,
                &name,
                Role::parse(&role).map_err(fail)?,
            )
            .map_err(fail)?;
        Ok(account_out(i))
    }

    /// Sets the permanent password from the temporary password and URL token.
    pub fn activate_account(
        &self,
        user_id: String,
        url_token: String,
        temporary_password: String,
        new_password: String,
    ) -> Result<()> {
        self.inner
            .activate_account(&user_id, &url_token, &temporary_password, &new_password)
            .map_err(fail)
    }

    /// Signs in; returns the user's actor.
    pub fn sign_in(
        &self,
        user_id: String,
        password: String,
        second_factor: Option<String>,
    ) -> Result<Actor> {
        self.inner
            .sign_in(&user_id, &password, second_factor.as_deref())
            .map(actor_out)
            .map_err(fail)
    }

    /// Starts TOTP enrolment: `[secret, otpauthUri]`.
    pub fn enrol_totp(&self, actor: Actor) -> Result<Vec<String>> {
        let (k, u) = self.inner.enrol_totp(&actor_in(&actor)?).map_err(fail)?;
        Ok(vec![k.expose().to_owned(), u.expose().to_owned()])
    }

    /// Confirms TOTP with a first code; returns the recovery codes.
    pub fn confirm_totp(&self, actor: Actor, code: String) -> Result<Vec<String>> {
        let codes = self
            .inner
            .confirm_totp(&actor_in(&actor)?, &code)
            .map_err(fail)?;
        Ok(codes.iter().map(|c| c.expose().to_owned()).collect())
    }

    /// Queues a new temporary password when user id and e-mail match (answers the same either way).
    pub fn request_password_reset(&self, user_id: String, email: String) -> Result<()> {
        self.inner
            .request_password_reset(&user_id, &email)
            .map_err(fail)
    }

    /// Queues the user ids registered with an address (answers the same either way).
    pub fn remind_user_ids(&self, email: String) -> Result<()> {
        self.inner.remind_user_ids(&email).map_err(fail)
    }

    /// The user changes their own name, e-mail (confirmed by link) or password; returns the fields changed.
    pub fn update_own_account(
        &self,
        actor: Actor,
        name: Option<String>,
        email: Option<String>,
        linked_accounts: Option<Vec<String>>,
        current_password: Option<String>,
        new_password: Option<String>,
    ) -> Result<Vec<String>> {
        let c = OwnChanges {
            name,
            email: email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()
                .map_err(fail)?,
            linked_accounts: linked_accounts
                .map(|l| l.iter().map(|u| UserId::parse(u)).collect())
                .transpose()
                .map_err(fail)?,
            password: current_password
                .map(Secret::new)
                .zip(new_password.map(Secret::new)),
        };
        self.inner
            .update_own_account(&actor_in(&actor)?, &c)
            .map(changed)
            .map_err(fail)
    }

    /// Follows the link sent to a new e-mail address.
    pub fn confirm_email(&self, user_id: String, token: String) -> Result<()> {
        self.inner.confirm_email(&user_id, &token).map_err(fail)
    }

    /// The users of the administrator's organisation, in id order, after
    /// `after` (a user id), at most `limit`.
    pub fn list_users(
        &self,
        actor: Actor,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<UserInfo>> {
        let a = actor_in(&actor)?;
        let after = user_after(after.as_deref())?;
        self.inner
            .list_users(&a, after.as_ref(), limit as usize)
            .map(users_out)
            .map_err(fail)
    }

    /// The operator registers an organisation: its type, and whether it is
    /// connected to the online eligibility network (オンライン資格確認).
    pub fn register_organisation(
        &self,
        actor: Actor,
        org_type: String,
        code: String,
        online_eligibility: bool,
    ) -> Result<()> {
        let a = actor_in(&actor)?;
        let (t, c) = organisation_in(&org_type, &code)?;
        self.inner
            .register_organisation(&a, t, &c, online_eligibility)
            .map_err(fail)
    }

    /// An administrator changes a user's name, role or state (`active`/`suspended`).
    pub fn update_user(
        &self,
        actor: Actor,
        user_id: String,
        name: Option<String>,
        role: Option<String>,
        state: Option<String>,
    ) -> Result<Vec<String>> {
        let c = UserChanges {
            name,
            role: role.as_deref().map(Role::parse).transpose().map_err(fail)?,
            state: state
                .as_deref()
                .map(AccountStatus::parse)
                .transpose()
                .map_err(fail)?,
        };
        self.inner
            .update_user(&actor_in(&actor)?, &user_id, &c)
            .map(changed)
            .map_err(fail)
    }

    /// The first-administrator batch over one day's masters (JSON text).
    pub fn extract_first_administrators(
        &self,
        actor: Actor,
        masters_json: String,
    ) -> Result<ExtractionResult> {
        let input = masters_in(&masters_json)?;
        let r = self
            .inner
            .extract_first_administrators(&actor_in(&actor)?, &input, |_, _| {})
            .map_err(fail)?;
        Ok(extraction_out(r))
    }

    /// The inactivity batch for an execution date (`YYYY-MM-DD`): warns, or with `execute` suspends. Returns `[candidates, changed]`.
    pub fn inactivity(
        &self,
        actor: Actor,
        execution_date: String,
        execute: bool,
    ) -> Result<Vec<u64>> {
        let (a, day) = (actor_in(&actor)?, date(&execution_date)?);
        let r = if execute {
            self.inner.inactivity_execute(&a, day, |_| {})
        } else {
            self.inner.inactivity_notice(&a, day, |_| {})
        };
        r.map(|r| vec![r.candidates, r.changed]).map_err(fail)
    }

    /// Issues an organisation access token (shown once).
    pub fn issue_token(
        &self,
        actor: Actor,
        org_type: String,
        organisation: String,
        label: String,
        valid_days: Option<i64>,
    ) -> Result<IssuedToken> {
        let t = OrganisationType::parse(&org_type).map_err(fail)?;
        let o = OrganisationCode::parse(&organisation).map_err(fail)?;
        self.inner
            .issue_token(&actor_in(&actor)?, t, &o, &label, valid_days)
            .map(token_out)
            .map_err(fail)
    }

    /// The actor a presented token acts as.
    pub fn verify_token(&self, token: String) -> Result<Actor> {
        self.inner.verify_token(&token).map(actor_out).map_err(fail)
    }

    /// Revokes a token; false when it already was.
    pub fn revoke_token(&self, actor: Actor, id: String) -> Result<bool> {
        self.inner
            .revoke_token(&actor_in(&actor)?, &id)
            .map_err(fail)
    }

    /// Issues a successor; the old token stays valid for the overlap.
    pub fn rotate_token(&self, actor: Actor, id: String) -> Result<IssuedToken> {
        self.inner
            .rotate_token(&actor_in(&actor)?, &id)
            .map(token_out)
            .map_err(fail)
    }

    /// Unsent notifications, oldest first.
    pub fn pending_notifications(
        &self,
        actor: Actor,
        limit: u32,
    ) -> Result<Vec<OutboxNotification>> {
        let ns = self
            .inner
            .pending_notifications(&actor_in(&actor)?, limit as usize)
            .map_err(fail)?;
        Ok(notifications_out(ns))
    }

    /// Marks notifications sent (their secrets are erased).
    pub fn ack_notifications(&self, actor: Actor, seqs: Vec<String>) -> Result<()> {
        let seqs = seqs.iter().map(seq_in).collect::<Result<Vec<_>>>()?;
        self.inner
            .ack_notifications(&actor_in(&actor)?, &seqs)
            .map_err(fail)
    }
}

/// An issued certificate: its number, form and the PDF.
#[derive(uniffi::Record)]
pub struct IssuedCertificate {
    pub certificate_number: String,
    pub form: u8,
    pub pdf: Vec<u8>,
}

#[uniffi::export]
impl Sesshu {
    /// The same services, signing every certificate (PAdES) with the PEM key
    /// and certificate chain; portal issuance needs a signer.
    pub fn with_certificate_signer(
        &self,
        key_pem: String,
        certificate_pem: String,
    ) -> Result<std::sync::Arc<Sesshu>> {
        let signer =
            sesshu_core::certificate::signature::Signer::from_pem(&key_pem, &certificate_pem)
                .map_err(|e| fail(sesshu_core::certificate::CertificateError::from(e)))?;
        Ok(std::sync::Arc::new(Sesshu {
            inner: self.inner.clone().with_certificate_signer(signer),
        }))
    }

    /// Issues a 予防接種済証 of certifiable records: the number, form and PDF.
    pub fn issue_certificate(
        &self,
        municipality: String,
        user: String,
        management_id: String,
        records: Vec<String>,
        options: CertificateOptions,
    ) -> Result<IssuedCertificate> {
        let request = certificate_request(management_id, records, options)?;
        let c = self
            .inner
            .issue_certificate(&staff(&municipality, &user)?, &request)
            .map_err(fail)?;
        Ok(IssuedCertificate {
            certificate_number: c.issuance.certificate_number,
            form: c.issuance.form,
            pdf: c.pdf,
        })
    }

    /// The municipality's issuance register, in certificate-number order:
    /// at most `limit` (1,000 unless given) after the certificate `after`
    /// (the last of the previous page). Each person read is logged.
    pub fn list_issuances(
        &self,
        municipality: String,
        user: String,
        management_id: Option<String>,
        after: Option<String>,
        limit: Option<u32>,
    ) -> Result<Vec<Issuance>> {
        let person = person_key(management_id.as_deref())?;
        let found = self
            .inner
            .list_issuances(
                &staff(&municipality, &user)?,
                person.as_ref(),
                after.as_deref(),
                page_size(limit),
            )
            .map_err(fail)?;
        Ok(issuances_out(found))
    }

    /// 発行履歴のダウンロード: the register (or one person's part of it) as
    /// CSV bytes (UTF-8 with BOM, or `encoding` `"shift_jis"`).
    pub fn export_issuances_csv(
        &self,
        municipality: String,
        user: String,
        management_id: Option<String>,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> Result<Vec<u8>> {
        let actor = staff(&municipality, &user)?;
        let person = person_key(management_id.as_deref())?;
        let options = file_options(&encoding, &replacement)?;
        let mut out = Vec::new();
        self.inner
            .export_issuances_csv(&actor, person.as_ref(), options, &mut out)
            .map_err(fail)?;
        Ok(out)
    }
}
