//! Every shared scenario, through the core's public API (via the runner's
//! adapters), must pass. `SESSHU_SCENARIOS` points elsewhere if needed.

// Test code: a failed expectation is meant to stop the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn scenarios_dir() -> PathBuf {
    std::env::var_os("SESSHU_SCENARIOS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scenarios"),
        PathBuf::from,
    )
}

#[test]
fn every_shared_scenario_passes() {
    let dir = scenarios_dir();
    assert!(
        dir.is_dir(),
        "the shared scenarios are not at {} (set SESSHU_SCENARIOS)",
        dir.display()
    );
    let report = sesshu_cli::scenarios::run_paths(&[&dir]);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(report.passed >= 100, "only {} cases ran", report.passed);
}

#[test]
fn every_rule_of_the_spec_has_a_scenario_file() {
    let dir = scenarios_dir();
    for rule in [
        "identifiers",
        "wareki",
        "record_access",
        "certificate_form",
        "role_assignment",
        "account_extraction",
        "password_policy",
        "inactivity_suspension",
        "record_link_diff",
        "questionnaire_diff",
        "bank_account_application",
    ] {
        let file = dir.join(format!("{rule}.json"));
        let mut report = sesshu_cli::scenarios::Report::default();
        sesshu_cli::scenarios::run_file(&file, &mut report);
        assert!(
            report.passed > 0 && report.failed() == 0,
            "{rule}: {report:?}"
        );
    }
}

/// The project's own cases beyond the shared floor (`tests/scenarios`):
/// boundaries and conversions the shared files do not pin.
#[test]
fn the_projects_edge_case_scenarios_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let report = sesshu_cli::scenarios::run_paths(&[&dir]);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(report.passed >= 100, "only {} cases ran", report.passed);
}
