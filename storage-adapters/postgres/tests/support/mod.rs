//! A fresh PostgreSQL database per test.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use sesshu_core::store::Store;
use sesshu_postgres::PostgresStore;

/// The server URL; panics with the reason when none is configured.
pub fn server_url() -> String {
    std::env::var("SESSHU_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "SESSHU_TEST_POSTGRES_URL is not set: the PostgreSQL tests need a server. \
             Run scripts/test (it starts a throwaway PostgreSQL cluster), or \
             `eval \"$(scripts/postgres start)\"` first."
        )
    })
}

/// Creates an empty database and returns its URL.
pub fn fresh_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let url = server_url();
    let name = format!(
        "sesshu_t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to SESSHU_TEST_POSTGRES_URL ({url}): {e}"));
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut config: postgres::Config = url.parse().unwrap();
    config.dbname(&name);
    // Rebuild a URL-free connection string from the config's parts.
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres").to_owned();
    let password = config
        .get_password()
        .map(|p| format!(" password={}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    format!("host={host} port={port} user={user} dbname={name}{password}")
}

/// A store over a fresh database.
#[allow(dead_code)] // each test binary uses part of this module
pub fn fresh_store() -> Arc<dyn Store> {
    Arc::new(PostgresStore::connect(&fresh_database()).unwrap())
}
