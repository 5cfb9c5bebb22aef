//! Maternal and child health rows (H-7): one table for every data set
//! (ADR 0023), written in bulk (`unnest` of arrays, 5,000 a statement); a
//! row written again with the same values is left as it is.

use chrono::{DateTime, Utc};
use postgres::Transaction;
use sesshu_core::identifiers::{MunicipalityCode, SubjectNumber};
use sesshu_core::maternal::{DataSet, MaternalRow};
use sesshu_core::store::maternal::{maternal_body, maternal_from_stored};
use sesshu_core::store::{MaternalStore, StoreError, StoredMaternalRow};

use crate::sql::limit;
use crate::{backend, Column, PostgresStore};

/// Rows per bulk statement.
const CHUNK: usize = 5_000;

impl MaternalStore for PostgresStore {
    fn maternal_rows_of(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Vec<StoredMaternalRow>, StoreError> {
        let rows = self.client()?.query(
            "SELECT data_set, subject, municipality, body, updated_at FROM maternal_rows
             WHERE subject = $1 ORDER BY data_set, key",
            &[&subject.as_str()],
        )?;
        read(&rows)
    }

    fn maternal_rows(
        &self,
        data_set: &'static DataSet,
        municipality: MunicipalityCode,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<StoredMaternalRow>, StoreError> {
        let rows = self.client()?.query(
            "SELECT data_set, subject, municipality, body, updated_at FROM maternal_rows
             WHERE data_set = $1 AND municipality = $2 AND key > $3 ORDER BY key LIMIT $4",
            &[
                &data_set.name,
                &municipality.as_str(),
                &after.unwrap_or(""),
                &limit(limit_n),
            ],
        )?;
        read(&rows)
    }
}

fn read(rows: &[postgres::Row]) -> Result<Vec<StoredMaternalRow>, StoreError> {
    rows.iter()
        .map(|r| {
            maternal_from_stored(
                r.col(0)?,
                r.col(1)?,
                r.col(2)?,
                r.col(3)?,
                r.col::<DateTime<Utc>>(4)?,
            )
        })
        .collect()
}

/// Inserts or replaces each row unless stored with the same values;
/// returns how many were written.
pub(crate) fn put_rows(
    tx: &mut Transaction<'_>,
    rows: &[MaternalRow],
    municipality: MunicipalityCode,
    updated_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut written = 0u64;
    for chunk in rows.chunks(CHUNK) {
        let sets: Vec<&str> = chunk.iter().map(|r| r.data_set.name).collect();
        let keys: Vec<String> = chunk.iter().map(MaternalRow::key_id).collect();
        let subjects: Vec<&str> = chunk.iter().map(|r| r.subject.as_str()).collect();
        let bodies: Vec<String> = chunk.iter().map(maternal_body).collect();
        written += tx
            .execute(
                "INSERT INTO maternal_rows (data_set, key, subject, municipality, body, updated_at)
                 SELECT s, k, j, $4, b, $6 FROM unnest($1::text[], $2::text[], $3::text[], $5::text[])
                     AS t(s, k, j, b)
                 ON CONFLICT (data_set, key) DO UPDATE SET
                     subject = excluded.subject, municipality = excluded.municipality,
                     body = excluded.body, updated_at = excluded.updated_at
                 WHERE maternal_rows.body <> excluded.body
                    OR maternal_rows.municipality <> excluded.municipality",
                &[
                    &sets,
                    &keys,
                    &subjects,
                    &municipality.as_str(),
                    &bodies,
                    &updated_at,
                ],
            )
            .map_err(backend)?;
    }
    Ok(i64::try_from(written).unwrap_or(i64::MAX))
}
