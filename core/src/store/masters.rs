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
