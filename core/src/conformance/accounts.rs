//! Accounts as stored: organisations, users, tokens, the outbox, store modes and sessions.

use super::*;

pub fn organisations_and_users_round_trip(store: Arc<dyn Store>) {
    use crate::store::Organisation;
    let org = Organisation {
        org_type: crate::organisation::OrganisationType::Municipality,
        code: org_code(CHIYODA),
        online_eligibility: false,
        first_admin: None,
        users_issued: 1,
    };
    let u = user(CHIYODA, 1, "yamada@example.jp", 0, None);
    store
        .commit(ChangeSet {
            writes: vec![
                Write::PutOrganisation {
                    organisation: org.clone(),
                    expected: Expected::Absent,
                },
                put_user(u.clone(), Expected::Absent),
            ],
            log: vec![],
        })
        .unwrap();
    let got = store.organisation(&org.code).unwrap().unwrap();
    assert_eq!((got.organisation, got.version), (org.clone(), 1));
    assert_eq!(
        store
            .organisations(&[org_code("999999"), org.code.clone()])
            .unwrap()
            .len(),
        1
    );
    let got = store.user(&u.id).unwrap().unwrap();
    assert_eq!((&got.user, got.version), (&u, 1));
    assert_eq!(store.users_by_email("yamada@example.jp").unwrap().len(), 1);
    assert!(store.users_by_email("other@example.jp").unwrap().is_empty());
    assert_eq!(store.users_of(&org.code, None, 10).unwrap().len(), 1);
    assert!(store
        .users_of(&org.code, Some(&u.id), 10)
        .unwrap()
        .is_empty());
    // A stale write of the user is a conflict and writes nothing.
    let mut renamed = u.clone();
    renamed.name = "山田 花子".into();
    let err = store
        .commit(ChangeSet {
            writes: vec![
                put_user(renamed.clone(), Expected::Version(1)),
                put_user(renamed.clone(), Expected::Version(1)),
            ],
            log: vec![],
        })
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert_eq!(store.user(&u.id).unwrap().unwrap().user.name, "山田 太郎");
    store
        .commit(ChangeSet {
            writes: vec![put_user(renamed.clone(), Expected::Version(1))],
            log: vec![],
        })
        .unwrap();
    let got = store.user(&u.id).unwrap().unwrap();
    assert_eq!((got.user.name.as_str(), got.version), ("山田 花子", 2));
    let err = store
        .commit(ChangeSet {
            writes: vec![put_user(u, Expected::Absent)],
            log: vec![],
        })
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
}

pub fn inactive_users_are_found_by_last_activity(store: Arc<dyn Store>) {
    use crate::accounts::AccountStatus;
    let mut suspended = user(CHIYODA, 4, "d@example.jp", 0, None);
    suspended.state = AccountStatus::Suspended;
    store
        .commit(ChangeSet {
            writes: vec![
                put_user(user(CHIYODA, 1, "a@example.jp", 0, None), Expected::Absent),
                put_user(
                    user(CHIYODA, 2, "b@example.jp", 0, Some(500)),
                    Expected::Absent,
                ),
                put_user(
                    user(CHIYODA, 3, "c@example.jp", 50, Some(60)),
                    Expected::Absent,
                ),
                put_user(suspended, Expected::Absent),
            ],
            log: vec![],
        })
        .unwrap();
    let ids = |after: Option<(DateTime<Utc>, &crate::accounts::UserId)>, limit| -> Vec<String> {
        store
            .inactive_users(at(100), after, limit)
            .unwrap()
            .into_iter()
            .map(|u| u.user.id.to_string())
            .collect()
    };
    // In order of last activity: 0001 (issued at 0), then 0003 (signed in at 60).
    assert_eq!(ids(None, 10), ["131016-0001", "131016-0003"]);
    let first = crate::accounts::UserId::parse("131016-0001").unwrap();
    assert_eq!(ids(Some((at(0), &first)), 10), ["131016-0003"]);
    assert_eq!(ids(None, 1), ["131016-0001"]);
}

pub fn access_tokens_round_trip(store: Arc<dyn Store>) {
    let (_clear, token) = crate::tokens::issue(
        &crate::secrets::SeededRandom::new(9),
        crate::organisation::OrganisationType::Municipality,
        org_code(CHIYODA),
        "健康管理システム",
        "131016-0001",
        at(0),
        None,
    )
    .unwrap();
    store
        .commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: token.clone(),
                expected: Expected::Absent,
            }],
            log: vec![],
        })
        .unwrap();
    assert_eq!(store.access_token(&token.id).unwrap(), Some(token.clone()));
    assert_eq!(
        store.access_tokens_of(&org_code(CHIYODA)).unwrap(),
        vec![token.clone()]
    );
    assert!(store.access_token("nope").unwrap().is_none());
    let revoked = crate::tokens::AccessToken {
        revoked_at: Some(at(5)),
        ..token.clone()
    };
    store
        .commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: revoked,
                expected: Expected::Version(1),
            }],
            log: vec![],
        })
        .unwrap();
    let got = store.access_token(&token.id).unwrap().unwrap();
    assert_eq!((got.revoked_at, got.version), (Some(at(5)), 2));
}

pub fn outbox_dedupes_and_acknowledging_erases_secrets(store: Arc<dyn Store>) {
    use crate::outbox::{Notification, NotificationKind};
    let n = |key: &str| Notification {
        seq: 0,
        kind: NotificationKind::AccountIssued,
        recipient: crate::identifiers::EmailAddress::parse("yamada@example.jp").unwrap(),
        user: Some(crate::accounts::UserId::parse("131016-0001").unwrap()),
        payload: [("user_id".to_owned(), "131016-0001".to_owned())].into(),
        secrets: [(
            "temporary_password".to_owned(),
            crate::secrets::Secret::new("Tmp-Secret-42"),
        )]
        .into(),
        dedupe_key: Some(key.to_owned()),
        created_at: at(1),
        delivered_at: None,
    };
    for key in ["k1", "k1", "k2"] {
        store
            .commit(ChangeSet {
                writes: vec![Write::Notify {
                    notification: n(key),
                }],
                log: vec![],
            })
            .unwrap();
    }
    let pending = store.notifications(0, true, 10).unwrap();
    assert_eq!(pending.len(), 2, "the same dedupe key is stored once");
    assert_eq!(
        pending[0].secrets["temporary_password"].expose(),
        "Tmp-Secret-42"
    );
    assert_eq!(pending[0].payload["user_id"], "131016-0001");
    store
        .commit(ChangeSet {
            writes: vec![Write::AckNotifications {
                seqs: vec![pending[0].seq],
                at: at(2),
            }],
            log: vec![],
        })
        .unwrap();
    let pending_now = store.notifications(0, true, 10).unwrap();
    assert_eq!(pending_now.len(), 1);
    let all = store.notifications(0, false, 10).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].delivered_at, Some(at(2)));
    assert!(
        all[0].secrets.is_empty(),
        "acknowledging erases the secrets"
    );
    assert_eq!(store.notifications(all[0].seq, false, 10).unwrap().len(), 1);
}

pub fn tokens_issue_verify_revoke_rotate(store: Arc<dyn Store>) {
    use crate::organisation::OrganisationType as T;
    let s = account_services(store.clone(), 0);
    let chiyoda = org_code(CHIYODA);
    let issued = s
        .issue_token(
            &staff(CHIYODA),
            T::Municipality,
            &chiyoda,
            "健康管理システム",
            None,
        )
        .unwrap();
    let token = issued.token.expose();
    assert!(!format!("{:?}", issued).contains(token));
    let system = s.verify_token(token).unwrap();
    assert_eq!(system.organisation, chiyoda);
    assert_eq!(system.roles, vec![crate::organisation::Role::Municipality]);
    // The system may pull deliveries as the municipality.
    s.pull_delivery(&system, 10).unwrap();
    assert_eq!(
        s.verify_token("sst_nope_nope").unwrap_err().code(),
        "invalid_token"
    );
    assert_eq!(
        s.verify_token("garbage").unwrap_err().code(),
        "invalid_token"
    );
    // Another municipality cannot manage Chiyoda's token.
    assert_eq!(
        s.revoke_token(&staff(SAPPORO), &issued.stored.id)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    // Municipality staff issue for an institution outside the online
    // eligibility network, not for a connected one, not for another municipality.
    let clinic = org_code("1310100011");
    s.issue_token(
        &staff(CHIYODA),
        T::MedicalInstitution,
        &clinic,
        "tablet",
        Some(90),
    )
    .unwrap();
    s.register_organisation(&central(), T::MedicalInstitution, &clinic, true)
        .unwrap();
    assert_eq!(
        s.issue_token(
            &staff(CHIYODA),
            T::MedicalInstitution,
            &clinic,
            "tablet",
            None
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.issue_token(
            &staff(CHIYODA),
            T::Municipality,
            &org_code(SAPPORO),
            "x",
            None
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    // Rotation: both work during the overlap, only the new one after it.
    let rotated = s.rotate_token(&staff(CHIYODA), &issued.stored.id).unwrap();
    let in_overlap = account_services(store.clone(), 3600);
    in_overlap.verify_token(token).unwrap();
    in_overlap.verify_token(rotated.token.expose()).unwrap();
    let after = account_services(store.clone(), 25 * 3600);
    assert_eq!(
        after.verify_token(token).unwrap_err().code(),
        "token_expired"
    );
    after.verify_token(rotated.token.expose()).unwrap();
    assert!(after
        .revoke_token(&staff(CHIYODA), &rotated.stored.id)
        .unwrap());
    assert!(!after
        .revoke_token(&staff(CHIYODA), &rotated.stored.id)
        .unwrap());
    assert_eq!(
        after
            .verify_token(rotated.token.expose())
            .unwrap_err()
            .code(),
        "token_revoked"
    );
    // Refusals are logged.
    let refused = store
        .log_search(&LogFilter::default(), 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.draft.action == AccessAction::Refused)
        .count();
    assert!(refused >= 3, "{refused}");
}

/// The store's mode is set once; the first operator's credential is issued
/// once; a session acts as its user until it is closed, expires or the
/// account is suspended (ADR 0015).
pub fn store_modes_bootstrap_and_sessions(store: Arc<dyn Store>) {
    use crate::identifiers::EmailAddress;
    use crate::organisation::OrganisationType as T;
    use crate::service::StoreMode;
    use crate::store::settings;
    let s = account_services(store.clone(), 0);
    assert_eq!(store.setting(settings::MODE).unwrap(), None);
    assert_eq!(s.store_mode().unwrap(), StoreMode::Production);
    assert!(s.initialise(StoreMode::Production).unwrap());
    assert!(!s.initialise(StoreMode::Production).unwrap());
    assert_eq!(
        s.initialise(StoreMode::Development).unwrap_err().code(),
        "store_mode_fixed"
    );
    // Written once, whoever races.
    let again = store
        .commit(ChangeSet {
            writes: vec![Write::PutSetting {
                key: settings::MODE.into(),
                value: "development".into(),
            }],
            log: Vec::new(),
        })
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again:?}");
    assert_eq!(
        store.setting(settings::MODE).unwrap().as_deref(),
        Some("production")
    );

    let email = EmailAddress::parse("admin@chiyoda.example.jp").unwrap();
    let chiyoda = org_code(CHIYODA);
    let issued = s
        .bootstrap_operator(T::Municipality, &chiyoda, &email, "千代田 管理者")
        .unwrap();
    assert_eq!(
        s.bootstrap_operator(T::Municipality, &chiyoda, &email, "二人目")
            .unwrap_err()
            .code(),
        "already_bootstrapped"
    );
    let user = issued.user_id.as_str().to_owned();
    assert_eq!(s.bootstrap_user().unwrap().as_deref(), Some(user.as_str()));
    s.activate_account(
        &user,
        issued.url_token.expose(),
        issued.temporary_password.expose(),
        "Kaze-no-Tani-2025!",
    )
    .unwrap();
    assert_eq!(
        s.open_session(&user, "wrong", None).unwrap_err().code(),
        "invalid_credentials"
    );
    let session = s.open_session(&user, "Kaze-no-Tani-2025!", None).unwrap();
    let actor = s.verify_token(session.token.expose()).unwrap();
    assert_eq!(actor.user_id, user);
    assert_eq!(actor.roles, vec![crate::organisation::Role::Administrator]);
    assert_eq!(session.expires_at, at(0) + chrono::TimeDelta::hours(8));
    // Past its end it is refused.
    let later = account_services(store.clone(), 8 * 3600);
    assert_eq!(
        later
            .verify_token(session.token.expose())
            .unwrap_err()
            .code(),
        "token_expired"
    );
    // An organisation's token is not a session to close.
    let system = s
        .issue_token(&actor, T::Municipality, &chiyoda, "batch", None)
        .unwrap();
    assert_eq!(
        s.close_session(system.token.expose()).unwrap_err().code(),
        "invalid_token"
    );
    assert!(s.close_session(session.token.expose()).unwrap());
    assert!(!s.close_session(session.token.expose()).unwrap());
    assert_eq!(
        s.verify_token(session.token.expose()).unwrap_err().code(),
        "token_revoked"
    );
}
