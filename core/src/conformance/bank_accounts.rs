//! Bank accounts (H-9), federation links (H-10) and notices (H-11):
//! stored steps, the database's one-pending constraint, decisions raced
//! from many threads, dispatch exactly once.

use super::*;
use crate::bank_account::{AccountClass, AccountUsage, BankAccountDraft, DepositType};
use crate::identifiers::HolderNameRules;
use crate::masters::{catalog, MasterKind};
use crate::notices::NoticeDraft;
use crate::organisation::{OrganisationType, Role};
use crate::outbox::NotificationKind;
use crate::service::{BankApplicationRequest, BankDecision, CsvEncoding};
use crate::zengin::ZenginFile;

pub const CLINIC: &str = "1311234502";
pub const OTHER_CLINIC: &str = "2711234563";

const ZENGIN: &str = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n\
                      0001,みずほ,ミズホ,001,東京営業部,トウキヨウ\n\
                      0005,三菱ＵＦＪ,ミツビシユ－エフジエイ,123,新宿,シンジユク\n\
                      0009,三井住友,ミツイスミトモ,100,本店,ホンテン\n";

fn master_row(kind: &'static MasterKind, fields: &[(&str, &str)]) -> crate::masters::MasterRow {
    let mut f = fields.to_vec();
    f.push(("valid_from", "2020-04-01"));
    kind.parse_row(&f).unwrap()
}

/// The masters and the zengin load the bank-account checks read: two
/// institutions of two federations with their contact addresses, and one
/// account of F13.
pub fn bank_fixture(store: &Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    s.zengin_load(
        &central(),
        ZenginFile::from_csv(ZENGIN.as_bytes(), CsvEncoding::Utf8Bom).unwrap(),
        "zengin.csv",
    )
    .unwrap();
    let rows = vec![
        master_row(
            &catalog::MEMBER_INSTITUTIONS,
            &[("federation", "F13"), ("institution", CLINIC)],
        ),
        master_row(
            &catalog::MEMBER_INSTITUTIONS,
            &[("federation", "F27"), ("institution", OTHER_CLINIC)],
        ),
        master_row(
            &catalog::INSTITUTIONS,
            &[
                ("code", CLINIC),
                ("name", "さくらクリニック"),
                ("admin_email", "admin@sakura.example.jp"),
            ],
        ),
        master_row(
            &catalog::INSTITUTIONS,
            &[
                ("code", OTHER_CLINIC),
                ("name", "なにわ医院"),
                ("admin_email", "admin@naniwa.example.jp"),
            ],
        ),
        master_row(
            &catalog::FEDERATIONS,
            &[
                ("federation", "F13"),
                ("name", "東京都国保連"),
                ("email", "kouza@f13.example.jp"),
            ],
        ),
        master_row(
            &catalog::FEDERATIONS,
            &[
                ("federation", "F27"),
                ("name", "大阪府国保連"),
                ("email", "kouza@f27.example.jp"),
            ],
        ),
        master_row(
            &catalog::FEDERATION_ACCOUNTS,
            &[
                ("federation", "F13"),
                ("account", "A1"),
                ("bank", "0009"),
                ("branch", "100"),
                ("deposit_type", "ordinary"),
                ("number", "1234567"),
                ("holder", "ﾄｳｷﾖｳﾄｺｸﾎﾚﾝ"),
            ],
        ),
    ];
    store
        .commit(ChangeSet {
            writes: vec![Write::PutMasterRows {
                rows,
                updated_at: at(0),
            }],
            log: Vec::new(),
        })
        .unwrap();
}

pub fn clinic(code: &str) -> Actor {
    Actor::new(
        &format!("{code}-0001"),
        OrganisationType::MedicalInstitution,
        org_code(code),
        vec![Role::Administrator],
    )
}

pub fn federation(code: &str) -> Actor {
    Actor::new(
        &format!("{code}-0002"),
        OrganisationType::Federation,
        org_code(code),
        vec![Role::Federation],
    )
}

fn bank_services(store: Arc<dyn Store>, t: i64) -> Sesshu {
    services(store, t).with_random(Arc::new(crate::secrets::SeededRandom::new(t as u64 + 11)))
}

pub fn request(bank: &str, branch: &str) -> BankApplicationRequest {
    BankApplicationRequest {
        usage: AccountUsage::Vaccination,
        draft: BankAccountDraft {
            class: AccountClass::Registered,
            bank: bank.into(),
            branch: branch.into(),
            deposit_type: DepositType::Ordinary,
            number: "7654321".into(),
            holder: "カ）サクラクリニック".into(),
        },
        attachments: Vec::new(),
    }
}

fn outbox(store: &Arc<dyn Store>) -> Vec<(NotificationKind, String, String)> {
    store
        .notifications(0, false, 100_000)
        .unwrap()
        .into_iter()
        .map(|n| {
            (
                n.kind,
                n.recipient.to_string(),
                n.payload
                    .get("application")
                    .or(n.payload.get("notice"))
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect()
}

pub fn bank_applications_are_stored_decided_once_and_notified(store: Arc<dyn Store>) {
    bank_fixture(&store);
    let s = bank_services(store.clone(), 10);
    let rules = HolderNameRules::default();
    let mut req = request("0005", "123");
    req.attachments = vec![
        ("通帳.png".into(), b"%PDF-1.7\n1 0 obj".to_vec()),
        ("scan.jpg".into(), vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]),
    ];
    let a = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, req, &rules)
        .unwrap();
    assert_eq!(a.federation.as_str(), "F13");
    assert_eq!(a.attachments.len(), 2);
    assert_eq!(
        a.attachments[0].media_type,
        crate::bank_account::MediaType::Pdf
    );
    assert_eq!(a.application.account.holder.as_str(), "ｶ)ｻｸﾗｸﾘﾆﾂｸ");
    let id = a.application.id.clone();

    // A second pending application for the usage is refused.
    let e = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, request("0005", "123"), &rules)
        .unwrap_err();
    assert_eq!(e.code(), "application_pending");
    // Bad bytes are refused whatever the name; nothing is stored.
    let mut bad = request("0005", "123");
    bad.usage = AccountUsage::ClaimAssignment;
    bad.attachments = vec![("bankbook.pdf".into(), b"PK\x03\x04zip".to_vec())];
    let e = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, bad, &rules)
        .unwrap_err();
    assert_eq!(e.code(), "attachment_type_refused");
    let mut unknown = request("9999", "123");
    unknown.usage = AccountUsage::ClaimAssignment;
    let e = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, unknown, &rules)
        .unwrap_err();
    assert_eq!(e.code(), "unknown_bank_code");
    assert_eq!(
        s.bank_applications(&clinic(CLINIC), false).unwrap().len(),
        1
    );

    // Attachments: the applicant and its federation only.
    let got = s.bank_attachment(&federation("F13"), &id, 2).unwrap();
    assert_eq!(got.bytes, vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2]);
    assert_eq!(got.info.sha256, crate::bank_account::sha256_hex(&got.bytes));
    assert_eq!(
        s.bank_attachment(&federation("F27"), &id, 1)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    assert_eq!(
        s.bank_attachment(&clinic(OTHER_CLINIC), &id, 1)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    assert_eq!(
        s.bank_attachment(&clinic(CLINIC), &id, 3)
            .unwrap_err()
            .code(),
        "unknown_attachment"
    );

    // Only its own federation decides; a decided application stays decided.
    let e = s
        .decide_bank_application(&federation("F27"), &id, &BankDecision::Approve)
        .unwrap_err();
    assert_eq!(e.code(), "not_authorized");
    let e = s
        .decide_bank_application(
            &federation("F13"),
            &id,
            &BankDecision::Reject {
                reason: Some(7),
                note: None,
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "note_required");
    let done = s
        .decide_bank_application(&federation("F13"), &id, &BankDecision::Approve)
        .unwrap();
    assert_eq!(done.application.status.as_str(), "approved");
    let e = s
        .decide_bank_application(&federation("F13"), &id, &BankDecision::Approve)
        .unwrap_err();
    assert_eq!(e.code(), "not_pending");
    let e = s.delete_bank_application(&clinic(CLINIC), &id).unwrap_err();
    assert_eq!(e.code(), "not_pending");
    let active = s.active_accounts(&federation("F13"), CLINIC).unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].account.bank.as_str(), "0005");
    assert_eq!(active[0].application.as_deref(), Some(id.as_str()));

    // A rejection leaves the active account; the applicant deletes a pending one.
    let mut back = request("0001", "001");
    back.draft.class = AccountClass::National;
    let r = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, back.clone(), &rules)
        .unwrap();
    s.decide_bank_application(
        &federation("F13"),
        &r.application.id,
        &BankDecision::Reject {
            reason: Some(4),
            note: Some("口座番号の桁".into()),
        },
    )
    .unwrap();
    assert_eq!(s.active_accounts(&clinic(CLINIC), CLINIC).unwrap(), active);
    let d = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, back, &rules)
        .unwrap();
    assert_eq!(
        s.delete_bank_application(&federation("F13"), &d.application.id)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let deleted = s
        .delete_bank_application(&clinic(CLINIC), &d.application.id)
        .unwrap();
    assert_eq!(deleted.application.status.as_str(), "deleted");
    assert_eq!(
        s.bank_applications(&federation("F13"), true).unwrap().len(),
        0
    );
    assert_eq!(
        s.bank_applications(&federation("F13"), false)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        s.bank_applications(&federation("F27"), false)
            .unwrap()
            .len(),
        0
    );

    // The outbox: applied → federation; decided → institution, then federation.
    let f13 = "kouza@f13.example.jp".to_owned();
    let sakura = "admin@sakura.example.jp".to_owned();
    use NotificationKind::*;
    assert_eq!(
        outbox(&store),
        vec![
            (BankAccountApplied, f13.clone(), id.clone()),
            (BankAccountApproved, sakura.clone(), id.clone()),
            (BankAccountApproved, f13.clone(), id.clone()),
            (BankAccountApplied, f13.clone(), r.application.id.clone()),
            (
                BankAccountRejected,
                sakura.clone(),
                r.application.id.clone()
            ),
            (BankAccountRejected, f13.clone(), r.application.id.clone()),
            (BankAccountApplied, f13.clone(), d.application.id.clone()),
        ]
    );
    let rejected = store.notifications(0, false, 100).unwrap();
    assert_eq!(
        rejected[4].payload.get("reason").map(String::as_str),
        Some("4")
    );

    // Every step is in the access log.
    let log = store.log_entries(0, 1_000).unwrap();
    assert!(
        log.iter()
            .filter(|e| e.draft.action == AccessAction::WriteBankAccount)
            .count()
            >= 6
    );
    assert!(log
        .iter()
        .any(|e| e.draft.action == AccessAction::ReadBankAccount));
}

pub fn one_pending_application_is_the_databases_constraint(store: Arc<dyn Store>) {
    bank_fixture(&store);
    let s = bank_services(store.clone(), 10);
    let a = s
        .apply_bank_account(
            &clinic(CLINIC),
            CLINIC,
            request("0005", "123"),
            &HolderNameRules::default(),
        )
        .unwrap();
    // A second pending row written straight to the store, as a writer that
    // read before the first committed would: the engine refuses it.
    let mut twin = a.clone();
    twin.application.id = "BA-twin".into();
    let e = store
        .commit(ChangeSet {
            writes: vec![Write::PutBankApplication {
                application: Box::new(twin.clone()),
                expected: Expected::Absent,
            }],
            log: Vec::new(),
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    assert!(store.bank_application("BA-twin").unwrap().is_none());
    // Another usage, or the same usage once the first is decided, is fine.
    twin.application.usage = AccountUsage::ClaimAssignment;
    store
        .commit(ChangeSet {
            writes: vec![Write::PutBankApplication {
                application: Box::new(twin),
                expected: Expected::Absent,
            }],
            log: Vec::new(),
        })
        .unwrap();
    let stored = store.bank_application("BA-twin").unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.application.usage, AccountUsage::ClaimAssignment);
    // A stale version is a conflict.
    let e = store
        .commit(ChangeSet {
            writes: vec![Write::PutBankApplication {
                application: Box::new(stored.clone()),
                expected: Expected::Version(7),
            }],
            log: Vec::new(),
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }));
}

/// Decisions on one application from `threads` threads, `per_thread`
/// each, against one store: exactly one is stored, every other caller is
/// refused `not_pending` (or `conflict`), one set of notifications. Then
/// as many simultaneous applications of one institution and usage: one
/// pending. Returns (decisions stored, refusals).
pub fn race_bank_decisions(
    store: Arc<dyn Store>,
    threads: usize,
    per_thread: usize,
) -> (usize, usize) {
    bank_fixture(&store);
    let s = bank_services(store.clone(), 10);
    let rules = HolderNameRules::default();
    let a = s
        .apply_bank_account(&clinic(CLINIC), CLINIC, request("0005", "123"), &rules)
        .unwrap();
    let id = a.application.id.clone();
    let barrier = Arc::new(Barrier::new(threads));
    let outcomes: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (s, id, barrier) = (s.clone(), id.clone(), barrier.clone());
                scope.spawn(move || {
                    barrier.wait();
                    (0..per_thread)
                        .map(|i| {
                            let decision = if (t + i) % 2 == 0 {
                                BankDecision::Approve
                            } else {
                                BankDecision::Reject {
                                    reason: Some(1),
                                    note: None,
                                }
                            };
                            s.decide_bank_application(&federation("F13"), &id, &decision)
                                .map(|_| ())
                                .map_err(|e| e.code().to_owned())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert_eq!(won, 1, "{outcomes:?}");
    assert!(
        refused
            .iter()
            .all(|c| *c == "not_pending" || *c == "conflict"),
        "{refused:?}"
    );
    let decided = outbox(&store)
        .into_iter()
        .filter(|(k, _, app)| *app == id && *k != NotificationKind::BankAccountApplied)
        .count();
    assert_eq!(decided, 2, "one set of notifications");

    // Simultaneous applications of one institution and usage: one pending.
    let barrier = Arc::new(Barrier::new(threads));
    let applied: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (s, barrier, rules) = (s.clone(), barrier.clone(), rules.clone());
                scope.spawn(move || {
                    barrier.wait();
                    (0..per_thread)
                        .map(|_| {
                            let mut r = request("0009", "100");
                            r.usage = AccountUsage::ClaimAssignment;
                            s.apply_bank_account(&clinic(CLINIC), CLINIC, r, &rules)
                                .map(|_| ())
                                .map_err(|e| e.code().to_owned())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(
        applied.iter().filter(|o| o.is_ok()).count(),
        1,
        "{applied:?}"
    );
    assert!(applied
        .iter()
        .filter_map(|o| o.as_ref().err())
        .all(|c| c == "application_pending" || c == "conflict"));
    let filter = crate::store::ApplicationFilter {
        institution: Some(MedicalInstitutionCode::parse(CLINIC).unwrap()),
        federation: None,
        pending_only: true,
    };
    assert_eq!(
        store
            .bank_applications(&filter, None, 10_000)
            .unwrap()
            .len(),
        1
    );
    (won, refused.len())
}

pub fn simultaneous_decisions_store_exactly_one(store: Arc<dyn Store>) {
    let (won, refused) = race_bank_decisions(store, 16, 4);
    assert_eq!((won, refused), (1, 63));
}

pub fn federation_links_are_version_checked(store: Arc<dyn Store>) {
    bank_fixture(&store);
    let s = bank_services(store.clone(), 10);
    let f13 = federation("F13");
    assert_eq!(
        s.add_federation_link(&f13, "9999", "A1")
            .unwrap_err()
            .code(),
        "unknown_bank_code"
    );
    assert_eq!(
        s.add_federation_link(&f13, "0005", "A9")
            .unwrap_err()
            .code(),
        "unknown_federation_account"
    );
    assert_eq!(
        s.add_federation_link(&clinic(CLINIC), "0005", "A1")
            .unwrap_err()
            .code(),
        "unknown_federation_account"
    );
    let link = s.add_federation_link(&f13, "0005", "A1").unwrap();
    assert_eq!(link.version, 1);
    assert_eq!(
        s.add_federation_link(&f13, "0005", "A1")
            .unwrap_err()
            .code(),
        "conflict"
    );
    assert_eq!(
        s.change_federation_link(&f13, "0005", "A1", 5)
            .unwrap_err()
            .code(),
        "conflict"
    );
    let changed = s.change_federation_link(&f13, "0005", "A1", 1).unwrap();
    assert_eq!(changed.version, 2);
    s.add_federation_link(&f13, "0001", "A1").unwrap();
    let links = s.federation_links(&f13).unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| (l.bank.as_str(), l.version))
            .collect::<Vec<_>>(),
        vec![("0001", 1), ("0005", 2)]
    );
    assert!(s.federation_links(&federation("F27")).unwrap().is_empty());

    // A payment to the clinic: nothing until it has an active account.
    assert_eq!(
        s.payment_account(&f13, CLINIC, AccountUsage::Vaccination)
            .unwrap(),
        None
    );
    let a = s
        .apply_bank_account(
            &clinic(CLINIC),
            CLINIC,
            request("0005", "123"),
            &HolderNameRules::default(),
        )
        .unwrap();
    s.decide_bank_application(&f13, &a.application.id, &BankDecision::Approve)
        .unwrap();
    let pay = s
        .payment_account(&f13, CLINIC, AccountUsage::Vaccination)
        .unwrap()
        .unwrap();
    assert_eq!(pay.link.account, "A1");
    assert_eq!(pay.institution_account.account.bank.as_str(), "0005");
    assert_eq!(
        pay.federation_account
            .unwrap()
            .values
            .get("number")
            .map(ToString::to_string),
        Some("1234567".into())
    );
    assert_eq!(
        s.payment_account(&federation("F27"), CLINIC, AccountUsage::Vaccination)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    assert_eq!(
        s.delete_federation_link(&f13, "0005", 1)
            .unwrap_err()
            .code(),
        "conflict"
    );
    s.delete_federation_link(&f13, "0005", 2).unwrap();
    assert_eq!(
        s.payment_account(&f13, CLINIC, AccountUsage::Vaccination)
            .unwrap(),
        None
    );
}

fn notice_draft(send_at: Option<DateTime<Utc>>) -> NoticeDraft {
    NoticeDraft {
        title: "保守作業のお知らせ".into(),
        body: "12月10日 2:00〜4:00 はご利用いただけません。".into(),
        targets: vec!["municipality".into(), "medical_institution:doctor".into()],
        send_at,
        display_from: date("2025-02-19"),
        display_until: date("2025-02-28"),
    }
}

fn notice_users(store: &Arc<dyn Store>) {
    let mut writes = Vec::new();
    for (n, (org, org_type, role, mail)) in [
        (
            CHIYODA,
            OrganisationType::Municipality,
            Role::Municipality,
            "a@chiyoda.example.jp",
        ),
        (
            CHIYODA,
            OrganisationType::Municipality,
            Role::Administrator,
            "b@chiyoda.example.jp",
        ),
        (
            CLINIC,
            OrganisationType::MedicalInstitution,
            Role::Doctor,
            "dr@sakura.example.jp",
        ),
        (
            CLINIC,
            OrganisationType::MedicalInstitution,
            Role::MedicalStaff,
            "ns@sakura.example.jp",
        ),
        (
            "F13",
            OrganisationType::Federation,
            Role::Federation,
            "f@f13.example.jp",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut u = user(org, n as u64 + 1, mail, 0, None);
        u.org_type = org_type;
        u.role = role;
        writes.push(put_user(u, Expected::Absent));
    }
    store
        .commit(ChangeSet {
            writes,
            log: Vec::new(),
        })
        .unwrap();
}

pub fn notices_are_dispatched_once_at_or_after_their_time(store: Arc<dyn Store>) {
    notice_users(&store);
    let at_nine = bank_services(store.clone(), 0);
    let ten = at(3600);
    let n = at_nine
        .create_notice(&central(), &notice_draft(Some(ten)))
        .unwrap();
    assert_eq!(n.notice.status.as_str(), "scheduled");
    assert_eq!(
        at_nine
            .create_notice(&staff(CHIYODA), &notice_draft(None))
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let notices_mailed = |store: &Arc<dyn Store>| {
        outbox(store)
            .into_iter()
            .filter(|(k, _, id)| *k == NotificationKind::Notice && *id == n.notice.id)
            .map(|(_, to, _)| to)
            .collect::<Vec<_>>()
    };
    // 09:59, 10:00, 10:05, and two runs at once at 10:05.
    let early = bank_services(store.clone(), 3599)
        .dispatch_notices(&central())
        .unwrap();
    assert!(early.sent.is_empty());
    assert!(notices_mailed(&store).is_empty());
    let due = bank_services(store.clone(), 3600)
        .dispatch_notices(&central())
        .unwrap();
    assert_eq!(due.sent, vec![(n.notice.id.clone(), 3)]);
    let late = bank_services(store.clone(), 3900);
    std::thread::scope(|scope| {
        let a = scope.spawn(|| late.dispatch_notices(&central()).unwrap());
        let b = scope.spawn(|| late.dispatch_notices(&central()).unwrap());
        assert!(a.join().unwrap().sent.is_empty());
        assert!(b.join().unwrap().sent.is_empty());
    });
    let mut mailed = notices_mailed(&store);
    mailed.sort();
    assert_eq!(
        mailed,
        vec![
            "a@chiyoda.example.jp",
            "b@chiyoda.example.jp",
            "dr@sakura.example.jp"
        ]
    );

    // Sent: it can no longer change, and it is on the board of those it targets.
    let sent = store.notice(&n.notice.id).unwrap().unwrap();
    assert_eq!(sent.notice.status.as_str(), "sent");
    assert_eq!(
        late.cancel_notice(&central(), &n.notice.id, sent.version)
            .unwrap_err()
            .code(),
        "notice_not_scheduled"
    );
    let board = |a: &Actor| late.notice_board(a).unwrap().len();
    assert_eq!(board(&staff(CHIYODA)), 1);
    let doctor = Actor::new(
        "d",
        OrganisationType::MedicalInstitution,
        org_code(CLINIC),
        vec![Role::Doctor],
    );
    let nurse = Actor::new(
        "n",
        OrganisationType::MedicalInstitution,
        org_code(CLINIC),
        vec![Role::MedicalStaff],
    );
    assert_eq!(
        (board(&doctor), board(&nurse), board(&federation("F13"))),
        (1, 0, 0)
    );
    let after = services(store.clone(), 30 * 86_400);
    assert_eq!(after.notice_board(&staff(CHIYODA)).unwrap().len(), 0);

    // Changed or cancelled until sent; an immediate one is mailed at once.
    let later = at_nine
        .create_notice(&central(), &notice_draft(Some(at(7200))))
        .unwrap();
    let mut d = notice_draft(Some(at(7300)));
    d.targets = vec!["federation".into()];
    let changed = at_nine
        .change_notice(&central(), &later.notice.id, &d, later.version)
        .unwrap();
    assert_eq!(
        at_nine
            .change_notice(&central(), &later.notice.id, &d, later.version)
            .unwrap_err()
            .code(),
        "conflict"
    );
    let cancelled = at_nine
        .cancel_notice(&central(), &later.notice.id, changed.version)
        .unwrap();
    assert_eq!(cancelled.notice.status.as_str(), "cancelled");
    assert!(bank_services(store.clone(), 8000)
        .dispatch_notices(&central())
        .unwrap()
        .sent
        .is_empty());
    let too_late = bank_services(store.clone(), 8000)
        .create_notice(&central(), &d)
        .unwrap_err();
    assert_eq!(too_late.code(), "send_time_passed");
    let mut immediate = d;
    immediate.send_at = None;
    let sent_now = at_nine.create_notice(&central(), &immediate).unwrap();
    assert_eq!(
        (sent_now.notice.status.as_str(), sent_now.notice.recipients),
        ("sent", 1)
    );
    assert_eq!(at_nine.notices(&central()).unwrap().len(), 3);
}
