//! Validated identifiers (SPEC §2).
//!
//! Each identifier is a type whose only constructor is a `parse` that
//! validates, so a value of the type is always valid. Bad input is an
//! [`IdentifierError`] naming the field and the reason, never a panic and
//! never a silent fix.

mod bank;
mod email;
mod gtin;
mod ids;
mod medical_institution;
mod municipality;
mod travel;

pub use bank::{
    AccountHolderName, AccountNumber, BankCode, BranchCode, HolderNameRules, ZenginDirectory,
    ZenginMaster,
};
pub use email::EmailAddress;
pub use gtin::{gs1_year, Gs1ElementString, Gtin};
pub use ids::{ManagementId, RecordId, SubjectNumber, VaccineCode};
pub use medical_institution::{MedicalInstitutionCode, ScoreTable};
pub use municipality::MunicipalityCode;
pub use travel::{Nationality, PassportNumber, RomanName};

use thiserror::Error;

/// Calls `$m!` with the identifiers the bindings offer a normaliser for, as
/// `parse_name => Type` pairs, each with its doc comment: one list for every
/// binding (each turns a pair into a function taking text and returning
/// the identifier's normal form, or the identifier's error). The docs are
/// `#[doc]` strings, not `///` comments, so that generated type
/// declarations (napi-rs's `index.d.ts`) show them as plain text.
#[macro_export]
macro_rules! with_identifier_normalisers {
    ($m:ident) => {
        $m! {
            #[doc = "全国地方公共団体コード → its normal form."]
            parse_municipality_code => $crate::identifiers::MunicipalityCode,
            #[doc = "医療機関コード → its normal form."]
            parse_medical_institution_code => $crate::identifiers::MedicalInstitutionCode,
            #[doc = "GTIN-13/14 → its normal form."]
            parse_gtin => $crate::identifiers::Gtin,
            #[doc = "口座番号 (7 digits) → its normal form."]
            parse_account_number => $crate::identifiers::AccountNumber,
            #[doc = "口座名義 in zengin characters → its normal form."]
            parse_account_holder_name => $crate::identifiers::AccountHolderName,
            #[doc = "金融機関コード → its normal form."]
            parse_bank_code => $crate::identifiers::BankCode,
            #[doc = "支店コード → its normal form."]
            parse_branch_code => $crate::identifiers::BranchCode,
            #[doc = "旅券番号 (form 3) → its normal form."]
            parse_passport_number => $crate::identifiers::PassportNumber,
            #[doc = "ISO 3166-1 alpha-3 nationality → its normal form."]
            parse_nationality => $crate::identifiers::Nationality,
            #[doc = "Name in Roman letters → its normal form."]
            parse_roman_name => $crate::identifiers::RomanName,
            #[doc = "E-mail address → its normal form."]
            parse_email => $crate::identifiers::EmailAddress,
        }
    };
}

/// Why an identifier was refused. Each variant's [`code`](IdentifierError::code)
/// is stable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IdentifierError {
    /// 全国地方公共団体コード: not six digits, an unknown prefecture, or a wrong check digit.
    #[error("invalid local government code (全国地方公共団体コード) {value:?}: {reason}")]
    InvalidMunicipalityCode {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// 医療機関コード: not ten digits, bad prefecture or score table, or a wrong check digit.
    #[error("invalid medical institution code (医療機関コード) {value:?}: {reason}")]
    InvalidMedicalInstitutionCode {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// GTIN-13/14 of a vaccine package: wrong length or check digit.
    #[error("invalid GTIN {value:?}: {reason}")]
    InvalidGtin {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A GS1 element string that cannot be read.
    #[error("invalid GS1 element string {value:?}: {reason}")]
    InvalidGs1 {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// 金融機関コード: not four digits.
    #[error("invalid bank code (金融機関コード) {value:?}: must be 4 digits")]
    InvalidBankCode {
        /// The value as given.
        value: String,
    },
    /// 支店コード: not three digits.
    #[error("invalid branch code (支店コード) {value:?}: must be 3 digits")]
    InvalidBranchCode {
        /// The value as given.
        value: String,
    },
    /// A well-formed bank code that the zengin code-check master does not know.
    #[error("bank code {bank} is not in the zengin code-check master")]
    UnknownBankCode {
        /// The bank code.
        bank: String,
    },
    /// A well-formed branch code that the zengin master does not know for the bank.
    #[error("branch code {branch} of bank {bank} is not in the zengin code-check master")]
    UnknownBranchCode {
        /// The bank code.
        bank: String,
        /// The branch code.
        branch: String,
    },
    /// 口座番号: not seven digits.
    #[error("invalid account number (口座番号) {value:?}: {reason}")]
    InvalidAccountNumber {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// 口座名義: a character outside the zengin set, or too long.
    #[error("invalid account holder name (口座名義) {value:?}: {reason}")]
    InvalidHolderName {
        /// The value as given.
        value: String,
        /// What is wrong with it, naming the character.
        reason: String,
    },
    /// Passport number: not 1–20 of A–Z and 0–9. The value is withheld (personal data).
    #[error("invalid passport number: {reason}")]
    InvalidPassportNumber {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Nationality: not an ISO 3166-1 alpha-3 country code.
    #[error("invalid nationality {value:?}: must be an ISO 3166-1 alpha-3 country code")]
    InvalidNationality {
        /// The value as given.
        value: String,
    },
    /// Name in Roman letters: a character other than A–Z, space, apostrophe, hyphen; or too long.
    #[error("invalid name in Roman letters: {reason}")]
    InvalidRomanName {
        /// What is wrong with it, naming the character.
        reason: String,
    },
    /// An opaque key (management id, subject number, record id, vaccine code).
    #[error("invalid {kind} {value:?}: {reason}")]
    InvalidKey {
        /// Which key: `management_id`, `subject_number`, `record_id`, `vaccine`.
        kind: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// E-mail address that is not of the form local@domain.
    #[error("invalid e-mail address {value:?}: {reason}")]
    InvalidEmail {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl IdentifierError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            IdentifierError::InvalidMunicipalityCode { .. } => "invalid_municipality_code",
            IdentifierError::InvalidMedicalInstitutionCode { .. } => {
                "invalid_medical_institution_code"
            }
            IdentifierError::InvalidGtin { .. } => "invalid_gtin",
            IdentifierError::InvalidGs1 { .. } => "invalid_gs1",
            IdentifierError::InvalidBankCode { .. } => "invalid_bank_code",
            IdentifierError::InvalidBranchCode { .. } => "invalid_branch_code",
            IdentifierError::UnknownBankCode { .. } => "unknown_bank_code",
            IdentifierError::UnknownBranchCode { .. } => "unknown_branch_code",
            IdentifierError::InvalidAccountNumber { .. } => "invalid_account_number",
            IdentifierError::InvalidHolderName { .. } => "invalid_holder_name",
            IdentifierError::InvalidPassportNumber { .. } => "invalid_passport_number",
            IdentifierError::InvalidNationality { .. } => "invalid_nationality",
            IdentifierError::InvalidRomanName { .. } => "invalid_roman_name",
            IdentifierError::InvalidEmail { .. } => "invalid_email",
            IdentifierError::InvalidKey { kind, .. } => match *kind {
                "management_id" => "invalid_management_id",
                "subject_number" => "invalid_subject_number",
                "record_id" => "invalid_record_id",
                "vaccine" => "invalid_vaccine",
                _ => "invalid_key",
            },
        }
    }
}
