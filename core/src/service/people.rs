//! Persons and their residency history.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::identifiers::ManagementId;
use crate::persons::Person;
use crate::residency::{ResidencyHistory, ResidencyInterval};
use crate::store::{ChangeSet, Expected, StoredPerson, Write};
use crate::Error;

use super::{Actor, ServiceError, Sesshu};

/// What a put did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// A new row.
    Created,
    /// An existing row changed.
    Updated,
    /// The stored row already said the same: nothing written.
    Unchanged,
}

impl PutOutcome {
    /// `created`, `updated` or `unchanged`: the name the bindings and the
    /// command line report.
    pub fn as_str(self) -> &'static str {
        match self {
            PutOutcome::Created => "created",
            PutOutcome::Updated => "updated",
            PutOutcome::Unchanged => "unchanged",
        }
    }
}

/// What an import did, row by row.
#[derive(Debug)]
pub struct ImportReport {
    /// For each input item, in order: what was written, or why it was refused.
    pub outcomes: Vec<Result<PutOutcome, Error>>,
}

impl ImportReport {
    /// How many items had this outcome.
    pub fn count(&self, outcome: PutOutcome) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o, Ok(x) if *x == outcome))
            .count()
    }

    /// The refused items: (index, error).
    pub fn refused(&self) -> impl Iterator<Item = (usize, &Error)> {
        self.outcomes
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().err().map(|e| (i, e)))
    }
}

/// Refuses the second of two items with the same key.
pub(super) fn mark_duplicates<K: std::hash::Hash + Eq + std::fmt::Display>(
    keys: &[K],
    entity: &'static str,
) -> Vec<Option<Error>> {
    let mut seen = std::collections::HashSet::new();
    keys.iter()
        .map(|k| {
            (!seen.insert(k)).then(|| {
                ServiceError::Duplicate {
                    entity,
                    id: k.to_string(),
                }
                .into()
            })
        })
        .collect()
}

/// Turns a plan into the all-or-nothing answer of a `put_*` call.
pub(super) fn all_or_nothing(
    store: &dyn crate::store::Store,
    changes: ChangeSet,
    outcomes: Vec<Result<PutOutcome, Error>>,
) -> Result<Vec<PutOutcome>, Error> {
    let outcomes = outcomes.into_iter().collect::<Result<Vec<_>, _>>()?;
    if !changes.is_empty() {
        store.commit(changes)?;
    }
    Ok(outcomes)
}

impl Sesshu {
    /// Records a person (attributes and residency). Idempotent: putting the
    /// same person again writes nothing.
    pub fn put_person(&self, actor: &Actor, person: Person) -> Result<PutOutcome, Error> {
        let outcomes = self.put_persons(actor, vec![person])?;
        Ok(outcomes.first().copied().unwrap_or(PutOutcome::Unchanged))
    }

    /// Records many persons in one atomic commit: all of them, or none
    /// (the first refusal is the error).
    pub fn put_persons(
        &self,
        actor: &Actor,
        persons: Vec<Person>,
    ) -> Result<Vec<PutOutcome>, Error> {
        let (changes, outcomes) = self.plan_persons(actor, persons)?;
        all_or_nothing(&*self.store, changes, outcomes)
    }

    /// Imports persons: the acceptable ones land in one commit, each refused
    /// one is reported (nothing lost, nothing half-written).
    pub fn import_persons(
        &self,
        actor: &Actor,
        persons: Vec<Person>,
    ) -> Result<ImportReport, Error> {
        let (changes, outcomes) = self.plan_persons(actor, persons)?;
        if !changes.is_empty() {
            self.store.commit(changes)?;
        }
        Ok(ImportReport { outcomes })
    }

    /// The persons file (対象者の取込): each person's details as given,
    /// keeping the residency history stored for them (the residency file is
    /// what changes a history; a person not stored yet has none). Outcomes
    /// as [`Sesshu::import_persons`], in input order; `persons`' own
    /// residency is ignored.
    pub fn import_person_details(
        &self,
        actor: &Actor,
        mut persons: Vec<Person>,
    ) -> Result<ImportReport, Error> {
        self.guard(actor, Operation::WritePersons, Relation::Own)?;
        let ids: Vec<ManagementId> = persons.iter().map(|p| p.management_id.clone()).collect();
        let mut stored: std::collections::HashMap<ManagementId, ResidencyHistory> = self
            .store
            .persons_by_ids(&ids)?
            .into_iter()
            .map(|p| (p.person.management_id, p.person.residency))
            .collect();
        for p in &mut persons {
            p.residency = stored.remove(&p.management_id).unwrap_or_default();
        }
        self.import_persons(actor, persons)
    }

    /// The residency file (異動履歴の取込): each named person's history
    /// replaced by the intervals given, in one commit. A person not stored
    /// is `not_found` (import persons first); intervals that do not make a
    /// history are refused with their error; a person named twice, the
    /// second time, `duplicate`. Outcomes in input order.
    pub fn import_residency(
        &self,
        actor: &Actor,
        histories: Vec<(ManagementId, Vec<ResidencyInterval>)>,
    ) -> Result<ImportReport, Error> {
        self.guard(actor, Operation::WritePersons, Relation::Own)?;
        let ids: Vec<ManagementId> = histories.iter().map(|(id, _)| id.clone()).collect();
        let duplicates = mark_duplicates(&ids, "person");
        let mut stored: std::collections::HashMap<ManagementId, Person> = self
            .store
            .persons_by_ids(&ids)?
            .into_iter()
            .map(|p| (p.person.management_id.clone(), p.person))
            .collect();
        // Each input's outcome: refused here, or the index of its person in
        // the import below.
        let mut slots: Vec<Result<usize, Error>> = Vec::with_capacity(histories.len());
        let mut persons = Vec::new();
        for ((id, intervals), duplicate) in histories.into_iter().zip(duplicates) {
            if let Some(e) = duplicate {
                slots.push(Err(e));
                continue;
            }
            let Some(mut person) = stored.remove(&id) else {
                slots.push(Err(ServiceError::NotFound {
                    entity: "person",
                    id: id.to_string(),
                }
                .into()));
                continue;
            };
            match ResidencyHistory::new(intervals) {
                Ok(history) => {
                    person.residency = history;
                    slots.push(Ok(persons.len()));
                    persons.push(person);
                }
                Err(e) => slots.push(Err(e.into())),
            }
        }
        let mut written: Vec<Option<Result<PutOutcome, Error>>> = self
            .import_persons(actor, persons)?
            .outcomes
            .into_iter()
            .map(Some)
            .collect();
        let outcomes = slots
            .into_iter()
            .map(|slot| match slot {
                Ok(i) => written
                    .get_mut(i)
                    .and_then(Option::take)
                    .unwrap_or(Ok(PutOutcome::Unchanged)),
                Err(e) => Err(e),
            })
            .collect();
        Ok(ImportReport { outcomes })
    }

    /// Decides what writing `persons` means. The actor's municipality must
    /// appear in the person's residency history (before or after the
    /// change). A person with no history yet belongs to no municipality:
    /// any municipality may create them, or write them again while neither
    /// the stored nor the new history has an interval, so that a persons
    /// file imported twice (or again after it stopped halfway) reads as
    /// unchanged before the residency import gives them a history.
    fn plan_persons(
        &self,
        actor: &Actor,
        persons: Vec<Person>,
    ) -> Result<(ChangeSet, Vec<Result<PutOutcome, Error>>), Error> {
        self.guard(actor, Operation::WritePersons, Relation::Own)?;
        let m = actor.acting_municipality("write persons")?;
        let ids: Vec<ManagementId> = persons.iter().map(|p| p.management_id.clone()).collect();
        let duplicates = mark_duplicates(&ids, "person");
        let existing: std::collections::HashMap<ManagementId, StoredPerson> = self
            .store
            .persons_by_ids(&ids)?
            .into_iter()
            .map(|p| (p.person.management_id.clone(), p))
            .collect();
        let now = self.now();
        let today = self.clock.today_jst();
        let mut changes = ChangeSet::default();
        let mut outcomes = Vec::with_capacity(persons.len());
        for (person, duplicate) in persons.into_iter().zip(duplicates) {
            if let Some(e) = duplicate {
                outcomes.push(Err(e));
                continue;
            }
            if let Err(e) = crate::persons::check_birth_date(person.birth_date, today) {
                outcomes.push(Err(e.into()));
                continue;
            }
            let old = existing.get(&person.management_id);
            let touches_m =
                |p: &Person| p.residency.intervals().iter().any(|i| i.municipality == m);
            let without_history = person.residency.intervals().is_empty()
                && old.is_none_or(|o| o.person.residency.intervals().is_empty());
            if !touches_m(&person) && !old.is_some_and(|o| touches_m(&o.person)) && !without_history
            {
                outcomes.push(Err(actor
                    .refuse(&format!(
                        "write person {} (never resident)",
                        person.management_id
                    ))
                    .into()));
                continue;
            }
            let outcome = match old {
                Some(o) if o.person == person => PutOutcome::Unchanged,
                Some(_) => PutOutcome::Updated,
                None => PutOutcome::Created,
            };
            outcomes.push(Ok(outcome));
            if outcome == PutOutcome::Unchanged {
                continue;
            }
            changes.log.push(AccessLogDraft {
                at: now,
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::WritePerson,
                subject: Some(person.management_id.clone()),
                record_ids: Vec::new(),
            });
            changes.writes.push(Write::PutPerson {
                expected: Expected::of(old.map(|o| o.version)),
                person,
                updated_at: now,
            });
        }
        Ok((changes, outcomes))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::PutOutcome;
    use crate::conformance::{id, person, services, staff, CHIYODA, YOKOHAMA};
    use crate::store::{MemoryStore, PersonStore};

    #[test]
    fn put_is_all_or_nothing_and_import_keeps_the_good_ones() {
        let store = Arc::new(MemoryStore::new());
        let s = services(store.clone(), 0);
        let chiyoda = staff(CHIYODA);
        let mut unborn = person("P2", "未来 太郎", "ミライ タロウ");
        unborn.birth_date = crate::conformance::date("2099-01-01");
        let both = vec![person("P1", "山田 花子", "ヤマダ ハナコ"), unborn];
        let e = s.put_persons(&chiyoda, both.clone()).unwrap_err();
        assert_eq!(e.code(), "birth_date_out_of_range");
        assert!(store.person(&id("P1")).unwrap().is_none());
        let report = s.import_persons(&chiyoda, both).unwrap();
        assert_eq!(report.count(PutOutcome::Created), 1);
        assert_eq!(report.refused().count(), 1);
        assert!(store.person(&id("P1")).unwrap().is_some());
    }

    #[test]
    fn a_municipality_the_history_never_names_may_not_write_the_person() {
        let s = services(Arc::new(MemoryStore::new()), 0);
        s.put_person(&staff(CHIYODA), person("P1", "山田 花子", "ヤマダ ハナコ"))
            .unwrap();
        let mut renamed = person("P1", "山田 春子", "ヤマダ ハルコ");
        renamed.pmh_key = None;
        let e = s.put_person(&staff(YOKOHAMA), renamed).unwrap_err();
        assert_eq!(e.code(), "not_authorized");
    }
}
