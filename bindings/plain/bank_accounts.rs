//! Bank accounts (H-9), federation links (H-10) and notices (H-11) as they
//! cross: applications with their attachments' descriptions, active
//! accounts, links, the account a payment uses, notices. Written once for
//! every binding; each binding's store class forwards its calls here.

use chrono::{DateTime, Utc};
#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::bank_account as bank;
use sesshu_core::service;
use sesshu_core::store;

use super::masters::{row_out, MasterRowOut};
use super::rules::{account_out, BankAccountDraft};
use super::{date, day, seq, Day, Seq};
use crate::error::{fail, Result};

/// An attachment's description (添付書類).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct AttachmentInfo {
    pub number: u32,
    pub name: String,
    /// `application/pdf`, `image/jpeg` or `image/png` (from its bytes).
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A bank-account application (医療機関口座申請) as stored.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct BankApplication {
    pub id: String,
    pub institution: String,
    /// The federation that decides it.
    pub federation: String,
    /// `vaccination` or `claim_assignment`.
    pub usage: String,
    /// `pending`, `approved`, `rejected` or `deleted`.
    pub status: String,
    pub account: BankAccountDraft,
    /// The rejection reason, 1–7.
    pub reason: Option<u32>,
    pub note: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub applied_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
    pub version: Seq,
}

fn attachment_info(a: &bank::AttachmentInfo) -> AttachmentInfo {
    AttachmentInfo {
        number: a.number,
        name: a.name.clone(),
        media_type: a.media_type.as_str().to_owned(),
        size: i64::try_from(a.size).unwrap_or(i64::MAX),
        sha256: a.sha256.clone(),
    }
}

/// An application in plain form.
pub fn application_out(a: store::StoredApplication) -> BankApplication {
    let rejection = a.application.rejection.as_ref();
    BankApplication {
        id: a.application.id.clone(),
        institution: a.application.institution.to_string(),
        federation: a.federation.to_string(),
        usage: a.application.usage.as_str().to_owned(),
        status: a.application.status.as_str().to_owned(),
        account: account_out(&a.application.account),
        reason: rejection.map(|r| u32::from(r.reason.number())),
        note: rejection.and_then(|r| r.note.clone()),
        applied_at: a.applied_at,
        applied_by: a.applied_by.clone(),
        decided_at: a.decided_at,
        decided_by: a.decided_by.clone(),
        attachments: a.attachments.iter().map(attachment_info).collect(),
        version: seq(a.version),
    }
}

/// Applications in plain form.
pub fn applications_out(apps: Vec<store::StoredApplication>) -> Vec<BankApplication> {
    apps.into_iter().map(application_out).collect()
}

/// An institution's active account (有効な口座).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct ActiveAccount {
    pub institution: String,
    pub usage: String,
    pub account: BankAccountDraft,
    /// The approved application (none: registered from the national system).
    pub application: Option<String>,
    pub since: DateTime<Utc>,
}

/// An active account in plain form.
pub fn active_out(a: store::ActiveAccount) -> ActiveAccount {
    ActiveAccount {
        institution: a.institution.to_string(),
        usage: a.usage.as_str().to_owned(),
        account: account_out(&a.account),
        application: a.application,
        since: a.since,
    }
}

/// Active accounts in plain form.
pub fn actives_out(accounts: Vec<store::ActiveAccount>) -> Vec<ActiveAccount> {
    accounts.into_iter().map(active_out).collect()
}

/// A federation's link of a bank code to one of its accounts (H-10).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct FederationLink {
    pub federation: String,
    pub bank: String,
    /// The account's key in 連合会口座マスタ.
    pub account: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub version: Seq,
}

/// A link in plain form.
pub fn link_out(l: store::FederationLink) -> FederationLink {
    FederationLink {
        federation: l.federation.to_string(),
        bank: l.bank.to_string(),
        account: l.account,
        updated_at: l.updated_at,
        updated_by: l.updated_by,
        version: seq(l.version),
    }
}

/// Links in plain form.
pub fn links_out(links: Vec<store::FederationLink>) -> Vec<FederationLink> {
    links.into_iter().map(link_out).collect()
}

/// What a payment to an institution uses.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct PaymentAccount {
    pub institution_account: ActiveAccount,
    pub link: FederationLink,
    /// The federation's account (連合会口座マスタ), if the master has it today.
    pub federation_account: Option<MasterRowOut>,
}

/// A payment account in plain form.
pub fn payment_out(p: service::PaymentAccount) -> PaymentAccount {
    PaymentAccount {
        institution_account: active_out(p.institution_account),
        link: link_out(p.link),
        federation_account: p.federation_account.map(row_out),
    }
}

/// A usage by its stable name.
pub fn usage(name: &str) -> Result<bank::AccountUsage> {
    bank::AccountUsage::parse(name).map_err(fail)
}

/// An application request: the usage, the account, the attachments.
pub fn request(
    usage_name: &str,
    account: &BankAccountDraft,
    attachments: Vec<(String, Vec<u8>)>,
) -> Result<service::BankApplicationRequest> {
    Ok(service::BankApplicationRequest {
        usage: usage(usage_name)?,
        draft: super::rules::draft(account)?,
        attachments,
    })
}

/// A rejection (reason 1–7; 7 needs a note).
pub fn rejection(reason: Option<i64>, note: Option<String>) -> service::BankDecision {
    service::BankDecision::Reject { reason, note }
}

/// A notice (お知らせ) as stored.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct Notice {
    pub id: String,
    pub title: String,
    pub body: String,
    /// `type` or `type:role`.
    pub targets: Vec<String>,
    pub immediate: bool,
    pub send_at: DateTime<Utc>,
    pub display_from: Day,
    pub display_until: Day,
    /// `scheduled`, `sent` or `cancelled`.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub recipients: i64,
    pub version: Seq,
}

/// A notice in plain form.
pub fn notice_out(n: sesshu_core::notices::Notice, version: i64) -> Notice {
    Notice {
        targets: n.targets.iter().map(ToString::to_string).collect(),
        id: n.id,
        title: n.title,
        body: n.body,
        immediate: n.immediate,
        send_at: n.send_at,
        display_from: day(n.display_from),
        display_until: day(n.display_until),
        status: n.status.as_str().to_owned(),
        created_by: n.created_by,
        created_at: n.created_at,
        sent_at: n.sent_at,
        recipients: i64::try_from(n.recipients).unwrap_or(i64::MAX),
        version: seq(version),
    }
}

/// Stored notices in plain form.
pub fn notices_out(ns: Vec<store::StoredNotice>) -> Vec<Notice> {
    ns.into_iter()
        .map(|n| notice_out(n.notice, n.version))
        .collect()
}

/// A notice as its author writes it (`send_at` none: send now).
pub fn notice_draft(
    title: String,
    body: String,
    targets: Vec<String>,
    send_at: Option<DateTime<Utc>>,
    display_from: &Day,
    display_until: &Day,
) -> Result<sesshu_core::notices::NoticeDraft> {
    Ok(sesshu_core::notices::NoticeDraft {
        title,
        body,
        targets,
        send_at,
        display_from: date(display_from)?,
        display_until: date(display_until)?,
    })
}

/// What a dispatch run sent: `(notice id, e-mails)`.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct DispatchedNotice {
    pub notice: String,
    pub recipients: i64,
}

/// A dispatch report in plain form.
pub fn dispatch_out(r: service::DispatchReport) -> Vec<DispatchedNotice> {
    r.sent
        .into_iter()
        .map(|(notice, n)| DispatchedNotice {
            notice,
            recipients: i64::try_from(n).unwrap_or(i64::MAX),
        })
        .collect()
}
