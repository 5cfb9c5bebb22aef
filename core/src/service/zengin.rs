//! The zengin code-check master (H_081-027): the monthly full replacement,
//! the rollback, the status, and the account check against the stored
//! master.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::identifiers::{BankCode, BranchCode};
use crate::store::{ChangeSet, Expected, Write};
use crate::zengin::{ZenginError, ZenginFile, ZenginStatus};
use crate::Error;

use super::{Actor, Sesshu};

/// What a load or a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZenginReport {
    /// Whether the master changed (a file identical to the one in use
    /// changes nothing: its backup stays).
    pub changed: bool,
    /// The master's state afterwards.
    pub status: ZenginStatus,
}

impl Sesshu {
    fn zengin_change(&self, actor: &Actor, write: Write) -> Result<(), Error> {
        self.store.commit(ChangeSet {
            writes: vec![write],
            log: vec![AccessLogDraft {
                at: self.now(),
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::ReplaceZengin,
                subject: None,
                record_ids: Vec::new(),
            }],
        })?;
        Ok(())
    }

    /// Replaces the zengin master whole with `file` (洗い替え): the load in
    /// use becomes the backup. `source` names the file in the status. A
    /// file with the same SHA-256 as the load in use changes nothing.
    pub fn zengin_load(
        &self,
        actor: &Actor,
        file: ZenginFile,
        source: &str,
    ) -> Result<ZenginReport, Error> {
        self.guard(actor, Operation::ReplaceZengin, Relation::Own)?;
        let status = self.store.zengin_status()?;
        if status
            .current
            .as_ref()
            .is_some_and(|c| c.sha256 == file.sha256)
        {
            return Ok(ZenginReport {
                changed: false,
                status,
            });
        }
        let expected = Expected::of(status.current.map(|c| c.generation));
        self.zengin_change(
            actor,
            Write::ReplaceZengin {
                file: Box::new(file),
                source: source.to_owned(),
                loaded_at: self.now(),
                expected,
            },
        )?;
        Ok(ZenginReport {
            changed: true,
            status: self.store.zengin_status()?,
        })
    }

    /// Restores the backup (切り戻し): it is in use again, and the load it
    /// replaces becomes the backup (so a second rollback undoes the first).
    pub fn zengin_rollback(&self, actor: &Actor) -> Result<ZenginReport, Error> {
        self.guard(actor, Operation::ReplaceZengin, Relation::Own)?;
        let status = self.store.zengin_status()?;
        let (Some(current), Some(_)) = (status.current, status.backup) else {
            return Err(ZenginError::NoBackup.into());
        };
        self.zengin_change(
            actor,
            Write::RollbackZengin {
                expected: Expected::Version(current.generation),
            },
        )?;
        Ok(ZenginReport {
            changed: true,
            status: self.store.zengin_status()?,
        })
    }

    /// The load in use and the backup, with their counts, load times and
    /// files' SHA-256.
    pub fn zengin_status(&self) -> Result<ZenginStatus, Error> {
        Ok(self.store.zengin_status()?)
    }

    /// Checks a bank account as an application does (SPEC §10): every
    /// field's form, the holder name in zengin characters (`rules`), and
    /// the bank and branch against the stored zengin master.
    pub fn check_bank_account(
        &self,
        draft: &crate::bank_account::BankAccountDraft,
        rules: &crate::identifiers::HolderNameRules,
    ) -> Result<crate::bank_account::BankAccount, Error> {
        let found = match (
            BankCode::parse(&draft.bank),
            BranchCode::parse(&draft.branch),
        ) {
            (Ok(bank), Ok(branch)) => Some(crate::zengin::Answered {
                bank,
                branch,
                found: self.store.zengin_match(&bank, &branch)?,
            }),
            _ => None,
        };
        // A code of the wrong form is refused by the rule before it asks.
        let directory: &dyn crate::identifiers::ZenginDirectory = match &found {
            Some(a) => a,
            None => &crate::identifiers::ZenginMaster::new(),
        };
        Ok(crate::bank_account::BankAccount::validate(
            draft, directory, rules,
        )?)
    }

    /// The zengin check of SPEC §10 against the stored master: the codes'
    /// form (`invalid_bank_code`, `invalid_branch_code`), then their
    /// existence (`unknown_bank_code`, `unknown_branch_code`). With nothing
    /// loaded every bank is unknown.
    pub fn zengin_check(&self, bank: &str, branch: &str) -> Result<(), Error> {
        let bank = BankCode::parse(bank)?;
        let branch = BranchCode::parse(branch)?;
        Ok(self
            .store
            .zengin_match(&bank, &branch)?
            .check(&bank, &branch)?)
    }
}
