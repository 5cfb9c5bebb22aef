//! The helpers every domain's statements share: parameters, one read
//! snapshot, version checks inside a commit.

use rusqlite::{types::Value, Connection, OptionalExtension, Transaction};
use sesshu_core::store::{Expected, FoundVersion, StoreError};

use crate::backend;
use crate::codec::instant_text;

/// Runs `f`'s statements as one read transaction: one snapshot of the
/// database (a commit between them cannot show through) and one lock of the
/// file instead of one per statement. Inside a transaction already, `f`
/// simply runs in it.
pub(crate) fn snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !c.is_autocommit() {
        return f(c);
    }
    let tx = c.unchecked_transaction().map_err(backend)?;
    f(&tx)
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub(crate) fn limit(n: usize) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

pub(crate) fn instant(t: chrono::DateTime<chrono::Utc>) -> Value {
    Value::Text(instant_text(t))
}

/// Reads a row's version with `sql` (one parameter, the key) and checks it
/// against `expected`: the version to write, or the conflict.
pub(crate) fn check(
    tx: &Transaction<'_>,
    entity: &'static str,
    sql: &str,
    id: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let found: Option<i64> = tx
        .prepare_cached(sql)
        .map_err(backend)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    expected.check(entity, id, found)
}

/// The conflict for a write that matched no row (or met an existing one).
pub(crate) fn conflict(
    tx: &Transaction<'_>,
    entity: &'static str,
    sql: &str,
    id: &str,
    expected: Expected,
) -> StoreError {
    let found: Option<i64> = tx
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .ok()
        .flatten();
    StoreError::Conflict {
        entity,
        id: id.to_owned(),
        expected,
        found: FoundVersion(found),
    }
}
