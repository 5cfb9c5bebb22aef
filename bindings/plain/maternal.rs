//! Maternal and child health data (H-7) as it crosses: the data sets'
//! declarations, uploaded files' reports (with the refused rows as a file
//! to correct), interface files' registration results, stored rows.
//! Written once for every binding.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::maternal::{catalog, interface::RegistrationResult, DataSet, ItemType};
use sesshu_core::service;
use sesshu_core::store::StoredMaternalRow;

use super::export;

/// One item of a data set.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalItem {
    pub name: String,
    pub label: String,
    /// `date`, `integer`, `measure`, `code` or `text`.
    pub item_type: String,
    pub unit: Option<String>,
    pub required: bool,
    /// For integers and measures: the plausible range, as text.
    pub minimum: Option<String>,
    pub maximum: Option<String>,
    /// For codes: `value=label` for each.
    pub codes: Vec<String>,
}

fn bounds(ty: ItemType) -> (Option<String>, Option<String>) {
    let measure = sesshu_core::maternal::format_measure;
    match ty {
        ItemType::Integer { min, max } => (Some(min.to_string()), Some(max.to_string())),
        ItemType::Measure { scale, min, max } => {
            (Some(measure(min, scale)), Some(measure(max, scale)))
        }
        _ => (None, None),
    }
}

/// A data set (母子保健・健診情報) as declared.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalDataSet {
    pub name: String,
    pub label: String,
    pub interface: String,
    pub template: String,
    /// The items after `subject_number`, in file order.
    pub items: Vec<MaternalItem>,
    /// The items that, with the subject number, make a row the same row.
    pub key: Vec<String>,
}

fn data_set_out(d: &DataSet) -> MaternalDataSet {
    MaternalDataSet {
        name: d.name.to_owned(),
        label: d.label.to_owned(),
        interface: d.interface.to_owned(),
        template: d.template.to_owned(),
        items: d
            .items
            .iter()
            .map(|i| MaternalItem {
                name: i.name.to_owned(),
                label: i.label.to_owned(),
                item_type: match i.ty {
                    ItemType::Date => "date",
                    ItemType::Integer { .. } => "integer",
                    ItemType::Measure { .. } => "measure",
                    ItemType::Code(_) => "code",
                    ItemType::Text { .. } => "text",
                }
                .to_owned(),
                unit: i.unit.map(str::to_owned),
                required: i.required,
                minimum: bounds(i.ty).0,
                maximum: bounds(i.ty).1,
                codes: match i.ty {
                    ItemType::Code(codes) => codes
                        .iter()
                        .map(|c| format!("{}={}", c.value, c.label))
                        .collect(),
                    _ => Vec::new(),
                },
            })
            .collect(),
        key: d.key.iter().map(|k| (*k).to_owned()).collect(),
    }
}

/// The thirteen data sets.
#[export]
pub fn maternal_data_sets() -> Vec<MaternalDataSet> {
    catalog::ALL.iter().map(|d| data_set_out(d)).collect()
}

/// A refused row of an upload.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalRefusal {
    pub row: i64,
    pub column: Option<String>,
    pub code: String,
    pub reason: String,
    /// The row's values as given, in the data set's column order.
    pub original: Vec<String>,
}

/// What an upload did (or, for a dry run, would do).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalUpload {
    pub data_set: String,
    pub dry_run: bool,
    pub rows: i64,
    pub registered: i64,
    pub unchanged: i64,
    pub refused: Vec<MaternalRefusal>,
    /// The refused rows as a CSV to correct and upload again (UTF-8 with
    /// BOM; empty when nothing was refused).
    pub errors_csv: String,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An upload's report, with its errors file, in plain form.
pub fn upload_out(up: service::MaternalUpload, errors_csv: Vec<u8>) -> MaternalUpload {
    MaternalUpload {
        data_set: up.data_set.name.to_owned(),
        dry_run: up.dry_run,
        rows: count(up.rows),
        registered: count(up.registered),
        unchanged: count(up.unchanged),
        errors_csv: if up.refused.is_empty() {
            String::new()
        } else {
            String::from_utf8_lossy(&errors_csv).into_owned()
        },
        refused: up
            .refused
            .into_iter()
            .map(|r| MaternalRefusal {
                row: count(r.row),
                column: r.column,
                code: r.code,
                reason: r.reason,
                original: r.original,
            })
            .collect(),
    }
}

/// An upload and its errors file (UTF-8), as every binding returns them.
pub fn upload(
    s: &service::Sesshu,
    actor: &service::Actor,
    data_set: &str,
    data: &[u8],
    encoding: service::CsvEncoding,
    dry_run: bool,
) -> Result<(service::MaternalUpload, Vec<u8>), sesshu_core::Error> {
    let up = s.upload_maternal_csv(actor, data_set, data, encoding, dry_run)?;
    let errors = s.maternal_errors_csv(&up, service::ExportOptions::default())?;
    Ok((up, errors))
}

/// [`upload_out`] of the pair [`upload`] returns.
pub fn upload_pair_out((up, errors): (service::MaternalUpload, Vec<u8>)) -> MaternalUpload {
    upload_out(up, errors)
}

/// A refused row of a received file.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalRefusedRow {
    pub position: i64,
    pub item: Option<String>,
    pub code: String,
    pub reason: String,
}

/// The registration result of a received file (登録結果返却).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalRegistration {
    pub interface: String,
    pub data_set: String,
    pub municipality: String,
    pub received: i64,
    pub registered: i64,
    pub unchanged: i64,
    pub refused: Vec<MaternalRefusedRow>,
    /// The result as the JSON sent back.
    pub json: String,
}

/// A registration result in plain form.
pub fn registration_out(r: RegistrationResult) -> MaternalRegistration {
    MaternalRegistration {
        json: r.to_json(),
        interface: r.interface,
        data_set: r.data_set,
        municipality: r.municipality,
        received: count(r.received),
        registered: count(r.registered),
        unchanged: count(r.unchanged),
        refused: r
            .refused
            .into_iter()
            .map(|x| MaternalRefusedRow {
                position: count(x.position),
                item: x.item,
                code: x.code,
                reason: x.reason,
            })
            .collect(),
    }
}

/// A stored row of a data set.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MaternalRowOut {
    pub data_set: String,
    pub subject: String,
    /// The registering municipality.
    pub municipality: String,
    /// Each given item's text, by item name.
    pub values: HashMap<String, String>,
    pub updated_at: DateTime<Utc>,
}

/// Stored rows in plain form.
pub fn rows_out(rows: Vec<StoredMaternalRow>) -> Vec<MaternalRowOut> {
    rows.into_iter()
        .map(|r| MaternalRowOut {
            data_set: r.row.data_set.name.to_owned(),
            subject: r.row.subject.to_string(),
            municipality: r.municipality.to_string(),
            values: r
                .row
                .values
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            updated_at: r.updated_at,
        })
        .collect()
}
