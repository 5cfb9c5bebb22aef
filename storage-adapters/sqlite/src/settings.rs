//! The store's own settings (`sesshu_core::store::settings`): one row a
//! key, written once.

use rusqlite::{Connection, OptionalExtension, Transaction};
use sesshu_core::store::{Expected, FoundVersion, StoreError};

use crate::backend;

pub(crate) fn setting(c: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    c.prepare_cached("SELECT value FROM store_settings WHERE key = ?1")
        .map_err(backend)?
        .query_row([key], |r| r.get(0))
        .optional()
        .map_err(backend)
}

pub(crate) fn put_setting(tx: &Transaction<'_>, key: &str, value: &str) -> Result<i64, StoreError> {
    let written = tx
        .prepare_cached("INSERT OR IGNORE INTO store_settings (key, value) VALUES (?1, ?2)")
        .map_err(backend)?
        .execute((key, value))
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
