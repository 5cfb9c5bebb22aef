//! The storage conformance suite, unchanged, on PostgreSQL: a fresh
//! database per test on the server named by `SESSHU_TEST_POSTGRES_URL`
//! (`scripts/test` starts a throwaway cluster). Without a server the tests
//! fail and say why: they never skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

sesshu_core::store_conformance_tests!(support::fresh_store());
