//! The masters (H-8) and the zengin code-check master (H_081-027).

use crate::error::{fail, Result};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::date;
use crate::plain::masters::{diff_out, received_out, MasterDiff, ReceivedFile};
use crate::plain::masters::{import_out, row_out, upload_encoding, vial_out, zengin_out};
use crate::plain::masters::{MasterImport, MasterRowOut, VialLabel, ZenginState};
use crate::plain::records::file_options;
use crate::store::Sesshu;

#[uniffi::export]
impl Sesshu {
    /// Uploads a master's CSV file (`encoding`: `utf8` or `shift_jis`): the
    /// counts and the refused rows; with `dry_run` nothing is written.
    pub fn import_master_csv(
        &self,
        actor: Actor,
        kind: String,
        data: Vec<u8>,
        encoding: Option<String>,
        dry_run: bool,
    ) -> Result<MasterImport> {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding.as_deref())?);
        self.inner
            .import_master_csv(&a, &kind, &data, encoding, dry_run)
            .map(import_out)
            .map_err(fail)
    }

    /// Every version of every row of a master.
    pub fn master_rows(&self, actor: Actor, kind: String) -> Result<Vec<MasterRowOut>> {
        let rows = self
            .inner
            .master_rows(&actor_in(&actor)?, &kind)
            .map_err(fail)?;
        Ok(rows.into_iter().map(row_out).collect())
    }

    /// The version of one row valid on `day` (`key`: the key columns'
    /// values in key order), or null.
    pub fn master_row_as_of(
        &self,
        actor: Actor,
        kind: String,
        key: Vec<String>,
        day: String,
    ) -> Result<Option<MasterRowOut>> {
        let key: Vec<&str> = key.iter().map(String::as_str).collect();
        let row = self
            .inner
            .master_row_as_of(&actor_in(&actor)?, &kind, &key, date(&day)?)
            .map_err(fail)?;
        Ok(row.map(row_out))
    }

    /// Downloads a master in its upload layout, as CSV bytes.
    pub fn export_master_csv(
        &self,
        actor: Actor,
        kind: String,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> Result<Vec<u8>> {
        let options = file_options(&encoding, &replacement)?;
        let mut out = Vec::new();
        self.inner
            .export_master_csv(&actor_in(&actor)?, &kind, &mut out, options)
            .map_err(fail)?;
        Ok(out)
    }

    /// Replaces the zengin master whole with a CSV file; the contents in
    /// use become the backup.
    pub fn zengin_load(
        &self,
        actor: Actor,
        data: Vec<u8>,
        source: String,
        encoding: Option<String>,
    ) -> Result<ZenginState> {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding.as_deref())?);
        let file = sesshu_core::zengin::ZenginFile::from_csv(&data, encoding).map_err(fail)?;
        let r = self.inner.zengin_load(&a, file, &source).map_err(fail)?;
        Ok(zengin_out(r.changed, r.status))
    }

    /// Restores the zengin master's backup.
    pub fn zengin_rollback(&self, actor: Actor) -> Result<ZenginState> {
        let r = self
            .inner
            .zengin_rollback(&actor_in(&actor)?)
            .map_err(fail)?;
        Ok(zengin_out(r.changed, r.status))
    }

    /// The zengin master's load in use and its backup.
    pub fn zengin_status(&self) -> Result<ZenginState> {
        let s = self.inner.zengin_status().map_err(fail)?;
        Ok(zengin_out(false, s))
    }

    /// Checks a bank account as an application does: its fields, the
    /// holder name, and the bank and branch against the stored zengin
    /// master; returns, or throws the refusal.
    pub fn check_bank_account(&self, account: crate::plain::rules::BankAccountDraft) -> Result<()> {
        let d = crate::plain::rules::draft(&account)?;
        let rules = sesshu_core::identifiers::HolderNameRules::default();
        self.inner
            .check_bank_account(&d, &rules)
            .map(|_| ())
            .map_err(fail)
    }

    /// The zengin check of a bank and branch code against the stored
    /// master: returns, or throws (`unknown_bank_code`, …).
    pub fn zengin_check(&self, bank: String, branch: String) -> Result<()> {
        self.inner.zengin_check(&bank, &branch).map_err(fail)
    }

    /// A scanned vial label (GS1) resolved through the GTIN master for a
    /// vaccination on `day`; an expired lot throws `lot_expired`.
    pub fn resolve_vial_label(&self, label: String, day: String) -> Result<VialLabel> {
        let v = self
            .inner
            .resolve_vial_label(&label, date(&day)?)
            .map_err(fail)?;
        Ok(vial_out(v))
    }

    /// Receives a day's files from the collective-contract and online
    /// eligibility systems: `files` maps each file's name
    /// (`H_087-001_20261201.csv`) to its bytes.
    pub fn receive_masters(
        &self,
        actor: Actor,
        files: std::collections::HashMap<String, Vec<u8>>,
    ) -> Result<Vec<ReceivedFile>> {
        let files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        let r = self
            .inner
            .receive_masters(&actor_in(&actor)?, &files)
            .map_err(fail)?;
        Ok(r.into_iter().map(received_out).collect())
    }

    /// The batch of master differences for `receiver` not yet acknowledged
    /// (again), or a new one of at most `limit` rows; null when nothing
    /// changed.
    pub fn pull_master_diff(
        &self,
        actor: Actor,
        receiver: String,
        limit: u32,
    ) -> Result<Option<MasterDiff>> {
        let d = self
            .inner
            .pull_master_diff(&actor_in(&actor)?, &receiver, limit as usize)
            .map_err(fail)?;
        Ok(d.map(diff_out))
    }

    /// Acknowledges a batch of differences; false when it was already.
    pub fn ack_master_diff(&self, actor: Actor, batch: String) -> Result<bool> {
        self.inner
            .ack_master_diff(&actor_in(&actor)?, &batch)
            .map_err(fail)
    }
}
