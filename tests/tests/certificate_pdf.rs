//! The certificate PDF (issue 6): every form renders, embeds a subset font,
//! reads back with poppler, stays small and repeats byte for byte; signed,
//! it verifies with poppler's pdfsig, and stops verifying when tampered with.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDate, Utc};
use sesshu_core::certificate::document::{CertificateDocument, CertifiedVaccination};
use sesshu_core::certificate::pdf::render;
use sesshu_core::certificate::signature::{SignatureError, Signer};
use sesshu_core::certificate::{CertificateForm, TravelDetails, TravelDetailsInput};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn document(form: CertificateForm) -> CertificateDocument {
    CertificateDocument {
        form,
        certificate_number: format!("131016-2025-00{}", form.number()),
        issue_date: day("2025-04-01"),
        municipality: "千代田区".into(),
        head: "千代田区長　千代田　太郎".into(),
        name: "髙橋 吉子".into(),
        name_kana: "タカハシ ヨシコ".into(),
        birth_date: day("1990-05-01"),
        vaccinations: vec![
            CertifiedVaccination {
                vaccine: "麻しん風しん混合".into(),
                dose_number: 1,
                date: day("2019-05-01"),
                lot: Some("AB12C".into()),
                institution: Some("千代田区立こども診療所".into()),
            },
            CertifiedVaccination {
                vaccine: "新型コロナウイルス感染症".into(),
                dose_number: 3,
                date: day("2024-02-01"),
                lot: None,
                institution: Some(
                    "医療法人社団 丸の内記念会 東京駅前内科・小児科クリニック".into(),
                ),
            },
        ],
        travel: (form == CertificateForm::Form3).then(|| {
            TravelDetails::parse(&TravelDetailsInput {
                passport_number: "TK1234567".into(),
                nationality: "JPN".into(),
                name_roman: "TAKAHASHI YOSHIKO".into(),
            })
            .unwrap()
        }),
    }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("certificates");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (Debian poppler-utils) is needed: {e}"));
    assert!(out.status.success(), "{tool} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_form_renders_reads_back_and_repeats() {
    for form in [
        CertificateForm::Form1,
        CertificateForm::Form2,
        CertificateForm::Form3,
    ] {
        let doc = document(form);
        let bytes = render(&doc).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(
            bytes.len() <= 60 * 1024,
            "form {}: {} bytes",
            form.number(),
            bytes.len()
        );
        assert_eq!(
            render(&doc).unwrap(),
            bytes,
            "identical input, identical bytes"
        );
        let path = out_dir().join(format!("form{}.pdf", form.number()));
        std::fs::write(&path, &bytes).unwrap();
        let p = path.to_str().unwrap();

        let fonts = poppler("pdffonts", &[p]);
        let line = fonts
            .lines()
            .find(|l| l.contains("IPAexMincho"))
            .unwrap_or_else(|| panic!("{fonts}"));
        assert!(
            line.contains("yes yes yes"),
            "embedded, subset, unicode: {line}"
        );

        let text = poppler("pdftotext", &["-layout", p, "-"]);
        for expected in [
            "予",
            "髙橋 吉子",
            "令和元年5月1日",
            "令和6年2月1日",
            "令和7年4月1日",
            &doc.certificate_number,
            "予防接種法",
            "千代田区長",
        ] {
            assert!(
                text.contains(expected),
                "form {}: {expected:?} missing from\n{text}",
                form.number()
            );
        }
        if form == CertificateForm::Form3 {
            for expected in [
                "TK1234567",
                "JPN",
                "TAKAHASHI YOSHIKO",
                "Preventive Vaccination Act",
                "2019-05-01",
            ] {
                assert!(text.contains(expected), "form 3: {expected:?} missing");
            }
        }
    }
}

#[test]
fn bad_documents_are_refused() {
    let mut doc = document(CertificateForm::Form1);
    doc.vaccinations.clear();
    assert_eq!(render(&doc).unwrap_err().code(), "nothing_to_certify");
    let mut doc = document(CertificateForm::Form3);
    doc.travel = None;
    assert_eq!(render(&doc).unwrap_err().code(), "travel_details_required");
    // 𠮷 (U+20BB7) is not in IPAex Mincho: refused, never printed blank.
    let mut doc = document(CertificateForm::Form1);
    doc.name = "髙橋 𠮷子".into();
    let err = render(&doc).unwrap_err();
    assert_eq!(err.code(), "unprintable_character");
    assert!(err.to_string().contains("name"), "{err}");
    let mut doc = document(CertificateForm::Form1);
    doc.birth_date = day("1850-01-01");
    assert!(render(&doc).is_err(), "no 和暦 before 1873");
}

/// A throwaway CA and signers, made once per run by `scripts/throwaway-signer`.
fn signers() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = out_dir().join("signers");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/throwaway-signer");
        let ok = Command::new(script).arg(&dir).status().unwrap().success();
        assert!(ok, "scripts/throwaway-signer failed");
        dir
    })
}

fn signer(kind: &str) -> Signer {
    let read = |name: String| std::fs::read_to_string(signers().join(name)).unwrap();
    Signer::from_pem(&read(format!("{kind}.key")), &read(format!("{kind}.pem"))).unwrap()
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn pdfsig(path: &Path) -> String {
    let out = Command::new("pdfsig")
        .arg(path)
        .output()
        .expect("pdfsig (Debian poppler-utils) is needed");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn signed_certificates_verify_and_tampering_is_found() {
    let unsigned = render(&document(CertificateForm::Form3)).unwrap();
    for kind in ["rsa", "ec"] {
        let signer = signer(kind);
        let at = instant("2025-04-01T03:00:00Z");
        let signed = signer.sign(&unsigned, at, "予防接種済証の発行").unwrap();
        assert!(signed.starts_with(&unsigned), "an incremental update");
        assert_eq!(
            signer.sign(&unsigned, at, "予防接種済証の発行").unwrap(),
            signed,
            "{kind}: same input, same signed bytes"
        );
        assert!(signed.len() <= 60 * 1024, "{kind}: {} bytes", signed.len());
        let path = out_dir().join(format!("signed-{kind}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        let report = pdfsig(&path);
        assert!(
            report.contains("Signature is Valid"),
            "{kind}: pdfsig says\n{report}"
        );
        assert!(report.contains("ETSI.CAdES.detached"), "{report}");
        assert!(report.contains("千代田区長"), "signer named: {report}");
        let text = poppler("pdftotext", &[path.to_str().unwrap(), "-"]);
        assert!(text.contains("髙橋 吉子"), "still the certificate");

        // One byte changed inside the signed range: the page's content stream.
        let mut tampered = signed.clone();
        let content = tampered.windows(7).rposition(|w| w == b"stream\n").unwrap();
        tampered[content + 20] ^= 0x01;
        let path = out_dir().join(format!("tampered-{kind}.pdf"));
        std::fs::write(&path, &tampered).unwrap();
        let report = pdfsig(&path);
        assert!(
            !report.contains("Signature is Valid"),
            "{kind}: tampered file still valid:\n{report}"
        );
        assert!(
            report.contains("Digest Mismatch") || report.contains("Signature is Invalid"),
            "{kind}: {report}"
        );
    }
}

#[test]
fn bad_keys_and_certificates_are_refused() {
    let read = |name: &str| std::fs::read_to_string(signers().join(name)).unwrap();
    let code = |r: Result<Signer, SignatureError>| r.err().map(|e| e.code());
    assert_eq!(
        code(Signer::from_pem(&read("rsa.key"), &read("ec.pem"))),
        Some("signing_key_mismatch")
    );
    assert_eq!(
        code(Signer::from_pem(&read("ec.key"), "")),
        Some("invalid_signing_certificate")
    );
    assert_eq!(
        code(Signer::from_pem(&read("ca.pem"), &read("ec.pem"))),
        Some("invalid_signing_key")
    );
    let signer = signer("ec");
    assert!(!format!("{signer:?}").contains(&read("ec.key")[30..60]));
    assert_eq!(signer.algorithm(), "ECDSA P-256 with SHA-256");
    let pdf = render(&document(CertificateForm::Form1)).unwrap();
    let late = signer.sign(&pdf, instant("2036-01-01T00:00:00Z"), "r");
    assert_eq!(
        late.err().map(|e| e.code()),
        Some("signing_certificate_not_valid")
    );
    let e = signer.sign(b"%PDF-1.3\nnot a pdf", instant("2025-04-01T00:00:00Z"), "r");
    assert_eq!(e.err().map(|e| e.code()), Some("unsignable_pdf"));
}

#[test]
fn many_vaccinations_continue_on_numbered_sheets() {
    for (form, count) in [
        (CertificateForm::Form1, 12),
        (CertificateForm::Form1, 16),
        (CertificateForm::Form1, 40),
        (CertificateForm::Form3, 30),
    ] {
        let mut doc = document(form);
        let first = doc.vaccinations[0].clone();
        doc.vaccinations = (0..count)
            .map(|i| CertifiedVaccination {
                dose_number: (i % 4 + 1) as u8,
                lot: Some(format!("LOT{i:03}")),
                ..first.clone()
            })
            .collect();
        let bytes = render(&doc).unwrap();
        assert_eq!(render(&doc).unwrap(), bytes, "repeatable");
        let path = out_dir().join(format!("long-form{}-{count}.pdf", form.number()));
        std::fs::write(&path, &bytes).unwrap();
        let p = path.to_str().unwrap();
        let info = poppler("pdfinfo", &[p]);
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .map(|n| n.trim().parse().unwrap())
            .unwrap();
        let text = poppler("pdftotext", &["-layout", p, "-"]);
        // Every row printed once, on some sheet; the statement once, last.
        for i in 0..count {
            assert_eq!(
                text.matches(&format!("LOT{i:03}")).count(),
                1,
                "{count}: row {i}"
            );
        }
        assert_eq!(text.matches("予防接種法による").count(), 1);
        let last_sheet = text
            .split('\u{c}')
            .rev()
            .find(|s| !s.trim().is_empty())
            .unwrap();
        assert!(
            last_sheet.contains("千代田区長"),
            "signed off on the last sheet"
        );
        assert!(
            last_sheet.contains("LOT"),
            "the statement never stands alone"
        );
        if pages > 1 {
            let compact = text.replace(' ', "");
            assert!(compact.contains(&format!("{pages}/{pages}")), "{text}");
            assert!(text.contains("予防接種済証（続き）"));
        } else {
            assert!(
                !text.replace(' ', "").contains("1/1"),
                "no number on a single sheet"
            );
        }
        if count >= 30 {
            assert!(pages >= 2, "{count} rows on {pages} sheet(s)");
        }
    }
}
