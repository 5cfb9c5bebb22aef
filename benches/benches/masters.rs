//! Master benchmarks (issue 21).
//!
//! - `zengin/replace_*`: the full replacement of the zengin code-check
//!   master with the shipped snapshot (1,146 banks, 28,944 branches), on
//!   SQLite and (with `SESSHU_BENCH_POSTGRES=url`) on PostgreSQL. Two files
//!   alternate so that every load replaces the master.
//! - `zengin/check_sqlite`: one account check against the stored master
//!   (warm cache), beside the engine's floor — the same primary-key lookup
//!   as one hand-written prepared statement on its own connection — and
//!   the in-memory master.
//! - `master_upload/*`: 100,000 rows of a master uploaded through the
//!   service (CSV read, every row checked, history, one commit) against
//!   the same rows by hand-written INSERTs in one transaction.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sesshu_core::calendar::{parse_timestamp, FixedClock};
use sesshu_core::identifiers::{BankCode, BranchCode, ZenginDirectory, ZenginMaster};
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::service::{Actor, CsvEncoding, Sesshu};
use sesshu_core::store::Store;
use sesshu_core::zengin::ZenginFile;

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(parse_timestamp("2026-12-01T03:00:00Z").unwrap()))
}

fn actor(t: OrganisationType, org: &str, role: Role) -> Actor {
    Actor::new(
        "bench",
        t,
        OrganisationCode::parse(org).unwrap(),
        vec![role],
    )
}

fn snapshot() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/zengin");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .unwrap();
    std::fs::read(path).unwrap()
}

/// The snapshot and the snapshot without its last branch: two files whose
/// loads each replace the master.
fn two_files() -> [ZenginFile; 2] {
    let bytes = snapshot();
    let a = ZenginFile::from_csv(&bytes, CsvEncoding::Utf8Bom).unwrap();
    let mut b = a.clone();
    b.branches.pop();
    b.sha256 = "0".repeat(64);
    [a, b]
}

fn replace(c: &mut Criterion, name: &str, store: Arc<dyn Store>) {
    let s = Sesshu::new(store, clock());
    let central = actor(OrganisationType::Central, "CENTRAL", Role::Central);
    let files = two_files();
    let mut i = 0;
    let mut g = c.benchmark_group("zengin");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function(name, |b| {
        b.iter_batched(
            || {
                i += 1;
                files[i % 2].clone()
            },
            |f| assert!(s.zengin_load(&central, f, "bench.csv").unwrap().changed),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn zengin(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zengin.db");
    let store = Arc::new(sesshu_sqlite::SqliteStore::open(&path).unwrap());
    replace(c, "replace_sqlite", store.clone());
    if let Ok(url) = std::env::var("SESSHU_BENCH_POSTGRES") {
        let pg = Arc::new(sesshu_postgres::PostgresStore::connect(&url).unwrap());
        replace(c, "replace_postgres", pg);
    } else {
        eprintln!("SESSHU_BENCH_POSTGRES is not set: zengin/replace_postgres not run");
    }

    // One account check, warm: a real branch of a real bank.
    let s = Sesshu::new(store.clone(), clock());
    if s.zengin_status().unwrap().current.is_none() {
        let central = actor(OrganisationType::Central, "CENTRAL", Role::Central);
        let [first, _] = two_files();
        s.zengin_load(&central, first, "snapshot.csv").unwrap();
    }
    s.zengin_check("0009", "001").unwrap();
    let mut g = c.benchmark_group("zengin");
    g.bench_function("check_sqlite", |b| {
        b.iter(|| s.zengin_check(black_box("0009"), black_box("001")).unwrap())
    });
    // The engine's floor: the same lookup, one prepared statement.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = conn
        .prepare_cached(
            "SELECT 1 FROM zengin_branches WHERE generation = ?1 AND bank = ?2 AND branch = ?3",
        )
        .unwrap();
    let generation: i64 = s.zengin_status().unwrap().current.unwrap().generation;
    g.bench_function("check_sqlite_floor", |b| {
        b.iter(|| {
            let n: i64 = stmt
                .query_row((generation, black_box("0009"), black_box("001")), |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(n, 1);
        })
    });
    let file = &two_files()[0];
    let master: ZenginMaster = file.branches.iter().map(|b| (b.bank, b.code)).collect();
    let (bank, branch) = (
        BankCode::parse("0009").unwrap(),
        BranchCode::parse("001").unwrap(),
    );
    g.bench_function("check_in_memory", |b| {
        b.iter(|| master.check(black_box(&bank), black_box(&branch)).unwrap())
    });
    g.finish();
}

/// 100,000 rows of the disease master, as CSV.
fn master_csv(n: usize) -> Vec<u8> {
    let mut out = String::from("code,name,valid_from,valid_to\n");
    for i in 0..n {
        out.push_str(&format!("D{i:07},疾病{i},2020-04-01,\n"));
    }
    out.into_bytes()
}

fn master_upload(c: &mut Criterion) {
    const N: usize = 100_000;
    let csv = master_csv(N);
    let mhlw = actor(OrganisationType::Mhlw, "MHLW", Role::Mhlw);
    let mut g = c.benchmark_group("master_upload");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("service_sqlite_100k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = sesshu_sqlite::SqliteStore::open(dir.path().join("m.db")).unwrap();
                (dir, Sesshu::new(Arc::new(store), clock()))
            },
            |(_dir, s)| {
                let r = s
                    .import_master_csv(&mhlw, "diseases", &csv, CsvEncoding::Utf8Bom, false)
                    .unwrap();
                assert_eq!(r.created, N);
            },
            BatchSize::PerIteration,
        )
    });
    // The checks alone: the same upload as a dry run (nothing written).
    let dir = tempfile::tempdir().unwrap();
    let store = sesshu_sqlite::SqliteStore::open(dir.path().join("dry.db")).unwrap();
    let dry = Sesshu::new(Arc::new(store), clock());
    g.bench_function("service_sqlite_100k_dry_run", |b| {
        b.iter(|| {
            let r = dry
                .import_master_csv(&mhlw, "diseases", &csv, CsvEncoding::Utf8Bom, true)
                .unwrap();
            assert_eq!(r.created, N);
        })
    });
    // The anchor: the same rows, hand-written INSERTs into the same table
    // in one transaction (the text already split, nothing checked).
    g.bench_function("hand_written_inserts_sqlite_100k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("m.db");
                drop(sesshu_sqlite::SqliteStore::open(&path).unwrap());
                let conn = rusqlite::Connection::open(&path).unwrap();
                conn.pragma_update(None, "journal_mode", "WAL").unwrap();
                conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
                (dir, conn)
            },
            |(_dir, mut conn)| {
                let tx = conn.transaction().unwrap();
                {
                    let mut put = tx
                        .prepare(
                            "INSERT INTO master_rows (kind, key, valid_from, valid_to, owner, body, seq, updated_at)
                             VALUES ('diseases', ?1, '2020-04-01', NULL, NULL, ?2, ?3, '2026-12-01T03:00:00.000000Z')",
                        )
                        .unwrap();
                    for i in 0..N {
                        let code = format!("D{i:07}");
                        let body = format!("{{\"code\":\"{code}\",\"name\":\"疾病{i}\"}}");
                        put.execute((&code, &body, i as i64 + 1)).unwrap();
                    }
                }
                tx.commit().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, zengin, master_upload);
criterion_main!(benches);
