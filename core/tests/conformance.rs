//! The storage conformance suite, unchanged, on the in-memory store: what
//! the services' unit tests run on behaves as SQLite and PostgreSQL do.

use std::sync::Arc;

use sesshu_core::store::MemoryStore;

sesshu_core::store_conformance_tests!(Arc::new(MemoryStore::new()));
