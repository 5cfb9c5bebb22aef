//! The access log: one chain, searches, concurrent appends.

use super::*;

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
