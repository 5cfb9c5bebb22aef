//! The marts and the public dashboard (H-6) as they cross: a batch's
//! report, the marts' cells, the files of an export or a publication, and
//! the suppression of a counts file as a function. Written once for every
//! binding.

#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::marts::{Cell, Mart};
use sesshu_core::service;

use super::{day, export, Day};
use crate::error::{fail, Result};

/// What a mart batch did (`build_marts`).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MartReport {
    pub date: Option<Day>,
    pub full: bool,
    /// A batch a crash had stopped was finished first.
    pub resumed: bool,
    pub records: i64,
    pub cells_changed: i64,
    /// Recommendation targets on the date, and of them the vaccinated.
    pub targets: i64,
    pub vaccinated: i64,
    pub steps: i64,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A batch's report in plain form.
pub fn report_out(r: service::MartReport) -> MartReport {
    MartReport {
        date: r.date.map(day),
        full: r.full,
        resumed: r.resumed,
        records: count(r.records),
        cells_changed: count(r.cells_changed),
        targets: r.targets.0,
        vaccinated: r.targets.1,
        steps: count(r.steps),
    }
}

/// One cell of a mart, exact.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct MartCell {
    /// `vaccinations`, `questionnaires` or `recommendations`.
    pub mart: String,
    pub date: Day,
    pub municipality: String,
    pub vaccine: String,
    pub dose: i64,
    /// `0`, `1`, `2-6`, `7-12`, `13-18`, `19-64`, `65+`.
    pub age_band: String,
    pub count: i64,
    pub vaccinated: i64,
}

/// Cells in plain form.
pub fn cells_out(cells: Vec<Cell>) -> Vec<MartCell> {
    cells
        .into_iter()
        .map(|c| MartCell {
            mart: c.mart.to_string(),
            date: day(c.key.date),
            municipality: c.key.municipality.to_string(),
            vaccine: c.key.vaccine.to_string(),
            dose: i64::from(c.key.dose),
            age_band: c.key.age_band.to_string(),
            count: c.count,
            vaccinated: c.vaccinated,
        })
        .collect()
}

/// The mart a name names (`unknown_mart` otherwise).
pub fn mart_in(name: &str) -> Result<Mart> {
    Mart::parse(name).map_err(|e| fail(sesshu_core::Error::from(e)))
}

/// One file of an export or a publication: its path (relative) and text.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct PublishedFile {
    pub path: String,
    pub content: String,
}

/// Files in plain form (every one is UTF-8 text).
pub fn files_out(files: Vec<(String, Vec<u8>)>) -> Vec<PublishedFile> {
    files
        .into_iter()
        .map(|(path, bytes)| PublishedFile {
            path,
            content: String::from_utf8_lossy(&bytes).into_owned(),
        })
        .collect()
}

/// Protects a counts file (a header of dimensions and `count`, a row per
/// cell at the finest level; `area` holds municipality codes) for public
/// release with threshold `threshold`: the published CSV with every
/// margin, counts from 1 to threshold−1 and their complements written `X`.
#[export]
pub fn protect_counts(csv: String, threshold: i64) -> Result<String> {
    let k = u64::try_from(threshold).unwrap_or(0);
    sesshu_core::disclosure::protect_csv(&csv, k).map_err(|e| fail(sesshu_core::Error::from(e)))
}
