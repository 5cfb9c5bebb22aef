//! Accounts, organisation access tokens and the outbox (H-1, H-2).

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;
use sesshu_core::accounts::UserId;
use sesshu_core::identifiers::EmailAddress;
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::secrets::Secret;
use sesshu_core::service::{self, OwnChanges, UserChanges};

use crate::error::to_py;
use crate::store::Sesshu;

py_record! {
    /// Who performs an operation: from `sign_in`, `verify_token`, or built for
    /// an operator.
    pub struct Actor {
        user_id: String,
        org_type: String,
        organisation: String,
        roles: Vec<String>,
    }
}

#[pymethods]
impl Actor {
    fn __repr__(&self) -> String {
        format!(
            "Actor({:?}, {}, {}, {:?})",
            self.user_id, self.org_type, self.organisation, self.roles
        )
    }
}

pub(crate) fn actor_in(a: &Actor) -> PyResult<service::Actor> {
    let roles = a
        .roles
        .iter()
        .map(|r| Role::parse(r))
        .collect::<Result<_, _>>();
    Ok(service::Actor::new(
        &a.user_id,
        OrganisationType::parse(&a.org_type).map_err(to_py)?,
        OrganisationCode::parse(&a.organisation).map_err(to_py)?,
        roles.map_err(to_py)?,
    ))
}

fn actor_out(a: service::Actor) -> Actor {
    Actor {
        user_id: a.user_id,
        org_type: a.org_type.to_string(),
        organisation: a.organisation.to_string(),
        roles: a.roles.iter().map(ToString::to_string).collect(),
    }
}

/// A new account's user id, temporary password and URL token (shown once).
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct IssuedAccount {
    pub user_id: String,
    pub temporary_password: String,
    pub url_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A user as an administrator sees it (no credentials).
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct UserInfo {
    pub user_id: String,
    pub org_type: String,
    pub organisation: String,
    pub email: String,
    pub name: String,
    pub role: String,
    /// "active" or "suspended".
    pub state: String,
    /// 紐付けアカウント.
    pub linked_accounts: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub last_sign_in: Option<DateTime<Utc>>,
}

/// A new organisation access token (shown once) and its id.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct IssuedToken {
    pub token: String,
    pub id: String,
    pub organisation: String,
    pub expires_at: Option<DateTime<Utc>>,
}

fn token_out(t: service::IssuedToken) -> IssuedToken {
    IssuedToken {
        token: t.token.expose().to_owned(),
        id: t.stored.id,
        organisation: t.stored.organisation.to_string(),
        expires_at: t.stored.expires_at,
    }
}

/// A notification to send; `secrets` only until acknowledged.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct OutboxNotification {
    pub seq: i64,
    pub kind: String,
    pub recipient: String,
    pub user_id: Option<String>,
    pub payload: std::collections::BTreeMap<String, String>,
    pub secrets: std::collections::BTreeMap<String, String>,
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
        name: String,
        role: &str,
    ) -> PyResult<IssuedAccount> {
        let (a, email, role) = (
            actor_in(&actor)?,
            EmailAddress::parse(email).map_err(to_py)?,
            Role::parse(role).map_err(to_py)?,
        );
        let s = self.0.clone();
        let i = py
            .detach(move || s.create_user(&a, &email, &name, role))
            .map_err(to_py)?;
        Ok(IssuedAccount {
            user_id: i.user_id.to_string(),
            temporary_password: i.temporary_password.expose().to_owned(),
            url_token: i.url_token.expose().to_owned(),
            expires_at: i.expires_at,
        })
    }

    /// Sets the permanent password from the temporary password and URL token.
    fn activate_account(
        &self,
        py: Python<'_>,
        user_id: String,
        url_token: String,
        temporary_password: String,
        new_password: String,
    ) -> PyResult<()> {
        let s = self.0.clone();
        py.detach(move || {
            s.activate_account(&user_id, &url_token, &temporary_password, &new_password)
        })
        .map_err(to_py)
    }

    /// Signs in; returns the user's actor.
    #[pyo3(signature = (user_id, password, second_factor=None))]
    fn sign_in(
        &self,
        py: Python<'_>,
        user_id: String,
        password: String,
        second_factor: Option<String>,
    ) -> PyResult<Actor> {
        let s = self.0.clone();
        py.detach(move || s.sign_in(&user_id, &password, second_factor.as_deref()))
            .map(actor_out)
            .map_err(to_py)
    }

    /// Starts TOTP enrolment: `(secret, otpauth_uri)`.
    fn enrol_totp(&self, py: Python<'_>, actor: Actor) -> PyResult<(String, String)> {
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        let (secret, uri) = py.detach(move || s.enrol_totp(&a)).map_err(to_py)?;
        Ok((secret.expose().to_owned(), uri.expose().to_owned()))
    }

    /// Confirms TOTP with a first code; returns the recovery codes.
    fn confirm_totp(&self, py: Python<'_>, actor: Actor, code: String) -> PyResult<Vec<String>> {
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        let codes = py
            .detach(move || s.confirm_totp(&a, &code))
            .map_err(to_py)?;
        Ok(codes.iter().map(|c| c.expose().to_owned()).collect())
    }

    /// Queues a new temporary password when user id and e-mail match (answers the same either way).
    fn request_password_reset(
        &self,
        py: Python<'_>,
        user_id: String,
        email: String,
    ) -> PyResult<()> {
        let s = self.0.clone();
        py.detach(move || s.request_password_reset(&user_id, &email))
            .map_err(to_py)
    }

    /// Queues the user ids registered with an address (answers the same either way).
    fn remind_user_ids(&self, py: Python<'_>, email: String) -> PyResult<()> {
        let s = self.0.clone();
        py.detach(move || s.remind_user_ids(&email)).map_err(to_py)
    }

    /// The user changes their own name, e-mail (confirmed by link), linked accounts or password; returns the fields changed.
    #[pyo3(signature = (actor, *, name=None, email=None, linked_accounts=None, current_password=None, new_password=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_own_account(
        &self,
        py: Python<'_>,
        actor: Actor,
        name: Option<String>,
        email: Option<String>,
        linked_accounts: Option<Vec<String>>,
        current_password: Option<String>,
        new_password: Option<String>,
    ) -> PyResult<Vec<&'static str>> {
        let changes = OwnChanges {
            name,
            email: email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()
                .map_err(to_py)?,
            linked_accounts: linked_accounts
                .map(|l| l.iter().map(|u| UserId::parse(u)).collect())
                .transpose()
                .map_err(to_py)?,
            password: secret(current_password).zip(secret(new_password)),
        };
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        py.detach(move || s.update_own_account(&a, &changes))
            .map(|r| r.changed)
            .map_err(to_py)
    }

    /// Follows the link sent to a new e-mail address.
    fn confirm_email(&self, py: Python<'_>, user_id: String, token: String) -> PyResult<()> {
        let s = self.0.clone();
        py.detach(move || s.confirm_email(&user_id, &token))
            .map_err(to_py)
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
        let after = after.map(UserId::parse).transpose().map_err(to_py)?;
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        let users = py
            .detach(move || s.list_users(&a, after.as_ref(), limit))
            .map_err(to_py)?;
        Ok(users
            .into_iter()
            .map(|u| UserInfo {
                user_id: u.id.to_string(),
                org_type: u.org_type.to_string(),
                organisation: u.organisation.to_string(),
                email: u.email.to_string(),
                name: u.name,
                role: u.role.to_string(),
                state: u.state.to_string(),
                linked_accounts: u.linked_accounts.iter().map(ToString::to_string).collect(),
                issued_at: u.issued_at,
                last_sign_in: u.last_sign_in,
            })
            .collect())
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
        let t = OrganisationType::parse(org_type).map_err(to_py)?;
        let c = OrganisationCode::parse(code).map_err(to_py)?;
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        py.detach(move || s.register_organisation(&a, t, &c, online_eligibility))
            .map_err(to_py)
    }

    /// An administrator changes a user's name, role or state ("active"/"suspended").
    #[pyo3(signature = (actor, user_id, *, name=None, role=None, state=None))]
    fn update_user(
        &self,
        py: Python<'_>,
        actor: Actor,
        user_id: String,
        name: Option<String>,
        role: Option<&str>,
        state: Option<&str>,
    ) -> PyResult<Vec<&'static str>> {
        let changes = UserChanges {
            name,
            role: role.map(Role::parse).transpose().map_err(to_py)?,
            state: state
                .map(sesshu_core::accounts::AccountStatus::parse)
                .transpose()
                .map_err(to_py)?,
        };
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        py.detach(move || s.update_user(&a, &user_id, &changes))
            .map(|r| r.changed)
            .map_err(to_py)
    }

    /// The first-administrator batch over one day's masters (JSON); returns `(issued [(org, user_id)], rejected [(code, error code)])`.
    fn extract_first_administrators(
        &self,
        py: Python<'_>,
        actor: Actor,
        masters_json: &str,
    ) -> PyResult<(Vec<Pair>, Vec<Pair>)> {
        let input = serde_json::from_str(masters_json)
            .map_err(|e| crate::error::invalid("invalid_masters", e.to_string()))?;
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        let r = py
            .detach(move || s.extract_first_administrators(&a, &input, |_, _| {}))
            .map_err(to_py)?;
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
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        let r = py
            .detach(move || {
                if execute {
                    s.inactivity_execute(&a, execution_date, |_| {})
                } else {
                    s.inactivity_notice(&a, execution_date, |_| {})
                }
            })
            .map_err(to_py)?;
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
        label: String,
        valid_days: Option<i64>,
    ) -> PyResult<IssuedToken> {
        let (a, t, o) = (
            actor_in(&actor)?,
            OrganisationType::parse(org_type).map_err(to_py)?,
            OrganisationCode::parse(organisation).map_err(to_py)?,
        );
        let s = self.0.clone();
        py.detach(move || s.issue_token(&a, t, &o, &label, valid_days))
            .map(token_out)
            .map_err(to_py)
    }

    /// The actor a presented token acts as.
    fn verify_token(&self, py: Python<'_>, token: String) -> PyResult<Actor> {
        let s = self.0.clone();
        py.detach(move || s.verify_token(&token))
            .map(actor_out)
            .map_err(to_py)
    }

    /// Revokes a token; False when it already was.
    fn revoke_token(&self, py: Python<'_>, actor: Actor, id: String) -> PyResult<bool> {
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        py.detach(move || s.revoke_token(&a, &id)).map_err(to_py)
    }

    /// Issues a successor; the old token stays valid for the overlap.
    fn rotate_token(&self, py: Python<'_>, actor: Actor, id: String) -> PyResult<IssuedToken> {
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        py.detach(move || s.rotate_token(&a, &id))
            .map(token_out)
            .map_err(to_py)
    }

    /// Unsent notifications, oldest first.
    #[pyo3(signature = (actor, limit=100))]
    fn pending_notifications(
        &self,
        py: Python<'_>,
        actor: Actor,
        limit: usize,
    ) -> PyResult<Vec<OutboxNotification>> {
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        let ns = py
            .detach(move || s.pending_notifications(&a, limit))
            .map_err(to_py)?;
        Ok(ns
            .into_iter()
            .map(|n| OutboxNotification {
                seq: n.seq,
                kind: n.kind.to_string(),
                recipient: n.recipient.to_string(),
                user_id: n.user.map(|u| u.to_string()),
                secrets: n
                    .secrets
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                    .collect(),
                payload: n.payload,
            })
            .collect())
    }

    /// Marks notifications sent (their secrets are erased).
    fn ack_notifications(&self, py: Python<'_>, actor: Actor, seqs: Vec<i64>) -> PyResult<()> {
        let (a, s) = (actor_in(&actor)?, self.0.clone());
        py.detach(move || s.ack_notifications(&a, &seqs))
            .map_err(to_py)
    }
}

/// Registers the account classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Actor>()?;
    m.add_class::<UserInfo>()?;
    m.add_class::<IssuedAccount>()?;
    m.add_class::<IssuedToken>()?;
    m.add_class::<OutboxNotification>()?;
    Ok(())
}

/// An issued certificate: its number, form and the PDF.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct IssuedCertificate {
    pub certificate_number: String,
    pub form: u8,
    pub pdf: Py<pyo3::types::PyBytes>,
}

/// One entry of the issuance register.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct Issuance {
    pub certificate_number: String,
    pub issue_date: chrono::NaiveDate,
    pub management_id: String,
    pub records: Vec<String>,
    pub form: u8,
    pub channel: String,
    pub applicant: String,
    pub delegation_checked: bool,
    pub name_override: Option<String>,
    pub passport_number: Option<String>,
    pub nationality: Option<String>,
    pub name_roman: Option<String>,
    pub signed_by: Option<String>,
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
        management_id: &str,
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
        let actor = service::Actor::municipality(
            user,
            sesshu_core::identifiers::MunicipalityCode::parse(municipality).map_err(to_py)?,
        );
        let request = service::CertificateRequestText {
            management_id: management_id.to_owned(),
            records,
            form,
            passport_number,
            nationality,
            name_roman,
            name,
            applicant: Some(applicant.to_owned()),
            delegation_checked,
            channel: Some(channel.to_owned()),
            municipality_name,
            head,
        }
        .parse()
        .map_err(to_py)?;
        let s = self.0.clone();
        let issued = py
            .detach(move || s.issue_certificate(&actor, &request))
            .map_err(to_py)?;
        Ok(IssuedCertificate {
            certificate_number: issued.issuance.certificate_number,
            form: issued.issuance.form,
            pdf: pyo3::types::PyBytes::new(py, &issued.pdf).unbind(),
        })
    }

    /// The municipality's issuance register (each person read is logged).
    #[pyo3(signature = (municipality, user, management_id=None, after=None, limit=1000))]
    fn list_issuances(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        management_id: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> PyResult<Vec<Issuance>> {
        let actor = service::Actor::municipality(
            user,
            sesshu_core::identifiers::MunicipalityCode::parse(municipality).map_err(to_py)?,
        );
        let person = management_id
            .map(sesshu_core::identifiers::ManagementId::parse)
            .transpose()
            .map_err(to_py)?;
        let s = self.0.clone();
        let found = py
            .detach(move || s.list_issuances(&actor, person.as_ref(), after.as_deref(), limit))
            .map_err(to_py)?;
        Ok(found
            .into_iter()
            .map(|i| Issuance {
                certificate_number: i.certificate_number,
                issue_date: i.issue_date,
                management_id: i.person.to_string(),
                records: i.records.iter().map(ToString::to_string).collect(),
                form: i.form,
                channel: i.channel.to_string(),
                applicant: i.applicant.to_string(),
                delegation_checked: i.delegation_checked,
                name_override: i.name_override,
                passport_number: i.passport_number,
                nationality: i.nationality,
                name_roman: i.name_roman,
                signed_by: i.signed_by,
            })
            .collect())
    }
}

/// Registers the certificate classes.
pub fn register_certificates(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<IssuedCertificate>()?;
    m.add_class::<Issuance>()?;
    Ok(())
}
