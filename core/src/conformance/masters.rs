//! The masters: upload with per-row errors, dry run, idempotence, owners,
//! history, lookup as of a day, download that uploads back unchanged.

use super::*;
use crate::organisation::{OrganisationType, Role};
use crate::service::{CsvEncoding, ExportOptions};

pub fn mhlw() -> Actor {
    Actor::new(
        "mhlw-1",
        OrganisationType::Mhlw,
        org_code("MHLW"),
        vec![Role::Mhlw],
    )
}

const VACCINES: &str = "code,name,name_en,disease,valid_from,valid_to\n\
                        MR,麻しん風しん混合,Measles-Rubella,,2006-04-01,\n\
                        DPT,ジフテリア・百日せき・破傷風,,,1981-04-01,2012-11-01\n\
                        DPT-IPV,四種混合,,,2012-11-01,\n";

pub fn masters_upload_view_and_download(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let up = |actor: &Actor, kind: &str, text: &str, dry: bool| {
        s.import_master_csv(actor, kind, text.as_bytes(), CsvEncoding::Utf8Bom, dry)
    };
    // Only the owner writes: a municipality may not write an MHLW master.
    let e = up(&staff(CHIYODA), "vaccine_types", VACCINES, false).unwrap_err();
    assert_eq!(e.code(), "not_authorized");
    assert_eq!(
        up(&mhlw(), "no_such_master", VACCINES, false)
            .unwrap_err()
            .code(),
        "unknown_master"
    );

    // A dry run reports and writes nothing.
    let dry = up(&mhlw(), "vaccine_types", VACCINES, true).unwrap();
    assert_eq!(
        (dry.created, dry.updated, dry.unchanged, dry.errors.len()),
        (3, 0, 0, 0)
    );
    assert!(s.master_rows("vaccine_types").unwrap().is_empty());

    let first = up(&mhlw(), "vaccine_types", VACCINES, false).unwrap();
    assert_eq!((first.created, first.errors.len()), (3, 0), "{first}");
    let rows = s.master_rows("vaccine_types").unwrap();
    assert_eq!(rows.len(), 3);
    // Ordered by key: DPT, DPT-IPV, MR.
    assert_eq!(
        rows[0].values["code"],
        crate::masters::Value::Text("DPT".into())
    );

    // The same file twice changes nothing.
    let again = up(&mhlw(), "vaccine_types", VACCINES, false).unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));

    // Bad rows are named by row and column; good rows land.
    let mixed = "code,name,valid_from\n\
                 MR,麻しん風しん混合（改）,2006-04-01\n\
                 BCG,,1951-01-01\n\
                 DPT,新DPT,2010-01-01\n\
                 HPV,ヒトパピローマウイルス,2013-13-01\n\
                 JE,日本脳炎,1995-04-01,extra\n";
    let r = up(&mhlw(), "vaccine_types", mixed, false).unwrap();
    assert_eq!((r.created, r.updated), (0, 1), "{r}");
    let errors: Vec<(usize, Option<&str>, &str)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.code.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (2, Some("name"), "master_value_required"),
            (3, Some("valid_from"), "overlapping_master_versions"),
            (4, Some("valid_from"), "invalid_master_value"),
            (5, None, "too_many_fields"),
        ]
    );
    // As of a day: the version valid then.
    let as_of = |code: &str, day: &str| {
        s.master_row_as_of("vaccine_types", &[code], date(day))
            .unwrap()
            .map(|r| r.values["name"].to_string())
    };
    assert_eq!(
        as_of("MR", "2020-01-01").as_deref(),
        Some("麻しん風しん混合(改)")
    );
    assert_eq!(
        as_of("DPT", "2012-10-31").as_deref(),
        Some("ジフテリア・百日せき・破傷風")
    );
    assert_eq!(as_of("DPT", "2012-11-01"), None);
    assert_eq!(as_of("MR", "2006-03-31"), None);

    // The download uploads back unchanged, in UTF-8 and in Shift_JIS.
    for (options, encoding) in [
        (ExportOptions::default(), CsvEncoding::Utf8Bom),
        (
            ExportOptions::from_text(Some("shift_jis"), None).unwrap(),
            CsvEncoding::ShiftJis,
        ),
    ] {
        let mut file = Vec::new();
        assert_eq!(
            s.export_master_csv("vaccine_types", &mut file, options)
                .unwrap(),
            3
        );
        let back = s
            .import_master_csv(&mhlw(), "vaccine_types", &file, encoding, false)
            .unwrap();
        assert_eq!(
            (
                back.created,
                back.updated,
                back.unchanged,
                back.errors.len()
            ),
            (0, 0, 3, 0)
        );
    }

    // A municipality writes its own settings, not another's.
    let settings = format!(
        "municipality,vaccine_type,implemented,subsidy_yen,category,valid_from\n\
         {CHIYODA},MR,1,12000,routine,2024-04-01\n\
         {SAPPORO},MR,1,9000,routine,2024-04-01\n"
    );
    let e = up(&mhlw(), "municipal_vaccination_settings", &settings, false).unwrap_err();
    assert_eq!(e.code(), "not_authorized");
    let r = up(
        &staff(CHIYODA),
        "municipal_vaccination_settings",
        &settings,
        false,
    )
    .unwrap();
    assert_eq!(r.created, 1);
    assert_eq!(r.errors[0].code, "not_owner");
    assert_eq!(r.errors[0].row, 2);
    let chiyoda = s
        .master_row_as_of(
            "municipal_vaccination_settings",
            &[CHIYODA, "MR"],
            date("2025-01-01"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        chiyoda.values["subsidy_yen"],
        crate::masters::Value::Yen(rust_decimal::Decimal::from(12000))
    );

    // Each upload that wrote was logged as a change of the masters.
    let logged = store
        .log_entries(1, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.draft.action == AccessAction::WriteMaster)
        .count();
    assert_eq!(logged, 3);
}

pub fn a_master_file_in_the_wrong_shape_is_refused_whole(store: Arc<dyn Store>) {
    let s = services(store, 0);
    let up =
        |text: &[u8], encoding| s.import_master_csv(&mhlw(), "diseases", text, encoding, false);
    let e = up(b"code,name,colour,valid_from\n", CsvEncoding::Utf8Bom).unwrap_err();
    assert_eq!(e.code(), "unknown_master_column");
    let sjis = encoding_rs::SHIFT_JIS
        .encode("code,name,valid_from\nM,麻しん,2000-01-01\n")
        .0;
    assert_eq!(
        up(&sjis, CsvEncoding::Utf8Bom).unwrap_err().code(),
        "invalid_encoding"
    );
    let r = up(&sjis, CsvEncoding::ShiftJis).unwrap();
    assert_eq!(r.created, 1);
    assert!(s.master_rows("diseases").unwrap().len() == 1);
}

pub fn vial_labels_resolve_through_the_gtin_master(store: Arc<dyn Store>) {
    let s = services(store, 0);
    let gtins = "gtin,vaccine_type,product,maker,valid_from\n\
                 4987123456784,MR,ミールビック,阪大微研,2020-04-01\n";
    let r = s
        .import_master_csv(
            &mhlw(),
            "gtin_codes",
            gtins.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap();
    assert_eq!(r.created, 1, "{r}");
    // GTIN-13 in the file, GTIN-14 on the label: the same vial.
    let label = "(01)04987123456784(17)260331(10)AB12C";
    let v = s.resolve_vial_label(label, date("2026-03-01")).unwrap();
    assert_eq!(
        (
            v.gtin.as_str(),
            v.vaccine_type.as_str(),
            v.product.as_str(),
            v.lot.as_deref()
        ),
        ("04987123456784", "MR", "ミールビック", Some("AB12C"))
    );
    assert_eq!(v.expiry, Some(date("2026-03-31")));
    // On its expiry day the lot is still good; the day after it is refused.
    assert!(s.resolve_vial_label(label, date("2026-03-31")).is_ok());
    let e = s.resolve_vial_label(label, date("2026-04-01")).unwrap_err();
    assert_eq!(e.code(), "lot_expired");
    // Before the master covers the GTIN, or a GTIN it does not hold.
    let e = s.resolve_vial_label(label, date("2019-01-01")).unwrap_err();
    assert_eq!(e.code(), "unknown_gtin");
    let other = "(01)04987123456791(10)X";
    assert_eq!(
        s.resolve_vial_label(other, date("2026-03-01"))
            .unwrap_err()
            .code(),
        "unknown_gtin"
    );
}
