//! Fixtures shared by the benchmarks: deterministic people and records
//! shaped like the targets.

use chrono::{Days, NaiveDate};
use sesshu_core::{
    identifiers::MunicipalityCode,
    records::{Category, RecordFacts},
    residency::{ResidencyHistory, ResidencyInterval},
};

/// Real local government codes used by the fixtures.
pub const CODES: [&str; 5] = ["011002", "131016", "131041", "131130", "141003"];

/// The fixture municipality `i` (modulo the list).
pub fn municipality(i: usize) -> MunicipalityCode {
    MunicipalityCode::parse(CODES[i % CODES.len()]).unwrap_or_else(|_| unreachable!())
}

/// One person who moved `intervals - 1` times among the fixture
/// municipalities (one year each, the last still open), with `records`
/// records spread over those municipalities and categories.
pub fn person(intervals: usize, records: usize) -> (ResidencyHistory, Vec<RecordFacts>) {
    let start = NaiveDate::from_ymd_opt(2000, 4, 1).unwrap_or_default();
    let history = ResidencyHistory::new(
        (0..intervals)
            .map(|i| {
                let from = start + Days::new(365 * i as u64);
                ResidencyInterval {
                    municipality: municipality(i),
                    from,
                    to: (i + 1 < intervals).then(|| from + Days::new(365)),
                }
            })
            .collect(),
    )
    .unwrap_or_default();
    let records = (0..records)
        .map(|i| RecordFacts {
            responsible: municipality(i % intervals.max(1)),
            category: Category::ALL[i % 3],
            erroneous: i % 17 == 0,
        })
        .collect();
    (history, records)
}

/// The date the benchmarks evaluate on.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 1).unwrap_or_default()
}
