//! The marts and the public dashboard (H-6) on the store. Each call
//! returns a Promise; a refusal rejects with an `Error` carrying `code`.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::{Code, Job};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::marts::{self as plain, MartCell, MartReport, PublishedFile};
use crate::plain::{date, Day};
use crate::store::Sesshu;
use sesshu_core::marts::export::MartFormat;

/// One binary file of the BI export: its name and bytes.
#[napi(object)]
pub struct MartFile {
    pub path: String,
    pub data: Buffer,
}

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// The marts' daily batch for `date` (the operator): the records
    /// changed since the last batch (every record when `full`) and the
    /// recommendations snapshot; a batch a crash stopped is finished first.
    #[napi(ts_return_type = "Promise<MartReport>")]
    pub fn build_marts(
        &self,
        actor: Actor,
        date: Day,
        full: Option<bool>,
    ) -> napi::Result<AsyncTask<Job<sesshu_core::service::MartReport, MartReport>>, Code> {
        let (a, d, s) = (
            actor_in(&actor)?,
            crate::plain::date(&date)?,
            self.inner.clone(),
        );
        let full = full.unwrap_or(false);
        Ok(Job::new(
            move || s.build_marts(&a, d, full),
            plain::report_out,
        ))
    }

    /// Every cell of a mart (`vaccinations`, `questionnaires`,
    /// `recommendations`), exact (MHLW, the operator).
    #[napi(ts_return_type = "Promise<Array<MartCell>>")]
    pub fn mart_cells(
        &self,
        actor: Actor,
        mart: String,
    ) -> napi::Result<AsyncTask<Job<Vec<sesshu_core::marts::Cell>, Vec<MartCell>>>, Code> {
        let (a, m, s) = (
            actor_in(&actor)?,
            plain::mart_in(&mart)?,
            self.inner.clone(),
        );
        Ok(Job::new(move || s.mart_cells(&a, m), plain::cells_out))
    }

    /// The marts as CSV files for a BI tool, exact.
    #[napi(ts_return_type = "Promise<Array<PublishedFile>>")]
    pub fn export_marts(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<Vec<(String, Vec<u8>)>, Vec<PublishedFile>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.export_marts(&a, MartFormat::Csv),
            plain::files_out,
        ))
    }

    /// The marts as Apache Parquet files for a BI tool, exact.
    #[napi(ts_return_type = "Promise<Array<MartFile>>")]
    pub fn export_marts_parquet(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<Vec<(String, Vec<u8>)>, Vec<MartFile>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.export_marts(&a, MartFormat::Parquet),
            |files| {
                files
                    .into_iter()
                    .map(|(path, bytes)| MartFile {
                        path,
                        data: Buffer::from(bytes),
                    })
                    .collect()
            },
        ))
    }

    /// The public dashboard of `day`: its page and downloads, every figure
    /// protected with `threshold` (10 by default).
    #[napi(ts_return_type = "Promise<Array<PublishedFile>>")]
    pub fn publish(
        &self,
        actor: Actor,
        day: Day,
        threshold: Option<u32>,
    ) -> napi::Result<AsyncTask<Job<Vec<(String, Vec<u8>)>, Vec<PublishedFile>>>, Code> {
        let (a, d, s) = (actor_in(&actor)?, date(&day)?, self.inner.clone());
        let k = u64::from(threshold.unwrap_or(10));
        Ok(Job::new(move || s.publish(&a, d, k), plain::files_out))
    }
}
