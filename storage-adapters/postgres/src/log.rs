//! The access log (アクセスログ): one chain with its head row, appended
//! only by a commit (a change set of log entries only: one compare-and-set
//! statement).

use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};
use sesshu_core::access_log::{
    chain_all, from_hex, to_hex, AccessLogDraft, AccessLogEntry, Digest32,
};
use sesshu_core::store::rows::LogRow;
use sesshu_core::store::{CommitReceipt, LogFilter, LogStore, StoreError};

use crate::pool::CachedClient;
use crate::sql::{limit, refs, Params};
use crate::{backend, Column, PostgresStore};

const LOG_COLUMNS: &str =
    "seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash";

fn log_row(r: &Row) -> Result<LogRow, StoreError> {
    Ok(LogRow {
        seq: r.col(0)?,
        at: r.col(1)?,
        actor: r.col(2)?,
        organisation: r.col(3)?,
        action: r.col(4)?,
        subject: r.col(5)?,
        record_ids: r.col(6)?,
        prev_hash: r.col(7)?,
        hash: r.col(8)?,
    })
}

/// The access log's head, locked until the commit (appends are serialised).
pub(crate) const LOCK_LOG_HEAD: &str = "SELECT seq, hash FROM log_head WHERE id = 1 FOR UPDATE";

/// The access log's head as it is.
pub(crate) fn log_head(
    c: &mut impl postgres::GenericClient,
) -> Result<(i64, Digest32), StoreError> {
    head_of(
        &c.query_one("SELECT seq, hash FROM log_head WHERE id = 1", &[])
            .map_err(backend)?,
    )
}

/// The head (last sequence number and hash) in a `log_head` row.
pub(crate) fn head_of(row: &Row) -> Result<(i64, Digest32), StoreError> {
    let seq: i64 = row.col(0)?;
    let hash: String = row.col(1)?;
    from_hex(&hash)
        .map(|h| (seq, h))
        .ok_or(StoreError::Corrupt {
            entity: "access log head",
            id: seq.to_string(),
            reason: "bad hash".into(),
        })
}

fn log_query(
    c: &mut CachedClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<AccessLogEntry>, StoreError> {
    c.query(sql, &refs(params))?
        .iter()
        .map(|r| log_row(r)?.into_entry())
        .collect()
}

/// The access log's subject index leads with the entry's block of
/// sequence numbers, `seq >> LOG_BLOCK_SHIFT` (migration 5), so that one
/// commit's entries are written together at the index's end rather than
/// one random page per person. The shift must match the index's expression.
pub(crate) const LOG_BLOCK_SHIFT: u32 = 12;

/// The statement and parameters of a log search.
pub(crate) fn log_search_statement(
    filter: &LogFilter,
    limit_n: usize,
) -> (String, Params<'static>) {
    let mut sql = format!("SELECT {LOG_COLUMNS} FROM access_log WHERE seq > $1");
    let mut params: Params<'_> = vec![Box::new(filter.after_seq.unwrap_or(0))];
    let next = |params: &Params<'_>| format!("${}", params.len());
    if let Some(s) = &filter.subject {
        // One probe of the subject index per block, from the page's start
        // to the head's.
        params.push(Box::new(s.as_str().to_owned()));
        sql.push_str(&format!(
            " AND (seq >> {LOG_BLOCK_SHIFT}) = ANY(ARRAY(SELECT generate_series(
                  greatest($1, 0) >> {LOG_BLOCK_SHIFT},
                  (SELECT max(seq) FROM access_log) >> {LOG_BLOCK_SHIFT})))
              AND subject = {}",
            next(&params)
        ));
    }
    if let Some(through) = filter.through_seq {
        params.push(Box::new(through));
        sql.push_str(&format!(" AND seq <= {}", next(&params)));
    }
    if let Some(a) = &filter.actor {
        params.push(Box::new(a.clone()));
        sql.push_str(&format!(" AND actor = {}", next(&params)));
    }
    if let Some(from) = filter.from {
        params.push(Box::new(from));
        sql.push_str(&format!(" AND at >= {}", next(&params)));
    }
    if let Some(to) = filter.to {
        params.push(Box::new(to));
        sql.push_str(&format!(" AND at < {}", next(&params)));
    }
    params.push(Box::new(limit(limit_n)));
    sql.push_str(&format!(" ORDER BY seq LIMIT {}", next(&params)));
    (sql, params)
}

impl LogStore for PostgresStore {
    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError> {
        // The row exists from the first migration (seq 0: an empty log); a
        // deleted row reads as no head, which verification reports.
        let row = self
            .client()?
            .query_opt("SELECT seq, hash FROM log_head WHERE id = 1", &[])?;
        let head = row.as_ref().map(head_of).transpose()?;
        Ok(head.filter(|(seq, _)| *seq > 0))
    }

    fn log_entries(
        &self,
        from_seq: i64,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let sql =
            format!("SELECT {LOG_COLUMNS} FROM access_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
        log_query(
            &mut *self.client()?,
            &sql,
            &vec![Box::new(from_seq), Box::new(limit(limit_n))],
        )
    }

    fn log_search(
        &self,
        filter: &LogFilter,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let (sql, params) = log_search_statement(filter, limit_n);
        log_query(&mut *self.client()?, &sql, &params)
    }
}

/// Access-log rows as the nine arrays the append statements unnest.
struct LogColumns<'a> {
    seqs: Vec<i64>,
    ats: Vec<chrono::DateTime<chrono::Utc>>,
    actors: Vec<&'a String>,
    organisations: Vec<&'a String>,
    actions: Vec<&'a String>,
    subjects: Vec<Option<&'a String>>,
    record_ids: Vec<&'a String>,
    prev_hashes: Vec<&'a String>,
    hashes: Vec<&'a String>,
}

impl<'a> LogColumns<'a> {
    fn of(rows: &'a [LogRow]) -> Self {
        let column = |f: fn(&LogRow) -> &String| rows.iter().map(f).collect::<Vec<_>>();
        LogColumns {
            seqs: rows.iter().map(|r| r.seq).collect(),
            ats: rows.iter().map(|r| r.at).collect(),
            actors: column(|r| &r.actor),
            organisations: column(|r| &r.organisation),
            actions: column(|r| &r.action),
            subjects: rows.iter().map(|r| r.subject.as_ref()).collect(),
            record_ids: column(|r| &r.record_ids),
            prev_hashes: column(|r| &r.prev_hash),
            hashes: column(|r| &r.hash),
        }
    }

    /// Parameters `$1`–`$9` of the append statements.
    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &self.seqs,
            &self.ats,
            &self.actors,
            &self.organisations,
            &self.actions,
            &self.subjects,
            &self.record_ids,
            &self.prev_hashes,
            &self.hashes,
        ]
    }
}

/// Appends entries in one statement, atomic by itself, if the log's head
/// still is `head` (seq and hash: compare-and-set); moves the head to the
/// last entry. Its result is the number of entries inserted: all or none.
const APPEND_IF_HEAD: &str = "
WITH moved AS (
  UPDATE log_head SET seq = $10, hash = $11 WHERE id = 1 AND seq = $12 AND hash = $13 RETURNING id)
INSERT INTO access_log (seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash)
SELECT u.* FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                       $6::text[], $7::text[], $8::text[], $9::text[]) AS u, moved";

/// A change set that only appends to the access log (every logged read) is
/// one round trip when the head this connection last saw is still the head:
/// the entries are chained after it and inserted by [`APPEND_IF_HEAD`].
/// When another connection appended in between, the head is read again and
/// the entries chained anew; after three such misses this gives up (`None`)
/// and the caller takes the locking path.
pub(crate) fn append_only(
    c: &mut CachedClient,
    log: &[AccessLogDraft],
) -> Result<Option<CommitReceipt>, StoreError> {
    let stmt = c.statement(APPEND_IF_HEAD)?;
    for _ in 0..3 {
        let head = match c.log_head {
            Some(h) => h,
            None => log_head(&mut c.client)?,
        };
        let (entries, new_head) = chain_all((head.0 > 0).then_some(head), log.to_vec());
        let rows: Vec<LogRow> = entries.iter().map(LogRow::from_entry).collect();
        let columns = LogColumns::of(&rows);
        let (new_hash, old_hash) = (to_hex(&new_head.1), to_hex(&head.1));
        let mut params = columns.params();
        params.extend([
            &new_head.0 as &(dyn ToSql + Sync),
            &new_hash,
            &head.0,
            &old_hash,
        ]);
        let inserted = c.client.execute(&stmt, &params).map_err(backend)?;
        if inserted == columns.seqs.len() as u64 {
            c.log_head = Some(new_head);
            return Ok(Some(CommitReceipt {
                versions: Vec::new(),
                log_seqs: columns.seqs,
            }));
        }
        c.log_head = None;
    }
    Ok(None)
}

/// The log's head: the last entry's sequence number and hash.
pub(crate) type Head = (i64, Digest32);

/// The statements of a commit's log append, prepared once per connection.
pub(crate) struct Statements {
    lock_log_head: Statement,
    append_log: Statement,
}

impl Statements {
    pub(crate) fn new(c: &mut CachedClient) -> Result<Self, StoreError> {
        let mut p = |sql: &str| c.statement(sql);
        Ok(Statements {
            lock_log_head: p(LOCK_LOG_HEAD)?,
            // Appends entries and moves the head to the last of them in one
            // statement (one round trip fewer for every logged read).
            append_log: p(
                "WITH appended AS (
                   INSERT INTO access_log (seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash)
                   SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                                        $6::text[], $7::text[], $8::text[], $9::text[]))
                 UPDATE log_head SET seq = $10, hash = $11 WHERE id = 1",
            )?,
        })
    }
}

/// Chains `log` after the head, locked until the commit, and appends it
/// one statement per 5,000 entries (a delivery batch logs one entry per
/// person): the entries' sequence numbers and the new head.
pub(crate) fn append(
    tx: &mut Transaction<'_>,
    p: &Statements,
    log: Vec<AccessLogDraft>,
) -> Result<(Vec<i64>, Option<Head>), StoreError> {
    let mut seqs = Vec::with_capacity(log.len());
    if log.is_empty() {
        return Ok((seqs, None));
    }
    let head = head_of(&tx.query_one(&p.lock_log_head, &[]).map_err(backend)?)?;
    let (entries, new_head) = chain_all((head.0 > 0).then_some(head), log);
    // Columns as arrays, unnested by the server; each statement moves the
    // head to its last entry.
    for chunk in entries.chunks(5_000) {
        let Some(last) = chunk.last() else { continue };
        let rows: Vec<LogRow> = chunk.iter().map(LogRow::from_entry).collect();
        let columns = LogColumns::of(&rows);
        let last_hash = to_hex(&last.hash);
        let mut params = columns.params();
        params.extend([&last.seq as &(dyn ToSql + Sync), &last_hash]);
        tx.execute(&p.append_log, &params).map_err(backend)?;
        seqs.extend(columns.seqs);
    }
    Ok((seqs, Some(new_head)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesshu_core::identifiers::ManagementId;

    /// A search by subject probes the block-led subject index: if the
    /// shift here and the index's expression (migration 5) disagreed, the
    /// plan could not use it. Run in a schema of its own on the test server.
    #[test]
    fn a_subject_search_uses_the_block_index() {
        let url = std::env::var("SESSHU_TEST_POSTGRES_URL")
            .expect("SESSHU_TEST_POSTGRES_URL is not set: run scripts/test");
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let schema = format!("sesshu_plan_{}", std::process::id());
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             SET search_path = {schema}; SET enable_seqscan = off;"
        ))
        .unwrap();
        crate::migrate(&mut c, crate::SCHEMA_VERSION).unwrap();
        let filter = LogFilter {
            subject: Some(ManagementId::parse("A1").unwrap()),
            ..LogFilter::default()
        };
        let (sql, params) = log_search_statement(&filter, 10);
        let plan: Vec<String> = c
            .query(&format!("EXPLAIN {sql}"), &refs(&params))
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
        // The block is the index's leading condition, not a filter.
        assert!(
            plan.iter()
                .any(|step| step.contains("Index Scan using access_log_by_block_subject")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|step| step.contains("Index Cond: (((seq >> ") && step.contains(") = ANY")),
            "{plan:#?}"
        );
    }
}
