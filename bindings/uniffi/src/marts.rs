//! The marts and the public dashboard (H-6) on the store.

use crate::error::{fail, Result};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::marts::{self as plain, MartCell, MartReport, PublishedFile};
use crate::plain::{date, Day};
use crate::store::Sesshu;
use sesshu_core::marts::export::MartFormat;

/// One binary file of the BI export: its name and bytes.
#[derive(uniffi::Record)]
pub struct MartFile {
    pub path: String,
    pub data: Vec<u8>,
}

#[uniffi::export]
impl Sesshu {
    /// The marts' daily batch for `day` (the operator): the records changed
    /// since the last batch (every record when `full`) and the
    /// recommendations snapshot; a batch a crash stopped is finished first.
    pub fn build_marts(&self, actor: Actor, day: Day, full: bool) -> Result<MartReport> {
        self.inner
            .build_marts(&actor_in(&actor)?, date(&day)?, full)
            .map(plain::report_out)
            .map_err(fail)
    }

    /// Every cell of a mart (`vaccinations`, `questionnaires`,
    /// `recommendations`), exact (MHLW, the operator).
    pub fn mart_cells(&self, actor: Actor, mart: String) -> Result<Vec<MartCell>> {
        self.inner
            .mart_cells(&actor_in(&actor)?, plain::mart_in(&mart)?)
            .map(plain::cells_out)
            .map_err(fail)
    }

    /// The marts as CSV files for a BI tool, exact.
    pub fn export_marts(&self, actor: Actor) -> Result<Vec<PublishedFile>> {
        self.inner
            .export_marts(&actor_in(&actor)?, MartFormat::Csv)
            .map(plain::files_out)
            .map_err(fail)
    }

    /// The marts as Apache Parquet files for a BI tool, exact.
    pub fn export_marts_parquet(&self, actor: Actor) -> Result<Vec<MartFile>> {
        let files = self
            .inner
            .export_marts(&actor_in(&actor)?, MartFormat::Parquet)
            .map_err(fail)?;
        Ok(files
            .into_iter()
            .map(|(path, data)| MartFile { path, data })
            .collect())
    }

    /// The public dashboard of `day`: its page and downloads, every figure
    /// protected with `threshold`.
    pub fn publish(&self, actor: Actor, day: Day, threshold: u32) -> Result<Vec<PublishedFile>> {
        self.inner
            .publish(&actor_in(&actor)?, date(&day)?, u64::from(threshold))
            .map(plain::files_out)
            .map_err(fail)
    }
}
