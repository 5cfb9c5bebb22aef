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
    disclosure::DisclosureError,
    files::FileError,
    identifiers::IdentifierError,
    marts::MartError,
    masters::MasterError,
    maternal::MaternalError,
    notices::NoticeError,
    organisation::OrganisationError,
    persons::PersonError,
    questionnaire::QuestionnaireError,
    records::RecordError,
    residency::ResidencyError,
    service::{ExportOptionError, ServiceError},
    store::StoreError,
    tokens::TokenError,
    zengin::ZenginError,
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
    /// Maternal and child health data was refused.
    #[error(transparent)]
    Maternal(#[from] MaternalError),
    /// A notice or a step on it was refused.
    #[error(transparent)]
    Notice(#[from] NoticeError),
    /// A mart batch or read was refused.
    #[error(transparent)]
    Mart(#[from] MartError),
    /// A table to publish, or its threshold, was refused.
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
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
    /// A master row or a master's history was refused.
    #[error(transparent)]
    Master(#[from] MasterError),
    /// An uploaded file could not be read (encoding, header, CSV).
    #[error(transparent)]
    File(#[from] FileError),
    /// A zengin master file or rollback was refused.
    #[error(transparent)]
    Zengin(#[from] ZenginError),
}

/// What kind of refusal an error is, for callers that branch on the kind
/// rather than the code (each binding's error classes follow it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input was refused: a code, date, name or value that is not valid.
    Validation,
    /// A rule refused the request (form not allowed, role not allowed, …).
    Rule,
    /// The thing does not exist, or is not visible to the actor.
    NotFound,
    /// The actor may not do this.
    NotAuthorized,
    /// Another change won: read again and decide again.
    Conflict,
    /// The storage engine failed, or stored data cannot be read.
    Storage,
}

impl ErrorKind {
    /// The kind's stable name (`validation`, `rule`, `not_found`,
    /// `not_authorized`, `conflict`, `storage`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Rule => "rule",
            ErrorKind::NotFound => "not_found",
            ErrorKind::NotAuthorized => "not_authorized",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Storage => "storage",
        }
    }
}

impl Error {
    /// The kind of refusal, beside the stable [`code`](Self::code).
    pub fn kind(&self) -> ErrorKind {
        use crate::store::StoreError;
        match self {
            Error::Store(StoreError::Conflict { .. }) => ErrorKind::Conflict,
            Error::Store(_) => ErrorKind::Storage,
            Error::Service(s) => match s.code() {
                "not_found" => ErrorKind::NotFound,
                "not_authorized" => ErrorKind::NotAuthorized,
                _ => ErrorKind::Rule,
            },
            // A code or name that failed its check is bad input, wherever
            // it was checked.
            Error::BankAccount(crate::bank_account::BankAccountError::Identifier(_)) => {
                ErrorKind::Validation
            }
            Error::BankAccount(b) => match b.code() {
                "not_authorized" => ErrorKind::NotAuthorized,
                "unknown_application"
                | "unknown_institution"
                | "unknown_attachment"
                | "unknown_federation_account"
                | "unknown_federation_link" => ErrorKind::NotFound,
                "attachment_type_refused"
                | "attachment_too_large"
                | "attachment_empty"
                | "too_many_attachments" => ErrorKind::Validation,
                _ => ErrorKind::Rule,
            },
            // A record its responsible municipality could never see is the
            // rule's refusal; a date out of range is bad input.
            Error::Record(r) if r.code() == "never_resident" => ErrorKind::Rule,
            Error::Checkpoint(c) if c.code() == "log_broken" => ErrorKind::Rule,
            // A role the organisation may not grant is the rule's refusal;
            // a type, role or code that does not exist is bad input.
            Error::Organisation(o) if o.code() == "role_not_allowed" => ErrorKind::Rule,
            Error::Certificate(_) => ErrorKind::Rule,
            Error::Zengin(ZenginError::NoBackup) => ErrorKind::Rule,
            Error::Master(m) if m.code() == "lot_expired" => ErrorKind::Rule,
            Error::Master(m) if m.code() == "unknown_gtin" => ErrorKind::NotFound,
            Error::Notice(n) => match n.code() {
                "unknown_notice" => ErrorKind::NotFound,
                "notice_not_scheduled" => ErrorKind::Rule,
                _ => ErrorKind::Validation,
            },
            _ => ErrorKind::Validation,
        }
    }

    /// The message to show outside the process (through a binding, to a
    /// user): the error's own message, except that an engine's failure is
    /// named without the engine's text (which may quote SQL or data).
    pub fn public_message(&self) -> String {
        match self {
            Error::Store(crate::store::StoreError::Backend(_)) => {
                "the storage engine failed; the application's log has the details".to_owned()
            }
            _ => self.to_string(),
        }
    }

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
            Error::Notice(e) => e.code(),
            Error::Maternal(e) => e.code(),
            Error::Mart(e) => e.code(),
            Error::Disclosure(e) => e.code(),
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
            Error::Master(e) => e.code(),
            Error::File(e) => e.code(),
            Error::Zengin(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::{Expected, FoundVersion, StoreError};

    #[test]
    fn each_error_has_a_kind_beside_its_code() {
        let conflict = Error::Store(StoreError::Conflict {
            entity: "person",
            id: "P1".into(),
            expected: Expected::Absent,
            found: FoundVersion(Some(1)),
        });
        assert_eq!(conflict.kind(), ErrorKind::Conflict);
        let not_found = Error::Service(ServiceError::NotFound {
            entity: "person",
            id: "P1".into(),
        });
        assert_eq!(
            (not_found.kind(), not_found.code()),
            (ErrorKind::NotFound, "not_found")
        );
        let bad = Error::Identifier(crate::identifiers::MunicipalityCode::parse("1").unwrap_err());
        assert_eq!(bad.kind(), ErrorKind::Validation);
        assert_eq!(ErrorKind::NotAuthorized.as_str(), "not_authorized");
    }

    #[test]
    fn an_engine_failure_crosses_without_the_engines_text() {
        let engine =
            std::io::Error::other("syntax error at or near \"SELECT secret FROM persons\"");
        let e = Error::Store(StoreError::backend(engine));
        assert_eq!(e.kind(), ErrorKind::Storage);
        assert!(e.to_string().contains("SELECT"), "the log keeps the detail");
        assert!(
            !e.public_message().contains("SELECT"),
            "{}",
            e.public_message()
        );
        let refused = Error::Service(ServiceError::Duplicate {
            entity: "person",
            id: "P1".into(),
        });
        assert_eq!(refused.public_message(), refused.to_string());
    }
}
