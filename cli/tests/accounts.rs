//! The account batches, tokens and the outbox through the `sesshu` binary,
//! on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn sesshu(db: &str, dir: &Path, now: &str, who: &[&str], args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["--db", db, "--user", "tester", "--now", now])
        .args(who)
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

const CENTRAL: &[&str] = &[
    "--org",
    "CENTRAL",
    "--org-type",
    "central",
    "--role",
    "central",
];
const CHIYODA: &[&str] = &["--municipality", "131016"];
const T0: &str = "2025-04-01T03:00:00Z";

const MASTERS: &str = r#"{
  "municipalities": [
    {"code": "131016", "issuance": "target", "delegation": "approved", "email": "admin@chiyoda.example.jp", "admin_name": "千代田 管理者"},
    {"code": "011002", "issuance": "target", "delegation": "approved", "admin_name": "札幌 管理者"}
  ]
}"#;

fn flows(db: &str, dir: &Path) {
    let masters = dir.join("masters.json");
    std::fs::write(&masters, MASTERS).unwrap();
    let m = masters.to_str().unwrap();
    assert_eq!(sesshu(db, dir, T0, &[], &["init", "--development"]).code, 0);
    // Municipality staff may not run the batch.
    let run = sesshu(db, dir, T0, CHIYODA, &["accounts", "extract", m]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("not_authorized"), "{}", run.stderr);
    let run = sesshu(db, dir, T0, CENTRAL, &["accounts", "extract", m]);
    assert_eq!(run.code, 2, "a rejected row exits 2: {}", run.stderr);
    assert!(
        run.stdout.contains("issued\t131016\t131016-0001"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("rejected\t011002\tmissing_email"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("first administrators issued: 1/1"),
        "{}",
        run.stderr
    );
    let again = sesshu(db, dir, T0, CENTRAL, &["accounts", "extract", m]);
    assert!(again.stdout.contains("0 issued"), "{}", again.stdout);

    // The outbox: secrets redacted unless asked for; acknowledged once sent.
    let list = sesshu(db, dir, T0, CENTRAL, &["outbox", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout
            .contains("\"temporary_password\":\"<redacted>\""),
        "{}",
        list.stdout
    );
    let with = sesshu(db, dir, T0, CENTRAL, &["outbox", "list", "--with-secrets"]);
    let first: serde_json::Value =
        serde_json::from_str(with.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["recipient"], "admin@chiyoda.example.jp");
    assert_ne!(first["secrets"]["temporary_password"], "<redacted>");
    let seq = first["seq"].to_string();
    assert_eq!(
        sesshu(db, dir, T0, CENTRAL, &["outbox", "ack", &seq]).code,
        0
    );
    assert!(sesshu(db, dir, T0, CENTRAL, &["outbox", "list"])
        .stdout
        .is_empty());

    // Tokens: issued once, verified, rotated, revoked.
    let issued = sesshu(
        db,
        dir,
        T0,
        CHIYODA,
        &["tokens", "issue", "--label", "健康管理システム"],
    );
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    let t: serde_json::Value = serde_json::from_str(issued.stdout.trim()).unwrap();
    let token = t["token"].as_str().unwrap();
    let id = t["id"].as_str().unwrap();
    let ok = sesshu(db, dir, T0, &[], &["tokens", "verify", token]);
    assert!(
        ok.stdout.contains("valid: municipality 131016"),
        "{}",
        ok.stdout
    );
    let rotated = sesshu(db, dir, T0, CHIYODA, &["tokens", "rotate", id]);
    let r: serde_json::Value = serde_json::from_str(rotated.stdout.trim()).unwrap();
    let later = "2025-04-03T03:00:00Z";
    let old = sesshu(db, dir, later, &[], &["tokens", "verify", token]);
    assert!(old.stderr.contains("token_expired"), "{}", old.stderr);
    let new_id = r["id"].as_str().unwrap();
    assert!(
        sesshu(db, dir, later, CHIYODA, &["tokens", "revoke", new_id])
            .stdout
            .contains("revoked")
    );
    let gone = sesshu(
        db,
        dir,
        later,
        &[],
        &["tokens", "verify", r["token"].as_str().unwrap()],
    );
    assert!(gone.stderr.contains("token_revoked"), "{}", gone.stderr);

    // Inactivity: a year later the never-used first administrator is
    // warned, then suspended; reruns change nothing.
    let notice = sesshu(
        db,
        dir,
        "2026-03-01T00:00:00Z",
        CENTRAL,
        &["accounts", "inactivity", "--notice", "--date", "2026-04-01"],
    );
    assert!(
        notice.stdout.contains("1 candidates, 1 notified"),
        "{} {}",
        notice.stdout,
        notice.stderr
    );
    let exec = sesshu(
        db,
        dir,
        "2026-04-01T00:00:00Z",
        CENTRAL,
        &[
            "accounts",
            "inactivity",
            "--execute",
            "--date",
            "2026-04-01",
        ],
    );
    assert!(
        exec.stdout.contains("1 candidates, 1 suspended"),
        "{}",
        exec.stdout
    );
    let rerun = sesshu(
        db,
        dir,
        "2026-04-01T00:00:00Z",
        CENTRAL,
        &[
            "accounts",
            "inactivity",
            "--execute",
            "--date",
            "2026-04-01",
        ],
    );
    assert!(
        rerun.stdout.contains("0 candidates, 0 suspended"),
        "{}",
        rerun.stdout
    );

    // The administrator lists the organisation's users; staff may not.
    let admin = &["--municipality", "131016", "--role", "administrator"];
    let users = sesshu(db, dir, T0, admin, &["accounts", "list"]);
    assert_eq!(users.code, 0, "{}", users.stderr);
    assert!(
        users.stdout.contains(
            "131016-0001\t千代田 管理者\tadmin@chiyoda.example.jp\tadministrator\tsuspended\t\n"
        ),
        "{}",
        users.stdout
    );
    let refused = sesshu(db, dir, T0, CHIYODA, &["accounts", "list"]);
    assert!(
        refused.stderr.contains("not_authorized"),
        "{}",
        refused.stderr
    );

    // A clinic connected to the online eligibility network gets its tokens
    // through the network, not from the municipality.
    let clinic_token = [
        "tokens",
        "issue",
        "--for",
        "0110113719",
        "--for-type",
        "medical_institution",
        "--label",
        "窓口端末",
    ];
    assert_eq!(sesshu(db, dir, T0, CHIYODA, &clinic_token).code, 0);
    let registered = sesshu(
        db,
        dir,
        T0,
        CENTRAL,
        &[
            "accounts",
            "register-organisation",
            "0110113719",
            "--type",
            "medical_institution",
            "--online-eligibility",
        ],
    );
    assert!(
        registered
            .stdout
            .contains("connected to the online eligibility network"),
        "{} {}",
        registered.stdout,
        registered.stderr
    );
    let refused = sesshu(db, dir, T0, CHIYODA, &clinic_token);
    assert!(
        refused.stderr.contains("not_authorized"),
        "{}",
        refused.stderr
    );
}

#[test]
fn account_flows_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accounts.db");
    flows(db.to_str().unwrap(), dir.path());
}

#[test]
fn account_flows_on_postgres() {
    let db = support::Database::new("sesshu_accounts");
    let dir = tempfile::tempdir().unwrap();
    flows(&db.url, dir.path());
}
