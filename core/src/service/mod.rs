//! The operations vendors call (and every binding forwards to): persons,
//! records, staff queries, the portal list, delivery to health-management
//! systems, CSV export and the access log — persisted through a [`Store`].
//!
//! Each operation reads what it needs, lets the rules decide, and commits
//! one [`ChangeSet`](crate::store::ChangeSet) that carries its access-log
//! entries, so a read is never served without being logged.

mod accounts;
mod bank_accounts;
#[cfg(feature = "pdf")]
mod certificates;
mod delivery;
mod export;
mod federation_links;
mod log;
mod marts;
mod master_exchange;
mod masters;
mod maternal;
mod notices;
mod people;
mod questionnaires;
mod records;
mod sessions;
mod zengin;

use std::sync::Arc;

use thiserror::Error;

use crate::accounts::AccountConfig;
use crate::authz::{self, Operation, Relation};
use crate::calendar::Clock;
use crate::identifiers::MunicipalityCode;

use crate::secrets::Random;
use crate::store::Store;
use crate::Error;

pub use accounts::{
    BatchReport, ChangeReport, ExtractionReport, IssuedAccount, IssuedToken, OwnChanges,
    UserChanges,
};
pub use bank_accounts::{BankApplicationRequest, BankDecision};
#[cfg(feature = "pdf")]
pub use certificates::{
    issuance_row, CertificateRequest, CertificateRequestText, IssuedCertificate, Issuer,
    ISSUANCE_COLUMNS,
};
pub use delivery::{DeliveredRecord, DeliveryPull};
pub use export::{CsvEncoding, ExportOptionError, ExportOptions};
pub use federation_links::PaymentAccount;
pub use log::{VerifyReport, LOG_COLUMNS};
pub use marts::{MartReport, MART_PAGE};
pub use master_exchange::{MasterDiff, Receipt, ReceivedFile};
pub use masters::{MasterImportReport, MasterRowError, VialLabel};
pub use maternal::{MaternalRowRefusal, MaternalUpload};
pub use notices::DispatchReport;
pub use people::{ImportReport, PutOutcome};
pub use questionnaires::{
    QuestionnairePage, QuestionnaireRow, QuestionnaireView, QUESTIONNAIRE_COLUMNS,
};
pub use records::{PortalRecord, RecordPage, RecordQuery, RecordRow};
pub use sessions::{OpenedSession, StoreMode};
pub use zengin::ZenginReport;

/// Who performs an operation ([`crate::authz::Actor`]), here too because
/// every service call takes one.
pub use crate::authz::Actor;

/// Why a service refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The thing does not exist (or is not visible to the actor).
    #[error("{entity} {id} not found")]
    NotFound {
        /// What.
        entity: &'static str,
        /// Which.
        id: String,
    },
    /// The actor may not do this.
    #[error("{actor} may not {action}")]
    NotAuthorized {
        /// Who.
        actor: String,
        /// What.
        action: String,
    },
    /// A record's responsible municipality is not where the person lived that day.
    #[error("record {record}: the person lived in {lived_in} on {date}, not {responsible}")]
    ResponsibleMismatch {
        /// The record.
        record: String,
        /// The date of vaccination.
        date: chrono::NaiveDate,
        /// The municipality of residence that day.
        lived_in: MunicipalityCode,
        /// The municipality the record names.
        responsible: MunicipalityCode,
    },
    /// A character that the requested encoding cannot represent.
    #[error("row {row}, column {column}: {character:?} cannot be written in Shift_JIS")]
    Unencodable {
        /// 1-based data row.
        row: usize,
        /// Column name.
        column: &'static str,
        /// The character.
        character: char,
    },
    /// The same id twice in one call.
    #[error("{entity} {id} appears more than once")]
    Duplicate {
        /// What.
        entity: &'static str,
        /// Which.
        id: String,
    },
    /// A store's mode (development or production) is set once, when it is
    /// created.
    #[error(
        "this store is a {mode} store; its mode cannot be changed (create a new store for {asked})"
    )]
    ModeFixed {
        /// The mode it has.
        mode: StoreMode,
        /// The mode asked for.
        asked: StoreMode,
    },
    /// The first operator's bootstrap credential is issued once per store.
    #[error(
        "the first operator's credential was issued already (to {user}); sign in as that user"
    )]
    AlreadyBootstrapped {
        /// The user it was issued to.
        user: String,
    },
}

impl From<authz::Refused> for ServiceError {
    fn from(r: authz::Refused) -> Self {
        ServiceError::NotAuthorized {
            actor: r.actor,
            action: r.action,
        }
    }
}

impl From<authz::Refused> for Error {
    fn from(r: authz::Refused) -> Self {
        Error::Service(r.into())
    }
}

impl ServiceError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound { .. } => "not_found",
            ServiceError::NotAuthorized { .. } => "not_authorized",
            ServiceError::ResponsibleMismatch { .. } => "responsible_mismatch",
            ServiceError::Unencodable { .. } => "unencodable_character",
            ServiceError::Duplicate { .. } => "duplicate",
            ServiceError::ModeFixed { .. } => "store_mode_fixed",
            ServiceError::AlreadyBootstrapped { .. } => "already_bootstrapped",
        }
    }
}

/// The sesshu services over one store, one clock and (for accounts and
/// tokens) one random source.
#[derive(Clone)]
pub struct Sesshu {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    random: Option<Arc<dyn Random>>,
    accounts: Arc<AccountConfig>,
    dummy_hash: Arc<std::sync::OnceLock<crate::accounts::PasswordHash>>,
    #[cfg(feature = "pdf")]
    signer: Option<Arc<crate::certificate::signature::Signer>>,
}

impl Sesshu {
    /// Services over `store`, telling time by `clock`. Operations that make
    /// secrets (accounts, tokens) also need [`with_random`](Self::with_random).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Sesshu {
            store,
            clock,
            random: None,
            accounts: Arc::new(AccountConfig::default()),
            dummy_hash: Arc::default(),
            #[cfg(feature = "pdf")]
            signer: None,
        }
    }

    /// The municipality's signing key and certificate: every certificate
    /// issued is then signed (電子署名, PAdES), and certificates issued on
    /// the portal can be (they must be signed).
    #[cfg(feature = "pdf")]
    pub fn with_certificate_signer(
        mut self,
        signer: crate::certificate::signature::Signer,
    ) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// The random source secrets are made from.
    pub fn with_random(mut self, random: Arc<dyn Random>) -> Self {
        self.random = Some(random);
        self
    }

    /// The account lifecycle's configuration (validities, lockout, password
    /// policy, Argon2 costs).
    pub fn with_account_config(mut self, config: AccountConfig) -> Self {
        self.accounts = Arc::new(config);
        self.dummy_hash = Arc::default();
        self
    }

    /// The account configuration in use.
    pub fn account_config(&self) -> &AccountConfig {
        &self.accounts
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Authorises `op` on data of an organisation in `relation` to the
    /// actor; a refusal appends a `refused` access-log entry and is
    /// returned as `not_authorized`.
    pub(crate) fn guard(
        &self,
        actor: &Actor,
        op: Operation,
        relation: Relation,
    ) -> Result<(), Error> {
        match actor.authorize_as(op, relation) {
            Ok(()) => Ok(()),
            Err(refusal) => Err(self.refused(actor, refusal)),
        }
    }

    /// Appends the `refused` access-log entry of a refusal and returns it.
    pub(crate) fn refused(&self, actor: &Actor, refusal: authz::Refused) -> Error {
        let logged = self.store.commit(crate::store::ChangeSet {
            writes: Vec::new(),
            log: vec![crate::access_log::AccessLogDraft {
                at: self.now(),
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: crate::access_log::AccessAction::Refused,
                subject: None,
                record_ids: Vec::new(),
            }],
        });
        match logged {
            Ok(_) => refusal.into(),
            Err(e) => e.into(),
        }
    }

    /// The access-log entry of `action` by `actor` now, about no one person.
    pub(crate) fn logged(
        &self,
        actor: &Actor,
        action: crate::access_log::AccessAction,
    ) -> crate::access_log::AccessLogDraft {
        crate::access_log::AccessLogDraft {
            at: self.now(),
            actor: actor.log_name(),
            organisation: actor.organisation.to_string(),
            action,
            subject: None,
            record_ids: Vec::new(),
        }
    }

    /// A new id: `prefix`, today's Japan date and eight random hex digits
    /// (`BA-20261204-0f3a9c21`).
    pub(crate) fn dated_id(&self, prefix: &str) -> Result<String, Error> {
        let mut bytes = [0u8; 4];
        self.rng()?.fill(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(format!(
            "{prefix}-{}-{hex}",
            crate::calendar::jst_date(self.now()).format("%Y%m%d")
        ))
    }

    /// Now, to the microsecond (what every engine stores exactly).
    /// Today's Japan date by the services' clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today_jst()
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DurationRound::duration_trunc(self.clock.now(), chrono::TimeDelta::microseconds(1))
            .unwrap_or_else(|_| self.clock.now())
    }
}
