//! The marts (H-6): a day's incremental batch equals a full rebuild, a
//! batch stopped anywhere ends as an uninterrupted one, a second run
//! changes nothing, and the recommendations snapshot follows the rules.

use super::*;
use crate::marts::{AgeBand, Cell, Mart};
use crate::service::CsvEncoding;

const RULES: &str =
    "vaccine_type,dose,age_from_months,age_to_months,interval_days,valid_from,valid_to\n\
                     MR,1,12,24,,2006-04-01,\n\
                     HPV,1,144,204,,2013-04-01,\n";

fn child(id: &str, birth: &str, municipality: &str) -> Person {
    let mut p = person(id, "山田 花子", "ヤマダ ハナコ");
    p.birth_date = date(birth);
    p.residency = ResidencyHistory::new(vec![ResidencyInterval {
        municipality: code(municipality),
        from: date(birth),
        to: None,
    }])
    .unwrap();
    p
}

fn shot(id: &str, person: &str, m: &str, on: &str, vaccine: &str, dose: u8) -> VaccinationRecord {
    let mut r = record(id, person, m, on);
    r.vaccine = VaccineCode::parse(vaccine).unwrap();
    r.dose_number = dose;
    r
}

fn questionnaire(record: &str, t: i64) -> Write {
    Write::PutQuestionnaire {
        record: rid(record),
        subject: Default::default(),
        institution: Default::default(),
        updated_at: at(t),
        expected: Expected::Absent,
    }
}

/// Twelve children in two municipalities, with records and masters; the
/// services' clock at `t`.
fn mart_fixture(store: &Arc<dyn Store>) {
    let mut writes = Vec::new();
    for n in 0..12 {
        let m = if n % 3 == 0 { YOKOHAMA } else { CHIYODA };
        let birth = format!("2023-{:02}-15", 1 + n % 12);
        writes.push(put_person(child(&format!("c{n:02}"), &birth, m), 0));
        if n % 2 == 0 {
            let on = format!("2024-{:02}-20", 1 + n % 12);
            writes.push(put_record(
                shot(&format!("r{n:02}"), &format!("c{n:02}"), m, &on, "MR", 1),
                0,
            ));
        }
    }
    writes.push(questionnaire("r00", 0));
    store
        .commit(ChangeSet {
            writes,
            ..ChangeSet::default()
        })
        .unwrap();
    services(store.clone(), 0)
        .import_master_csv(
            &masters::mhlw(),
            "standard_recommendation_rules",
            RULES.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap();
}

fn cells(s: &Sesshu) -> Vec<Cell> {
    let mhlw = masters::mhlw();
    Mart::ALL
        .iter()
        .flat_map(|m| s.mart_cells(&mhlw, *m).unwrap())
        .collect()
}

/// The day's changes after the first batch: a new record, one marked
/// erroneous, one moved to another date, a questionnaire, a birth date
/// corrected.
fn changes(store: &Arc<dyn Store>, t: i64) {
    let s = services(store.clone(), t);
    let mut moved = shot("r02", "c02", CHIYODA, "2025-01-05", "MR", 1);
    moved.lot = Some("ZZ9".into());
    let mut wrong = shot("r04", "c04", CHIYODA, "2024-05-20", "MR", 1);
    wrong.erroneous = true;
    let stored = |id: &str| store.record(&rid(id)).unwrap().unwrap().version;
    let mut corrected = child("c06", "2023-07-15", YOKOHAMA);
    corrected.birth_date = date("2022-07-15");
    corrected.residency = ResidencyHistory::new(vec![ResidencyInterval {
        municipality: code(YOKOHAMA),
        from: date("2022-07-15"),
        to: None,
    }])
    .unwrap();
    let person_version = store.person(&id("c06")).unwrap().unwrap().version;
    store
        .commit(ChangeSet {
            writes: vec![
                put_record(shot("r13", "c01", CHIYODA, "2025-02-01", "MR", 1), t),
                Write::PutRecord {
                    record: moved,
                    updated_at: at(t),
                    expected: Expected::Version(stored("r02")),
                },
                Write::PutRecord {
                    record: wrong,
                    updated_at: at(t),
                    expected: Expected::Version(stored("r04")),
                },
                questionnaire("r08", t),
                Write::PutPerson {
                    person: corrected,
                    updated_at: at(t),
                    expected: Expected::Version(person_version),
                },
            ],
            ..ChangeSet::default()
        })
        .unwrap();
    drop(s);
}

pub fn marts_incremental_batches_equal_a_full_rebuild(store: Arc<dyn Store>) {
    mart_fixture(&store);
    let op = central();
    let first = services(store.clone(), 10_000)
        .build_marts(&op, date("2025-02-01"), false)
        .unwrap();
    assert_eq!(first.records, 6);
    changes(&store, 20_000);
    let s = services(store.clone(), 30_000);
    let second = s.build_marts(&op, date("2025-02-20"), false).unwrap();
    // The day's batch reads what changed: the three records written, the
    // one with a new questionnaire and the corrected person's.
    assert_eq!(second.records, 5, "{second:?}");
    let incremental = cells(&s);
    let again = s.build_marts(&op, date("2025-02-20"), false).unwrap();
    assert_eq!(again.cells_changed, 0, "a second run changes nothing");
    assert_eq!(cells(&s), incremental);
    let full = s.build_marts(&op, date("2025-02-20"), true).unwrap();
    assert_eq!(full.records, 7);
    assert_eq!(
        cells(&s),
        incremental,
        "the full rebuild gives the same marts"
    );

    // What the marts hold, counted by hand: 6 MR doses (r04 erroneous),
    // 2 with a questionnaire.
    let count = |mart| -> i64 {
        incremental
            .iter()
            .filter(|c| c.mart == mart)
            .map(|c| c.count)
            .sum()
    };
    assert_eq!(count(Mart::Vaccinations), 6);
    assert_eq!(count(Mart::Questionnaires), 2);
    // r00 (c00, born 2023-01-15, vaccinated 2024-01-20) was 1 that day.
    assert!(incremental.iter().any(|c| c.mart == Mart::Vaccinations
        && c.key.municipality == code(YOKOHAMA)
        && c.key.age_band == AgeBand::One
        && c.key.date == date("2024-01-20")));
    // The corrected birth date moved r06 to another age band: 2 that day.
    assert!(incremental.iter().any(|c| c.mart == Mart::Vaccinations
        && c.key.date == date("2024-07-20")
        && c.key.age_band == AgeBand::Preschool));

    // On 2025-02-20 the MR dose 1 targets are the children aged 12–23
    // months (月齢): born from 2023-02-21 to 2024-02-20.
    let targets: Vec<&Cell> = incremental
        .iter()
        .filter(|c| c.mart == Mart::Recommendations && c.key.date == date("2025-02-20"))
        .collect();
    let total: i64 = targets.iter().map(|c| c.count).sum();
    let vaccinated: i64 = targets.iter().map(|c| c.vaccinated).sum();
    // c00 (25 months) and c01 (24 months since 2025-02-15) are past the
    // rule, and so is the corrected c06 (born 2022): nine targets, of whom
    // r02, r08 and r10 vaccinated three (r04 is erroneous).
    assert_eq!((total, vaccinated), (9, 3), "{targets:?}");
    assert_eq!(second.targets, (9, 3));
    // The first batch's snapshot is kept as it was.
    assert!(incremental
        .iter()
        .any(|c| c.mart == Mart::Recommendations && c.key.date == date("2025-02-01")));
}

pub fn a_mart_batch_stopped_anywhere_ends_as_an_uninterrupted_one(store: Arc<dyn Store>) {
    mart_fixture(&store);
    let op = central();
    let s = services(store.clone(), 10_000);
    s.build_marts_in_steps(&op, date("2025-02-01"), false, 2, None)
        .unwrap();
    changes(&store, 20_000);
    let s = services(store.clone(), 30_000);
    // Stopped after every step (as a crash would stop it), then resumed.
    let mut stops = 0;
    loop {
        let r = s
            .build_marts_in_steps(&op, date("2025-02-20"), false, 2, Some(1))
            .unwrap();
        if !r.stopped {
            break;
        }
        stops += 1;
        assert!(s.mart_state(&op).unwrap().run.is_some());
        assert_eq!(r.resumed, stops > 1);
    }
    assert!(stops >= 3, "{stops}");
    let finished = s
        .build_marts_in_steps(&op, date("2025-02-20"), false, 2, None)
        .unwrap();
    assert!(!finished.stopped);
    assert_eq!(s.mart_state(&op).unwrap().run, None);
    let interrupted = cells(&s);
    s.build_marts(&op, date("2025-02-20"), true).unwrap();
    assert_eq!(cells(&s), interrupted);
    // A full rebuild stopped after its first step is finished by the next
    // run, whatever that run asks.
    let r = s
        .build_marts_in_steps(&op, date("2025-02-20"), true, 2, Some(2))
        .unwrap();
    assert!(r.stopped);
    let r = s.build_marts(&op, date("2025-02-20"), false).unwrap();
    assert!(r.resumed && r.full);
    assert_eq!(cells(&s), interrupted);
}

pub fn marts_are_built_by_the_operator_and_read_by_mhlw(store: Arc<dyn Store>) {
    mart_fixture(&store);
    let s = services(store.clone(), 10_000);
    let e = s
        .build_marts(&staff(CHIYODA), date("2025-02-01"), false)
        .unwrap_err();
    assert_eq!(e.code(), "not_authorized");
    let e = s
        .build_marts(&central(), date("2025-03-01"), false)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_batch_date");
    s.build_marts(&central(), date("2025-02-01"), false)
        .unwrap();
    let e = s
        .mart_cells(&staff(CHIYODA), Mart::Vaccinations)
        .unwrap_err();
    assert_eq!(e.code(), "not_authorized");
    assert!(!s
        .mart_cells(&masters::mhlw(), Mart::Vaccinations)
        .unwrap()
        .is_empty());
    // The batch and the read are in the access log.
    let actions: Vec<String> = store
        .log_entries(0, 10_000)
        .unwrap()
        .iter()
        .map(|e| e.draft.action.as_str().to_owned())
        .collect();
    assert!(actions.iter().any(|a| a == "build_marts"));
    assert!(actions.iter().any(|a| a == "read_marts"));
}
