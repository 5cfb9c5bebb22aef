//! Actors, issued accounts and tokens in their plain form, and their
//! conversions. Written once for Node and Kotlin/Swift.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::accounts::{User, UserId};
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::service;

use super::{seq, Seq};
use crate::error::{fail, Result};

/// Who performs an operation: from `signIn`, `verifyToken`, or built for an operator.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Actor {
    pub user_id: String,
    pub org_type: String,
    pub organisation: String,
    pub roles: Vec<String>,
}

/// The actor for the core (codes checked).
pub fn actor_in(a: &Actor) -> Result<service::Actor> {
    let roles = a
        .roles
        .iter()
        .map(|r| Role::parse(r))
        .collect::<std::result::Result<Vec<_>, _>>();
    Ok(service::Actor::new(
        &a.user_id,
        OrganisationType::parse(&a.org_type).map_err(fail)?,
        OrganisationCode::parse(&a.organisation).map_err(fail)?,
        roles.map_err(fail)?,
    ))
}

/// The actor in plain form.
pub fn actor_out(a: service::Actor) -> Actor {
    Actor {
        user_id: a.user_id,
        org_type: a.org_type.to_string(),
        organisation: a.organisation.to_string(),
        roles: a.roles.iter().map(ToString::to_string).collect(),
    }
}

/// A new account's user id, temporary password and URL token (shown once).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct IssuedAccount {
    pub user_id: String,
    pub temporary_password: String,
    pub url_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A new account in plain form (the secrets shown once).
pub fn account_out(i: service::IssuedAccount) -> IssuedAccount {
    IssuedAccount {
        user_id: i.user_id.to_string(),
        temporary_password: i.temporary_password.expose().to_owned(),
        url_token: i.url_token.expose().to_owned(),
        expires_at: i.expires_at,
    }
}

/// A new organisation access token (shown once) and its id.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct IssuedToken {
    pub token: String,
    pub id: String,
    pub organisation: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new token in plain form (the secret shown once).
pub fn token_out(t: service::IssuedToken) -> IssuedToken {
    IssuedToken {
        token: t.token.expose().to_owned(),
        id: t.stored.id,
        organisation: t.stored.organisation.to_string(),
        expires_at: t.stored.expires_at,
    }
}

/// What a first-administrator batch did.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct ExtractionResult {
    /// `[organisation, userId]` pairs.
    pub issued: Vec<Vec<String>>,
    /// `[code, errorCode]` pairs.
    pub rejected: Vec<Vec<String>>,
}

/// One day's masters from JSON text (`invalid_masters` when it is not).
pub fn masters_in(json: &str) -> Result<sesshu_core::accounts::ExtractionInput> {
    serde_json::from_str(json).map_err(|e| crate::error::invalid("invalid_masters", e.to_string()))
}

/// What a first-administrator batch did, in plain form (Python answers
/// with tuples of its own).
#[cfg_attr(binding = "python", allow(dead_code))]
pub fn extraction_out(r: service::ExtractionReport) -> ExtractionResult {
    ExtractionResult {
        issued: r
            .issued
            .iter()
            .map(|(o, u)| vec![o.to_string(), u.to_string()])
            .collect(),
        rejected: r
            .rejected
            .iter()
            .map(|x| vec![x.code.clone(), x.error.code().to_owned()])
            .collect(),
    }
}

/// The names of the fields a change changed.
pub fn changed(r: service::ChangeReport) -> Vec<String> {
    r.changed.iter().map(|s| (*s).to_owned()).collect()
}

/// A user as an administrator sees it (no credentials).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct UserInfo {
    pub user_id: String,
    pub org_type: String,
    pub organisation: String,
    pub email: String,
    pub name: String,
    pub role: String,
    /// `active` or `suspended`.
    pub state: String,
    /// 紐付けアカウント.
    pub linked_accounts: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub last_sign_in: Option<DateTime<Utc>>,
}

/// Users in plain form.
pub fn users_out(users: Vec<User>) -> Vec<UserInfo> {
    users
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
        .collect()
}

/// The `after` key of a user listing.
pub fn user_after(after: Option<&str>) -> Result<Option<UserId>> {
    after.map(UserId::parse).transpose().map_err(fail)
}

/// An organisation type and code, as `register_organisation` takes them.
pub fn organisation_in(org_type: &str, code: &str) -> Result<(OrganisationType, OrganisationCode)> {
    Ok((
        OrganisationType::parse(org_type).map_err(fail)?,
        OrganisationCode::parse(code).map_err(fail)?,
    ))
}

/// A notification to send (the outbox the embedding system drains);
/// `secrets` only until acknowledged.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct OutboxNotification {
    /// Sequence number (text, since it may exceed 2^53; Python: an `int`).
    pub seq: Seq,
    pub kind: String,
    pub recipient: String,
    pub user_id: Option<String>,
    pub payload: HashMap<String, String>,
    pub secrets: HashMap<String, String>,
}

/// Notifications in plain form (their secrets shown).
pub fn notifications_out(ns: Vec<sesshu_core::outbox::Notification>) -> Vec<OutboxNotification> {
    ns.into_iter()
        .map(|n| OutboxNotification {
            seq: seq(n.seq),
            kind: n.kind.to_string(),
            recipient: n.recipient.to_string(),
            user_id: n.user.map(|u| u.to_string()),
            secrets: n
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                .collect(),
            payload: n.payload.into_iter().collect(),
        })
        .collect()
}
