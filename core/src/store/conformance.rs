//! The storage conformance suite: one set of test functions that every
//! adapter runs unchanged (`sesshu_core::store_conformance_tests!`).
//!
//! Each function takes a fresh, empty store and panics on a failed check
//! (this module is test code, compiled only with the `testing` feature).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Barrier};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::access_log::{AccessAction, AccessLogDraft, ChainVerifier};
use crate::calendar::FixedClock;
use crate::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use crate::persons::{Person, Sex};
use crate::questionnaire::{AnswerValue, Answers};
use crate::records::{Category, VaccinationRecord};
use crate::residency::{ResidencyHistory, ResidencyInterval};
use crate::service::{Actor, PutOutcome, RecordQuery, Sesshu};

use super::{
    ChangeSet, Expected, LogFilter, PersonFilter, RecordScope, Store, StoreError, StoredRecord,
    Write,
};

/// Generates one `#[test]` per conformance check for an adapter.
/// `$make` is an expression giving a fresh, empty `Arc<dyn Store>` each time.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@tests $make;
            round_trip_with_japanese_text,
            lookups_by_subject_pmh_and_ids,
            atomic_change_sets,
            version_conflicts,
            idempotent_reruns,
            large_commit,
            delivery_is_at_least_once,
            delivery_logs_each_person_once,
            access_log_chain_and_search,
            concurrent_log_appends_keep_one_chain,
            log_search_by_subject_over_a_long_log,
            log_search_reads_past_what_it_may_not_see,
            person_search_filters_and_paging,
            staff_query_follows_visibility,
            person_with_records_reads_one_person,
            records_of_persons_reads_a_page,
            questionnaire_round_trip,
            questionnaire_list_and_download,
            concurrent_commits_exactly_one_wins,
            organisations_and_users_round_trip,
            inactive_users_are_found_by_last_activity,
            access_tokens_round_trip,
            outbox_dedupes_and_acknowledging_erases_secrets,
            account_lifecycle_and_lockout,
            second_factor_and_recovery_codes,
            resets_and_reminders_reveal_nothing,
            first_administrators_are_issued_once,
            inactivity_batches_are_idempotent,
            tokens_issue_verify_revoke_rotate,
            own_and_administrator_changes,
            issuance_register_round_trip,
            store_modes_bootstrap_and_sessions,
            dates_and_residency_are_checked_before_storing,
            person_and_residency_imports_go_through_the_services,
        );
    };
    (@tests $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                let store: ::std::sync::Arc<dyn $crate::store::Store> = $make;
                $crate::store::conformance::$name(store);
            }
        )+
    };
}

pub fn code(s: &str) -> MunicipalityCode {
    MunicipalityCode::parse(s).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    crate::calendar::parse_date(s).unwrap()
}

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_740_000_000 + secs, 123_456_000)
        .unwrap()
}

pub const SAPPORO: &str = "011002";
pub const CHIYODA: &str = "131016";
pub const YOKOHAMA: &str = "141003";

/// A person who lived in Sapporo, then Chiyoda from 2020-04-01.
pub fn person(id: &str, name: &str, kana: &str) -> Person {
    Person {
        management_id: ManagementId::parse(id).unwrap(),
        subject_number: SubjectNumber::parse(&format!("S{id}")).unwrap(),
        name: name.into(),
        name_kana: kana.into(),
        birth_date: date("1990-05-01"),
        sex: Sex::Female,
        pmh_key: Some(format!("pmh-{id}")),
        residency: ResidencyHistory::new(vec![
            ResidencyInterval {
                municipality: code(SAPPORO),
                from: date("1990-05-01"),
                to: Some(date("2020-04-01")),
            },
            ResidencyInterval {
                municipality: code(CHIYODA),
                from: date("2020-04-01"),
                to: None,
            },
        ])
        .unwrap(),
    }
}

pub fn record(id: &str, person: &str, responsible: &str, on: &str) -> VaccinationRecord {
    VaccinationRecord {
        id: RecordId::parse(id).unwrap(),
        person: ManagementId::parse(person).unwrap(),
        responsible: code(responsible),
        category: Category::Routine,
        vaccine: VaccineCode::parse("MR").unwrap(),
        dose_number: 1,
        date: date(on),
        lot: Some("AB12C".into()),
        institution: Some(MedicalInstitutionCode::parse("1311234502").unwrap()),
        erroneous: false,
    }
}

fn put_person(p: Person, t: i64) -> Write {
    Write::PutPerson {
        person: p,
        updated_at: at(t),
        expected: Expected::Absent,
    }
}

fn put_record(r: VaccinationRecord, t: i64) -> Write {
    Write::PutRecord {
        record: r,
        updated_at: at(t),
        expected: Expected::Absent,
    }
}

fn log(actor: &str, action: AccessAction, subject: &str, t: i64) -> AccessLogDraft {
    AccessLogDraft {
        at: at(t),
        actor: actor.into(),
        organisation: CHIYODA.into(),
        action,
        subject: Some(ManagementId::parse(subject).unwrap()),
        record_ids: vec![RecordId::parse("r1").unwrap()],
    }
}

fn services(store: Arc<dyn Store>, t: i64) -> Sesshu {
    Sesshu::new(store, Arc::new(FixedClock(at(t))))
}

fn staff(m: &str) -> Actor {
    Actor::municipality(&format!("staff-{m}"), code(m))
}

fn id(s: &str) -> ManagementId {
    ManagementId::parse(s).unwrap()
}

fn rid(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}

pub fn round_trip_with_japanese_text(store: Arc<dyn Store>) {
    let p = person("P1", "髙橋 𠮷子（㈱サンプル）", "タカハシ ヨシコ");
    let r = record("r1", "P1", CHIYODA, "2024-10-01");
    let receipt = store
        .commit(ChangeSet {
            writes: vec![put_person(p.clone(), 0), put_record(r.clone(), 1)],
            log: vec![log("u1", AccessAction::WritePerson, "P1", 0)],
        })
        .unwrap();
    assert_eq!(receipt.versions, vec![1, 1]);
    assert_eq!(receipt.log_seqs, vec![1]);
    let got = store.person(&p.management_id).unwrap().unwrap();
    assert_eq!(got.person, p);
    assert_eq!(got.version, 1);
    assert_eq!(got.updated_at, at(0));
    let recs = store.records_of(&p.management_id).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].record, r);
    assert_eq!(recs[0].updated_at, at(1));
    assert!(
        recs[0].seq > 0,
        "a written record has a change sequence number"
    );
    assert_eq!(store.record(&r.id).unwrap().unwrap().record, r);
    assert!(store.person(&id("nobody")).unwrap().is_none());
}

pub fn lookups_by_subject_pmh_and_ids(store: Arc<dyn Store>) {
    let a = person("A1", "山田 花子", "ヤマダ ハナコ");
    let b = person("B1", "佐藤 一郎", "サトウ イチロウ");
    store
        .commit(ChangeSet {
            writes: vec![
                put_person(b.clone(), 0),
                put_person(a.clone(), 0),
                put_record(record("r2", "A1", CHIYODA, "2024-01-01"), 0),
                put_record(record("r1", "A1", SAPPORO, "2010-01-01"), 0),
            ],
            log: vec![],
        })
        .unwrap();
    assert_eq!(
        store
            .person_by_subject(&a.subject_number)
            .unwrap()
            .unwrap()
            .person,
        a
    );
    assert_eq!(store.person_by_pmh("pmh-B1").unwrap().unwrap().person, b);
    assert!(store.person_by_pmh("pmh-zz").unwrap().is_none());
    let both = store
        .persons_by_ids(&[id("B1"), id("A1"), id("zz")])
        .unwrap();
    let ids: Vec<&str> = both
        .iter()
        .map(|p| p.person.management_id.as_str())
        .collect();
    assert_eq!(ids, ["A1", "B1"]);
    let recs = store
        .records_by_ids(&[rid("r2"), rid("r1"), rid("r9")])
        .unwrap();
    let ids: Vec<&str> = recs.iter().map(|r| r.record.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2"]);
    let ids: Vec<String> = store
        .records_of(&id("A1"))
        .unwrap()
        .iter()
        .map(|r| r.record.id.to_string())
        .collect();
    assert_eq!(ids, ["r1", "r2"]);
}

pub fn atomic_change_sets(store: Arc<dyn Store>) {
    let err = store
        .commit(ChangeSet {
            writes: vec![
                put_person(person("A1", "山田 花子", "ヤマダ ハナコ"), 0),
                put_record(record("r1", "A1", CHIYODA, "2024-01-01"), 0),
                Write::PutPerson {
                    person: person("B1", "佐藤 一郎", "サトウ イチロウ"),
                    updated_at: at(0),
                    expected: Expected::Version(3),
                },
            ],
            log: vec![log("u1", AccessAction::WritePerson, "A1", 0)],
        })
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert!(
        store.person(&id("A1")).unwrap().is_none(),
        "half a change set was written"
    );
    assert!(store.record(&rid("r1")).unwrap().is_none());
    assert_eq!(
        store.log_head().unwrap(),
        None,
        "the log moved on a failed commit"
    );
    assert!(store.log_entries(1, 10).unwrap().is_empty());
}

pub fn version_conflicts(store: Arc<dyn Store>) {
    let p = person("A1", "山田 花子", "ヤマダ ハナコ");
    store
        .commit(ChangeSet {
            writes: vec![put_person(p.clone(), 0)],
            log: vec![],
        })
        .unwrap();
    let again = store.commit(ChangeSet {
        writes: vec![put_person(p.clone(), 1)],
        log: vec![],
    });
    assert!(matches!(again, Err(StoreError::Conflict { .. })));
    let mut changed = p.clone();
    changed.name = "山田 花".into();
    let update = |expected| ChangeSet {
        writes: vec![Write::PutPerson {
            person: changed.clone(),
            updated_at: at(2),
            expected,
        }],
        log: vec![],
    };
    assert_eq!(
        store.commit(update(Expected::Version(1))).unwrap().versions,
        vec![2]
    );
    let stale = store.commit(update(Expected::Version(1)));
    assert_eq!(stale.map_err(|e| e.code()).err(), Some("conflict"));
    let got = store.person(&p.management_id).unwrap().unwrap();
    assert_eq!((got.version, got.person.name.as_str()), (2, "山田 花"));
}

pub fn idempotent_reruns(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let chiyoda = staff(CHIYODA);
    let persons = vec![
        person("A1", "山田 花子", "ヤマダ ハナコ"),
        person("B1", "佐藤 一郎", "サトウ イチロウ"),
    ];
    let records = vec![
        record("r1", "A1", CHIYODA, "2024-01-01"),
        record("r2", "B1", CHIYODA, "2024-02-01"),
    ];
    assert_eq!(
        s.put_persons(&chiyoda, persons.clone()).unwrap(),
        [PutOutcome::Created; 2]
    );
    assert_eq!(
        s.put_records(&chiyoda, records.clone()).unwrap(),
        [PutOutcome::Created; 2]
    );
    let head = store.log_head().unwrap();
    let later = services(store.clone(), 100);
    assert_eq!(
        later.put_persons(&chiyoda, persons).unwrap(),
        [PutOutcome::Unchanged; 2]
    );
    assert_eq!(
        later.put_records(&chiyoda, records).unwrap(),
        [PutOutcome::Unchanged; 2]
    );
    assert_eq!(
        store.log_head().unwrap(),
        head,
        "an unchanged re-run wrote to the log"
    );
    let r = store.record(&rid("r1")).unwrap().unwrap();
    assert_eq!((r.version, r.updated_at), (1, at(0)));

    // A person without a history yet (a persons file before its residency
    // file) may be written again, by any municipality, until they have one.
    let mut c1 = person("C1", "鈴木 次郎", "スズキ ジロウ");
    c1.residency = ResidencyHistory::default();
    let yokohama = staff(YOKOHAMA);
    assert_eq!(
        s.put_persons(&chiyoda, vec![c1.clone()]).unwrap(),
        [PutOutcome::Created]
    );
    assert_eq!(
        later.put_persons(&chiyoda, vec![c1.clone()]).unwrap(),
        [PutOutcome::Unchanged]
    );
    c1.name = "鈴木 二郎".into();
    assert_eq!(
        later.put_persons(&yokohama, vec![c1.clone()]).unwrap(),
        [PutOutcome::Updated]
    );
    // Once they have a history (Sapporo, then Chiyoda), Yokohama may not
    // write them.
    c1.residency = person("C1", "", "").residency;
    later.put_persons(&chiyoda, vec![c1.clone()]).unwrap();
    c1.name = "鈴木 三郎".into();
    let e = later.put_persons(&yokohama, vec![c1]).unwrap_err();
    assert_eq!(e.code(), "not_authorized");
    // Nor may Yokohama give a history-less person a history without it.
    let mut d1 = person("D1", "高橋 三郎", "タカハシ サブロウ");
    d1.residency = ResidencyHistory::default();
    s.put_persons(&chiyoda, vec![d1.clone()]).unwrap();
    d1.residency = person("D1", "", "").residency;
    assert_eq!(
        later.put_persons(&yokohama, vec![d1]).unwrap_err().code(),
        "not_authorized"
    );
}

pub fn large_commit(store: Arc<dyn Store>) {
    const N: usize = 100_000;
    let mut writes = vec![put_person(person("A1", "山田 花子", "ヤマダ ハナコ"), 0)];
    writes.extend(
        (0..N).map(|i| put_record(record(&format!("r{i:06}"), "A1", CHIYODA, "2024-01-01"), 0)),
    );
    let receipt = store
        .commit(ChangeSet {
            writes,
            log: vec![],
        })
        .unwrap();
    assert_eq!(receipt.versions.len(), N + 1);
    assert_eq!(store.records_of(&id("A1")).unwrap().len(), N);
    let delivery = store
        .records_for_delivery(code(CHIYODA), 0, None, N + 10)
        .unwrap();
    assert_eq!(delivery.len(), N);
    assert!(
        delivery.windows(2).all(|w| w[0].seq < w[1].seq),
        "one change sequence number per record, in order"
    );
}

pub fn delivery_is_at_least_once(store: Arc<dyn Store>) {
    let chiyoda = staff(CHIYODA);
    let s = services(store.clone(), 0);
    s.put_persons(&chiyoda, vec![person("A1", "山田 花子", "ヤマダ ハナコ")])
        .unwrap();
    s.put_records(
        &chiyoda,
        vec![
            record("r1", "A1", CHIYODA, "2024-01-01"),
            record("r2", "A1", CHIYODA, "2024-02-01"),
        ],
    )
    .unwrap();
    let sapporo = staff(SAPPORO);
    services(store.clone(), 0)
        .put_records(&sapporo, vec![record("r0", "A1", SAPPORO, "2010-01-01")])
        .unwrap();

    let first = services(store.clone(), 10)
        .pull_delivery(&chiyoda, 100)
        .unwrap();
    let ids: Vec<&str> = first.records.iter().map(|r| r.record.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2"], "Chiyoda receives only its own records");
    assert!(!first.redelivery);
    assert_eq!(first.records[0].subject_number.as_str(), "SA1");

    // A crash before acknowledging: the same batch comes again.
    let again = services(store.clone(), 20)
        .pull_delivery(&chiyoda, 100)
        .unwrap();
    assert_eq!(again.batch_id, first.batch_id);
    assert!(again.redelivery);
    assert_eq!(again.records.len(), 2);

    // r2 changes after the pull and before the acknowledgement.
    let mut r2 = record("r2", "A1", CHIYODA, "2024-02-01");
    r2.lot = Some("NEW-LOT".into());
    services(store.clone(), 30)
        .put_record(&chiyoda, r2)
        .unwrap();

    let s40 = services(store.clone(), 40);
    assert!(s40.ack_delivery(&chiyoda, &first.batch_id).unwrap());
    assert!(
        !s40.ack_delivery(&chiyoda, &first.batch_id).unwrap(),
        "a repeated ack changed something"
    );
    let next = s40.pull_delivery(&chiyoda, 100).unwrap();
    let ids: Vec<&str> = next.records.iter().map(|r| r.record.id.as_str()).collect();
    assert_eq!(
        ids,
        ["r2"],
        "the change after the pull must be delivered again"
    );
    assert_ne!(next.batch_id, first.batch_id);
    assert!(s40.ack_delivery(&chiyoda, &next.batch_id).unwrap());
    assert!(s40.pull_delivery(&chiyoda, 100).unwrap().records.is_empty());
    assert_eq!(
        s40.ack_delivery(&chiyoda, "nope")
            .map_err(|e| e.code())
            .err(),
        Some("not_found")
    );
    // Another municipality cannot acknowledge Chiyoda's batch.
    assert_eq!(
        s40.ack_delivery(&sapporo, &first.batch_id)
            .map_err(|e| e.code())
            .err(),
        Some("not_found")
    );
}

/// A pull's payload carries each record's own person and subject number,
/// in change order, and the access log gets one entry per person with
/// that person's records, in change order (SPEC §4, §13).
pub fn delivery_logs_each_person_once(store: Arc<dyn Store>) {
    let chiyoda = staff(CHIYODA);
    let s = services(store.clone(), 0);
    s.put_persons(
        &chiyoda,
        vec![
            person("B1", "山田 花子", "ヤマダ ハナコ"),
            person("A1", "佐藤 太郎", "サトウ タロウ"),
            person("C1", "鈴木 一郎", "スズキ イチロウ"),
        ],
    )
    .unwrap();
    let order = [
        ("rb1", "B1"),
        ("ra1", "A1"),
        ("rb2", "B1"),
        ("rc1", "C1"),
        ("ra2", "A1"),
    ];
    for (r, p) in order {
        s.put_record(&chiyoda, record(r, p, CHIYODA, "2024-01-01"))
            .unwrap();
    }
    let head = store.log_head().unwrap().map_or(0, |(seq, _)| seq);
    let pull = services(store.clone(), 10)
        .pull_delivery(&chiyoda, 100)
        .unwrap();
    let got: Vec<(&str, &str, &str)> = pull
        .records
        .iter()
        .map(|d| {
            (
                d.record.id.as_str(),
                d.management_id.as_str(),
                d.subject_number.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("rb1", "B1", "SB1"),
            ("ra1", "A1", "SA1"),
            ("rb2", "B1", "SB1"),
            ("rc1", "C1", "SC1"),
            ("ra2", "A1", "SA1"),
        ]
    );
    let logged: Vec<(String, Vec<String>)> = store
        .log_search(
            &LogFilter {
                after_seq: Some(head),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.draft.action, AccessAction::DeliverRecords);
            assert_eq!(e.draft.actor, chiyoda.user_id);
            (
                e.draft.subject.map(|p| p.to_string()).unwrap_or_default(),
                e.draft.record_ids.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    let entry = |p: &str, ids: &[&str]| (p.to_owned(), ids.iter().map(|i| i.to_string()).collect());
    assert_eq!(
        logged,
        vec![
            entry("A1", &["ra1", "ra2"]),
            entry("B1", &["rb1", "rb2"]),
            entry("C1", &["rc1"]),
        ]
    );
}

pub fn access_log_chain_and_search(store: Arc<dyn Store>) {
    let drafts = vec![
        log("u1", AccessAction::ReadRecords, "A1", 0),
        log("u2", AccessAction::ReadRecords, "B1", 10),
        log("u1", AccessAction::ExportRecords, "A1", 20),
    ];
    store
        .commit(ChangeSet {
            writes: vec![],
            log: drafts[..2].to_vec(),
        })
        .unwrap();
    let receipt = store
        .commit(ChangeSet {
            writes: vec![],
            log: drafts[2..].to_vec(),
        })
        .unwrap();
    assert_eq!(receipt.log_seqs, vec![3]);
    let entries = store.log_entries(1, 100).unwrap();
    assert_eq!(entries.len(), 3);
    let mut v = ChainVerifier::default();
    for (e, d) in entries.iter().zip(&drafts) {
        assert_eq!(&e.draft, d);
        v.check(e).unwrap();
    }
    assert_eq!(store.log_head().unwrap(), Some((3, entries[2].hash)));
    let by_subject = store
        .log_search(
            &LogFilter {
                subject: Some(id("A1")),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(by_subject.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3]);
    let by_actor = store
        .log_search(
            &LogFilter {
                actor: Some("u2".into()),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(by_actor.iter().map(|e| e.seq).collect::<Vec<_>>(), [2]);
    let period = store
        .log_search(
            &LogFilter {
                from: Some(at(5)),
                to: Some(at(20)),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(period.iter().map(|e| e.seq).collect::<Vec<_>>(), [2]);
    let paged = store
        .log_search(
            &LogFilter {
                after_seq: Some(1),
                ..LogFilter::default()
            },
            1,
        )
        .unwrap();
    assert_eq!(paged.iter().map(|e| e.seq).collect::<Vec<_>>(), [2]);
    assert_eq!(store.log_entries(2, 1).unwrap()[0].seq, 2);

    let report = services(store, 30).verify_log(&staff(CHIYODA)).unwrap();
    assert_eq!((report.verified, report.first_break), (3, None));
}

/// A search by subject over a log of 20,000 entries: the subject's
/// entries, wherever they lie in the log, in order, page by page; other
/// filters combine with it.
pub fn log_search_by_subject_over_a_long_log(store: Arc<dyn Store>) {
    const LEN: usize = 20_000;
    let theirs = [1, 2, 4_095, 4_096, 4_097, 8_193, 12_000, 16_384, LEN];
    let drafts: Vec<AccessLogDraft> = (1..=LEN)
        .map(|seq| {
            let (subject, actor) = if theirs.contains(&seq) {
                ("A1", if seq % 2 == 0 { "u2" } else { "u1" })
            } else {
                ("B1", "u1")
            };
            log(actor, AccessAction::ReadRecords, subject, seq as i64)
        })
        .collect();
    for chunk in drafts.chunks(7_000) {
        store
            .commit(ChangeSet {
                writes: vec![],
                log: chunk.to_vec(),
            })
            .unwrap();
    }
    let search = |after_seq: Option<i64>, actor: Option<&str>, limit: usize| -> Vec<i64> {
        store
            .log_search(
                &LogFilter {
                    subject: Some(id("A1")),
                    actor: actor.map(Into::into),
                    after_seq,
                    ..LogFilter::default()
                },
                limit,
            )
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    let all: Vec<i64> = theirs.iter().map(|&s| s as i64).collect();
    assert_eq!(search(None, None, 100), all);
    // Page by page, three at a time.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = search(after, None, 3);
        let Some(&last) = page.last() else { break };
        paged.extend(page);
        after = Some(last);
    }
    assert_eq!(paged, all);
    assert_eq!(search(Some(4_096), None, 2), [4_097, 8_193]);
    assert_eq!(search(Some(LEN as i64), None, 10), Vec::<i64>::new());
    assert_eq!(
        search(None, Some("u2"), 100),
        all.iter()
            .copied()
            .filter(|s| s % 2 == 0)
            .collect::<Vec<_>>()
    );
    let in_period = store
        .log_search(
            &LogFilter {
                subject: Some(id("A1")),
                from: Some(at(4_096)),
                to: Some(at(12_001)),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(
        in_period.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [4_096, 4_097, 8_193, 12_000]
    );
}

/// A municipality's search of the log reads past the entries it may not
/// see until its page is full, so a page is never short while more of its
/// entries follow; the next page starts after the last entry returned. The
/// download holds every entry the search finds.
pub fn log_search_reads_past_what_it_may_not_see(store: Arc<dyn Store>) {
    let mut elsewhere = person("Y1", "横浜 太郎", "ヨコハマ タロウ");
    elsewhere.residency = ResidencyHistory::new(vec![ResidencyInterval {
        municipality: code(YOKOHAMA),
        from: date("1990-05-01"),
        to: None,
    }])
    .unwrap();
    store
        .commit(ChangeSet {
            writes: vec![
                put_person(person("A1", "山田 花子", "ヤマダ ハナコ"), 0),
                put_person(elsewhere, 0),
            ],
            log: vec![],
        })
        .unwrap();
    // Chiyoda's resident's entries lie behind 2,500 of Yokohama's.
    let (ours, len) = ([2_501, 2_502, 2_503, 2_514, 2_515], 2_515);
    let drafts: Vec<AccessLogDraft> = (1..=len)
        .map(|seq| {
            let subject = if ours.contains(&seq) { "A1" } else { "Y1" };
            log("u1", AccessAction::ReadRecords, subject, seq)
        })
        .collect();
    store
        .commit(ChangeSet {
            writes: vec![],
            log: drafts,
        })
        .unwrap();
    let s = services(store.clone(), 10_000);
    // Before the searches' own entries (logged at 10,000).
    let before = |after_seq| LogFilter {
        to: Some(at(5_000)),
        after_seq,
        ..LogFilter::default()
    };
    let seqs = |actor: &Actor, after_seq: Option<i64>, limit: usize| -> Vec<i64> {
        s.search_log(actor, &before(after_seq), limit)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    let chiyoda = staff(CHIYODA);
    assert_eq!(seqs(&chiyoda, None, 2), [2_501, 2_502]);
    assert_eq!(seqs(&chiyoda, Some(2_502), 2), [2_503, 2_514]);
    assert_eq!(seqs(&chiyoda, Some(2_514), 2), [2_515]);
    assert_eq!(seqs(&chiyoda, Some(2_515), 2), Vec::<i64>::new());
    assert_eq!(seqs(&chiyoda, None, 100), ours);
    let yokohama = seqs(&staff(YOKOHAMA), None, 100);
    assert_eq!((yokohama.len(), yokohama[0], yokohama[99]), (100, 1, 100));
    assert!(seqs(&staff(SAPPORO), None, 100).is_empty());

    let mut csv = Vec::new();
    let n = s
        .export_log_csv(&chiyoda, &before(None), Default::default(), &mut csv)
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(n, 5);
    assert_eq!(
        lines[0],
        "seq,at,actor,organisation,action,subject,record_ids"
    );
    assert_eq!(
        lines[1],
        format!(
            "2501,{},u1,131016,read_records,A1,r1",
            at(2_501).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        )
    );
    assert_eq!(lines.len(), 6);
    // A download reads the log as it stood when it started: the next one
    // finds the one read the last logged, and no more.
    let whole = |s: &Sesshu| {
        s.export_log_csv(
            &chiyoda,
            &LogFilter::default(),
            Default::default(),
            &mut Vec::new(),
        )
        .unwrap()
    };
    let first = whole(&s);
    assert_eq!(whole(&s), first + 1);
    let through = store.log_search(
        &LogFilter {
            after_seq: Some(2_500),
            through_seq: Some(2_503),
            ..LogFilter::default()
        },
        100,
    );
    assert_eq!(
        through.unwrap().iter().map(|e| e.seq).collect::<Vec<_>>(),
        [2_501, 2_502, 2_503]
    );
    // Each search and download logged who read whose entries.
    let reads = s
        .search_log(
            &chiyoda,
            &LogFilter {
                actor: Some(chiyoda.user_id.clone()),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap();
    assert!(!reads.is_empty());
    assert!(reads.iter().all(
        |e| e.draft.action == AccessAction::ReadAccessLog && e.draft.subject == Some(id("A1"))
    ));
}

/// Logged reads from many threads at once (each a change set of log
/// entries only): every entry lands once, in one unbroken chain.
pub fn concurrent_log_appends_keep_one_chain(store: Arc<dyn Store>) {
    const THREADS: usize = 8;
    const APPENDS: usize = 40;
    let barrier = Barrier::new(THREADS);
    let mut seqs: Vec<i64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (store, barrier) = (store.clone(), &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let mut mine = Vec::new();
                    for i in 0..APPENDS {
                        // One or two entries per change set.
                        let log = (0..=i % 2)
                            .map(|k| {
                                log(&format!("u{t}-{i}-{k}"), AccessAction::ReadRecords, "A1", 0)
                            })
                            .collect();
                        let receipt = store
                            .commit(ChangeSet {
                                writes: vec![],
                                log,
                            })
                            .unwrap();
                        mine.extend(receipt.log_seqs);
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let total = THREADS * (APPENDS / 2 + APPENDS);
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=total as i64).collect::<Vec<_>>());
    let entries = store.log_entries(1, total + 10).unwrap();
    assert_eq!(entries.len(), total);
    let mut v = ChainVerifier::default();
    for e in &entries {
        v.check(e).unwrap();
    }
    assert_eq!(store.log_head().unwrap().map(|h| h.0), Some(total as i64));
    assert_eq!(
        store.log_head().unwrap().map(|h| h.1),
        entries.last().map(|e| e.hash)
    );
}

pub fn person_search_filters_and_paging(store: Arc<dyn Store>) {
    let mut writes = Vec::new();
    for i in 0..25 {
        let kana = if i % 2 == 0 {
            "ヤマダ タロウ"
        } else {
            "サトウ ジロウ"
        };
        let mut p = person(&format!("P{i:02}"), "テスト", kana);
        if i == 7 {
            p.birth_date = date("2001-02-03");
        }
        if i >= 20 {
            // Lived only in Yokohama.
            p.residency = ResidencyHistory::new(vec![ResidencyInterval {
                municipality: code(YOKOHAMA),
                from: date("2000-01-01"),
                to: None,
            }])
            .unwrap();
        }
        writes.push(put_person(p, 0));
        let mut r = record(
            &format!("r{i:02}"),
            &format!("P{i:02}"),
            CHIYODA,
            "2024-01-01",
        );
        if i == 3 {
            r.vaccine = VaccineCode::parse("HPV").unwrap();
            r.date = date("2023-06-01");
        }
        writes.push(put_record(r, 0));
    }
    store
        .commit(ChangeSet {
            writes,
            log: vec![],
        })
        .unwrap();
    let find = |f: &PersonFilter, after: Option<&ManagementId>, limit| {
        store
            .find_persons(f, after, limit)
            .unwrap()
            .into_iter()
            .map(|p| p.person.management_id.to_string())
            .collect::<Vec<_>>()
    };
    let chiyoda = PersonFilter {
        municipality: Some(code(CHIYODA)),
        ..PersonFilter::default()
    };
    let page1 = find(&chiyoda, None, 15);
    assert_eq!(page1.len(), 15);
    assert_eq!(page1[0], "P00");
    let page2 = find(&chiyoda, Some(&id(&page1[14])), 15);
    assert_eq!(page2, ["P15", "P16", "P17", "P18", "P19"]);
    let kana = PersonFilter {
        kana_prefix: Some("ヤマダ".into()),
        ..chiyoda.clone()
    };
    assert_eq!(find(&kana, None, 100).len(), 10);
    let birth = PersonFilter {
        birth_date: Some(date("2001-02-03")),
        ..PersonFilter::default()
    };
    assert_eq!(find(&birth, None, 100), ["P07"]);
    let subject = PersonFilter {
        subject_number: Some(SubjectNumber::parse("SP12").unwrap()),
        ..PersonFilter::default()
    };
    assert_eq!(find(&subject, None, 100), ["P12"]);
    let vaccine = PersonFilter {
        vaccine: Some(VaccineCode::parse("HPV").unwrap()),
        ..PersonFilter::default()
    };
    assert_eq!(find(&vaccine, None, 100), ["P03"]);
    let range = PersonFilter {
        vaccinated_from: Some(date("2023-01-01")),
        vaccinated_to: Some(date("2023-12-31")),
        ..PersonFilter::default()
    };
    assert_eq!(find(&range, None, 100), ["P03"]);
    let yokohama = PersonFilter {
        municipality: Some(code(YOKOHAMA)),
        ..PersonFilter::default()
    };
    assert_eq!(
        find(&yokohama, None, 100),
        ["P20", "P21", "P22", "P23", "P24"]
    );
}

pub fn staff_query_follows_visibility(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    s.put_persons(
        &staff(CHIYODA),
        vec![person("A1", "山田 花子", "ヤマダ ハナコ")],
    )
    .unwrap();
    s.put_records(
        &staff(SAPPORO),
        vec![record("old", "A1", SAPPORO, "2010-01-01")],
    )
    .unwrap();
    s.put_records(
        &staff(CHIYODA),
        vec![record("new", "A1", CHIYODA, "2024-01-01")],
    )
    .unwrap();

    // Chiyoda (current) sees both, certifies its own; Sapporo (former) sees its own.
    let rows = s.person_records(&staff(CHIYODA), &id("A1")).unwrap();
    let seen: Vec<(&str, bool)> = rows
        .iter()
        .map(|r| (r.record.record.id.as_str(), r.certifiable))
        .collect();
    assert_eq!(seen, [("new", true), ("old", false)]);
    let rows = s.person_records(&staff(SAPPORO), &id("A1")).unwrap();
    let seen: Vec<(&str, bool)> = rows
        .iter()
        .map(|r| (r.record.record.id.as_str(), r.certifiable))
        .collect();
    assert_eq!(seen, [("old", true)]);
    assert_eq!(
        s.person_records(&staff(YOKOHAMA), &id("A1"))
            .map_err(|e| e.code())
            .err(),
        Some("not_found")
    );
    let page = s
        .query_records(&staff(SAPPORO), &RecordQuery::default(), None, 10)
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    // A responsible municipality that does not match the residency is refused.
    let wrong = s.put_records(
        &staff(CHIYODA),
        vec![record("x", "A1", CHIYODA, "2010-01-01")],
    );
    assert_eq!(
        wrong.map_err(|e| e.code()).err(),
        Some("responsible_mismatch")
    );
    // Another municipality cannot write Chiyoda's records.
    let foreign = s.put_records(
        &staff(YOKOHAMA),
        vec![record("y", "A1", CHIYODA, "2024-01-01")],
    );
    assert_eq!(foreign.map_err(|e| e.code()).err(), Some("not_authorized"));
    // The portal shows everything but erroneous records; every read was logged.
    let mut bad = record("new", "A1", CHIYODA, "2024-01-01");
    bad.erroneous = true;
    s.put_record(&staff(CHIYODA), bad).unwrap();
    let portal = s.portal_records("pmh-A1").unwrap();
    assert_eq!(
        portal
            .iter()
            .map(|r| r.record.id.as_str())
            .collect::<Vec<_>>(),
        ["old"]
    );
    let reads = store
        .log_search(
            &LogFilter {
                subject: Some(id("A1")),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap()
        .into_iter()
        .filter(|e| {
            matches!(
                e.draft.action,
                AccessAction::ReadRecords | AccessAction::ReadPortal
            )
        })
        .count();
    assert_eq!(reads, 4);
}

/// `person_with_records`: the whole person (residency in date order), the
/// records the scope keeps in id order, nothing of other persons.
pub fn person_with_records_reads_one_person(store: Arc<dyn Store>) {
    let mut p = person("A1", "山田 花子", "ヤマダ ハナコ");
    let mut moves = p.residency.intervals().to_vec();
    moves.reverse();
    p.residency = ResidencyHistory::new(moves).unwrap();
    let alone = person("B1", "佐藤 一郎", "サトウ イチロウ");
    let other = person("C1", "鈴木 次郎", "スズキ ジロウ");
    store
        .commit(ChangeSet {
            writes: vec![
                put_person(p.clone(), 0),
                put_person(alone.clone(), 0),
                put_person(other, 0),
                put_record(record("r3", "A1", CHIYODA, "2024-01-01"), 1),
                put_record(record("r1", "A1", SAPPORO, "2010-01-01"), 1),
                put_record(record("q1", "C1", CHIYODA, "2021-01-01"), 1),
                put_record(record("r2", "A1", CHIYODA, "2021-01-01"), 1),
            ],
            log: vec![],
        })
        .unwrap();
    let read = |who: &str, scope: RecordScope| {
        let (person, records) = store
            .person_with_records(&id(who), &|_| scope)
            .unwrap()
            .unwrap();
        let ids: Vec<String> = records.iter().map(|r| r.record.id.to_string()).collect();
        (person, ids)
    };
    let (got, all) = read("A1", RecordScope::All);
    assert_eq!(got.person, p);
    assert_eq!(got.version, 1);
    assert_eq!(all, ["r1", "r2", "r3"]);
    let (_, own) = read("A1", RecordScope::ResponsibleOnly(code(CHIYODA)));
    assert_eq!(own, ["r2", "r3"]);
    let (_, none) = read("A1", RecordScope::Nothing);
    assert!(none.is_empty());
    let (got, empty) = read("B1", RecordScope::All);
    assert_eq!(got.person, alone);
    assert!(empty.is_empty());
    // The scope is decided on the person as stored.
    let seen = std::cell::Cell::new(0);
    let scope = |q: &Person| {
        assert_eq!(q, &p);
        seen.set(seen.get() + 1);
        RecordScope::All
    };
    assert!(store
        .person_with_records(&id("A1"), &scope)
        .unwrap()
        .is_some());
    assert_eq!(seen.get(), 1);
    assert!(store
        .person_with_records(&id("nobody"), &|_| RecordScope::All)
        .unwrap()
        .is_none());
}

/// `records_of_persons`: every record of each person named, in person
/// then id order, once each however often and in whatever order the person
/// is named, across more persons than one statement's list holds.
pub fn records_of_persons_reads_a_page(store: Arc<dyn Store>) {
    const N: usize = 600;
    let who = |i: usize| format!("P{i:04}");
    let mut writes = Vec::new();
    for i in 0..N {
        writes.push(put_person(person(&who(i), "山田 花子", "ヤマダ ハナコ"), 0));
        // Records given in reverse id order; 0, 1 or 2 of them.
        for j in (0..i % 3).rev() {
            let r = record(&format!("r{i:04}-{j}"), &who(i), CHIYODA, "2024-01-01");
            writes.push(put_record(r, 0));
        }
    }
    let changes = ChangeSet {
        writes,
        log: vec![],
    };
    store.commit(changes).unwrap();
    // Named in reverse, two of them twice, and one nobody knows.
    let mut ask: Vec<ManagementId> = (0..N).rev().map(|i| id(&who(i))).collect();
    ask.extend([id(&who(2)), id(&who(N - 1)), id("nobody")]);
    let got = store.records_of_persons(&ask).unwrap();
    let ids: Vec<String> = got.iter().map(|r| r.record.id.to_string()).collect();
    let expected: Vec<String> = (0..N)
        .flat_map(|i| (0..i % 3).map(move |j| format!("r{i:04}-{j}")))
        .collect();
    assert_eq!(ids, expected);
    let one_by_one: Vec<StoredRecord> = (0..N)
        .flat_map(|i| store.records_of(&id(&who(i))).unwrap())
        .collect();
    assert_eq!(got, one_by_one);
    assert!(store.records_of_persons(&[]).unwrap().is_empty());
}

pub fn questionnaire_round_trip(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    s.put_persons(
        &staff(CHIYODA),
        vec![person("A1", "山田 花子", "ヤマダ ハナコ")],
    )
    .unwrap();
    s.put_records(
        &staff(CHIYODA),
        vec![record("r1", "A1", CHIYODA, "2024-01-01")],
    )
    .unwrap();
    let t = |v: &str| AnswerValue::Text(v.into());
    let subject: Answers = [
        ("fever".to_owned(), t("no")),
        ("note".to_owned(), t("なし")),
    ]
    .into();
    let institution: Answers = [
        ("fever".to_owned(), t("yes")),
        (
            "temperature".to_owned(),
            AnswerValue::Number(rust_decimal::Decimal::new(365, 1)),
        ),
    ]
    .into();
    let clinic = Actor::new(
        "doctor-1",
        crate::organisation::OrganisationType::MedicalInstitution,
        crate::organisation::OrganisationCode::parse("1311234502").unwrap(),
        vec![crate::organisation::Role::Doctor],
    );
    assert_eq!(
        s.put_questionnaire(&clinic, &rid("r1"), subject.clone(), institution.clone())
            .unwrap(),
        PutOutcome::Created
    );
    assert_eq!(
        s.put_questionnaire(&clinic, &rid("r1"), subject.clone(), institution.clone())
            .unwrap(),
        PutOutcome::Unchanged
    );
    let view = s.questionnaire(&staff(CHIYODA), &rid("r1")).unwrap();
    assert_eq!(view.modified, ["fever", "note", "temperature"]);
    assert_eq!(view.institution, institution);
    assert_eq!(
        s.questionnaire(&staff(YOKOHAMA), &rid("r1"))
            .map_err(|e| e.code())
            .err(),
        Some("not_found")
    );
}

/// The questionnaire list and download (H-4) follow the record's visibility
/// (SPEC §3), show only records with answers, page by person, write one
/// line per item, and name an answer Shift_JIS cannot hold.
pub fn questionnaire_list_and_download(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let chiyoda = staff(CHIYODA);
    s.put_persons(
        &chiyoda,
        vec![
            person("A1", "山田 花子", "ヤマダ ハナコ"),
            person("A2", "髙橋 𠮷子", "タカハシ ヨシコ"),
            person("A3", "佐藤 一郎", "サトウ イチロウ"),
        ],
    )
    .unwrap();
    s.put_records(
        &staff(SAPPORO),
        vec![record("s1", "A1", SAPPORO, "2010-01-01")],
    )
    .unwrap();
    s.put_records(
        &chiyoda,
        vec![
            record("r1", "A1", CHIYODA, "2024-01-01"),
            record("r2", "A1", CHIYODA, "2024-02-01"),
            record("r3", "A2", CHIYODA, "2024-03-01"),
            record("r4", "A3", CHIYODA, "2024-04-01"),
        ],
    )
    .unwrap();
    let clinic = Actor::new(
        "doctor-1",
        crate::organisation::OrganisationType::MedicalInstitution,
        crate::organisation::OrganisationCode::parse("1311234502").unwrap(),
        vec![crate::organisation::Role::Doctor],
    );
    let t = |v: &str| AnswerValue::Text(v.into());
    let answers = |pairs: &[(&str, AnswerValue)]| -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let temperature = AnswerValue::Number(rust_decimal::Decimal::new(3650, 2));
    let put = |r: &str, subject: Answers, institution: Answers| {
        s.put_questionnaire(&clinic, &rid(r), subject, institution)
            .unwrap()
    };
    put(
        "r1",
        answers(&[("fever", t("no")), ("note", t("なし"))]),
        answers(&[("fever", t("yes")), ("temperature", temperature)]),
    );
    put(
        "r3",
        answers(&[("allergy", AnswerValue::Choices(vec![t("egg")]))]),
        answers(&[("doctor", t("𠮷田"))]),
    );
    put("r4", Answers::new(), Answers::new());
    put(
        "s1",
        answers(&[("fever", AnswerValue::Bool(false))]),
        answers(&[("fever", AnswerValue::Bool(false))]),
    );

    // The batch read answers for the records that have answers only.
    let mut found: Vec<String> = store
        .questionnaires(&[rid("r2"), rid("s1"), rid("nope"), rid("r1")])
        .unwrap()
        .into_iter()
        .map(|q| q.record.to_string())
        .collect();
    found.sort();
    assert_eq!(found, ["r1", "s1"]);
    assert!(store.questionnaires(&[]).unwrap().is_empty());

    let ids = |page: &crate::service::QuestionnairePage| {
        page.rows
            .iter()
            .map(|q| q.answers.record.to_string())
            .collect::<Vec<_>>()
    };
    let query = crate::service::RecordQuery::default();
    let all = s.query_questionnaires(&chiyoda, &query, None, 100).unwrap();
    // A current resident's records from before the move-in are listed too.
    assert_eq!(ids(&all), ["r1", "s1", "r3", "r4"]);
    assert_eq!(
        all.rows[0].answers.modified,
        ["fever", "note", "temperature"]
    );
    assert_eq!(all.rows[0].row.person.name, "山田 花子");
    assert!(all.next.is_none());
    // A former municipality sees its own record only; a stranger nothing.
    let sapporo = s.query_questionnaires(&staff(SAPPORO), &query, None, 100);
    assert_eq!(ids(&sapporo.unwrap()), ["s1"]);
    let yokohama = s.query_questionnaires(&staff(YOKOHAMA), &query, None, 100);
    assert!(yokohama.unwrap().rows.is_empty());
    // Paging by person: one person a page, every row once.
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let page = s
            .query_questionnaires(&chiyoda, &query, after.as_ref(), 1)
            .unwrap();
        seen.extend(ids(&page));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, ["r1", "s1", "r3", "r4"]);
    // The search narrows like the staff search.
    let mr_march = crate::service::RecordQuery {
        vaccinated_from: Some(date("2024-03-01")),
        ..Default::default()
    };
    let narrowed = s.query_questionnaires(&chiyoda, &mr_march, None, 100);
    assert_eq!(ids(&narrowed.unwrap()), ["r3", "r4"]);

    // The download: a line per record and item, every questionnaire shown.
    let mut out = Vec::new();
    let n = s
        .export_questionnaires_csv(
            &chiyoda,
            &query,
            crate::service::ExportOptions::default(),
            &mut out,
        )
        .unwrap();
    assert_eq!(n, 4);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], crate::service::QUESTIONNAIRE_COLUMNS.join(","));
    assert_eq!(
        &lines[1..],
        [
            "SA1,A1,山田 花子,ヤマダ ハナコ,r1,MR,2024-01-01,fever,yes,no,true",
            "SA1,A1,山田 花子,ヤマダ ハナコ,r1,MR,2024-01-01,note,,なし,true",
            "SA1,A1,山田 花子,ヤマダ ハナコ,r1,MR,2024-01-01,temperature,36.50,,true",
            "SA1,A1,山田 花子,ヤマダ ハナコ,s1,MR,2010-01-01,fever,false,false,false",
            "SA2,A2,髙橋 𠮷子,タカハシ ヨシコ,r3,MR,2024-03-01,allergy,,\"[\"\"egg\"\"]\",true",
            "SA2,A2,髙橋 𠮷子,タカハシ ヨシコ,r3,MR,2024-03-01,doctor,𠮷田,,true",
            "SA3,A3,佐藤 一郎,サトウ イチロウ,r4,MR,2024-04-01,,,,",
        ]
    );
    // Shift_JIS cannot hold 𠮷: the first one met is named, nothing written.
    let sjis = crate::service::ExportOptions::from_text(Some("shift_jis"), None).unwrap();
    let mut out = Vec::new();
    let e = s
        .export_questionnaires_csv(&chiyoda, &query, sjis, &mut out)
        .unwrap_err();
    assert_eq!(e.code(), "unencodable_character");
    assert!(e.to_string().contains("row 5, column name"), "{e}");
    let log = store
        .log_search(
            &crate::store::LogFilter {
                subject: Some(id("A2")),
                ..Default::default()
            },
            100,
        )
        .unwrap();
    let actions: Vec<String> = log.iter().map(|e| e.draft.action.to_string()).collect();
    assert!(
        actions.iter().any(|a| a == "export_questionnaires"),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "read_questionnaire"),
        "{actions:?}"
    );
}

/// Several threads commit against the same row version at the same moment:
/// exactly one wins each race. 8 threads × 200 races.
pub fn concurrent_commits_exactly_one_wins(store: Arc<dyn Store>) {
    concurrent_races(store, 8, 200);
}

pub fn concurrent_races(store: Arc<dyn Store>, threads: usize, races: usize) {
    store
        .commit(ChangeSet {
            writes: vec![
                put_person(person("A1", "山田 花子", "ヤマダ ハナコ"), 0),
                put_record(record("race", "A1", CHIYODA, "2024-01-01"), 0),
            ],
            log: vec![],
        })
        .unwrap();
    for round in 0..races {
        // Even rounds race an update of one row; odd rounds race the insert
        // of a new row. Either way exactly one commit may win.
        let inserting = round % 2 == 1;
        let target = if inserting {
            format!("new{round}")
        } else {
            "race".to_owned()
        };
        let expected = if inserting {
            Expected::Absent
        } else {
            Expected::Version(store.record(&rid("race")).unwrap().unwrap().version)
        };
        let barrier = Barrier::new(threads);
        let wins: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let store = store.clone();
                    let barrier = &barrier;
                    let target = target.clone();
                    scope.spawn(move || {
                        let mut r = record(&target, "A1", CHIYODA, "2024-01-01");
                        r.lot = Some(format!("R{round}T{t}"));
                        barrier.wait();
                        match store.commit(ChangeSet {
                            writes: vec![Write::PutRecord {
                                record: r,
                                updated_at: at(round as i64),
                                expected,
                            }],
                            log: vec![log(&format!("t{t}"), AccessAction::WriteRecord, "A1", 0)],
                        }) {
                            Ok(_) => 1,
                            Err(StoreError::Conflict { .. }) => 0,
                            Err(e) => panic!("round {round}: {e}"),
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(wins, 1, "round {round}: {wins} commits won");
        let stored = store.record(&rid(&target)).unwrap().unwrap();
        assert_eq!(stored.version, expected.next(), "round {round}");
    }
    assert_eq!(store.log_head().unwrap().map(|h| h.0), Some(races as i64));
    let report = services(store, 0).verify_log(&staff(CHIYODA)).unwrap();
    assert_eq!(report.first_break, None);
}

fn org_code(s: &str) -> crate::organisation::OrganisationCode {
    crate::organisation::OrganisationCode::parse(s).unwrap()
}

fn user(org: &str, n: u64, email: &str, issued: i64, last: Option<i64>) -> crate::accounts::User {
    use crate::accounts::{AccountStatus, Credentials, User, UserId};
    User {
        id: UserId::new(&org_code(org), n),
        org_type: crate::organisation::OrganisationType::Municipality,
        organisation: org_code(org),
        email: crate::identifiers::EmailAddress::parse(email).unwrap(),
        name: "山田 太郎".into(),
        role: crate::organisation::Role::Administrator,
        state: AccountStatus::Active,
        linked_accounts: vec![],
        issued_at: at(issued),
        last_sign_in: last.map(at),
        credentials: Credentials {
            password: Some(crate::accounts::PasswordHash::from_stored(
                "$argon2id$v=19$m=64,t=1,p=1$AAAA$BBBB",
            )),
            ..Credentials::default()
        },
    }
}

fn put_user(u: crate::accounts::User, expected: Expected) -> Write {
    Write::PutUser {
        user: Box::new(u),
        updated_at: at(0),
        expected,
    }
}

pub fn organisations_and_users_round_trip(store: Arc<dyn Store>) {
    use super::Organisation;
    let org = Organisation {
        org_type: crate::organisation::OrganisationType::Municipality,
        code: org_code(CHIYODA),
        online_eligibility: false,
        first_admin: None,
        users_issued: 1,
    };
    let u = user(CHIYODA, 1, "yamada@example.jp", 0, None);
    store
        .commit(ChangeSet {
            writes: vec![
                Write::PutOrganisation {
                    organisation: org.clone(),
                    expected: Expected::Absent,
                },
                put_user(u.clone(), Expected::Absent),
            ],
            log: vec![],
        })
        .unwrap();
    let got = store.organisation(&org.code).unwrap().unwrap();
    assert_eq!((got.organisation, got.version), (org.clone(), 1));
    assert_eq!(
        store
            .organisations(&[org_code("999999"), org.code.clone()])
            .unwrap()
            .len(),
        1
    );
    let got = store.user(&u.id).unwrap().unwrap();
    assert_eq!((&got.user, got.version), (&u, 1));
    assert_eq!(store.users_by_email("yamada@example.jp").unwrap().len(), 1);
    assert!(store.users_by_email("other@example.jp").unwrap().is_empty());
    assert_eq!(store.users_of(&org.code, None, 10).unwrap().len(), 1);
    assert!(store
        .users_of(&org.code, Some(&u.id), 10)
        .unwrap()
        .is_empty());
    // A stale write of the user is a conflict and writes nothing.
    let mut renamed = u.clone();
    renamed.name = "山田 花子".into();
    let err = store
        .commit(ChangeSet {
            writes: vec![
                put_user(renamed.clone(), Expected::Version(1)),
                put_user(renamed.clone(), Expected::Version(1)),
            ],
            log: vec![],
        })
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert_eq!(store.user(&u.id).unwrap().unwrap().user.name, "山田 太郎");
    store
        .commit(ChangeSet {
            writes: vec![put_user(renamed.clone(), Expected::Version(1))],
            log: vec![],
        })
        .unwrap();
    let got = store.user(&u.id).unwrap().unwrap();
    assert_eq!((got.user.name.as_str(), got.version), ("山田 花子", 2));
    let err = store
        .commit(ChangeSet {
            writes: vec![put_user(u, Expected::Absent)],
            log: vec![],
        })
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
}

pub fn inactive_users_are_found_by_last_activity(store: Arc<dyn Store>) {
    use crate::accounts::AccountStatus;
    let mut suspended = user(CHIYODA, 4, "d@example.jp", 0, None);
    suspended.state = AccountStatus::Suspended;
    store
        .commit(ChangeSet {
            writes: vec![
                put_user(user(CHIYODA, 1, "a@example.jp", 0, None), Expected::Absent),
                put_user(
                    user(CHIYODA, 2, "b@example.jp", 0, Some(500)),
                    Expected::Absent,
                ),
                put_user(
                    user(CHIYODA, 3, "c@example.jp", 50, Some(60)),
                    Expected::Absent,
                ),
                put_user(suspended, Expected::Absent),
            ],
            log: vec![],
        })
        .unwrap();
    let ids = |after: Option<(DateTime<Utc>, &crate::accounts::UserId)>, limit| -> Vec<String> {
        store
            .inactive_users(at(100), after, limit)
            .unwrap()
            .into_iter()
            .map(|u| u.user.id.to_string())
            .collect()
    };
    // In order of last activity: 0001 (issued at 0), then 0003 (signed in at 60).
    assert_eq!(ids(None, 10), ["131016-0001", "131016-0003"]);
    let first = crate::accounts::UserId::parse("131016-0001").unwrap();
    assert_eq!(ids(Some((at(0), &first)), 10), ["131016-0003"]);
    assert_eq!(ids(None, 1), ["131016-0001"]);
}

pub fn access_tokens_round_trip(store: Arc<dyn Store>) {
    let (_clear, token) = crate::tokens::issue(
        &crate::secrets::SeededRandom::new(9),
        crate::organisation::OrganisationType::Municipality,
        org_code(CHIYODA),
        "健康管理システム",
        "131016-0001",
        at(0),
        None,
    )
    .unwrap();
    store
        .commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: token.clone(),
                expected: Expected::Absent,
            }],
            log: vec![],
        })
        .unwrap();
    assert_eq!(store.access_token(&token.id).unwrap(), Some(token.clone()));
    assert_eq!(
        store.access_tokens_of(&org_code(CHIYODA)).unwrap(),
        vec![token.clone()]
    );
    assert!(store.access_token("nope").unwrap().is_none());
    let revoked = crate::tokens::AccessToken {
        revoked_at: Some(at(5)),
        ..token.clone()
    };
    store
        .commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: revoked,
                expected: Expected::Version(1),
            }],
            log: vec![],
        })
        .unwrap();
    let got = store.access_token(&token.id).unwrap().unwrap();
    assert_eq!((got.revoked_at, got.version), (Some(at(5)), 2));
}

pub fn outbox_dedupes_and_acknowledging_erases_secrets(store: Arc<dyn Store>) {
    use crate::outbox::{Notification, NotificationKind};
    let n = |key: &str| Notification {
        seq: 0,
        kind: NotificationKind::AccountIssued,
        recipient: crate::identifiers::EmailAddress::parse("yamada@example.jp").unwrap(),
        user: Some(crate::accounts::UserId::parse("131016-0001").unwrap()),
        payload: [("user_id".to_owned(), "131016-0001".to_owned())].into(),
        secrets: [(
            "temporary_password".to_owned(),
            crate::secrets::Secret::new("Tmp-Secret-42"),
        )]
        .into(),
        dedupe_key: Some(key.to_owned()),
        created_at: at(1),
        delivered_at: None,
    };
    for key in ["k1", "k1", "k2"] {
        store
            .commit(ChangeSet {
                writes: vec![Write::Notify {
                    notification: n(key),
                }],
                log: vec![],
            })
            .unwrap();
    }
    let pending = store.notifications(0, true, 10).unwrap();
    assert_eq!(pending.len(), 2, "the same dedupe key is stored once");
    assert_eq!(
        pending[0].secrets["temporary_password"].expose(),
        "Tmp-Secret-42"
    );
    assert_eq!(pending[0].payload["user_id"], "131016-0001");
    store
        .commit(ChangeSet {
            writes: vec![Write::AckNotifications {
                seqs: vec![pending[0].seq],
                at: at(2),
            }],
            log: vec![],
        })
        .unwrap();
    let pending_now = store.notifications(0, true, 10).unwrap();
    assert_eq!(pending_now.len(), 1);
    let all = store.notifications(0, false, 10).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].delivered_at, Some(at(2)));
    assert!(
        all[0].secrets.is_empty(),
        "acknowledging erases the secrets"
    );
    assert_eq!(store.notifications(all[0].seq, false, 10).unwrap().len(), 1);
}

/// Services with a repeatable random source and cheap hashing (the tests
/// check behaviour, not cost).
fn account_services(store: Arc<dyn Store>, t: i64) -> Sesshu {
    services(store, t)
        .with_random(Arc::new(crate::secrets::SeededRandom::new(t as u64 + 7)))
        .with_account_config(crate::accounts::AccountConfig {
            argon2: crate::accounts::Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..Default::default()
        })
}

fn admin_of(m: &str) -> Actor {
    Actor::new(
        &format!("{m}-0001"),
        crate::organisation::OrganisationType::Municipality,
        org_code(m),
        vec![crate::organisation::Role::Administrator],
    )
}

fn central() -> Actor {
    Actor::new(
        "central-0001",
        crate::organisation::OrganisationType::Central,
        org_code("CENTRAL"),
        vec![crate::organisation::Role::Central],
    )
}

fn email(s: &str) -> crate::identifiers::EmailAddress {
    crate::identifiers::EmailAddress::parse(s).unwrap()
}

const GOOD: &str = "Sakura-Fuji-2025";

pub fn account_lifecycle_and_lockout(store: Arc<dyn Store>) {
    use crate::organisation::Role;
    let s = account_services(store.clone(), 0);
    // Only an administrator creates users, with a role valid for the organisation.
    assert_eq!(
        s.create_user(
            &staff(CHIYODA),
            &email("a@example.jp"),
            "A",
            Role::Municipality
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.create_user(
            &admin_of(CHIYODA),
            &email("a@example.jp"),
            "A",
            Role::Doctor
        )
        .unwrap_err()
        .code(),
        "role_not_allowed"
    );
    let issued = s
        .create_user(
            &admin_of(CHIYODA),
            &email("sato@example.jp"),
            "佐藤 一郎",
            Role::Municipality,
        )
        .unwrap();
    assert_eq!(issued.user_id.as_str(), "131016-0001");
    let second = s
        .create_user(
            &admin_of(CHIYODA),
            &email("suzuki@example.jp"),
            "鈴木",
            Role::Municipality,
        )
        .unwrap();
    assert_eq!(second.user_id.as_str(), "131016-0002");
    let uid = issued.user_id.as_str();
    let temp = issued.temporary_password.expose();
    let url = issued.url_token.expose();
    // The outbox carries the same to the holder's address.
    let outbox = s.pending_notifications(&central(), 10).unwrap();
    assert_eq!(outbox[0].recipient.as_str(), "sato@example.jp");
    assert_eq!(outbox[0].secrets["temporary_password"].expose(), temp);
    // The temporary password cannot sign in; activation needs the URL token too.
    assert_eq!(
        s.sign_in(uid, temp, None).unwrap_err().code(),
        "password_change_required"
    );
    assert_eq!(
        s.activate_account(uid, "wrong", temp, GOOD)
            .unwrap_err()
            .code(),
        "invalid_credentials"
    );
    assert_eq!(
        s.activate_account(uid, url, temp, "short")
            .unwrap_err()
            .code(),
        "password_rejected"
    );
    s.activate_account(uid, url, temp, GOOD).unwrap();
    assert_eq!(
        s.activate_account(uid, url, temp, GOOD).unwrap_err().code(),
        "invalid_credentials",
        "the URL is single-use"
    );
    let actor = s.sign_in(uid, GOOD, None).unwrap();
    assert_eq!(actor.roles, vec![Role::Municipality]);
    assert_eq!(actor.organisation.as_str(), CHIYODA);
    let got = store.user(&issued.user_id).unwrap().unwrap().user;
    assert_eq!(got.last_sign_in, Some(at(0)));
    // Unknown users and wrong passwords get the same answer.
    assert_eq!(
        s.sign_in("131016-9999", GOOD, None).unwrap_err().code(),
        "invalid_credentials"
    );
    assert_eq!(
        s.sign_in("not an id", GOOD, None).unwrap_err().code(),
        "invalid_credentials"
    );
    // Five failures lock the account for fifteen minutes, even for the right password.
    for _ in 0..5 {
        assert_eq!(
            s.sign_in(uid, "wrong", None).unwrap_err().code(),
            "invalid_credentials"
        );
    }
    assert_eq!(
        s.sign_in(uid, GOOD, None).unwrap_err().code(),
        "account_locked"
    );
    let later = account_services(store.clone(), 15 * 60);
    later.sign_in(uid, GOOD, None).unwrap();
    // A suspended account cannot sign in.
    let mut suspended = store.user(&issued.user_id).unwrap().unwrap();
    suspended.user.state = crate::accounts::AccountStatus::Suspended;
    store
        .commit(ChangeSet {
            writes: vec![Write::PutUser {
                user: Box::new(suspended.user),
                updated_at: at(0),
                expected: Expected::Version(suspended.version),
            }],
            log: vec![],
        })
        .unwrap();
    assert_eq!(
        later.sign_in(uid, GOOD, None).unwrap_err().code(),
        "account_suspended"
    );
    // An expired temporary password must be requested anew.
    let late = account_services(store.clone(), 73 * 3600);
    assert_eq!(
        late.activate_account(
            second.user_id.as_str(),
            second.url_token.expose(),
            second.temporary_password.expose(),
            GOOD
        )
        .unwrap_err()
        .code(),
        "temporary_password_expired"
    );
    // No secret in the stored user.
    let body = format!("{:?}", store.user(&second.user_id).unwrap());
    assert!(!body.contains(second.temporary_password.expose()));
}

fn activated(s: &Sesshu, m: &str, mail: &str) -> String {
    let issued = s
        .create_user(
            &admin_of(m),
            &email(mail),
            "利用者",
            crate::organisation::Role::Municipality,
        )
        .unwrap();
    s.activate_account(
        issued.user_id.as_str(),
        issued.url_token.expose(),
        issued.temporary_password.expose(),
        GOOD,
    )
    .unwrap();
    issued.user_id.to_string()
}

pub fn second_factor_and_recovery_codes(store: Arc<dyn Store>) {
    let s = account_services(store.clone(), 0);
    let uid = activated(&s, CHIYODA, "totp@example.jp");
    let actor = s.sign_in(&uid, GOOD, None).unwrap();
    let (secret, uri) = s.enrol_totp(&actor).unwrap();
    assert!(uri.expose().starts_with("otpauth://totp/sesshu:"));
    // Not required until confirmed.
    s.sign_in(&uid, GOOD, None).unwrap();
    let code = |t: i64| {
        crate::accounts::totp::code_at_step(&secret, crate::accounts::totp::step_at(at(t))).unwrap()
    };
    assert_eq!(
        s.confirm_totp(&actor, "000000x").unwrap_err().code(),
        "invalid_credentials"
    );
    let recovery = s.confirm_totp(&actor, &code(0)).unwrap();
    assert_eq!(recovery.len(), 10);
    let s60 = account_services(store.clone(), 60);
    assert_eq!(
        s60.sign_in(&uid, GOOD, None).unwrap_err().code(),
        "second_factor_required"
    );
    s60.sign_in(&uid, GOOD, Some(&code(60))).unwrap();
    assert_eq!(
        s60.sign_in(&uid, GOOD, Some(&code(60))).unwrap_err().code(),
        "invalid_credentials",
        "a code is used once"
    );
    s60.sign_in(&uid, GOOD, Some(recovery[0].expose())).unwrap();
    assert_eq!(
        s60.sign_in(&uid, GOOD, Some(recovery[0].expose()))
            .unwrap_err()
            .code(),
        "invalid_credentials",
        "a recovery code is used once"
    );
}

pub fn resets_and_reminders_reveal_nothing(store: Arc<dyn Store>) {
    let s = account_services(store.clone(), 0);
    let uid = activated(&s, CHIYODA, "reset@example.jp");
    let before = s.pending_notifications(&central(), 100).unwrap().len();
    // Wrong pairs answer the same and queue nothing.
    s.request_password_reset(&uid, "other@example.jp").unwrap();
    s.request_password_reset("131016-9999", "reset@example.jp")
        .unwrap();
    s.remind_user_ids("nobody@example.jp").unwrap();
    assert_eq!(
        s.pending_notifications(&central(), 100).unwrap().len(),
        before
    );
    s.request_password_reset(&uid, "reset@example.jp").unwrap();
    s.remind_user_ids("reset@example.jp").unwrap();
    let queued = s.pending_notifications(&central(), 100).unwrap();
    assert_eq!(queued.len(), before + 2);
    let reset = &queued[before];
    assert_eq!(reset.kind, crate::outbox::NotificationKind::PasswordReset);
    assert_eq!(queued[before + 1].payload["user_ids"], uid);
    // The permanent password stays valid until the reset is completed.
    s.sign_in(&uid, GOOD, None).unwrap();
    s.activate_account(
        &uid,
        reset.secrets["url_token"].expose(),
        reset.secrets["temporary_password"].expose(),
        "Another-Good-Pass-9",
    )
    .unwrap();
    assert_eq!(
        s.sign_in(&uid, GOOD, None).unwrap_err().code(),
        "invalid_credentials"
    );
    s.sign_in(&uid, "Another-Good-Pass-9", None).unwrap();
    // The outbox is drained by the operator only; acknowledging erases secrets.
    assert_eq!(
        s.pending_notifications(&admin_of(CHIYODA), 10)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let seqs: Vec<i64> = queued.iter().map(|n| n.seq).collect();
    s.ack_notifications(&central(), &seqs).unwrap();
    assert!(s.pending_notifications(&central(), 100).unwrap().is_empty());
    assert!(store
        .notifications(0, false, 100)
        .unwrap()
        .iter()
        .all(|n| n.secrets.is_empty()));
}

pub fn first_administrators_are_issued_once(store: Arc<dyn Store>) {
    use crate::accounts::{ExtractionInput, OrganisationRow};
    let s = account_services(store.clone(), 0);
    let row = |code: &str, mail: Option<&str>| OrganisationRow {
        code: code.into(),
        issuance: "target".into(),
        delegation: Some("approved".into()),
        union: None,
        email: mail.map(Into::into),
        admin_name: Some("管理 者".into()),
    };
    let input = ExtractionInput {
        municipalities: vec![row(CHIYODA, Some("chiyoda@example.jp")), row(SAPPORO, None)],
        ..Default::default()
    };
    assert_eq!(
        s.extract_first_administrators(&admin_of(CHIYODA), &input, |_, _| {})
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let mut seen = Vec::new();
    let report = s
        .extract_first_administrators(&central(), &input, |done, total| seen.push((done, total)))
        .unwrap();
    assert_eq!(seen, [(1, 1)]);
    assert_eq!(report.issued.len(), 1);
    assert_eq!(report.issued[0].1.as_str(), "131016-0001");
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].error.code(), "missing_email");
    let org = store
        .organisation(&org_code(CHIYODA))
        .unwrap()
        .unwrap()
        .organisation;
    assert_eq!(
        org.first_admin.as_ref().map(|u| u.as_str()),
        Some("131016-0001")
    );
    let admin = store.user(&report.issued[0].1).unwrap().unwrap().user;
    assert_eq!(admin.role, crate::organisation::Role::Administrator);
    // First administrators' temporary passwords live longer.
    let temp = admin.credentials.temporary.unwrap();
    assert_eq!(temp.expires_at, at(0) + chrono::TimeDelta::hours(30 * 24));
    // A rerun issues nothing again.
    let again = s
        .extract_first_administrators(&central(), &input, |_, _| {})
        .unwrap();
    assert!(again.issued.is_empty());
    assert_eq!(
        store.users_of(&org_code(CHIYODA), None, 10).unwrap().len(),
        1
    );
}

pub fn inactivity_batches_are_idempotent(store: Arc<dyn Store>) {
    let s = account_services(store.clone(), 0);
    let idle = activated(&s, CHIYODA, "idle@example.jp");
    let busy = activated(&s, CHIYODA, "busy@example.jp");
    // 200 days later the busy user signs in; execution on the 365th day.
    account_services(store.clone(), 200 * 86_400)
        .sign_in(&busy, GOOD, None)
        .unwrap();
    let run = account_services(store.clone(), 330 * 86_400);
    let execution = (at(0) + chrono::TimeDelta::days(365)).date_naive();
    assert_eq!(
        run.inactivity_notice(&admin_of(CHIYODA), execution, |_| {})
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let notice = run
        .inactivity_notice(&central(), execution, |_| {})
        .unwrap();
    assert_eq!((notice.candidates, notice.changed), (1, 1));
    let pending = |s: &Sesshu, kind| {
        s.pending_notifications(&central(), 1000)
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == kind)
            .count()
    };
    use crate::outbox::NotificationKind as K;
    assert_eq!(pending(&run, K::InactivityNotice), 1);
    run.inactivity_notice(&central(), execution, |_| {})
        .unwrap();
    assert_eq!(
        pending(&run, K::InactivityNotice),
        1,
        "a rerun notifies nobody twice"
    );
    let exec = account_services(store.clone(), 365 * 86_400);
    let done = exec
        .inactivity_execute(&central(), execution, |_| {})
        .unwrap();
    assert_eq!((done.candidates, done.changed), (1, 1));
    assert_eq!(
        exec.sign_in(&idle, GOOD, None).unwrap_err().code(),
        "account_suspended"
    );
    exec.sign_in(&busy, GOOD, None).unwrap();
    let again = exec
        .inactivity_execute(&central(), execution, |_| {})
        .unwrap();
    assert_eq!(again.candidates, 0, "a rerun changes nothing");
    assert_eq!(pending(&exec, K::AccountSuspended), 1);
}

pub fn tokens_issue_verify_revoke_rotate(store: Arc<dyn Store>) {
    use crate::organisation::OrganisationType as T;
    let s = account_services(store.clone(), 0);
    let chiyoda = org_code(CHIYODA);
    let issued = s
        .issue_token(
            &staff(CHIYODA),
            T::Municipality,
            &chiyoda,
            "健康管理システム",
            None,
        )
        .unwrap();
    let token = issued.token.expose();
    assert!(!format!("{:?}", issued).contains(token));
    let system = s.verify_token(token).unwrap();
    assert_eq!(system.organisation, chiyoda);
    assert_eq!(system.roles, vec![crate::organisation::Role::Municipality]);
    // The system may pull deliveries as the municipality.
    s.pull_delivery(&system, 10).unwrap();
    assert_eq!(
        s.verify_token("sst_nope_nope").unwrap_err().code(),
        "invalid_token"
    );
    assert_eq!(
        s.verify_token("garbage").unwrap_err().code(),
        "invalid_token"
    );
    // Another municipality cannot manage Chiyoda's token.
    assert_eq!(
        s.revoke_token(&staff(SAPPORO), &issued.stored.id)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    // Municipality staff issue for an institution outside the online
    // eligibility network, not for a connected one, not for another municipality.
    let clinic = org_code("1310100011");
    s.issue_token(
        &staff(CHIYODA),
        T::MedicalInstitution,
        &clinic,
        "tablet",
        Some(90),
    )
    .unwrap();
    s.register_organisation(&central(), T::MedicalInstitution, &clinic, true)
        .unwrap();
    assert_eq!(
        s.issue_token(
            &staff(CHIYODA),
            T::MedicalInstitution,
            &clinic,
            "tablet",
            None
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.issue_token(
            &staff(CHIYODA),
            T::Municipality,
            &org_code(SAPPORO),
            "x",
            None
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    // Rotation: both work during the overlap, only the new one after it.
    let rotated = s.rotate_token(&staff(CHIYODA), &issued.stored.id).unwrap();
    let in_overlap = account_services(store.clone(), 3600);
    in_overlap.verify_token(token).unwrap();
    in_overlap.verify_token(rotated.token.expose()).unwrap();
    let after = account_services(store.clone(), 25 * 3600);
    assert_eq!(
        after.verify_token(token).unwrap_err().code(),
        "token_expired"
    );
    after.verify_token(rotated.token.expose()).unwrap();
    assert!(after
        .revoke_token(&staff(CHIYODA), &rotated.stored.id)
        .unwrap());
    assert!(!after
        .revoke_token(&staff(CHIYODA), &rotated.stored.id)
        .unwrap());
    assert_eq!(
        after
            .verify_token(rotated.token.expose())
            .unwrap_err()
            .code(),
        "token_revoked"
    );
    // Refusals are logged.
    let refused = store
        .log_search(&LogFilter::default(), 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.draft.action == AccessAction::Refused)
        .count();
    assert!(refused >= 3, "{refused}");
}

pub fn own_and_administrator_changes(store: Arc<dyn Store>) {
    use crate::accounts::AccountStatus;
    use crate::organisation::Role;
    use crate::secrets::Secret;
    use crate::service::{OwnChanges, UserChanges};
    let s = account_services(store.clone(), 0);
    let uid = activated(&s, CHIYODA, "self@example.jp");
    let me = s.sign_in(&uid, GOOD, None).unwrap();
    // Only changed fields are applied.
    let report = s
        .update_own_account(
            &me,
            &OwnChanges {
                name: Some("利用者".into()),
                email: Some(email("new@example.jp")),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(report.changed, ["email"]);
    // The address changes only through the link, within its validity.
    let u = store
        .user(&crate::accounts::UserId::parse(&uid).unwrap())
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(u.email.as_str(), "self@example.jp");
    let link = s
        .pending_notifications(&central(), 100)
        .unwrap()
        .into_iter()
        .find(|n| n.kind == crate::outbox::NotificationKind::EmailConfirmation)
        .unwrap();
    assert_eq!(link.recipient.as_str(), "new@example.jp");
    let token = link.secrets["link_token"].expose().to_owned();
    assert_eq!(
        s.confirm_email(&uid, "wrong").unwrap_err().code(),
        "link_expired"
    );
    assert_eq!(
        account_services(store.clone(), 25 * 3600)
            .confirm_email(&uid, &token)
            .unwrap_err()
            .code(),
        "link_expired"
    );
    s.confirm_email(&uid, &token).unwrap();
    assert_eq!(
        s.confirm_email(&uid, &token).unwrap_err().code(),
        "link_expired"
    );
    let u = store
        .user(&crate::accounts::UserId::parse(&uid).unwrap())
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(u.email.as_str(), "new@example.jp");
    // A password change needs the current password, and history forbids reuse.
    let change = |current: &str, new: &str| OwnChanges {
        password: Some((Secret::new(current), Secret::new(new))),
        ..Default::default()
    };
    assert_eq!(
        s.update_own_account(&me, &change("wrong", "Kyoto-Hills-1977"))
            .unwrap_err()
            .code(),
        "invalid_credentials"
    );
    s.update_own_account(&me, &change(GOOD, "Kyoto-Hills-1977"))
        .unwrap();
    assert_eq!(
        s.update_own_account(&me, &change("Kyoto-Hills-1977", GOOD))
            .unwrap_err()
            .code(),
        "password_rejected"
    );
    s.sign_in(&uid, "Kyoto-Hills-1977", None).unwrap();
    // Role and state: administrators of the same organisation only.
    assert_eq!(
        s.update_user(
            &admin_of(SAPPORO),
            &uid,
            &UserChanges {
                state: Some(AccountStatus::Suspended),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.update_user(
            &me,
            &uid,
            &UserChanges {
                role: Some(Role::Administrator),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.update_user(
            &admin_of(CHIYODA),
            &uid,
            &UserChanges {
                role: Some(Role::Doctor),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "role_not_allowed"
    );
    let report = s
        .update_user(
            &admin_of(CHIYODA),
            &uid,
            &UserChanges {
                role: Some(Role::Municipality),
                state: Some(AccountStatus::Suspended),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(report.changed, ["state"]);
    assert_eq!(
        s.sign_in(&uid, "Kyoto-Hills-1977", None)
            .unwrap_err()
            .code(),
        "account_suspended"
    );
    assert_eq!(s.list_users(&admin_of(CHIYODA), None, 10).unwrap().len(), 1);
}

pub fn issuance_register_round_trip(store: Arc<dyn Store>) {
    use crate::certificate::issuance::{ApplicantType, Issuance, IssuanceChannel};
    let issuance = |n: u32, person: &str| Issuance {
        certificate_number: format!("131016-2025-{n:06}"),
        municipality: code(CHIYODA),
        person: id(person),
        records: vec![rid("r1")],
        form: 3,
        channel: IssuanceChannel::Counter,
        applicant: ApplicantType::Delegate,
        delegation_checked: true,
        name_override: Some("山田 花子（旧姓）".into()),
        passport_number: Some("TK1234567".into()),
        nationality: Some("JPN".into()),
        name_roman: Some("YAMADA HANAKO".into()),
        issue_date: date("2025-04-01"),
        issued_at: at(0),
        issued_by: "131016-0001".into(),
        signed_by: Some("千代田区 電子証明書".into()),
    };
    let put = |i: Issuance| {
        store.commit(ChangeSet {
            writes: vec![Write::PutIssuance {
                issuance: Box::new(i),
            }],
            log: vec![],
        })
    };
    put(issuance(1, "A1")).unwrap();
    put(issuance(2, "B2")).unwrap();
    put(issuance(3, "A1")).unwrap();
    assert_eq!(
        put(issuance(2, "A1")).unwrap_err().code(),
        "conflict",
        "numbers are unique"
    );
    assert_eq!(store.issuance_count(code(CHIYODA), 2025).unwrap(), 3);
    assert_eq!(store.issuance_count(code(CHIYODA), 2024).unwrap(), 0);
    assert_eq!(store.issuance_count(code(SAPPORO), 2025).unwrap(), 0);
    let all = store.issuances(code(CHIYODA), None, None, 10).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], issuance(1, "A1"), "everything printed is kept");
    let of_a1 = store
        .issuances(code(CHIYODA), Some(&id("A1")), None, 10)
        .unwrap();
    assert_eq!(of_a1.len(), 2);
    let page = store
        .issuances(code(CHIYODA), None, Some("131016-2025-000001"), 1)
        .unwrap();
    assert_eq!(page[0].certificate_number, "131016-2025-000002");
    assert!(store
        .issuances(code(SAPPORO), None, None, 10)
        .unwrap()
        .is_empty());
}

/// The store's mode is set once; the first operator's credential is issued
/// once; a session acts as its user until it is closed, expires or the
/// account is suspended (ADR 0015).
pub fn store_modes_bootstrap_and_sessions(store: Arc<dyn Store>) {
    use crate::identifiers::EmailAddress;
    use crate::organisation::OrganisationType as T;
    use crate::service::StoreMode;
    use crate::store::settings;
    let s = account_services(store.clone(), 0);
    assert_eq!(store.setting(settings::MODE).unwrap(), None);
    assert_eq!(s.store_mode().unwrap(), StoreMode::Production);
    assert!(s.initialise(StoreMode::Production).unwrap());
    assert!(!s.initialise(StoreMode::Production).unwrap());
    assert_eq!(
        s.initialise(StoreMode::Development).unwrap_err().code(),
        "store_mode_fixed"
    );
    // Written once, whoever races.
    let again = store
        .commit(ChangeSet {
            writes: vec![Write::PutSetting {
                key: settings::MODE.into(),
                value: "development".into(),
            }],
            log: Vec::new(),
        })
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again:?}");
    assert_eq!(
        store.setting(settings::MODE).unwrap().as_deref(),
        Some("production")
    );

    let email = EmailAddress::parse("admin@chiyoda.example.jp").unwrap();
    let chiyoda = org_code(CHIYODA);
    let issued = s
        .bootstrap_operator(T::Municipality, &chiyoda, &email, "千代田 管理者")
        .unwrap();
    assert_eq!(
        s.bootstrap_operator(T::Municipality, &chiyoda, &email, "二人目")
            .unwrap_err()
            .code(),
        "already_bootstrapped"
    );
    let user = issued.user_id.as_str().to_owned();
    assert_eq!(s.bootstrap_user().unwrap().as_deref(), Some(user.as_str()));
    s.activate_account(
        &user,
        issued.url_token.expose(),
        issued.temporary_password.expose(),
        "Kaze-no-Tani-2025!",
    )
    .unwrap();
    assert_eq!(
        s.open_session(&user, "wrong", None).unwrap_err().code(),
        "invalid_credentials"
    );
    let session = s.open_session(&user, "Kaze-no-Tani-2025!", None).unwrap();
    let actor = s.verify_token(session.token.expose()).unwrap();
    assert_eq!(actor.user_id, user);
    assert_eq!(actor.roles, vec![crate::organisation::Role::Administrator]);
    assert_eq!(session.expires_at, at(0) + chrono::TimeDelta::hours(8));
    // Past its end it is refused.
    let later = account_services(store.clone(), 8 * 3600);
    assert_eq!(
        later
            .verify_token(session.token.expose())
            .unwrap_err()
            .code(),
        "token_expired"
    );
    // An organisation's token is not a session to close.
    let system = s
        .issue_token(&actor, T::Municipality, &chiyoda, "batch", None)
        .unwrap();
    assert_eq!(
        s.close_session(system.token.expose()).unwrap_err().code(),
        "invalid_token"
    );
    assert!(s.close_session(session.token.expose()).unwrap());
    assert!(!s.close_session(session.token.expose()).unwrap());
    assert_eq!(
        s.verify_token(session.token.expose()).unwrap_err().code(),
        "token_revoked"
    );
}

/// Dates are checked against the store's clock and the person, and a
/// record lands only where its responsible municipality can see it: a
/// birth date after today, a vaccination after today or before birth, a
/// record for a municipality the person never lived in, or for a person
/// with no residency history, are refused with their codes and nothing of
/// them is stored.
pub fn dates_and_residency_are_checked_before_storing(store: Arc<dyn Store>) {
    // The clock: 2025-02-19 21:20 UTC, 2025-02-20 in JST.
    let s = services(store.clone(), 0);
    let chiyoda = staff(CHIYODA);
    let mut unborn = person("U1", "未来 太郎", "ミライ タロウ");
    unborn.birth_date = date("2025-02-21");
    let mut meiji = person("U2", "明治 前", "メイジ マエ");
    meiji.birth_date = date("1872-12-31");
    let mut homeless = person("H1", "履歴 無し", "リレキ ナシ");
    homeless.residency = ResidencyHistory::default();
    // Moved in from abroad: no residency in Japan before 2020-04-01.
    let mut abroad = person("G1", "海外 帰国", "カイガイ キコク");
    abroad.residency = ResidencyHistory::new(vec![ResidencyInterval {
        municipality: code(CHIYODA),
        from: date("2020-04-01"),
        to: None,
    }])
    .unwrap();
    let outcomes = s
        .import_persons(
            &chiyoda,
            vec![
                unborn,
                meiji,
                person("A1", "山田 花子", "ヤマダ ハナコ"),
                homeless,
                abroad,
            ],
        )
        .unwrap();
    let codes: Vec<Option<&str>> = outcomes
        .outcomes
        .iter()
        .map(|o| o.as_ref().err().map(|e| e.code()))
        .collect();
    assert_eq!(
        codes,
        [
            Some("birth_date_out_of_range"),
            Some("birth_date_out_of_range"),
            None,
            None,
            None
        ]
    );
    assert!(store
        .persons_by_ids(&[id("U1"), id("U2")])
        .unwrap()
        .is_empty());

    let outcomes = s
        .import_records(
            &chiyoda,
            vec![
                record("future", "A1", CHIYODA, "2025-02-21"),
                record("unborn", "A1", SAPPORO, "1990-04-30"),
                record("today", "A1", CHIYODA, "2025-02-20"),
                record("nohistory", "H1", CHIYODA, "2024-01-01"),
            ],
        )
        .unwrap();
    let codes: Vec<Option<&str>> = outcomes
        .outcomes
        .iter()
        .map(|o| o.as_ref().err().map(|e| e.code()))
        .collect();
    assert_eq!(
        codes,
        [
            Some("vaccination_date_in_future"),
            // Sapporo's record is refused to Chiyoda's staff first.
            Some("not_authorized"),
            None,
            Some("never_resident"),
        ]
    );
    let before_birth = s.import_records(
        &staff(SAPPORO),
        vec![record("unborn", "A1", SAPPORO, "1990-04-30")],
    );
    assert_eq!(
        before_birth.unwrap().outcomes[0]
            .as_ref()
            .err()
            .map(|e| e.code()),
        Some("vaccination_before_birth")
    );
    // Yokohama's staff cannot file a record for a person who never lived
    // there (here: dated before the person lived anywhere in Japan):
    // Yokohama could never see it.
    let never = s
        .import_records(
            &staff(YOKOHAMA),
            vec![record("yk", "G1", YOKOHAMA, "2010-01-01")],
        )
        .unwrap();
    assert_eq!(
        never.outcomes[0].as_ref().err().map(|e| e.code()),
        Some("never_resident")
    );
    let stored: Vec<String> = store
        .records_by_ids(&[
            rid("future"),
            rid("unborn"),
            rid("today"),
            rid("nohistory"),
            rid("yk"),
        ])
        .unwrap()
        .into_iter()
        .map(|r| r.record.id.to_string())
        .collect();
    assert_eq!(stored, ["today"]);
}

/// The import files go through the services: the persons file keeps each
/// stored history, the residency file replaces histories (refusing the
/// unknown person, the bad history and the second mention of a person in
/// place), both behind the write permission and logged as writes.
pub fn person_and_residency_imports_go_through_the_services(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let chiyoda = staff(CHIYODA);
    s.put_persons(&chiyoda, vec![person("A1", "山田 花子", "ヤマダ ハナコ")])
        .unwrap();
    let clinic = Actor::new(
        "doctor-1",
        crate::organisation::OrganisationType::MedicalInstitution,
        crate::organisation::OrganisationCode::parse("1311234502").unwrap(),
        vec![crate::organisation::Role::Doctor],
    );
    let mut details = person("A1", "山田 花子", "ヤマダ ハナコ");
    details.residency = ResidencyHistory::default();
    assert_eq!(
        s.import_person_details(&clinic, vec![details.clone()])
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    assert_eq!(
        s.import_residency(&clinic, vec![(id("A1"), Vec::new())])
            .unwrap_err()
            .code(),
        "not_authorized"
    );

    // The persons file: new details, the stored history kept.
    details.name = "山田 華子".into();
    let report = s.import_person_details(&chiyoda, vec![details]).unwrap();
    assert!(matches!(report.outcomes[..], [Ok(PutOutcome::Updated)]));
    let stored = store.persons_by_ids(&[id("A1")]).unwrap();
    assert_eq!(stored[0].person.name, "山田 華子");
    assert_eq!(
        stored[0].person.residency,
        person("A1", "", "").residency,
        "history kept"
    );

    // The residency file: replaced, refused in place.
    let moved = vec![
        ResidencyInterval {
            municipality: code(SAPPORO),
            from: date("1990-05-01"),
            to: Some(date("2022-04-01")),
        },
        ResidencyInterval {
            municipality: code(CHIYODA),
            from: date("2022-04-01"),
            to: None,
        },
    ];
    let overlapping = vec![
        ResidencyInterval {
            municipality: code(CHIYODA),
            from: date("2020-01-01"),
            to: None,
        },
        ResidencyInterval {
            municipality: code(SAPPORO),
            from: date("2021-01-01"),
            to: None,
        },
    ];
    let report = s
        .import_residency(
            &chiyoda,
            vec![
                (id("A1"), moved.clone()),
                (id("Z9"), moved.clone()),
                (id("A1"), moved.clone()),
            ],
        )
        .unwrap();
    let codes: Vec<Result<PutOutcome, &str>> = report
        .outcomes
        .iter()
        .map(|o| o.as_ref().map(|x| *x).map_err(|e| e.code()))
        .collect();
    assert_eq!(
        codes,
        [Ok(PutOutcome::Updated), Err("not_found"), Err("duplicate")]
    );
    let report = s
        .import_residency(&chiyoda, vec![(id("A1"), overlapping)])
        .unwrap();
    assert_eq!(
        report.outcomes[0].as_ref().err().map(|e| e.code()),
        Some("overlapping_residency")
    );
    let stored = store.persons_by_ids(&[id("A1")]).unwrap();
    assert_eq!(stored[0].person.residency.intervals(), &moved[..]);
    // Each change was logged as a write of the person, by the actor.
    let writes = store
        .log_search(
            &LogFilter {
                subject: Some(id("A1")),
                ..LogFilter::default()
            },
            100,
        )
        .unwrap()
        .into_iter()
        .filter(|e| e.draft.action == AccessAction::WritePerson)
        .map(|e| e.draft.actor)
        .collect::<Vec<_>>();
    assert_eq!(writes, ["staff-131016"; 3]);
}
