//! The masters (H-8) and the zengin code-check master as they cross:
//! declarations as records, rows as named text values with their validity
//! period, upload reports with their refused rows (ADR 0020: one surface
//! for every master, no class per master). Written once for every binding.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::masters::{ColumnType, MasterKind, MasterRow};
use sesshu_core::service::{self, CsvEncoding, ExportOptions};
use sesshu_core::zengin::{ZenginLoad, ZenginStatus};

use super::{day, export, Day};
use crate::error::{fail, Result};

/// One column of a master: its name, label, type and whether required.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MasterColumn {
    pub name: String,
    pub label: String,
    /// `text`, `key`, `digits`, `integer`, `yen`, `date`, `flag`,
    /// `choice`, `municipality`, `institution` or `gtin`.
    pub column_type: String,
    pub required: bool,
}

/// A declared master (マスタ): its name, label (ワクチン種別マスタ), owner,
/// columns and key.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MasterInfo {
    pub name: String,
    pub label: String,
    /// `mhlw`, `municipality`, `institution`, `federation` or `central`.
    pub owner: String,
    pub columns: Vec<MasterColumn>,
    pub key: Vec<String>,
}

fn type_name(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Text { .. } => "text",
        ColumnType::Key { .. } => "key",
        ColumnType::Digits { .. } => "digits",
        ColumnType::Integer { .. } => "integer",
        ColumnType::Yen => "yen",
        ColumnType::Date => "date",
        ColumnType::Flag => "flag",
        ColumnType::Choice(_) => "choice",
        ColumnType::Municipality => "municipality",
        ColumnType::Institution => "institution",
        ColumnType::Gtin => "gtin",
    }
}

fn info(k: &MasterKind) -> MasterInfo {
    MasterInfo {
        name: k.name.to_owned(),
        label: k.label.to_owned(),
        owner: k.owner.as_str().to_owned(),
        columns: k
            .columns
            .iter()
            .map(|c| MasterColumn {
                name: c.name.to_owned(),
                label: c.label.to_owned(),
                column_type: type_name(c.ty).to_owned(),
                required: c.required,
            })
            .collect(),
        key: k.key.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Every declared master.
#[export]
pub fn master_kinds() -> Vec<MasterInfo> {
    sesshu_core::masters::catalog::ALL
        .iter()
        .map(|k| info(k))
        .collect()
}

/// One version of a master row: its values as text by column (absent
/// values left out) and its validity period `[valid_from, valid_to)`.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MasterRowOut {
    pub kind: String,
    pub values: HashMap<String, String>,
    pub valid_from: Day,
    pub valid_to: Option<Day>,
}

/// A row in plain form.
pub fn row_out(r: MasterRow) -> MasterRowOut {
    MasterRowOut {
        kind: r.kind.name.to_owned(),
        values: r
            .values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.to_string()))
            .collect(),
        valid_from: day(r.valid_from),
        valid_to: r.valid_to.map(day),
    }
}

/// A refused row of an upload.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MasterRowError {
    pub row: i64,
    pub column: Option<String>,
    pub code: String,
    pub reason: String,
}

/// What an upload did (or, for a dry run, would do).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MasterImport {
    pub kind: String,
    pub dry_run: bool,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub errors: Vec<MasterRowError>,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An upload report in plain form.
pub fn import_out(r: service::MasterImportReport) -> MasterImport {
    MasterImport {
        kind: r.kind.to_owned(),
        dry_run: r.dry_run,
        created: count(r.created),
        updated: count(r.updated),
        unchanged: count(r.unchanged),
        errors: r
            .errors
            .into_iter()
            .map(|e| MasterRowError {
                row: count(e.row),
                column: e.column,
                code: e.code,
                reason: e.reason,
            })
            .collect(),
    }
}

/// An uploaded file's encoding: `utf8` (the default; a BOM is skipped) or
/// `shift_jis`.
pub fn upload_encoding(encoding: Option<&str>) -> Result<CsvEncoding> {
    Ok(ExportOptions::from_text(encoding, None)
        .map_err(fail)?
        .encoding)
}

/// One load of the zengin master.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct ZenginLoadInfo {
    pub generation: i64,
    pub sha256: String,
    pub source: String,
    pub loaded_at: DateTime<Utc>,
    pub banks: i64,
    pub branches: i64,
}

/// The zengin master's load in use and its backup.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct ZenginState {
    /// Whether the last load or rollback changed the master.
    pub changed: bool,
    pub current: Option<ZenginLoadInfo>,
    pub backup: Option<ZenginLoadInfo>,
}

fn load_out(l: ZenginLoad) -> ZenginLoadInfo {
    ZenginLoadInfo {
        generation: l.generation,
        sha256: l.sha256,
        source: l.source,
        loaded_at: l.loaded_at,
        banks: l.banks,
        branches: l.branches,
    }
}

/// The zengin master's state in plain form.
pub fn zengin_out(changed: bool, s: ZenginStatus) -> ZenginState {
    ZenginState {
        changed,
        current: s.current.map(load_out),
        backup: s.backup.map(load_out),
    }
}

/// A vial label resolved through the GTIN master.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct VialLabel {
    pub gtin: String,
    pub vaccine_type: String,
    pub product: String,
    pub maker: Option<String>,
    pub lot: Option<String>,
    pub expiry: Option<Day>,
}

/// A vial label in plain form.
pub fn vial_out(v: service::VialLabel) -> VialLabel {
    VialLabel {
        gtin: v.gtin,
        vaccine_type: v.vaccine_type,
        product: v.product,
        maker: v.maker,
        lot: v.lot,
        expiry: v.expiry.map(day),
    }
}

/// One received file and what became of it: `applied` (with its upload
/// report), `superseded` (by the file of `latest`), `ignored` (not a
/// received interface's file) or `refused` (`code`, `reason`).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct ReceivedFile {
    pub name: String,
    pub interface: Option<String>,
    pub day: Option<Day>,
    pub outcome: String,
    pub report: Option<MasterImport>,
    pub latest: Option<Day>,
    pub code: Option<String>,
    pub reason: Option<String>,
}

/// A received file in plain form.
pub fn received_out(f: service::ReceivedFile) -> ReceivedFile {
    use service::Receipt;
    let mut out = ReceivedFile {
        name: f.name,
        interface: f.interface.map(str::to_owned),
        day: f.day.map(day),
        outcome: String::new(),
        report: None,
        latest: None,
        code: None,
        reason: None,
    };
    match f.receipt {
        Receipt::Applied(r) => {
            out.outcome = "applied".into();
            out.report = Some(import_out(r));
        }
        Receipt::Superseded { latest } => {
            out.outcome = "superseded".into();
            out.latest = Some(day(latest));
        }
        Receipt::Refused { code, reason } => {
            out.outcome = "refused".into();
            out.code = Some(code.to_owned());
            out.reason = Some(reason);
        }
        _ => out.outcome = "ignored".into(),
    }
    out
}

/// A batch of master differences to send (H_088).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MasterDiff {
    pub batch: String,
    pub redelivery: bool,
    /// The interface (H_088-…) of each row, in the order of `rows`.
    pub interfaces: Vec<String>,
    pub rows: Vec<MasterRowOut>,
}

/// A batch of differences in plain form.
pub fn diff_out(d: service::MasterDiff) -> MasterDiff {
    MasterDiff {
        batch: d.batch,
        redelivery: d.redelivery,
        interfaces: d.rows.iter().map(|(i, _)| (*i).to_owned()).collect(),
        rows: d.rows.into_iter().map(|(_, r)| row_out(r)).collect(),
    }
}
