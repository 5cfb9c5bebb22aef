//! Delivery to health-management systems.

use super::*;

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
