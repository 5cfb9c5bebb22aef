//! # Plain records, shared by every binding
//!
//! The bindings speak nearly the same form: codes and ids as text, every
//! refusal an error with the core's stable code. So the records that cross,
//! their conversions to and from the core's types, and the rule functions
//! over them are written once, here, and compiled into each binding crate
//! (`#[path]`), which provides under `crate::error`:
//!
//! - `Result<T>` — the binding's result (its error carries the code);
//! - `fail` (a core error) and `invalid` (a value of the wrong form);
//!
//! and sets the `binding` configuration in its build script (`"node"`,
//! `"uniffi"` or `"python"`), which picks `#[napi(object)]`,
//! `#[derive(uniffi::Record)]` or `#[pyclass]` for each record and
//! `#[napi]`, `#[uniffi::export]` or `#[pyfunction]` for each function.
//!
//! What differs by language is named here once: a calendar date ([`Day`])
//! is text `YYYY-MM-DD` for JavaScript and the apps but a `datetime.date`
//! for Python, and a sequence number or row version ([`Seq`]) is text where
//! numbers stop being exact at 2^53 but a Python `int`. Instants are the
//! core's `DateTime<Utc>` everywhere: napi-rs passes a `Date`, the uniffi
//! crate a custom type (`Timestamp`), pyo3 an aware `datetime` (ADR 0008,
//! ADR 0011).

use chrono::NaiveDate;

#[cfg(binding = "node")]
pub(crate) use napi_derive::napi as export;
#[cfg(binding = "python")]
pub(crate) use pyo3::pyfunction as export;
#[cfg(binding = "uniffi")]
pub(crate) use uniffi::export;

use crate::error::Result;

pub mod accounts;
pub mod bank_accounts;
pub mod certificates;
pub mod checkpoints;
pub mod marts;
pub mod masters;
pub mod maternal;
pub mod records;
pub mod rules;

/// A calendar date as it crosses: `YYYY-MM-DD`.
#[cfg(not(binding = "python"))]
pub type Day = String;
/// A calendar date as it crosses: `datetime.date`.
#[cfg(binding = "python")]
pub type Day = NaiveDate;

/// A sequence number or row version as it crosses: text, since either may
/// exceed 2^53.
#[cfg(not(binding = "python"))]
pub type Seq = String;
/// A sequence number or row version as it crosses: an `int`.
#[cfg(binding = "python")]
pub type Seq = i64;

/// The calendar date a [`Day`] names (`invalid_date` when the text is not one).
pub fn date(day: &Day) -> Result<NaiveDate> {
    read_date(day).map_err(crate::error::fail)
}

/// [`date`], with the core's error: for conversions that report refusals
/// item by item.
pub fn read_date(day: &Day) -> std::result::Result<NaiveDate, sesshu_core::Error> {
    #[cfg(not(binding = "python"))]
    return Ok(sesshu_core::calendar::parse_date(day)?);
    #[cfg(binding = "python")]
    return Ok(*day);
}

/// A calendar date as a [`Day`].
pub fn day(date: NaiveDate) -> Day {
    #[cfg(not(binding = "python"))]
    return date.to_string();
    #[cfg(binding = "python")]
    return date;
}

/// The sequence number a [`Seq`] names (`invalid_seq` when the text is not
/// one).
pub fn seq_in(seq: &Seq) -> Result<i64> {
    #[cfg(not(binding = "python"))]
    return seq.parse().map_err(|_| {
        crate::error::invalid("invalid_seq", format!("{seq:?} is not a sequence number"))
    });
    #[cfg(binding = "python")]
    return Ok(*seq);
}

/// A sequence number or version as a [`Seq`].
pub fn seq(n: i64) -> Seq {
    #[cfg(not(binding = "python"))]
    return n.to_string();
    #[cfg(binding = "python")]
    return n;
}
