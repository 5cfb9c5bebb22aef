//! First-administrator extraction (初回管理者アカウント発行, H-1-1): the daily
//! batch over the collective-contract masters that decides which
//! organisations get their first administrator account.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::identifiers::{EmailAddress, IdentifierError, MedicalInstitutionCode, MunicipalityCode};
use crate::macros::named_enum;
use crate::organisation::{OrganisationCode, OrganisationError, OrganisationType};

/// Why a master row was rejected (reported, not issued).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExtractionError {
    /// The row meets the criteria but has no e-mail address.
    #[error("no administrator e-mail address")]
    MissingEmail,
    /// The row meets the criteria but has no administrator name.
    #[error("no administrator name")]
    MissingAdminName,
    /// Not `target` or `not_target`.
    #[error("unknown issuance class {value:?}: expected target or not_target")]
    InvalidIssuanceStatus {
        /// The value as given.
        value: String,
    },
    /// Not a known delegation (委任状) status.
    #[error("unknown delegation status {value:?}")]
    InvalidDelegationStatus {
        /// The value as given.
        value: String,
    },
    /// A code or e-mail address failed validation.
    #[error(transparent)]
    Identifier(#[from] IdentifierError),
    /// An organisation type or code failed validation.
    #[error(transparent)]
    Organisation(#[from] OrganisationError),
}

impl ExtractionError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ExtractionError::MissingEmail => "missing_email",
            ExtractionError::MissingAdminName => "missing_admin_name",
            ExtractionError::InvalidIssuanceStatus { .. } => "invalid_issuance_status",
            ExtractionError::InvalidDelegationStatus { .. } => "invalid_delegation_status",
            ExtractionError::Identifier(e) => e.code(),
            ExtractionError::Organisation(e) => e.code(),
        }
    }
}

named_enum! {
    /// 発行区分: whether the organisation is to get an account.
    pub enum IssuanceClass {
        /// 発行対象.
        Target = "target",
        /// 発行対象外.
        NotTarget = "not_target",
    }
    unknown: ExtractionError = |v| ExtractionError::InvalidIssuanceStatus { value: v.to_owned() };
}

named_enum! {
    /// 委任状 status of the collective contract.
    pub enum DelegationStatus {
        /// 申請中.
        Applying = "applying",
        /// 承認済み.
        Approved = "approved",
        /// 集合契約中.
        InCollectiveContract = "in_collective_contract",
        /// 差戻し.
        Returned = "returned",
        /// 取下げ.
        Withdrawn = "withdrawn",
        /// 契約終了.
        Terminated = "terminated",
    }
    unknown: ExtractionError = |v| ExtractionError::InvalidDelegationStatus { value: v.to_owned() };
}

/// A master row of a medical institution, municipality or wide-area union,
/// as received (unvalidated).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct OrganisationRow {
    /// 医療機関コード or 全国地方公共団体コード.
    pub code: String,
    /// 発行区分.
    pub issuance: String,
    /// 委任状 status, if any.
    pub delegation: Option<String>,
    /// For municipalities: the wide-area union it belongs to, if any.
    #[serde(default)]
    pub union: Option<String>,
    /// Administrator's e-mail address.
    pub email: Option<String>,
    /// Administrator's name.
    pub admin_name: Option<String>,
}

/// A master row of MHLW, a federation or the central association.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AdministratorRow {
    /// The organisation's code (opaque).
    pub org_code: String,
    /// `mhlw`, `federation` or `central`.
    pub org_type: String,
    /// 発行区分.
    pub issuance: String,
    /// Administrator's e-mail address.
    pub email: Option<String>,
    /// Administrator's name.
    pub admin_name: Option<String>,
}

/// One day's masters, and the organisations that already have their first
/// administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ExtractionInput {
    /// Codes of organisations whose first administrator exists.
    pub already_issued: BTreeSet<String>,
    /// 医療機関マスタ rows.
    pub medical_institutions: Vec<OrganisationRow>,
    /// 自治体マスタ rows.
    pub municipalities: Vec<OrganisationRow>,
    /// 広域連合マスタ rows.
    pub unions: Vec<OrganisationRow>,
    /// 管理者マスタ rows (MHLW, federations, central).
    pub administrators: Vec<AdministratorRow>,
}

/// A first administrator to issue: the organisation and whom to send the
/// user id, temporary password and URL to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstAdministrator {
    /// The organisation's code (normalised).
    pub org_code: OrganisationCode,
    /// Its type.
    pub org_type: OrganisationType,
    /// The administrator's e-mail address.
    pub email: EmailAddress,
    /// The administrator's name.
    pub admin_name: String,
}

/// A row that was reported instead of issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The code as given in the row.
    pub code: String,
    /// Which master the row came from.
    pub org_type: OrganisationType,
    /// Why.
    pub error: ExtractionError,
}

/// The result of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// Accounts to issue, in master order.
    pub issue: Vec<FirstAdministrator>,
    /// Rows reported, in master order.
    pub rejected: Vec<RejectedRow>,
}

const INSTITUTION_DELEGATIONS: &[DelegationStatus] = &[
    DelegationStatus::Approved,
    DelegationStatus::InCollectiveContract,
];
const LOCAL_GOVERNMENT_DELEGATIONS: &[DelegationStatus] = &[
    DelegationStatus::Applying,
    DelegationStatus::Approved,
    DelegationStatus::InCollectiveContract,
];

/// What one row comes to.
enum Verdict {
    Issue(FirstAdministrator),
    NotIssued,
}

/// Decides which organisations get their first administrator.
///
/// - medical institutions: issuance `target` and delegation approved or in
///   collective contract;
/// - municipalities: `target`, delegation applying, approved or in
///   collective contract, and not a member of a wide-area union;
/// - wide-area unions: the same test on the union's own row (one account
///   for the union);
/// - MHLW, federations, central: `target`.
///
/// An organisation that already has its first administrator (or that an
/// earlier row of the same run issued) is skipped. A row with a bad code or
/// an unknown status is rejected; a row that meets the criteria but lacks a
/// valid e-mail or a name is rejected; other rows are silently not issued.
/// Running it again with the issued codes added changes nothing.
pub fn extract_first_administrators(input: &ExtractionInput) -> Extraction {
    let mut issued: BTreeSet<String> = input.already_issued.clone();
    let mut out = Extraction::default();
    let mut handle =
        |raw_code: &str, org_type, verdict: Result<Verdict, ExtractionError>| match verdict {
            Ok(Verdict::Issue(admin)) => {
                if issued.insert(admin.org_code.to_string()) {
                    out.issue.push(admin);
                }
            }
            Ok(Verdict::NotIssued) => {}
            Err(error) => out.rejected.push(RejectedRow {
                code: raw_code.to_owned(),
                org_type,
                error,
            }),
        };
    let already = |code: &OrganisationCode| input.already_issued.contains(code.as_str());

    for row in &input.medical_institutions {
        let v = examine_row(
            row,
            OrganisationType::MedicalInstitution,
            INSTITUTION_DELEGATIONS,
            &already,
        );
        handle(&row.code, OrganisationType::MedicalInstitution, v);
    }
    for row in &input.municipalities {
        let v = examine_row(
            row,
            OrganisationType::Municipality,
            LOCAL_GOVERNMENT_DELEGATIONS,
            &already,
        );
        handle(&row.code, OrganisationType::Municipality, v);
    }
    for row in &input.unions {
        let v = examine_row(
            row,
            OrganisationType::WideAreaUnion,
            LOCAL_GOVERNMENT_DELEGATIONS,
            &already,
        );
        handle(&row.code, OrganisationType::WideAreaUnion, v);
    }
    for row in &input.administrators {
        let v = examine_administrator(row, &already);
        let org_type = OrganisationType::parse(&row.org_type).unwrap_or(OrganisationType::Mhlw);
        handle(&row.org_code, org_type, v);
    }
    out
}

fn examine_row(
    row: &OrganisationRow,
    org_type: OrganisationType,
    eligible: &[DelegationStatus],
    already: &dyn Fn(&OrganisationCode) -> bool,
) -> Result<Verdict, ExtractionError> {
    let code: OrganisationCode = match org_type {
        OrganisationType::MedicalInstitution => MedicalInstitutionCode::parse(&row.code)?.into(),
        _ => MunicipalityCode::parse(&row.code)?.into(),
    };
    let issuance = IssuanceClass::parse(&row.issuance)?;
    let delegation = row
        .delegation
        .as_deref()
        .map(DelegationStatus::parse)
        .transpose()?;
    let in_union = match (org_type, present(row.union.as_deref())) {
        (OrganisationType::Municipality, Some(union)) => {
            MunicipalityCode::parse(union)?;
            true
        }
        _ => false,
    };
    let meets = issuance == IssuanceClass::Target
        && delegation.is_some_and(|d| eligible.contains(&d))
        && !in_union;
    if !meets || already(&code) {
        return Ok(Verdict::NotIssued);
    }
    contact(
        code,
        org_type,
        row.email.as_deref(),
        row.admin_name.as_deref(),
    )
}

fn examine_administrator(
    row: &AdministratorRow,
    already: &dyn Fn(&OrganisationCode) -> bool,
) -> Result<Verdict, ExtractionError> {
    let code = OrganisationCode::parse(&row.org_code)?;
    let org_type = OrganisationType::parse(&row.org_type)?;
    if !matches!(
        org_type,
        OrganisationType::Mhlw | OrganisationType::Federation | OrganisationType::Central
    ) {
        return Err(OrganisationError::InvalidOrgType {
            value: row.org_type.clone(),
        }
        .into());
    }
    let issuance = IssuanceClass::parse(&row.issuance)?;
    if issuance != IssuanceClass::Target || already(&code) {
        return Ok(Verdict::NotIssued);
    }
    contact(
        code,
        org_type,
        row.email.as_deref(),
        row.admin_name.as_deref(),
    )
}

/// A value that is there and not blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn contact(
    org_code: OrganisationCode,
    org_type: OrganisationType,
    email: Option<&str>,
    admin_name: Option<&str>,
) -> Result<Verdict, ExtractionError> {
    let email = EmailAddress::parse(present(email).ok_or(ExtractionError::MissingEmail)?)?;
    let admin_name = present(admin_name).ok_or(ExtractionError::MissingAdminName)?;
    Ok(Verdict::Issue(FirstAdministrator {
        org_code,
        org_type,
        email,
        admin_name: admin_name.to_owned(),
    }))
}
