//! The crate-wide error: one variant per area, each carrying that area's
//! typed error. Bindings map this one type.

use thiserror::Error as ThisError;

use crate::{
    access_log::AccessLogError,
    accounts::{ExtractionError, HashingError, InactivityError, PasswordPolicyError, SignInError},
    bank_account::BankAccountError,
    calendar::CalendarError,
    certificate::CertificateError,
    checkpoint::CheckpointError,
    identifiers::IdentifierError,
    organisation::OrganisationError,
    persons::PersonError,
    questionnaire::QuestionnaireError,
    records::RecordError,
    residency::ResidencyError,
    service::{ExportOptionError, ServiceError},
    store::StoreError,
    tokens::TokenError,
};

/// Any error the core returns. [`Error::code`] is the stable machine code
/// (the codes the scenarios use); `Display` is the human message.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// An access-log value was refused.
    #[error(transparent)]
    AccessLog(#[from] AccessLogError),
    /// A code, number or name failed validation.
    #[error(transparent)]
    Identifier(#[from] IdentifierError),
    /// A date, timestamp or 和暦 conversion failed.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// An organisation type or role was refused.
    #[error(transparent)]
    Organisation(#[from] OrganisationError),
    /// A person's attributes were refused.
    #[error(transparent)]
    Person(#[from] PersonError),
    /// A residency history was refused.
    #[error(transparent)]
    Residency(#[from] ResidencyError),
    /// A vaccination record was refused.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A certificate request was refused.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// A questionnaire answer could not be read.
    #[error(transparent)]
    Questionnaire(#[from] QuestionnaireError),
    /// A bank-account application step was refused.
    #[error(transparent)]
    BankAccount(#[from] BankAccountError),
    /// A first-administrator extraction row was refused.
    #[error(transparent)]
    Extraction(#[from] ExtractionError),
    /// A password policy is not self-consistent.
    #[error(transparent)]
    PasswordPolicy(#[from] PasswordPolicyError),
    /// The storage engine failed or a write conflicted.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A service refused the operation (not found, not authorised, bad input).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// An export's encoding or replacement character was refused.
    #[error(transparent)]
    ExportOption(#[from] ExportOptionError),
    /// An inactivity-suspension input was refused.
    #[error(transparent)]
    Inactivity(#[from] InactivityError),
    /// Sign-in, activation or a credential change was refused.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// An organisation access token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Password hashing parameters are unusable.
    #[error(transparent)]
    Hashing(#[from] HashingError),
    /// A log key or checkpoint was refused, or its signature does not
    /// verify.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

impl Error {
    /// The stable machine code, e.g. `invalid_municipality_code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::AccessLog(e) => e.code(),
            Error::Identifier(e) => e.code(),
            Error::Calendar(e) => e.code(),
            Error::Organisation(e) => e.code(),
            Error::Person(e) => e.code(),
            Error::Residency(e) => e.code(),
            Error::Record(e) => e.code(),
            Error::Certificate(e) => e.code(),
            Error::Questionnaire(e) => e.code(),
            Error::BankAccount(e) => e.code(),
            Error::Extraction(e) => e.code(),
            Error::PasswordPolicy(e) => e.code(),
            Error::Inactivity(e) => e.code(),
            Error::Store(e) => e.code(),
            Error::Service(e) => e.code(),
            Error::ExportOption(e) => e.code(),
            Error::SignIn(e) => e.code(),
            Error::Token(e) => e.code(),
            Error::Hashing(e) => e.code(),
            Error::Checkpoint(e) => e.code(),
        }
    }
}
