//! The helpers every domain's statements share: boxed parameters, page
//! limits, version checks inside a commit.

use postgres::types::ToSql;
use postgres::{Statement, Transaction};
use sesshu_core::store::{Expected, FoundVersion, StoreError};

use crate::{backend, Column};

pub(crate) type Params<'a> = Vec<Box<dyn ToSql + Sync + 'a>>;

pub(crate) fn refs<'a>(p: &'a Params<'_>) -> Vec<&'a (dyn ToSql + Sync)> {
    p.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The conflict for a row whose write matched nothing.
pub(crate) fn conflict(
    tx: &mut Transaction<'_>,
    entity: &'static str,
    stmt: &Statement,
    id: &str,
    expected: Expected,
) -> StoreError {
    let found = tx
        .query_opt(stmt, &[&id])
        .ok()
        .flatten()
        .and_then(|r| r.col::<i64>(0).ok());
    StoreError::Conflict {
        entity,
        id: id.to_owned(),
        expected,
        found: FoundVersion(found),
    }
}

pub(crate) fn check(
    tx: &mut Transaction<'_>,
    entity: &'static str,
    stmt: &Statement,
    id: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let found: Option<i64> = tx
        .query_opt(stmt, &[&id])
        .map_err(backend)?
        .map(|r| r.col(0))
        .transpose()?;
    expected.check(entity, id, found)
}

/// Reads a row's version with `sql` (one parameter, the key; `FOR UPDATE`
/// where the row must stay as read) and checks it against `expected`: the
/// version to write, or the conflict.
pub(crate) fn check_sql(
    tx: &mut Transaction<'_>,
    entity: &'static str,
    sql: &str,
    id: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let stmt = tx.prepare(sql).map_err(backend)?;
    check(tx, entity, &stmt, id, expected)
}
