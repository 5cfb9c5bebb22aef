//! Certificate issuance on a store (issue 6): certifiable records only, one
//! form, delegation checked, the register and the access log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sesshu_core::calendar::{parse_date, parse_timestamp, FixedClock};
use sesshu_core::certificate::issuance::{ApplicantType, IssuanceChannel};
use sesshu_core::certificate::TravelDetailsInput;
use sesshu_core::identifiers::{
    ManagementId, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use sesshu_core::persons::{Person, Sex};
use sesshu_core::records::{Category, VaccinationRecord};
use sesshu_core::residency::{ResidencyHistory, ResidencyInterval};
use sesshu_core::service::{Actor, CertificateRequest, Issuer, Sesshu};
use sesshu_core::store::{LogFilter, Store};

fn m(code: &str) -> MunicipalityCode {
    MunicipalityCode::parse(code).unwrap()
}

fn record(id: &str, responsible: &str, category: Category, date: &str) -> VaccinationRecord {
    VaccinationRecord {
        id: RecordId::parse(id).unwrap(),
        person: ManagementId::parse("P1").unwrap(),
        responsible: m(responsible),
        category,
        vaccine: VaccineCode::parse("MR").unwrap(),
        dose_number: 1,
        date: parse_date(date).unwrap(),
        lot: Some("AB12C".into()),
        institution: None,
        erroneous: false,
    }
}

fn request(records: &[&str]) -> CertificateRequest {
    CertificateRequest {
        person: ManagementId::parse("P1").unwrap(),
        records: records
            .iter()
            .map(|r| RecordId::parse(r).unwrap())
            .collect(),
        form: None,
        travel: None,
        name_override: None,
        applicant: ApplicantType::Subject,
        delegation_checked: false,
        channel: IssuanceChannel::Counter,
        issuer: Issuer {
            municipality_name: "千代田区".into(),
            head: "千代田区長　千代田　太郎".into(),
        },
    }
}

#[test]
fn issuance_follows_the_rules_and_is_registered() {
    let store: Arc<dyn Store> = Arc::new(sesshu_sqlite::SqliteStore::open_in_memory().unwrap());
    let s = Sesshu::new(
        store.clone(),
        Arc::new(FixedClock(parse_timestamp("2025-04-01T03:00:00Z").unwrap())),
    );
    let chiyoda = Actor::municipality("clerk", m("131016"));
    let sapporo = Actor::municipality("clerk", m("011002"));
    let person = Person {
        management_id: ManagementId::parse("P1").unwrap(),
        subject_number: SubjectNumber::parse("S1").unwrap(),
        name: "山田 花子".into(),
        name_kana: "ヤマダ ハナコ".into(),
        birth_date: parse_date("1990-05-01").unwrap(),
        sex: Sex::Female,
        pmh_key: None,
        residency: ResidencyHistory::new(vec![
            ResidencyInterval {
                municipality: m("011002"),
                from: parse_date("1990-05-01").unwrap(),
                to: Some(parse_date("2020-04-01").unwrap()),
            },
            ResidencyInterval {
                municipality: m("131016"),
                from: parse_date("2020-04-01").unwrap(),
                to: None,
            },
        ])
        .unwrap(),
    };
    s.put_persons(&chiyoda, vec![person]).unwrap();
    s.put_records(
        &sapporo,
        vec![record("old", "011002", Category::Routine, "2010-01-01")],
    )
    .unwrap();
    s.put_records(
        &chiyoda,
        vec![
            record("r1", "131016", Category::Routine, "2024-01-01"),
            record("t1", "131016", Category::Temporary, "2024-02-01"),
        ],
    )
    .unwrap();

    let issued = s.issue_certificate(&chiyoda, &request(&["r1"])).unwrap();
    assert_eq!(issued.issuance.certificate_number, "131016-2025-000001");
    assert_eq!(issued.issuance.form, 1);
    assert!(issued.pdf.starts_with(b"%PDF-"));
    // Chiyoda cannot certify Sapporo's record, nor mix forms, nor skip the delegation check.
    let code = |r: CertificateRequest| s.issue_certificate(&chiyoda, &r).unwrap_err().code();
    assert_eq!(code(request(&["old"])), "not_found");
    let mut mixed = request(&["r1", "t1"]);
    mixed.form = Some(2);
    assert_eq!(code(mixed), "form_not_allowed");
    assert_eq!(code(request(&["t1"])), "form_choice_required");
    let mut delegate = request(&["r1"]);
    delegate.applicant = ApplicantType::Delegate;
    assert_eq!(code(delegate.clone()), "delegation_not_checked");
    delegate.delegation_checked = true;
    delegate.name_override = Some("山田 花子（旧姓 佐藤）".into());
    let second = s.issue_certificate(&chiyoda, &delegate).unwrap();
    assert_eq!(second.issuance.certificate_number, "131016-2025-000002");
    // Form 3 keeps the travel details it printed.
    let mut travel = request(&["t1"]);
    travel.form = Some(3);
    travel.travel = Some(TravelDetailsInput {
        passport_number: "TK1234567".into(),
        nationality: "JPN".into(),
        name_roman: "YAMADA HANAKO".into(),
    });
    let third = s.issue_certificate(&chiyoda, &travel).unwrap();
    assert_eq!(third.issuance.form, 3);
    assert_eq!(third.issuance.passport_number.as_deref(), Some("TK1234567"));
    // Sapporo staff may not issue for Chiyoda's register, and see none of it.
    assert!(s
        .list_issuances(&sapporo, None, None, 10)
        .unwrap()
        .is_empty());
    let register = s.list_issuances(&chiyoda, None, None, 10).unwrap();
    assert_eq!(register.len(), 3);
    assert_eq!(
        register[1].name_override.as_deref(),
        Some("山田 花子（旧姓 佐藤）")
    );
    assert!(register[1].delegation_checked);
    // Issuance and register reads are access-logged.
    let log = store.log_search(&LogFilter::default(), 1000).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.draft.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "issue_certificate")
            .count(),
        3
    );
    assert!(actions.contains(&"read_issuances"));
}
