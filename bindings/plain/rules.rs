//! The rules as functions over plain records: each converts, calls the core
//! and converts back. Written once for every binding (see `mod.rs`).

// Python holds the access rule, the password policy and the inactivity
// schedule in classes of its own, built once and asked many times, and
// reads instants as aware `datetime`s of any offset: it does not call the
// plain functions for those.
#![cfg_attr(binding = "python", allow(dead_code))]

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use sesshu_core::{
    accounts, bank_account as bank, calendar, certificate, delivery, identifiers as id,
};
use sesshu_core::{organisation, records, residency};

use super::export;
#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;

use super::{date, day, read_date, Day};
use crate::error::{fail, Result};

macro_rules! normalizer {
    ($($(#[$m:meta])* $name:ident => $ty:ty),+ $(,)?) => {
        $(
            $(#[$m])*
            #[export]
            pub fn $name(value: String) -> Result<String> {
                <$ty>::parse(&value).map(|v| v.to_string()).map_err(fail)
            }
        )+
    };
}

sesshu_core::with_identifier_normalisers!(normalizer);

/// A GS1 element string read from a label.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Gs1 {
    /// AI (01).
    pub gtin: String,
    /// AI (17) (`YYYY-MM-DD`; Python: a `date`).
    pub expiry: Option<Day>,
    /// AI (10).
    pub lot: Option<String>,
    /// AI (21).
    pub serial: Option<String>,
}

/// Reads a GS1 element string (bracketed or raw) scanned on `today`
/// (`YYYY-MM-DD`; Python: a `date`), which resolves the expiry's century
/// (GS1 §7.12: from 49 years before to 50 after); absent, today in Japan.
#[export]
#[cfg_attr(binding = "python", pyo3(signature = (value, today=None)))]
pub fn parse_gs1(value: String, today: Option<Day>) -> Result<Gs1> {
    let today = match today {
        Some(d) => date(&d)?,
        None => {
            use sesshu_core::calendar::Clock;
            calendar::SystemClock.today_jst()
        }
    };
    let e = id::Gs1ElementString::parse(&value, today).map_err(fail)?;
    Ok(Gs1 {
        gtin: e.gtin.to_string(),
        expiry: e.expiry.map(day),
        lot: e.lot,
        serial: e.serial,
    })
}

/// 和暦 of a date: `令和元年5月1日`.
#[export]
pub fn wareki(day: Day) -> Result<String> {
    calendar::WarekiDate::from_date(date(&day)?)
        .map(|w| w.to_string())
        .map_err(fail)
}

/// An RFC 3339 timestamp (the offset is required: a time without one names
/// no instant) as an instant; `invalid_timestamp` otherwise.
#[export]
pub fn parse_timestamp(value: String) -> Result<DateTime<Utc>> {
    calendar::parse_timestamp(&value).map_err(fail)
}

/// One period of residence `[from, to)`.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
// Python names the bounds `start` and `end` (`from` is a keyword there):
// its getters are its own.
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, from_py_object))]
#[derive(Clone)]
pub struct ResidencyInterval {
    /// Municipality code.
    pub municipality: String,
    /// First day, `YYYY-MM-DD` (Python: `start`, a `date`).
    pub from: Day,
    /// First day no longer resident; absent while resident (Python: `end`).
    pub to: Option<Day>,
}

/// A validated history from plain intervals.
pub fn history(
    intervals: &[ResidencyInterval],
) -> std::result::Result<residency::ResidencyHistory, sesshu_core::Error> {
    Ok(residency::ResidencyHistory::new(intervals_in(intervals)?)?)
}

/// Plain intervals read (codes and dates), not yet checked as a history.
pub fn intervals_in(
    intervals: &[ResidencyInterval],
) -> std::result::Result<Vec<residency::ResidencyInterval>, sesshu_core::Error> {
    intervals
        .iter()
        .map(|i| {
            Ok(residency::ResidencyInterval {
                municipality: id::MunicipalityCode::parse(&i.municipality)?,
                from: read_date(&i.from)?,
                to: i.to.as_ref().map(read_date).transpose()?,
            })
        })
        .collect()
}

/// Plain intervals of a history.
pub fn intervals_of(h: &residency::ResidencyHistory) -> Vec<ResidencyInterval> {
    h.intervals()
        .iter()
        .map(|i| ResidencyInterval {
            municipality: i.municipality.to_string(),
            from: day(i.from),
            to: i.to.map(day),
        })
        .collect()
}

/// What the access rule reads of a record.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct RecordFacts {
    /// The responsible municipality.
    pub responsible: String,
    /// `routine`, `temporary` or `voluntary`.
    pub category: String,
    /// Marked erroneous.
    pub erroneous: bool,
}

/// The rule's answer for one record.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Access {
    /// Staff may see it.
    pub visible: bool,
    /// The municipality may certify it.
    pub certifiable: bool,
    /// The person sees it on the portal.
    pub portal: bool,
}

/// The access rule (SPEC §3) for one person's `records`, seen by a
/// municipality on a date: one answer per record, in order.
#[export]
pub fn record_access(
    residency: Vec<ResidencyInterval>,
    municipality: String,
    on: Day,
    records: Vec<RecordFacts>,
) -> Result<Vec<Access>> {
    let h = history(&residency).map_err(fail)?;
    let m = id::MunicipalityCode::parse(&municipality).map_err(fail)?;
    let access = records::RecordAccess::new(&h, m, date(&on)?);
    records.iter().map(|r| evaluate(&access, r)).collect()
}

/// The access rule's answer for one record.
pub fn evaluate(access: &records::RecordAccess, r: &RecordFacts) -> Result<Access> {
    let a = access.evaluate(&records::RecordFacts {
        responsible: id::MunicipalityCode::parse(&r.responsible).map_err(fail)?,
        category: records::Category::parse(&r.category).map_err(fail)?,
        erroneous: r.erroneous,
    });
    Ok(Access {
        visible: a.visible,
        certifiable: a.certifiable,
        portal: a.portal,
    })
}

/// Travel details for form 3.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct TravelDetails {
    /// 旅券番号.
    pub passport_number: String,
    /// ISO 3166-1 alpha-3.
    pub nationality: String,
    /// Name in Roman letters.
    pub name_roman: String,
}

/// The certificate form chosen.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct FormSelection {
    /// 1, 2 or 3.
    pub form: u32,
    /// Normalised travel details, for form 3 only.
    pub travel: Option<TravelDetails>,
}

/// 予防接種済証: which form for a record of `category` (SPEC §6).
#[export]
#[cfg_attr(binding = "python", pyo3(signature = (category, requested_form=None, travel=None)))]
pub fn select_form(
    category: String,
    requested_form: Option<i64>,
    travel: Option<TravelDetails>,
) -> Result<FormSelection> {
    let category = records::Category::parse(&category).map_err(fail)?;
    let input = travel.map(|t| certificate::TravelDetailsInput {
        passport_number: t.passport_number,
        nationality: t.nationality,
        name_roman: t.name_roman,
    });
    let s = certificate::select_form(category, requested_form, input.as_ref()).map_err(fail)?;
    Ok(FormSelection {
        form: u32::from(s.form.number()),
        travel: s.travel.map(|t| TravelDetails {
            passport_number: t.passport_number.to_string(),
            nationality: t.nationality.to_string(),
            name_roman: t.name_roman.to_string(),
        }),
    })
}

/// Throws `role_not_allowed` unless the organisation type may grant the role.
#[export]
pub fn check_role(org_type: String, role: String) -> Result<()> {
    let t = organisation::OrganisationType::parse(&org_type).map_err(fail)?;
    let r = organisation::Role::parse(&role).map_err(fail)?;
    t.check_role(r).map_err(fail)
}

/// A master row of a medical institution, municipality or wide-area union.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct OrganisationRow {
    /// Code.
    pub code: String,
    /// `target` / `not_target`.
    pub issuance: String,
    /// Delegation status.
    pub delegation: Option<String>,
    /// A municipality's wide-area union.
    pub union: Option<String>,
    /// Administrator's e-mail.
    pub email: Option<String>,
    /// Administrator's name.
    pub admin_name: Option<String>,
}

/// A master row of MHLW, a federation or the central association.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct AdministratorRow {
    /// Organisation code.
    pub org_code: String,
    /// `mhlw`, `federation` or `central`.
    pub org_type: String,
    /// `target` / `not_target`.
    pub issuance: String,
    /// Administrator's e-mail.
    pub email: Option<String>,
    /// Administrator's name.
    pub admin_name: Option<String>,
}

/// One day's masters.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct ExtractionInput {
    /// Organisations that already have their first administrator.
    pub already_issued: Vec<String>,
    /// 医療機関マスタ.
    pub medical_institutions: Vec<OrganisationRow>,
    /// 自治体マスタ.
    pub municipalities: Vec<OrganisationRow>,
    /// 広域連合マスタ.
    pub unions: Vec<OrganisationRow>,
    /// 管理者マスタ.
    pub administrators: Vec<AdministratorRow>,
}

/// A first administrator to issue.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct FirstAdministrator {
    /// Organisation code.
    pub org_code: String,
    /// Organisation type.
    pub org_type: String,
    /// E-mail address.
    pub email: String,
    /// Name.
    pub admin_name: String,
}

/// A row reported instead of issued.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct RejectedRow {
    /// The code as given.
    pub code: String,
    /// Which master.
    pub org_type: String,
    /// The stable error code.
    pub error: String,
    /// Why.
    pub message: String,
}

/// The result of an extraction run.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Extraction {
    /// Accounts to issue.
    pub issue: Vec<FirstAdministrator>,
    /// Rows reported.
    pub rejected: Vec<RejectedRow>,
}

/// The daily first-administrator extraction (SPEC §14).
#[export]
pub fn extract_first_administrators(input: ExtractionInput) -> Extraction {
    let row = |r: OrganisationRow| accounts::OrganisationRow {
        code: r.code,
        issuance: r.issuance,
        delegation: r.delegation,
        union: r.union,
        email: r.email,
        admin_name: r.admin_name,
    };
    let core = accounts::ExtractionInput {
        already_issued: input.already_issued.into_iter().collect::<BTreeSet<_>>(),
        medical_institutions: input.medical_institutions.into_iter().map(row).collect(),
        municipalities: input.municipalities.into_iter().map(row).collect(),
        unions: input.unions.into_iter().map(row).collect(),
        administrators: input
            .administrators
            .into_iter()
            .map(|a| accounts::AdministratorRow {
                org_code: a.org_code,
                org_type: a.org_type,
                issuance: a.issuance,
                email: a.email,
                admin_name: a.admin_name,
            })
            .collect(),
    };
    let out = accounts::extract_first_administrators(&core);
    Extraction {
        issue: out
            .issue
            .into_iter()
            .map(|a| FirstAdministrator {
                org_code: a.org_code.to_string(),
                org_type: a.org_type.to_string(),
                email: a.email.to_string(),
                admin_name: a.admin_name,
            })
            .collect(),
        rejected: out
            .rejected
            .into_iter()
            .map(|r| RejectedRow {
                code: r.code,
                org_type: r.org_type.to_string(),
                error: r.error.code().to_owned(),
                message: r.error.to_string(),
            })
            .collect(),
    }
}

/// The password policy (SPEC §14); absent fields take the defaults.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct PasswordPolicy {
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub require_lowercase: Option<bool>,
    pub require_uppercase: Option<bool>,
    pub require_digit: Option<bool>,
    pub require_symbol: Option<bool>,
    pub forbid_user_id: Option<bool>,
    pub forbid_email: Option<bool>,
    pub reject_common: Option<bool>,
    pub history_size: Option<u32>,
}

/// The core's policy: absent fields take the defaults; `invalid_policy`
/// for a self-contradicting one.
pub fn policy(policy: &PasswordPolicy) -> Result<accounts::PasswordPolicy> {
    let d = accounts::PasswordPolicy::default();
    let p = accounts::PasswordPolicy {
        min_length: policy.min_length.unwrap_or(d.min_length),
        max_length: policy.max_length.unwrap_or(d.max_length),
        require_lowercase: policy.require_lowercase.unwrap_or(d.require_lowercase),
        require_uppercase: policy.require_uppercase.unwrap_or(d.require_uppercase),
        require_digit: policy.require_digit.unwrap_or(d.require_digit),
        require_symbol: policy.require_symbol.unwrap_or(d.require_symbol),
        forbid_user_id: policy.forbid_user_id.unwrap_or(d.forbid_user_id),
        forbid_email: policy.forbid_email.unwrap_or(d.forbid_email),
        reject_common: policy.reject_common.unwrap_or(d.reject_common),
        history_size: policy.history_size.unwrap_or(d.history_size),
    };
    p.validate().map_err(fail)?;
    Ok(p)
}

/// The violation codes of a password under a policy (empty: acceptable).
pub fn violations(
    policy: &accounts::PasswordPolicy,
    user_id: &str,
    email: &str,
    password: &str,
    history: &[String],
) -> Vec<String> {
    policy
        .check(
            accounts::PasswordContext { user_id, email },
            password,
            history,
        )
        .into_iter()
        .map(|v| v.code().to_owned())
        .collect()
}

/// The violation codes of a password (empty: acceptable). Throws
/// `invalid_policy` for a self-contradicting policy.
#[export]
pub fn check_password(
    policy: PasswordPolicy,
    user_id: String,
    email: String,
    password: String,
    history: Option<Vec<String>>,
) -> Result<Vec<String>> {
    Ok(violations(
        &self::policy(&policy)?,
        &user_id,
        &email,
        &password,
        &history.unwrap_or_default(),
    ))
}

/// The dates of one inactivity run.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct InactivitySchedule {
    /// The day the warning goes out (`YYYY-MM-DD`; Python: a `date`).
    pub notice_date: Day,
    /// 00:00 JST six months before.
    pub threshold: DateTime<Utc>,
}

/// Plans an inactivity run for `executionDate` (SPEC §14).
#[export]
pub fn inactivity_schedule(execution_date: Day) -> Result<InactivitySchedule> {
    let s = accounts::InactivitySchedule::for_execution(date(&execution_date)?).map_err(fail)?;
    Ok(InactivitySchedule {
        notice_date: day(s.notice_date),
        threshold: s.threshold,
    })
}

/// Whether an account (`active`/`suspended`) is an inactivity candidate.
#[export]
pub fn is_inactivity_candidate(
    execution_date: Day,
    status: String,
    issued_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let s = accounts::InactivitySchedule::for_execution(date(&execution_date)?).map_err(fail)?;
    Ok(s.is_candidate(&accounts::AccountActivity {
        status: accounts::AccountStatus::parse(&status).map_err(fail)?,
        issued_at,
        last_login_at,
    }))
}

/// Whether a municipality's system must receive a record (SPEC §4).
#[export]
pub fn needs_delivery(
    municipality: String,
    responsible: String,
    updated_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    Ok(delivery::needs_delivery(
        id::MunicipalityCode::parse(&municipality).map_err(fail)?,
        &delivery::DeliveryFacts {
            responsible: id::MunicipalityCode::parse(&responsible).map_err(fail)?,
            updated_at,
            delivered_at,
        },
    ))
}

/// A bank account as entered.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct BankAccountDraft {
    /// `national` or `registered`.
    pub account_class: String,
    pub bank: String,
    pub branch: String,
    /// `ordinary`, `current` or `savings`.
    pub deposit_type: String,
    pub number: String,
    pub holder: String,
}

/// A draft account for the core.
pub fn draft(d: &BankAccountDraft) -> Result<bank::BankAccountDraft> {
    Ok(bank::BankAccountDraft {
        class: bank::AccountClass::parse(&d.account_class).map_err(fail)?,
        bank: d.bank.clone(),
        branch: d.branch.clone(),
        deposit_type: bank::DepositType::parse(&d.deposit_type).map_err(fail)?,
        number: d.number.clone(),
        holder: d.holder.clone(),
    })
}

/// An account in plain form.
pub fn account_out(a: &bank::BankAccount) -> BankAccountDraft {
    BankAccountDraft {
        account_class: a.class.as_str().into(),
        bank: a.bank.to_string(),
        branch: a.branch.to_string(),
        deposit_type: a.deposit_type.as_str().into(),
        number: a.number.to_string(),
        holder: a.holder.to_string(),
    }
}
