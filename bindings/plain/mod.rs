//! # Plain records, shared by the Node and the Kotlin/Swift bindings
//!
//! Both bindings speak the same plain form: codes, ids and calendar dates
//! as text (`"YYYY-MM-DD"`), instants as the platform's own type, every
//! refusal an error with the core's stable code. So the records that cross,
//! their conversions to and from the core's types, and the rule functions
//! over them are written once, here, and compiled into each of the two
//! crates (`#[path]`), which differ only in what they provide under
//! `crate::error`:
//!
//! - `Result<T>` — the binding's result (its error carries the code);
//! - `fail` (a core error) and `invalid` (a value of the wrong form);
//! - `date` (text → calendar date);
//!
//! and in the `binding` configuration their build script sets (`"node"` or
//! `"uniffi"`), which picks `#[napi(object)]` or `#[derive(uniffi::Record)]`
//! for each record and `#[napi]` or `#[uniffi::export]` for each function.
//! Instants are the core's `DateTime<Utc>` in both: napi-rs passes them as
//! a `Date`, and the uniffi crate declares them a custom type (`Timestamp`).
//! Python keeps its own records: its dates, instants and decimals are
//! native objects, not text (ADR 0008).

#[cfg(binding = "node")]
pub(crate) use napi_derive::napi as export;
#[cfg(binding = "uniffi")]
pub(crate) use uniffi::export;

pub mod accounts;
pub mod certificates;
pub mod records;
pub mod rules;
