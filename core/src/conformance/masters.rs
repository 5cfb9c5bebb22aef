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
    assert!(s.master_rows(&mhlw(), "vaccine_types").unwrap().is_empty());

    let first = up(&mhlw(), "vaccine_types", VACCINES, false).unwrap();
    assert_eq!((first.created, first.errors.len()), (3, 0), "{first}");
    let rows = s.master_rows(&mhlw(), "vaccine_types").unwrap();
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
        s.master_row_as_of(&mhlw(), "vaccine_types", &[code], date(day))
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
            s.export_master_csv(&mhlw(), "vaccine_types", &mut file, options)
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
            &mhlw(),
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
    assert!(s.master_rows(&mhlw(), "diseases").unwrap().len() == 1);
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

fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    list.iter()
        .map(|(n, t)| ((*n).to_owned(), t.as_bytes().to_vec()))
        .collect()
}

pub fn daily_masters_received_idempotent_and_converging(store: Arc<dyn Store>) {
    use crate::service::Receipt;
    let s = services(store.clone(), 0);
    let towns_1 = "code,name,issuance,admin_email,admin_name,valid_from\n\
                   131016,千代田区,target,admin@chiyoda.example.jp,千代田 管理者,2000-01-01\n";
    let towns_2 = "code,name,issuance,admin_email,admin_name,valid_from\n\
                   131016,千代田区,target,admin@chiyoda.example.jp,千代田 管理者,2000-01-01\n\
                   011002,札幌市,target,,札幌 管理者,2000-01-01\n";
    let subsidies = format!(
        "municipality,disease,vaccine_type,subsidy_yen,valid_from\n\
         {CHIYODA},measles,MR,12000,2024-04-01\n\
         {CHIYODA},bad disease,MR,1,2024-04-01\n"
    );
    let eligible =
        "code,name,municipality,valid_from\n1311234502,千代田クリニック,131016,2000-01-01\n";
    let letters = "municipality,status,valid_from\n131016,approved,2000-01-01\n";
    let day1 = files(&[
        ("H_087-005_20261201.csv", towns_1),
        ("H_087-001_20261201.csv", &subsidies),
        ("H_087-011_20261201.csv", eligible),
        ("H_087-010_20261201.csv", letters),
        ("README.txt", "not a master"),
    ]);
    assert_eq!(
        s.receive_masters(&staff(CHIYODA), &day1)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let got = s.receive_masters(&central(), &day1).unwrap();
    assert_eq!(got.len(), 5);
    let report = |name: &str| {
        got.iter()
            .find(|f| f.name == name)
            .map(|f| f.receipt.clone())
            .unwrap()
    };
    let Receipt::Applied(r) = report("H_087-001_20261201.csv") else {
        panic!("not applied");
    };
    assert_eq!((r.created, r.errors.len()), (1, 1));
    assert_eq!(
        (r.errors[0].row, r.errors[0].code.as_str()),
        (2, "invalid_master_value")
    );
    assert_eq!(report("README.txt"), Receipt::Ignored);
    // The subsidy master set the municipal settings' implemented flag.
    let flag = s
        .master_row_as_of(
            &mhlw(),
            "municipal_vaccination_settings",
            &[CHIYODA, "MR"],
            date("2025-01-01"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        flag.values["implemented"],
        crate::masters::Value::Flag(true)
    );
    // The online eligibility master was merged into the institutions.
    let clinic = s
        .master_row_as_of(
            &central(),
            "institutions",
            &["1311234502"],
            date("2025-01-01"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(clinic.values["name"].to_string(), "千代田クリニック");
    assert_eq!(
        clinic.values["online_eligibility"],
        crate::masters::Value::Flag(true)
    );

    // The same day again: nothing changes.
    let head = store.log_head().unwrap();
    let again = s.receive_masters(&central(), &day1).unwrap();
    assert!(again.iter().all(|f| match &f.receipt {
        Receipt::Applied(r) => r.created + r.updated == 0,
        _ => true,
    }));
    assert_eq!(store.log_head().unwrap(), head, "nothing was written");

    // Day 3 received, day 2 missed and replayed after it: superseded.
    s.receive_masters(&central(), &files(&[("H_087-005_20261203.csv", towns_2)]))
        .unwrap();
    let late = s
        .receive_masters(&central(), &files(&[("H_087-005_20261202.csv", towns_1)]))
        .unwrap();
    assert_eq!(
        late[0].receipt,
        Receipt::Superseded {
            latest: date("2026-12-03")
        }
    );
    assert_eq!(s.master_rows(&mhlw(), "municipalities").unwrap().len(), 2);

    // The extraction reads the stored masters.
    assert_eq!(
        s.extraction_input_from_masters(&staff(CHIYODA), date("2026-12-03"))
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let input = s
        .extraction_input_from_masters(&central(), date("2026-12-03"))
        .unwrap();
    let chiyoda = input
        .municipalities
        .iter()
        .find(|m| m.code == CHIYODA)
        .unwrap();
    assert_eq!(chiyoda.delegation.as_deref(), Some("approved"));
    assert_eq!(chiyoda.email.as_deref(), Some("admin@chiyoda.example.jp"));
    assert_eq!(input.municipalities.len(), 2);
}

pub fn master_differences_are_delivered_until_acknowledged(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let up = |kind: &str, text: &str| {
        s.import_master_csv(&mhlw(), kind, text.as_bytes(), CsvEncoding::Utf8Bom, false)
            .unwrap()
    };
    assert_eq!(
        s.pull_master_diff(&central(), "collective", 100).unwrap(),
        None
    );
    up("vaccine_types", VACCINES);
    up(
        "diseases",
        "code,name,valid_from\nmeasles,麻しん,2000-01-01\n",
    );
    // A master that is not sent.
    let settings =
        format!("municipality,vaccine_type,implemented,valid_from\n{CHIYODA},MR,1,2024-04-01\n");
    s.import_master_csv(
        &staff(CHIYODA),
        "municipal_vaccination_settings",
        settings.as_bytes(),
        CsvEncoding::Utf8Bom,
        false,
    )
    .unwrap();
    assert_eq!(
        s.pull_master_diff(&staff(CHIYODA), "collective", 100)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let first = s
        .pull_master_diff(&central(), "collective", 2)
        .unwrap()
        .unwrap();
    assert!(!first.redelivery);
    assert_eq!(first.rows.len(), 2);
    assert!(first.rows.iter().all(|(i, _)| *i == "H_088-002"));
    // Not acknowledged: the same batch again.
    let again = s
        .pull_master_diff(&central(), "collective", 2)
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.batch.as_str(), again.redelivery),
        (first.batch.as_str(), true)
    );
    assert_eq!(
        s.ack_master_diff(&central(), "collective:5-9")
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(s.ack_master_diff(&central(), &first.batch).unwrap());
    assert!(
        !s.ack_master_diff(&central(), &first.batch).unwrap(),
        "acknowledged already"
    );
    let second = s
        .pull_master_diff(&central(), "collective", 100)
        .unwrap()
        .unwrap();
    let kinds: Vec<(&str, &str)> = second.rows.iter().map(|(i, r)| (*i, r.kind.name)).collect();
    assert_eq!(
        kinds,
        [("H_088-002", "vaccine_types"), ("H_088-003", "diseases")]
    );
    assert!(s.ack_master_diff(&central(), &second.batch).unwrap());
    assert_eq!(
        s.pull_master_diff(&central(), "collective", 100).unwrap(),
        None
    );
    // A change after the acknowledgement is sent, once.
    up(
        "diseases",
        "code,name,valid_from\nmeasles,麻しん（はしか）,2000-01-01\n",
    );
    let third = s
        .pull_master_diff(&central(), "collective", 100)
        .unwrap()
        .unwrap();
    assert_eq!(third.rows.len(), 1);
    // Another receiver has its own cursor.
    let other = s
        .pull_master_diff(&central(), "other", 100)
        .unwrap()
        .unwrap();
    assert_eq!(other.rows.len(), 4);
    // The institution master holds administrators' names: sending it is a
    // read of personal data, and is logged.
    let logged = |store: &Arc<dyn Store>| {
        store
            .log_entries(1, 10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.draft.action == AccessAction::ReadMaster)
            .count()
    };
    assert_eq!(logged(&store), 0, "no personal master sent yet");
    let clinic = "code,name,valid_from\n1311234502,千代田クリニック,2000-01-01\n";
    let code = crate::organisation::OrganisationCode::parse("1311234502").unwrap();
    let clinic_staff = Actor::new(
        "c1",
        OrganisationType::MedicalInstitution,
        code,
        vec![Role::MedicalStaff],
    );
    s.import_master_csv(
        &clinic_staff,
        "institutions",
        clinic.as_bytes(),
        CsvEncoding::Utf8Bom,
        false,
    )
    .unwrap();
    let sent = s
        .pull_master_diff(&central(), "other2", 100)
        .unwrap()
        .unwrap();
    assert!(sent.rows.iter().any(|(i, _)| *i == "H_088-001"));
    assert_eq!(logged(&store), 1);
}

pub fn federations_write_their_own_rows(store: Arc<dyn Store>) {
    let s = services(store, 0);
    let f13 = Actor::new(
        "f13",
        OrganisationType::Federation,
        org_code("F13"),
        vec![Role::Federation],
    );
    let rows =
        "federation,institution,valid_from\nF13,1311234502,2020-04-01\nF14,1311234502,2020-04-01\n";
    let r = s
        .import_master_csv(
            &f13,
            "member_institutions",
            rows.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap();
    assert_eq!((r.created, r.errors.len()), (1, 1));
    assert_eq!(
        (r.errors[0].row, r.errors[0].code.as_str()),
        (2, "not_owner")
    );
    let e = s
        .import_master_csv(
            &staff(CHIYODA),
            "member_institutions",
            rows.as_bytes(),
            CsvEncoding::Utf8Bom,
            false,
        )
        .unwrap_err();
    assert_eq!(e.code(), "not_authorized");
}
