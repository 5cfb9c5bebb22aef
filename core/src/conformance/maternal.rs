//! Maternal and child health data (H-7): every template filled and
//! uploaded, per-row refusals, nothing registered twice, interface files,
//! reading under the residency rule.

use super::*;
use crate::maternal::{catalog, DataSet, Item, ItemType};
use crate::service::{CsvEncoding, ExportOptions};

/// A plausible value of `item` for the `n`th generated row.
pub fn sample_value(item: &Item, n: usize) -> String {
    match item.ty {
        ItemType::Date => format!("2026-11-{:02}", 1 + n % 28),
        ItemType::Integer { min, max } => (min + (n as i64) % (max - min + 1)).to_string(),
        ItemType::Measure { scale, min, .. } => crate::maternal::format_measure(min, scale),
        ItemType::Code(codes) => codes[n % codes.len()].value.to_owned(),
        ItemType::Text { .. } => format!("所見{n}"),
    }
}

/// `rows` generated rows of `set` as CSV lines (after a header), subject
/// numbers from `S{first}`.
pub fn sample_rows(set: &DataSet, first: usize, rows: usize) -> String {
    (first..first + rows)
        .map(|n| {
            let mut fields = vec![format!("S{n:05}")];
            fields.extend(set.items.iter().map(|i| sample_value(i, n)));
            fields.join(",") + "\n"
        })
        .collect()
}

fn chiyoda_staff() -> Actor {
    staff(CHIYODA)
}

pub fn every_maternal_template_uploads_generated_rows_cleanly(store: Arc<dyn Store>) {
    let s = services(store, 0);
    for set in catalog::ALL {
        let template = s
            .maternal_template(set.name, ExportOptions::default())
            .unwrap();
        let mut file = template.clone();
        file.extend(sample_rows(set, 1, 3).into_bytes());
        let up = s
            .upload_maternal_csv(
                &chiyoda_staff(),
                set.name,
                &file,
                CsvEncoding::Utf8Bom,
                false,
            )
            .unwrap();
        assert_eq!(
            (up.rows, up.registered, up.unchanged, up.refused.len()),
            (3, 3, 0, 0),
            "{}: {:?}",
            set.name,
            up.refused
        );
        let again = s
            .upload_maternal_csv(
                &chiyoda_staff(),
                set.name,
                &file,
                CsvEncoding::Utf8Bom,
                false,
            )
            .unwrap();
        assert_eq!((again.registered, again.unchanged), (0, 3), "{}", set.name);
        let mut out = Vec::new();
        let n = s
            .export_maternal_csv(
                &chiyoda_staff(),
                set.name,
                &mut out,
                ExportOptions::default(),
            )
            .unwrap();
        assert_eq!(n, 3);
        let back = s
            .upload_maternal_csv(
                &chiyoda_staff(),
                set.name,
                &out,
                CsvEncoding::Utf8Bom,
                false,
            )
            .unwrap();
        assert_eq!(
            (back.registered, back.unchanged, back.refused.len()),
            (0, 3, 0)
        );
        // The template in Shift_JIS, as Excel for Japan saves it.
        let sjis = s
            .maternal_template(
                set.name,
                ExportOptions {
                    encoding: CsvEncoding::ShiftJis,
                    replacement: None,
                },
            )
            .unwrap();
        let mut file = sjis;
        file.extend(
            encoding_rs::SHIFT_JIS
                .encode(&sample_rows(set, 10, 2))
                .0
                .iter(),
        );
        let up = s
            .upload_maternal_csv(
                &chiyoda_staff(),
                set.name,
                &file,
                CsvEncoding::ShiftJis,
                false,
            )
            .unwrap();
        assert_eq!((up.registered, up.refused.len()), (2, 0), "{}", set.name);
    }
}

pub fn a_mixed_maternal_file_registers_the_good_and_returns_the_bad(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let set = &catalog::INFANT_3_4M;
    let header = set.columns().join(",");
    let good = sample_rows(set, 1, 2);
    let file = format!(
        "{header}\n{good}\
         S00003,2026-13-01,,,,,,,,,1,\n\
         S00004,2026-11-02,90,99999,,,,,,,1,\n\
         S00005,2026-11-02,,,,,,9,,,1,\n\
         S00006,2026-11-02,,,,,,,,,,\n\
         S00001,2026-11-02,,,,,,,,,1,\n\
         ,2026-11-02,,,,,,,,,1,\n"
    );
    let dry = s
        .upload_maternal_csv(
            &chiyoda_staff(),
            set.name,
            file.as_bytes(),
            CsvEncoding::Utf8Bom,
            true,
        )
        .unwrap();
    assert_eq!((dry.registered, dry.refused.len()), (2, 6));
    assert!(store
        .maternal_rows(set, code(CHIYODA), None, 10)
        .unwrap()
        .is_empty());
    let up = s
        .upload_maternal_csv(
            &chiyoda_staff(),
            set.name,
            file.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap();
    assert_eq!((up.rows, up.registered), (8, 2));
    let refusals: Vec<(usize, Option<&str>, &str)> = up
        .refused
        .iter()
        .map(|r| (r.row, r.column.as_deref(), r.code.as_str()))
        .collect();
    assert_eq!(
        refusals,
        vec![
            (3, Some("exam_date"), "invalid_item_value"),
            (4, Some("weight_g"), "invalid_item_value"),
            (5, Some("feeding"), "invalid_item_value"),
            (6, Some("judgment"), "required_item_missing"),
            (7, Some("subject_number"), "invalid_item_value"),
            (8, Some("subject_number"), "required_item_missing"),
        ]
    );
    assert_eq!(up.refused[1].original[0], "S00004");
    let errors = String::from_utf8(
        s.maternal_errors_csv(&up, ExportOptions::default())
            .unwrap(),
    )
    .unwrap();
    assert!(errors.starts_with("\u{feff}row,column,reason,subject_number,exam_date"));
    assert!(errors.contains("\r\n4,weight_g,"), "{errors}");
    // Corrected, the refused rows register; the good ones are not doubled.
    let fixed = format!("{header}\n{good}S00003,2026-11-03,,,,,,,,,1,\n");
    let up = s
        .upload_maternal_csv(
            &chiyoda_staff(),
            set.name,
            fixed.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap();
    assert_eq!((up.registered, up.unchanged, up.refused.len()), (1, 2, 0));
    // A file in the wrong shape is refused whole.
    let e = s
        .upload_maternal_csv(
            &chiyoda_staff(),
            set.name,
            b"subject_number,shoe_size\nS1,24\n",
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap_err();
    assert_eq!(e.code(), "unknown_item");
    let e = s
        .upload_maternal_csv(
            &chiyoda_staff(),
            set.name,
            b"subject_number,exam_date\nS1,2026-11-01\n",
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap_err();
    assert_eq!(e.code(), "missing_column");
    let e = s
        .upload_maternal_csv(
            &chiyoda_staff(),
            "no_such_set",
            b"",
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap_err();
    assert_eq!(e.code(), "unknown_data_set");
    let e = s
        .upload_maternal_csv(
            &central(),
            set.name,
            fixed.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap_err();
    assert_eq!(e.code(), "not_authorized");
}

pub fn maternal_interface_files_are_checked_and_answered(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let file = |interface: &str, version: i64, municipality: &str| {
        format!(
            r#"{{"interface":"{interface}","version":{version},"municipality":"{municipality}","rows":[
              {{"subject_number":"S1","exam_date":"2026-11-04","judgment":"1","caries_teeth":2}},
              {{"subject_number":"S2","exam_date":"2026-11-04","judgment":"7"}},
              {{"subject_number":"S3","exam_date":"2026-11-05","judgment":"4","note":null}}]}}"#
        )
    };
    for (bad, code_) in [
        (file("H_071-099_IF", 1, CHIYODA), "interface_file_refused"),
        (file("H_071-001_IF", 2, CHIYODA), "interface_file_refused"),
        (file("infant_1y6m", 1, CHIYODA), "interface_file_refused"),
        ("not json".to_owned(), "interface_file_refused"),
        (file("H_071-001_IF", 1, YOKOHAMA), "not_authorized"),
    ] {
        let e = s
            .receive_maternal(&chiyoda_staff(), bad.as_bytes())
            .unwrap_err();
        assert_eq!(e.code(), code_, "{bad}");
    }
    assert!(store
        .maternal_rows(&catalog::INFANT_1Y6M, code(CHIYODA), None, 10)
        .unwrap()
        .is_empty());
    let r = s
        .receive_maternal(
            &chiyoda_staff(),
            file("H_071-001_IF", 1, CHIYODA).as_bytes(),
        )
        .unwrap();
    assert_eq!(
        (r.data_set.as_str(), r.received, r.registered, r.unchanged),
        ("infant_1y6m", 3, 2, 0)
    );
    assert_eq!(r.refused.len(), 1);
    assert_eq!(
        (
            r.refused[0].position,
            r.refused[0].item.as_deref(),
            r.refused[0].code.as_str()
        ),
        (2, Some("judgment"), "invalid_item_value")
    );
    assert!(r.to_json().contains("\"registered\": 2"));
    let again = s
        .receive_maternal(
            &chiyoda_staff(),
            file("H_071-001_IF", 1, CHIYODA).as_bytes(),
        )
        .unwrap();
    assert_eq!((again.registered, again.unchanged), (0, 2));
}

pub fn maternal_data_follows_the_residency_rule(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    s.put_persons(
        &staff(CHIYODA),
        vec![person("A1", "山田 花子", "ヤマダ ハナコ")],
    )
    .unwrap();
    let set = &catalog::PREGNANCY_NOTIFICATION;
    let header = set.columns().join(",");
    let row = |on: &str| format!("{header}\nSA1,{on},,,,,,\n");
    for (m, on) in [(SAPPORO, "2019-05-01"), (CHIYODA, "2024-05-01")] {
        let up = s
            .upload_maternal_csv(
                &staff(m),
                set.name,
                row(on).as_bytes(),
                CsvEncoding::Utf8Bom,
                false,
            )
            .unwrap();
        assert_eq!(up.registered, 1, "{m}");
    }
    let seen = |m: &str| {
        s.maternal_data_of(&staff(m), "SA1")
            .unwrap()
            .iter()
            .map(|r| r.municipality.to_string())
            .collect::<Vec<_>>()
    };
    // The municipality of residence sees both; the former one its own; a
    // municipality the subject never lived in nothing.
    assert_eq!(seen(CHIYODA).len(), 2);
    assert_eq!(seen(SAPPORO), vec![SAPPORO.to_owned()]);
    assert!(seen(YOKOHAMA).is_empty());
    // A subject the store does not know: only the registering municipality.
    let up = s
        .upload_maternal_csv(
            &staff(YOKOHAMA),
            set.name,
            format!("{header}\nSZ9,2026-01-05,,,,,,\n").as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap();
    assert_eq!(up.registered, 1);
    assert_eq!(
        s.maternal_data_of(&staff(YOKOHAMA), "SZ9").unwrap().len(),
        1
    );
    assert!(s
        .maternal_data_of(&staff(CHIYODA), "SZ9")
        .unwrap()
        .is_empty());
    // Every read is in the access log, under the subject when known.
    let log = store.log_entries(0, 1_000).unwrap();
    let reads: Vec<_> = log
        .iter()
        .filter(|e| e.draft.action == AccessAction::ReadMaternal)
        .collect();
    assert_eq!(reads.len(), 5);
    assert_eq!(
        reads[0].draft.subject.as_ref().map(|m| m.as_str()),
        Some("A1")
    );
}
