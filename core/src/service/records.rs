//! Vaccination records: writing, the staff query (H-3-2) and the portal
//! list (H-3-3).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::identifiers::{ManagementId, RecordId, SubjectNumber, VaccineCode};
use crate::persons::Person;
use crate::records::{on_portal, RecordAccess, VaccinationRecord};
use crate::store::{ChangeSet, Expected, PersonFilter, StoredRecord, Write};
use crate::Error;

use super::people::{all_or_nothing, mark_duplicates};
use super::{Actor, ImportReport, PutOutcome, ServiceError, Sesshu};

/// A staff search (H-3-2). Every field narrows; none set lists every
/// person the municipality may see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordQuery {
    /// 予防接種対象者番号.
    pub subject_number: Option<SubjectNumber>,
    /// Beginning of the kana name (normalised like the stored name).
    pub kana_prefix: Option<String>,
    /// 生年月日.
    pub birth_date: Option<NaiveDate>,
    /// Vaccine.
    pub vaccine: Option<VaccineCode>,
    /// Vaccinated on or after.
    pub vaccinated_from: Option<NaiveDate>,
    /// Vaccinated on or before.
    pub vaccinated_to: Option<NaiveDate>,
}

impl RecordQuery {
    fn keeps(&self, r: &VaccinationRecord) -> bool {
        self.vaccine.as_ref().is_none_or(|v| *v == r.vaccine)
            && self.vaccinated_from.is_none_or(|d| r.date >= d)
            && self.vaccinated_to.is_none_or(|d| r.date <= d)
    }
}

/// One row of a staff answer: a record the municipality may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The person.
    pub person: Person,
    /// The record.
    pub record: StoredRecord,
    /// Whether the municipality may certify it.
    pub certifiable: bool,
}

/// A page of a staff answer, with the key to the next page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordPage {
    /// Rows, by person then record id.
    pub rows: Vec<RecordRow>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next: Option<ManagementId>,
}

/// A record as the portal shows it to its person, details included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalRecord {
    /// The record.
    pub record: VaccinationRecord,
}

/// A record is the actor's own when the actor's organisation is responsible
/// for it or gave the vaccination.
pub(super) fn record_relation(actor: &Actor, record: &VaccinationRecord) -> Relation {
    let own = actor.organisation.as_str() == record.responsible.as_str()
        || record
            .institution
            .is_some_and(|i| i.as_str() == actor.organisation.as_str());
    if own {
        Relation::Own
    } else {
        Relation::Other
    }
}

pub(super) fn read_log(
    actor: &Actor,
    at: chrono::DateTime<chrono::Utc>,
    action: AccessAction,
    person: &ManagementId,
    ids: Vec<RecordId>,
) -> AccessLogDraft {
    AccessLogDraft {
        at,
        actor: actor.log_name(),
        organisation: actor.organisation.to_string(),
        action,
        subject: Some(person.clone()),
        record_ids: ids,
    }
}

/// What a staff search is for: each names its permission and the action
/// it is logged as, exhaustively, so that a new kind of search must say
/// both (it can never fall back to a read's permission).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Search {
    /// The staff list of records (予防接種記録の照会).
    ReadRecords,
    /// The records CSV download.
    ExportRecords,
    /// The staff list of questionnaires (予診票の照会).
    ReadQuestionnaires,
    /// The questionnaires CSV download.
    ExportQuestionnaires,
}

impl Search {
    /// The permission it needs.
    pub(super) fn operation(self) -> Operation {
        match self {
            Search::ReadRecords => Operation::ReadRecords,
            Search::ExportRecords => Operation::ExportRecords,
            Search::ReadQuestionnaires => Operation::ReadQuestionnaires,
            Search::ExportQuestionnaires => Operation::ExportQuestionnaires,
        }
    }

    /// What the access log records it as.
    pub(super) fn action(self) -> AccessAction {
        match self {
            Search::ReadRecords => AccessAction::ReadRecords,
            Search::ExportRecords => AccessAction::ExportRecords,
            Search::ReadQuestionnaires => AccessAction::ReadQuestionnaire,
            Search::ExportQuestionnaires => AccessAction::ExportQuestionnaires,
        }
    }
}

impl Sesshu {
    /// Records one vaccination record (idempotent).
    pub fn put_record(
        &self,
        actor: &Actor,
        record: VaccinationRecord,
    ) -> Result<PutOutcome, Error> {
        let outcomes = self.put_records(actor, vec![record])?;
        Ok(outcomes.first().copied().unwrap_or(PutOutcome::Unchanged))
    }

    /// Records many vaccination records in one atomic commit: all of them,
    /// or none (the first refusal is the error).
    pub fn put_records(
        &self,
        actor: &Actor,
        records: Vec<VaccinationRecord>,
    ) -> Result<Vec<PutOutcome>, Error> {
        let (changes, outcomes) = self.plan_records(actor, records)?;
        all_or_nothing(&*self.store, changes, outcomes)
    }

    /// Imports records: the acceptable ones land in one commit, each refused
    /// one is reported.
    pub fn import_records(
        &self,
        actor: &Actor,
        records: Vec<VaccinationRecord>,
    ) -> Result<ImportReport, Error> {
        let (changes, outcomes) = self.plan_records(actor, records)?;
        if !changes.is_empty() {
            self.store.commit(changes)?;
        }
        Ok(ImportReport { outcomes })
    }

    /// Decides what writing `records` means. Each record's person must
    /// exist, and its responsible municipality must be where the person
    /// lived that day (when the history says). A municipality writes the
    /// records it is responsible for; a medical institution those it gave.
    /// Unchanged records are not written (idempotent imports).
    fn plan_records(
        &self,
        actor: &Actor,
        records: Vec<VaccinationRecord>,
    ) -> Result<(ChangeSet, Vec<Result<PutOutcome, Error>>), Error> {
        let ids: Vec<RecordId> = records.iter().map(|r| r.id.clone()).collect();
        let duplicates = mark_duplicates(&ids, "record");
        let mut person_ids: Vec<ManagementId> = records.iter().map(|r| r.person.clone()).collect();
        person_ids.sort();
        person_ids.dedup();
        let persons: HashMap<ManagementId, Person> = self
            .store
            .persons_by_ids(&person_ids)?
            .into_iter()
            .map(|p| (p.person.management_id.clone(), p.person))
            .collect();
        let existing: HashMap<RecordId, StoredRecord> = self
            .store
            .records_by_ids(&ids)?
            .into_iter()
            .map(|r| (r.record.id.clone(), r))
            .collect();
        let now = self.now();
        let mut changes = ChangeSet::default();
        let mut outcomes = Vec::with_capacity(records.len());
        // One access-log entry per person written, naming their records.
        let mut written: std::collections::BTreeMap<ManagementId, Vec<RecordId>> =
            std::collections::BTreeMap::new();
        for (record, duplicate) in records.into_iter().zip(duplicates) {
            if let Some(e) = duplicate {
                outcomes.push(Err(e));
                continue;
            }
            if let Err(e) = self.check_record(actor, &record, &persons) {
                outcomes.push(Err(e));
                continue;
            }
            let old = existing.get(&record.id);
            let outcome = match old {
                Some(o) if o.record == record => PutOutcome::Unchanged,
                Some(_) => PutOutcome::Updated,
                None => PutOutcome::Created,
            };
            outcomes.push(Ok(outcome));
            if outcome == PutOutcome::Unchanged {
                continue;
            }
            written
                .entry(record.person.clone())
                .or_default()
                .push(record.id.clone());
            changes.writes.push(Write::PutRecord {
                expected: Expected::of(old.map(|o| o.version)),
                record,
                updated_at: now,
            });
        }
        changes.log = written
            .into_iter()
            .map(|(person, ids)| read_log(actor, now, AccessAction::WriteRecord, &person, ids))
            .collect();
        Ok((changes, outcomes))
    }

    fn check_record(
        &self,
        actor: &Actor,
        record: &VaccinationRecord,
        persons: &HashMap<ManagementId, Person>,
    ) -> Result<(), Error> {
        self.guard(
            actor,
            Operation::WriteRecords,
            record_relation(actor, record),
        )?;
        let person = persons
            .get(&record.person)
            .ok_or_else(|| ServiceError::NotFound {
                entity: "person",
                id: record.person.to_string(),
            })?;
        let today = self.clock.today_jst();
        crate::records::check_vaccination_date(record.date, person.birth_date, today)?;
        if let Some(lived_in) = person.residency.municipality_on(record.date) {
            if lived_in != record.responsible {
                return Err(ServiceError::ResponsibleMismatch {
                    record: record.id.to_string(),
                    date: record.date,
                    lived_in,
                    responsible: record.responsible,
                }
                .into());
            }
        }
        crate::records::check_responsible_sees(&person.residency, record.responsible, today)?;
        Ok(())
    }

    /// The records of one person the actor's municipality may see (detail
    /// view), with whether each is certifiable. Logged.
    pub fn person_records(
        &self,
        actor: &Actor,
        person: &ManagementId,
    ) -> Result<Vec<RecordRow>, Error> {
        self.guard(actor, Operation::ReadRecords, Relation::Own)?;
        let m = actor.acting_municipality("read records")?;
        let not_found = || ServiceError::NotFound {
            entity: "person",
            id: person.to_string(),
        };
        let today = self.clock.today_jst();
        let scope = |p: &Person| RecordAccess::new(&p.residency, m, today).scope();
        let (stored, records) = self
            .store
            .person_with_records(person, &scope)?
            .ok_or_else(not_found)?;
        let access = RecordAccess::new(&stored.person.residency, m, today);
        let rows: Vec<RecordRow> = records
            .into_iter()
            .filter(|r| access.is_visible(&r.record.facts()))
            .map(|r| RecordRow {
                certifiable: access.is_certifiable(&r.record.facts()),
                person: stored.person.clone(),
                record: r,
            })
            .collect();
        if rows.is_empty() && access.status() == crate::residency::ResidenceStatus::Never {
            return Err(not_found().into());
        }
        let ids = rows.iter().map(|r| r.record.record.id.clone()).collect();
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![read_log(
                actor,
                self.now(),
                AccessAction::ReadRecords,
                person,
                ids,
            )],
        })?;
        Ok(rows)
    }

    /// One page of the staff search: persons related to the actor's
    /// municipality matching `query`, each with the records the
    /// municipality may see (and the query keeps). Logged, one entry per
    /// person shown.
    pub fn query_records(
        &self,
        actor: &Actor,
        query: &RecordQuery,
        after: Option<&ManagementId>,
        persons_per_page: usize,
    ) -> Result<RecordPage, Error> {
        self.query_page(actor, query, after, persons_per_page, Search::ReadRecords)
    }

    pub(super) fn query_page(
        &self,
        actor: &Actor,
        query: &RecordQuery,
        after: Option<&ManagementId>,
        persons_per_page: usize,
        search: Search,
    ) -> Result<RecordPage, Error> {
        let action = search.action();
        let (groups, next) = self.search(actor, search, query, after, persons_per_page)?;
        let now = self.now();
        let log = groups
            .iter()
            .map(|rows| {
                let ids = rows.iter().map(|r| r.record.record.id.clone()).collect();
                read_log(actor, now, action, &rows[0].person.management_id, ids)
            })
            .collect::<Vec<_>>();
        if !log.is_empty() {
            self.store.commit(ChangeSet {
                writes: Vec::new(),
                log,
            })?;
        }
        Ok(RecordPage {
            rows: groups.into_iter().flatten().collect(),
            next,
        })
    }

    /// One page of the staff search for `search` (a read or a download of
    /// records or questionnaires), by an actor allowed its operation on its
    /// own municipality's view; not logged (the caller logs what it shows):
    /// for each person found, in order, the records the municipality may
    /// see that the query keeps (never an empty group), and the key to the
    /// next page.
    pub(super) fn search(
        &self,
        actor: &Actor,
        search: Search,
        query: &RecordQuery,
        after: Option<&ManagementId>,
        persons_per_page: usize,
    ) -> Result<(Vec<Vec<RecordRow>>, Option<ManagementId>), Error> {
        let op = search.operation();
        self.guard(actor, op, Relation::Own)?;
        let m = actor.acting_municipality(&op.to_string())?;
        let limit = persons_per_page.clamp(1, 10_000);
        let filter = PersonFilter {
            municipality: Some(m),
            subject_number: query.subject_number.clone(),
            kana_prefix: query.kana_prefix.clone(),
            birth_date: query.birth_date,
            vaccine: query.vaccine.clone(),
            vaccinated_from: query.vaccinated_from,
            vaccinated_to: query.vaccinated_to,
        };
        let persons = self.store.find_persons(&filter, after, limit)?;
        let next = (persons.len() == limit)
            .then(|| persons.last().map(|p| p.person.management_id.clone()))
            .flatten();
        let today = self.clock.today_jst();
        let ids: Vec<ManagementId> = persons
            .iter()
            .map(|p| p.person.management_id.clone())
            .collect();
        let mut records_of: HashMap<ManagementId, Vec<StoredRecord>> = HashMap::new();
        for r in self.store.records_of_persons(&ids)? {
            records_of
                .entry(r.record.person.clone())
                .or_default()
                .push(r);
        }
        let mut groups = Vec::new();
        for p in persons {
            let access = RecordAccess::new(&p.person.residency, m, today);
            let rows: Vec<RecordRow> = records_of
                .remove(&p.person.management_id)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| query.keeps(&r.record) && access.is_visible(&r.record.facts()))
                .map(|r| RecordRow {
                    certifiable: access.is_certifiable(&r.record.facts()),
                    person: p.person.clone(),
                    record: r,
                })
                .collect();
            if !rows.is_empty() {
                groups.push(rows);
            }
        }
        Ok((groups, next))
    }

    /// The portal list (マイナポータル, `H_033-001_IF`): the person behind a
    /// PMH key sees all their own records except erroneous ones, with
    /// details. Logged as the portal's read.
    pub fn portal_records(&self, pmh_key: &str) -> Result<Vec<PortalRecord>, Error> {
        let stored = self
            .store
            .person_by_pmh(pmh_key)?
            .ok_or_else(|| ServiceError::NotFound {
                entity: "portal key",
                id: "(withheld)".into(),
            })?;
        let id = stored.person.management_id;
        let records: Vec<PortalRecord> = self
            .store
            .records_of(&id)?
            .into_iter()
            .filter(|r| on_portal(&r.record.facts()))
            .map(|r| PortalRecord { record: r.record })
            .collect();
        let ids = records.iter().map(|r| r.record.id.clone()).collect();
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![AccessLogDraft {
                at: self.now(),
                actor: "portal".into(),
                organisation: "portal".into(),
                action: AccessAction::ReadPortal,
                subject: Some(id),
                record_ids: ids,
            }],
        })?;
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use crate::conformance::{id, person, record, services, staff, CHIYODA, SAPPORO, YOKOHAMA};
    use crate::store::MemoryStore;

    #[test]
    fn a_former_municipality_sees_only_its_own_records() {
        let s = services(Arc::new(MemoryStore::new()), 0);
        s.put_person(&staff(CHIYODA), person("P1", "山田 花子", "ヤマダ ハナコ"))
            .unwrap();
        s.put_record(&staff(SAPPORO), record("OLD", "P1", SAPPORO, "2010-01-01"))
            .unwrap();
        s.put_record(&staff(CHIYODA), record("NEW", "P1", CHIYODA, "2024-01-01"))
            .unwrap();
        let ids = |m: &str| -> Vec<String> {
            s.person_records(&staff(m), &id("P1"))
                .unwrap()
                .into_iter()
                .map(|r| r.record.record.id.to_string())
                .collect()
        };
        assert_eq!(ids(CHIYODA), ["NEW", "OLD"]);
        assert_eq!(ids(SAPPORO), ["OLD"]);
        let e = s.person_records(&staff(YOKOHAMA), &id("P1")).unwrap_err();
        assert_eq!(e.code(), "not_found");
        assert_eq!(s.portal_records("pmh-P1").unwrap().len(), 2);
    }

    #[test]
    fn a_record_is_refused_where_the_person_did_not_live_that_day() {
        let s = services(Arc::new(MemoryStore::new()), 0);
        s.put_person(&staff(CHIYODA), person("P1", "山田 花子", "ヤマダ ハナコ"))
            .unwrap();
        let e = s
            .put_record(&staff(CHIYODA), record("R1", "P1", CHIYODA, "2010-01-01"))
            .unwrap_err();
        assert_eq!(e.code(), "responsible_mismatch");
    }
}
