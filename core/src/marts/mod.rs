//! Marts (集計用データマート, H-6 H_061): the counts MHLW analyses in its
//! BI tool and the public dashboard is drawn from, refreshed by a daily
//! batch.
//!
//! Three marts, each a set of [`Cell`]s keyed by date, municipality,
//! vaccine, dose and age band ([`CellKey`]):
//!
//! - 接種状況 ([`Mart::Vaccinations`]): doses given, by the vaccination
//!   date, the responsible municipality and the age on that day; erroneous
//!   records are not counted.
//! - 予診票登録状況 ([`Mart::Questionnaires`]): the same records that have
//!   a registered questionnaire (予診票), keyed as their record is.
//! - 接種勧奨状況 ([`Mart::Recommendations`]): on the batch date, the
//!   residents whom the recommendation rules make targets, and how many of
//!   them have the dose ([`recommendation`]).
//!
//! The first two are kept by each record's [`Contribution`]: a batch reads
//! the records changed since the last one, and moves each one's count from
//! its old cell to its new one ([`deltas`]). The third is a snapshot of the
//! batch date. Prefecture and national totals are sums of municipalities,
//! formed when the marts are read.

pub mod export;
pub mod recommendation;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::calendar::age_on;
use crate::identifiers::{MunicipalityCode, RecordId, VaccineCode};
use crate::macros::named_enum;

/// Why a mart request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MartError {
    /// Not one of the three marts.
    #[error("unknown mart {value:?}: expected vaccinations, questionnaires or recommendations")]
    UnknownMart {
        /// The name as given.
        value: String,
    },
    /// Not one of the age bands.
    #[error("unknown age band {value:?}: expected one of 0, 1, 2-6, 7-12, 13-18, 19-64, 65+")]
    UnknownAgeBand {
        /// The name as given.
        value: String,
    },
    /// A batch date after today, or before the last batch's.
    #[error("mart batch date {date}: {reason}")]
    BatchDate {
        /// The date asked for.
        date: NaiveDate,
        /// Why it cannot be built.
        reason: String,
    },
    /// Not one of the export formats.
    #[error("unknown export format {value:?}: expected csv or parquet")]
    UnknownFormat {
        /// The name as given.
        value: String,
    },
    /// An export format this build leaves out.
    #[error("the {format} export is not built in: build sesshu with the feature `{format}`")]
    FormatNotBuilt {
        /// The format asked for.
        format: export::MartFormat,
    },
    /// The export could not be written (a failure of the file writer).
    #[error("the {format} export could not be written: {reason}")]
    Export {
        /// The format being written.
        format: export::MartFormat,
        /// The writer's message.
        reason: String,
    },
}

impl MartError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            MartError::UnknownMart { .. } => "unknown_mart",
            MartError::UnknownAgeBand { .. } => "unknown_age_band",
            MartError::BatchDate { .. } => "invalid_batch_date",
            MartError::UnknownFormat { .. } => "unknown_format",
            MartError::FormatNotBuilt { .. } => "format_not_built",
            MartError::Export { .. } => "export_failed",
        }
    }
}

named_enum! {
    /// One of the three marts of H_061.
    pub enum Mart {
        /// 接種状況: doses given.
        Vaccinations = "vaccinations",
        /// 予診票登録状況: doses with a registered questionnaire.
        Questionnaires = "questionnaires",
        /// 接種勧奨状況: recommendation targets and how many are vaccinated.
        Recommendations = "recommendations",
    }
    unknown: MartError = |v| MartError::UnknownMart { value: v.to_owned() };
}

named_enum! {
    /// 年齢区分: the age bands of the marts, cut where the routine schedule
    /// changes (infants, toddlers and preschoolers, primary school, lower
    /// and upper secondary, adults, the elderly of the B-class diseases).
    pub enum AgeBand {
        /// 0歳.
        Infant = "0",
        /// 1歳.
        One = "1",
        /// 2–6歳.
        Preschool = "2-6",
        /// 7–12歳.
        Primary = "7-12",
        /// 13–18歳.
        Secondary = "13-18",
        /// 19–64歳.
        Adult = "19-64",
        /// 65歳以上.
        Elderly = "65+",
    }
    unknown: MartError = |v| MartError::UnknownAgeBand { value: v.to_owned() };
}

impl AgeBand {
    /// The band of an age in years.
    pub fn of_age(age: u32) -> AgeBand {
        match age {
            0 => AgeBand::Infant,
            1 => AgeBand::One,
            2..=6 => AgeBand::Preschool,
            7..=12 => AgeBand::Primary,
            13..=18 => AgeBand::Secondary,
            19..=64 => AgeBand::Adult,
            _ => AgeBand::Elderly,
        }
    }

    /// The band of someone born on `birth`, on `day`, with the age under
    /// Japanese law ([`age_on`]: an age is attained at the end of the day
    /// before the birthday).
    pub fn on(birth: NaiveDate, day: NaiveDate) -> AgeBand {
        AgeBand::of_age(age_on(birth, day))
    }
}

/// Where one count of a mart falls.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    /// 接種日 (vaccinations, questionnaires) or the batch date
    /// (recommendations).
    pub date: NaiveDate,
    /// The responsible municipality (of the record, or of residence on the
    /// batch date).
    pub municipality: MunicipalityCode,
    /// ワクチン種別.
    pub vaccine: VaccineCode,
    /// 接種回.
    pub dose: u8,
    /// 年齢区分 on the date.
    pub age_band: AgeBand,
}

/// One cell of a mart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cell {
    /// Its mart.
    pub mart: Mart,
    /// Where it falls.
    pub key: CellKey,
    /// The count: doses, questionnaires, or recommendation targets.
    pub count: i64,
    /// Of the recommendation targets, those vaccinated (0 in the other
    /// marts).
    pub vaccinated: i64,
}

/// What a record's counts are made from: the record with its person's
/// birth date and whether it has a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The record.
    pub record: RecordId,
    /// The responsible municipality.
    pub municipality: MunicipalityCode,
    /// ワクチン種別.
    pub vaccine: VaccineCode,
    /// 接種回.
    pub dose: u8,
    /// 接種日.
    pub date: NaiveDate,
    /// Marked erroneous: not counted.
    pub erroneous: bool,
    /// The person's birth date; `None` when the person is not stored (the
    /// record is then not counted).
    pub birth: Option<NaiveDate>,
    /// Whether a questionnaire is registered for it.
    pub questionnaire: bool,
}

/// Where a record is counted: its cell of the vaccinations mart, and of
/// the questionnaires mart too when it has a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// The record.
    pub record: RecordId,
    /// Its cell.
    pub key: CellKey,
    /// Counted in the questionnaires mart too.
    pub questionnaire: bool,
}

impl Contribution {
    /// The contribution of a record, or `None` for one that is not counted
    /// (erroneous, or of an unknown person).
    pub fn of(source: &Source) -> Option<Contribution> {
        if source.erroneous {
            return None;
        }
        let birth = source.birth?;
        Some(Contribution {
            record: source.record.clone(),
            key: CellKey {
                date: source.date,
                municipality: source.municipality,
                vaccine: source.vaccine.clone(),
                dose: source.dose,
                age_band: AgeBand::on(birth, source.date),
            },
            questionnaire: source.questionnaire,
        })
    }

    fn cells(&self) -> impl Iterator<Item = (Mart, &CellKey)> {
        std::iter::once((Mart::Vaccinations, &self.key)).chain(
            self.questionnaire
                .then_some((Mart::Questionnaires, &self.key)),
        )
    }
}

/// Changes of counts: `(mart, key) → change`.
pub type Deltas = BTreeMap<(Mart, CellKey), i64>;

/// Adds to `deltas` the move of one record's counts from its `old`
/// contribution to its `new` one; a record whose cell did not change adds
/// nothing (changes that cancel are removed).
pub fn deltas(old: Option<&Contribution>, new: Option<&Contribution>, into: &mut Deltas) {
    let mut add = |mart: Mart, key: &CellKey, by: i64| {
        let entry = into.entry((mart, key.clone())).or_insert(0);
        *entry += by;
        if *entry == 0 {
            into.remove(&(mart, key.clone()));
        }
    };
    for (mart, key) in old.into_iter().flat_map(Contribution::cells) {
        add(mart, key, -1);
    }
    for (mart, key) in new.into_iter().flat_map(Contribution::cells) {
        add(mart, key, 1);
    }
}

/// The cells of a set of contributions, counted whole: what a full
/// rebuild of the vaccinations and questionnaires marts gives.
pub fn count(contributions: &[Contribution]) -> Vec<Cell> {
    let mut d = Deltas::new();
    for c in contributions {
        deltas(None, Some(c), &mut d);
    }
    d.into_iter()
        .map(|((mart, key), count)| Cell {
            mart,
            key,
            count,
            vaccinated: 0,
        })
        .collect()
}

/// How far the marts have been refreshed (stored in one row).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MartState {
    /// The last batch date that completed.
    pub date: Option<NaiveDate>,
    /// Every record change up to this 変更番号 is counted.
    pub record_seq: i64,
    /// Every person and questionnaire change before this instant is
    /// counted.
    pub changed_before: Option<DateTime<Utc>>,
    /// A batch under way (left by a crash, resumed by the next run).
    pub run: Option<Run>,
    /// Row version (0: never written).
    pub version: i64,
}

/// A batch under way: what it reads, and how far it has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The batch date.
    pub date: NaiveDate,
    /// A full rebuild (every record) rather than the changes.
    pub full: bool,
    /// Read record changes after this 変更番号 …
    pub after_seq: i64,
    /// … up to this one (the highest when the batch began).
    pub through_seq: i64,
    /// Read person and questionnaire changes at or after this instant
    /// (`None`: all) …
    pub changed_since: Option<DateTime<Utc>>,
    /// … and before this one (when the batch began).
    pub changed_before: DateTime<Utc>,
    /// The last record whose counts are written (records are read in id
    /// order).
    pub done_through: Option<RecordId>,
}

/// How far back a batch reads person and questionnaire changes before the
/// previous batch's start: a change stamped before a batch began but
/// committed after it read is still read by the next one. Reading a change
/// twice moves nothing ([`deltas`]).
pub const CHANGE_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::calendar::parse_date;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn source(n: u32, birth: &str, date: &str, erroneous: bool, q: bool) -> Source {
        Source {
            record: RecordId::parse(&format!("R{n:05}")).unwrap(),
            municipality: MunicipalityCode::parse("131016").unwrap(),
            vaccine: VaccineCode::parse("MR").unwrap(),
            dose: 1,
            date: d(date),
            erroneous,
            birth: Some(d(birth)),
            questionnaire: q,
        }
    }

    #[test]
    fn the_age_band_is_the_age_under_japanese_law_on_the_vaccination_date() {
        // Born 1 April 2019: 5 until the end of 31 March 2025, 6 from 1 April.
        let c = Contribution::of(&source(1, "2019-04-01", "2025-03-31", false, false)).unwrap();
        assert_eq!(c.key.age_band, AgeBand::Preschool);
        let c = Contribution::of(&source(1, "2019-04-01", "2025-04-01", false, false)).unwrap();
        assert_eq!(c.key.age_band, AgeBand::Preschool);
        // 1 the day the first birthday comes, 0 the day before.
        let c = Contribution::of(&source(1, "2024-05-10", "2025-05-09", false, false)).unwrap();
        assert_eq!(c.key.age_band, AgeBand::Infant);
        let c = Contribution::of(&source(1, "2024-05-10", "2025-05-10", false, false)).unwrap();
        assert_eq!(c.key.age_band, AgeBand::One);
        // 65 on the birthday.
        let c = Contribution::of(&source(1, "1960-06-01", "2025-06-01", false, false)).unwrap();
        assert_eq!(c.key.age_band, AgeBand::Elderly);
        let c = Contribution::of(&source(1, "1960-06-01", "2025-05-31", false, false)).unwrap();
        assert_eq!(c.key.age_band, AgeBand::Adult);
    }

    #[test]
    fn erroneous_records_and_unknown_persons_are_not_counted() {
        assert_eq!(
            Contribution::of(&source(1, "2020-01-01", "2021-01-01", true, true)),
            None
        );
        let mut s = source(1, "2020-01-01", "2021-01-01", false, true);
        s.birth = None;
        assert_eq!(Contribution::of(&s), None);
    }

    #[test]
    fn a_record_that_moves_moves_its_count() {
        let before = Contribution::of(&source(1, "2020-01-01", "2021-01-01", false, false));
        let after = Contribution::of(&source(1, "2020-01-01", "2021-02-01", false, true));
        let mut d = Deltas::new();
        deltas(before.as_ref(), after.as_ref(), &mut d);
        let moved: Vec<i64> = d.values().copied().collect();
        assert_eq!(moved.iter().sum::<i64>(), 1);
        assert_eq!(d.len(), 3);
        let mut none = Deltas::new();
        deltas(after.as_ref(), after.as_ref(), &mut none);
        assert!(none.is_empty());
    }

    proptest! {
        /// Applying each record's changes one after another gives what
        /// counting the last versions whole gives.
        #[test]
        fn incremental_counts_equal_counting_whole(
            changes in proptest::collection::vec((0u32..20, 0i64..800, any::<bool>(), any::<bool>()), 0..80)
        ) {
            let mut current: BTreeMap<u32, Contribution> = BTreeMap::new();
            let mut cells = Deltas::new();
            for (n, offset, erroneous, q) in changes {
                let date = d("2024-01-01") + chrono::TimeDelta::days(offset);
                let new = Contribution::of(&source(n, "2023-06-15", &crate::calendar::date_text(date), erroneous, q));
                deltas(current.get(&n), new.as_ref(), &mut cells);
                match new {
                    Some(c) => { current.insert(n, c); }
                    None => { current.remove(&n); }
                }
            }
            let whole: Vec<Cell> = count(&current.values().cloned().collect::<Vec<_>>());
            let incremental: Vec<Cell> = cells.into_iter().map(|((mart, key), count)| Cell { mart, key, count, vaccinated: 0 }).collect();
            prop_assert_eq!(incremental, whole);
        }
    }
}
