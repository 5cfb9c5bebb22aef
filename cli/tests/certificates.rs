//! `sesshu certificate issue|list|export` through the binary, on SQLite and
//! on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;

fn sesshu(db: &str, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["--db", db, "--municipality", "131016", "--user", "clerk"])
        .args(["--now", "2025-04-01T03:00:00Z"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn flows(db: &str, dir: &Path) {
    assert_eq!(sesshu(db, dir, &["init", "--development"]).0, 0);
    let files = [
        ("persons", "management_id,subject_number,name,name_kana,birth_date,sex\nP001,S001,山田 花子,ヤマダ ハナコ,1990-05-01,female\n"),
        ("residency", "management_id,municipality,from,to\nP001,131016,1990-05-01,\n"),
        ("records", "id,management_id,responsible,category,vaccine,dose_number,date,lot,institution\nR1,P001,131016,routine,MR,1,2024-01-01,AB12C,1311234502\nT1,P001,131016,temporary,COVID19,3,2024-02-01,,\n"),
    ];
    for (kind, text) in files {
        let path = dir.join(format!("{kind}.csv"));
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = sesshu(db, dir, &["import", kind, path.to_str().unwrap()]);
        assert_eq!(code, 0, "{kind}: {err}");
    }
    let issuer = [
        "--municipality-name",
        "千代田区",
        "--head",
        "千代田区長　千代田　太郎",
    ];
    let pdf = dir.join("c1.pdf");
    let mut args = vec![
        "certificate",
        "issue",
        "--person",
        "P001",
        "--record",
        "R1",
        "--out",
        pdf.to_str().unwrap(),
    ];
    args.extend(issuer);
    let (code, out, err) = sesshu(db, dir, &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("131016-2025-000001\tform 1"), "{out}");
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("山田 花子")
            && text.contains("131016-2025-000001")
            && text.contains("令和6年1月1日"),
        "{text}"
    );
    // No vaccine-type master yet: the certificate prints the code.
    assert!(text.contains("MR"), "{text}");

    // Form 3 needs the travel details; a delegate needs the letter checked.
    let pdf3 = dir.join("c3.pdf");
    let mut args = vec![
        "certificate",
        "issue",
        "--person",
        "P001",
        "--record",
        "T1",
        "--form",
        "3",
        "--out",
        pdf3.to_str().unwrap(),
    ];
    args.extend(issuer);
    let (code, _, err) = sesshu(db, dir, &args);
    assert_ne!(code, 0);
    assert!(err.contains("travel_details_required"), "{err}");
    args.extend([
        "--passport",
        "TK1234567",
        "--nationality",
        "JPN",
        "--name-roman",
        "YAMADA HANAKO",
        "--applicant",
        "delegate",
    ]);
    let (_, _, err) = sesshu(db, dir, &args);
    assert!(err.contains("delegation_not_checked"), "{err}");
    args.push("--delegation-checked");
    let (code, out, err) = sesshu(db, dir, &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("form 3"), "{out}");

    // The portal's certificate is signed: without a signer it is refused.
    let keys = dir.join("signers");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/throwaway-signer");
    assert!(Command::new(script).arg(&keys).status().unwrap().success());
    let signed = dir.join("portal.pdf");
    let mut args = vec![
        "certificate",
        "issue",
        "--person",
        "P001",
        "--record",
        "R1",
        "--channel",
        "portal",
        "--out",
        signed.to_str().unwrap(),
    ];
    args.extend(issuer);
    let (code, _, err) = sesshu(db, dir, &args);
    assert_ne!(code, 0);
    assert!(err.contains("signer_required"), "{err}");
    assert!(!signed.exists(), "nothing written");
    let (key, cert) = (keys.join("ec.key"), keys.join("rsa.pem"));
    args.extend(["--sign-key", key.to_str().unwrap()]);
    args.extend(["--sign-cert", cert.to_str().unwrap()]);
    let (_, _, err) = sesshu(db, dir, &args);
    assert!(err.contains("signing_key_mismatch"), "{err}");
    let cert = keys.join("ec.pem");
    let n = args.len();
    args[n - 1] = cert.to_str().unwrap();
    let (code, out, err) = sesshu(db, dir, &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("131016-2025-000003\tform 1"), "{out}");
    let report = Command::new("pdfsig").arg(&signed).output().unwrap();
    let report = String::from_utf8_lossy(&report.stdout);
    assert!(report.contains("Signature is Valid"), "{report}");

    // The same signer from the environment.
    let from_env = dir.join("portal-env.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(["--db", db, "--municipality", "131016", "--user", "clerk"])
        .args(["--now", "2025-04-01T03:00:00Z"])
        .args(["certificate", "issue", "--person", "P001", "--record", "R1"])
        .args(["--channel", "portal", "--out", from_env.to_str().unwrap()])
        .args(issuer)
        .env("SESSHU_SIGN_KEY", keys.join("ec.key"))
        .env("SESSHU_SIGN_CERT", keys.join("ec.pem"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = Command::new("pdfsig").arg(&from_env).output().unwrap();
    assert!(String::from_utf8_lossy(&report.stdout).contains("Signature is Valid"));

    let (code, out, _) = sesshu(db, dir, &["certificate", "list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[3].ends_with("千代田区長 (ec)"), "{out}");
    assert!(
        lines[1].contains("TK1234567") && lines[1].contains("delegate\ttrue"),
        "{out}"
    );
    let csv = dir.join("register.csv");
    let (code, _, err) = sesshu(
        db,
        dir,
        &["certificate", "export", "--out", csv.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert_eq!(String::from_utf8_lossy(&bytes).lines().count(), 5);
    // The register downloads like the records: Shift_JIS on request.
    let (code, sjis, err) = sesshu(
        db,
        dir,
        &["certificate", "export", "--encoding", "shift-jis"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!sjis.starts_with('\u{feff}'));
    assert_eq!(sjis.lines().count(), 5, "{sjis}");

    // With the vaccine-type and institution masters (MHLW's, and the
    // institution's own), the certificate prints names as of the
    // vaccination date: the version valid on 2024-01-01, not the later one.
    let as_owner = |who: &[&str], kind: &str, text: &str| {
        let path = dir.join(format!("{kind}.csv"));
        std::fs::write(&path, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_sesshu"))
            .args(["--db", db, "--user", "uploader"])
            .args(who)
            .args(["masters", "import", kind, path.to_str().unwrap()])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    as_owner(
        &["--org", "MHLW", "--org-type", "mhlw", "--role", "mhlw"],
        "vaccine_types",
        "code,name,name_en,valid_from,valid_to\n\
         MR,麻しん風しん混合,Measles-Rubella,2006-04-01,2025-01-01\n\
         MR,新MRワクチン,,2025-01-01,\n",
    );
    as_owner(
        &[
            "--org",
            "1311234502",
            "--org-type",
            "medical_institution",
            "--role",
            "medical_staff",
        ],
        "institutions",
        "code,name,municipality,valid_from\n1311234502,千代田こどもクリニック,131016,2000-01-01\n",
    );
    let pdf = dir.join("named.pdf");
    let mut args = vec!["certificate", "issue", "--person", "P001", "--record", "R1"];
    args.extend(["--out", pdf.to_str().unwrap()]);
    args.extend(issuer);
    let (code, _, err) = sesshu(db, dir, &args);
    assert_eq!(code, 0, "{err}");
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("麻しん風しん混合"), "{text}");
    assert!(!text.contains("新MRワクチン"), "{text}");
    assert!(text.contains("千代田こどもクリニック"), "{text}");
}

#[test]
fn certificates_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    flows(db.to_str().unwrap(), dir.path());
}

#[test]
fn certificates_on_postgres() {
    let db = support::Database::new("sesshu_cert");
    let dir = tempfile::tempdir().unwrap();
    flows(&db.url, dir.path());
}
