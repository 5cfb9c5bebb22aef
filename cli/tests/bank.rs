//! Bank accounts (H-9), federation links (H-10) and notices (H-11)
//! through the `sesshu` binary and the stored service, on SQLite and on
//! PostgreSQL: the shared bank-account scenarios on each engine, an
//! application with attachments decided once, decisions raced from threads
//! and from processes of the command, a notice dispatched exactly once.
//!
//! `SESSHU_RACE_DECISIONS` sets how many decisions the races make (64 by
//! default; the closing figures use 1,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

fn race_count() -> usize {
    std::env::var("SESSHU_RACE_DECISIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn sesshu(db: &str, dir: &Path, now: &str, who: &[&str], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["--db", db, "--user", "tester", "--now", now])
        .args(who)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const NOW: &str = "2026-12-01T01:00:00Z";
const CENTRAL: &[&str] = &[
    "--org",
    "CENTRAL",
    "--org-type",
    "central",
    "--role",
    "central",
];
const CLINIC: &[&str] = &[
    "--org",
    "1311234502",
    "--org-type",
    "medical_institution",
    "--role",
    "administrator",
];
const F13: &[&str] = &[
    "--org",
    "F13",
    "--org-type",
    "federation",
    "--role",
    "federation",
];
const F27: &[&str] = &[
    "--org",
    "F27",
    "--org-type",
    "federation",
    "--role",
    "federation",
];

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

/// A store with the zengin master, the clinic, its federation F13 (and
/// F27) and one account of F13 in the masters.
fn setup(db: &str, dir: &Path) {
    ok(&sesshu(db, dir, NOW, &[], &["init", "--development"]));
    let write = |name: &str, body: &str| {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let zengin = write(
        "zengin.csv",
        "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n\
         0005,三菱ＵＦＪ,ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｪｲ,123,新宿,ｼﾝｼﾞﾕｸ\n\
         0009,三井住友,ﾐﾂｲｽﾐﾄﾓ,100,本店,ﾎﾝﾃﾝ\n",
    );
    ok(&sesshu(db, dir, NOW, CENTRAL, &["zengin", "load", &zengin]));
    let f13 = [
        ("member_institutions", "federation,institution,valid_from\nF13,1311234502,2020-04-01\n"),
        ("federations", "federation,name,email,valid_from\nF13,東京都国保連,kouza@f13.example.jp,2020-04-01\n"),
        (
            "federation_accounts",
            "federation,account,bank,branch,deposit_type,number,holder,valid_from\nF13,A1,0009,100,ordinary,1234567,ﾄｳｷﾖｳﾄｺｸﾎﾚﾝ,2020-04-01\n",
        ),
    ];
    for (kind, body) in f13 {
        let path = write(&format!("{kind}.csv"), body);
        ok(&sesshu(
            db,
            dir,
            NOW,
            F13,
            &["masters", "import", kind, &path],
        ));
    }
    let path = write(
        "institutions.csv",
        "code,name,admin_email,valid_from\n1311234502,さくらクリニック,admin@sakura.example.jp,2020-04-01\n",
    );
    let staff = [
        "--org",
        "1311234502",
        "--org-type",
        "medical_institution",
        "--role",
        "medical_staff",
    ];
    ok(&sesshu(
        db,
        dir,
        NOW,
        &staff,
        &["masters", "import", "institutions", &path],
    ));
}

fn apply(db: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "bank",
        "apply",
        "--usage",
        "vaccination",
        "--class",
        "registered",
        "--bank",
        "0005",
        "--branch",
        "123",
        "--deposit",
        "ordinary",
        "--number",
        "7654321",
        "--holder",
        "カ）サクラクリニック",
    ];
    args.extend_from_slice(extra);
    sesshu(db, dir, NOW, CLINIC, &args)
}

fn application_id(stdout: &str) -> String {
    stdout.split('\t').next().unwrap().trim().to_owned()
}

fn flows(db: &str, dir: &Path) {
    setup(db, dir);
    let png = dir.join("bankbook.pdf");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\nscan").unwrap();
    let zip = dir.join("passbook.pdf");
    std::fs::write(&zip, b"PK\x03\x04not a pdf").unwrap();

    let refused = apply(db, dir, &["--attach", zip.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("attachment_type_refused"),
        "{}",
        text(&refused.stderr)
    );

    let applied = ok(&apply(db, dir, &["--attach", png.to_str().unwrap()]));
    let id = application_id(&applied);
    assert!(
        applied.contains("pending") && applied.contains("ｶ)ｻｸﾗｸﾘﾆﾂｸ"),
        "{applied}"
    );
    assert!(applied.contains("image/png"), "{applied}");
    let again = apply(db, dir, &[]);
    assert!(text(&again.stderr).contains("application_pending"));

    let listed = ok(&sesshu(db, dir, NOW, F13, &["bank", "list", "--pending"]));
    assert!(listed.contains(&id));
    assert!(ok(&sesshu(db, dir, NOW, F27, &["bank", "list", "--pending"])).is_empty());
    let out = dir.join("got.png");
    ok(&sesshu(
        db,
        dir,
        NOW,
        F13,
        &[
            "bank",
            "attachment",
            &id,
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&png).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let other = sesshu(
        db,
        dir,
        NOW,
        F27,
        &["bank", "attachment", &id, "1", "--out", "x.png"],
    );
    assert!(text(&other.stderr).contains("not_authorized"));

    let reject7 = sesshu(db, dir, NOW, F13, &["bank", "reject", &id, "--reason", "7"]);
    assert!(text(&reject7.stderr).contains("note_required"));
    assert!(ok(&sesshu(db, dir, NOW, F13, &["bank", "approve", &id])).contains("approved"));
    let twice = sesshu(db, dir, NOW, F13, &["bank", "approve", &id]);
    assert!(text(&twice.stderr).contains("not_pending"));
    let active = ok(&sesshu(
        db,
        dir,
        NOW,
        CLINIC,
        &["bank", "active", "1311234502"],
    ));
    assert!(
        active.contains("0005-123") && active.contains(&id),
        "{active}"
    );

    // H-10: the link, and what a payment uses.
    let link = ok(&sesshu(
        db,
        dir,
        NOW,
        F13,
        &["federation-links", "add", "0005", "A1"],
    ));
    assert!(link.contains("version 1"), "{link}");
    let stale = sesshu(
        db,
        dir,
        NOW,
        F13,
        &["federation-links", "change", "0005", "A1", "--version", "9"],
    );
    assert!(text(&stale.stderr).contains("conflict"));
    let pay = ok(&sesshu(
        db,
        dir,
        NOW,
        F13,
        &["bank", "payment", "1311234502"],
    ));
    assert!(
        pay.contains("federation account\tF13,A1,0009,100,ordinary,1234567"),
        "{pay}"
    );
    assert!(
        ok(&sesshu(db, dir, NOW, F13, &["federation-links", "list"])).contains("F13\t0005\tA1")
    );

    // H-11: a notice for 10:00 JST, dispatched at 09:59, 10:00 and 10:05.
    let created = ok(&sesshu(
        db,
        dir,
        "2026-12-04T00:30:00Z",
        CENTRAL,
        &[
            "notices",
            "create",
            "--title",
            "保守のお知らせ",
            "--body",
            "12月10日は停止します",
            "--target",
            "federation",
            "--send-at",
            "2026-12-04T10:00:00+09:00",
            "--display-from",
            "2026-12-04",
            "--display-until",
            "2026-12-10",
        ],
    ));
    assert!(created.contains("scheduled"), "{created}");
    let dispatch = |now: &str| ok(&sesshu(db, dir, now, CENTRAL, &["notices", "dispatch"]));
    assert!(dispatch("2026-12-04T00:59:00Z").ends_with("0 notices sent\n"));
    assert!(dispatch("2026-12-04T01:00:00Z").ends_with("1 notices sent\n"));
    assert!(dispatch("2026-12-04T01:05:00Z").ends_with("0 notices sent\n"));
    let board = ok(&sesshu(
        db,
        dir,
        "2026-12-05T00:00:00Z",
        F13,
        &["notices", "board"],
    ));
    assert!(board.contains("保守のお知らせ"), "{board}");
    assert!(ok(&sesshu(
        db,
        dir,
        "2026-12-05T00:00:00Z",
        CLINIC,
        &["notices", "board"]
    ))
    .is_empty());
}

/// `n` decisions on one application by `workers` processes of the
/// command at a time: one stored, every other refused with a typed code.
fn process_race(db: &str, dir: &Path, workers: usize, n: usize) {
    setup(db, dir);
    let id = application_id(&ok(&apply(db, dir, &[])));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(bool, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n {
                        let o = sesshu(db, dir, NOW, F13, &["bank", "approve", &id]);
                        mine.push((o.status.success(), text(&o.stderr)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(results.len(), n);
    assert_eq!(results.iter().filter(|(won, _)| *won).count(), 1);
    for (won, stderr) in &results {
        assert!(
            *won || stderr.contains("(not_pending)") || stderr.contains("(conflict)"),
            "{stderr}"
        );
    }
    let outbox = ok(&sesshu(db, dir, NOW, CENTRAL, &["outbox", "list"]));
    assert_eq!(
        outbox.matches("bank_account_approved").count(),
        2,
        "{outbox}"
    );
    eprintln!(
        "{n} decisions from {workers} processes: 1 stored, {} refused",
        n - 1
    );
}

#[test]
fn bank_accounts_links_and_notices_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    flows(db.to_str().unwrap(), dir.path());
}

#[test]
fn bank_accounts_links_and_notices_on_postgres() {
    let pg = support::Database::new("bank_cli");
    let dir = tempfile::tempdir().unwrap();
    flows(&pg.url, dir.path());
}

#[test]
fn decisions_from_processes_store_one_on_postgres() {
    let pg = support::Database::new("bank_race");
    let dir = tempfile::tempdir().unwrap();
    process_race(&pg.url, dir.path(), 8, race_count());
}

#[test]
fn decisions_from_processes_store_one_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("race.db");
    process_race(db.to_str().unwrap(), dir.path(), 8, race_count().min(64));
}

#[test]
fn decisions_from_threads_store_one_on_both_engines() {
    let n = race_count();
    let per_thread = n.div_ceil(16);
    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn sesshu_core::store::Store> =
        Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("t.db")).unwrap());
    let (won, refused) = sesshu_core::conformance::race_bank_decisions(sqlite, 16, per_thread);
    assert_eq!((won, refused), (1, 16 * per_thread - 1));
    let pg = support::Database::new("bank_threads");
    let postgres: Arc<dyn sesshu_core::store::Store> =
        Arc::new(sesshu_postgres::PostgresStore::connect(&pg.url).unwrap());
    let (won, refused) = sesshu_core::conformance::race_bank_decisions(postgres, 16, per_thread);
    assert_eq!((won, refused), (1, 16 * per_thread - 1));
    eprintln!(
        "{} decisions from 16 threads on each engine: 1 stored",
        16 * per_thread
    );
}

/// The shared scenarios for bank_account_application, through the stored
/// service on PostgreSQL (the runner uses SQLite in memory), each case on
/// an empty database.
#[test]
fn bank_account_scenarios_on_postgres() {
    let dir = std::env::var_os("SESSHU_SCENARIOS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/scenarios"),
        std::path::PathBuf::from,
    );
    let mut cases = 0;
    for file in [
        dir.join("bank_account_application.json"),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/scenarios/bank_account_application.json"),
    ] {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for (i, case) in doc["cases"].as_array().unwrap().iter().enumerate() {
            let pg = support::Database::new(&format!("bank_case{i}"));
            let store: Arc<dyn sesshu_core::store::Store> =
                Arc::new(sesshu_postgres::PostgresStore::connect(&pg.url).unwrap());
            let got =
                match sesshu_cli::scenarios::bank_account_application_on(store, &case["given"]) {
                    Ok(v) => v,
                    Err(sesshu_cli::scenarios::Fail::Rule(code)) => {
                        serde_json::json!({ "error": code })
                    }
                    Err(sesshu_cli::scenarios::Fail::Read(e)) => panic!("{}: {e}", case["name"]),
                };
            let expect = &case["expect"];
            for key in expect.as_object().unwrap().keys() {
                assert_eq!(
                    sorted(key, &got[key]),
                    sorted(key, &expect[key]),
                    "{} / {}: {key}",
                    file.display(),
                    case["name"]
                );
            }
            cases += 1;
        }
    }
    assert!(cases >= 2, "{cases} cases");
}

/// Lists compare as sets except the ordered ones.
fn sorted(key: &str, v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(items) if key != "results" && key != "notifications" => {
            let mut items = items.clone();
            items.sort_by_key(|i| i.to_string());
            serde_json::Value::Array(items)
        }
        other => other.clone(),
    }
}
