//! # sesshu-core — the rules of municipal vaccination administration (予防接種事務)
//!
//! A pure, deterministic rules library: no I/O, no wall clock, no random
//! source. Every input is validated at the boundary into a typed value, and
//! every refusal is a typed error with a stable machine [`code`](Error::code).
//!
//! The areas, each a module named for the domain:
//!
//! | module | rule (see `shared/SPEC.md`) |
//! | --- | --- |
//! | [`identifiers`] | codes and numbers: 全国地方公共団体コード, 医療機関コード, GTIN, GS1, 全銀 bank data, passports (§2) |
//! | [`calendar`] | Japan dates, JST timestamps and 和暦 (§2) |
//! | [`organisation`] | organisation types and the roles they may grant (§1) |
//! | [`persons`] | persons subject to vaccination (接種対象者) |
//! | [`residency`] | residency history (住民記録の異動) and where a person lives on a date (§3) |
//! | [`records`] | vaccination records and who may see, certify and view them (§3) |
//! | [`certificate`] | 予防接種済証 form selection (§6) |
//! | [`delivery`] | records to deliver to a health-management system (§4) |
//! | [`questionnaire`] | 予診票 answers the medical institution changed (§5) |
//! | [`bank_account`] | medical institutions' bank-account applications and their attachments (§10) |
//! | [`maternal`] | maternal and child health data: thirteen data sets declared as data, rows, templates, interface files (§8) |
//! | [`notices`] | notices to categories of users, scheduled e-mail and the notice board (§12) |
//! | [`access_log`] | the tamper-evident access log (アクセスログ) (§13) |
//! | [`store`] | the storage traits and the atomic [`store::ChangeSet`] |
//! | [`service`] | the operations bindings forward to, over a store |
//! | [`masters`] | master data declared as data, with validity periods (§9) |
//! | [`zengin`] | the zengin code-check master, replaced whole with a backup (§9) |
//! | [`files`] | reading uploaded CSV files (UTF-8 or Shift_JIS) |
//! | [`accounts`] | first-administrator extraction, password policy, inactivity suspension (§14) |

pub mod access_log;
pub mod accounts;
pub mod authz;
pub mod bank_account;
pub mod calendar;
pub mod certificate;
pub mod checkpoint;
#[cfg(feature = "testing")]
pub mod conformance;
pub mod delivery;
pub mod disclosure;
mod error;
pub mod files;
pub mod identifiers;
mod macros;
pub mod marts;
pub mod masters;
pub mod maternal;
pub mod notices;
pub mod organisation;
pub mod outbox;
pub mod persons;
pub mod publication;
pub mod questionnaire;
pub mod records;
pub mod residency;
pub mod secrets;
pub mod service;
pub mod store;
mod text;
pub mod tokens;
pub mod zengin;

pub use error::{Error, ErrorKind};
