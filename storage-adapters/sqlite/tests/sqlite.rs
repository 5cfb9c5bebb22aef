//! SQLite-specific checks: migrations, tamper evidence, in-memory stores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use rusqlite::Connection;
use sesshu_core::access_log::{AccessAction, AccessLogDraft};
use sesshu_core::calendar::FixedClock;
use sesshu_core::service::Sesshu;
use sesshu_core::store::prelude::*;
use sesshu_core::store::ChangeSet;
use sesshu_sqlite::{migrate, SqliteStore, MIGRATIONS, SCHEMA_VERSION};

/// The schema as SQLite describes it, for comparing two databases.
fn schema(conn: &Connection) -> Vec<(String, String, String)> {
    let mut stmt = conn
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_migrated_database_equals_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    // Step by step: each migration applied by its own connection, as upgrades do.
    let stepwise = dir.path().join("stepwise.db");
    for (version, _, _) in MIGRATIONS {
        let mut conn = Connection::open(&stepwise).unwrap();
        migrate(&mut conn, *version).unwrap();
    }
    let reopened = SqliteStore::open(&stepwise).unwrap();
    assert_eq!(reopened.schema_version().unwrap(), SCHEMA_VERSION);
    let fresh = SqliteStore::open(dir.path().join("fresh.db")).unwrap();
    assert_eq!(fresh.schema_version().unwrap(), SCHEMA_VERSION);
    let a = reopened.with_connection(|c| schema(c));
    let b = fresh.with_connection(|c| schema(c));
    assert_eq!(a, b);
    assert!(a.iter().any(|(_, name, _)| name == "records"));
    // Opening again applies nothing and changes nothing.
    drop(fresh);
    let again = SqliteStore::open(dir.path().join("fresh.db")).unwrap();
    assert_eq!(again.with_connection(|c| schema(c)), b);
}

fn entries(store: &SqliteStore, n: usize) {
    let drafts = (0..n)
        .map(|i| AccessLogDraft {
            at: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap(),
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
}

#[test]
fn a_tampered_log_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("log.db")).unwrap());
    entries(&store, 5);
    let services = Sesshu::new(
        store.clone(),
        Arc::new(FixedClock(
            chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        )),
    );
    assert_eq!(services.verify_log(&auditor()).unwrap().first_break, None);

    store.with_connection(|c| {
        c.execute("UPDATE access_log SET actor = 'mallory' WHERE seq = 3", [])
            .unwrap()
    });
    let report = services.verify_log(&auditor()).unwrap();
    assert_eq!(report.first_break.map(|b| b.seq), Some(3));
    assert_eq!(report.verified, 2);

    store.with_connection(|c| {
        c.execute("UPDATE access_log SET actor = 'user2' WHERE seq = 3", [])
            .unwrap()
    });
    assert_eq!(services.verify_log(&auditor()).unwrap().first_break, None);
    store.with_connection(|c| {
        c.execute("DELETE FROM access_log WHERE seq = 5", [])
            .unwrap()
    });
    assert_eq!(
        services
            .verify_log(&auditor())
            .unwrap()
            .first_break
            .map(|b| b.seq),
        Some(5)
    );
    store.with_connection(|c| {
        c.execute("DELETE FROM access_log WHERE seq = 2", [])
            .unwrap()
    });
    assert_eq!(
        services
            .verify_log(&auditor())
            .unwrap()
            .first_break
            .map(|b| b.seq),
        Some(3)
    );
}

#[test]
fn in_memory_stores_are_private_and_work() {
    let a = SqliteStore::open_in_memory().unwrap();
    let b = SqliteStore::open_in_memory().unwrap();
    entries(&a, 2);
    assert_eq!(a.log_head().unwrap().map(|h| h.0), Some(2));
    assert_eq!(b.log_head().unwrap(), None);
    assert_eq!(a.log_entries(1, 10).unwrap().len(), 2);
}

/// Version 1 kept a delivered time per record and the items of each batch;
/// version 2 numbers changes and keeps one cursor per municipality. What
/// was delivered stays delivered, an open batch stays open with the same
/// records, and nothing undelivered is lost.
#[test]
fn delivery_state_survives_the_sequence_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, 1).unwrap();
        conn.execute_batch(
            "INSERT INTO persons VALUES ('A1', 'SA1', '山田 花子', 'ヤマダ ハナコ', '1990-01-01', 'female', NULL, 1, '2024-01-01T00:00:00.000000Z');
             INSERT INTO residency VALUES ('A1', '2000-01-01', NULL, '131016');
             -- r1 delivered; r2 delivered, then changed; r3 in the open batch; r4 new; s1 another municipality's.
             INSERT INTO records VALUES ('r1', 'A1', '131016', 'routine', 'V1', 1, '2024-01-01', NULL, NULL, 0, 1, '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z');
             INSERT INTO records VALUES ('r2', 'A1', '131016', 'routine', 'V1', 2, '2024-02-01', NULL, NULL, 0, 2, '2024-03-01T00:00:00.000000Z', '2024-02-01T00:00:00.000000Z');
             INSERT INTO records VALUES ('r3', 'A1', '131016', 'routine', 'V1', 3, '2024-03-01', NULL, NULL, 0, 1, '2024-03-01T00:00:00.000000Z', NULL);
             INSERT INTO records VALUES ('r4', 'A1', '131016', 'routine', 'V1', 4, '2024-04-01', NULL, NULL, 0, 1, '2024-04-01T00:00:00.000000Z', NULL);
             INSERT INTO records VALUES ('s1', 'A1', '011002', 'routine', 'V1', 1, '2020-04-01', NULL, NULL, 0, 1, '2020-04-01T00:00:00.000000Z', NULL);
             INSERT INTO delivery_batches VALUES ('131016-1', '131016', '2024-01-02T00:00:00.000000Z', '2024-01-03T00:00:00.000000Z', 2);
             INSERT INTO delivery_items VALUES ('131016-1', 'r1', '2024-01-01T00:00:00.000000Z');
             INSERT INTO delivery_batches VALUES ('131016-2', '131016', '2024-03-02T00:00:00.000000Z', NULL, 1);
             INSERT INTO delivery_items VALUES ('131016-2', 'r3', '2024-03-01T00:00:00.000000Z');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let chiyoda = sesshu_core::identifiers::MunicipalityCode::parse("131016").unwrap();
    let cursor = store.delivered_through(chiyoda).unwrap();
    let open = store.open_batch(chiyoda).unwrap().expect("the open batch");
    assert_eq!(open.id, "131016-2");
    assert_eq!(open.after_seq, cursor);
    assert_eq!(open.record_count, 1);
    let ids = |after, through| -> Vec<String> {
        store
            .records_for_delivery(chiyoda, after, through, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.record.id.to_string())
            .collect()
    };
    assert_eq!(ids(open.after_seq, Some(open.through_seq)), ["r3"]);
    assert_eq!(ids(cursor, None), ["r3", "r2", "r4"]);
    assert_eq!(ids(0, None).len(), 4, "r1 stays below the cursor");
    assert_eq!(store.batch_count(chiyoda).unwrap(), 2);
    let sapporo = sesshu_core::identifiers::MunicipalityCode::parse("011002").unwrap();
    assert_eq!(store.delivered_through(sapporo).unwrap(), 0);
    assert_eq!(
        store
            .records_for_delivery(sapporo, 0, None, 100)
            .unwrap()
            .len(),
        1
    );
}

fn auditor() -> sesshu_core::service::Actor {
    sesshu_core::service::Actor::municipality(
        "auditor",
        sesshu_core::identifiers::MunicipalityCode::parse("131016").unwrap(),
    )
}

/// The account check reads the zengin master from memory: a load by
/// another store on the same file (another process, say) is seen at the
/// next check, and so is a load through this store, and a rollback.
#[test]
fn the_zengin_check_sees_a_load_made_elsewhere() {
    use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
    use sesshu_core::service::{Actor, CsvEncoding};
    use sesshu_core::zengin::ZenginFile;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.db");
    let clock = Arc::new(FixedClock(
        sesshu_core::calendar::parse_timestamp("2026-12-01T00:00:00Z").unwrap(),
    ));
    let here = Sesshu::new(Arc::new(SqliteStore::open(&path).unwrap()), clock.clone());
    let there = Sesshu::new(Arc::new(SqliteStore::open(&path).unwrap()), clock);
    let central = Actor::new(
        "op",
        OrganisationType::Central,
        OrganisationCode::parse("CENTRAL").unwrap(),
        vec![Role::Central],
    );
    let file = |branch: &str| {
        let text = format!(
            "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n0001,a,A,{branch},b,B\n"
        );
        ZenginFile::from_csv(text.as_bytes(), CsvEncoding::Utf8Bom).unwrap()
    };
    let check = |s: &Sesshu, branch: &str| s.zengin_check("0001", branch).map_err(|e| e.code());
    assert_eq!(check(&here, "001"), Err("unknown_bank_code"));
    there.zengin_load(&central, file("001"), "a.csv").unwrap();
    assert_eq!(
        check(&here, "001"),
        Ok(()),
        "a load by another store is seen"
    );
    assert_eq!(check(&here, "001"), Ok(()), "and again, from memory");
    there.zengin_load(&central, file("002"), "b.csv").unwrap();
    assert_eq!(check(&here, "001"), Err("unknown_branch_code"));
    assert_eq!(check(&here, "002"), Ok(()));
    here.zengin_rollback(&central).unwrap();
    assert_eq!(
        check(&here, "001"),
        Ok(()),
        "a rollback through this store is seen"
    );
    assert_eq!(check(&there, "001"), Ok(()), "and by the other store");
    assert_eq!(check(&there, "002"), Err("unknown_branch_code"));
}
