//! The marts and the public dashboard (H-6) on the store.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sesshu_core::marts::export::MartFormat;

use crate::plain::accounts::{actor_in, Actor};
use crate::plain::marts::{self as plain, MartCell, MartReport, PublishedFile};
use crate::plain::{date, Day};
use crate::store::Sesshu;

/// One binary file of the BI export: its name and bytes.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct MartFile {
    pub path: String,
    pub data: Py<PyBytes>,
}

#[pymethods]
impl Sesshu {
    /// The marts' daily batch for `date` (the operator): the records
    /// changed since the last batch (every record when `full`) and the
    /// recommendations snapshot; a batch a crash stopped is finished first.
    #[pyo3(signature = (actor, date, *, full=false))]
    fn build_marts(
        &self,
        py: Python<'_>,
        actor: Actor,
        date: Day,
        full: bool,
    ) -> PyResult<MartReport> {
        let (a, d) = (actor_in(&actor)?, crate::plain::date(&date)?);
        self.run(py, |s| s.build_marts(&a, d, full))
            .map(plain::report_out)
    }

    /// Every cell of a mart (`vaccinations`, `questionnaires`,
    /// `recommendations`), exact (MHLW, the operator).
    fn mart_cells(&self, py: Python<'_>, actor: Actor, mart: &str) -> PyResult<Vec<MartCell>> {
        let (a, m) = (actor_in(&actor)?, plain::mart_in(mart)?);
        self.run(py, |s| s.mart_cells(&a, m)).map(plain::cells_out)
    }

    /// The marts as CSV files for a BI tool, exact.
    fn export_marts(&self, py: Python<'_>, actor: Actor) -> PyResult<Vec<PublishedFile>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.export_marts(&a, MartFormat::Csv))
            .map(plain::files_out)
    }

    /// The marts as Apache Parquet files for a BI tool, exact.
    fn export_marts_parquet(&self, py: Python<'_>, actor: Actor) -> PyResult<Vec<MartFile>> {
        let a = actor_in(&actor)?;
        let files = self.run(py, |s| s.export_marts(&a, MartFormat::Parquet))?;
        Ok(files
            .into_iter()
            .map(|(path, bytes)| MartFile {
                path,
                data: PyBytes::new(py, &bytes).unbind(),
            })
            .collect())
    }

    /// The public dashboard of `date`: its page and downloads, every figure
    /// protected with `threshold`.
    #[pyo3(signature = (actor, day, *, threshold=10))]
    fn publish(
        &self,
        py: Python<'_>,
        actor: Actor,
        day: Day,
        threshold: u64,
    ) -> PyResult<Vec<PublishedFile>> {
        let (a, d) = (actor_in(&actor)?, date(&day)?);
        self.run(py, |s| s.publish(&a, d, threshold))
            .map(plain::files_out)
    }
}
