//! The marts' batch (issue 24): a full rebuild against one hand-written
//! `GROUP BY` producing the same mart in the same engine, and a day's
//! incremental refresh of 100,000 changed records against reading those
//! records.
//!
//! Data sets (`sesshu generate`; see docs/benchmarks.md):
//! - `SESSHU_BENCH_MARTS_SQLITE=path.db` — default: 20,000 persons
//!   generated into a temporary file. The runs change records' dates and
//!   change numbers: give a data set made for it;
//! - `SESSHU_BENCH_MARTS_POSTGRES=url` — a PostgreSQL database filled the
//!   same way (its records are changed the same way); without it the
//!   PostgreSQL group is not run (and says so).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sesshu_cli::demo::{generate_into, GenerateArgs};
use sesshu_core::calendar::{parse_date, parse_timestamp, FixedClock};
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::service::{Actor, Sesshu};
use sesshu_core::store::{Store, StoreError};

const CHANGED: i64 = 100_000;

fn services(store: Arc<dyn Store>) -> Sesshu {
    let now = parse_timestamp("2025-04-01T03:00:00Z").unwrap();
    Sesshu::new(store, Arc::new(FixedClock(now)))
}

fn operator() -> Actor {
    Actor::new(
        "bench",
        OrganisationType::Central,
        OrganisationCode::parse("CENTRAL").unwrap(),
        vec![Role::Central],
    )
}

const BANDS: &str = "CASE WHEN age <= 0 THEN '0' WHEN age = 1 THEN '1' WHEN age <= 6 THEN '2-6'
                     WHEN age <= 12 THEN '7-12' WHEN age <= 18 THEN '13-18'
                     WHEN age <= 64 THEN '19-64' ELSE '65+' END";

/// The vaccinations and questionnaires marts in one statement.
fn hand_sqlite() -> String {
    format!(
        "CREATE TABLE hand_mart AS
         SELECT day, municipality, vaccine, dose, {BANDS} AS age_band,
                count(*) AS doses, sum(q) AS questionnaires
         FROM (SELECT r.vaccination_date AS day, r.responsible AS municipality, r.vaccine,
                      r.dose_number AS dose, q.record_id IS NOT NULL AS q,
                      (CAST(strftime('%Y', r.vaccination_date) AS INTEGER)
                       - CAST(strftime('%Y', p.birth_date) AS INTEGER))
                      - (strftime('%m-%d', r.vaccination_date) < strftime('%m-%d', p.birth_date)) AS age
               FROM records r JOIN persons p ON p.management_id = r.management_id
               LEFT JOIN questionnaires q ON q.record_id = r.id
               WHERE NOT r.erroneous)
         GROUP BY day, municipality, vaccine, dose, age_band"
    )
}

fn hand_postgres() -> String {
    format!(
        "CREATE TABLE hand_mart AS
         SELECT day, municipality, vaccine, dose, {BANDS} AS age_band,
                count(*) AS doses, count(q) AS questionnaires
         FROM (SELECT r.vaccination_date AS day, r.responsible AS municipality, r.vaccine,
                      r.dose_number AS dose, q.record_id AS q,
                      extract(year FROM age(r.vaccination_date, p.birth_date))::int AS age
               FROM records r JOIN persons p ON p.management_id = r.management_id
               LEFT JOIN questionnaires q ON q.record_id = r.id
               WHERE NOT r.erroneous) x
         GROUP BY day, municipality, vaccine, dose, age_band"
    )
}

/// Each counted record's contribution (its cell) as SQL: the rows a
/// contribution-keeping batch must write, the age band computed by the
/// engine. `filter` narrows the records (`TRUE` for all of them).
fn contributions_select(age: &str, filter: &str) -> String {
    format!(
        "SELECT id, day, municipality, vaccine, dose, {BANDS} AS age_band, q
         FROM (SELECT r.id, r.vaccination_date AS day, r.responsible AS municipality, r.vaccine,
                      r.dose_number AS dose, q.record_id IS NOT NULL AS q, {age} AS age
               FROM records r JOIN persons p ON p.management_id = r.management_id
               LEFT JOIN questionnaires q ON q.record_id = r.id
               WHERE NOT r.erroneous AND {filter}) x"
    )
}

const SQLITE_AGE: &str = "(CAST(strftime('%Y', r.vaccination_date) AS INTEGER)
                           - CAST(strftime('%Y', p.birth_date) AS INTEGER))
                          - (strftime('%m-%d', r.vaccination_date) < strftime('%m-%d', p.birth_date))";
const POSTGRES_AGE: &str = "extract(year FROM age(r.vaccination_date, p.birth_date))::int";

/// The engine's floor of a day's refresh: one statement that upserts the
/// changed records' contributions into a copy of the contributions table
/// (same primary key), no cell touched. (`WHERE true`: SQLite reads an
/// `ON CONFLICT` after a bare `FROM` as a join's `ON`.)
fn hand_upsert(age: &str, changed_after: i64) -> String {
    format!(
        "INSERT INTO hand_contributions
             (record_id, day, municipality, vaccine, dose, age_band, questionnaire)
         SELECT * FROM ({}) y WHERE true
         ON CONFLICT (record_id) DO UPDATE SET
             day = excluded.day, municipality = excluded.municipality,
             vaccine = excluded.vaccine, dose = excluded.dose,
             age_band = excluded.age_band, questionnaire = excluded.questionnaire",
        contributions_select(age, &format!("r.seq > {changed_after}"))
    )
}

/// The copy of the contributions table the floors write into, with the
/// same primary key (SQLite's without a rowid, as the store's).
const SQLITE_HAND_CONTRIBUTIONS: &str = "DROP TABLE IF EXISTS hand_contributions;
     CREATE TABLE hand_contributions (record_id TEXT PRIMARY KEY, day TEXT NOT NULL,
         municipality TEXT NOT NULL, vaccine TEXT NOT NULL, dose INTEGER NOT NULL,
         age_band TEXT NOT NULL, questionnaire INTEGER NOT NULL) WITHOUT ROWID;
     INSERT INTO hand_contributions SELECT * FROM mart_contributions;";
const POSTGRES_HAND_CONTRIBUTIONS: &str = "DROP TABLE IF EXISTS hand_contributions;
     CREATE TABLE hand_contributions AS SELECT * FROM mart_contributions;
     ALTER TABLE hand_contributions ADD PRIMARY KEY (record_id);";

/// The engine's floor of a full rebuild that keeps contributions: every
/// contribution written afresh by one statement, then the cells by one
/// `GROUP BY` over them.
fn hand_full(age: &str) -> String {
    format!(
        "DELETE FROM hand_contributions;
         INSERT INTO hand_contributions
             (record_id, day, municipality, vaccine, dose, age_band, questionnaire)
         {};
         DROP TABLE IF EXISTS hand_mart;
         CREATE TABLE hand_mart AS
         SELECT day, municipality, vaccine, dose, age_band, count(*) AS doses,
                sum(CASE WHEN questionnaire THEN 1 ELSE 0 END) AS questionnaires
         FROM hand_contributions GROUP BY day, municipality, vaccine, dose, age_band;",
        contributions_select(age, "TRUE")
    )
}

/// A day's changes: 100,000 records (a different slice each time) moved by
/// a day and given new change numbers.
fn change_sqlite(store: &sesshu_sqlite::SqliteStore, round: i64, records: i64) {
    store.with_connection(|c| {
        c.execute(
            "UPDATE records SET vaccination_date = date(vaccination_date, '-1 day'),
                    seq = seq + (SELECT max(seq) FROM records)
             WHERE id IN (SELECT id FROM records ORDER BY id LIMIT ?1 OFFSET ?2)",
            (CHANGED, (round * CHANGED) % (records - CHANGED).max(1)),
        )
        .unwrap();
    });
}

fn change_postgres(store: &sesshu_postgres::PostgresStore, round: i64, records: i64) {
    store
        .with_client(|c| {
            c.execute(
                "UPDATE records SET vaccination_date = vaccination_date - 1,
                        seq = seq + (SELECT max(seq) FROM records)
                 WHERE id IN (SELECT id FROM records ORDER BY id LIMIT $1 OFFSET $2)",
                &[&CHANGED, &((round * CHANGED) % (records - CHANGED).max(1))],
            )
            .map_err(StoreError::backend)
        })
        .unwrap();
}

fn sqlite_group(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marts.db");
    let path = match std::env::var("SESSHU_BENCH_MARTS_SQLITE") {
        Ok(given) => std::path::PathBuf::from(given),
        Err(_) => {
            let store = Arc::new(sesshu_sqlite::SqliteStore::open(&path).unwrap());
            let args = GenerateArgs {
                seed: 2025,
                persons: 20_000,
                records_per_person: 10,
                date: "2025-04-01".into(),
            };
            generate_into(&services(store), &args, &mut std::io::sink()).unwrap();
            path
        }
    };
    let store = Arc::new(sesshu_sqlite::SqliteStore::open(&path).unwrap());
    let records: i64 = store.with_connection(|c| {
        c.query_row("SELECT count(*) FROM records", [], |r| r.get(0))
            .unwrap()
    });
    let s = services(store.clone());
    let day = parse_date("2025-04-01").unwrap();
    let mut g = c.benchmark_group(format!("marts_sqlite_{records}_records"));
    g.sample_size(10).warm_up_time(Duration::from_millis(1));
    g.bench_function("full_rebuild/service", |b| {
        b.iter(|| black_box(s.build_marts(&operator(), day, true).unwrap().records))
    });
    let hand = hand_sqlite();
    g.bench_function("full_rebuild/hand_group_by", |b| {
        b.iter(|| {
            store.with_connection(|c| {
                c.execute_batch(&format!("DROP TABLE IF EXISTS hand_mart; {hand}"))
                    .unwrap()
            })
        })
    });
    store.with_connection(|c| c.execute_batch(SQLITE_HAND_CONTRIBUTIONS).unwrap());
    let full = hand_full(SQLITE_AGE);
    g.bench_function("full_rebuild/hand_contributions_and_group_by", |b| {
        b.iter(|| store.with_connection(|c| c.execute_batch(&full).unwrap()))
    });
    let max_seq = || -> i64 {
        store.with_connection(|c| {
            c.query_row("SELECT max(seq) FROM records", [], |r| r.get(0))
                .unwrap()
        })
    };
    let mut round = 0;
    g.bench_function("incremental_100000_changed/service", |b| {
        b.iter_batched(
            || {
                round += 1;
                change_sqlite(&store, round, records);
            },
            |()| black_box(s.build_marts(&operator(), day, false).unwrap().records),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("incremental_100000_changed/read_the_records", |b| {
        b.iter_batched(
            || {
                round += 1;
                let before = max_seq();
                change_sqlite(&store, round, records);
                before
            },
            |before| {
                store.with_connection(|c| {
                    let mut stmt = c
                        .prepare(
                            "SELECT r.id, r.responsible, r.vaccine, r.dose_number, r.vaccination_date,
                                    r.erroneous, p.birth_date
                             FROM records r JOIN persons p ON p.management_id = r.management_id
                             WHERE r.seq > ?1",
                        )
                        .unwrap();
                    let rows = stmt
                        .query_map([before], |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, i64>(3)?,
                                r.get::<_, String>(4)?,
                                r.get::<_, bool>(5)?,
                                r.get::<_, String>(6)?,
                            ))
                        })
                        .unwrap();
                    black_box(rows.count())
                })
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("incremental_100000_changed/hand_upsert", |b| {
        b.iter_batched(
            || {
                round += 1;
                let before = max_seq();
                change_sqlite(&store, round, records);
                hand_upsert(SQLITE_AGE, before)
            },
            |sql| store.with_connection(|c| black_box(c.execute(&sql, []).unwrap())),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn postgres_group(c: &mut Criterion) {
    let Ok(url) = std::env::var("SESSHU_BENCH_MARTS_POSTGRES") else {
        eprintln!("SESSHU_BENCH_MARTS_POSTGRES is not set: PostgreSQL benchmarks not run");
        return;
    };
    let store = Arc::new(sesshu_postgres::PostgresStore::connect(&url).unwrap());
    let records: i64 = store
        .with_client(|c| {
            c.query_one("SELECT count(*) FROM records", &[])
                .map(|r| r.get(0))
                .map_err(StoreError::backend)
        })
        .unwrap();
    let s = services(store.clone());
    let day = parse_date("2025-04-01").unwrap();
    let mut g = c.benchmark_group(format!("marts_postgres_{records}_records"));
    g.sample_size(10).warm_up_time(Duration::from_millis(1));
    g.bench_function("full_rebuild/service", |b| {
        b.iter(|| black_box(s.build_marts(&operator(), day, true).unwrap().records))
    });
    let hand = hand_postgres();
    g.bench_function("full_rebuild/hand_group_by", |b| {
        b.iter(|| {
            store
                .with_client(|c| {
                    c.batch_execute(&format!("DROP TABLE IF EXISTS hand_mart; {hand}"))
                        .map_err(StoreError::backend)
                })
                .unwrap()
        })
    });
    let batch = |sql: &str| {
        store
            .with_client(|c| c.batch_execute(sql).map_err(StoreError::backend))
            .unwrap()
    };
    batch(POSTGRES_HAND_CONTRIBUTIONS);
    let full = hand_full(POSTGRES_AGE);
    g.bench_function("full_rebuild/hand_contributions_and_group_by", |b| {
        b.iter(|| batch(&full))
    });
    let max_seq = || -> i64 {
        store
            .with_client(|c| {
                c.query_one("SELECT max(seq) FROM records", &[])
                    .map(|r| r.get(0))
                    .map_err(StoreError::backend)
            })
            .unwrap()
    };
    let mut round = 0;
    g.bench_function("incremental_100000_changed/service", |b| {
        b.iter_batched(
            || {
                round += 1;
                change_postgres(&store, round, records);
            },
            |()| black_box(s.build_marts(&operator(), day, false).unwrap().records),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("incremental_100000_changed/read_the_records", |b| {
        b.iter_batched(
            || {
                round += 1;
                let before = max_seq();
                change_postgres(&store, round, records);
                before
            },
            |before| {
                store
                    .with_client(|c| {
                        let rows = c
                            .query(
                                "SELECT r.id, r.responsible, r.vaccine, r.dose_number,
                                        r.vaccination_date, r.erroneous, p.birth_date
                                 FROM records r JOIN persons p ON p.management_id = r.management_id
                                 WHERE r.seq > $1",
                                &[&before],
                            )
                            .map_err(StoreError::backend)?;
                        Ok(black_box(rows.len()))
                    })
                    .unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("incremental_100000_changed/hand_upsert", |b| {
        b.iter_batched(
            || {
                round += 1;
                let before = max_seq();
                change_postgres(&store, round, records);
                hand_upsert(POSTGRES_AGE, before)
            },
            |sql| batch(&sql),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, sqlite_group, postgres_group);
criterion_main!(benches);
