//! Maternal and child health data benchmarks (issue 23).
//!
//! `maternal_upload/*`: 1,000,000 rows of 妊婦健診 (`prenatal_checkup`, 11
//! columns) uploaded through the service — the file decoded and read as a
//! stream, every row checked against the declaration, registered 20,000 a
//! commit — against the same rows by hand-written INSERTs into the same
//! table in one transaction (the line split and the key and JSON body
//! formatted, nothing checked), on SQLite and (with
//! `SESSHU_BENCH_POSTGRES=url`) on PostgreSQL. Set `SESSHU_BENCH_ROWS` for
//! another count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sesshu_core::calendar::{parse_timestamp, FixedClock};
use sesshu_core::service::{Actor, CsvEncoding, Sesshu};
use sesshu_core::store::Store;

fn rows() -> usize {
    std::env::var("SESSHU_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(parse_timestamp("2026-12-01T03:00:00Z").unwrap()))
}

fn staff() -> Actor {
    Actor::municipality(
        "bench",
        sesshu_core::identifiers::MunicipalityCode::parse("131016").unwrap(),
    )
}

const HEADER: &str = "subject_number,exam_date,visit,gestational_weeks,weight_kg,systolic,diastolic,urine_protein,urine_glucose,hemoglobin,judgment";

/// `n` rows of prenatal check-ups: one per subject.
fn csv(n: usize) -> Vec<u8> {
    let mut out = String::with_capacity(n * 64);
    out.push_str(HEADER);
    out.push('\n');
    for i in 0..n {
        out.push_str(&format!(
            "S{i:07},2026-11-{:02},{},{},{}.{},{},{},0,0,12.{},1\n",
            1 + i % 28,
            1 + i % 14,
            8 + i % 30,
            50 + i % 30,
            i % 10,
            100 + i % 40,
            60 + i % 30,
            i % 10
        ));
    }
    out.into_bytes()
}

/// The key and body the hand-written statement writes for one line.
fn key_and_body(line: &str) -> (String, String, String) {
    let f: Vec<&str> = line.split(',').collect();
    let names = HEADER.split(',').collect::<Vec<_>>();
    let mut body = String::from("{");
    for (i, (n, v)) in names.iter().zip(&f).enumerate().skip(1) {
        if i > 1 {
            body.push(',');
        }
        body.push_str(&format!("\"{n}\":\"{v}\""));
    }
    body.push('}');
    (format!("{}\u{1f}{}", f[0], f[1]), f[0].to_owned(), body)
}

fn service(
    c: &mut Criterion,
    name: &str,
    make: &dyn Fn() -> Arc<dyn Store>,
    data: &[u8],
    n: usize,
) {
    let mut g = c.benchmark_group("maternal_upload");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function(name, |b| {
        b.iter_batched(
            || Sesshu::new(make(), clock()),
            |s| {
                let up = s
                    .upload_maternal_csv(
                        &staff(),
                        "prenatal_checkup",
                        data,
                        CsvEncoding::Utf8Bom,
                        false,
                    )
                    .unwrap();
                assert_eq!((up.registered, up.refused.len()), (n, 0));
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn sqlite(c: &mut Criterion) {
    let n = rows();
    let data = csv(n);
    let dir = tempfile::tempdir().unwrap();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let path = |i: usize| dir.path().join(format!("m{i}.db"));
    service(
        c,
        &format!("service_sqlite_{n}"),
        &|| {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Arc::new(sesshu_sqlite::SqliteStore::open(path(i)).unwrap())
        },
        &data,
        n,
    );
    let text = String::from_utf8(data).unwrap();
    let mut g = c.benchmark_group("maternal_upload");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function(format!("hand_written_inserts_sqlite_{n}"), |b| {
        b.iter_batched(
            || {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(sesshu_sqlite::SqliteStore::open(path(i)).unwrap());
                let conn = rusqlite::Connection::open(path(i)).unwrap();
                conn.pragma_update(None, "journal_mode", "WAL").unwrap();
                conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
                conn
            },
            |mut conn| {
                let tx = conn.transaction().unwrap();
                {
                    let mut put = tx
                        .prepare(
                            "INSERT INTO maternal_rows (data_set, key, subject, municipality, body, updated_at)
                             VALUES ('prenatal_checkup', ?1, ?2, '131016', ?3, '2026-12-01T03:00:00.000000Z')",
                        )
                        .unwrap();
                    for line in text.lines().skip(1) {
                        let (key, subject, body) = key_and_body(line);
                        put.execute((&key, &subject, &body)).unwrap();
                    }
                }
                tx.commit().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn postgres(c: &mut Criterion) {
    let Ok(url) = std::env::var("SESSHU_BENCH_POSTGRES") else {
        eprintln!("SESSHU_BENCH_POSTGRES is not set: maternal_upload/*_postgres not run");
        return;
    };
    let n = rows();
    let data = csv(n);
    let store = Arc::new(sesshu_postgres::PostgresStore::connect(&url).unwrap());
    let truncate = || {
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin.batch_execute("TRUNCATE maternal_rows").unwrap();
        admin
    };
    let shared: Arc<dyn Store> = store;
    service(
        c,
        &format!("service_postgres_{n}"),
        &|| {
            drop(truncate());
            shared.clone()
        },
        &data,
        n,
    );
    let text = String::from_utf8(data).unwrap();
    let mut g = c.benchmark_group("maternal_upload");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function(format!("hand_written_inserts_postgres_{n}"), |b| {
        b.iter_batched(
            truncate,
            |mut client| {
                let mut tx = client.transaction().unwrap();
                let put = tx
                    .prepare(
                        "INSERT INTO maternal_rows (data_set, key, subject, municipality, body, updated_at)
                         VALUES ('prenatal_checkup', $1, $2, '131016', $3, '2026-12-01T03:00:00Z')",
                    )
                    .unwrap();
                for line in text.lines().skip(1) {
                    let (key, subject, body) = key_and_body(line);
                    tx.execute(&put, &[&key, &subject, &body]).unwrap();
                }
                tx.commit().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, sqlite, postgres);
criterion_main!(benches);
