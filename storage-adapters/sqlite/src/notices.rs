//! Notices (H-11): the due ones by send time, the board's by display period.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params_from_iter, types::Value, Connection, Transaction};
use sesshu_core::store::notices::NoticeColumns;
use sesshu_core::store::{Expected, NoticeStore, StoreError, StoredNotice};

use crate::codec::{day_text, Day, Instant};
use crate::sql::{check, instant, limit, text};
use crate::{backend, SqliteStore};

impl NoticeStore for SqliteStore {
    fn notice(&self, id: &str) -> Result<Option<StoredNotice>, StoreError> {
        self.read(|c| Ok(notices(c, "id = ?1", vec![text(id)])?.pop()))
    }

    fn notices(
        &self,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        self.scan(|c| {
            notices(
                c,
                "id > ?1 ORDER BY id LIMIT ?2",
                vec![text(after.unwrap_or("")), limit(limit_n)],
            )
        })
    }

    fn due_notices(
        &self,
        at: DateTime<Utc>,
        limit_n: usize,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        self.read(|c| {
            notices(
                c,
                "status = 'scheduled' AND send_at <= ?1 ORDER BY send_at, id LIMIT ?2",
                vec![instant(at), limit(limit_n)],
            )
        })
    }

    fn board_notices(&self, day: NaiveDate) -> Result<Vec<StoredNotice>, StoreError> {
        self.read(|c| {
            notices(
                c,
                "status = 'sent' AND display_until >= ?1 AND display_from <= ?1
                 ORDER BY send_at, id",
                vec![text(&day_text(day))],
            )
        })
    }
}

fn notices(
    c: &Connection,
    condition: &str,
    params: Vec<Value>,
) -> Result<Vec<StoredNotice>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT id, status, send_at, display_from, display_until, body, version
             FROM notices WHERE {condition}"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok(NoticeColumns {
                id: r.get(0)?,
                status: r.get(1)?,
                send_at: r.get::<_, Instant>(2)?.0,
                display_from: r.get::<_, Day>(3)?.0,
                display_until: r.get::<_, Day>(4)?.0,
                body: r.get(5)?,
                version: r.get(6)?,
            })
        })
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(NoticeColumns::read))
        .collect()
}

pub(crate) fn put_notice(
    tx: &Transaction<'_>,
    n: &StoredNotice,
    expected: Expected,
) -> Result<i64, StoreError> {
    let cols = NoticeColumns::of(n);
    let version = check(
        tx,
        "notice",
        "SELECT version FROM notices WHERE id = ?1",
        &cols.id,
        expected,
    )?;
    tx.prepare_cached(
        "INSERT INTO notices (id, status, send_at, display_from, display_until, body, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, send_at = excluded.send_at,
             display_from = excluded.display_from, display_until = excluded.display_until,
             body = excluded.body, version = excluded.version",
    )
    .map_err(backend)?
    .execute((
        &cols.id,
        &cols.status,
        Instant(cols.send_at),
        Day(cols.display_from),
        Day(cols.display_until),
        &cols.body,
        version,
    ))
    .map_err(backend)?;
    Ok(version)
}
