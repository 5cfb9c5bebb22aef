//! Account benchmarks (issue 5): sign-in verification at the default
//! Argon2id parameters, first-administrator extraction over 100,000
//! organisations, and the inactivity batches over 1,000,000 accounts on
//! SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sesshu_core::accounts::{
    hash_password, verify_password, AccountStatus, Argon2Params, Credentials, ExtractionInput,
    OrganisationRow, User, UserId,
};
use sesshu_core::calendar::{parse_timestamp, FixedClock};
use sesshu_core::identifiers::EmailAddress;
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::secrets::SeededRandom;
use sesshu_core::service::{Actor, Sesshu};
use sesshu_core::store::{ChangeSet, Expected, Store, Write};

fn services(store: Arc<dyn Store>, now: &str) -> Sesshu {
    Sesshu::new(store, Arc::new(FixedClock(parse_timestamp(now).unwrap())))
        .with_random(Arc::new(SeededRandom::new(1)))
}

fn central() -> Actor {
    Actor::new(
        "central-0001",
        OrganisationType::Central,
        OrganisationCode::parse("CENTRAL").unwrap(),
        vec![Role::Central],
    )
}

fn sign_in(c: &mut Criterion) {
    let mut g = c.benchmark_group("sign_in");
    g.sample_size(20);
    let params = Argon2Params::default();
    let hash = hash_password("Sakura-Fuji-2025", params, &SeededRandom::new(1)).unwrap();
    g.bench_function("verify_password_argon2id_m19456_t2_p1", |b| {
        b.iter(|| assert!(verify_password("Sakura-Fuji-2025", &hash)))
    });
    g.finish();
}

/// Institution and municipality master rows: all eligible, one in 50
/// without an e-mail address (reported).
fn masters(n: usize) -> ExtractionInput {
    let row = |code: String, i: usize| OrganisationRow {
        code,
        issuance: "target".into(),
        delegation: Some("approved".into()),
        union: None,
        email: (!i.is_multiple_of(50)).then(|| format!("admin{i}@example.jp")),
        admin_name: Some(format!("管理者 {i}")),
    };
    ExtractionInput {
        medical_institutions: (0..n).map(|i| row(institution(i), i)).collect(),
        ..Default::default()
    }
}

/// The `i`th valid 医療機関コード of Tokyo's medical score table.
fn institution(i: usize) -> String {
    (0..10)
        .map(|d| format!("131{i:06}{d}"))
        .find(|c| sesshu_core::identifiers::MedicalInstitutionCode::parse(c).is_ok())
        .unwrap()
}

fn extraction(c: &mut Criterion) {
    let mut g = c.benchmark_group("extraction");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    let input = masters(100_000);
    g.bench_function("100000_organisations_sqlite", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("x.db")).unwrap());
                (dir, store)
            },
            |(_dir, store)| {
                let s = services(store, "2025-04-01T00:00:00Z");
                let report = s
                    .extract_first_administrators(&central(), &input, |_, _| {})
                    .unwrap();
                assert_eq!(report.issued.len(), 98_000);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// 1,000,000 accounts; one in five last signed in before the threshold.
fn accounts_store(dir: &std::path::Path) -> Arc<sesshu_sqlite::SqliteStore> {
    let store = Arc::new(sesshu_sqlite::SqliteStore::open(dir.join("accounts.db")).unwrap());
    let hash = hash_password(
        "x",
        Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        &SeededRandom::new(1),
    )
    .unwrap();
    let orgs = 1_000u64;
    let per_org = 1_000u64;
    for o in 0..orgs {
        let code = OrganisationCode::parse(&format!("13{:08}", o)).unwrap();
        let writes = (1..=per_org)
            .map(|n| {
                let old = (o * per_org + n).is_multiple_of(5);
                let last = if old {
                    "2025-01-01T00:00:00Z"
                } else {
                    "2026-03-01T00:00:00Z"
                };
                Write::PutUser {
                    user: Box::new(User {
                        id: UserId::new(&code, n),
                        org_type: OrganisationType::MedicalInstitution,
                        organisation: code.clone(),
                        email: EmailAddress::parse(&format!("u{o}-{n}@example.jp")).unwrap(),
                        name: "利用者".into(),
                        role: Role::MedicalStaff,
                        state: AccountStatus::Active,
                        linked_accounts: vec![],
                        issued_at: parse_timestamp("2024-04-01T00:00:00Z").unwrap(),
                        last_sign_in: Some(parse_timestamp(last).unwrap()),
                        credentials: Credentials {
                            password: Some(hash.clone()),
                            ..Credentials::default()
                        },
                    }),
                    updated_at: parse_timestamp("2024-04-01T00:00:00Z").unwrap(),
                    expected: Expected::Absent,
                }
            })
            .collect();
        store
            .commit(ChangeSet {
                writes,
                log: vec![],
            })
            .unwrap();
    }
    store
}

/// Undoes a run: every account active again, the outbox empty.
const RESET: &str = "
UPDATE users SET state = 'active', body = replace(body, '\"state\":\"suspended\"', '\"state\":\"active\"')
 WHERE state = 'suspended';
DELETE FROM outbox;";

fn inactivity(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let store = accounts_store(dir.path());
    eprintln!("1,000,000 accounts written in {:?}", started.elapsed());
    let mut g = c.benchmark_group("inactivity_1000000_accounts_sqlite");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    let execution = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    for (name, execute) in [("notice", false), ("execute", true)] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    store.with_connection(|c| c.execute_batch(RESET).unwrap());
                    let s = services(store.clone(), "2026-04-01T00:00:00Z");
                    let start = Instant::now();
                    let report = if execute {
                        s.inactivity_execute(&central(), execution, |_| {})
                    } else {
                        s.inactivity_notice(&central(), execution, |_| {})
                    }
                    .unwrap();
                    total += start.elapsed();
                    assert_eq!(report.candidates, 200_000);
                }
                total
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sign_in, extraction, inactivity);
criterion_main!(benches);
