//! The storage conformance suite, unchanged, on SQLite (a fresh database
//! file per test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sesshu_core::store::Store;
use sesshu_sqlite::SqliteStore;

fn fresh() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sesshu.db")).unwrap();
    // Keep the directory for the life of the test process.
    std::mem::forget(dir);
    Arc::new(store)
}

sesshu_core::store_conformance_tests!(fresh());
