//! The access log (アクセスログ): one chain with its head, appended only
//! by a commit.

use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension, Row, Transaction};
use sesshu_core::access_log::{
    chain_all, from_hex, to_hex, AccessLogDraft, AccessLogEntry, Digest32,
};
use sesshu_core::store::rows::LogRow;
use sesshu_core::store::{LogFilter, LogStore, StoreError};

use crate::codec::Instant;
use crate::sql::{limit, text};
use crate::{backend, SqliteStore};

const LOG_COLUMNS: &str =
    "seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash";

fn log_row(r: &Row<'_>) -> rusqlite::Result<LogRow> {
    Ok(LogRow {
        seq: r.get(0)?,
        at: r.get::<_, Instant>(1)?.0,
        actor: r.get(2)?,
        organisation: r.get(3)?,
        action: r.get(4)?,
        subject: r.get(5)?,
        record_ids: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

pub(crate) fn log_head(conn: &Connection) -> Result<Option<(i64, Digest32)>, StoreError> {
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM log_head WHERE id = 1")
        .map_err(backend)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(backend)?;
    head.map(|(seq, hash)| {
        from_hex(&hash)
            .map(|h| (seq, h))
            .ok_or(StoreError::Corrupt {
                entity: "access log head",
                id: seq.to_string(),
                reason: "bad hash".into(),
            })
    })
    .transpose()
}

fn log_query(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<AccessLogEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), log_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(LogRow::into_entry).collect()
}

/// The access log's subject index leads with the entry's block of
/// sequence numbers, `seq >> LOG_BLOCK_SHIFT` (migration 5), so that one
/// commit's entries are written together at the index's end rather than
/// one random page per person. The shift must match the index's expression.
pub(crate) const LOG_BLOCK_SHIFT: u32 = 12;

/// The statement and parameters of a log search.
fn log_search_statement(filter: &LogFilter, limit_n: usize) -> (String, Vec<Value>) {
    let after = filter.after_seq.unwrap_or(0);
    let mut sql = format!("SELECT {LOG_COLUMNS} FROM access_log WHERE seq > ?");
    let mut params = vec![Value::Integer(after)];
    if let Some(s) = &filter.subject {
        // One probe of the subject index per block, from the page's start
        // to the head's.
        sql = format!(
            "WITH RECURSIVE blocks(b) AS (
                 SELECT ? UNION ALL SELECT b + 1 FROM blocks
                 WHERE b < (SELECT max(seq) FROM access_log) >> {LOG_BLOCK_SHIFT})
             {sql} AND (seq >> {LOG_BLOCK_SHIFT}) IN (SELECT b FROM blocks) AND subject = ?"
        );
        params.insert(0, Value::Integer(after.max(0) >> LOG_BLOCK_SHIFT));
        params.push(text(s.as_str()));
    }
    if let Some(through) = filter.through_seq {
        sql.push_str(" AND seq <= ?");
        params.push(Value::Integer(through));
    }
    if let Some(a) = &filter.actor {
        sql.push_str(" AND actor = ?");
        params.push(text(a));
    }
    if let Some(from) = filter.from {
        sql.push_str(" AND at >= ?");
        params.push(text(&crate::codec::instant_text(from)));
    }
    if let Some(to) = filter.to {
        sql.push_str(" AND at < ?");
        params.push(text(&crate::codec::instant_text(to)));
    }
    sql.push_str(" ORDER BY seq LIMIT ?");
    params.push(limit(limit_n));
    (sql, params)
}

impl LogStore for SqliteStore {
    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError> {
        self.read(log_head)
    }

    fn log_entries(
        &self,
        from_seq: i64,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        self.scan(|c| {
            let sql = format!(
                "SELECT {LOG_COLUMNS} FROM access_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
            );
            log_query(c, &sql, vec![Value::Integer(from_seq), limit(limit_n)])
        })
    }

    fn log_search(
        &self,
        filter: &LogFilter,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let (sql, params) = log_search_statement(filter, limit_n);
        self.scan(|c| log_query(c, &sql, params))
    }
}

/// Chains `log` after the head and appends it, moving the head: the
/// entries' sequence numbers.
pub(crate) fn append(
    tx: &Transaction<'_>,
    log: Vec<AccessLogDraft>,
) -> Result<Vec<i64>, StoreError> {
    let mut seqs = Vec::with_capacity(log.len());
    if log.is_empty() {
        return Ok(seqs);
    }
    let (entries, (seq, hash)) = chain_all(log_head(tx)?, log);
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO access_log (seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(backend)?;
    for entry in &entries {
        let row = LogRow::from_entry(entry);
        ins.execute((
            row.seq,
            Instant(row.at),
            &row.actor,
            &row.organisation,
            &row.action,
            &row.subject,
            &row.record_ids,
            &row.prev_hash,
            &row.hash,
        ))
        .map_err(backend)?;
        seqs.push(row.seq);
    }
    drop(ins);
    tx.prepare_cached(
        "INSERT INTO log_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .map_err(backend)?
    .execute((seq, to_hex(&hash)))
    .map_err(backend)?;
    Ok(seqs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesshu_core::identifiers::ManagementId;

    /// A search by subject probes the block-led subject index: if the
    /// shift here and the index's expression (migration 5) disagreed, the
    /// plan would scan the log instead.
    #[test]
    fn a_subject_search_uses_the_block_index() {
        let store = SqliteStore::open_in_memory().unwrap();
        let filter = LogFilter {
            subject: Some(ManagementId::parse("A1").unwrap()),
            ..LogFilter::default()
        };
        let (sql, params) = log_search_statement(&filter, 10);
        let plan: Vec<String> = store.with_connection(|c| {
            c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params_from_iter(params), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        });
        assert!(
            plan.iter().any(|step| step
                .contains("USING INDEX access_log_by_block_subject (<expr>=? AND subject=?")),
            "{plan:?}"
        );
    }
}
