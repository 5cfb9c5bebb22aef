//! The marts in memory.

use super::*;
use crate::marts::{Cell, CellKey, Contribution, Mart, MartState, Run, Source};
use crate::store::{MartBatch, MartStore};

/// The marts' part of the state.
#[derive(Clone, Default)]
pub(super) struct Marts {
    state: MartState,
    contributions: BTreeMap<RecordId, Contribution>,
    cells: BTreeMap<(Mart, CellKey), (i64, i64)>,
}

fn in_window(t: DateTime<Utc>, run: &Run) -> bool {
    run.changed_since.is_none_or(|s| t >= s) && t < run.changed_before
}

impl MartStore for MemoryStore {
    fn mart_state(&self) -> Result<MartState, StoreError> {
        Ok(self.state().marts.state.clone())
    }

    fn last_record_seq(&self) -> Result<i64, StoreError> {
        Ok(self.state().record_seq)
    }

    fn mart_sources(&self, run: &Run, limit: usize) -> Result<Vec<Source>, StoreError> {
        let s = self.state();
        Ok(page(
            s.records
                .values()
                .filter(|r| run.done_through.as_ref().is_none_or(|d| r.record.id > *d))
                .filter(|r| {
                    let person = s.persons.get(&r.record.person);
                    let q = s.questionnaires.get(&r.record.id);
                    run.full
                        || (r.seq > run.after_seq && r.seq <= run.through_seq)
                        || person.is_some_and(|p| in_window(p.updated_at, run))
                        || q.is_some_and(|q| in_window(q.updated_at, run))
                })
                .map(|r| Source {
                    record: r.record.id.clone(),
                    municipality: r.record.responsible,
                    vaccine: r.record.vaccine.clone(),
                    dose: r.record.dose_number,
                    date: r.record.date,
                    erroneous: r.record.erroneous,
                    birth: s.persons.get(&r.record.person).map(|p| p.person.birth_date),
                    questionnaire: s.questionnaires.contains_key(&r.record.id),
                }),
            limit,
        ))
    }

    fn mart_contributions(&self, records: &[RecordId]) -> Result<Vec<Contribution>, StoreError> {
        let s = self.state();
        Ok(records
            .iter()
            .filter_map(|r| s.marts.contributions.get(r).cloned())
            .collect())
    }

    fn mart_cells(
        &self,
        mart: Mart,
        after: Option<&CellKey>,
        limit: usize,
    ) -> Result<Vec<Cell>, StoreError> {
        Ok(page(
            self.state()
                .marts
                .cells
                .iter()
                .filter(|((m, k), _)| *m == mart && after.is_none_or(|a| k > a))
                .map(|((m, k), (count, vaccinated))| Cell {
                    mart: *m,
                    key: k.clone(),
                    count: *count,
                    vaccinated: *vaccinated,
                }),
            limit,
        ))
    }

    fn persons_born(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        after: Option<&ManagementId>,
        limit: usize,
    ) -> Result<Vec<StoredPerson>, StoreError> {
        Ok(page(
            self.state()
                .persons
                .values()
                .filter(|p| after.is_none_or(|a| p.person.management_id > *a))
                .filter(|p| p.person.birth_date >= from && p.person.birth_date <= to)
                .cloned(),
            limit,
        ))
    }
}

impl State {
    /// Applies one step of the marts' batch.
    pub(super) fn put_mart_batch(&mut self, batch: MartBatch) -> Result<i64, StoreError> {
        let marts = &mut self.marts;
        if marts.state.version != batch.state.version {
            return Err(crate::store::marts::state_conflict(
                batch.state.version,
                marts.state.version,
            ));
        }
        if batch.clear {
            marts.contributions.clear();
            marts.cells.retain(|(m, _), _| *m == Mart::Recommendations);
        }
        for (record, c) in batch.contributions {
            match c {
                Some(c) => {
                    marts.contributions.insert(record, c);
                }
                None => {
                    marts.contributions.remove(&record);
                }
            }
        }
        for (key, by) in batch.deltas {
            let cell = marts.cells.entry(key.clone()).or_insert((0, 0));
            cell.0 += by;
            if cell.0 == 0 {
                marts.cells.remove(&key);
            }
        }
        if let Some((day, cells)) = batch.snapshot {
            marts
                .cells
                .retain(|(m, k), _| !(*m == Mart::Recommendations && k.date == day));
            for c in cells {
                marts.cells.insert((c.mart, c.key), (c.count, c.vaccinated));
            }
        }
        let version = batch.state.version + 1;
        marts.state = MartState {
            version,
            ..batch.state
        };
        Ok(version)
    }
}
