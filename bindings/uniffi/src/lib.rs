//! # sesshu for Kotlin and Swift (uniffi)
//!
//! One native library for both (tablet apps at vaccination sites). A thin
//! layer: records and objects in, the core's types and calls, records out.
//! Calendar dates are `"YYYY-MM-DD"` strings; instants are
//! `java.time.Instant` / `Date` (`SystemTime`). Every refusal is a
//! `SesshuException` of its kind (`Validation`, `Rule`, `NotFound`,
//! `NotAuthorized`, `Conflict`, `Storage`) carrying `code`, the stable
//! machine code, and `reason`. Calls are synchronous: apps call from background
//! dispatchers.

uniffi::setup_scaffolding!();

mod accounts;
mod bank_accounts;
mod error;
mod marts;
mod masters;
mod maternal;
#[path = "../../plain/mod.rs"]
mod plain;
mod questionnaires;
mod rules;
mod store;
