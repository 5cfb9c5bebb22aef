//! Persons and records: reads, searches, visibility, checks before storing, imports.

use super::*;

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
