//! The certificate register.

use super::*;

pub fn issuance_register_round_trip(store: Arc<dyn Store>) {
    use crate::certificate::issuance::{ApplicantType, Issuance, IssuanceChannel};
    let issuance = |n: u32, person: &str| Issuance {
        certificate_number: format!("131016-2025-{n:06}"),
        municipality: code(CHIYODA),
        person: id(person),
        records: vec![rid("r1")],
        form: 3,
        channel: IssuanceChannel::Counter,
        applicant: ApplicantType::Delegate,
        delegation_checked: true,
        name_override: Some("山田 花子（旧姓）".into()),
        passport_number: Some("TK1234567".into()),
        nationality: Some("JPN".into()),
        name_roman: Some("YAMADA HANAKO".into()),
        issue_date: date("2025-04-01"),
        issued_at: at(0),
        issued_by: "131016-0001".into(),
        signed_by: Some("千代田区 電子証明書".into()),
    };
    let put = |i: Issuance| {
        store.commit(ChangeSet {
            writes: vec![Write::PutIssuance {
                issuance: Box::new(i),
            }],
            log: vec![],
        })
    };
    put(issuance(1, "A1")).unwrap();
    put(issuance(2, "B2")).unwrap();
    put(issuance(3, "A1")).unwrap();
    assert_eq!(
        put(issuance(2, "A1")).unwrap_err().code(),
        "conflict",
        "numbers are unique"
    );
    assert_eq!(store.issuance_count(code(CHIYODA), 2025).unwrap(), 3);
    assert_eq!(store.issuance_count(code(CHIYODA), 2024).unwrap(), 0);
    assert_eq!(store.issuance_count(code(SAPPORO), 2025).unwrap(), 0);
    let all = store.issuances(code(CHIYODA), None, None, 10).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], issuance(1, "A1"), "everything printed is kept");
    let of_a1 = store
        .issuances(code(CHIYODA), Some(&id("A1")), None, 10)
        .unwrap();
    assert_eq!(of_a1.len(), 2);
    let page = store
        .issuances(code(CHIYODA), None, Some("131016-2025-000001"), 1)
        .unwrap();
    assert_eq!(page[0].certificate_number, "131016-2025-000002");
    assert!(store
        .issuances(code(SAPPORO), None, None, 10)
        .unwrap()
        .is_empty());
}
