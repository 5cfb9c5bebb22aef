//! The marts and the public dashboard (H-6) through the `sesshu` binary,
//! on SQLite and PostgreSQL: a generated population, the daily batch (run
//! twice, and in full), the BI export, and the published files checked by
//! the disclosure auditor, which reads nothing but the files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../core/tests/audit/mod.rs"]
mod audit;
mod support;

use std::path::Path;
use std::process::{Command, Output};

fn sesshu(db: &str, dir: &Path, who: &[&str], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args([
            "--db",
            db,
            "--user",
            "tester",
            "--now",
            "2025-04-01T03:00:00Z",
        ])
        .args(who)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const CENTRAL: &[&str] = &[
    "--org",
    "CENTRAL",
    "--org-type",
    "central",
    "--role",
    "central",
];
const MHLW: &[&str] = &["--org", "MHLW", "--org-type", "mhlw", "--role", "mhlw"];
const RULES: &str = "vaccine_type,dose,age_from_months,age_to_months,interval_days,valid_from,valid_to\n\
                     MR,1,12,24,,2006-04-01,\nHPV,1,144,204,,2013-04-01,\nCOVID19,1,6,1500,,2021-02-17,\n";

fn flows(db: &str, dir: &Path) {
    ok(&sesshu(db, dir, &[], &["init", "--development"]));
    ok(&sesshu(
        db,
        dir,
        &[],
        &["generate", "--persons", "3000", "--records-per-person", "4"],
    ));
    let rules = dir.join("rules.csv");
    std::fs::write(&rules, RULES).unwrap();
    ok(&sesshu(
        db,
        dir,
        MHLW,
        &[
            "masters",
            "import",
            "standard_recommendation_rules",
            rules.to_str().unwrap(),
        ],
    ));

    // Only the operator runs the batch.
    let refused = sesshu(db, dir, MHLW, &["marts", "build", "--date", "2025-04-01"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not_authorized"));
    let first = ok(&sesshu(
        db,
        dir,
        CENTRAL,
        &["marts", "build", "--date", "2025-04-01"],
    ));
    let counted: i64 = first
        .split(": ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(counted > 10_000, "{first}");
    let again = ok(&sesshu(
        db,
        dir,
        CENTRAL,
        &["marts", "build", "--date", "2025-04-01"],
    ));
    assert!(
        again.contains("0 records counted, 0 cells changed"),
        "{again}"
    );

    let exact = dir.join("bi");
    ok(&sesshu(
        db,
        dir,
        MHLW,
        &["marts", "export", "--out", exact.to_str().unwrap()],
    ));
    let before = std::fs::read_to_string(exact.join("vaccinations.csv")).unwrap();
    assert!(
        before.starts_with("date,prefecture,municipality,vaccine,dose,age_band,count,vaccinated\n")
    );
    // The national total of doses: every record counted but the erroneous.
    let national: i64 = before
        .lines()
        .filter(|l| l.split(',').nth(1) == Some("total"))
        .map(|l| l.split(',').nth(6).unwrap().parse::<i64>().unwrap())
        .sum();
    assert!(
        national > counted * 9 / 10 && national <= counted,
        "{national}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(exact.join("vaccinations.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A full rebuild gives the same marts.
    let full = ok(&sesshu(
        db,
        dir,
        CENTRAL,
        &["marts", "build", "--date", "2025-04-01", "--full"],
    ));
    assert!(full.contains("full rebuild"), "{full}");
    std::fs::remove_dir_all(&exact).unwrap();
    ok(&sesshu(
        db,
        dir,
        MHLW,
        &["marts", "export", "--out", exact.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::read_to_string(exact.join("vaccinations.csv")).unwrap(),
        before
    );
    let columnar = dir.join("columnar");
    ok(&sesshu(
        db,
        dir,
        MHLW,
        &[
            "marts",
            "export",
            "--out",
            columnar.to_str().unwrap(),
            "--format",
            "parquet",
        ],
    ));
    assert_same_rows(&columnar.join("vaccinations.parquet"), &before);
    let unknown = sesshu(
        db,
        dir,
        MHLW,
        &["marts", "export", "--out", "x", "--format", "xlsx"],
    );
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("unknown_format"),
        "{unknown:?}"
    );

    let site = dir.join("site");
    let published = ok(&sesshu(
        db,
        dir,
        MHLW,
        &[
            "publish",
            "--out",
            site.to_str().unwrap(),
            "--threshold",
            "10",
        ],
    ));
    assert!(published.contains("index.html"), "{published}");
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(html.contains("<html lang=\"ja\">") && html.contains("<svg"));
    assert!(
        html.contains("data/vaccinations-by-area-age.csv") && html.contains("data/coverage.ndjson")
    );
    // Every published file, the files of a measure together, audited by
    // reading nothing but the files.
    let audits = audit::audit_dir(&site.join("data"), 10).unwrap();
    assert_eq!(
        audits.keys().collect::<Vec<_>>(),
        ["coverage", "vaccinations"],
        "{audits:?}"
    );
    for (measure, a) in &audits {
        assert!(a.suppressed > 0, "{measure}: nothing suppressed");
        assert_eq!(a.findings, vec![], "{measure}");
    }
    // Every count from 1 to 9 is hidden.
    for entry in std::fs::read_dir(site.join("data")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.lines().skip(1).any(|l| matches!(
            l.rsplit(',').next(),
            Some("1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9")
        )));
    }
}

#[test]
fn marts_and_publication_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    flows(db.to_str().unwrap(), dir.path());
}

#[test]
fn marts_and_publication_on_postgres() {
    let pg = support::Database::new("marts_cli");
    let dir = tempfile::tempdir().unwrap();
    flows(&pg.url, dir.path());
}

#[test]
fn the_demo_dashboard_passes_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["demo", "--out", "demo.db"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = ok(&out);
    assert!(report.contains("public dashboard (H_062"), "{report}");
    let data = dir.path().join("demo.dashboard/data");
    let audits = audit::audit_dir(&data, 10).unwrap();
    assert_eq!(audits.len(), 2, "{audits:?}");
    // The town's five closed fiscal years of doses may need no suppression
    // at all; its coverage, by municipality, vaccine and dose, does: the
    // audit is never of nothing.
    assert!(audits.values().any(|a| a.suppressed > 0), "{audits:?}");
    for (measure, a) in &audits {
        assert_eq!(a.findings, vec![], "{measure}");
        println!(
            "{measure}: {} cells, {} suppressed, 0 findings",
            a.cells, a.suppressed
        );
    }
}

/// The Parquet export holds the CSV export's rows, value for value (read
/// with the `parquet` crate's own record reader, dates as `YYYY-MM-DD`).
fn assert_same_rows(parquet: &Path, csv: &str) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(parquet).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    let rows: Vec<String> = reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .into_columns()
                .into_iter()
                .map(|(_, field)| field.to_string().trim_matches('"').to_owned())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let expected: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!expected.is_empty());
    assert_eq!(rows, expected);
}
