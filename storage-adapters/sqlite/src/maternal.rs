//! Maternal and child health rows (H-7): one table for every data set
//! (ADR 0023); a row written again with the same values is left as it is.

use chrono::{DateTime, Utc};
use rusqlite::{params_from_iter, types::Value, Connection, Transaction};
use sesshu_core::identifiers::{MunicipalityCode, SubjectNumber};
use sesshu_core::maternal::{DataSet, MaternalRow};
use sesshu_core::store::maternal::{maternal_body, maternal_from_stored};
use sesshu_core::store::{MaternalStore, StoreError, StoredMaternalRow};

use crate::codec::Instant;
use crate::sql::{limit, text};
use crate::{backend, SqliteStore};

impl MaternalStore for SqliteStore {
    fn maternal_rows_of(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Vec<StoredMaternalRow>, StoreError> {
        self.read(|c| {
            rows(
                c,
                "subject = ?1 ORDER BY data_set, key",
                vec![text(subject.as_str())],
            )
        })
    }

    fn maternal_rows(
        &self,
        data_set: &'static DataSet,
        municipality: MunicipalityCode,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<StoredMaternalRow>, StoreError> {
        self.scan(|c| {
            rows(
                c,
                "data_set = ?1 AND municipality = ?2 AND key > ?3 ORDER BY key LIMIT ?4",
                vec![
                    text(data_set.name),
                    text(municipality.as_str()),
                    text(after.unwrap_or("")),
                    limit(limit_n),
                ],
            )
        })
    }
}

fn rows(
    c: &Connection,
    condition: &str,
    params: Vec<Value>,
) -> Result<Vec<StoredMaternalRow>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT data_set, subject, municipality, body, updated_at FROM maternal_rows
             WHERE {condition}"
        ))
        .map_err(backend)?;
    let found = stmt
        .query_map(params_from_iter(params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Instant>(4)?,
            ))
        })
        .map_err(backend)?;
    found
        .map(|r| {
            let (set, subject, municipality, body, at) = r.map_err(backend)?;
            maternal_from_stored(&set, &subject, &municipality, &body, at.0)
        })
        .collect()
}

/// Inserts or replaces each row unless stored with the same values;
/// returns how many were written.
pub(crate) fn put_rows(
    tx: &Transaction<'_>,
    rows: &[MaternalRow],
    municipality: MunicipalityCode,
    updated_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO maternal_rows (data_set, key, subject, municipality, body, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (data_set, key) DO UPDATE SET
                 subject = excluded.subject, municipality = excluded.municipality,
                 body = excluded.body, updated_at = excluded.updated_at
             WHERE maternal_rows.body <> excluded.body
                OR maternal_rows.municipality <> excluded.municipality",
        )
        .map_err(backend)?;
    let mut written = 0i64;
    for row in rows {
        written += stmt
            .execute((
                row.data_set.name,
                row.key_id(),
                row.subject.as_str(),
                municipality.as_str(),
                maternal_body(row),
                Instant(updated_at),
            ))
            .map_err(backend)? as i64;
    }
    Ok(written)
}
