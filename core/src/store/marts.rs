//! The marts (H-6): each record's contribution, the cells, and one row of
//! state saying how far the daily batch has come.

use chrono::{DateTime, NaiveDate, Utc};

use super::rows::{from_body, to_body};
use super::{StoreError, StoredPerson};
use crate::identifiers::{ManagementId, RecordId};
use crate::marts::{Cell, CellKey, Contribution, Mart, MartState, Run, Source};

/// The reads of the marts. They are written with
/// [`Write::PutMartBatch`](super::Write::PutMartBatch).
pub trait MartStore: Send + Sync {
    /// How far the marts are refreshed (the default state when never).
    fn mart_state(&self) -> Result<MartState, StoreError>;
    /// The highest record 変更番号 given so far (0: none).
    fn last_record_seq(&self) -> Result<i64, StoreError>;
    /// The records `run` (re)counts, by id after `run.done_through`, at most
    /// `limit`: with `run.full` every record; otherwise those whose 変更番号
    /// is in `(run.after_seq, run.through_seq]`, those of persons changed in
    /// `[run.changed_since, run.changed_before)` and those whose
    /// questionnaire changed then.
    fn mart_sources(&self, run: &Run, limit: usize) -> Result<Vec<Source>, StoreError>;
    /// The stored contributions of `records` (those counted).
    fn mart_contributions(&self, records: &[RecordId]) -> Result<Vec<Contribution>, StoreError>;
    /// The cells of `mart`, by key after `after`, at most `limit`.
    fn mart_cells(
        &self,
        mart: Mart,
        after: Option<&CellKey>,
        limit: usize,
    ) -> Result<Vec<Cell>, StoreError>;
    /// Persons born from `from` to `to` (both included), by id after
    /// `after`, at most `limit`.
    fn persons_born(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        after: Option<&ManagementId>,
        limit: usize,
    ) -> Result<Vec<StoredPerson>, StoreError>;
}

/// One step of a mart batch, written in one commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MartBatch {
    /// Remove every contribution and every vaccinations and questionnaires
    /// cell first (a full rebuild's first step).
    pub clear: bool,
    /// Each record's new contribution (`None`: no longer counted).
    pub contributions: Vec<(RecordId, Option<Contribution>)>,
    /// Changes of counts; a cell whose count reaches 0 is removed.
    pub deltas: Vec<((Mart, CellKey), i64)>,
    /// The recommendations cells of a batch date, replacing those stored.
    pub snapshot: Option<(NaiveDate, Vec<Cell>)>,
    /// The state after the step; its `version` is the one read (the write
    /// is refused with a conflict if another batch wrote since).
    pub state: MartState,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StateBody {
    date: Option<NaiveDate>,
    record_seq: i64,
    changed_before: Option<DateTime<Utc>>,
    run: Option<RunBody>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RunBody {
    date: NaiveDate,
    full: bool,
    after_seq: i64,
    through_seq: i64,
    changed_since: Option<DateTime<Utc>>,
    changed_before: DateTime<Utc>,
    done_through: Option<String>,
}

/// The state as an engine stores it: a JSON body.
pub fn state_body(state: &MartState) -> String {
    to_body(&StateBody {
        date: state.date,
        record_seq: state.record_seq,
        changed_before: state.changed_before,
        run: state.run.as_ref().map(|r| RunBody {
            date: r.date,
            full: r.full,
            after_seq: r.after_seq,
            through_seq: r.through_seq,
            changed_since: r.changed_since,
            changed_before: r.changed_before,
            done_through: r.done_through.as_ref().map(ToString::to_string),
        }),
    })
}

/// The state from its stored body and version.
pub fn state_from_body(body: &str, version: i64) -> Result<MartState, StoreError> {
    let b: StateBody = from_body("mart state", "1", body)?;
    let run = match b.run {
        Some(r) => Some(Run {
            date: r.date,
            full: r.full,
            after_seq: r.after_seq,
            through_seq: r.through_seq,
            changed_since: r.changed_since,
            changed_before: r.changed_before,
            done_through: r
                .done_through
                .map(|id| RecordId::parse_owned(id).map_err(|e| corrupt("done_through", &e)))
                .transpose()?,
        }),
        None => None,
    };
    Ok(MartState {
        date: b.date,
        record_seq: b.record_seq,
        changed_before: b.changed_before,
        run,
        version,
    })
}

fn corrupt(what: &str, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        entity: "mart",
        id: what.to_owned(),
        reason: e.to_string(),
    }
}

/// A cell's key from its stored columns.
pub fn key_from_columns(
    day: NaiveDate,
    municipality: &str,
    vaccine: &str,
    dose: i64,
    age_band: &str,
) -> Result<CellKey, StoreError> {
    use crate::identifiers::{MunicipalityCode, VaccineCode};
    Ok(CellKey {
        date: day,
        municipality: MunicipalityCode::parse(municipality)
            .map_err(|e| corrupt("municipality", &e))?,
        vaccine: VaccineCode::parse(vaccine).map_err(|e| corrupt("vaccine", &e))?,
        dose: u8::try_from(dose).map_err(|e| corrupt("dose", &e))?,
        age_band: crate::marts::AgeBand::parse(age_band).map_err(|e| corrupt("age band", &e))?,
    })
}

/// The conflict of a mart batch step whose state was written by another
/// batch since it was read.
pub fn state_conflict(expected: i64, found: i64) -> StoreError {
    StoreError::Conflict {
        entity: "mart state",
        id: "1".into(),
        expected: if expected == 0 {
            super::Expected::Absent
        } else {
            super::Expected::Version(expected)
        },
        found: super::FoundVersion((found != 0).then_some(found)),
    }
}
