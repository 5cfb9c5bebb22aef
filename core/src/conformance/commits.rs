//! Change sets: all or nothing, versions, reruns, size, races.

use super::*;

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
