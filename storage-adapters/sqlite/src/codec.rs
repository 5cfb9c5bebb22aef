//! Text forms of dates and instants in SQLite.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// An instant as fixed-width UTC text (text order is time order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<Utc>);

impl ToSql for Instant {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(
            self.0.to_rfc3339_opts(SecondsFormat::Micros, true),
        ))
    }
}

impl FromSql for Instant {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        DateTime::parse_from_rfc3339(s)
            .map(|t| Instant(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A date as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub NaiveDate);

impl ToSql for Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.format("%Y-%m-%d").to_string()))
    }
}

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        NaiveDate::parse_from_str(value.as_str()?, "%Y-%m-%d")
            .map(Day)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}
