//! Master rows: one table for every declared master (ADR 0020), each
//! write numbered by the masters' change sequence, whose counter row the
//! commit holds locked. A write goes in bulk (`unnest` of arrays, 5,000 a
//! statement).

use chrono::{DateTime, NaiveDate, Utc};
use postgres::Transaction;
use sesshu_core::masters::{MasterKind, MasterRow};
use sesshu_core::store::masters::{row_from_stored, stored_body};
use sesshu_core::store::{MasterStore, StoreError};

use crate::{backend, Column, PostgresStore};

/// Rows per bulk statement.
const CHUNK: usize = 5_000;

impl MasterStore for PostgresStore {
    fn master_rows(&self, kind: &'static MasterKind) -> Result<Vec<MasterRow>, StoreError> {
        let rows = self.client()?.query(
            "SELECT key, valid_from, valid_to, body FROM master_rows
             WHERE kind = $1 ORDER BY key, valid_from",
            &[&kind.name],
        )?;
        read(kind, &rows)
    }

    fn master_versions(
        &self,
        kind: &'static MasterKind,
        key_id: &str,
    ) -> Result<Vec<MasterRow>, StoreError> {
        let rows = self.client()?.query(
            "SELECT key, valid_from, valid_to, body FROM master_rows
             WHERE kind = $1 AND key = $2 ORDER BY valid_from",
            &[&kind.name, &key_id],
        )?;
        read(kind, &rows)
    }
}

fn read(kind: &'static MasterKind, rows: &[postgres::Row]) -> Result<Vec<MasterRow>, StoreError> {
    rows.iter()
        .map(|r| {
            let from: NaiveDate = r.col(1)?;
            let to: Option<NaiveDate> = r.col(2)?;
            row_from_stored(
                kind,
                r.col(0)?,
                &sesshu_core::calendar::date_text(from),
                to.map(sesshu_core::calendar::date_text).as_deref(),
                r.col(3)?,
            )
        })
        .collect()
}

/// Inserts or replaces each version, numbering it by the change sequence.
pub(crate) fn put_rows(
    tx: &mut Transaction<'_>,
    rows: &[MasterRow],
    updated_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    // Takes the numbers and locks the counter until the commit.
    let last: i64 = tx
        .query_one(
            "UPDATE counters SET value = value + $1 WHERE name = 'master_seq' RETURNING value",
            &[&n],
        )
        .map_err(backend)?
        .col(0)?;
    let mut seq = last - n;
    for chunk in rows.chunks(CHUNK) {
        let kinds: Vec<&str> = chunk.iter().map(|r| r.kind.name).collect();
        let keys: Vec<String> = chunk.iter().map(MasterRow::key_id).collect();
        let froms: Vec<NaiveDate> = chunk.iter().map(|r| r.valid_from).collect();
        let tos: Vec<Option<NaiveDate>> = chunk.iter().map(|r| r.valid_to).collect();
        let owners: Vec<Option<&str>> = chunk.iter().map(MasterRow::owner).collect();
        let bodies: Vec<String> = chunk.iter().map(stored_body).collect();
        let seqs: Vec<i64> = chunk
            .iter()
            .map(|_| {
                seq += 1;
                seq
            })
            .collect();
        tx.execute(
            "INSERT INTO master_rows (kind, key, valid_from, valid_to, owner, body, seq, updated_at)
             SELECT k, y, f, t, o, b, s, $8
             FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::text[], $6::text[], $7::bigint[])
                  AS u(k, y, f, t, o, b, s)
             ON CONFLICT (kind, key, valid_from) DO UPDATE SET
               valid_to = excluded.valid_to, owner = excluded.owner, body = excluded.body,
               seq = excluded.seq, updated_at = excluded.updated_at",
            &[&kinds, &keys, &froms, &tos, &owners, &bodies, &seqs, &updated_at],
        )
        .map_err(backend)?;
    }
    Ok(n)
}
