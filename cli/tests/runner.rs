//! The scenario runner itself: what counts as failed, and the exit status.

// Test code: a failed expectation is meant to stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write scenario file");
    p
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sesshu-runner-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn run(paths: &[&Path]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .arg("scenarios")
        .arg("run")
        .args(paths)
        .output()
        .expect("run sesshu");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

const GOOD: &str = r#"{"rule": "wareki", "description": "", "cases": [
  {"name": "reiwa 1", "given": {"date": "2019-05-01"}, "expect": {"text": "令和元年5月1日"}},
  {"name": "too early", "given": {"date": "1872-12-31"}, "expect": {"error": "date_out_of_range"}}
]}"#;

#[test]
fn a_passing_file_exits_zero() {
    let d = temp_dir("good");
    let f = write(&d, "good.json", GOOD);
    let (out, code) = run(&[&f]);
    assert_eq!(out.trim_end().lines().last(), Some("2 passed, 0 failed"));
    assert_eq!(code, 0);
}

#[test]
fn an_unknown_rule_fails_every_case() {
    let d = temp_dir("unknown");
    let f = write(
        &d,
        "unknown.json",
        r#"{"rule": "teleportation", "cases": [{"name": "a", "given": {}, "expect": {}}]}"#,
    );
    let (out, code) = run(&[&f]);
    assert!(out.contains("unknown rule"), "{out}");
    assert_eq!(out.trim_end().lines().last(), Some("0 passed, 1 failed"));
    assert_ne!(code, 0);
}

#[test]
fn a_malformed_case_fails() {
    let d = temp_dir("malformed");
    let f = write(
        &d,
        "malformed.json",
        r#"{"rule": "wareki", "cases": [
          {"name": "no date", "given": {"day": "2019-05-01"}, "expect": {"text": "令和元年5月1日"}},
          {"name": "no expect", "given": {"date": "2019-05-01"}},
          {"name": "date is a number", "given": {"date": 20190501}, "expect": {"text": "x"}}
        ]}"#,
    );
    let (out, code) = run(&[&f]);
    assert_eq!(
        out.trim_end().lines().last(),
        Some("0 passed, 3 failed"),
        "{out}"
    );
    assert_ne!(code, 0);
}

#[test]
fn a_wrong_expectation_fails_and_names_the_case() {
    let d = temp_dir("wrong");
    let f = write(
        &d,
        "wrong.json",
        r#"{"rule": "record_access", "cases": [{"name": "lies", "given": {
          "municipality": "131016", "date": "2025-04-01",
          "residency": [{"municipality": "131016", "from": "2010-01-01", "to": null}],
          "records": [{"id": "r1", "municipality": "131016", "category": "voluntary", "erroneous": false}]},
          "expect": {"visible": ["r1"], "certifiable": ["r1"], "portal": ["r1"]}}]}"#,
    );
    let (out, code) = run(&[&f]);
    assert!(out.contains("FAIL") && out.contains("lies"), "{out}");
    assert_eq!(out.trim_end().lines().last(), Some("0 passed, 1 failed"));
    assert_ne!(code, 0);
}

#[test]
fn an_unexpected_error_and_a_missing_error_both_fail() {
    let d = temp_dir("errors");
    let f = write(
        &d,
        "errors.json",
        r#"{"rule": "identifiers", "cases": [
          {"name": "expects ok, gets error", "given": {"kind": "gtin", "value": "1"}, "expect": {"normalized": "1"}},
          {"name": "expects error, gets ok", "given": {"kind": "gtin", "value": "4900000000016"}, "expect": {"error": "invalid_gtin"}},
          {"name": "wrong error code", "given": {"kind": "gtin", "value": "1"}, "expect": {"error": "invalid_gs1"}}
        ]}"#,
    );
    let (out, code) = run(&[&f]);
    assert_eq!(
        out.trim_end().lines().last(),
        Some("0 passed, 3 failed"),
        "{out}"
    );
    assert_ne!(code, 0);
}

#[test]
fn a_folder_is_searched_and_bad_files_count() {
    let d = temp_dir("folder");
    write(&d, "a.json", GOOD);
    write(&d, "notes.txt", "ignored");
    write(&d, "broken.json", "{ not json");
    let (out, code) = run(&[&d]);
    assert_eq!(
        out.trim_end().lines().last(),
        Some("2 passed, 1 failed"),
        "{out}"
    );
    assert_ne!(code, 0);
}

#[test]
fn a_missing_path_fails() {
    let (out, code) = run(&[Path::new("/nonexistent/sesshu/scenarios")]);
    assert_eq!(
        out.trim_end().lines().last(),
        Some("0 passed, 1 failed"),
        "{out}"
    );
    assert_ne!(code, 0);
}
