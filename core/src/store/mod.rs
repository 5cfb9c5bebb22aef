//! Storage: the traits every adapter implements, and the [`ChangeSet`] a
//! service commits.
//!
//! The core owns no database. A service reads what it needs through
//! [`Store`], the pure rules decide, and the decision is a [`ChangeSet`]:
//! writes, each with the version it expects, plus the access-log entries of
//! the operation. The adapter commits it atomically in one database
//! transaction, chaining the log entries, or refuses it whole with
//! [`StoreError::Conflict`]. There are no transaction handles across the
//! boundary, so the core stays synchronous and engine-agnostic.

#[cfg(feature = "testing")]
pub mod conformance;
pub mod rows;
pub mod settings;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::access_log::{AccessLogDraft, AccessLogEntry, Digest32};
use crate::accounts::{User, UserId};
use crate::identifiers::{ManagementId, MunicipalityCode, RecordId, SubjectNumber, VaccineCode};
use crate::organisation::{OrganisationCode, OrganisationType};
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

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPerson {
    /// The person.
    pub person: Person,
    /// Row version, from 1.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A vaccination record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The record.
    pub record: VaccinationRecord,
    /// Row version, from 1.
    pub version: i64,
    /// Last change of the record's content.
    pub updated_at: DateTime<Utc>,
    /// 変更番号: the store-wide sequence number of the record's last content
    /// change. Every change takes a number above all earlier ones, so a
    /// municipality's delivery position is one number (see
    /// [`DeliveryBatch`]).
    pub seq: i64,
}

/// Questionnaire answers for one vaccination, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuestionnaire {
    /// The record the questionnaire belongs to.
    pub record: RecordId,
    /// 予診票回答（接種対象者）.
    pub subject: Answers,
    /// 予診票回答（医療機関）.
    pub institution: Answers,
    /// Row version, from 1.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A batch of records pulled by a municipality's system (H-3-1): delivered
/// at least once, counted as delivered only when acknowledged.
///
/// A batch is a range of the change sequence: the municipality's records
/// with `after_seq < seq <= through_seq`. A record changed after the pull
/// leaves the range (its new number is higher) and is delivered, as it is
/// then, in a later batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryBatch {
    /// The batch id (`<municipality>-<n>`).
    pub id: String,
    /// The receiving municipality.
    pub municipality: MunicipalityCode,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The municipality's delivery cursor when the batch was made.
    pub after_seq: i64,
    /// The change sequence number of the batch's last record.
    pub through_seq: i64,
    /// How many records the batch held when it was made.
    pub record_count: i64,
    /// When the receiver acknowledged it.
    pub acked_at: Option<DateTime<Utc>>,
    /// Row version, from 1.
    pub version: i64,
}

/// An organisation known to the national system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Organisation {
    /// Its type.
    pub org_type: OrganisationType,
    /// Its code.
    pub code: OrganisationCode,
    /// Connected to the online eligibility network (オンライン資格確認):
    /// such an institution issues its own access tokens.
    pub online_eligibility: bool,
    /// Its first administrator, once issued (H-1-1).
    pub first_admin: Option<UserId>,
    /// How many user ids it has been given (the next is this + 1).
    pub users_issued: u64,
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrganisation {
    /// The organisation.
    pub organisation: Organisation,
    /// Row version, from 1.
    pub version: i64,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    /// The user.
    pub user: User,
    /// Row version, from 1.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
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

/// Which persons a staff search may return (narrowing only: the service
/// applies the visibility rule to every candidate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFilter {
    /// Persons with any residency interval in this municipality.
    pub municipality: Option<MunicipalityCode>,
    /// Exact subject number.
    pub subject_number: Option<SubjectNumber>,
    /// Kana name starting with this (normalised) prefix.
    pub kana_prefix: Option<String>,
    /// Exact birth date.
    pub birth_date: Option<NaiveDate>,
    /// Has a record of this vaccine.
    pub vaccine: Option<VaccineCode>,
    /// Has a record on or after this date.
    pub vaccinated_from: Option<NaiveDate>,
    /// Has a record on or before this date.
    pub vaccinated_to: Option<NaiveDate>,
}

/// Which of a person's records a read needs (narrowing only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordScope {
    /// Every record.
    All,
    /// The records this municipality is responsible for.
    ResponsibleOnly(MunicipalityCode),
    /// None.
    Nothing,
}

/// Which access-log entries to find.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Entries about this person.
    pub subject: Option<ManagementId>,
    /// Entries by this actor.
    pub actor: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// Entries after this sequence number (keyset paging).
    pub after_seq: Option<i64>,
    /// Entries up to and including this sequence number: a search that
    /// pages through the log stops at the head it started from, rather
    /// than reading the entries its own pages log.
    pub through_seq: Option<i64>,
}

/// A storage engine. Implementations are `Send + Sync` and used as
/// `Arc<dyn Store>`; every method is synchronous.
pub trait Store: Send + Sync {
    /// A person by management id.
    fn person(&self, id: &ManagementId) -> Result<Option<StoredPerson>, StoreError>;
    /// A person by subject number.
    fn person_by_subject(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Option<StoredPerson>, StoreError>;
    /// A person by portal key (PMH).
    fn person_by_pmh(&self, pmh_key: &str) -> Result<Option<StoredPerson>, StoreError>;
    /// Persons matching `filter`, in management-id order, after `after`.
    fn find_persons(
        &self,
        filter: &PersonFilter,
        after: Option<&ManagementId>,
        limit: usize,
    ) -> Result<Vec<StoredPerson>, StoreError>;
    /// A record by id.
    fn record(&self, id: &RecordId) -> Result<Option<StoredRecord>, StoreError>;
    /// Persons by management id (those that exist), in id order.
    fn persons_by_ids(&self, ids: &[ManagementId]) -> Result<Vec<StoredPerson>, StoreError>;
    /// Records by id (those that exist), in id order.
    fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>, StoreError>;
    /// A person's records, in id order.
    fn records_of(&self, person: &ManagementId) -> Result<Vec<StoredRecord>, StoreError>;
    /// The records of each of `persons` (unknown ones have none), in
    /// person order, then id order: a page of a staff query reads its
    /// persons' records at once, not one person at a time.
    fn records_of_persons(&self, persons: &[ManagementId])
        -> Result<Vec<StoredRecord>, StoreError>;
    /// A person and those of their records that `scope` asks for once the
    /// person is read, read together (one connection, one round trip where
    /// the engine allows). The scope only narrows: the caller still applies
    /// its rule to every record returned.
    fn person_with_records(
        &self,
        id: &ManagementId,
        scope: &dyn Fn(&Person) -> RecordScope,
    ) -> Result<Option<(StoredPerson, Vec<StoredRecord>)>, StoreError> {
        let Some(p) = self.person(id)? else {
            return Ok(None);
        };
        let records = match scope(&p.person) {
            RecordScope::All => self.records_of(id)?,
            RecordScope::ResponsibleOnly(m) => self
                .records_of(id)?
                .into_iter()
                .filter(|r| r.record.responsible == m)
                .collect(),
            RecordScope::Nothing => Vec::new(),
        };
        Ok(Some((p, records)))
    }
    /// The subject numbers of persons (those that exist), in id order.
    fn subject_numbers(
        &self,
        ids: &[ManagementId],
    ) -> Result<Vec<(ManagementId, SubjectNumber)>, StoreError> {
        Ok(self
            .persons_by_ids(ids)?
            .into_iter()
            .map(|p| (p.person.management_id, p.person.subject_number))
            .collect())
    }
    /// The municipality's delivery cursor: the change sequence number up to
    /// which its system acknowledged every record it is responsible for
    /// (0 before the first acknowledgement).
    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError>;
    /// Records `municipality` is responsible for with `after_seq < seq`
    /// (and `seq <= through_seq` when given), in sequence order, at most
    /// `limit`.
    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError>;
    /// The questionnaire answers of a record.
    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError>;
    /// The questionnaire answers of several records: those that have any,
    /// in no particular order. The default asks [`Store::questionnaire`]
    /// for each; an engine reached over the network answers in one trip.
    fn questionnaires(&self, records: &[RecordId]) -> Result<Vec<StoredQuestionnaire>, StoreError> {
        let mut out = Vec::new();
        for r in records {
            out.extend(self.questionnaire(r)?);
        }
        Ok(out)
    }
    /// A delivery batch by id.
    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError>;
    /// The municipality's unacknowledged batch, if any.
    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError>;
    /// How many batches the municipality has had (for the next batch id).
    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError>;
    /// The log's last entry: `(seq, hash)`, `None` when empty.
    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError>;
    /// Log entries from `from_seq` (inclusive), in order.
    fn log_entries(&self, from_seq: i64, limit: usize) -> Result<Vec<AccessLogEntry>, StoreError>;
    /// Log entries matching `filter`, in order.
    fn log_search(
        &self,
        filter: &LogFilter,
        limit: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError>;
    /// An organisation by code.
    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError>;
    /// Organisations by code (those that exist), in code order.
    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError>;
    /// A user by id.
    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError>;
    /// Users with this e-mail address, in id order.
    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError>;
    /// An organisation's users, in id order, after `after`.
    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit: usize,
    ) -> Result<Vec<StoredUser>, StoreError>;
    /// Active users whose last activity (last sign-in, or issuance) is
    /// before `threshold`, in (last activity, id) order, after the user
    /// `after` names (narrowing only: the inactivity rule decides).
    fn inactive_users(
        &self,
        threshold: DateTime<Utc>,
        after: Option<(DateTime<Utc>, &UserId)>,
        limit: usize,
    ) -> Result<Vec<StoredUser>, StoreError>;
    /// An access token by id.
    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError>;
    /// An organisation's access tokens, in id order.
    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError>;
    /// Notifications after `after_seq` (only unsent ones when `pending`),
    /// in order.
    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError>;
    /// One of the store's own settings ([`settings`]), if written.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// How many certificates the municipality has issued in `year`.
    fn issuance_count(&self, municipality: MunicipalityCode, year: i32) -> Result<i64, StoreError>;
    /// The municipality's issuances, newest number last, after `after`,
    /// optionally of one person.
    fn issuances(
        &self,
        municipality: MunicipalityCode,
        person: Option<&ManagementId>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::certificate::issuance::Issuance>, StoreError>;
    /// Commits a change set atomically, or nothing.
    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError>;
}
