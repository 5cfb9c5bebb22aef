//! `sesshu demo` is reproducible and reports every part of the rules.

// Test code: a failed expectation is meant to stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sesshu_cli::demo::{run, DemoArgs};

fn demo(seed: u64, residents: usize) -> String {
    let mut out = Vec::new();
    run(
        &DemoArgs {
            seed,
            residents,
            date: "2025-04-01".into(),
            out: "none".into(),
        },
        &mut out,
    )
    .expect("demo runs");
    String::from_utf8(out).expect("UTF-8 report")
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let a = demo(7, 2_000);
    assert_eq!(a, demo(7, 2_000));
    assert_ne!(a, demo(8, 2_000));
}

#[test]
fn the_report_covers_access_forms_and_extraction() {
    let r = demo(2025, 1_000);
    for needle in [
        "令和7年4月1日",
        "131016",
        "certifiable",
        "様式第一号",
        "extraction",
    ] {
        assert!(r.contains(needle), "missing {needle:?} in:\n{r}");
    }
}

#[test]
fn a_bad_date_is_an_error_not_a_panic() {
    let mut out = Vec::new();
    let err = run(
        &DemoArgs {
            seed: 1,
            residents: 10,
            date: "2025-13-01".into(),
            out: "none".into(),
        },
        &mut out,
    );
    assert!(err.is_err());
}

#[test]
fn the_demo_writes_a_database_and_runs_the_stored_flows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let mut out = Vec::new();
    run(
        &DemoArgs {
            seed: 3,
            residents: 500,
            date: "2025-04-01".into(),
            out: db.display().to_string(),
        },
        &mut out,
    )
    .expect("demo runs");
    let report = String::from_utf8(out).expect("UTF-8 report");
    assert!(db.exists());
    assert!(dir.path().join("demo.131016.csv").exists());
    for form in 1..=3 {
        let pdf = std::fs::read(dir.path().join(format!("demo.form{form}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "form {form}");
        assert!(
            report.contains(&format!("form {form}: 131016-2025-00000{form}")),
            "{report}"
        );
    }
    // Every questionnaire written is listed for the staff who searched.
    let line = report
        .lines()
        .find(|l| l.contains("questionnaires (予診票)"))
        .unwrap_or_else(|| panic!("no questionnaire line in:\n{report}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(numbers[0] > 0 && numbers[2] == numbers[0], "{line}");
    for needle in [
        "imported 500 persons",
        "redelivery",
        "next pull: 0 records",
        "chain intact",
    ] {
        assert!(report.contains(needle), "missing {needle:?} in:\n{report}");
    }
}
