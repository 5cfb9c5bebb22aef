//! The operator's record flows, end to end through the `sesshu` binary, on
//! SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn sesshu(db: &str, dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["--db", db, "--municipality", "131016", "--user", "tester"])
        .args(["--now", "2025-04-01T03:00:00Z"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const PERSONS: &str = "management_id,subject_number,name,name_kana,birth_date,sex,pmh_key
P001,S001,山田 花子,ヤマダ ハナコ,1990-05-01,female,pmh-1
P002,S002,髙橋 𠮷子,たかはし よしこ,1985-01-02,female,
P003,S003,佐藤 一郎,サトウ イチロウ,1999-13-01,male,
";
const RESIDENCY: &str = "management_id,municipality,from,to
P001,011002,1990-05-01,2020-04-01
P001,131016,2020-04-01,
P002,131016,1985-01-02,
P009,131016,2000-01-01,
";
const RECORDS: &str =
    "id,management_id,responsible,category,vaccine,dose_number,date,lot,institution,erroneous
R1,P001,131016,routine,MR,1,2024-01-01,AB12C,1311234502,false
R2,P002,131016,temporary,COVID19,3,2024-02-01,,,
R3,P001,131016,routine,MR,1,2010-01-01,,,
R4,P001,131016,weird,MR,1,2024-01-01,,,
";

fn flows(db: &str, dir: &Path) {
    assert_eq!(sesshu(db, dir, &["init", "--development"]).code, 0);
    let persons = write(dir, "persons.csv", PERSONS);
    let run = sesshu(db, dir, &["import", "persons", persons.to_str().unwrap()]);
    assert_eq!(
        run.code, 2,
        "refused rows make the exit status 2: {}",
        run.stderr
    );
    assert!(run.stdout.contains("2 created"), "{}", run.stdout);
    assert!(
        run.stderr.contains("row 3, column birth_date"),
        "{}",
        run.stderr
    );
    // Again, before the residency file: nothing changes, nothing is refused
    // but the bad row.
    let again = sesshu(db, dir, &["import", "persons", persons.to_str().unwrap()]);
    assert!(
        again
            .stdout
            .contains("0 created, 0 updated, 2 unchanged, 1 refused"),
        "{}",
        again.stdout
    );

    let residency = write(dir, "residency.csv", RESIDENCY);
    let run = sesshu(
        db,
        dir,
        &["import", "residency", residency.to_str().unwrap()],
    );
    assert!(run.stdout.contains("2 updated"), "{}", run.stdout);
    assert!(
        run.stderr.contains("row 4") && run.stderr.contains("not_found"),
        "{}",
        run.stderr
    );

    let records = write(dir, "records.csv", RECORDS);
    let run = sesshu(db, dir, &["import", "records", records.to_str().unwrap()]);
    assert!(run.stdout.contains("2 created"), "{}", run.stdout);
    assert!(
        run.stderr.contains("row 3") && run.stderr.contains("responsible_mismatch"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("row 4, column category"),
        "{}",
        run.stderr
    );
    // The same file again changes nothing.
    let again = sesshu(db, dir, &["import", "records", records.to_str().unwrap()]);
    assert!(
        again.stdout.contains("0 created, 0 updated, 2 unchanged"),
        "{}",
        again.stdout
    );

    let list = sesshu(db, dir, &["records", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("R1") && list.stdout.contains("髙橋 𠮷子"),
        "{}",
        list.stdout
    );
    let narrowed = sesshu(db, dir, &["records", "list", "--kana", "ﾀｶﾊｼ"]);
    assert!(
        narrowed.stdout.contains("R2") && !narrowed.stdout.contains("R1"),
        "{}",
        narrowed.stdout
    );

    // UTF-8 with BOM by default.
    let utf8 = dir.join("out-utf8.csv");
    assert_eq!(
        sesshu(
            db,
            dir,
            &["records", "export", "--out", utf8.to_str().unwrap()]
        )
        .code,
        0
    );
    let bytes = std::fs::read(&utf8).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8(bytes).unwrap().contains("𠮷"));
    // Shift_JIS cannot hold 𠮷: a clear error, and no file.
    let sjis = dir.join("out-sjis.csv");
    let run = sesshu(
        db,
        dir,
        &[
            "records",
            "export",
            "--encoding",
            "shift-jis",
            "--out",
            sjis.to_str().unwrap(),
        ],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("row 2, column name") && run.stderr.contains("unencodable_character"),
        "{}",
        run.stderr
    );
    assert!(!sjis.exists());
    let run = sesshu(
        db,
        dir,
        &[
            "records",
            "export",
            "--encoding",
            "shift-jis",
            "--replace",
            "?",
            "--out",
            sjis.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let raw = std::fs::read(&sjis).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&raw);
    assert!(!bad);
    assert!(
        text.contains("髙橋 ?子") && text.contains("山田 花子"),
        "{text}"
    );

    // Delivery: the unacknowledged batch comes again; an ack is final.
    let pull = |dir| {
        serde_json::from_str::<serde_json::Value>(&sesshu(db, dir, &["deliver", "pull"]).stdout)
            .unwrap()
    };
    let first = pull(dir);
    assert_eq!(first["records"].as_array().unwrap().len(), 2);
    let again = pull(dir);
    assert_eq!(again["batch_id"], first["batch_id"]);
    assert_eq!(again["redelivery"], true);
    let batch = first["batch_id"].as_str().unwrap();
    assert!(sesshu(db, dir, &["deliver", "ack", batch])
        .stdout
        .contains("acknowledged"));
    assert!(sesshu(db, dir, &["deliver", "ack", batch])
        .stdout
        .contains("already acknowledged"));
    assert!(pull(dir)["records"].as_array().unwrap().is_empty());

    questionnaire_flows(db, dir);

    let log = sesshu(db, dir, &["log", "search", "--subject", "P001"]);
    assert!(
        log.stdout.contains("deliver_records") && log.stdout.contains("tester"),
        "{}",
        log.stdout
    );
    // The download holds what the search shows, one CSV line per entry.
    let csv = dir.join("log.csv");
    let export = sesshu(
        db,
        dir,
        &[
            "log",
            "export",
            "--subject",
            "P001",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(export.code, 0, "{}", export.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "seq,at,actor,organisation,action,subject,record_ids"
    );
    assert!(lines[1..].iter().all(|l| l.contains(",P001,")), "{text}");
    assert!(
        lines.iter().any(|l| l.contains("deliver_records")),
        "{text}"
    );
    // The search before it found no fewer (the download adds its own read).
    assert!(log.stdout.lines().count() < lines.len(), "{text}");
    let verify = sesshu(db, dir, &["log", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
    assert!(verify.stdout.contains("intact"));
}

/// The clinic that gave R1 writes its questionnaire; the municipality's
/// staff read it with the items the clinic changed.
fn questionnaire_flows(db: &str, dir: &Path) {
    let clinic = [
        "--org",
        "1311234502",
        "--org-type",
        "medical_institution",
        "--role",
        "doctor",
    ];
    let answers = write(
        dir,
        "answers.json",
        r#"{"subject": {"fever": false, "temperature": 36.5, "note": "なし"},
            "institution": {"fever": false, "temperature": 36.8}}"#,
    );
    let put = |args: &[&str]| {
        let mut all = clinic.to_vec();
        all.extend_from_slice(args);
        sesshu(db, dir, &all)
    };
    let file = answers.to_str().unwrap();
    let run = put(&["questionnaire", "put", "R1", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "R1: created\n");
    assert_eq!(
        put(&["questionnaire", "put", "R1", file]).stdout,
        "R1: unchanged\n"
    );
    let show = sesshu(db, dir, &["questionnaire", "show", "R1"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    let doc: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(doc["modified"], serde_json::json!(["note", "temperature"]));
    assert_eq!(doc["institution"]["temperature"], serde_json::json!(36.8));
    assert_eq!(doc["subject"]["note"], "なし");

    // Another clinic may not write; a document without both sides is refused.
    let other = sesshu(
        db,
        dir,
        &[
            "--org",
            "0110113719",
            "--org-type",
            "medical_institution",
            "--role",
            "doctor",
            "questionnaire",
            "put",
            "R1",
            file,
        ],
    );
    assert!(
        other.code == 1 && other.stderr.contains("(not_authorized)"),
        "{}",
        other.stderr
    );
    let half = write(dir, "half.json", r#"{"subject": {}}"#);
    let run = put(&["questionnaire", "put", "R1", half.to_str().unwrap()]);
    assert!(
        run.code == 1 && run.stderr.contains("\"institution\""),
        "{}",
        run.stderr
    );
    let missing = sesshu(db, dir, &["questionnaire", "show", "R2"]);
    assert!(
        missing.code == 1 && missing.stderr.contains("(not_found)"),
        "{}",
        missing.stderr
    );

    // The list shows R1 only (R2 has no answers); the download has a line
    // per item, written through a temporary file.
    let list = sesshu(db, dir, &["questionnaire", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", list.stdout);
    assert!(
        lines[1].starts_with("R1\tS001\tP001\t山田 花子\t2024-01-01\tMR\tnote,temperature"),
        "{}",
        lines[1]
    );
    let out = dir.join("questionnaires.csv");
    let export = sesshu(
        db,
        dir,
        &["questionnaire", "export", "--out", out.to_str().unwrap()],
    );
    assert_eq!(export.code, 0, "{}", export.stderr);
    assert!(export.stderr.contains("1 questionnaires exported"));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.contains(
            "S001,P001,山田 花子,ヤマダ ハナコ,R1,MR,2024-01-01,temperature,36.8,36.5,true"
        ),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
}

#[test]
fn record_flows_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flows.db");
    flows(db.to_str().unwrap(), dir.path());
    // Tampering with one row is found, and named.
    assert!(alter_entry_3(&db));
    let verify = sesshu(db.to_str().unwrap(), dir.path(), &["log", "verify"]);
    assert_eq!(verify.code, 1);
    assert!(
        verify.stdout.contains("TAMPERED") && verify.stdout.contains("entry 3"),
        "{}",
        verify.stdout
    );
}

/// Alters access-log entry 3 behind sesshu's back.
fn alter_entry_3(db: &Path) -> bool {
    let store = sesshu_sqlite::SqliteStore::open(db).unwrap();
    store.with_connection(|c| {
        c.execute("UPDATE access_log SET actor = 'mallory' WHERE seq = 3", [])
            .unwrap()
            == 1
    })
}

#[test]
fn record_flows_on_postgres() {
    let database = support::Database::new("sesshu_cli");
    let db = database.url.clone();
    let dir = tempfile::tempdir().unwrap();
    flows(&db, dir.path());
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    c.execute("UPDATE access_log SET actor = 'mallory' WHERE seq = 5", &[])
        .unwrap();
    let verify = sesshu(&db, dir.path(), &["log", "verify"]);
    assert_eq!(verify.code, 1);
    assert!(verify.stdout.contains("entry 5"), "{}", verify.stdout);
}
