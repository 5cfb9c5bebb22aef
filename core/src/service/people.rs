//! Persons and their residency history.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::identifiers::ManagementId;
use crate::persons::Person;
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

impl Sesshu {
    /// Records a person (attributes and residency). Idempotent: putting the
    /// same person again writes nothing. The actor's municipality must
    /// appear in the person's residency history (before or after the change).
    pub fn put_person(&self, actor: &Actor, person: Person) -> Result<PutOutcome, Error> {
        let outcomes = self.put_persons(actor, vec![person])?;
        Ok(outcomes.first().copied().unwrap_or(PutOutcome::Unchanged))
    }

    /// Records many persons in one atomic commit (imports).
    pub fn put_persons(
        &self,
        actor: &Actor,
        persons: Vec<Person>,
    ) -> Result<Vec<PutOutcome>, Error> {
        let m = actor.acting_municipality("write persons")?;
        let ids: Vec<ManagementId> = persons.iter().map(|p| p.management_id.clone()).collect();
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = ids.iter().find(|id| !seen.insert(*id)) {
            return Err(ServiceError::Duplicate {
                entity: "person",
                id: dup.to_string(),
            }
            .into());
        }
        let existing: std::collections::HashMap<ManagementId, StoredPerson> = self
            .store
            .persons_by_ids(&ids)?
            .into_iter()
            .map(|p| (p.person.management_id.clone(), p))
            .collect();
        let now = self.now();
        let mut changes = ChangeSet::default();
        let mut outcomes = Vec::with_capacity(persons.len());
        for person in persons {
            let old = existing.get(&person.management_id);
            let touches_m =
                |p: &Person| p.residency.intervals().iter().any(|i| i.municipality == m);
            if !touches_m(&person) && !old.is_some_and(|o| touches_m(&o.person)) {
                return Err(actor
                    .refuse(&format!(
                        "write person {} (never resident)",
                        person.management_id
                    ))
                    .into());
            }
            let outcome = match old {
                Some(o) if o.person == person => PutOutcome::Unchanged,
                Some(_) => PutOutcome::Updated,
                None => PutOutcome::Created,
            };
            outcomes.push(outcome);
            if outcome == PutOutcome::Unchanged {
                continue;
            }
            changes.log.push(AccessLogDraft {
                at: now,
                actor: actor.user_id.clone(),
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
        if !changes.is_empty() {
            self.store.commit(changes)?;
        }
        Ok(outcomes)
    }
}
