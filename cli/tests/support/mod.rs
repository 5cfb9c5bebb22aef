//! What the command's tests share: a throwaway PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

/// A fresh database `<prefix>_<pid>` on the cluster `scripts/test` starts
/// (`SESSHU_TEST_POSTGRES_URL`), dropped when the value is dropped.
pub struct Database {
    admin: postgres::Client,
    name: String,
    /// Its URL.
    pub url: String,
}

impl Database {
    pub fn new(prefix: &str) -> Database {
        let url = std::env::var("SESSHU_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!("SESSHU_TEST_POSTGRES_URL is not set: run scripts/test, which starts a throwaway PostgreSQL")
        });
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = url.rsplit_once('/').unwrap();
        Database {
            url: format!("{base}/{name}"),
            admin,
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
