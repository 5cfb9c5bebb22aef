//! Master rows: one table for every declared master (ADR 0020), each
//! write numbered by the masters' change sequence, whose counter row the
//! commit holds locked. A write goes in bulk (`unnest` of arrays, 5,000 a
//! statement).

use chrono::{DateTime, NaiveDate, Utc};
use postgres::Transaction;
use sesshu_core::masters::{MasterKind, MasterRow};
use sesshu_core::store::masters::{counter_conflict, row_from_stored, stored_body, stored_kind};
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

    fn master_counter(&self, name: &str) -> Result<Option<i64>, StoreError> {
        counter(&mut *self.client()?, name)
    }

    fn master_changes(
        &self,
        kinds: &[&'static MasterKind],
        after: i64,
        through: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, MasterRow)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        changes(&mut *self.client()?, kinds, after, through, limit)
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

pub(crate) fn counter(
    c: &mut crate::pool::CachedClient,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    c.query_opt("SELECT value FROM counters WHERE name = $1", &[&name])?
        .map(|r| r.col(0))
        .transpose()
}

/// Sets an exchange counter from the value the writer read (the row
/// locked until the commit).
pub(crate) fn set_counter(
    tx: &mut Transaction<'_>,
    name: &str,
    value: i64,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let found: Option<i64> = tx
        .query_opt(
            "SELECT value FROM counters WHERE name = $1 FOR UPDATE",
            &[&name],
        )
        .map_err(backend)?
        .map(|r| r.col(0))
        .transpose()?;
    if found != expected {
        return Err(counter_conflict(name, expected, found));
    }
    tx.execute(
        "INSERT INTO counters (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&name, &value],
    )
    .map_err(backend)?;
    Ok(value)
}

pub(crate) fn changes(
    c: &mut crate::pool::CachedClient,
    kinds: &[&'static MasterKind],
    after: i64,
    through: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, MasterRow)>, StoreError> {
    let names: Vec<&str> = kinds.iter().map(|k| k.name).collect();
    let rows = c.query(
        "SELECT kind, key, valid_from, valid_to, body, seq FROM master_rows
         WHERE kind = ANY($1) AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
        &[&names, &after, &through.unwrap_or(i64::MAX), &limit],
    )?;
    rows.iter()
        .map(|r| {
            let kind = stored_kind(r.col(0)?)?;
            let from: NaiveDate = r.col(2)?;
            let to: Option<NaiveDate> = r.col(3)?;
            let row = row_from_stored(
                kind,
                r.col(1)?,
                &sesshu_core::calendar::date_text(from),
                to.map(sesshu_core::calendar::date_text).as_deref(),
                r.col(4)?,
            )?;
            Ok((r.col(5)?, row))
        })
        .collect()
}
