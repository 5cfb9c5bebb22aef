//! The monthly interface files (H_071-001_IF … 013_IF), JSON: which data
//! set, for which municipality, and its rows as objects of item → value.
//!
//! ```json
//! { "interface": "H_071-001_IF", "version": 1, "municipality": "131016",
//!   "rows": [ { "subject_number": "S0001", "exam_date": "2026-11-04", "judgment": "1" } ] }
//! ```
//!
//! A file of an unknown interface or another version is refused before any
//! row is read; the registration result (登録結果返却) goes back as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DataSet, MaternalError};
use crate::identifiers::MunicipalityCode;

/// The interface version this library reads.
pub const VERSION: i64 = 1;

/// A received file, before its rows are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceFile {
    /// Its data set.
    pub data_set: &'static DataSet,
    /// The municipality that sends it.
    pub municipality: MunicipalityCode,
    /// Each row's fields as (item, text), in file order.
    pub rows: Vec<Vec<(String, String)>>,
}

#[derive(Deserialize)]
struct Wire {
    interface: String,
    version: i64,
    municipality: String,
    rows: Vec<BTreeMap<String, serde_json::Value>>,
}

fn refused(reason: impl Into<String>) -> MaternalError {
    MaternalError::InterfaceRefused {
        reason: reason.into(),
    }
}

impl InterfaceFile {
    /// Reads a file: its interface known, its version [`VERSION`], its
    /// municipality a valid code; row values are text or numbers (`null`:
    /// absent).
    pub fn read(bytes: &[u8]) -> Result<Self, MaternalError> {
        let wire: Wire = serde_json::from_slice(bytes)
            .map_err(|e| refused(format!("not an interface file ({e})")))?;
        let data_set = DataSet::named(&wire.interface)
            .map_err(|_| refused(format!("unknown interface {:?}", wire.interface)))?;
        if data_set.interface != wire.interface {
            return Err(refused(format!(
                "{:?} names a data set, not an interface (expected {})",
                wire.interface, data_set.interface
            )));
        }
        if wire.version != VERSION {
            return Err(refused(format!(
                "version {} of {} is not read here (version {VERSION} is)",
                wire.version, wire.interface
            )));
        }
        let municipality = MunicipalityCode::parse(&wire.municipality)
            .map_err(|e| refused(format!("municipality: {e}")))?;
        let rows = wire
            .rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .filter_map(|(k, v)| match v {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(s) => Some((k, s)),
                        other => Some((k, other.to_string())),
                    })
                    .collect()
            })
            .collect();
        Ok(InterfaceFile {
            data_set,
            municipality,
            rows,
        })
    }
}

/// A refused row of a received file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedRow {
    /// Its position in `rows`, from 1.
    pub position: usize,
    /// The item refused, if one.
    pub item: Option<String>,
    /// The refusal's stable code.
    pub code: String,
    /// The refusal, for people.
    pub reason: String,
}

/// The registration result returned to the sender (登録結果返却).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistrationResult {
    /// The interface received.
    pub interface: String,
    /// Its data set.
    pub data_set: String,
    /// The sending municipality.
    pub municipality: String,
    /// Rows in the file.
    pub received: usize,
    /// Rows registered (new or changed).
    pub registered: usize,
    /// Valid rows already registered as they are.
    pub unchanged: usize,
    /// The refused rows.
    pub refused: Vec<RefusedRow>,
}

impl RegistrationResult {
    /// The result as the JSON sent back.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
