//! Persons and their vaccination records (接種対象者・予防接種記録) as
//! stored, and the reads of them.

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use crate::identifiers::{ManagementId, MunicipalityCode, RecordId, SubjectNumber, VaccineCode};
use crate::persons::Person;
use crate::records::{RecordScope, VaccinationRecord};

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
    /// [`DeliveryBatch`](super::DeliveryBatch)).
    pub seq: i64,
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

/// The reads of persons and records.
pub trait PersonStore: Send + Sync {
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
}
