//! Accounts, organisation access tokens and the outbox (H-1, H-2).

use chrono::NaiveDate;
use pyo3::prelude::*;
use sesshu_core::accounts::UserId;
use sesshu_core::identifiers::EmailAddress;
use sesshu_core::organisation::Role;
use sesshu_core::secrets::Secret;
use sesshu_core::service::{OwnChanges, UserChanges};

use crate::error::to_py;
use crate::plain::accounts::{self as plain, Actor, IssuedAccount, IssuedToken};
use crate::plain::accounts::{OutboxNotification, UserInfo};
use crate::plain::certificates::{issuances_out, page_size, Issuance};
use crate::plain::records;
use crate::store::Sesshu;

py_new!(Actor {
    user_id: String,
    org_type: String,
    organisation: String,
    roles: Vec<String>,
});

#[pymethods]
impl Actor {
    fn __repr__(&self) -> String {
        format!(
            "Actor({:?}, {}, {}, {:?})",
            self.user_id, self.org_type, self.organisation, self.roles
        )
    }
}

/// Two strings: `(organisation, user id)` or `(code, error code)`.
type Pair = (String, String);

fn secret(s: Option<String>) -> Option<Secret> {
    s.map(Secret::new)
}

#[pymethods]
impl Sesshu {
    /// An administrator creates a user of their organisation.
    fn create_user(
        &self,
        py: Python<'_>,
        actor: Actor,
        email: &str,
        name: &str,
        role: &str,
    ) -> PyResult<IssuedAccount> {
        let (a, email, role) = (
            plain::actor_in(&actor)?,
            EmailAddress::parse(email).map_err(to_py)?,
            Role::parse(role).map_err(to_py)?,
        );
        self.run(py, |s| s.create_user(&a, &email, name, role))
            .map(plain::account_out)
    }

    /// Sets the permanent password from the temporary password and URL token.
    fn activate_account(
        &self,
        py: Python<'_>,
        user_id: &str,
        url_token: &str,
        temporary_password: &str,
        new_password: &str,
    ) -> PyResult<()> {
        self.run(py, |s| {
            s.activate_account(user_id, url_token, temporary_password, new_password)
        })
    }

    /// Signs in; returns the user's actor.
    #[pyo3(signature = (user_id, password, second_factor=None))]
    fn sign_in(
        &self,
        py: Python<'_>,
        user_id: &str,
        password: &str,
        second_factor: Option<&str>,
    ) -> PyResult<Actor> {
        self.run(py, |s| s.sign_in(user_id, password, second_factor))
            .map(plain::actor_out)
    }

    /// Starts TOTP enrolment: `(secret, otpauth_uri)`.
    fn enrol_totp(&self, py: Python<'_>, actor: Actor) -> PyResult<(String, String)> {
        let a = plain::actor_in(&actor)?;
        let (secret, uri) = self.run(py, |s| s.enrol_totp(&a))?;
        Ok((secret.expose().to_owned(), uri.expose().to_owned()))
    }

    /// Confirms TOTP with a first code; returns the recovery codes.
    fn confirm_totp(&self, py: Python<'_>, actor: Actor, code: &str) -> PyResult<Vec<String>> {
        let a = plain::actor_in(&actor)?;
        let codes = self.run(py, |s| s.confirm_totp(&a, code))?;
        Ok(codes.iter().map(|c| c.expose().to_owned()).collect())
    }

    /// Queues a new temporary password when user id and e-mail match (answers the same either way).
    fn request_password_reset(&self, py: Python<'_>, user_id: &str, email: &str) -> PyResult<()> {
        self.run(py, |s| s.request_password_reset(user_id, email))
    }

    /// Queues the user ids registered with an address (answers the same either way).
    fn remind_user_ids(&self, py: Python<'_>, email: &str) -> PyResult<()> {
        self.run(py, |s| s.remind_user_ids(email))
    }

    /// The user changes their own name, e-mail (confirmed by link), linked accounts or password; returns the fields changed.
    #[pyo3(signature = (actor, *, name=None, email=None, linked_accounts=None, current_password=None, new_password=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_own_account(
        &self,
        py: Python<'_>,
        actor: Actor,
        name: Option<String>,
        email: Option<&str>,
        linked_accounts: Option<Vec<String>>,
        current_password: Option<String>,
        new_password: Option<String>,
    ) -> PyResult<Vec<String>> {
        let changes = OwnChanges {
            name,
            email: email.map(EmailAddress::parse).transpose().map_err(to_py)?,
            linked_accounts: linked_accounts
                .map(|l| l.iter().map(|u| UserId::parse(u)).collect())
                .transpose()
                .map_err(to_py)?,
            password: secret(current_password).zip(secret(new_password)),
        };
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.update_own_account(&a, &changes))
            .map(plain::changed)
    }

    /// Follows the link sent to a new e-mail address.
    fn confirm_email(&self, py: Python<'_>, user_id: &str, token: &str) -> PyResult<()> {
        self.run(py, |s| s.confirm_email(user_id, token))
    }

    /// The users of the administrator's organisation, in id order.
    #[pyo3(signature = (actor, after=None, limit=100))]
    fn list_users(
        &self,
        py: Python<'_>,
        actor: Actor,
        after: Option<&str>,
        limit: usize,
    ) -> PyResult<Vec<UserInfo>> {
        let (a, after) = (plain::actor_in(&actor)?, plain::user_after(after)?);
        self.run(py, |s| s.list_users(&a, after.as_ref(), limit))
            .map(plain::users_out)
    }

    /// The operator registers an organisation: its type, and whether it is
    /// connected to the online eligibility network (オンライン資格確認).
    fn register_organisation(
        &self,
        py: Python<'_>,
        actor: Actor,
        org_type: &str,
        code: &str,
        online_eligibility: bool,
    ) -> PyResult<()> {
        let (t, c) = plain::organisation_in(org_type, code)?;
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| {
            s.register_organisation(&a, t, &c, online_eligibility)
        })
    }

    /// An administrator changes a user's name, role or state ("active"/"suspended").
    #[pyo3(signature = (actor, user_id, *, name=None, role=None, state=None))]
    fn update_user(
        &self,
        py: Python<'_>,
        actor: Actor,
        user_id: &str,
        name: Option<String>,
        role: Option<&str>,
        state: Option<&str>,
    ) -> PyResult<Vec<String>> {
        let changes = UserChanges {
            name,
            role: role.map(Role::parse).transpose().map_err(to_py)?,
            state: state
                .map(sesshu_core::accounts::AccountStatus::parse)
                .transpose()
                .map_err(to_py)?,
        };
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.update_user(&a, user_id, &changes))
            .map(plain::changed)
    }

    /// The first-administrator batch over one day's masters (JSON); returns `(issued [(org, user_id)], rejected [(code, error code)])`.
    fn extract_first_administrators(
        &self,
        py: Python<'_>,
        actor: Actor,
        masters_json: &str,
    ) -> PyResult<(Vec<Pair>, Vec<Pair>)> {
        let input = plain::masters_in(masters_json)?;
        let a = plain::actor_in(&actor)?;
        let r = self.run(py, |s| {
            s.extract_first_administrators(&a, &input, |_, _| {})
        })?;
        Ok((
            r.issued
                .iter()
                .map(|(o, u)| (o.to_string(), u.to_string()))
                .collect(),
            r.rejected
                .iter()
                .map(|x| (x.code.clone(), x.error.code().to_owned()))
                .collect(),
        ))
    }

    /// The inactivity batch for an execution date: `execute=False` warns, `True` suspends; returns `(candidates, changed)`.
    #[pyo3(signature = (actor, execution_date, *, execute))]
    fn inactivity(
        &self,
        py: Python<'_>,
        actor: Actor,
        execution_date: NaiveDate,
        execute: bool,
    ) -> PyResult<(u64, u64)> {
        let a = plain::actor_in(&actor)?;
        let r = self.run(py, |s| {
            if execute {
                s.inactivity_execute(&a, execution_date, |_| {})
            } else {
                s.inactivity_notice(&a, execution_date, |_| {})
            }
        })?;
        Ok((r.candidates, r.changed))
    }

    /// Issues an organisation access token (shown once).
    #[pyo3(signature = (actor, org_type, organisation, label, valid_days=None))]
    fn issue_token(
        &self,
        py: Python<'_>,
        actor: Actor,
        org_type: &str,
        organisation: &str,
        label: &str,
        valid_days: Option<i64>,
    ) -> PyResult<IssuedToken> {
        let (t, o) = plain::organisation_in(org_type, organisation)?;
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.issue_token(&a, t, &o, label, valid_days))
            .map(plain::token_out)
    }

    /// The actor a presented token acts as.
    fn verify_token(&self, py: Python<'_>, token: &str) -> PyResult<Actor> {
        self.run(py, |s| s.verify_token(token))
            .map(plain::actor_out)
    }

    /// Revokes a token; False when it already was.
    fn revoke_token(&self, py: Python<'_>, actor: Actor, id: &str) -> PyResult<bool> {
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.revoke_token(&a, id))
    }

    /// Issues a successor; the old token stays valid for the overlap.
    fn rotate_token(&self, py: Python<'_>, actor: Actor, id: &str) -> PyResult<IssuedToken> {
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.rotate_token(&a, id))
            .map(plain::token_out)
    }

    /// Unsent notifications, oldest first.
    #[pyo3(signature = (actor, limit=100))]
    fn pending_notifications(
        &self,
        py: Python<'_>,
        actor: Actor,
        limit: usize,
    ) -> PyResult<Vec<OutboxNotification>> {
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.pending_notifications(&a, limit))
            .map(plain::notifications_out)
    }

    /// Marks notifications sent (their secrets are erased).
    fn ack_notifications(&self, py: Python<'_>, actor: Actor, seqs: Vec<i64>) -> PyResult<()> {
        let a = plain::actor_in(&actor)?;
        self.run(py, |s| s.ack_notifications(&a, &seqs))
    }
}

/// An issued certificate: its number, form and the PDF.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct IssuedCertificate {
    pub certificate_number: String,
    pub form: u8,
    pub pdf: Py<pyo3::types::PyBytes>,
}

#[pymethods]
impl Sesshu {
    /// The same services, signing every certificate (PAdES) with the PEM
    /// key and certificate chain; portal issuance needs a signer.
    fn with_certificate_signer(&self, key_pem: &str, certificate_pem: &str) -> PyResult<Sesshu> {
        let signer =
            sesshu_core::certificate::signature::Signer::from_pem(key_pem, certificate_pem)
                .map_err(|e| to_py(sesshu_core::certificate::CertificateError::from(e)))?;
        Ok(Sesshu(self.0.clone().with_certificate_signer(signer)))
    }

    /// Issues a 予防接種済証 of certifiable records; returns the number, form and PDF bytes.
    #[pyo3(signature = (municipality, user, management_id, records, *, municipality_name, head, form=None, passport_number=None, nationality=None, name_roman=None, name=None, applicant="subject", delegation_checked=false, channel="counter"))]
    #[allow(clippy::too_many_arguments)]
    fn issue_certificate(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        management_id: String,
        records: Vec<String>,
        municipality_name: String,
        head: String,
        form: Option<i64>,
        passport_number: Option<String>,
        nationality: Option<String>,
        name_roman: Option<String>,
        name: Option<String>,
        applicant: &str,
        delegation_checked: bool,
        channel: &str,
    ) -> PyResult<IssuedCertificate> {
        let actor = records::staff(municipality, user)?;
        let options = crate::plain::certificates::CertificateOptions {
            municipality_name,
            head,
            form,
            passport_number,
            nationality,
            name_roman,
            name,
            applicant: Some(applicant.to_owned()),
            delegation_checked: Some(delegation_checked),
            channel: Some(channel.to_owned()),
        };
        let request =
            crate::plain::certificates::certificate_request(management_id, records, options)?;
        let issued = self.run(py, |s| s.issue_certificate(&actor, &request))?;
        Ok(IssuedCertificate {
            certificate_number: issued.issuance.certificate_number,
            form: issued.issuance.form,
            pdf: pyo3::types::PyBytes::new(py, &issued.pdf).unbind(),
        })
    }

    /// The municipality's issuance register (each person read is logged).
    #[pyo3(signature = (municipality, user, management_id=None, after=None, limit=None))]
    fn list_issuances(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        management_id: Option<&str>,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> PyResult<Vec<Issuance>> {
        let actor = records::staff(municipality, user)?;
        let person = records::person_key(management_id)?;
        self.run(py, |s| {
            s.list_issuances(&actor, person.as_ref(), after, page_size(limit))
        })
        .map(issuances_out)
    }

    /// 発行履歴のダウンロード: the register (or one person's part of it) as
    /// CSV bytes, with the encodings of `export_records_csv`.
    #[pyo3(signature = (municipality, user, management_id=None, *, encoding=None, replacement=None))]
    fn export_issuances_csv<'py>(
        &self,
        py: Python<'py>,
        municipality: &str,
        user: &str,
        management_id: Option<&str>,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let actor = records::staff(municipality, user)?;
        let person = records::person_key(management_id)?;
        let options = records::file_options(&encoding, &replacement)?;
        let mut out = Vec::new();
        self.run(py, |s| {
            s.export_issuances_csv(&actor, person.as_ref(), options, &mut out)
        })?;
        Ok(pyo3::types::PyBytes::new(py, &out))
    }
}
