//! Certificate PDFs per second (issue 6), side by side with ReportLab
//! drawing the same page with the same font
//! (`benches/python/reportlab_certificate.py`, run at the end of this bench
//! when a Python with ReportLab is there: see docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sesshu_core::certificate::document::{CertificateDocument, CertifiedVaccination};
use sesshu_core::certificate::pdf::render;
use sesshu_core::certificate::signature::Signer;
use sesshu_core::certificate::CertificateForm;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn document() -> CertificateDocument {
    let v = |vaccine: &str, dose, date, lot: Option<&str>, inst: &str| CertifiedVaccination {
        vaccine: vaccine.into(),
        dose_number: dose,
        date: day(date),
        lot: lot.map(Into::into),
        institution: Some(inst.into()),
    };
    CertificateDocument {
        form: CertificateForm::Form1,
        certificate_number: "131016-2025-001".into(),
        issue_date: day("2025-04-01"),
        municipality: "千代田区".into(),
        head: "千代田区長　千代田　太郎".into(),
        name: "髙橋 吉子".into(),
        name_kana: "タカハシ ヨシコ".into(),
        birth_date: day("1990-05-01"),
        vaccinations: vec![
            v(
                "麻しん風しん混合",
                1,
                "2019-05-01",
                Some("AB12C"),
                "千代田区立こども診療所",
            ),
            v(
                "新型コロナウイルス感染症",
                3,
                "2024-02-01",
                None,
                "丸の内記念会 東京駅前内科",
            ),
        ],
        travel: None,
    }
}

fn certificates(c: &mut Criterion) {
    let doc = document();
    let size = render(&doc).unwrap().len();
    eprintln!("form 1 certificate: {size} bytes");
    let mut g = c.benchmark_group("certificate_pdf");
    g.throughput(Throughput::Elements(1));
    g.bench_function("render_form1_one_thread", |b| {
        b.iter(|| render(&doc).unwrap())
    });
    // Signed as on the portal: keys from the test CA script.
    let keys = std::env::temp_dir().join("sesshu-bench-signers");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/throwaway-signer");
    let made = std::process::Command::new(script).arg(&keys).status();
    if made.is_ok_and(|s| s.success()) {
        let pdf = render(&doc).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2025-04-01T03:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        for kind in ["rsa", "ec"] {
            let read = |n: String| std::fs::read_to_string(keys.join(n)).unwrap();
            let signer =
                Signer::from_pem(&read(format!("{kind}.key")), &read(format!("{kind}.pem")))
                    .unwrap();
            let name = format!("sign_form1_{}", signer.algorithm().replace(' ', "_"));
            g.bench_function(name, |b| {
                b.iter(|| signer.sign(&pdf, at, "予防接種済証の発行").unwrap())
            });
        }
    }
    g.finish();
    reportlab_beside(size);
}

/// ReportLab drawing the same page with the same font, in the same run:
/// `SESSHU_REPORTLAB_PYTHON` (default `python3`) with `reportlab` installed.
fn reportlab_beside(our_size: usize) {
    let python = std::env::var("SESSHU_REPORTLAB_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/python/reportlab_certificate.py"
    );
    match std::process::Command::new(&python)
        .args([script, "300"])
        .output()
    {
        Ok(out) if out.status.success() => eprintln!(
            "{}sesshu: {our_size} bytes",
            String::from_utf8_lossy(&out.stdout)
        ),
        _ => eprintln!(
            "ReportLab not measured: `{python} -m pip install reportlab` (or set SESSHU_REPORTLAB_PYTHON)"
        ),
    }
}

criterion_group!(benches, certificates);
criterion_main!(benches);
