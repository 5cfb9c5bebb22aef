//! The zengin code-check master (全銀協コードチェックマスタ, H_081-027):
//! the banks and branches that exist, replaced whole once a month from a
//! file, with the previous contents kept as a backup (バックアップテーブル)
//! so a bad load can be rolled back (切り戻し).
//!
//! A file is read and checked here whole ([`ZenginFile`]) before a store
//! sees it, so a file that fails its checks changes nothing. Two layouts
//! are read: the open zengin-code data set (`banks.json` and
//! `branches/<bank>.json`, [`ZenginFile::from_dataset`]) and a CSV of the
//! same columns ([`CSV_COLUMNS`], [`ZenginFile::from_csv`]), which is also
//! the form the project ships its snapshot in (`data/zengin/`).
//!
//! The bank-account checks (SPEC §10) ask the stored master
//! ([`crate::store::ZenginStore::zengin_match`]).

mod file;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::identifiers::{BankCode, BranchCode, IdentifierError};

pub use file::CSV_COLUMNS;

/// A bank (金融機関) of the master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZenginBank {
    /// 金融機関コード.
    pub code: BankCode,
    /// 金融機関名.
    pub name: String,
    /// 金融機関名（カナ）.
    pub kana: String,
}

/// A branch (支店) of a bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZenginBranch {
    /// Its bank.
    pub bank: BankCode,
    /// 支店コード.
    pub code: BranchCode,
    /// 支店名.
    pub name: String,
    /// 支店名（カナ）.
    pub kana: String,
}

/// A zengin master file, read and checked: banks in code order, branches
/// in (bank, branch) order, no code twice, every branch's bank present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZenginFile {
    /// The banks.
    pub banks: Vec<ZenginBank>,
    /// The branches.
    pub branches: Vec<ZenginBranch>,
    /// The SHA-256 of the file (hex; for a data-set directory, of its
    /// files' names and bytes in name order).
    pub sha256: String,
    /// Files of a data set that were not read: branch files of banks that
    /// `banks.json` no longer lists (banks merged away).
    pub ignored: Vec<String>,
}

/// One load of the master, as status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZenginLoad {
    /// The load's number (1, 2, …; never reused).
    pub generation: i64,
    /// The file's SHA-256 (hex).
    pub sha256: String,
    /// The file's name as the operator gave it.
    pub source: String,
    /// When it was loaded.
    pub loaded_at: DateTime<Utc>,
    /// How many banks.
    pub banks: i64,
    /// How many branches.
    pub branches: i64,
}

/// The master's state: the contents in use and the backup a rollback
/// would restore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZenginStatus {
    /// In use (`None`: nothing loaded yet — every account check refuses).
    pub current: Option<ZenginLoad>,
    /// Kept for a rollback (`None`: nothing to roll back to).
    pub backup: Option<ZenginLoad>,
}

/// What the stored master says of a bank and branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZenginMatch {
    /// The branch exists at the bank.
    Known,
    /// The bank exists, the branch does not.
    UnknownBranch,
    /// The bank does not exist (or nothing is loaded).
    UnknownBank,
}

impl ZenginMatch {
    /// The zengin check as a result: `unknown_bank_code`, then
    /// `unknown_branch_code` (SPEC §10).
    pub fn check(self, bank: &BankCode, branch: &BranchCode) -> Result<(), IdentifierError> {
        match self {
            ZenginMatch::Known => Ok(()),
            ZenginMatch::UnknownBank => Err(IdentifierError::UnknownBankCode {
                bank: bank.to_string(),
            }),
            ZenginMatch::UnknownBranch => Err(IdentifierError::UnknownBranchCode {
                bank: bank.to_string(),
                branch: branch.to_string(),
            }),
        }
    }
}

/// The stored master's answer for one bank and branch, as a
/// [`ZenginDirectory`](crate::identifiers::ZenginDirectory) the
/// bank-account rules can ask (they ask about that pair only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    /// The bank asked about.
    pub bank: BankCode,
    /// The branch asked about.
    pub branch: BranchCode,
    /// What the master said.
    pub found: ZenginMatch,
}

impl crate::identifiers::ZenginDirectory for Answered {
    fn contains_bank(&self, bank: &BankCode) -> bool {
        *bank == self.bank && self.found != ZenginMatch::UnknownBank
    }

    fn contains_branch(&self, bank: &BankCode, branch: &BranchCode) -> bool {
        *bank == self.bank && *branch == self.branch && self.found == ZenginMatch::Known
    }
}

/// One problem of a refused file, named by row (or file) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// Where: `row 12` of a CSV, `branches/0001.json` of a data set.
    pub place: String,
    /// The column or field.
    pub column: Option<String>,
    /// The stable code.
    pub code: &'static str,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}, {c}: {} ({})", self.place, self.reason, self.code),
            None => write!(f, "{}: {} ({})", self.place, self.reason, self.code),
        }
    }
}

/// Why a zengin load or rollback was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ZenginError {
    /// The file could not be read at all.
    #[error("{0}")]
    File(#[from] crate::files::FileError),
    /// The file's rows failed their checks: nothing was loaded.
    #[error("the zengin file was refused, nothing changed: {} problem(s), first: {}", problems.len(), problems.first().map(ToString::to_string).unwrap_or_default())]
    Refused {
        /// The problems found (the first [`MAX_PROBLEMS`]).
        problems: Vec<FileProblem>,
    },
    /// A file with no bank.
    #[error("the zengin file holds no bank: nothing changed")]
    NoBanks,
    /// A rollback with no backup to restore.
    #[error("there is no backup of the zengin master to roll back to")]
    NoBackup,
}

/// At most this many problems are reported for one refused file.
pub const MAX_PROBLEMS: usize = 100;

impl ZenginError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ZenginError::File(e) => e.code(),
            ZenginError::Refused { .. } => "zengin_file_refused",
            ZenginError::NoBanks => "zengin_file_empty",
            ZenginError::NoBackup => "no_zengin_backup",
        }
    }
}
