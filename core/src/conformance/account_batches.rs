//! The account batches: first administrators, inactivity.

use super::*;

pub fn first_administrators_are_issued_once(store: Arc<dyn Store>) {
    use crate::accounts::{ExtractionInput, OrganisationRow};
    let s = account_services(store.clone(), 0);
    let row = |code: &str, mail: Option<&str>| OrganisationRow {
        code: code.into(),
        issuance: "target".into(),
        delegation: Some("approved".into()),
        union: None,
        email: mail.map(Into::into),
        admin_name: Some("管理 者".into()),
    };
    let input = ExtractionInput {
        municipalities: vec![row(CHIYODA, Some("chiyoda@example.jp")), row(SAPPORO, None)],
        ..Default::default()
    };
    assert_eq!(
        s.extract_first_administrators(&admin_of(CHIYODA), &input, |_, _| {})
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let mut seen = Vec::new();
    let report = s
        .extract_first_administrators(&central(), &input, |done, total| seen.push((done, total)))
        .unwrap();
    assert_eq!(seen, [(1, 1)]);
    assert_eq!(report.issued.len(), 1);
    assert_eq!(report.issued[0].1.as_str(), "131016-0001");
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].error.code(), "missing_email");
    let org = store
        .organisation(&org_code(CHIYODA))
        .unwrap()
        .unwrap()
        .organisation;
    assert_eq!(
        org.first_admin.as_ref().map(|u| u.as_str()),
        Some("131016-0001")
    );
    let admin = store.user(&report.issued[0].1).unwrap().unwrap().user;
    assert_eq!(admin.role, crate::organisation::Role::Administrator);
    // First administrators' temporary passwords live longer.
    let temp = admin.credentials.temporary.unwrap();
    assert_eq!(temp.expires_at, at(0) + chrono::TimeDelta::hours(30 * 24));
    // A rerun issues nothing again.
    let again = s
        .extract_first_administrators(&central(), &input, |_, _| {})
        .unwrap();
    assert!(again.issued.is_empty());
    assert_eq!(
        store.users_of(&org_code(CHIYODA), None, 10).unwrap().len(),
        1
    );
}

pub fn inactivity_batches_are_idempotent(store: Arc<dyn Store>) {
    let s = account_services(store.clone(), 0);
    let idle = activated(&s, CHIYODA, "idle@example.jp");
    let busy = activated(&s, CHIYODA, "busy@example.jp");
    // 200 days later the busy user signs in; execution on the 365th day.
    account_services(store.clone(), 200 * 86_400)
        .sign_in(&busy, GOOD, None)
        .unwrap();
    let run = account_services(store.clone(), 330 * 86_400);
    let execution = (at(0) + chrono::TimeDelta::days(365)).date_naive();
    assert_eq!(
        run.inactivity_notice(&admin_of(CHIYODA), execution, |_| {})
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let notice = run
        .inactivity_notice(&central(), execution, |_| {})
        .unwrap();
    assert_eq!((notice.candidates, notice.changed), (1, 1));
    let pending = |s: &Sesshu, kind| {
        s.pending_notifications(&central(), 1000)
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == kind)
            .count()
    };
    use crate::outbox::NotificationKind as K;
    assert_eq!(pending(&run, K::InactivityNotice), 1);
    run.inactivity_notice(&central(), execution, |_| {})
        .unwrap();
    assert_eq!(
        pending(&run, K::InactivityNotice),
        1,
        "a rerun notifies nobody twice"
    );
    let exec = account_services(store.clone(), 365 * 86_400);
    let done = exec
        .inactivity_execute(&central(), execution, |_| {})
        .unwrap();
    assert_eq!((done.candidates, done.changed), (1, 1));
    assert_eq!(
        exec.sign_in(&idle, GOOD, None).unwrap_err().code(),
        "account_suspended"
    );
    exec.sign_in(&busy, GOOD, None).unwrap();
    let again = exec
        .inactivity_execute(&central(), execution, |_| {})
        .unwrap();
    assert_eq!(again.candidates, 0, "a rerun changes nothing");
    assert_eq!(pending(&exec, K::AccountSuspended), 1);
}
