//! The masters (H-8) and the zengin code-check master (H_081-027).

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::plain::accounts::{actor_in, Actor};
use crate::plain::masters::{self as plain, MasterDiff, MasterImport, MasterRowOut, ReceivedFile};
use crate::plain::masters::{VialLabel, ZenginState};
use crate::plain::records::file_options;
use crate::store::Sesshu;

#[pymethods]
impl Sesshu {
    /// Uploads a master's CSV file (bytes, `encoding` `utf8` or
    /// `shift_jis`): the refused rows by row, column and reason; the good
    /// rows land unless `dry_run`.
    #[pyo3(signature = (actor, kind, data, *, encoding=None, dry_run=false))]
    fn import_master_csv(
        &self,
        py: Python<'_>,
        actor: Actor,
        kind: &str,
        data: &[u8],
        encoding: Option<&str>,
        dry_run: bool,
    ) -> PyResult<MasterImport> {
        let (a, encoding) = (actor_in(&actor)?, plain::upload_encoding(encoding)?);
        self.run(py, |s| {
            s.import_master_csv(&a, kind, data, encoding, dry_run)
        })
        .map(plain::import_out)
    }

    /// Every version of every row of a master.
    fn master_rows(&self, py: Python<'_>, actor: Actor, kind: &str) -> PyResult<Vec<MasterRowOut>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.master_rows(&a, kind))
            .map(|rows| rows.into_iter().map(plain::row_out).collect())
    }

    /// The version of one row valid on `day` (`key`: the key columns'
    /// values in key order), or `None`.
    fn master_row_as_of(
        &self,
        py: Python<'_>,
        actor: Actor,
        kind: &str,
        key: Vec<String>,
        day: NaiveDate,
    ) -> PyResult<Option<MasterRowOut>> {
        let (a, key): (_, Vec<&str>) =
            (actor_in(&actor)?, key.iter().map(String::as_str).collect());
        self.run(py, |s| s.master_row_as_of(&a, kind, &key, day))
            .map(|r| r.map(plain::row_out))
    }

    /// Downloads a master in its upload layout, as CSV bytes.
    #[pyo3(signature = (actor, kind, *, encoding=None, replacement=None))]
    fn export_master_csv<'py>(
        &self,
        py: Python<'py>,
        actor: Actor,
        kind: &str,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (a, options) = (actor_in(&actor)?, file_options(&encoding, &replacement)?);
        let mut out = Vec::new();
        self.run(py, |s| s.export_master_csv(&a, kind, &mut out, options))?;
        Ok(PyBytes::new(py, &out))
    }

    /// Replaces the zengin master whole with a CSV file (bank_code,
    /// bank_name, bank_kana, branch_code, branch_name, branch_kana); the
    /// contents in use become the backup.
    #[pyo3(signature = (actor, data, source, *, encoding=None))]
    fn zengin_load(
        &self,
        py: Python<'_>,
        actor: Actor,
        data: &[u8],
        source: &str,
        encoding: Option<&str>,
    ) -> PyResult<ZenginState> {
        let (a, encoding) = (actor_in(&actor)?, plain::upload_encoding(encoding)?);
        let file = sesshu_core::zengin::ZenginFile::from_csv(data, encoding)
            .map_err(crate::error::to_py)?;
        self.run(py, |s| s.zengin_load(&a, file, source))
            .map(|r| plain::zengin_out(r.changed, r.status))
    }

    /// Restores the zengin master's backup.
    fn zengin_rollback(&self, py: Python<'_>, actor: Actor) -> PyResult<ZenginState> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.zengin_rollback(&a))
            .map(|r| plain::zengin_out(r.changed, r.status))
    }

    /// The zengin master's load in use and its backup.
    fn zengin_status(&self, py: Python<'_>) -> PyResult<ZenginState> {
        self.run(py, |s| s.zengin_status())
            .map(|st| plain::zengin_out(false, st))
    }

    /// Checks a bank account as an application does: its fields, the
    /// holder name, and the bank and branch against the stored zengin
    /// master; returns nothing, or raises.
    fn check_bank_account(
        &self,
        py: Python<'_>,
        account: crate::plain::rules::BankAccountDraft,
    ) -> PyResult<()> {
        let d = crate::plain::rules::draft(&account)?;
        let rules = sesshu_core::identifiers::HolderNameRules::default();
        self.run(py, |s| s.check_bank_account(&d, &rules))
            .map(|_| ())
    }

    /// The zengin check of a bank and branch code against the stored
    /// master: returns nothing, or raises (`unknown_bank_code`, …).
    fn zengin_check(&self, py: Python<'_>, bank: &str, branch: &str) -> PyResult<()> {
        self.run(py, |s| s.zengin_check(bank, branch))
    }

    /// A scanned vial label (GS1) resolved through the GTIN master for a
    /// vaccination on `day`; an expired lot raises `lot_expired`.
    fn resolve_vial_label(
        &self,
        py: Python<'_>,
        label: &str,
        day: NaiveDate,
    ) -> PyResult<VialLabel> {
        self.run(py, |s| s.resolve_vial_label(label, day))
            .map(plain::vial_out)
    }
}

#[pymethods]
impl Sesshu {
    /// Receives a day's files from the collective-contract and online
    /// eligibility systems: `files` maps each file's name
    /// (`H_087-001_20261201.csv`) to its bytes.
    fn receive_masters(
        &self,
        py: Python<'_>,
        actor: Actor,
        files: std::collections::BTreeMap<String, Vec<u8>>,
    ) -> PyResult<Vec<ReceivedFile>> {
        let a = actor_in(&actor)?;
        let files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        self.run(py, |s| s.receive_masters(&a, &files))
            .map(|r| r.into_iter().map(plain::received_out).collect())
    }

    /// The batch of master differences for `receiver` not yet acknowledged
    /// (again), or a new one of at most `limit` rows; `None` when nothing
    /// changed.
    #[pyo3(signature = (actor, receiver, *, limit=10_000))]
    fn pull_master_diff(
        &self,
        py: Python<'_>,
        actor: Actor,
        receiver: &str,
        limit: usize,
    ) -> PyResult<Option<MasterDiff>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.pull_master_diff(&a, receiver, limit))
            .map(|d| d.map(plain::diff_out))
    }

    /// Acknowledges a batch of differences; `False` when it was already.
    fn ack_master_diff(&self, py: Python<'_>, actor: Actor, batch: &str) -> PyResult<bool> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.ack_master_diff(&a, batch))
    }
}
