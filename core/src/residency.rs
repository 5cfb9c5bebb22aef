//! Residency history (住民記録の異動履歴) and where a person lives on a date
//! (SPEC §3).

use chrono::NaiveDate;
use thiserror::Error;

use crate::identifiers::MunicipalityCode;

/// Why a residency history was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResidencyError {
    /// An interval whose end is not after its start.
    #[error(
        "residency interval in {municipality} from {from} to {to} does not end after it starts"
    )]
    InvalidInterval {
        /// The municipality of the interval.
        municipality: MunicipalityCode,
        /// First day of residence.
        from: NaiveDate,
        /// First day no longer resident.
        to: NaiveDate,
    },
    /// Two intervals that share a day: a person lives in one place at a time.
    #[error("residency intervals overlap: {first} and {second}")]
    OverlappingResidency {
        /// The earlier interval.
        first: ResidencyInterval,
        /// The interval that starts before the earlier one ends.
        second: ResidencyInterval,
    },
}

impl ResidencyError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ResidencyError::InvalidInterval { .. } => "invalid_interval",
            ResidencyError::OverlappingResidency { .. } => "overlapping_residency",
        }
    }
}

/// One period of residence `[from, to)` in a municipality: `to` is the first
/// day no longer resident (転出日), absent while still resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ResidencyInterval {
    /// The municipality of residence.
    pub municipality: MunicipalityCode,
    /// First day of residence (転入日).
    pub from: NaiveDate,
    /// First day no longer resident; `None` while resident.
    pub to: Option<NaiveDate>,
}

impl ResidencyInterval {
    /// Whether the person lives here on `date`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date < to)
    }
}

impl std::fmt::Display for ResidencyInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to {
            Some(to) => write!(f, "{} [{}, {})", self.municipality, self.from, to),
            None => write!(f, "{} [{}, …)", self.municipality, self.from),
        }
    }
}

/// Where a person stands with a municipality on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResidenceStatus {
    /// 住民: an interval in the municipality contains the date.
    Current,
    /// 転出者: not resident, but an interval there started before the date.
    Former,
    /// Never lived there (up to the date).
    Never,
}

/// A validated residency history: intervals sorted by start, each ending
/// after it starts, none overlapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResidencyHistory {
    intervals: Vec<ResidencyInterval>,
}

impl ResidencyHistory {
    /// Validates and sorts the intervals (given in any order).
    pub fn new(mut intervals: Vec<ResidencyInterval>) -> Result<Self, ResidencyError> {
        for i in &intervals {
            if let Some(to) = i.to {
                if to <= i.from {
                    return Err(ResidencyError::InvalidInterval {
                        municipality: i.municipality,
                        from: i.from,
                        to,
                    });
                }
            }
        }
        intervals.sort_by_key(|i| (i.from, i.to.is_none(), i.to, i.municipality));
        for pair in intervals.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.to.is_none_or(|to| to > b.from) {
                return Err(ResidencyError::OverlappingResidency {
                    first: a,
                    second: b,
                });
            }
        }
        Ok(ResidencyHistory { intervals })
    }

    /// The intervals, sorted by start.
    pub fn intervals(&self) -> &[ResidencyInterval] {
        &self.intervals
    }

    /// The person's standing with `municipality` on `date`.
    pub fn status(&self, municipality: MunicipalityCode, date: NaiveDate) -> ResidenceStatus {
        let mut former = false;
        for i in self
            .intervals
            .iter()
            .filter(|i| i.municipality == municipality)
        {
            if i.contains(date) {
                return ResidenceStatus::Current;
            }
            former |= i.from < date;
        }
        if former {
            ResidenceStatus::Former
        } else {
            ResidenceStatus::Never
        }
    }

    /// The municipality of residence on `date` — the one responsible for a
    /// vaccination given that day — if any.
    pub fn municipality_on(&self, date: NaiveDate) -> Option<MunicipalityCode> {
        self.intervals
            .iter()
            .find(|i| i.contains(date))
            .map(|i| i.municipality)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(m: &str, from: &str, to: Option<&str>) -> ResidencyInterval {
        let d = |s: &str| crate::calendar::parse_date(s).expect("date");
        ResidencyInterval {
            municipality: MunicipalityCode::parse(m).expect("code"),
            from: d(from),
            to: to.map(d),
        }
    }

    #[test]
    fn validation() {
        let ok = ResidencyHistory::new(vec![
            iv("131016", "2020-04-01", None),
            iv("011002", "2010-01-01", Some("2020-04-01")),
        ]);
        assert_eq!(ok.map(|h| h.intervals().len()), Ok(2));
        let err = |v| ResidencyHistory::new(v).map_err(|e| e.code());
        assert_eq!(
            err(vec![iv("131016", "2020-01-01", Some("2020-01-01"))]),
            Err("invalid_interval")
        );
        assert_eq!(
            err(vec![
                iv("131016", "2010-01-01", None),
                iv("011002", "2020-01-01", Some("2021-01-01"))
            ]),
            Err("overlapping_residency")
        );
        assert_eq!(
            err(vec![
                iv("131016", "2010-01-01", Some("2012-01-01")),
                iv("011002", "2010-01-01", Some("2011-01-01"))
            ]),
            Err("overlapping_residency")
        );
    }
}
