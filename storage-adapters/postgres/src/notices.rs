//! Notices (H-11): the due ones by send time, the board's by display
//! period; a change is an `UPDATE … WHERE version = $read`.

use chrono::{DateTime, NaiveDate, Utc};
use postgres::Transaction;
use sesshu_core::store::notices::NoticeColumns;
use sesshu_core::store::{Expected, FoundVersion, NoticeStore, StoreError, StoredNotice};

use crate::sql::limit;
use crate::{backend, Column, PostgresStore};

const COLUMNS: &str = "id, status, send_at, display_from, display_until, body, version";

impl NoticeStore for PostgresStore {
    fn notice(&self, id: &str) -> Result<Option<StoredNotice>, StoreError> {
        let rows = self.client()?.query(
            &format!("SELECT {COLUMNS} FROM notices WHERE id = $1"),
            &[&id],
        )?;
        Ok(read(&rows)?.pop())
    }

    fn notices(
        &self,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        let rows = self.client()?.query(
            &format!("SELECT {COLUMNS} FROM notices WHERE id > $1 ORDER BY id LIMIT $2"),
            &[&after.unwrap_or(""), &limit(limit_n)],
        )?;
        read(&rows)
    }

    fn due_notices(
        &self,
        at: DateTime<Utc>,
        limit_n: usize,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        let rows = self.client()?.query(
            &format!(
                "SELECT {COLUMNS} FROM notices WHERE status = 'scheduled' AND send_at <= $1
                 ORDER BY send_at, id LIMIT $2"
            ),
            &[&at, &limit(limit_n)],
        )?;
        read(&rows)
    }

    fn board_notices(&self, day: NaiveDate) -> Result<Vec<StoredNotice>, StoreError> {
        let rows = self.client()?.query(
            &format!(
                "SELECT {COLUMNS} FROM notices
                 WHERE status = 'sent' AND display_until >= $1 AND display_from <= $1
                 ORDER BY send_at, id"
            ),
            &[&day],
        )?;
        read(&rows)
    }
}

fn read(rows: &[postgres::Row]) -> Result<Vec<StoredNotice>, StoreError> {
    rows.iter()
        .map(|r| {
            NoticeColumns {
                id: r.col(0)?,
                status: r.col(1)?,
                send_at: r.col(2)?,
                display_from: r.col(3)?,
                display_until: r.col(4)?,
                body: r.col(5)?,
                version: r.col(6)?,
            }
            .read()
        })
        .collect()
}

pub(crate) fn put_notice(
    tx: &mut Transaction<'_>,
    n: &StoredNotice,
    expected: Expected,
) -> Result<i64, StoreError> {
    let c = NoticeColumns::of(n);
    let written = match expected {
        Expected::Absent => tx.execute(
            "INSERT INTO notices (id, status, send_at, display_from, display_until, body, version)
             VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT DO NOTHING",
            &[
                &c.id,
                &c.status,
                &c.send_at,
                &c.display_from,
                &c.display_until,
                &c.body,
            ],
        ),
        Expected::Version(v) => tx.execute(
            "UPDATE notices SET status = $2, send_at = $3, display_from = $4,
                 display_until = $5, body = $6, version = version + 1
             WHERE id = $1 AND version = $7",
            &[
                &c.id,
                &c.status,
                &c.send_at,
                &c.display_from,
                &c.display_until,
                &c.body,
                &v,
            ],
        ),
    }
    .map_err(backend)?;
    if written == 1 {
        return Ok(expected.next());
    }
    let found = tx
        .query_opt("SELECT version FROM notices WHERE id = $1", &[&c.id])
        .ok()
        .flatten()
        .and_then(|r| r.col::<i64>(0).ok());
    Err(StoreError::Conflict {
        entity: "notice",
        id: c.id,
        expected,
        found: FoundVersion(found),
    })
}
