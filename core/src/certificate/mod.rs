//! 予防接種済証 (vaccination certificate, SPEC §6): which form, what it
//! prints ([`document`]) and, with feature `pdf`, the PDF itself
//! ([`pdf`]) and its electronic signature ([`signature`]).

pub mod document;
pub mod issuance;
#[cfg(feature = "pdf")]
pub mod pdf;
#[cfg(feature = "pdf")]
pub mod signature;

use thiserror::Error;

use crate::identifiers::{IdentifierError, Nationality, PassportNumber, RomanName};
use crate::records::Category;

/// Why a certificate request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Voluntary vaccinations are never certified by a municipality.
    #[error("{category} vaccinations are not certified by municipalities")]
    NotCertifiable {
        /// The category of the record.
        category: Category,
    },
    /// The requested form does not exist or does not fit the category.
    #[error("form {requested} cannot be used for a {category} vaccination")]
    FormNotAllowed {
        /// The category of the record.
        category: Category,
        /// The form number requested.
        requested: i64,
    },
    /// Temporary vaccinations need the applicant to choose form 2 or 3.
    #[error("a temporary vaccination needs an explicit choice of form 2 or form 3")]
    FormChoiceRequired,
    /// Form 3 needs passport number, nationality and the name in Roman letters.
    #[error("form 3 (overseas travel) needs {missing}")]
    TravelDetailsRequired {
        /// Which detail is missing.
        missing: &'static str,
    },
    /// A travel detail failed validation.
    #[error(transparent)]
    Identifier(#[from] IdentifierError),
    /// Not one of the names of a closed set (applicant type, channel).
    #[error("unknown {what} {value:?}")]
    InvalidChoice {
        /// Which set.
        what: &'static str,
        /// The value as given.
        value: String,
    },
    /// An applicant outside the household needs a checked letter of delegation.
    #[error("a delegate's application needs the letter of delegation (委任状) checked")]
    DelegationNotChecked,
    /// The records asked for do not share one form.
    #[error("the records need different forms ({first} and {second}): issue them separately")]
    MixedForms {
        /// One form.
        first: u8,
        /// Another.
        second: u8,
    },
    /// A certificate needs at least one vaccination.
    #[error("a certificate needs at least one vaccination")]
    NothingToCertify,
    /// A character the certificate font cannot print (外字).
    #[error("{field}: {character:?} cannot be printed in the certificate font; give the {field} in a printable form")]
    Unprintable {
        /// Which field.
        field: &'static str,
        /// The character.
        character: char,
    },
    /// The certificate could not be signed (電子署名).
    #[cfg(feature = "pdf")]
    #[error(transparent)]
    Signature(#[from] signature::SignatureError),
    /// The PDF could not be made (the bundled font could not be read).
    #[error("the certificate could not be rendered: {reason}")]
    Render {
        /// Why.
        reason: String,
    },
    /// The PDF could not be handed over (written to its file); nothing was
    /// registered.
    #[error("the certificate was not issued: {reason}")]
    NotDelivered {
        /// Why, naming where it was to go.
        reason: String,
    },
}

impl CertificateError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CertificateError::NotCertifiable { .. } => "not_certifiable",
            CertificateError::FormNotAllowed { .. } => "form_not_allowed",
            CertificateError::FormChoiceRequired => "form_choice_required",
            CertificateError::TravelDetailsRequired { .. } => "travel_details_required",
            CertificateError::Identifier(e) => e.code(),
            CertificateError::NothingToCertify => "nothing_to_certify",
            CertificateError::InvalidChoice { .. } => "invalid_choice",
            CertificateError::DelegationNotChecked => "delegation_not_checked",
            CertificateError::MixedForms { .. } => "mixed_forms",
            CertificateError::Unprintable { .. } => "unprintable_character",
            CertificateError::Render { .. } => "render_failed",
            CertificateError::NotDelivered { .. } => "certificate_not_delivered",
            #[cfg(feature = "pdf")]
            CertificateError::Signature(e) => e.code(),
        }
    }
}

/// The nationally fixed forms of the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum CertificateForm {
    /// 様式第一号: routine vaccinations.
    Form1,
    /// 様式第二号: temporary vaccinations.
    Form2,
    /// 様式第三号: temporary vaccinations, for overseas travel (Japanese and English).
    Form3,
}

impl CertificateForm {
    /// The form number, 1–3.
    pub fn number(self) -> u8 {
        match self {
            CertificateForm::Form1 => 1,
            CertificateForm::Form2 => 2,
            CertificateForm::Form3 => 3,
        }
    }

    /// The form's name on paper (様式第一号).
    pub fn kanji(self) -> &'static str {
        match self {
            CertificateForm::Form1 => "様式第一号",
            CertificateForm::Form2 => "様式第二号",
            CertificateForm::Form3 => "様式第三号",
        }
    }
}

/// Travel details as the applicant wrote them, for form 3.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct TravelDetailsInput {
    /// Passport number (旅券番号).
    pub passport_number: String,
    /// Nationality or region (国籍・地域), ISO 3166-1 alpha-3.
    pub nationality: String,
    /// Name in Roman letters as in the passport.
    pub name_roman: String,
}

/// Validated travel details printed on form 3.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TravelDetails {
    /// Passport number.
    pub passport_number: PassportNumber,
    /// Nationality.
    pub nationality: Nationality,
    /// Name in Roman letters.
    pub name_roman: RomanName,
}

impl TravelDetails {
    /// Validates travel details; an empty field is `travel_details_required`.
    pub fn parse(input: &TravelDetailsInput) -> Result<Self, CertificateError> {
        let required = |value: &str, missing| {
            if value.trim().is_empty() {
                Err(CertificateError::TravelDetailsRequired { missing })
            } else {
                Ok(())
            }
        };
        required(&input.passport_number, "the passport number")?;
        required(&input.nationality, "the nationality")?;
        required(&input.name_roman, "the name in Roman letters")?;
        Ok(TravelDetails {
            passport_number: PassportNumber::parse(&input.passport_number)?,
            nationality: Nationality::parse(&input.nationality)?,
            name_roman: RomanName::parse(&input.name_roman)?,
        })
    }
}

/// The form chosen, and the travel details kept for form 3.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormSelection {
    /// The form to print.
    pub form: CertificateForm,
    /// Travel details: only for form 3, otherwise `None` (ignored if given).
    pub travel: Option<TravelDetails>,
}

/// Chooses the certificate form for a record of `category`.
///
/// Routine: form 1 (the default). Temporary: form 2 or 3 as the applicant
/// chooses, no default; form 3 needs valid travel details. Voluntary: never.
/// Any other form number is `form_not_allowed`.
pub fn select_form(
    category: Category,
    requested: Option<i64>,
    travel: Option<&TravelDetailsInput>,
) -> Result<FormSelection, CertificateError> {
    let not_allowed = |requested| CertificateError::FormNotAllowed {
        category,
        requested,
    };
    let form = match (category, requested) {
        (Category::Voluntary, _) => return Err(CertificateError::NotCertifiable { category }),
        (Category::Routine, None | Some(1)) => CertificateForm::Form1,
        (Category::Temporary, None) => return Err(CertificateError::FormChoiceRequired),
        (Category::Temporary, Some(2)) => CertificateForm::Form2,
        (Category::Temporary, Some(3)) => CertificateForm::Form3,
        (_, Some(n)) => return Err(not_allowed(n)),
    };
    let travel = match form {
        CertificateForm::Form3 => Some(TravelDetails::parse(travel.ok_or(
            CertificateError::TravelDetailsRequired {
                missing: "passport number, nationality and the name in Roman letters",
            },
        )?)?),
        _ => None,
    };
    Ok(FormSelection { form, travel })
}
