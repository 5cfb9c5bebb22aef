//! The zengin code-check master (全銀協コードチェックマスタ): the loads in
//! use and in backup, and the one lookup every account check makes.

use super::StoreError;
use crate::identifiers::{BankCode, BranchCode};
use crate::zengin::{ZenginMatch, ZenginStatus};

/// The reads of the zengin master. Its writes are
/// [`Write::ReplaceZengin`](super::Write::ReplaceZengin) and
/// [`Write::RollbackZengin`](super::Write::RollbackZengin).
pub trait ZenginStore: Send + Sync {
    /// The load in use and the backup.
    fn zengin_status(&self) -> Result<ZenginStatus, StoreError>;
    /// Whether the bank, and the branch at it, are in the load in use.
    fn zengin_match(&self, bank: &BankCode, branch: &BranchCode)
        -> Result<ZenginMatch, StoreError>;
}
