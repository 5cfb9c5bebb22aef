//! What a new user and a hostile tester found (issue 19), through the
//! binary: each test failed on the command as it was and passes now.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn sesshu(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
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

const CHIYODA: &[&str] = &["--db", "town.db", "--municipality", "131016"];

/// A development store in `dir` (identity flags are believed there) with
/// one resident and two records.
fn town(dir: &Path) {
    let init = sesshu(dir, &["--db", "town.db", "init", "--development"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let files = [
        ("persons", "management_id,subject_number,name,name_kana,birth_date,sex\nP001,S001,=1+2,ヤマダ ハナコ,1990-05-01,female\n"),
        ("residency", "management_id,municipality,from,to\nP001,131016,1990-05-01,\n"),
        ("records", "id,management_id,responsible,category,vaccine,dose_number,date,lot\nR1,P001,131016,routine,MR,1,2024-01-01,+AB12C\n"),
    ];
    for (kind, text) in files {
        let path = dir.join(format!("{kind}.csv"));
        std::fs::write(&path, text).unwrap();
        let mut args = CHIYODA.to_vec();
        args.extend(["import", kind, path.to_str().unwrap()]);
        let run = sesshu(dir, &args);
        assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
    }
}

fn with<'a>(base: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = base.to_vec();
    v.extend_from_slice(rest);
    v
}

#[test]
fn accounts_create_names_the_new_users_role_apart_from_the_operators() {
    let dir = tempfile::tempdir().unwrap();
    town(dir.path());
    // The README's command: an administrator creates a staff member.
    let admin = with(CHIYODA, &["--role", "administrator"]);
    let create = |who: &[&str], role: &str| {
        let args = with(
            who,
            &[
                "accounts",
                "create",
                "--email",
                "a@example.jp",
                "--name",
                "佐藤",
                "--user-role",
                role,
            ],
        );
        sesshu(dir.path(), &args)
    };
    let run = create(&admin, "municipality");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"user_id\":\"131016-"),
        "{}",
        run.stdout
    );
    // Staff may not create users, least of all administrators.
    let run = create(CHIYODA, "administrator");
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("not_authorized"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn exports_are_private_and_never_replace_a_link_or_a_device() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    town(dir.path());
    let run = sesshu(
        dir.path(),
        &with(CHIYODA, &["records", "export", "--out", "r.csv"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mode = std::fs::metadata(dir.path().join("r.csv"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "an export of personal data is 0600");
    let db_mode = std::fs::metadata(dir.path().join("town.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(db_mode & 0o777, 0o600, "the store's file is 0600");

    // A symbolic link is refused, and what it points at is untouched.
    std::fs::write(dir.path().join("target.txt"), "keep me").unwrap();
    symlink("target.txt", dir.path().join("link.csv")).unwrap();
    let run = sesshu(
        dir.path(),
        &with(CHIYODA, &["log", "export", "--out", "link.csv"]),
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert!(std::fs::symlink_metadata(dir.path().join("link.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("target.txt")).unwrap(),
        "keep me"
    );

    // A device is refused; `-` is standard output.
    let run = sesshu(
        dir.path(),
        &with(CHIYODA, &["records", "export", "--out", "/dev/null"]),
    );
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    let run = sesshu(
        dir.path(),
        &with(CHIYODA, &["records", "export", "--out", "-"]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("P001"), "{}", run.stdout);
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_certificate_that_cannot_be_written_takes_no_number() {
    let dir = tempfile::tempdir().unwrap();
    town(dir.path());
    let issue = |out: &str| {
        let args = with(
            CHIYODA,
            &[
                "certificate",
                "issue",
                "--person",
                "P001",
                "--record",
                "R1",
                "--municipality-name",
                "千代田区",
                "--head",
                "千代田区長",
                "--out",
                out,
            ],
        );
        sesshu(dir.path(), &args)
    };
    let run = issue("/nonexistent/dir/c.pdf");
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("/nonexistent/dir/c.pdf"),
        "{}",
        run.stderr
    );
    let list = sesshu(dir.path(), &with(CHIYODA, &["certificate", "list"]));
    assert!(list.stderr.contains("0 certificates"), "{}", list.stderr);
    // The next certificate that is written takes the first number.
    let run = issue("c.pdf");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("131016-2025-000001\t"),
        "{}",
        run.stdout
    );
}

#[test]
fn only_init_creates_a_store_and_any_file_name_is_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = sesshu(
        dir.path(),
        &[
            "--db",
            "tonw.db",
            "--municipality",
            "131016",
            "records",
            "list",
        ],
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("store_missing"), "{}", run.stderr);
    assert!(run.stderr.contains("sesshu init"), "{}", run.stderr);
    assert!(
        !dir.path().join("tonw.db").exists(),
        "a typo makes no store"
    );

    for name in ["a?b.db", "c#d.db", "e%41.db"] {
        let run = sesshu(dir.path(), &["--db", name, "init", "--development"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(
            dir.path().join(name).is_file(),
            "{name} names the file it opens"
        );
        let run = sesshu(
            dir.path(),
            &["--db", name, "--municipality", "131016", "records", "list"],
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
}

fn sesshu_with(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["--now", "2025-04-01T03:00:00Z"])
        .args(args)
        .envs(env.iter().copied())
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn json_field(text: &str, key: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    v[key].as_str().unwrap().to_owned()
}

/// A store made by `sesshu init`: no identity flag is believed, every
/// command runs under a verified credential, and the log names it.
fn production_flow(db: &str, dir: &Path) {
    let run = |args: &[&str], env: &[(&str, &str)], stdin: &str| {
        let mut all = vec!["--db", db];
        all.extend_from_slice(args);
        sesshu_with(dir, &all, env, stdin)
    };
    let init = run(
        &[
            "--municipality",
            "131016",
            "init",
            "--admin-email",
            "admin@chiyoda.example.jp",
            "--admin-name",
            "千代田 管理者",
        ],
        &[],
        "",
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let user = json_field(&init.stdout, "user_id");
    let temporary = json_field(&init.stdout, "temporary_password");
    let url = json_field(&init.stdout, "url_token");
    assert_eq!(user, "131016-0001");
    // Issued once.
    let again = run(&["init"], &[], "");
    assert!(
        again.stdout.contains("the first operator is 131016-0001"),
        "{}",
        again.stdout
    );

    // Identity flags are refused; so is a command without a credential.
    let flags = run(&["--municipality", "131016", "records", "list"], &[], "");
    assert_ne!(flags.code, 0);
    assert!(
        flags.stderr.contains("takes no identity flags"),
        "{}",
        flags.stderr
    );
    assert!(flags.stderr.contains("sesshu login"), "{}", flags.stderr);
    let bare = run(&["records", "list"], &[], "");
    assert_ne!(bare.code, 0);
    assert!(bare.stderr.contains("no credential"), "{}", bare.stderr);
    let forged = run(&["records", "list"], &[("SESSHU_TOKEN", "sst_abc_def")], "");
    assert!(forged.stderr.contains("invalid_token"), "{}", forged.stderr);

    // The first operator activates the account and signs in.
    let activate = run(
        &["activate", &user],
        &[],
        &format!("{url}\n{temporary}\nKaze-no-Tani-2025!\n"),
    );
    assert_eq!(activate.code, 0, "{}", activate.stderr);
    let wrong = run(&["login", &user], &[], "not-the-password\n");
    assert_ne!(wrong.code, 0);
    let login = run(&["login", &user], &[], "Kaze-no-Tani-2025!\n");
    assert_eq!(login.code, 0, "{}", login.stderr);
    let session = dir.join(".config/sesshu/session");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&session).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the session file is 0600");
    }
    let who = run(&["whoami"], &[], "");
    assert!(
        who.stdout.starts_with("131016-0001 via os:"),
        "{}",
        who.stdout
    );
    assert!(who.stdout.contains("administrator"), "{}", who.stdout);

    // The administrator issues the health-management system's token; the
    // import runs under it.
    let token = run(&["tokens", "issue", "--label", "健康管理システム"], &[], "");
    assert_eq!(token.code, 0, "{}", token.stderr);
    let token = json_field(&token.stdout, "token");
    let persons = dir.join("persons.csv");
    std::fs::write(
        &persons,
        "management_id,subject_number,name,name_kana,birth_date,sex\nP001,S001,山田 花子,ヤマダ ハナコ,1990-05-01,female\n",
    )
    .unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let import = run(
        &[
            "--token-file",
            token_file.to_str().unwrap(),
            "import",
            "persons",
            persons.to_str().unwrap(),
        ],
        &[],
        "",
    );
    assert_eq!(import.code, 0, "{}", import.stderr);
    let residency = dir.join("residency.csv");
    std::fs::write(
        &residency,
        "management_id,municipality,from,to\nP001,131016,1990-05-01,\n",
    )
    .unwrap();
    let import = run(
        &["import", "residency", residency.to_str().unwrap()],
        &[("SESSHU_TOKEN", token.as_str())],
        "",
    );
    assert_eq!(import.code, 0, "{}", import.stderr);

    // The log names the verified actors, and beside them the OS user.
    let log = run(&["log", "search", "--subject", "P001"], &[], "");
    assert_eq!(log.code, 0, "{}", log.stderr);
    let token_id = token.split('_').nth(1).unwrap();
    assert!(
        log.stdout.contains(&format!("token:{token_id} via os:")),
        "{} / {}",
        log.stdout,
        log.stderr
    );
    assert!(!log.stdout.contains("\toperator\t"), "{}", log.stdout);

    // Signing out revokes the session.
    let saved = std::fs::read_to_string(&session).unwrap();
    let logout = run(&["logout"], &[], "");
    assert_eq!(logout.code, 0, "{}", logout.stderr);
    assert!(!session.exists());
    let replay = run(&["whoami"], &[("SESSHU_TOKEN", saved.trim())], "");
    assert!(replay.stderr.contains("token_revoked"), "{}", replay.stderr);

    // A production store never becomes a development one.
    let dev = run(&["init", "--development"], &[], "");
    assert!(dev.stderr.contains("store_mode_fixed"), "{}", dev.stderr);
}

#[test]
fn a_production_store_runs_only_under_verified_credentials_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("town.db");
    production_flow(db.to_str().unwrap(), dir.path());
}

#[test]
fn a_production_store_runs_only_under_verified_credentials_on_postgres() {
    let db = support::Database::new("sesshu_identity");
    let dir = tempfile::tempdir().unwrap();
    production_flow(&db.url, dir.path());
}

#[test]
fn token_validity_is_checked_and_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    town(dir.path());
    for (days, label) in [("99999999999", "x"), ("-5", "x"), ("0", "x"), ("30", "")] {
        let run = sesshu(
            dir.path(),
            &with(
                CHIYODA,
                &["tokens", "issue", "--label", label, "--valid-days", days],
            ),
        );
        assert_eq!(
            run.code, 1,
            "{days} {label:?}: a refusal, not a panic: {}",
            run.stderr
        );
        assert!(run.stderr.contains("invalid_token_"), "{}", run.stderr);
    }
}

/// A byte-order mark inside a field (a file joined from several) is refused
/// naming its row and column, and nothing of that row lands; a header that
/// names a column twice refuses the file before any row is read.
#[test]
fn a_bom_inside_a_field_and_a_repeated_header_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let init = sesshu(d, &["--db", "town.db", "init", "--development"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let joined = d.join("joined.csv");
    std::fs::write(
        &joined,
        "\u{feff}management_id,subject_number,name,name_kana,birth_date,sex\n\
         P001,S001,山田 花子,ヤマダ ハナコ,1990-05-01,female\n\
         P002,S002,\u{feff}鈴木 一郎,スズキ イチロウ,1990-05-01,male\n",
    )
    .unwrap();
    let run = sesshu(
        d,
        &with(CHIYODA, &["import", "persons", joined.to_str().unwrap()]),
    );
    assert_ne!(run.code, 0, "{}", run.stdout);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("byte_order_mark_in_field"), "{all}");
    assert!(all.contains("row 2"), "{all}");
    assert!(all.contains("name"), "{all}");
    assert!(all.contains("1 created"), "{all}");
    // Nothing of row 2 landed: the mended file creates P002.
    let mended = d.join("mended.csv");
    std::fs::write(
        &mended,
        "management_id,subject_number,name,name_kana,birth_date,sex\n\
         P001,S001,山田 花子,ヤマダ ハナコ,1990-05-01,female\n\
         P002,S002,鈴木 一郎,スズキ イチロウ,1990-05-01,male\n",
    )
    .unwrap();
    let run = sesshu(
        d,
        &with(CHIYODA, &["import", "persons", mended.to_str().unwrap()]),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("1 created, 0 updated, 1 unchanged"),
        "{}",
        run.stdout
    );

    let twice = d.join("twice.csv");
    std::fs::write(
        &twice,
        "management_id,subject_number,name,name_kana,birth_date,sex,name\n\
         P003,S003,佐藤 一郎,サトウ イチロウ,1990-05-01,male,別名\n",
    )
    .unwrap();
    let run = sesshu(
        d,
        &with(CHIYODA, &["import", "persons", twice.to_str().unwrap()]),
    );
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("\"name\" is named twice (columns 3 and 7)"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("created"), "{}", run.stdout);
}

/// The log cut short: the newest entries deleted and the head row
/// rewritten to match, the head row deleted, everything deleted. The
/// chain alone cannot see the first; a signed checkpoint makes each fail.
#[test]
fn a_log_cut_short_fails_verification_against_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    town(d);
    let keygen = sesshu(d, &["log", "keygen", "--out", "log.key"]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let mode = |p: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(d.join(p)).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode("log.key"), 0o600);
    let again = sesshu(d, &["log", "keygen", "--out", "log.key"]);
    assert_ne!(again.code, 0, "a key is never replaced");
    let checkpoint = sesshu(
        d,
        &with(
            CHIYODA,
            &["log", "checkpoint", "--key", "log.key", "--out", "c.json"],
        ),
    );
    assert_eq!(checkpoint.code, 0, "{}", checkpoint.stderr);
    let verify = |db: &str| {
        sesshu(
            d,
            &[
                "--db",
                db,
                "--municipality",
                "131016",
                "log",
                "verify",
                "--checkpoint",
                "c.json",
                "--key",
                "log.key.pub",
            ],
        )
    };
    let plain = |db: &str| {
        sesshu(
            d,
            &["--db", db, "--municipality", "131016", "log", "verify"],
        )
    };
    let ok = verify("town.db");
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    // A forged checkpoint (another key) is refused.
    let other = sesshu(d, &["log", "keygen", "--out", "other.key"]);
    assert_eq!(other.code, 0);
    let forged = sesshu(
        d,
        &[
            "--db",
            "town.db",
            "--municipality",
            "131016",
            "log",
            "verify",
            "--checkpoint",
            "c.json",
            "--key",
            "other.key.pub",
        ],
    );
    assert_ne!(forged.code, 0);
    assert!(
        forged.stderr.contains("checkpoint_signature_invalid"),
        "{}",
        forged.stderr
    );

    let cases: [(&str, &str, bool); 3] = [
        (
            "cut.db",
            "DELETE FROM access_log WHERE seq > (SELECT max(seq) - 2 FROM access_log);
             UPDATE log_head SET seq = (SELECT max(seq) FROM access_log),
                                 hash = (SELECT hash FROM access_log ORDER BY seq DESC LIMIT 1);",
            true,
        ),
        ("headless.db", "DELETE FROM log_head;", false),
        (
            "empty.db",
            "DELETE FROM access_log; DELETE FROM log_head;",
            true,
        ),
    ];
    for (db, sql, chain_alone_is_fooled) in cases {
        std::fs::copy(d.join("town.db"), d.join(db)).unwrap();
        rusqlite::Connection::open(d.join(db))
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        let alone = plain(db);
        assert_eq!(
            alone.code == 0,
            chain_alone_is_fooled,
            "{db}: {}",
            alone.stdout
        );
        let run = verify(db);
        assert_ne!(run.code, 0, "{db}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("TAMPERED"), "{db}: {}", run.stdout);
    }
}
