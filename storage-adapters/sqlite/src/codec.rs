//! Text forms of dates and instants in SQLite: `YYYY-MM-DD` and fixed-width
//! UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ` (text order is time order). Both are
//! written and read on every row, so the fixed forms are done by hand;
//! anything else falls back to chrono's parsers.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// An instant as fixed-width UTC text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<Utc>);

/// A date as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub NaiveDate);

/// The stored text of a date.
pub fn day_text(d: NaiveDate) -> String {
    sesshu_core::calendar::date_text(d)
}

/// The stored text of an instant.
pub fn instant_text(t: DateTime<Utc>) -> String {
    sesshu_core::calendar::utc_text(t)
}

/// Digits at `range` of `b` as a number, if all are ASCII digits.
fn digits(b: &[u8], range: std::ops::Range<usize>) -> Option<u32> {
    b.get(range)?.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn fixed_date(b: &[u8]) -> Option<NaiveDate> {
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(digits(b, 0..4)?).ok()?,
        digits(b, 5..7)?,
        digits(b, 8..10)?,
    )
}

fn fixed_instant(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 27 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'.' {
        return None;
    }
    if b[26] != b'Z' {
        return None;
    }
    let time = NaiveTime::from_hms_micro_opt(
        digits(b, 11..13)?,
        digits(b, 14..16)?,
        digits(b, 17..19)?,
        digits(b, 20..26)?,
    )?;
    Some(fixed_date(b)?.and_time(time).and_utc())
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, FromSqlError> {
    match fixed_instant(s) {
        Some(t) => Ok(t),
        None => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| FromSqlError::Other(Box::new(e))),
    }
}

fn parse_day(s: &str) -> Result<NaiveDate, FromSqlError> {
    match (s.len() == 10).then(|| fixed_date(s.as_bytes())).flatten() {
        Some(d) => Ok(d),
        None => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| FromSqlError::Other(Box::new(e)))
        }
    }
}

impl ToSql for Instant {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(instant_text(self.0)))
    }
}

impl FromSql for Instant {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        parse_instant(value.as_str()?).map(Instant)
    }
}

impl ToSql for Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(day_text(self.0)))
    }
}

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        parse_day(value.as_str()?).map(Day)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::SecondsFormat;

    #[test]
    fn the_fixed_forms_match_chrono() {
        for s in [
            "2025-04-01T03:00:00.000000Z",
            "1999-12-31T23:59:59.999999Z",
            "2024-02-29T00:00:00.123456Z",
        ] {
            let t = parse_instant(s).unwrap();
            assert_eq!(
                t,
                DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
            );
            assert_eq!(instant_text(t), s);
            assert_eq!(
                instant_text(t),
                t.to_rfc3339_opts(SecondsFormat::Micros, true)
            );
        }
        for s in ["2025-04-01", "0001-01-01", "9999-12-31"] {
            let d = parse_day(s).unwrap();
            assert_eq!(day_text(d), s);
            assert_eq!(d, NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        }
    }

    #[test]
    fn other_forms_fall_back_or_fail() {
        assert_eq!(
            parse_instant("2025-04-01T12:00:00+09:00").unwrap(),
            parse_instant("2025-04-01T03:00:00.000000Z").unwrap()
        );
        assert!(parse_instant("2025-02-30T00:00:00.000000Z").is_err());
        assert!(parse_instant("2025-04-01T0a:00:00.000000Z").is_err());
        assert!(parse_day("2025-13-01").is_err());
        assert!(parse_day("2025/04/01").is_err());
    }
}
