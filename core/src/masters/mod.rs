//! Master data (マスタ, H-8) declared as data: each master is one
//! [`MasterKind`] — its columns and their types, its key, its owner — and
//! one set of rules reads, checks and dates the rows of every master
//! ([`MasterKind::parse_row`], [`history`]). A new master is a declaration in
//! [`catalog`], not a struct, a service and SQL of its own (ADR 0020).
//!
//! Rows carry a validity period (適用開始日 / 適用終了日, `[valid_from,
//! valid_to)`), so a certificate or a mart reads a master as of the
//! vaccination date ([`as_of`]).

pub mod catalog;
pub mod exchange;
mod row;

use thiserror::Error;

pub use row::{as_of, history, MasterRow, Value};

/// Who maintains a master: only its owner writes it (SPEC §9); everyone
/// it concerns reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// 厚生労働省: the national masters.
    Mhlw,
    /// A municipality, its own rows (keyed by its code).
    Municipality,
    /// A medical institution, its own record (a federation may register
    /// those of its member institutions).
    Institution,
    /// A federation (医師会等), its information and member institutions.
    Federation,
    /// The central association (国保中央会).
    Central,
}

impl Owner {
    /// The owner's stable name (`mhlw`, `municipality`, `institution`,
    /// `federation`, `central`), as commands, bindings and docs show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Mhlw => "mhlw",
            Owner::Municipality => "municipality",
            Owner::Institution => "institution",
            Owner::Federation => "federation",
            Owner::Central => "central",
        }
    }
}

/// The type of a column: how its text is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text of 1 to `max` characters (after NFKC), no control characters.
    Text {
        /// At most this many characters.
        max: usize,
    },
    /// A code of 1 to `max` letters, digits, `-` or `_` (a vaccine type's
    /// code, say).
    Key {
        /// At most this many characters.
        max: usize,
    },
    /// Exactly `len` ASCII digits (a code kept as text: leading zeros count).
    Digits {
        /// How many.
        len: usize,
    },
    /// An integer in `min..=max`.
    Integer {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// An amount in yen: a whole, non-negative decimal (補助金額).
    Yen,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// `0` or `1` (実施フラグ and the like).
    Flag,
    /// One of a closed list of values.
    Choice(&'static [&'static str]),
    /// 全国地方公共団体コード.
    Municipality,
    /// 医療機関コード.
    Institution,
    /// A GTIN (GS1 Application Identifier 01), GTIN-13 or GTIN-14, kept
    /// as GTIN-14 (the form a vial label's AI (01) carries).
    Gtin,
}

/// One column of a master.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name in files and bindings (`snake_case`).
    pub name: &'static str,
    /// Its name for people (the screen's label).
    pub label: &'static str,
    /// How its text is read.
    pub ty: ColumnType,
    /// Whether a row must give it.
    pub required: bool,
}

/// A master, declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MasterKind {
    /// Its name in commands, files and bindings (`vaccine_types`).
    pub name: &'static str,
    /// Its name for people (ワクチン種別マスタ).
    pub label: &'static str,
    /// Who writes it.
    pub owner: Owner,
    /// Its columns, in file order (the validity period follows them).
    pub columns: &'static [Column],
    /// The columns whose values make a row the same row (with its
    /// validity period telling its versions apart).
    pub key: &'static [&'static str],
}

/// Why a master row or a master's history was refused; each names the
/// column (or the row) that was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MasterError {
    /// No master of this name.
    #[error("no master named {name:?} (see `sesshu masters kinds`)")]
    UnknownKind {
        /// The name given.
        name: String,
    },
    /// A column the master does not have.
    #[error("{kind}: no column named {column:?}")]
    UnknownColumn {
        /// The master.
        kind: &'static str,
        /// The column given.
        column: String,
    },
    /// A required column left empty.
    #[error("{kind}: column {column} ({label}) is required")]
    Missing {
        /// The master.
        kind: &'static str,
        /// The column.
        column: &'static str,
        /// Its label.
        label: &'static str,
    },
    /// A value its column's type refuses.
    #[error("{kind}: column {column}: {value:?} {reason}")]
    InvalidValue {
        /// The master.
        kind: &'static str,
        /// The column.
        column: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A validity period that ends on or before it starts.
    #[error("{kind}: the validity period from {from} to {to} does not end after it starts")]
    InvalidPeriod {
        /// The master.
        kind: &'static str,
        /// 適用開始日.
        from: chrono::NaiveDate,
        /// 適用終了日.
        to: chrono::NaiveDate,
    },
    /// A vial label's GTIN that no row of the GTIN master covers that day.
    #[error("GTIN {gtin} is not in the GTIN master on {day}")]
    UnknownGtin {
        /// The GTIN (GTIN-14).
        gtin: String,
        /// The vaccination date.
        day: chrono::NaiveDate,
    },
    /// A vial whose lot expired before the vaccination date.
    #[error("lot {lot:?} of GTIN {gtin} expired on {expiry}, before the vaccination on {day}")]
    LotExpired {
        /// The GTIN (GTIN-14).
        gtin: String,
        /// The lot.
        lot: String,
        /// 有効期限.
        expiry: chrono::NaiveDate,
        /// The vaccination date.
        day: chrono::NaiveDate,
    },
    /// Two versions of one row valid on the same day.
    #[error("{kind}: two versions of {key} are valid on {day}")]
    OverlappingVersions {
        /// The master.
        kind: &'static str,
        /// The row's key, shown.
        key: String,
        /// The first day both cover.
        day: chrono::NaiveDate,
    },
}

impl MasterError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            MasterError::UnknownKind { .. } => "unknown_master",
            MasterError::UnknownColumn { .. } => "unknown_master_column",
            MasterError::Missing { .. } => "master_value_required",
            MasterError::InvalidValue { .. } => "invalid_master_value",
            MasterError::InvalidPeriod { .. } => "invalid_validity_period",
            MasterError::OverlappingVersions { .. } => "overlapping_master_versions",
            MasterError::UnknownGtin { .. } => "unknown_gtin",
            MasterError::LotExpired { .. } => "lot_expired",
        }
    }
}

impl MasterKind {
    /// The declared master named `name`.
    pub fn named(name: &str) -> Result<&'static MasterKind, MasterError> {
        catalog::ALL
            .iter()
            .copied()
            .find(|k| k.name == name)
            .ok_or_else(|| MasterError::UnknownKind {
                name: name.to_owned(),
            })
    }

    /// The columns of the master's file: its columns, then `valid_from`
    /// and `valid_to`.
    pub fn file_columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.columns.iter().map(|c| c.name).collect();
        out.extend(["valid_from", "valid_to"]);
        out
    }

    /// The key column naming the organisation a row belongs to, for a
    /// master owned per organisation (a municipality's, an institution's,
    /// a federation's); `None` for the masters one organisation type owns
    /// whole (MHLW's, the central association's).
    pub fn owner_column(&self) -> Option<&'static Column> {
        let owned_by = |c: &&'static Column| match self.owner {
            Owner::Municipality => c.ty == ColumnType::Municipality,
            Owner::Institution => c.ty == ColumnType::Institution,
            Owner::Federation => c.name == "federation",
            Owner::Mhlw | Owner::Central => false,
        };
        self.key
            .iter()
            .filter_map(|k| self.column(k))
            .find(owned_by)
    }

    /// Whether the master holds personal data ([`catalog::PERSONAL`]), so
    /// that reading it is access-logged.
    pub fn holds_personal_data(&self) -> bool {
        catalog::PERSONAL.iter().any(|k| k.name == self.name)
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
