//! Master rows (マスタ, H-8): every declared master in one shape — a row's
//! kind, key, validity period and values — so one table and one trait
//! serve them all (ADR 0020).

use super::StoreError;
use crate::masters::{MasterKind, MasterRow};

/// The reads of the masters. Rows are written with
/// [`Write::PutMasterRows`](super::Write::PutMasterRows).
pub trait MasterStore: Send + Sync {
    /// Every version of every row of `kind`, ordered by key
    /// ([`MasterRow::key_id`], byte order) and then by `valid_from`.
    fn master_rows(&self, kind: &'static MasterKind) -> Result<Vec<MasterRow>, StoreError>;
    /// The versions of one row of `kind` (its [`MasterRow::key_id`]), by
    /// `valid_from`.
    fn master_versions(
        &self,
        kind: &'static MasterKind,
        key_id: &str,
    ) -> Result<Vec<MasterRow>, StoreError>;
    /// A counter of the daily exchange (`master:…`: the day a feed last
    /// received, the change number a receiver acknowledged), if set.
    /// Written with [`Write::SetMasterCounter`](super::Write::SetMasterCounter).
    fn master_counter(&self, name: &str) -> Result<Option<i64>, StoreError>;
    /// The rows of `kinds` whose change number is in `(after, through]`
    /// (`through` absent: no bound), by change number, at most `limit`,
    /// each with its number.
    fn master_changes(
        &self,
        kinds: &[&'static MasterKind],
        after: i64,
        through: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, MasterRow)>, StoreError>;
}

/// The declared master a stored kind names (stored data naming no
/// declared master is [`StoreError::Corrupt`]).
pub fn stored_kind(name: &str) -> Result<&'static MasterKind, StoreError> {
    MasterKind::named(name).map_err(|e| StoreError::Corrupt {
        entity: "master row",
        id: name.to_owned(),
        reason: e.to_string(),
    })
}

/// A stored row read back: the master's own parser reads the stored texts,
/// so stored data that no longer reads is [`StoreError::Corrupt`].
pub fn row_from_stored(
    kind: &'static MasterKind,
    key_id: &str,
    valid_from: &str,
    valid_to: Option<&str>,
    body: &str,
) -> Result<MasterRow, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        entity: "master row",
        id: format!("{}/{}", kind.name, key_id.replace('\u{1f}', "/")),
        reason,
    };
    let values: std::collections::BTreeMap<String, String> =
        serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
    let mut fields: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("valid_from", valid_from));
    if let Some(to) = valid_to {
        fields.push(("valid_to", to));
    }
    kind.parse_row(&fields).map_err(|e| corrupt(e.to_string()))
}

/// The stored body of a row: its values' texts by column, as JSON.
pub fn stored_body(row: &MasterRow) -> String {
    serde_json::to_string(&row.values).unwrap_or_default()
}

/// The conflict of a [`Write::SetMasterCounter`](super::Write::SetMasterCounter)
/// whose counter moved since the writer read it.
pub fn counter_conflict(name: &str, expected: Option<i64>, found: Option<i64>) -> StoreError {
    StoreError::Conflict {
        entity: "master counter",
        id: name.to_owned(),
        expected: expected.map_or(super::Expected::Absent, super::Expected::Version),
        found: super::FoundVersion(found),
    }
}
