//! The marts' daily batch (H_061) and their reads.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Sesshu;
use crate::access_log::AccessAction;
use crate::authz::{Actor, Operation, Relation};
use crate::marts::export::MartFormat;
use crate::marts::{
    deltas, recommendation, Cell, Contribution, Deltas, Mart, MartError, MartState, Run,
    CHANGE_MARGIN,
};
use crate::masters::catalog::{
    RECOMMENDATION_RANGES, RECOMMENDATION_RULES, STANDARD_RECOMMENDATION_RULES,
};
use crate::store::{ChangeSet, MartBatch, Write};
use crate::Error;

/// Records counted per commit of a batch.
pub const MART_PAGE: usize = 20_000;
/// Persons read per page for the recommendations snapshot.
const PERSON_PAGE: usize = 5_000;
/// Cells read per page.
const CELL_PAGE: usize = 50_000;

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MartReport {
    /// The batch date.
    pub date: Option<NaiveDate>,
    /// A full rebuild.
    pub full: bool,
    /// Resumed a batch a crash had left.
    pub resumed: bool,
    /// Records read and counted again.
    pub records: u64,
    /// Cells whose count changed.
    pub cells_changed: u64,
    /// Recommendation targets on the date, and how many are vaccinated.
    pub targets: (i64, i64),
    /// Commits written.
    pub steps: u64,
    /// Stopped after the steps asked for, before the end.
    pub stopped: bool,
}

impl Sesshu {
    /// Refreshes the marts for `date` (the daily batch, H_061): counts the
    /// records changed since the last batch (every record when `full`) and
    /// takes the recommendations snapshot of `date`. Each step is one
    /// commit with the batch's position, so a batch stopped anywhere is
    /// resumed by the next run and ends as an uninterrupted one; running
    /// it again changes nothing.
    pub fn build_marts(
        &self,
        actor: &Actor,
        date: NaiveDate,
        full: bool,
    ) -> Result<MartReport, Error> {
        self.build_marts_in_steps(actor, date, full, MART_PAGE, None)
    }

    /// [`Sesshu::build_marts`] with `page` records per commit, stopping
    /// after `max_steps` commits when given (how the tests interrupt a
    /// batch where a crash would).
    pub fn build_marts_in_steps(
        &self,
        actor: &Actor,
        date: NaiveDate,
        full: bool,
        page: usize,
        max_steps: Option<u64>,
    ) -> Result<MartReport, Error> {
        self.guard(actor, Operation::BuildMarts, Relation::Own)?;
        let today = self.clock.today_jst();
        if date > today {
            return Err(MartError::BatchDate {
                date,
                reason: format!("it is after today ({today})"),
            }
            .into());
        }
        let mut state = self.store.mart_state()?;
        let mut report = MartReport {
            date: Some(date),
            full,
            ..MartReport::default()
        };
        let run = match state.run.clone() {
            // A batch left by a crash: finish it first, as it was asked.
            Some(run) => {
                report.resumed = true;
                report.full = run.full;
                run
            }
            None => {
                let started = self.now();
                let run = Run {
                    date,
                    full,
                    after_seq: if full { 0 } else { state.record_seq },
                    through_seq: self.store.last_record_seq()?,
                    changed_since: if full {
                        None
                    } else {
                        state.changed_before.map(|t| t - CHANGE_MARGIN)
                    },
                    changed_before: started,
                    done_through: None,
                };
                let next = MartState {
                    run: Some(run.clone()),
                    ..state.clone()
                };
                state = self.step(actor, next, full, Vec::new(), Deltas::new(), None)?;
                report.steps += 1;
                run
            }
        };
        let mut run = run;
        loop {
            if max_steps.is_some_and(|m| report.steps >= m) {
                report.stopped = true;
                return Ok(report);
            }
            let sources = self.store.mart_sources(&run, page)?;
            let Some(last) = sources.last() else { break };
            run.done_through = Some(last.record.clone());
            // A full run cleared the contributions at its start and has
            // written only those of the records before this page since: it
            // has nothing to read back.
            let old: BTreeMap<_, Contribution> = if run.full {
                BTreeMap::new()
            } else {
                let ids: Vec<_> = sources.iter().map(|s| s.record.clone()).collect();
                self.store
                    .mart_contributions(&ids)?
                    .into_iter()
                    .map(|c| (c.record.clone(), c))
                    .collect()
            };
            let mut changes = Deltas::new();
            let mut contributions = Vec::new();
            for s in &sources {
                let new = Contribution::of(s);
                let before = old.get(&s.record);
                if before != new.as_ref() {
                    deltas(before, new.as_ref(), &mut changes);
                    contributions.push((s.record.clone(), new));
                }
            }
            report.records += sources.len() as u64;
            report.cells_changed += changes.len() as u64;
            let next = MartState {
                run: Some(run.clone()),
                ..state.clone()
            };
            state = self.step(actor, next, false, contributions, changes, None)?;
            report.steps += 1;
        }
        if max_steps.is_some_and(|m| report.steps >= m) {
            report.stopped = true;
            return Ok(report);
        }
        let snapshot = self.recommendations_on(run.date)?;
        report.targets = snapshot
            .iter()
            .fold((0, 0), |(t, v), c| (t + c.count, v + c.vaccinated));
        let next = MartState {
            date: Some(run.date),
            record_seq: run.through_seq,
            changed_before: Some(run.changed_before),
            run: None,
            version: state.version,
        };
        self.step(
            actor,
            next,
            false,
            Vec::new(),
            Deltas::new(),
            Some((run.date, snapshot)),
        )?;
        report.steps += 1;
        report.date = Some(run.date);
        Ok(report)
    }

    /// One commit of a batch, with its access-log entry.
    fn step(
        &self,
        actor: &Actor,
        state: MartState,
        clear: bool,
        contributions: Vec<(crate::identifiers::RecordId, Option<Contribution>)>,
        changes: Deltas,
        snapshot: Option<(NaiveDate, Vec<Cell>)>,
    ) -> Result<MartState, Error> {
        let batch = MartBatch {
            clear,
            contributions,
            deltas: changes.into_iter().collect(),
            snapshot,
            state: state.clone(),
        };
        self.store.commit(ChangeSet {
            writes: vec![Write::PutMartBatch(Box::new(batch))],
            log: vec![self.logged(actor, AccessAction::BuildMarts)],
        })?;
        Ok(MartState {
            version: state.version + 1,
            ..state
        })
    }

    /// The recommendations cells of `day`: every person the rules in force
    /// that day can target (read by birth date), counted where they live.
    fn recommendations_on(&self, day: NaiveDate) -> Result<Vec<Cell>, Error> {
        let rules = recommendation::Rules::from_masters(
            &self.store.master_rows(&STANDARD_RECOMMENDATION_RULES)?,
            &self.store.master_rows(&RECOMMENDATION_RULES)?,
            &self.store.master_rows(&RECOMMENDATION_RANGES)?,
            day,
        );
        let Some((from, to)) = rules.births(day) else {
            return Ok(Vec::new());
        };
        let mut totals = BTreeMap::new();
        let mut after = None;
        loop {
            let persons = self
                .store
                .persons_born(from, to, after.as_ref(), PERSON_PAGE)?;
            let Some(last) = persons.last() else { break };
            after = Some(last.person.management_id.clone());
            let ids: Vec<_> = persons
                .iter()
                .map(|p| p.person.management_id.clone())
                .collect();
            let mut records: BTreeMap<_, Vec<_>> = BTreeMap::new();
            for r in self.store.records_of_persons(&ids)? {
                records
                    .entry(r.record.person.clone())
                    .or_default()
                    .push(r.record);
            }
            for p in &persons {
                let of = records
                    .get(&p.person.management_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                recommendation::add(&mut totals, rules.cells(&p.person, of, day));
            }
        }
        Ok(totals
            .into_iter()
            .map(|(key, (count, vaccinated))| Cell {
                mart: Mart::Recommendations,
                key,
                count,
                vaccinated,
            })
            .collect())
    }

    /// Every cell of `mart`, exact (MHLW's analysis, H_061). Logged.
    pub fn mart_cells(&self, actor: &Actor, mart: Mart) -> Result<Vec<Cell>, Error> {
        self.guard(actor, Operation::ReadMarts, Relation::Own)?;
        let cells = self.all_cells(mart)?;
        self.store.commit(ChangeSet {
            log: vec![self.logged(actor, AccessAction::ReadMarts)],
            ..ChangeSet::default()
        })?;
        Ok(cells)
    }

    /// How far the marts are refreshed.
    pub fn mart_state(&self, actor: &Actor) -> Result<MartState, Error> {
        self.guard(actor, Operation::ReadMarts, Relation::Own)?;
        Ok(self.store.mart_state()?)
    }

    pub(crate) fn all_cells(&self, mart: Mart) -> Result<Vec<Cell>, Error> {
        let mut out: Vec<Cell> = Vec::new();
        loop {
            let page = self
                .store
                .mart_cells(mart, out.last().map(|c| &c.key), CELL_PAGE)?;
            let done = page.len() < CELL_PAGE;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }
}

impl Sesshu {
    /// The marts for MHLW's BI tool (H_061), exact: one file per mart
    /// (`vaccinations`, `questionnaires`, `recommendations`, with the
    /// format's extension), a row per municipality cell and the prefecture
    /// and national totals ([`crate::marts::export`]). Parquet needs the
    /// feature `parquet` (`format_not_built` without it). Logged.
    pub fn export_marts(
        &self,
        actor: &Actor,
        format: MartFormat,
    ) -> Result<Vec<(String, Vec<u8>)>, Error> {
        self.guard(actor, Operation::ReadMarts, Relation::Own)?;
        let mut files = Vec::new();
        for mart in Mart::ALL {
            files.push(crate::marts::export::file(
                *mart,
                &self.all_cells(*mart)?,
                format,
            )?);
        }
        self.store.commit(ChangeSet {
            log: vec![self.logged(actor, AccessAction::ReadMarts)],
            ..ChangeSet::default()
        })?;
        Ok(files)
    }

    /// The public dashboard of `date` (H_062): its page and downloads
    /// ([`crate::publication::site`]), every figure protected with
    /// threshold `k` ([`crate::disclosure`]). Logged.
    pub fn publish(
        &self,
        actor: &Actor,
        date: NaiveDate,
        k: u64,
    ) -> Result<Vec<(String, Vec<u8>)>, Error> {
        self.guard(actor, Operation::PublishDashboard, Relation::Own)?;
        let tables = crate::publication::protected(
            &self.all_cells(Mart::Vaccinations)?,
            &self.all_cells(Mart::Recommendations)?,
            date,
            k,
        )?;
        let files = crate::publication::site(&tables, date);
        self.store.commit(ChangeSet {
            log: vec![self.logged(actor, AccessAction::PublishDashboard)],
            ..ChangeSet::default()
        })?;
        Ok(files)
    }
}
