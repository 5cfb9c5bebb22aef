//! The operations vendors call (and every binding forwards to): persons,
//! records, staff queries, the portal list, delivery to health-management
//! systems, CSV export and the access log — persisted through a [`Store`].
//!
//! Each operation reads what it needs, lets the rules decide, and commits
//! one [`ChangeSet`](crate::store::ChangeSet) that carries its access-log
//! entries, so a read is never served without being logged.

mod accounts;
#[cfg(feature = "pdf")]
mod certificates;
mod delivery;
mod export;
mod log;
mod people;
mod questionnaires;
mod records;
mod sessions;

use std::sync::Arc;

use thiserror::Error;

use crate::accounts::AccountConfig;
use crate::authz::{self, Operation, Relation};
use crate::calendar::Clock;
use crate::identifiers::MunicipalityCode;
use crate::organisation::{OrganisationCode, OrganisationType, Role};
use crate::secrets::Random;
use crate::store::Store;
use crate::Error;

pub use accounts::{
    BatchReport, ChangeReport, ExtractionReport, IssuedAccount, IssuedToken, OwnChanges,
    UserChanges,
};
#[cfg(feature = "pdf")]
pub use certificates::{
    issuance_row, CertificateRequest, CertificateRequestText, IssuedCertificate, Issuer,
    ISSUANCE_COLUMNS,
};
pub use delivery::{DeliveredRecord, DeliveryPull};
pub use export::{CsvEncoding, ExportOptionError, ExportOptions};
pub use log::{VerifyReport, LOG_COLUMNS};
pub use people::{ImportReport, PutOutcome};
pub use questionnaires::{
    QuestionnairePage, QuestionnaireRow, QuestionnaireView, QUESTIONNAIRE_COLUMNS,
};
pub use records::{PortalRecord, RecordPage, RecordQuery, RecordRow};
pub use sessions::{OpenedSession, StoreMode};

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

/// Who performs an operation: a user (or a system's token) of an
/// organisation, with the roles it holds there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id, or the name of the system's access token.
    pub user_id: String,
    /// The organisation's code.
    pub organisation: OrganisationCode,
    /// The organisation's type.
    pub org_type: OrganisationType,
    /// The roles held (a role counts only where the organisation type may
    /// hold it).
    pub roles: Vec<Role>,
    /// Where the request came from, written to the access log beside the
    /// user id (the command: the operating-system user, `os:<name>`).
    pub via: Option<String>,
}

impl Actor {
    /// An actor of an organisation with `roles`.
    pub fn new(
        user_id: &str,
        org_type: OrganisationType,
        organisation: OrganisationCode,
        roles: Vec<Role>,
    ) -> Self {
        Actor {
            user_id: user_id.to_owned(),
            organisation,
            org_type,
            roles,
            via: None,
        }
    }

    /// The same actor, noting where the request came from ([`Actor::via`]).
    pub fn with_via(mut self, via: impl Into<String>) -> Self {
        self.via = Some(via.into());
        self
    }

    /// How the access log names the actor: the user id, and where the
    /// request came from when known (`131016-0001 via os:sato`).
    pub fn log_name(&self) -> String {
        match &self.via {
            Some(via) => format!("{} via {via}", self.user_id),
            None => self.user_id.clone(),
        }
    }

    /// Staff (or the system) of a municipality: the municipality role.
    pub fn municipality(user_id: &str, code: MunicipalityCode) -> Self {
        Actor::new(
            user_id,
            OrganisationType::Municipality,
            code.into(),
            vec![Role::Municipality],
        )
    }

    /// Whether `target` is the actor's own organisation.
    pub fn relation_to(&self, target: &str) -> Relation {
        if target == self.organisation.as_str() {
            Relation::Own
        } else {
            Relation::Other
        }
    }

    /// Whether the actor may perform `op` on data of `target` (`None`: its
    /// own): one of its roles, valid for its organisation type, is allowed
    /// by the policy table ([`crate::authz`]). `not_authorized` when not.
    pub fn authorize(
        &self,
        op: Operation,
        target: Option<&OrganisationCode>,
    ) -> Result<(), ServiceError> {
        let relation = target.map_or(Relation::Own, |t| self.relation_to(t.as_str()));
        self.authorize_as(op, relation)
    }

    /// [`authorize`](Self::authorize) for a relation already known.
    pub fn authorize_as(&self, op: Operation, relation: Relation) -> Result<(), ServiceError> {
        let allowed = self
            .roles
            .iter()
            .any(|&r| self.org_type.may_hold(r) && authz::allows(op, r, relation));
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(&format!("{op} ({relation} organisation)")))
        }
    }

    /// The municipality the actor acts for; `not_authorized` for other organisations.
    pub fn acting_municipality(&self, action: &str) -> Result<MunicipalityCode, ServiceError> {
        match self.org_type {
            OrganisationType::Municipality => {
                MunicipalityCode::parse(self.organisation.as_str()).map_err(|_| self.refuse(action))
            }
            _ => Err(self.refuse(action)),
        }
    }

    /// A `not_authorized` refusal for `action`.
    pub fn refuse(&self, action: &str) -> ServiceError {
        ServiceError::NotAuthorized {
            actor: format!("{} ({} {})", self.user_id, self.org_type, self.organisation),
            action: action.to_owned(),
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
    pub(crate) fn refused(&self, actor: &Actor, refusal: ServiceError) -> Error {
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

    /// Now, to the microsecond (what every engine stores exactly).
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DurationRound::duration_trunc(self.clock.now(), chrono::TimeDelta::microseconds(1))
            .unwrap_or_else(|_| self.clock.now())
    }
}
