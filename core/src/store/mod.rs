//! Storage: the traits every adapter implements, and the [`ChangeSet`] a
//! service commits.
//!
//! One read trait per domain — [`PersonStore`] (persons and records),
//! [`DeliveryStore`], [`QuestionnaireStore`], [`LogStore`],
//! [`AccountStore`] (organisations, users, tokens, outbox),
//! [`CertificateStore`] (issuances), [`ZenginStore`] (the zengin master),
//! [`MasterStore`] (every other master), [`BankAccountStore`] (H-9
//! applications, active accounts, H-10 federation links),
//! [`NoticeStore`] (H-11), [`MaternalStore`] (H-7) —
//! composed into [`Store`], which adds
//! the store's settings and the one commit every domain writes through. A
//! new flow adds its trait and its file here and in each adapter.
//!
//! The core owns no database. A service reads what it needs through
//! [`Store`], the pure rules decide, and the decision is a [`ChangeSet`]:
//! writes, each with the version it expects, plus the access-log entries of
//! the operation. The adapter commits it atomically in one database
//! transaction, chaining the log entries, or refuses it whole with
//! [`StoreError::Conflict`]. There are no transaction handles across the
//! boundary, so the core stays synchronous and engine-agnostic.

mod accounts;
pub mod bank_accounts;
mod certificates;
mod delivery;
mod log;
pub mod marts;
pub mod masters;
pub mod maternal;
#[cfg(feature = "testing")]
mod memory;
pub mod notices;
mod persons;
mod questionnaires;
pub mod rows;
pub mod settings;
mod zengin;

/// Every store trait, for code that calls a concrete store's methods
/// (`use sesshu_core::store::prelude::*`); through `dyn Store` they need no
/// import.
pub mod prelude {
    pub use super::{
        AccountStore, BankAccountStore, CertificateStore, DeliveryStore, LogStore, MartStore,
        MasterStore, MaternalStore, NoticeStore, PersonStore, QuestionnaireStore, Store,
        ZenginStore,
    };
}

pub use accounts::{AccountStore, Organisation, StoredOrganisation, StoredUser};
pub use bank_accounts::{
    ActiveAccount, ApplicationFilter, BankAccountStore, FederationLink, StoredApplication,
};
pub use certificates::CertificateStore;
pub use delivery::{DeliveryBatch, DeliveryStore};
pub use log::{LogFilter, LogStore};
pub use marts::{MartBatch, MartStore};
pub use masters::MasterStore;
pub use maternal::{MaternalStore, StoredMaternalRow};
#[cfg(feature = "testing")]
pub use memory::MemoryStore;
pub use notices::{NoticeStore, StoredNotice};
pub use persons::{PersonFilter, PersonStore, StoredPerson, StoredRecord};
pub use questionnaires::{QuestionnaireStore, StoredQuestionnaire};
pub use zengin::ZenginStore;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::access_log::AccessLogDraft;
use crate::accounts::User;
use crate::identifiers::RecordId;
use crate::outbox::Notification;
use crate::persons::Person;
use crate::questionnaire::Answers;
use crate::records::VaccinationRecord;
use crate::tokens::AccessToken;

/// A storage failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A write expected a version that is no longer current (or expected
    /// the row to be absent and it exists). Nothing of the change set was
    /// written; read again and decide again.
    #[error("conflict on {entity} {id}: expected {expected}, found {found}")]
    Conflict {
        /// The kind of row.
        entity: &'static str,
        /// Its key.
        id: String,
        /// What the writer expected.
        expected: Expected,
        /// What the store holds (`None`: absent).
        found: FoundVersion,
    },
    /// Stored data that the core cannot read (a manual edit, a bad migration).
    #[error("stored {entity} {id} cannot be read: {reason}")]
    Corrupt {
        /// The kind of row.
        entity: &'static str,
        /// Its key.
        id: String,
        /// Why.
        reason: String,
    },
    /// The store named does not exist (only creating one makes it).
    #[error("no store at {what}: create it with `sesshu init` (or check the path)")]
    Missing {
        /// The path or name given.
        what: String,
    },
    /// The database engine failed (connection, disk, SQL).
    #[error("storage backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "conflict",
            StoreError::Corrupt { .. } => "corrupt_data",
            StoreError::Missing { .. } => "store_missing",
            StoreError::Backend(_) => "storage_backend",
        }
    }

    /// Wraps an engine error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// What a write expects of the row it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// The row must not exist yet.
    Absent,
    /// The row must be at this version.
    Version(i64),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Absent => f.write_str("absent"),
            Expected::Version(v) => write!(f, "version {v}"),
        }
    }
}

/// The version a conflicting row was found at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FoundVersion(pub Option<i64>);

impl std::fmt::Display for FoundVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("absent"),
            Some(v) => write!(f, "version {v}"),
        }
    }
}

impl Expected {
    /// The version a row has after a write that expected `self`.
    pub fn next(self) -> i64 {
        match self {
            Expected::Absent => 1,
            Expected::Version(v) => v + 1,
        }
    }

    /// Whether a row at `found` (`None`: absent) satisfies the expectation.
    pub fn matches(self, found: Option<i64>) -> bool {
        match self {
            Expected::Absent => found.is_none(),
            Expected::Version(v) => found == Some(v),
        }
    }

    /// The expectation for replacing a row read at `version`.
    pub fn of(version: Option<i64>) -> Self {
        version.map_or(Expected::Absent, Expected::Version)
    }

    /// Checks the version an adapter found for `entity` `id` (`None`:
    /// absent): the row's version after the write, or the conflict.
    pub fn check(
        self,
        entity: &'static str,
        id: &str,
        found: Option<i64>,
    ) -> Result<i64, StoreError> {
        if self.matches(found) {
            Ok(self.next())
        } else {
            Err(StoreError::Conflict {
                entity,
                id: id.to_owned(),
                expected: self,
                found: FoundVersion(found),
            })
        }
    }
}

/// One write of a change set.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Insert or replace a person (attributes and residency history).
    PutPerson {
        /// The new content.
        person: Person,
        /// The change time.
        updated_at: DateTime<Utc>,
        /// What the writer read.
        expected: Expected,
    },
    /// Insert or replace a vaccination record; the store gives it the next
    /// change sequence number.
    PutRecord {
        /// The new content.
        record: VaccinationRecord,
        /// The change time.
        updated_at: DateTime<Utc>,
        /// What the writer read.
        expected: Expected,
    },
    /// Insert or replace the questionnaire answers of a record.
    PutQuestionnaire {
        /// The record.
        record: RecordId,
        /// Subject's answers.
        subject: Answers,
        /// Institution's answers.
        institution: Answers,
        /// The change time.
        updated_at: DateTime<Utc>,
        /// What the writer read.
        expected: Expected,
    },
    /// Create a delivery batch (its id must be new).
    CreateBatch {
        /// The batch (its `version` and `acked_at` are ignored).
        batch: DeliveryBatch,
    },
    /// Insert or replace an organisation.
    PutOrganisation {
        /// The new content.
        organisation: Organisation,
        /// What the writer read.
        expected: Expected,
    },
    /// Insert or replace a user.
    PutUser {
        /// The new content.
        user: Box<User>,
        /// The change time.
        updated_at: DateTime<Utc>,
        /// What the writer read.
        expected: Expected,
    },
    /// Insert or replace an organisation access token.
    PutAccessToken {
        /// The new content (its `version` is ignored).
        token: AccessToken,
        /// What the writer read.
        expected: Expected,
    },
    /// Write one of the store's own settings ([`settings`]), once: a
    /// setting already there is a conflict.
    PutSetting {
        /// Its key.
        key: String,
        /// Its value.
        value: String,
    },
    /// Register an issued certificate (its number must be new).
    PutIssuance {
        /// The issuance.
        issuance: Box<crate::certificate::issuance::Issuance>,
    },
    /// Append a notification to the outbox (skipped when its dedupe key is
    /// already there).
    Notify {
        /// The notification (its `seq` is ignored).
        notification: Notification,
    },
    /// Mark notifications sent and erase their secrets.
    AckNotifications {
        /// Their sequence numbers.
        seqs: Vec<i64>,
        /// When.
        at: DateTime<Utc>,
    },
    /// Acknowledge a batch: mark it acknowledged and move the
    /// municipality's delivery cursor to the batch's `through_seq` (never
    /// backwards).
    AckBatch {
        /// The batch id.
        id: String,
        /// When.
        acked_at: DateTime<Utc>,
        /// The batch version read.
        expected: Expected,
    },
    /// Replace the zengin master whole (洗い替え): the load in use becomes
    /// the backup, the backup before it is dropped, and `file` is in use.
    /// Returns the new load's generation.
    ReplaceZengin {
        /// The checked file.
        file: Box<crate::zengin::ZenginFile>,
        /// The file's name as given.
        source: String,
        /// When.
        loaded_at: DateTime<Utc>,
        /// The generation in use that the writer read (`Absent`: none).
        expected: Expected,
    },
    /// Insert or replace versions of master rows, each by its kind, key and
    /// `valid_from`; each takes the next number of the masters' change
    /// sequence (for the daily differences). Returns the rows written.
    PutMasterRows {
        /// The rows.
        rows: Vec<crate::masters::MasterRow>,
        /// The change time.
        updated_at: DateTime<Utc>,
    },
    /// Set a counter of the masters' exchange
    /// ([`MasterStore::master_counter`]) from the value the writer read.
    SetMasterCounter {
        /// Its name (`master:…`).
        name: String,
        /// The new value.
        value: i64,
        /// The value read (`None`: absent); another is a conflict.
        expected: Option<i64>,
    },
    /// Swap the zengin master's load in use and its backup (切り戻し; a
    /// second rollback undoes the first). Returns the generation now in use.
    RollbackZengin {
        /// The generation in use that the writer read.
        expected: Expected,
    },
    /// Insert or replace a bank-account application. A second pending
    /// application of one institution and usage is a conflict (the
    /// engine's unique constraint), whatever the writer read.
    PutBankApplication {
        /// The application (its `attachments` are written with
        /// [`Write::PutBankAttachment`]; its `version` is ignored).
        application: Box<StoredApplication>,
        /// What the writer read.
        expected: Expected,
    },
    /// Store an attachment of an application (its number must be new).
    PutBankAttachment {
        /// The application's id.
        application: String,
        /// The checked file.
        attachment: Box<crate::bank_account::Attachment>,
    },
    /// Make an account an institution's active account for its usage
    /// (replacing the one before).
    PutActiveAccount {
        /// The account.
        account: Box<ActiveAccount>,
    },
    /// Insert or replace a federation's link of a bank code to an account.
    PutFederationLink {
        /// The link (its `version` is ignored).
        link: FederationLink,
        /// What the writer read.
        expected: Expected,
    },
    /// Delete a federation's link.
    DeleteFederationLink {
        /// The federation.
        federation: crate::organisation::OrganisationCode,
        /// The bank code.
        bank: crate::identifiers::BankCode,
        /// The version read.
        expected: Expected,
    },
    /// Insert or replace maternal and child health rows, each by its data
    /// set and key, registered by `municipality`; a row stored already with
    /// the same values is left as it is. Returns how many rows were new or
    /// changed.
    PutMaternalRows {
        /// The rows.
        rows: Vec<crate::maternal::MaternalRow>,
        /// The registering municipality.
        municipality: crate::identifiers::MunicipalityCode,
        /// The change time.
        updated_at: DateTime<Utc>,
    },
    /// One step of the marts' batch ([`MartBatch`]).
    PutMartBatch(Box<MartBatch>),
    /// Insert or replace a notice.
    PutNotice {
        /// The notice (its `version` is ignored).
        notice: Box<StoredNotice>,
        /// What the writer read.
        expected: Expected,
    },
}

/// Everything one operation writes, committed all or nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// The writes, applied in order.
    pub writes: Vec<Write>,
    /// Access-log entries, chained in order after the log's head.
    pub log: Vec<AccessLogDraft>,
}

impl ChangeSet {
    /// Whether there is nothing to commit.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.log.is_empty()
    }
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReceipt {
    /// The version each write left its row at, in write order.
    pub versions: Vec<i64>,
    /// The sequence numbers given to the log entries.
    pub log_seqs: Vec<i64>,
}

/// A storage engine: the reads of every domain, the store's own settings
/// and the one atomic [`commit`](Store::commit) of a [`ChangeSet`] across
/// them. Implementations are `Send + Sync` and used as `Arc<dyn Store>`;
/// every method is synchronous.
pub trait Store:
    PersonStore
    + DeliveryStore
    + QuestionnaireStore
    + LogStore
    + AccountStore
    + CertificateStore
    + ZenginStore
    + MasterStore
    + BankAccountStore
    + NoticeStore
    + MaternalStore
    + MartStore
{
    /// One of the store's own settings ([`settings`]), if written.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Commits a change set atomically, or nothing.
    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError>;
}
