//! The store's own settings (`sesshu_core::store::settings`): one row a
//! key, written once.

use postgres::Transaction;
use sesshu_core::store::{Expected, FoundVersion, StoreError};

use crate::backend;
use crate::pool::CachedClient;

pub(crate) fn setting(c: &mut CachedClient, key: &str) -> Result<Option<String>, StoreError> {
    c.query_opt("SELECT value FROM store_settings WHERE key = $1", &[&key])?
        .map(|row| {
            row.try_get::<_, String>(0)
                .map_err(|e| StoreError::Corrupt {
                    entity: "store setting",
                    id: key.to_owned(),
                    reason: e.to_string(),
                })
        })
        .transpose()
}

pub(crate) fn put_setting(
    tx: &mut Transaction<'_>,
    key: &str,
    value: &str,
) -> Result<i64, StoreError> {
    let written = tx
        .execute(
            "INSERT INTO store_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &value],
        )
        .map_err(backend)?;
    if written != 1 {
        return Err(StoreError::Conflict {
            entity: "store setting",
            id: key.to_owned(),
            expected: Expected::Absent,
            found: FoundVersion(Some(1)),
        });
    }
    Ok(1)
}
