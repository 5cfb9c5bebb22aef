//! Master rows: one table for every declared master (ADR 0020), each
//! write numbered by the masters' change sequence.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use sesshu_core::masters::{MasterKind, MasterRow};
use sesshu_core::store::masters::{counter_conflict, row_from_stored, stored_body, stored_kind};
use sesshu_core::store::{MasterStore, StoreError};

use crate::codec::{day_text, Instant};
use crate::{backend, SqliteStore};

impl MasterStore for SqliteStore {
    fn master_rows(&self, kind: &'static MasterKind) -> Result<Vec<MasterRow>, StoreError> {
        self.scan(|c| {
            rows(
                c,
                kind,
                "WHERE kind = ?1 ORDER BY key, valid_from",
                &[kind.name],
            )
        })
    }

    fn master_versions(
        &self,
        kind: &'static MasterKind,
        key_id: &str,
    ) -> Result<Vec<MasterRow>, StoreError> {
        self.read(|c| {
            rows(
                c,
                kind,
                "WHERE kind = ?1 AND key = ?2 ORDER BY valid_from",
                &[kind.name, key_id],
            )
        })
    }

    fn master_counter(&self, name: &str) -> Result<Option<i64>, StoreError> {
        self.read(|c| counter(c, name))
    }

    fn master_changes(
        &self,
        kinds: &[&'static MasterKind],
        after: i64,
        through: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, MasterRow)>, StoreError> {
        self.scan(|c| changes(c, kinds, after, through, limit))
    }
}

fn rows(
    c: &Connection,
    kind: &'static MasterKind,
    condition: &str,
    params: &[&str],
) -> Result<Vec<MasterRow>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT key, valid_from, valid_to, body FROM master_rows {condition}"
        ))
        .map_err(backend)?;
    let found = stmt
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in found {
        let (key, from, to, body) = row.map_err(backend)?;
        out.push(row_from_stored(kind, &key, &from, to.as_deref(), &body)?);
    }
    Ok(out)
}

/// Inserts or replaces each version, numbering it by the change sequence.
pub(crate) fn put_rows(
    tx: &Transaction<'_>,
    rows: &[MasterRow],
    updated_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut seq: i64 = tx
        .query_row(
            "SELECT value FROM counters WHERE name = 'master_seq'",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let mut put = tx
        .prepare_cached(
            "INSERT INTO master_rows (kind, key, valid_from, valid_to, owner, body, seq, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (kind, key, valid_from) DO UPDATE SET
               valid_to = excluded.valid_to, owner = excluded.owner, body = excluded.body,
               seq = excluded.seq, updated_at = excluded.updated_at",
        )
        .map_err(backend)?;
    let at = Instant(updated_at);
    for row in rows {
        seq += 1;
        put.execute((
            row.kind.name,
            row.key_id(),
            day_text(row.valid_from),
            row.valid_to.map(day_text),
            row.owner(),
            stored_body(row),
            seq,
            at,
        ))
        .map_err(backend)?;
    }
    tx.prepare_cached("UPDATE counters SET value = ?1 WHERE name = 'master_seq'")
        .map_err(backend)?
        .execute([seq])
        .map_err(backend)?;
    Ok(i64::try_from(rows.len()).unwrap_or(i64::MAX))
}

pub(crate) fn counter(c: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    c.prepare_cached("SELECT value FROM counters WHERE name = ?1")
        .map_err(backend)?
        .query_row([name], |r| r.get(0))
        .optional()
        .map_err(backend)
}

/// Sets an exchange counter from the value the writer read.
pub(crate) fn set_counter(
    tx: &Transaction<'_>,
    name: &str,
    value: i64,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let found = counter(tx, name)?;
    if found != expected {
        return Err(counter_conflict(name, expected, found));
    }
    tx.prepare_cached(
        "INSERT INTO counters (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .map_err(backend)?
    .execute((name, value))
    .map_err(backend)?;
    Ok(value)
}

pub(crate) fn changes(
    c: &Connection,
    kinds: &[&'static MasterKind],
    after: i64,
    through: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, MasterRow)>, StoreError> {
    // A JSON array of the names (declared identifiers: no quote in them).
    let names: Vec<String> = kinds.iter().map(|k| format!("\"{}\"", k.name)).collect();
    let list = format!("[{}]", names.join(","));
    let mut stmt = c
        .prepare_cached(
            "SELECT kind, key, valid_from, valid_to, body, seq FROM master_rows
             WHERE kind IN (SELECT value FROM json_each(?1)) AND seq > ?2 AND seq <= ?3
             ORDER BY seq LIMIT ?4",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            (
                list,
                after,
                through.unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ),
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, key, from, to, body, seq) = row.map_err(backend)?;
        let kind = stored_kind(&kind)?;
        out.push((
            seq,
            row_from_stored(kind, &key, &from, to.as_deref(), &body)?,
        ));
    }
    Ok(out)
}
