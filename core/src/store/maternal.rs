//! Maternal and child health data (H-7): every data set's rows in one
//! shape — the data set, the key (the subject number and the set's key
//! items), the municipality that registered it, and the values as a JSON
//! object (ADR 0023).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::identifiers::{MunicipalityCode, SubjectNumber};
use crate::maternal::{DataSet, MaternalRow};

/// A row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMaternalRow {
    /// The row.
    pub row: MaternalRow,
    /// The municipality that registered it.
    pub municipality: MunicipalityCode,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
}

/// The reads of maternal and child health data. Rows are written with
/// [`Write::PutMaternalRows`](super::Write::PutMaternalRows).
pub trait MaternalStore: Send + Sync {
    /// Every row of one subject, of every data set, by data set and key.
    fn maternal_rows_of(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Vec<StoredMaternalRow>, StoreError>;
    /// A data set's rows registered by `municipality`, by key, after
    /// `after`, at most `limit`.
    fn maternal_rows(
        &self,
        data_set: &'static DataSet,
        municipality: MunicipalityCode,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredMaternalRow>, StoreError>;
}

/// A row's stored body: its values' texts by item, as JSON.
pub fn maternal_body(row: &MaternalRow) -> String {
    serde_json::to_string(&row.values).unwrap_or_default()
}

/// A stored row read back: the data set's own check reads it again, so a
/// row that no longer reads is [`StoreError::Corrupt`].
pub fn maternal_from_stored(
    data_set: &str,
    subject: &str,
    municipality: &str,
    body: &str,
    updated_at: DateTime<Utc>,
) -> Result<StoredMaternalRow, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        entity: "maternal row",
        id: format!("{data_set}/{subject}"),
        reason,
    };
    let set = DataSet::named(data_set).map_err(|e| corrupt(e.to_string()))?;
    let values: BTreeMap<String, String> =
        serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
    Ok(StoredMaternalRow {
        row: set
            .row_from_stored(subject, &values)
            .map_err(|e| corrupt(e.to_string()))?,
        municipality: MunicipalityCode::parse(municipality).map_err(|e| corrupt(e.to_string()))?,
        updated_at,
    })
}
