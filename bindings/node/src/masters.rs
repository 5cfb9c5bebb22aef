//! The masters (H-8) and the zengin code-check master (H_081-027). Store
//! work returns a Promise; a refusal rejects with an `Error` carrying `code`.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::masters::MasterRow;
use sesshu_core::service;

use crate::error::{fail, Code, Job};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::date;
use crate::plain::masters::{diff_out, received_out, MasterDiff, ReceivedFile};
use crate::plain::masters::{import_out, row_out, upload_encoding, vial_out, zengin_out};
use crate::plain::masters::{MasterImport, MasterRowOut, VialLabel, ZenginState};
use crate::plain::records::file_options;
use crate::store::Sesshu;

fn rows_out(rows: Vec<MasterRow>) -> Vec<MasterRowOut> {
    rows.into_iter().map(row_out).collect()
}

fn report_out(r: service::ZenginReport) -> ZenginState {
    zengin_out(r.changed, r.status)
}

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// Uploads a master's CSV file (`encoding`: `utf8` or `shift_jis`):
    /// resolves to the counts and the refused rows; with `dryRun` nothing
    /// is written.
    #[napi(ts_return_type = "Promise<MasterImport>")]
    pub fn import_master_csv(
        &self,
        actor: Actor,
        kind: String,
        data: Buffer,
        encoding: Option<String>,
        dry_run: Option<bool>,
    ) -> napi::Result<AsyncTask<Job<service::MasterImportReport, MasterImport>>, Code> {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding.as_deref())?);
        let (s, data, dry) = (self.inner.clone(), data.to_vec(), dry_run.unwrap_or(false));
        Ok(Job::new(
            move || s.import_master_csv(&a, &kind, &data, encoding, dry),
            import_out,
        ))
    }

    /// Every version of every row of a master.
    #[napi(ts_return_type = "Promise<Array<MasterRowOut>>")]
    pub fn master_rows(
        &self,
        actor: Actor,
        kind: String,
    ) -> napi::Result<AsyncTask<Job<Vec<MasterRow>, Vec<MasterRowOut>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.master_rows(&a, &kind), rows_out))
    }

    /// The version of one row valid on `day` (`key`: the key columns'
    /// values in key order), or null.
    #[napi(ts_return_type = "Promise<MasterRowOut | null>")]
    pub fn master_row_as_of(
        &self,
        actor: Actor,
        kind: String,
        key: Vec<String>,
        day: String,
    ) -> napi::Result<AsyncTask<Job<Option<MasterRow>, Option<MasterRowOut>>>, Code> {
        let (a, s, day) = (actor_in(&actor)?, self.inner.clone(), date(&day)?);
        Ok(Job::new(
            move || {
                let key: Vec<&str> = key.iter().map(String::as_str).collect();
                s.master_row_as_of(&a, &kind, &key, day)
            },
            |r| r.map(row_out),
        ))
    }

    /// Downloads a master in its upload layout, as CSV bytes.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn export_master_csv(
        &self,
        actor: Actor,
        kind: String,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let options = file_options(&encoding, &replacement)?;
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_master_csv(&a, &kind, &mut out, options)
                    .map(|_| out)
            },
            Buffer::from,
        ))
    }

    /// Replaces the zengin master whole with a CSV file; the contents in
    /// use become the backup.
    #[napi(ts_return_type = "Promise<ZenginState>")]
    pub fn zengin_load(
        &self,
        actor: Actor,
        data: Buffer,
        source: String,
        encoding: Option<String>,
    ) -> napi::Result<AsyncTask<Job<service::ZenginReport, ZenginState>>, Code> {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding.as_deref())?);
        let file = sesshu_core::zengin::ZenginFile::from_csv(&data, encoding).map_err(fail)?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.zengin_load(&a, file, &source),
            report_out,
        ))
    }

    /// Restores the zengin master's backup.
    #[napi(ts_return_type = "Promise<ZenginState>")]
    pub fn zengin_rollback(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<service::ZenginReport, ZenginState>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.zengin_rollback(&a), report_out))
    }

    /// The zengin master's load in use and its backup.
    #[napi(ts_return_type = "Promise<ZenginState>")]
    pub fn zengin_status(&self) -> AsyncTask<Job<sesshu_core::zengin::ZenginStatus, ZenginState>> {
        let s = self.inner.clone();
        Job::new(move || s.zengin_status(), |st| zengin_out(false, st))
    }

    /// Checks a bank account as an application does: its fields, the
    /// holder name, and the bank and branch against the stored zengin
    /// master; resolves, or rejects with the refusal's code.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn check_bank_account(
        &self,
        account: crate::plain::rules::BankAccountDraft,
    ) -> napi::Result<AsyncTask<Job<(), ()>>, Code> {
        let (d, s) = (crate::plain::rules::draft(&account)?, self.inner.clone());
        let rules = sesshu_core::identifiers::HolderNameRules::default();
        Ok(Job::new(
            move || s.check_bank_account(&d, &rules).map(|_| ()),
            |()| (),
        ))
    }

    /// The zengin check of a bank and branch code against the stored
    /// master: resolves, or rejects (`unknown_bank_code`, …).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn zengin_check(&self, bank: String, branch: String) -> AsyncTask<Job<(), ()>> {
        let s = self.inner.clone();
        Job::new(move || s.zengin_check(&bank, &branch), |()| ())
    }

    /// A scanned vial label (GS1) resolved through the GTIN master for a
    /// vaccination on `day`; an expired lot rejects with `lot_expired`.
    #[napi(ts_return_type = "Promise<VialLabel>")]
    pub fn resolve_vial_label(
        &self,
        label: String,
        day: String,
    ) -> napi::Result<AsyncTask<Job<service::VialLabel, VialLabel>>, Code> {
        let (s, day) = (self.inner.clone(), date(&day)?);
        Ok(Job::new(
            move || s.resolve_vial_label(&label, day),
            vial_out,
        ))
    }

    /// Receives a day's files from the collective-contract and online
    /// eligibility systems: `files` maps each file's name
    /// (`H_087-001_20261201.csv`) to its bytes.
    #[napi(ts_return_type = "Promise<Array<ReceivedFile>>")]
    pub fn receive_masters(
        &self,
        actor: Actor,
        files: std::collections::HashMap<String, Buffer>,
    ) -> napi::Result<AsyncTask<Job<Vec<service::ReceivedFile>, Vec<ReceivedFile>>>, Code> {
        let a = actor_in(&actor)?;
        let files: Vec<(String, Vec<u8>)> =
            files.into_iter().map(|(n, b)| (n, b.to_vec())).collect();
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.receive_masters(&a, &files),
            |r| r.into_iter().map(received_out).collect(),
        ))
    }

    /// The batch of master differences for `receiver` not yet acknowledged
    /// (again), or a new one of at most `limit` rows; null when nothing
    /// changed.
    #[napi(ts_return_type = "Promise<MasterDiff | null>")]
    pub fn pull_master_diff(
        &self,
        actor: Actor,
        receiver: String,
        limit: Option<u32>,
    ) -> napi::Result<AsyncTask<Job<Option<service::MasterDiff>, Option<MasterDiff>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let limit = limit.map_or(10_000, |l| l as usize);
        Ok(Job::new(
            move || s.pull_master_diff(&a, &receiver, limit),
            |d| d.map(diff_out),
        ))
    }

    /// Acknowledges a batch of differences; false when it was already.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn ack_master_diff(
        &self,
        actor: Actor,
        batch: String,
    ) -> napi::Result<AsyncTask<Job<bool, bool>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.ack_master_diff(&a, &batch), |b| b))
    }
}
