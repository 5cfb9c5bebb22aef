//! PostgreSQL-specific checks: migrations and tamper evidence.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use sesshu_core::access_log::{AccessAction, AccessLogDraft};
use sesshu_core::calendar::FixedClock;
use sesshu_core::service::Sesshu;
use sesshu_core::store::prelude::*;
use sesshu_core::store::ChangeSet;
use sesshu_postgres::{migrate, PostgresStore, MIGRATIONS, SCHEMA_VERSION};

/// Tables, columns, indexes and constraints as the catalog describes them.
fn schema(url: &str) -> Vec<String> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut out: Vec<String> = c
        .query(
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(collation_name, '')
             FROM information_schema.columns WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    out.extend(
        c.query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0)),
    );
    out.extend(
        c.query(
            "SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0)),
    );
    out.sort();
    out
}

#[test]
fn a_migrated_database_equals_a_fresh_one() {
    let stepwise = support::fresh_database();
    for (version, _, _) in MIGRATIONS {
        let mut c = postgres::Client::connect(&stepwise, postgres::NoTls).unwrap();
        migrate(&mut c, *version).unwrap();
    }
    let reopened = PostgresStore::connect(&stepwise).unwrap();
    assert_eq!(reopened.schema_version().unwrap(), SCHEMA_VERSION);
    let fresh = support::fresh_database();
    let store = PostgresStore::connect(&fresh).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let a = schema(&stepwise);
    assert!(a.iter().any(|l| l.starts_with("records.id ")));
    assert_eq!(a, schema(&fresh));
    // Connecting again applies nothing.
    drop(store);
    PostgresStore::connect(&fresh).unwrap();
    assert_eq!(schema(&fresh), a);
}

#[test]
fn a_tampered_log_row_is_found() {
    let url = support::fresh_database();
    let store = Arc::new(PostgresStore::connect(&url).unwrap());
    let services = five_entries(&store);
    assert_eq!(services.verify_log(&auditor()).unwrap().first_break, None);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.execute(
        "UPDATE access_log SET at = at + interval '1 second' WHERE seq = 4",
        &[],
    )
    .unwrap();
    assert_eq!(
        services
            .verify_log(&auditor())
            .unwrap()
            .first_break
            .map(|b| b.seq),
        Some(4)
    );
}

/// Five log entries in `store`, and services over it.
fn five_entries(store: &Arc<PostgresStore>) -> Sesshu {
    let drafts = (0..5)
        .map(|i| AccessLogDraft {
            at: chrono::DateTime::from_timestamp(1_700_000_000 + i, 0).unwrap(),
            actor: format!("user{i}"),
            organisation: "131016".into(),
            action: AccessAction::ReadRecords,
            subject: None,
            record_ids: vec![],
        })
        .collect();
    store
        .commit(ChangeSet {
            writes: vec![],
            log: drafts,
        })
        .unwrap();
    Sesshu::new(
        store.clone(),
        Arc::new(FixedClock(
            chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        )),
    )
}

fn auditor() -> sesshu_core::service::Actor {
    sesshu_core::service::Actor::municipality(
        "auditor",
        sesshu_core::identifiers::MunicipalityCode::parse("131016").unwrap(),
    )
}

/// A hand edit that leaves a value the schema no longer promises (here a
/// NULL name, a NULL residency start, a text version) is a typed
/// `corrupt_data` error naming the column — never a panic in the adapter.
#[test]
fn hand_edited_rows_are_corrupt_data_not_panics() {
    use sesshu_core::identifiers::ManagementId;
    let url = support::fresh_database();
    let store = PostgresStore::connect(&url).unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(
        "INSERT INTO persons VALUES ('A1', 'SA1', '山田 花子', 'ヤマダ ハナコ', '1990-01-01', 'female', NULL, 1, '2024-01-01T00:00:00.000000Z');
         INSERT INTO residency VALUES ('A1', '2000-01-01', NULL, '131016');
         ALTER TABLE persons ALTER COLUMN name DROP NOT NULL;
         UPDATE persons SET name = NULL;",
    )
    .unwrap();
    let a1 = ManagementId::parse("A1").unwrap();
    let e = store.persons_by_ids(std::slice::from_ref(&a1)).unwrap_err();
    assert_eq!(e.code(), "corrupt_data");
    assert!(e.to_string().contains("name"), "{e}");
    let e = store
        .person_with_records(&a1, &|_| sesshu_core::records::RecordScope::All)
        .unwrap_err();
    assert_eq!(e.code(), "corrupt_data");
    c.batch_execute(
        "UPDATE persons SET name = '山田 花子';
         ALTER TABLE persons ALTER COLUMN version TYPE text;",
    )
    .unwrap();
    // A new pool: statements prepared before the type changed are gone.
    let store = PostgresStore::connect(&url).unwrap();
    let e = store.persons_by_ids(std::slice::from_ref(&a1)).unwrap_err();
    assert_eq!(e.code(), "corrupt_data");
    assert!(e.to_string().contains("version"), "{e}");
}

/// A log cut short on PostgreSQL — the newest entries deleted and the head
/// rewritten, the head deleted, everything deleted — fails against a signed
/// checkpoint.
#[test]
fn a_log_cut_short_fails_against_a_checkpoint() {
    use sesshu_core::checkpoint::LogKey;
    use sesshu_core::secrets::SeededRandom;
    let cases = [
        "DELETE FROM access_log WHERE seq > 3;
         UPDATE log_head SET seq = 3, hash = (SELECT hash FROM access_log WHERE seq = 3);",
        "DELETE FROM log_head;",
        "DELETE FROM access_log; DELETE FROM log_head;",
    ];
    let key = LogKey::generate(&SeededRandom::new(7));
    for sql in cases {
        let url = support::fresh_database();
        let store = Arc::new(PostgresStore::connect(&url).unwrap());
        let services = five_entries(&store);
        let c = services.log_checkpoint(&auditor(), &key).unwrap();
        assert_eq!(c.size, 5);
        let report = services
            .verify_log_with_checkpoint(&auditor(), &c, &key.public())
            .unwrap();
        assert_eq!(report.first_break, None);
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(sql).unwrap();
        let report = services
            .verify_log_with_checkpoint(&auditor(), &c, &key.public())
            .unwrap();
        assert!(report.first_break.is_some(), "{sql}: {report:?}");
    }
}

/// Whether this store's connections are encrypted.
fn encrypted(store: &PostgresStore) -> bool {
    store
        .with_client(|c| {
            Ok(c.query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0))
        })
        .unwrap()
}

/// `sslmode` as libpq reads it, against the throwaway cluster's own
/// certificate authority: `verify-full` with the CA connects encrypted,
/// without it (the system's roots) is refused; `require` encrypts without
/// checking; `disable` does not encrypt.
#[test]
fn sslmode_is_honoured() {
    let url = support::server_url();
    let ca = std::env::var("SESSHU_TEST_POSTGRES_CA")
        .expect("SESSHU_TEST_POSTGRES_CA is not set: run scripts/test, which starts a throwaway PostgreSQL with TLS");
    let with = |query: &str| format!("{url}?{query}");
    let full = PostgresStore::connect_with_pool_size(
        &with(&format!("sslmode=verify-full&sslrootcert={ca}")),
        1,
    )
    .unwrap();
    assert!(encrypted(&full));
    let unknown_ca = PostgresStore::connect_with_pool_size(&with("sslmode=verify-full"), 1);
    assert_eq!(
        unknown_ca.map(|_| ()).map_err(|e| e.code()),
        Err("storage_backend")
    );
    let require = PostgresStore::connect_with_pool_size(&with("sslmode=require"), 1).unwrap();
    assert!(encrypted(&require));
    let plain = PostgresStore::connect_with_pool_size(&with("sslmode=disable"), 1).unwrap();
    assert!(!encrypted(&plain));
    let bad = PostgresStore::connect_with_pool_size(&with("sslmode=sometimes"), 1);
    assert!(bad.is_err());
}
