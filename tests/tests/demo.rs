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
        },
        &mut out,
    );
    assert!(err.is_err());
}
