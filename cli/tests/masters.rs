//! The masters through the `sesshu` binary (H-8), on SQLite and on
//! PostgreSQL: the zengin code-check master loaded from the shipped
//! snapshot of the open data set, replaced, refused, rolled back; and a
//! master uploaded, viewed and downloaded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn sesshu(db: &str, dir: &Path, who: &[&str], args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
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

/// The snapshot shipped with the project (data/zengin).
fn snapshot() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/zengin");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .unwrap();
    file.to_str().unwrap().to_owned()
}

fn zengin_flows(db: &str, dir: &Path) {
    assert_eq!(sesshu(db, dir, &[], &["init", "--development"]).code, 0);
    let check = |bank: &str, branch: &str| sesshu(db, dir, &[], &["zengin", "check", bank, branch]);
    assert_eq!(check("0001", "001").code, 2, "nothing loaded yet");

    // Only the central association's operator replaces the master.
    let refused = sesshu(db, dir, CHIYODA, &["zengin", "load", &snapshot()]);
    assert!(
        refused.stderr.contains("not_authorized"),
        "{}",
        refused.stderr
    );

    let first = sesshu(db, dir, CENTRAL, &["zengin", "load", &snapshot()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stdout
            .contains("current: load 1 — 1146 banks, 28944 branches"),
        "{}",
        first.stdout
    );
    // みずほ銀行 東京営業部 and 三井住友銀行 神保町支店 exist; 0001-999 does not.
    let real = check("0001", "001");
    assert_eq!(real.code, 0, "{}{}", real.stdout, real.stderr);
    assert!(real.stdout.contains("known"), "{}", real.stdout);
    assert_eq!(check("0009", "001").code, 0);
    let unreal = check("0001", "999");
    assert_eq!(unreal.code, 2);
    assert!(
        unreal.stdout.contains("unknown_branch_code"),
        "{}",
        unreal.stdout
    );
    assert!(check("9998", "001").stdout.contains("unknown_bank_code"));

    // A second file (the data set's own layout) replaces it whole.
    let set = dir.join("dataset");
    std::fs::create_dir_all(set.join("branches")).unwrap();
    std::fs::write(
        set.join("banks.json"),
        r#"{"0001":{"code":"0001","name":"みずほ","kana":"ミズホ"}}"#,
    )
    .unwrap();
    std::fs::write(
        set.join("branches/0001.json"),
        r#"{"999":{"code":"999","name":"新支店","kana":"シンシテン"}}"#,
    )
    .unwrap();
    let second = sesshu(db, dir, CENTRAL, &["zengin", "load", set.to_str().unwrap()]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second
            .stdout
            .contains("current: load 2 — 1 banks, 1 branches"),
        "{}",
        second.stdout
    );
    assert!(
        second.stdout.contains("backup: load 1 — 1146 banks"),
        "{}",
        second.stdout
    );
    assert_eq!(check("0001", "999").code, 0);
    assert_eq!(check("0001", "001").code, 2);

    // A broken third file is refused, names its rows, and changes nothing.
    let broken = dir.join("broken.csv");
    std::fs::write(
        &broken,
        "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n\
         0001,みずほ,ミズホ,001,東京営業部,トウキヨウ\n\
         00x1,壊れた,コワレタ,001,本店,ホンテン\n",
    )
    .unwrap();
    let before = sesshu(db, dir, &[], &["zengin", "status"]).stdout;
    let third = sesshu(
        db,
        dir,
        CENTRAL,
        &["zengin", "load", broken.to_str().unwrap()],
    );
    assert_ne!(third.code, 0);
    assert!(
        third.stderr.contains("zengin_file_refused"),
        "{}",
        third.stderr
    );
    assert!(
        third.stderr.contains("row 2, bank_code"),
        "{}",
        third.stderr
    );
    assert_eq!(sesshu(db, dir, &[], &["zengin", "status"]).stdout, before);

    // Rollback brings the first back.
    let rolled = sesshu(db, dir, CENTRAL, &["zengin", "rollback"]);
    assert_eq!(rolled.code, 0, "{}", rolled.stderr);
    assert!(
        rolled
            .stdout
            .contains("current: load 1 — 1146 banks, 28944 branches"),
        "{}",
        rolled.stdout
    );
    assert_eq!(check("0001", "001").code, 0);
    assert_eq!(check("0001", "999").code, 2);
    let status = sesshu(db, dir, &[], &["zengin", "status"]).stdout;
    assert!(status.contains("from zengin-code-"), "{status}");
    assert!(status.contains("backup: load 2"), "{status}");
}

const MHLW: &[&str] = &["--org", "MHLW", "--org-type", "mhlw", "--role", "mhlw"];

/// Upload with a dry run, per-row errors, idempotence; view; download that
/// uploads back unchanged (UTF-8 and Shift_JIS).
fn master_flows(db: &str, dir: &Path) {
    let kinds = sesshu(db, dir, &[], &["masters", "kinds"]);
    assert!(kinds.stdout.contains("vaccine_types\tmhlw\tワクチン種別マスタ\tcode,name,name_en,disease,valid_from,valid_to"), "{}", kinds.stdout);
    let file = dir.join("vaccines.csv");
    std::fs::write(
        &file,
        "\u{feff}code,name,valid_from,valid_to\n\
         MR,麻しん風しん混合,2006-04-01,\n\
         DPT,ジフテリア・百日せき・破傷風,1981-04-01,2012-11-01\n\
         BAD CODE,x,2000-01-01,\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let refused = sesshu(db, dir, CHIYODA, &["masters", "import", "vaccine_types", f]);
    assert!(
        refused.stderr.contains("not_authorized"),
        "{}",
        refused.stderr
    );
    let dry = sesshu(
        db,
        dir,
        MHLW,
        &["masters", "import", "vaccine_types", f, "--dry-run"],
    );
    assert_eq!(dry.code, 2, "a refused row exits 2: {}", dry.stderr);
    assert!(
        dry.stdout
            .contains("dry run, nothing written): 2 created, 0 updated, 0 unchanged, 1 refused"),
        "{}",
        dry.stdout
    );
    assert!(dry.stderr.contains("row 3, code:"), "{}", dry.stderr);
    let show = |args: &[&str]| {
        sesshu(
            db,
            dir,
            CHIYODA,
            &[&["masters", "show", "vaccine_types"], args].concat(),
        )
    };
    assert_eq!(
        show(&[]).stdout.lines().count(),
        1,
        "only the header after a dry run"
    );
    let real = sesshu(db, dir, MHLW, &["masters", "import", "vaccine_types", f]);
    assert!(
        real.stdout
            .contains(": 2 created, 0 updated, 0 unchanged, 1 refused"),
        "{}",
        real.stdout
    );
    let again = sesshu(db, dir, MHLW, &["masters", "import", "vaccine_types", f]);
    assert!(
        again
            .stdout
            .contains(": 0 created, 0 updated, 2 unchanged, 1 refused"),
        "{}",
        again.stdout
    );
    let on = show(&["--as-of", "2013-01-01"]).stdout;
    assert!(
        on.contains("MR\t麻しん風しん混合\t\t\t2006-04-01\t"),
        "{on}"
    );
    assert!(!on.contains("DPT"), "{on}");

    for encoding in ["utf8", "shift-jis"] {
        let out = dir.join(format!("export-{encoding}.csv"));
        let o = out.to_str().unwrap();
        let ex = sesshu(
            db,
            dir,
            CHIYODA,
            &[
                "masters",
                "export",
                "vaccine_types",
                "--encoding",
                encoding,
                "--out",
                o,
            ],
        );
        assert_eq!(ex.code, 0, "{}", ex.stderr);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let back = sesshu(
            db,
            dir,
            MHLW,
            &[
                "masters",
                "import",
                "vaccine_types",
                o,
                "--encoding",
                encoding,
            ],
        );
        assert_eq!(back.code, 0, "{}", back.stderr);
        assert!(
            back.stdout
                .contains(": 0 created, 0 updated, 2 unchanged, 0 refused"),
            "{}",
            back.stdout
        );
    }
}

/// A day's files received twice (nothing changes the second time), the
/// differences pulled until acknowledged, the first administrators
/// extracted from the received masters.
fn exchange_flows(db: &str, dir: &Path) {
    let day = dir.join("20261201");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(
        day.join("H_087-005_20261201.csv"),
        "code,name,issuance,admin_email,admin_name,valid_from\n\
         131016,千代田区,target,admin@chiyoda.example.jp,千代田 管理者,2000-01-01\n",
    )
    .unwrap();
    std::fs::write(
        day.join("H_087-010_20261201.csv"),
        "municipality,status,valid_from\n131016,approved,2000-01-01\n",
    )
    .unwrap();
    std::fs::write(
        day.join("H_087-001_20261201.csv"),
        "municipality,disease,vaccine_type,subsidy_yen,valid_from\n\
         131016,measles,MR,12000,2024-04-01\n\
         131016,measles,MR,-5,2024-05-01\n",
    )
    .unwrap();
    let d = day.to_str().unwrap();
    let refused = sesshu(db, dir, CHIYODA, &["masters", "receive", d]);
    assert!(
        refused.stderr.contains("not_authorized"),
        "{}",
        refused.stderr
    );
    let first = sesshu(db, dir, CENTRAL, &["masters", "receive", d]);
    assert_eq!(first.code, 2, "a refused row exits 2: {}", first.stderr);
    assert!(
        first
            .stdout
            .contains("H_087-005_20261201.csv: municipalities: 1 created"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stderr
            .contains("H_087-001_20261201.csv: row 2, subsidy_yen"),
        "{}",
        first.stderr
    );
    let settings = sesshu(
        db,
        dir,
        CHIYODA,
        &["masters", "show", "municipal_vaccination_settings"],
    );
    assert!(
        settings.stdout.contains("131016\tMR\t1\t"),
        "implemented: {}",
        settings.stdout
    );
    let again = sesshu(db, dir, CENTRAL, &["masters", "receive", d]);
    for line in again.stdout.lines() {
        assert!(
            line.contains(": 0 created, 0 updated"),
            "the same day twice: {line}"
        );
    }

    // The differences of the sent masters (vaccine types were uploaded by
    // master_flows), again until acknowledged.
    let pull = || {
        sesshu(
            db,
            dir,
            CENTRAL,
            &["masters", "diff", "pull", "--limit", "1"],
        )
    };
    let one = pull();
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(
        one.stdout.starts_with("H_088-002\tvaccine_types\t"),
        "{}",
        one.stdout
    );
    let batch = one
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("batch "))
        .and_then(|l| l.split_once(": "))
        .unwrap()
        .0
        .to_owned();
    let two = pull();
    assert_eq!(two.stdout, one.stdout, "re-delivered until acknowledged");
    assert!(two.stderr.contains("delivered before"), "{}", two.stderr);
    let ack = sesshu(db, dir, CENTRAL, &["masters", "diff", "ack", &batch]);
    assert!(
        ack.stdout.contains("acknowledged"),
        "{}{}",
        ack.stdout,
        ack.stderr
    );
    assert_ne!(pull().stdout, one.stdout, "the next batch");

    // First administrators from the received masters.
    let run = sesshu(db, dir, CENTRAL, &["accounts", "extract"]);
    assert!(
        run.stdout.contains("issued\t131016\t131016-0001"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn zengin_and_masters_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("masters.db");
    zengin_flows(db.to_str().unwrap(), dir.path());
    master_flows(db.to_str().unwrap(), dir.path());
    exchange_flows(db.to_str().unwrap(), dir.path());
}

#[test]
fn zengin_and_masters_on_postgres() {
    let db = support::Database::new("sesshu_masters");
    let dir = tempfile::tempdir().unwrap();
    zengin_flows(&db.url, dir.path());
    master_flows(&db.url, dir.path());
    exchange_flows(&db.url, dir.path());
}
