//! Accounts, organisation access tokens and the outbox (H-1, H-2). Every
//! call is a Promise; refusals reject with `Error.code`.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::accounts::{AccountStatus, User, UserId};
use sesshu_core::identifiers::EmailAddress;
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::secrets::Secret;
use sesshu_core::service::{self, OwnChanges, UserChanges};

use crate::error::{fail, Code, Job, Result};
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

/// Own changes: any field left out stays as it is.
#[napi(object)]
pub struct OwnChangesInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub linked_accounts: Option<Vec<String>>,
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// An administrator's changes: name, role, state (`active`/`suspended`).
#[napi(object)]
pub struct UserChangesInput {
    pub name: Option<String>,
    pub role: Option<String>,
    pub state: Option<String>,
}

/// What an inactivity batch did.
#[napi(object)]
pub struct BatchResult {
    pub candidates: i64,
    pub changed: i64,
}

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// An administrator creates a user of their organisation.
    #[napi(ts_return_type = "Promise<IssuedAccount>")]
    pub fn create_user(
        &self,
        actor: Actor,
        email: String,
        name: String,
        role: String,
    ) -> napi::Result<AsyncTask<Job<service::IssuedAccount, IssuedAccount>>, Code> {
        let (a, email, role) = (
            actor_in(&actor)?,
            EmailAddress::parse(&email).map_err(fail)?,
            Role::parse(&role).map_err(fail)?,
        );
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.create_user(&a, &email, &name, role),
            account_out,
        ))
    }

    /// Sets the permanent password from the temporary password and URL token.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn activate_account(
        &self,
        user_id: String,
        url_token: String,
        temporary_password: String,
        new_password: String,
    ) -> AsyncTask<Job<(), ()>> {
        let s = self.inner.clone();
        Job::new(
            move || s.activate_account(&user_id, &url_token, &temporary_password, &new_password),
            |()| (),
        )
    }

    /// Signs in; resolves to the user's actor.
    #[napi(ts_return_type = "Promise<Actor>")]
    pub fn sign_in(
        &self,
        user_id: String,
        password: String,
        second_factor: Option<String>,
    ) -> AsyncTask<Job<service::Actor, Actor>> {
        let s = self.inner.clone();
        Job::new(
            move || s.sign_in(&user_id, &password, second_factor.as_deref()),
            actor_out,
        )
    }

    /// Starts TOTP enrolment: `[secret, otpauthUri]`.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn enrol_totp(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<(Secret, Secret), Vec<String>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.enrol_totp(&a),
            |(k, u)| vec![k.expose().to_owned(), u.expose().to_owned()],
        ))
    }

    /// Confirms TOTP with a first code; resolves to the recovery codes.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn confirm_totp(
        &self,
        actor: Actor,
        code: String,
    ) -> napi::Result<AsyncTask<Job<Vec<Secret>, Vec<String>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.confirm_totp(&a, &code),
            |c| c.iter().map(|x| x.expose().to_owned()).collect(),
        ))
    }

    /// Queues a new temporary password when user id and e-mail match (resolves the same either way).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn request_password_reset(&self, user_id: String, email: String) -> AsyncTask<Job<(), ()>> {
        let s = self.inner.clone();
        Job::new(move || s.request_password_reset(&user_id, &email), |()| ())
    }

    /// Queues the user ids registered with an address (resolves the same either way).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn remind_user_ids(&self, email: String) -> AsyncTask<Job<(), ()>> {
        let s = self.inner.clone();
        Job::new(move || s.remind_user_ids(&email), |()| ())
    }

    /// The user changes their own account; resolves to the fields changed.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn update_own_account(
        &self,
        actor: Actor,
        changes: OwnChangesInput,
    ) -> napi::Result<AsyncTask<Job<service::ChangeReport, Vec<String>>>, Code> {
        let c = OwnChanges {
            name: changes.name,
            email: changes
                .email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()
                .map_err(fail)?,
            linked_accounts: changes
                .linked_accounts
                .map(|l| l.iter().map(|u| UserId::parse(u)).collect())
                .transpose()
                .map_err(fail)?,
            password: changes
                .current_password
                .map(Secret::new)
                .zip(changes.new_password.map(Secret::new)),
        };
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.update_own_account(&a, &c), changed))
    }

    /// Follows the link sent to a new e-mail address.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn confirm_email(&self, user_id: String, token: String) -> AsyncTask<Job<(), ()>> {
        let s = self.inner.clone();
        Job::new(move || s.confirm_email(&user_id, &token), |()| ())
    }

    /// An administrator changes a user of their organisation; resolves to the fields changed.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn update_user(
        &self,
        actor: Actor,
        user_id: String,
        changes: UserChangesInput,
    ) -> napi::Result<AsyncTask<Job<service::ChangeReport, Vec<String>>>, Code> {
        let c = UserChanges {
            name: changes.name,
            role: changes
                .role
                .as_deref()
                .map(Role::parse)
                .transpose()
                .map_err(fail)?,
            state: changes
                .state
                .as_deref()
                .map(AccountStatus::parse)
                .transpose()
                .map_err(fail)?,
        };
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.update_user(&a, &user_id, &c), changed))
    }

    /// The users of the administrator's organisation, in id order, after
    /// `after` (a user id), at most `limit` (default 100).
    #[napi(ts_return_type = "Promise<Array<UserInfo>>")]
    pub fn list_users(
        &self,
        actor: Actor,
        after: Option<String>,
        limit: Option<u32>,
    ) -> napi::Result<AsyncTask<Job<Vec<User>, Vec<UserInfo>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let after = user_after(after.as_deref())?;
        let limit = limit.map_or(100, |n| n as usize);
        Ok(Job::new(
            move || s.list_users(&a, after.as_ref(), limit),
            users_out,
        ))
    }

    /// The operator registers an organisation: its type, and whether it is
    /// connected to the online eligibility network (オンライン資格確認).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn register_organisation(
        &self,
        actor: Actor,
        org_type: String,
        code: String,
        online_eligibility: bool,
    ) -> napi::Result<AsyncTask<Job<(), ()>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let (t, c) = organisation_in(&org_type, &code)?;
        Ok(Job::new(
            move || s.register_organisation(&a, t, &c, online_eligibility),
            |()| (),
        ))
    }

    /// The first-administrator batch over one day's masters (JSON text).
    #[napi(ts_return_type = "Promise<ExtractionResult>")]
    pub fn extract_first_administrators(
        &self,
        actor: Actor,
        masters_json: String,
    ) -> napi::Result<AsyncTask<Job<service::ExtractionReport, ExtractionResult>>, Code> {
        let input = masters_in(&masters_json)?;
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.extract_first_administrators(&a, &input, |_, _| {}),
            extraction_out,
        ))
    }

    /// The inactivity batch for an execution date (`YYYY-MM-DD`): warns, or with `execute` suspends.
    #[napi(ts_return_type = "Promise<BatchResult>")]
    pub fn inactivity(
        &self,
        actor: Actor,
        execution_date: String,
        execute: bool,
    ) -> napi::Result<AsyncTask<Job<service::BatchReport, BatchResult>>, Code> {
        let (a, day, s) = (
            actor_in(&actor)?,
            date(&execution_date)?,
            self.inner.clone(),
        );
        Ok(Job::new(
            move || {
                if execute {
                    s.inactivity_execute(&a, day, |_| {})
                } else {
                    s.inactivity_notice(&a, day, |_| {})
                }
            },
            |r| BatchResult {
                candidates: r.candidates as i64,
                changed: r.changed as i64,
            },
        ))
    }

    /// Issues an organisation access token (shown once).
    #[napi(ts_return_type = "Promise<IssuedToken>")]
    pub fn issue_token(
        &self,
        actor: Actor,
        org_type: String,
        organisation: String,
        label: String,
        valid_days: Option<i64>,
    ) -> napi::Result<AsyncTask<Job<service::IssuedToken, IssuedToken>>, Code> {
        let (a, t, o) = (
            actor_in(&actor)?,
            OrganisationType::parse(&org_type).map_err(fail)?,
            OrganisationCode::parse(&organisation).map_err(fail)?,
        );
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.issue_token(&a, t, &o, &label, valid_days),
            token_out,
        ))
    }

    /// The actor a presented token acts as.
    #[napi(ts_return_type = "Promise<Actor>")]
    pub fn verify_token(&self, token: String) -> AsyncTask<Job<service::Actor, Actor>> {
        let s = self.inner.clone();
        Job::new(move || s.verify_token(&token), actor_out)
    }

    /// Revokes a token; resolves to false when it already was.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn revoke_token(
        &self,
        actor: Actor,
        id: String,
    ) -> napi::Result<AsyncTask<Job<bool, bool>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.revoke_token(&a, &id), |b| b))
    }

    /// Issues a successor; the old token stays valid for the overlap.
    #[napi(ts_return_type = "Promise<IssuedToken>")]
    pub fn rotate_token(
        &self,
        actor: Actor,
        id: String,
    ) -> napi::Result<AsyncTask<Job<service::IssuedToken, IssuedToken>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.rotate_token(&a, &id), token_out))
    }

    /// Unsent notifications, oldest first.
    #[napi(ts_return_type = "Promise<Array<OutboxNotification>>")]
    pub fn pending_notifications(
        &self,
        actor: Actor,
        limit: Option<u32>,
    ) -> napi::Result<
        AsyncTask<Job<Vec<sesshu_core::outbox::Notification>, Vec<OutboxNotification>>>,
        Code,
    > {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let limit = limit.unwrap_or(100) as usize;
        Ok(Job::new(
            move || s.pending_notifications(&a, limit),
            notifications_out,
        ))
    }

    /// Marks notifications sent (their secrets are erased).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn ack_notifications(
        &self,
        actor: Actor,
        seqs: Vec<String>,
    ) -> napi::Result<AsyncTask<Job<(), ()>>, Code> {
        let seqs = seqs.iter().map(seq_in).collect::<Result<Vec<_>>>()?;
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.ack_notifications(&a, &seqs), |()| ()))
    }
}

/// An issued certificate: its number, form and the PDF.
#[napi(object)]
pub struct IssuedCertificate {
    pub certificate_number: String,
    pub form: u32,
    pub pdf: Buffer,
}

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// The same services, signing every certificate (PAdES) with the PEM key
    /// and certificate chain; portal issuance needs a signer.
    #[napi]
    pub fn with_certificate_signer(
        &self,
        key_pem: String,
        certificate_pem: String,
    ) -> napi::Result<Sesshu, Code> {
        let signer =
            sesshu_core::certificate::signature::Signer::from_pem(&key_pem, &certificate_pem)
                .map_err(|e| fail(sesshu_core::certificate::CertificateError::from(e)))?;
        Ok(Sesshu {
            inner: self.inner.clone().with_certificate_signer(signer),
        })
    }

    /// Issues a 予防接種済証 of certifiable records: the number, form and PDF.
    #[napi(ts_return_type = "Promise<IssuedCertificate>")]
    pub fn issue_certificate(
        &self,
        municipality: String,
        user: String,
        management_id: String,
        records: Vec<String>,
        options: CertificateOptions,
    ) -> napi::Result<AsyncTask<Job<service::IssuedCertificate, IssuedCertificate>>, Code> {
        let actor = staff(&municipality, &user)?;
        let request = certificate_request(management_id, records, options)?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.issue_certificate(&actor, &request),
            |c| IssuedCertificate {
                certificate_number: c.issuance.certificate_number,
                form: u32::from(c.issuance.form),
                pdf: c.pdf.into(),
            },
        ))
    }

    /// The municipality's issuance register, in certificate-number order:
    /// at most `limit` (1,000 unless given) after the certificate `after`
    /// (the last of the previous page). Each person read is logged.
    #[napi(ts_return_type = "Promise<Array<Issuance>>")]
    pub fn list_issuances(
        &self,
        municipality: String,
        user: String,
        management_id: Option<String>,
        after: Option<String>,
        limit: Option<u32>,
    ) -> napi::Result<
        AsyncTask<Job<Vec<sesshu_core::certificate::issuance::Issuance>, Vec<Issuance>>>,
        Code,
    > {
        let actor = staff(&municipality, &user)?;
        let person = person_key(management_id.as_deref())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.list_issuances(&actor, person.as_ref(), after.as_deref(), page_size(limit)),
            issuances_out,
        ))
    }

    /// 発行履歴のダウンロード: the register (or one person's part of it) as
    /// CSV bytes (UTF-8 with BOM, or `encoding` `'shift_jis'`).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn export_issuances_csv(
        &self,
        municipality: String,
        user: String,
        management_id: Option<String>,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>, Code> {
        let actor = staff(&municipality, &user)?;
        let person = person_key(management_id.as_deref())?;
        let options = file_options(&encoding, &replacement)?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_issuances_csv(&actor, person.as_ref(), options, &mut out)
                    .map(|_| out)
            },
            Buffer::from,
        ))
    }
}
