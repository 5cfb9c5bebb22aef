//! Storage benchmarks (issue 3): one person's visible records against the
//! same query hand-written in SQL, delivery throughput, import throughput
//! and access-log verification against `sha256sum` over the same bytes.
//!
//! Data sets (`sesshu generate` makes them; see docs/benchmarks.md):
//! - `SESSHU_BENCH_SQLITE=path.db` — default: 20,000 persons generated into
//!   a temporary file;
//! - `SESSHU_BENCH_POSTGRES=url` — a PostgreSQL database filled the same
//!   way; without it the PostgreSQL group is not run (and says so).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sesshu_cli::demo::{generate_into, GenerateArgs};
use sesshu_core::access_log::entry_bytes;
use sesshu_core::calendar::{parse_timestamp, FixedClock};
use sesshu_core::identifiers::{ManagementId, MunicipalityCode};
use sesshu_core::persons::Person;
use sesshu_core::records::RecordAccess;
use sesshu_core::service::{Actor, Sesshu};
use sesshu_core::store::{Store, StoreError};

const CHIYODA: &str = "131016";

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(parse_timestamp("2025-04-01T03:00:00Z").unwrap()))
}

fn chiyoda() -> MunicipalityCode {
    MunicipalityCode::parse(CHIYODA).unwrap()
}

/// The SQLite data set: the named file, or a small generated one.
fn sqlite_store() -> (
    Arc<sesshu_sqlite::SqliteStore>,
    usize,
    Option<tempfile::TempDir>,
) {
    if let Ok(path) = std::env::var("SESSHU_BENCH_SQLITE") {
        let store = Arc::new(sesshu_sqlite::SqliteStore::open(&path).unwrap());
        // Counted on a connection of its own: a scan on the store's writer
        // would fill the cache its short reads use (ADR 0013).
        let persons: i64 = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM persons", [], |r| r.get(0))
            .unwrap();
        return (store, persons as usize, None);
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("bench.db")).unwrap());
    let services = Sesshu::new(store.clone(), clock());
    let args = GenerateArgs {
        seed: 2025,
        persons: 20_000,
        records_per_person: 10,
        date: "2025-04-01".into(),
    };
    generate_into(&services, &args, &mut std::io::sink()).unwrap();
    (store, 20_000, Some(dir))
}

/// Deterministic person ids spread over the data set.
fn sample_ids(persons: usize, n: usize) -> Vec<ManagementId> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ManagementId::parse(&format!("D{:07}", x % persons as u64)).unwrap()
        })
        .collect()
}

/// The read path of a staff detail view: the person, the records the rule
/// needs, the rule.
fn visible_through_store(store: &dyn Store, id: &ManagementId) -> usize {
    let today = parse_timestamp("2025-04-01T03:00:00Z")
        .unwrap()
        .date_naive();
    let scope = |p: &Person| RecordAccess::new(&p.residency, chiyoda(), today).scope();
    let (person, records) = store.person_with_records(id, &scope).unwrap().unwrap();
    let access = RecordAccess::new(&person.person.residency, chiyoda(), today);
    records
        .into_iter()
        .filter(|r| access.is_visible(&r.record.facts()))
        .count()
}

/// A staff member's read through the service: the rule, and the access-log
/// entry committed with it.
fn service_read(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    store: Arc<dyn Store>,
    ids: &[ManagementId],
) {
    let services = Sesshu::new(store, clock());
    let staff = Actor::municipality("bench", chiyoda());
    let mut i = 0;
    g.bench_function("visible_records/service_with_access_log", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            black_box(
                services
                    .person_records(&staff, &ids[i])
                    .map(|r| r.len())
                    .unwrap_or(0),
            )
        })
    });
}

/// The same answer, hand-written in SQL: residency status and visibility in
/// one statement, every column read into owned values like the store does.
const HAND_SQL_SQLITE: &str = "
WITH st AS (
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM residency WHERE management_id = ?1 AND municipality = ?2
                 AND from_date <= ?3 AND (to_date IS NULL OR to_date > ?3)) THEN 2
    WHEN EXISTS (SELECT 1 FROM residency WHERE management_id = ?1 AND municipality = ?2
                 AND from_date < ?3) THEN 1
    ELSE 0 END AS s)
SELECT r.id, r.management_id, r.responsible, r.category, r.vaccine, r.dose_number, r.vaccination_date,
       r.lot, r.institution, r.erroneous, r.version, r.updated_at, r.seq
FROM records r, st
WHERE r.management_id = ?1 AND (st.s = 2 OR (st.s = 1 AND r.responsible = ?2))
ORDER BY r.id";

fn sqlite_group(c: &mut Criterion) {
    let (store, persons, _keep) = sqlite_store();
    // Start from a checkpointed database, as a maintained one would be.
    store.with_connection(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap());
    let ids = sample_ids(persons, 4096);
    let mut g = c.benchmark_group(format!("sqlite_{persons}_persons"));
    g.throughput(Throughput::Elements(1));

    let mut i = 0;
    g.bench_function("visible_records/store_and_rule", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            black_box(visible_through_store(&*store, &ids[i]))
        })
    });
    let raw = rusqlite::Connection::open(store_path(&store)).unwrap();
    // The store's own connection settings, so both sides read alike.
    raw.execute_batch("PRAGMA cache_size = -65536; PRAGMA mmap_size = 0;")
        .unwrap();
    let mut stmt = raw.prepare(HAND_SQL_SQLITE).unwrap();
    let mut i = 0;
    g.bench_function("visible_records/hand_written_sql", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            let rows = stmt
                .query_map(
                    (ids[i].as_str(), CHIYODA, "2025-04-01"),
                    sqlite_record_columns,
                )
                .unwrap()
                .count();
            black_box(rows)
        })
    });
    service_read(&mut g, store.clone(), &ids);
    g.finish();
    let mut raw = rusqlite::Connection::open(store_path(&store)).unwrap();
    raw.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA mmap_size = 0;",
    )
    .unwrap();
    delivery(
        c,
        "sqlite",
        200_000,
        store.clone(),
        &|| store.with_connection(|c| c.execute_batch(RESET_DELIVERIES).unwrap()),
        &mut |drain| hand_delivery_sqlite(&mut raw, drain),
    );
    delivery_read_floor(c, &raw, 200_000);
    let remove_added = || {
        store.with_connection(|c| c.execute(REMOVE_IMPORTED, []).unwrap());
    };
    import_into_data_set(
        c,
        "sqlite",
        store.clone(),
        &ids,
        &remove_added,
        &mut |rows| hand_insert_sqlite(&mut raw, rows),
    );
    file_import(c, store.clone(), &mut raw, &remove_added);
    log_verification(c, "sqlite", store);
}

fn store_path(store: &sesshu_sqlite::SqliteStore) -> String {
    store.with_connection(|c| c.path().unwrap_or_default().to_owned())
}

/// Pulls and acknowledges `drain` undelivered records of Chiyoda in
/// batches of 10,000: records per second through the whole at-least-once
/// protocol (batch, payload, access log, acknowledgement).
fn delivery(
    c: &mut Criterion,
    engine: &str,
    drain: usize,
    store: Arc<dyn Store + 'static>,
    reset: &dyn Fn(),
    hand_written: &mut dyn FnMut(usize),
) {
    reset();
    let services = Sesshu::new(store.clone(), clock());
    let staff = Actor::municipality("bench", chiyoda());
    let mut g = c.benchmark_group(format!("{engine}_delivery"));
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(drain as u64));
    g.bench_function(
        format!("pull_and_ack_{drain}_records_of_131016_in_batches_of_10000"),
        |b| {
            b.iter_batched(
                reset,
                |()| {
                    let mut n = 0;
                    while n < drain {
                        let pull = services.pull_delivery(&staff, 10_000).unwrap();
                        assert!(
                            !pull.records.is_empty(),
                            "the data set has fewer than {drain} records for 131016"
                        );
                        n += pull.records.len();
                        services.ack_delivery(&staff, &pull.batch_id).unwrap();
                    }
                },
                BatchSize::PerIteration,
            )
        },
    );
    g.bench_function(
        format!("hand_written_sql_{drain}_records_of_131016_in_batches_of_10000"),
        |b| b.iter_batched(reset, |()| hand_written(drain), BatchSize::PerIteration),
    );
    g.finish();
}

/// The delivery's reads and cursor by hand, per batch of 10,000: one
/// statement reads the next records of Chiyoda with their subject numbers
/// (every column into owned values), one advances the cursor, in one
/// transaction. No batch row, no access log, no validation: the engine's
/// ceiling for the same data.
const HAND_DELIVERY_SQL: &str = "
SELECT r.id, r.management_id, r.responsible, r.category, r.vaccine, r.dose_number, r.vaccination_date,
       r.lot, r.institution, r.erroneous, r.version, r.updated_at, r.seq, p.subject_number
FROM records r JOIN persons p ON p.management_id = r.management_id
WHERE r.responsible = $1 AND r.seq > $2 ORDER BY r.seq LIMIT 10000";
const HAND_CURSOR_SQL: &str = "
INSERT INTO delivery_cursors (municipality, delivered_through) VALUES ($1, $2)
ON CONFLICT (municipality) DO UPDATE SET delivered_through = excluded.delivered_through";

fn hand_delivery_sqlite(c: &mut rusqlite::Connection, drain: usize) {
    let (mut n, mut cursor) = (0, 0i64);
    while n < drain {
        let tx = c.transaction().unwrap();
        let rows: Vec<(SqliteRecordColumns, String)> = tx
            .prepare_cached(HAND_DELIVERY_SQL)
            .unwrap()
            .query_map((CHIYODA, cursor), |r| {
                Ok((sqlite_record_columns(r)?, r.get(13)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!rows.is_empty(), "fewer than {drain} records for 131016");
        cursor = rows[rows.len() - 1].0 .12;
        tx.prepare_cached(HAND_CURSOR_SQL)
            .unwrap()
            .execute((CHIYODA, cursor))
            .unwrap();
        tx.commit().unwrap();
        n += rows.len();
    }
}

/// The engine's floor under a delivery: the same records' columns, batch
/// by batch, looked at in place (no copy, no allocation, no subject
/// number, no cursor, no transaction). Whatever a delivery does on top of
/// this costs time this figure does not include.
const FLOOR_DELIVERY_SQL: &str = "
SELECT id, management_id, responsible, category, vaccine, dose_number, vaccination_date,
       lot, institution, erroneous, version, updated_at, seq
FROM records WHERE responsible = ?1 AND seq > ?2 ORDER BY seq LIMIT 10000";

fn delivery_read_floor(c: &mut Criterion, raw: &rusqlite::Connection, drain: usize) {
    let mut g = c.benchmark_group("sqlite_delivery_engine_floor");
    g.sample_size(10);
    g.throughput(Throughput::Elements(drain as u64));
    let mut stmt = raw.prepare(FLOOR_DELIVERY_SQL).unwrap();
    g.bench_function(
        format!("read_{drain}_records_of_131016_in_place_in_batches_of_10000"),
        |b| {
            b.iter(|| {
                let (mut n, mut cursor, mut bytes) = (0, 0i64, 0usize);
                while n < drain {
                    let mut rows = stmt.query((CHIYODA, cursor)).unwrap();
                    let before = n;
                    while let Some(r) = rows.next().unwrap() {
                        for i in 0..12 {
                            bytes += match r.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Text(t) => t.len(),
                                rusqlite::types::ValueRef::Integer(v) => usize::from(v != 0),
                                _ => 0,
                            };
                        }
                        cursor = r.get(12).unwrap();
                        n += 1;
                    }
                    assert!(n > before, "fewer than {drain} records for 131016");
                }
                black_box(bytes)
            })
        },
    );
    g.finish();
}

fn hand_delivery_postgres(c: &mut postgres::Client, drain: usize) {
    let (mut n, mut cursor) = (0, 0i64);
    while n < drain {
        let mut tx = c.transaction().unwrap();
        let rows: Vec<(PgRecordColumns, String)> = tx
            .query(HAND_DELIVERY_SQL, &[&CHIYODA, &cursor])
            .unwrap()
            .iter()
            .map(|r| (pg_record_columns(r), r.get(13)))
            .collect();
        assert!(!rows.is_empty(), "fewer than {drain} records for 131016");
        cursor = rows[rows.len() - 1].0 .12;
        tx.execute(HAND_CURSOR_SQL, &[&CHIYODA, &cursor]).unwrap();
        tx.commit().unwrap();
        n += rows.len();
    }
}

/// A record to insert by hand: its columns as the schema stores them.
#[derive(Clone)]
struct HandRow {
    /// id, management_id, responsible, category, vaccine.
    text: [String; 5],
    dose_number: i64,
    date: chrono::NaiveDate,
    lot: Option<String>,
    institution: Option<String>,
    erroneous: bool,
}

impl HandRow {
    fn of(r: &sesshu_core::records::VaccinationRecord) -> Self {
        HandRow {
            text: [
                r.id.to_string(),
                r.person.to_string(),
                r.responsible.to_string(),
                r.category.as_str().to_owned(),
                r.vaccine.to_string(),
            ],
            dose_number: i64::from(r.dose_number),
            date: r.date,
            lot: r.lot.clone(),
            institution: r.institution.map(|i| i.to_string()),
            erroneous: r.erroneous,
        }
    }

    fn sqlite_params(&self) -> Vec<rusqlite::types::Value> {
        use rusqlite::types::Value;
        let text = |s: &str| Value::Text(s.to_owned());
        let mut p: Vec<Value> = self.text.iter().map(|t| text(t)).collect();
        p.push(Value::Integer(self.dose_number));
        p.push(text(&self.date.to_string()));
        p.push(self.lot.as_deref().map_or(Value::Null, text));
        p.push(self.institution.as_deref().map_or(Value::Null, text));
        p.push(Value::Integer(i64::from(self.erroneous)));
        p
    }
}

/// The rows of every batch, for a hand-written insert.
fn hand_rows(batches: &Batches) -> Vec<HandRow> {
    batches
        .iter()
        .flat_map(|(_, records)| records.iter().map(HandRow::of))
        .collect()
}

/// Takes the next sequence numbers for `$1` records; returns the last.
const HAND_TAKE_SEQ: &str =
    "UPDATE counters SET value = value + $1 WHERE name = 'record_seq' RETURNING value";

/// One prepared INSERT per record: no reads, no checks, no access log.
const HAND_INSERT_SQLITE: &str = "
INSERT INTO records (id, management_id, responsible, category, vaccine, dose_number,
                     vaccination_date, lot, institution, erroneous, version, updated_at, seq)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, '2025-04-01T03:00:00.000000Z', ?11)";

/// One `INSERT … SELECT FROM unnest(…)` for all the rows.
const HAND_INSERT_POSTGRES: &str = "
INSERT INTO records (id, management_id, responsible, category, vaccine, dose_number,
                     vaccination_date, lot, institution, erroneous, version, updated_at, seq)
SELECT id, m, resp, cat, vac, dose, d, lot, inst, err, 1, now(), $11::int8 + n
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[],
            $7::date[], $8::text[], $9::text[], $10::bool[]) WITH ORDINALITY
     AS u(id, m, resp, cat, vac, dose, d, lot, inst, err, n)";

/// SQL that removes the records the import benchmarks added (their ids
/// start with `I`; the generated ones with `D`).
const REMOVE_IMPORTED: &str = "DELETE FROM records WHERE id >= 'I' AND id < 'J'";

/// The rows by hand into SQLite in one transaction: sequence numbers from
/// the counter, then one prepared `INSERT` per row.
fn hand_insert_sqlite(conn: &mut rusqlite::Connection, rows: &[HandRow]) {
    let tx = conn.transaction().unwrap();
    let n = rows.len() as i64;
    let top: i64 = tx.query_row(HAND_TAKE_SEQ, [n], |r| r.get(0)).unwrap();
    {
        let mut insert = tx.prepare_cached(HAND_INSERT_SQLITE).unwrap();
        for (i, r) in rows.iter().enumerate() {
            let mut p = r.sqlite_params();
            p.push(rusqlite::types::Value::Integer(top - n + 1 + i as i64));
            insert.execute(rusqlite::params_from_iter(p)).unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The rows by hand into PostgreSQL in one transaction: sequence numbers
/// from the counter, then one `INSERT … SELECT FROM unnest(…)`.
fn hand_insert_postgres(client: &mut postgres::Client, rows: &[HandRow]) {
    let mut tx = client.transaction().unwrap();
    let n = rows.len() as i64;
    let top: i64 = tx.query_one(HAND_TAKE_SEQ, &[&n]).unwrap().get(0);
    let text = |i: usize| rows.iter().map(|r| r.text[i].clone()).collect::<Vec<_>>();
    tx.execute(
        HAND_INSERT_POSTGRES,
        &[
            &text(0),
            &text(1),
            &text(2),
            &text(3),
            &text(4),
            &rows.iter().map(|r| r.dose_number).collect::<Vec<_>>(),
            &rows.iter().map(|r| r.date).collect::<Vec<_>>(),
            &rows.iter().map(|r| r.lot.clone()).collect::<Vec<_>>(),
            &rows
                .iter()
                .map(|r| r.institution.clone())
                .collect::<Vec<_>>(),
            &rows.iter().map(|r| r.erroneous).collect::<Vec<_>>(),
            &(top - n),
        ],
    )
    .unwrap();
    tx.commit().unwrap();
}

/// Imports 10,000 new records of 1,000 people already in the data set
/// (their records copied under new ids), through the service and by
/// hand-written SQL. Before each iteration, outside the timing,
/// `remove_added` deletes the records the last one added, so the data set
/// stays as generated for the other benchmarks.
fn import_into_data_set(
    c: &mut Criterion,
    engine: &str,
    store: Arc<dyn Store>,
    ids: &[ManagementId],
    remove_added: &dyn Fn(),
    hand_written: &mut dyn FnMut(&[HandRow]),
) {
    let services = Sesshu::new(store.clone(), clock());
    let mut n = 0usize;
    let mut batch = || {
        remove_added();
        n += 1;
        let mut by_m: std::collections::BTreeMap<MunicipalityCode, Vec<_>> = Default::default();
        let mut count = 0;
        let mut seen = std::collections::HashSet::new();
        for person in ids
            .iter()
            .cycle()
            .skip(n * 1_000 % ids.len())
            .take(ids.len())
        {
            if !seen.insert(person) {
                continue;
            }
            // The generated records only, not those earlier iterations added.
            for r in store.records_of(person).unwrap() {
                if r.record.id.as_str().starts_with('I') {
                    continue;
                }
                let mut rec = r.record;
                rec.id =
                    sesshu_core::identifiers::RecordId::parse(&format!("I{n}-{}", rec.id)).unwrap();
                by_m.entry(rec.responsible).or_default().push(rec);
                count += 1;
            }
            if count >= 10_000 {
                break;
            }
        }
        by_m.into_iter().collect::<Batches>()
    };
    let mut g = c.benchmark_group(format!("{engine}_import_into_the_data_set"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("10000_new_records", |b| {
        b.iter_batched(
            &mut batch,
            |batches| import_all(&services, batches),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("10000_new_records_hand_written_sql", |b| {
        b.iter_batched(
            || hand_rows(&batch()),
            |rows| hand_written(&rows),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    remove_added();
}

/// Records in a file import.
const FILE_RECORDS: usize = 100_000;

/// `sesshu import records FILE.csv` into the SQLite data set: 100,000 new
/// records of Chiyoda's (the generated ones of consecutive people, under
/// new ids), the file in person order and shuffled. Beside each, the same
/// rows in the same order by hand-written SQL (built outside the timing,
/// so without the CSV). Before each iteration, outside the timing,
/// `remove_added` deletes what the last one added.
fn file_import(
    c: &mut Criterion,
    store: Arc<sesshu_sqlite::SqliteStore>,
    raw: &mut rusqlite::Connection,
    remove_added: &dyn Fn(),
) {
    let mut rows: Vec<(String, HandRow)> = raw
        .prepare(
            "SELECT id, management_id, responsible, category, vaccine, dose_number,
                    vaccination_date, lot, institution, erroneous
             FROM records WHERE responsible = ?1 AND id < 'E'
             ORDER BY management_id, id LIMIT ?2",
        )
        .unwrap()
        .query_map((CHIYODA, FILE_RECORDS as i64), |r| {
            let text = |i| r.get::<_, String>(i);
            let row = HandRow {
                text: [
                    format!("I{}", text(0)?),
                    text(1)?,
                    text(2)?,
                    text(3)?,
                    text(4)?,
                ],
                dose_number: r.get(5)?,
                date: text(6)?.parse().unwrap(),
                lot: r.get(7)?,
                institution: r.get(8)?,
                erroneous: r.get(9)?,
            };
            let line = format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                row.text[0],
                row.text[1],
                row.text[2],
                row.text[3],
                row.text[4],
                row.dose_number,
                row.date,
                row.lot.as_deref().unwrap_or(""),
                row.institution.as_deref().unwrap_or(""),
                row.erroneous,
            );
            Ok((line, row))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), FILE_RECORDS, "too few records of {CHIYODA}");
    let dir = tempfile::tempdir().unwrap();
    let services = Sesshu::new(store, clock());
    let staff = Actor::municipality("bench", chiyoda());
    let mut g = c.benchmark_group("sqlite_import_file");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FILE_RECORDS as u64));
    for order in ["by_person", "shuffled"] {
        if order == "shuffled" {
            let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
            for i in (1..rows.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                rows.swap(i, (x % (i as u64 + 1)) as usize);
            }
        }
        let path = dir.path().join(format!("{order}.csv"));
        let mut text = String::from(
            "id,management_id,responsible,category,vaccine,dose_number,date,lot,institution,erroneous\n",
        );
        text.extend(rows.iter().map(|(line, _)| line.as_str()));
        std::fs::write(&path, text).unwrap();
        g.bench_function(format!("{order}/records_100000"), |b| {
            b.iter_batched(
                || {
                    remove_added();
                    sesshu_cli::import::Source::open(&path, Default::default()).unwrap()
                },
                |source| {
                    let summary = sesshu_cli::import::records(&services, &staff, &source).unwrap();
                    assert_eq!(summary.created, FILE_RECORDS, "{summary}");
                },
                BatchSize::PerIteration,
            )
        });
        let hand: Vec<HandRow> = rows.iter().map(|(_, r)| r.clone()).collect();
        g.bench_function(format!("{order}/hand_written_sql"), |b| {
            b.iter_batched(
                remove_added,
                |()| hand_insert_sqlite(raw, &hand),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
    remove_added();
}

/// SQL that undoes the deliveries the benchmark made.
const RESET_DELIVERIES: &str = "
DELETE FROM delivery_cursors WHERE municipality = '131016';
DELETE FROM delivery_batches WHERE municipality = '131016';";

/// Walks the whole chain, against `sha256sum` over the same bytes.
fn log_verification(c: &mut Criterion, engine: &str, store: Arc<dyn Store>) {
    let services = Sesshu::new(store.clone(), clock());
    // The bytes the chain hashes, once, for sha256sum.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.bin");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let (mut from, mut entries, mut bytes) = (1, 0u64, 0u64);
    loop {
        let page = store.log_entries(from, 50_000).unwrap();
        for e in &page {
            let b = entry_bytes(e.seq, &e.draft, &e.prev_hash);
            bytes += b.len() as u64;
            file.write_all(&b).unwrap();
        }
        entries += page.len() as u64;
        match page.last() {
            Some(last) if page.len() == 50_000 => from = last.seq + 1,
            _ => break,
        }
    }
    file.flush().unwrap();
    drop(file);
    let mut g = c.benchmark_group(format!(
        "{engine}_access_log_{entries}_entries_{bytes}_bytes"
    ));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("verify_log", |b| {
        b.iter(|| {
            assert_eq!(
                services
                    .verify_log(&Actor::municipality("bench", chiyoda()))
                    .unwrap()
                    .first_break,
                None
            )
        })
    });
    g.bench_function("sha256sum_same_bytes", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let ok = std::process::Command::new("sha256sum")
                    .arg(&path)
                    .output()
                    .unwrap()
                    .status
                    .success();
                assert!(ok);
            }
            start.elapsed()
        })
    });
    g.finish();
}

/// Imports 10,000 records (with their access-log entries) into a store that
/// holds their 1,000 persons.
fn import_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("sqlite/10000_records", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("i.db")).unwrap());
                (dir, import_fixture(store))
            },
            |(_dir, (services, batches))| import_all(&services, batches),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("sqlite/10000_new_records", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("i.db")).unwrap());
                let fixture = import_fixture(store.clone());
                store.with_connection(|c| c.execute_batch("DELETE FROM records").unwrap());
                (dir, fixture)
            },
            |(_dir, (services, batches))| import_all(&services, batches),
            BatchSize::PerIteration,
        )
    });
    // The same 10,000 rows by one hand-written prepared INSERT in one
    // transaction: no reads, no checks, no access log.
    g.bench_function("sqlite/10000_new_records_hand_written_sql", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("i.db")).unwrap());
                let (_, batches) = import_fixture(store.clone());
                store.with_connection(|c| c.execute_batch("DELETE FROM records").unwrap());
                let path = store_path(&store);
                drop(store);
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;")
                    .unwrap();
                (dir, conn, hand_rows(&batches))
            },
            |(_dir, mut conn, rows)| hand_insert_sqlite(&mut conn, &rows),
            BatchSize::PerIteration,
        )
    });
    if let Ok(url) = std::env::var("SESSHU_BENCH_POSTGRES_SCRATCH") {
        // A scratch store holding the 1,000 persons, with (`keep`) or
        // without their records.
        let fresh = |keep: bool| {
            let store = Arc::new(sesshu_postgres::PostgresStore::connect(&url).unwrap());
            let sql = "TRUNCATE persons, residency, records, access_log; UPDATE log_head SET seq = 0, hash = repeat('0', 64)";
            store
                .with_client(|c| c.batch_execute(sql).map_err(StoreError::backend))
                .unwrap();
            let fixture = import_fixture(store.clone());
            if !keep {
                store
                    .with_client(|c| {
                        c.batch_execute("DELETE FROM records")
                            .map_err(StoreError::backend)
                    })
                    .unwrap();
            }
            fixture
        };
        g.bench_function("postgres/10000_records", |b| {
            b.iter_batched(
                || fresh(true),
                |(services, batches)| import_all(&services, batches),
                BatchSize::PerIteration,
            )
        });
        g.bench_function("postgres/10000_new_records", |b| {
            b.iter_batched(
                || fresh(false),
                |(services, batches)| import_all(&services, batches),
                BatchSize::PerIteration,
            )
        });
        // The same 10,000 rows by one hand-written INSERT of unnested arrays
        // in one transaction: no reads, no checks, no access log.
        let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        g.bench_function("postgres/10000_new_records_hand_written_sql", |b| {
            b.iter_batched(
                || hand_rows(&fresh(false).1),
                |rows| hand_insert_postgres(&mut raw, &rows),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

type Batches = Vec<(
    MunicipalityCode,
    Vec<sesshu_core::records::VaccinationRecord>,
)>;

/// Persons loaded; their 10,000 records returned, grouped by responsible municipality.
fn import_fixture(store: Arc<dyn Store>) -> (Sesshu, Batches) {
    let services = Sesshu::new(store.clone(), clock());
    let args = GenerateArgs {
        seed: 7,
        persons: 1_000,
        records_per_person: 10,
        date: "2025-04-01".into(),
    };
    generate_into(&services, &args, &mut std::io::sink()).unwrap();
    // Take the generated records out again, to be imported anew as changed records.
    let mut by_m: std::collections::BTreeMap<MunicipalityCode, Vec<_>> = Default::default();
    for i in 0..1_000 {
        for r in store
            .records_of(&ManagementId::parse(&format!("D{i:07}")).unwrap())
            .unwrap()
        {
            let mut rec = r.record;
            rec.lot = Some("NEWLOT".into());
            by_m.entry(rec.responsible).or_default().push(rec);
        }
    }
    (services, by_m.into_iter().collect())
}

fn import_all(services: &Sesshu, batches: Batches) {
    for (m, records) in batches {
        let report = services
            .import_records(&Actor::municipality("bench", m), records)
            .unwrap();
        assert_eq!(report.refused().count(), 0);
    }
}

/// The record columns as PostgreSQL returns them.
type PgRecordColumns = (
    String,
    String,
    String,
    String,
    String,
    i64,
    chrono::NaiveDate,
    Option<String>,
    Option<String>,
    bool,
    i64,
    chrono::DateTime<chrono::Utc>,
    i64,
);

/// The record columns of a row, as the store reads them.
fn pg_record_columns(r: &postgres::Row) -> PgRecordColumns {
    (
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
        r.get(8),
        r.get(9),
        r.get(10),
        r.get(11),
        r.get(12),
    )
}

/// The record columns as SQLite returns them.
type SqliteRecordColumns = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    bool,
    i64,
    String,
    i64,
);

/// The record columns of a row, as the store reads them.
fn sqlite_record_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<SqliteRecordColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn postgres_group(c: &mut Criterion) {
    let Ok(url) = std::env::var("SESSHU_BENCH_POSTGRES") else {
        eprintln!("SESSHU_BENCH_POSTGRES is not set: PostgreSQL benchmarks not run");
        return;
    };
    let store = Arc::new(sesshu_postgres::PostgresStore::connect(&url).unwrap());
    let persons: i64 = store
        .with_client(|c| {
            Ok(c.query_one("SELECT count(*) FROM persons", &[])
                .unwrap()
                .get(0))
        })
        .unwrap();
    let ids = sample_ids(persons as usize, 4096);
    let mut g = c.benchmark_group(format!("postgres_{persons}_persons"));
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("visible_records/store_and_rule", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            black_box(visible_through_store(&*store, &ids[i]))
        })
    });
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let stmt = raw
        .prepare(
            "WITH st AS (
               SELECT CASE
                 WHEN EXISTS (SELECT 1 FROM residency WHERE management_id = $1 AND municipality = $2
                              AND from_date <= $3 AND (to_date IS NULL OR to_date > $3)) THEN 2
                 WHEN EXISTS (SELECT 1 FROM residency WHERE management_id = $1 AND municipality = $2
                              AND from_date < $3) THEN 1
                 ELSE 0 END AS s)
             SELECT r.id, r.management_id, r.responsible, r.category, r.vaccine, r.dose_number, r.vaccination_date,
                    r.lot, r.institution, r.erroneous, r.version, r.updated_at, r.seq
             FROM records r, st
             WHERE r.management_id = $1 AND (st.s = 2 OR (st.s = 1 AND r.responsible = $2))
             ORDER BY r.id",
        )
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
    let mut i = 0;
    g.bench_function("visible_records/hand_written_sql", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            let rows = raw
                .query(&stmt, &[&ids[i].as_str(), &CHIYODA, &day])
                .unwrap();
            // Every column into owned values, like the store and the
            // SQLite side of this bench.
            let owned: Vec<PgRecordColumns> = rows.iter().map(pg_record_columns).collect();
            black_box(owned.len())
        })
    });
    service_read(&mut g, store.clone(), &ids);
    g.finish();
    let reset_url = url.clone();
    delivery(
        c,
        "postgres",
        100_000,
        store.clone(),
        &move || {
            let mut c = postgres::Client::connect(&reset_url, postgres::NoTls).unwrap();
            c.batch_execute(RESET_DELIVERIES).unwrap();
        },
        &mut |drain| hand_delivery_postgres(&mut raw, drain),
    );
    let remove_added = || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.execute(REMOVE_IMPORTED, &[]).unwrap();
    };
    import_into_data_set(
        c,
        "postgres",
        store.clone(),
        &ids,
        &remove_added,
        &mut |rows| hand_insert_postgres(&mut raw, rows),
    );
    log_verification(c, "postgres", store);
}

criterion_group!(benches, sqlite_group, import_group, postgres_group);
criterion_main!(benches);
