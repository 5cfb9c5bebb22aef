//! The issuance register (交付記録, H-5-4): what was issued, to whom, how,
//! and everything printed that the system does not hold elsewhere.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::identifiers::{ManagementId, MunicipalityCode, RecordId};
use crate::macros::named_enum;

use super::CertificateError;

named_enum! {
    /// Who applied for the certificate (申請者).
    pub enum ApplicantType {
        /// 本人.
        Subject = "subject",
        /// A member of the subject's household (同一世帯).
        Household = "household",
        /// Anyone else, with a letter of delegation (委任状).
        Delegate = "delegate",
    }
    unknown: CertificateError = |v| CertificateError::InvalidChoice { what: "applicant type", value: v.to_owned() };
}

named_enum! {
    /// Where the certificate was issued.
    pub enum IssuanceChannel {
        /// 窓口 (H-5-2, H-5-3).
        Counter = "counter",
        /// マイナポータル (H-5-1): an electronically signed PDF.
        Portal = "portal",
    }
    unknown: CertificateError = |v| CertificateError::InvalidChoice { what: "channel", value: v.to_owned() };
}

/// One issuance, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuance {
    /// 証明書番号 (`<municipality>-<year>-<nnnnnn>`).
    pub certificate_number: String,
    /// The issuing municipality.
    pub municipality: MunicipalityCode,
    /// The person certified.
    pub person: ManagementId,
    /// The records certified.
    pub records: Vec<RecordId>,
    /// The form (1–3).
    pub form: u8,
    /// Counter or portal.
    pub channel: IssuanceChannel,
    /// Who applied.
    pub applicant: ApplicantType,
    /// The letter of delegation was checked (delegates only).
    pub delegation_checked: bool,
    /// The name printed when it differs from the person's (旧姓・別名).
    pub name_override: Option<String>,
    /// Form 3: the passport number printed.
    pub passport_number: Option<String>,
    /// Form 3: the nationality printed.
    pub nationality: Option<String>,
    /// Form 3: the Roman-letter name printed.
    pub name_roman: Option<String>,
    /// 発行年月日 (Japan date).
    pub issue_date: NaiveDate,
    /// When, exactly.
    pub issued_at: DateTime<Utc>,
    /// Who issued it (a user id, or the portal).
    pub issued_by: String,
    /// The signing certificate's subject, when the PDF was signed (電子署名).
    #[serde(default)]
    pub signed_by: Option<String>,
}
