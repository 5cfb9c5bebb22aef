//! Maternal and child health data (H-7) through the `sesshu` binary, on
//! SQLite and PostgreSQL: every template downloaded, filled and uploaded;
//! a file with good and bad rows; the same file again; an interface file
//! and its result; a subject's data; a download.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

use sesshu_core::maternal::catalog;

fn sesshu(db: &str, dir: &Path, who: &[&str], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args([
            "--db",
            db,
            "--user",
            "tester",
            "--now",
            "2026-12-01T01:00:00Z",
        ])
        .args(who)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const CHIYODA: &[&str] = &["--municipality", "131016"];
const YOKOHAMA: &[&str] = &["--municipality", "141003"];

fn flows(db: &str, dir: &Path) {
    let init = sesshu(db, dir, &[], &["init", "--development"]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let listed = text(&sesshu(db, dir, &[], &["maternal", "datasets"]).stdout);
    assert_eq!(listed.lines().count(), 13, "{listed}");

    for set in catalog::ALL {
        let template = dir.join(format!("{}.csv", set.name));
        let t = template.to_str().unwrap();
        let o = sesshu(
            db,
            dir,
            CHIYODA,
            &["maternal", "template", set.name, "--out", t],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let mut file = std::fs::read(&template).unwrap();
        file.extend(sesshu_core::conformance::sample_rows(set, 1, 5).into_bytes());
        std::fs::write(&template, &file).unwrap();
        let up = sesshu(db, dir, CHIYODA, &["maternal", "upload", set.name, t]);
        assert!(up.status.success(), "{}: {}", set.name, text(&up.stderr));
        assert!(
            text(&up.stdout).contains("registered 5, 0 unchanged, 0 refused"),
            "{}",
            text(&up.stdout)
        );
        let again = sesshu(db, dir, CHIYODA, &["maternal", "upload", set.name, t]);
        assert!(
            text(&again.stdout).contains("registered 0, 5 unchanged"),
            "{}",
            text(&again.stdout)
        );
    }

    // Good and bad rows: the good registered, the bad returned with row,
    // column and reason in a file to correct (exit 2).
    let set = &catalog::INFANT_3_4M;
    let mixed = dir.join("mixed.csv");
    std::fs::write(
        &mixed,
        format!(
            "{}\n{}S09003,2026-13-01,,,,,,,,,1,\nS09004,2026-11-02,,,,,,,,,9,\n",
            set.columns().join(","),
            sesshu_core::conformance::sample_rows(set, 9001, 2)
        ),
    )
    .unwrap();
    let errors = dir.join("errors.csv");
    let m = mixed.to_str().unwrap();
    let up = sesshu(
        db,
        dir,
        CHIYODA,
        &[
            "maternal",
            "upload",
            set.name,
            m,
            "--errors-out",
            errors.to_str().unwrap(),
        ],
    );
    assert_eq!(up.status.code(), Some(2), "{}", text(&up.stderr));
    assert!(
        text(&up.stdout).contains("registered 2, 0 unchanged, 2 refused"),
        "{}",
        text(&up.stdout)
    );
    assert!(
        text(&up.stderr).contains("row 3, column exam_date"),
        "{}",
        text(&up.stderr)
    );
    let back = text(&std::fs::read(&errors).unwrap());
    assert!(back.contains("\r\n4,judgment,"), "{back}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&errors).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = sesshu(
        db,
        dir,
        CHIYODA,
        &["maternal", "upload", set.name, m, "--dry-run"],
    );
    assert!(
        text(&again.stdout).contains("would register 2"),
        "{}",
        text(&again.stdout)
    );

    // An interface file from the health-management system, and its result.
    let json = dir.join("H_071-001_IF_202611.json");
    std::fs::write(
        &json,
        r#"{"interface":"H_071-001_IF","version":1,"municipality":"131016","rows":[
            {"subject_number":"S07001","exam_date":"2026-11-04","judgment":"1"},
            {"subject_number":"S07002","exam_date":"2026-11-04","judgment":"0"}]}"#,
    )
    .unwrap();
    let result = dir.join("result.json");
    let r = sesshu(
        db,
        dir,
        CHIYODA,
        &[
            "maternal",
            "receive",
            json.to_str().unwrap(),
            "--result-out",
            result.to_str().unwrap(),
        ],
    );
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    let answer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(
        (
            answer["registered"].as_u64(),
            answer["refused"][0]["position"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let wrong = sesshu(
        db,
        dir,
        YOKOHAMA,
        &["maternal", "receive", json.to_str().unwrap()],
    );
    assert!(
        text(&wrong.stderr).contains("not_authorized"),
        "{}",
        text(&wrong.stderr)
    );

    // A subject's data: the registering municipality sees it, another none.
    let shown = text(
        &sesshu(
            db,
            dir,
            CHIYODA,
            &["maternal", "show", "--subject", "S07001"],
        )
        .stdout,
    );
    assert!(
        shown.starts_with("infant_1y6m\tS07001\t131016\t"),
        "{shown}"
    );
    assert!(text(
        &sesshu(
            db,
            dir,
            YOKOHAMA,
            &["maternal", "show", "--subject", "S07001"]
        )
        .stdout
    )
    .is_empty());

    // The download uploads back unchanged.
    let out = dir.join("export.csv");
    let e = sesshu(
        db,
        dir,
        CHIYODA,
        &[
            "maternal",
            "export",
            set.name,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(e.status.success(), "{}", text(&e.stderr));
    let up = sesshu(
        db,
        dir,
        CHIYODA,
        &["maternal", "upload", set.name, out.to_str().unwrap()],
    );
    assert!(
        text(&up.stdout).contains("registered 0, 7 unchanged, 0 refused"),
        "{}",
        text(&up.stdout)
    );
}

#[test]
fn maternal_data_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    flows(db.to_str().unwrap(), dir.path());
}

#[test]
fn maternal_data_on_postgres() {
    let pg = support::Database::new("maternal_cli");
    let dir = tempfile::tempdir().unwrap();
    flows(&pg.url, dir.path());
}
