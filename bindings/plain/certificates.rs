//! Certificate requests (予防接種済証) and the issuance register in their
//! plain form. Written once for Node and Kotlin/Swift.

#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::certificate::issuance;
use sesshu_core::service;

use super::{day, Day};
use crate::error::{fail, Result};

/// What a certificate request names besides the person and records; only
/// the municipality's name and head are required.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct CertificateOptions {
    /// The issuing municipality as printed (「千代田区」).
    pub municipality_name: String,
    /// Its head as printed.
    pub head: String,
    /// The form asked for (temporary vaccinations: 2 or 3).
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub form: Option<i64>,
    /// Form 3: passport number.
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub passport_number: Option<String>,
    /// Form 3: nationality (ISO 3166-1 alpha-3).
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub nationality: Option<String>,
    /// Form 3: the name in Roman letters.
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub name_roman: Option<String>,
    /// A name to print instead of the person's (旧姓・別名).
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub name: Option<String>,
    /// `subject` (when absent), `household` or `delegate`.
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub applicant: Option<String>,
    /// The letter of delegation was checked (absent: not).
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub delegation_checked: Option<bool>,
    /// `counter` (when absent) or `portal`.
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub channel: Option<String>,
}

/// The core's request for a person's records, with these options.
pub fn certificate_request(
    management_id: String,
    records: Vec<String>,
    o: CertificateOptions,
) -> Result<service::CertificateRequest> {
    service::CertificateRequestText {
        management_id,
        records,
        form: o.form,
        passport_number: o.passport_number,
        nationality: o.nationality,
        name_roman: o.name_roman,
        name: o.name,
        applicant: o.applicant,
        delegation_checked: o.delegation_checked.unwrap_or(false),
        channel: o.channel,
        municipality_name: o.municipality_name,
        head: o.head,
    }
    .parse()
    .map_err(fail)
}

/// The size of a page of the issuance register: `limit`, or 1,000.
pub fn page_size(limit: Option<u32>) -> usize {
    limit.map_or(1_000, |n| n as usize)
}

/// One entry of the issuance register.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Issuance {
    pub certificate_number: String,
    /// `YYYY-MM-DD`; Python: a `date`.
    pub issue_date: Day,
    pub management_id: String,
    pub records: Vec<String>,
    pub form: u32,
    pub channel: String,
    pub applicant: String,
    pub delegation_checked: bool,
    pub name_override: Option<String>,
    pub passport_number: Option<String>,
    pub nationality: Option<String>,
    pub name_roman: Option<String>,
    /// The signing certificate's subject, when the PDF was signed.
    pub signed_by: Option<String>,
}

/// The register's entries in plain form.
pub fn issuances_out(found: Vec<issuance::Issuance>) -> Vec<Issuance> {
    found
        .into_iter()
        .map(|i| Issuance {
            certificate_number: i.certificate_number,
            issue_date: day(i.issue_date),
            management_id: i.person.to_string(),
            records: i.records.iter().map(ToString::to_string).collect(),
            form: u32::from(i.form),
            channel: i.channel.to_string(),
            applicant: i.applicant.to_string(),
            delegation_checked: i.delegation_checked,
            name_override: i.name_override,
            passport_number: i.passport_number,
            nationality: i.nationality,
            name_roman: i.name_roman,
            signed_by: i.signed_by,
        })
        .collect()
}
