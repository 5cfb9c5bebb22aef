//! Users through the services: activation, sign-in and lockout, second factor, resets, changes.

use super::*;

pub fn account_lifecycle_and_lockout(store: Arc<dyn Store>) {
    use crate::organisation::Role;
    let s = account_services(store.clone(), 0);
    // Only an administrator creates users, with a role valid for the organisation.
    assert_eq!(
        s.create_user(
            &staff(CHIYODA),
            &email("a@example.jp"),
            "A",
            Role::Municipality
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.create_user(
            &admin_of(CHIYODA),
            &email("a@example.jp"),
            "A",
            Role::Doctor
        )
        .unwrap_err()
        .code(),
        "role_not_allowed"
    );
    let issued = s
        .create_user(
            &admin_of(CHIYODA),
            &email("sato@example.jp"),
            "佐藤 一郎",
            Role::Municipality,
        )
        .unwrap();
    assert_eq!(issued.user_id.as_str(), "131016-0001");
    let second = s
        .create_user(
            &admin_of(CHIYODA),
            &email("suzuki@example.jp"),
            "鈴木",
            Role::Municipality,
        )
        .unwrap();
    assert_eq!(second.user_id.as_str(), "131016-0002");
    let uid = issued.user_id.as_str();
    let temp = issued.temporary_password.expose();
    let url = issued.url_token.expose();
    // The outbox carries the same to the holder's address.
    let outbox = s.pending_notifications(&central(), 10).unwrap();
    assert_eq!(outbox[0].recipient.as_str(), "sato@example.jp");
    assert_eq!(outbox[0].secrets["temporary_password"].expose(), temp);
    // The temporary password cannot sign in; activation needs the URL token too.
    assert_eq!(
        s.sign_in(uid, temp, None).unwrap_err().code(),
        "password_change_required"
    );
    assert_eq!(
        s.activate_account(uid, "wrong", temp, GOOD)
            .unwrap_err()
            .code(),
        "invalid_credentials"
    );
    assert_eq!(
        s.activate_account(uid, url, temp, "short")
            .unwrap_err()
            .code(),
        "password_rejected"
    );
    s.activate_account(uid, url, temp, GOOD).unwrap();
    assert_eq!(
        s.activate_account(uid, url, temp, GOOD).unwrap_err().code(),
        "invalid_credentials",
        "the URL is single-use"
    );
    let actor = s.sign_in(uid, GOOD, None).unwrap();
    assert_eq!(actor.roles, vec![Role::Municipality]);
    assert_eq!(actor.organisation.as_str(), CHIYODA);
    let got = store.user(&issued.user_id).unwrap().unwrap().user;
    assert_eq!(got.last_sign_in, Some(at(0)));
    // Unknown users and wrong passwords get the same answer.
    assert_eq!(
        s.sign_in("131016-9999", GOOD, None).unwrap_err().code(),
        "invalid_credentials"
    );
    assert_eq!(
        s.sign_in("not an id", GOOD, None).unwrap_err().code(),
        "invalid_credentials"
    );
    // Five failures lock the account for fifteen minutes, even for the right password.
    for _ in 0..5 {
        assert_eq!(
            s.sign_in(uid, "wrong", None).unwrap_err().code(),
            "invalid_credentials"
        );
    }
    assert_eq!(
        s.sign_in(uid, GOOD, None).unwrap_err().code(),
        "account_locked"
    );
    let later = account_services(store.clone(), 15 * 60);
    later.sign_in(uid, GOOD, None).unwrap();
    // A suspended account cannot sign in.
    let mut suspended = store.user(&issued.user_id).unwrap().unwrap();
    suspended.user.state = crate::accounts::AccountStatus::Suspended;
    store
        .commit(ChangeSet {
            writes: vec![Write::PutUser {
                user: Box::new(suspended.user),
                updated_at: at(0),
                expected: Expected::Version(suspended.version),
            }],
            log: vec![],
        })
        .unwrap();
    assert_eq!(
        later.sign_in(uid, GOOD, None).unwrap_err().code(),
        "account_suspended"
    );
    // An expired temporary password must be requested anew.
    let late = account_services(store.clone(), 73 * 3600);
    assert_eq!(
        late.activate_account(
            second.user_id.as_str(),
            second.url_token.expose(),
            second.temporary_password.expose(),
            GOOD
        )
        .unwrap_err()
        .code(),
        "temporary_password_expired"
    );
    // No secret in the stored user.
    let body = format!("{:?}", store.user(&second.user_id).unwrap());
    assert!(!body.contains(second.temporary_password.expose()));
}

pub fn second_factor_and_recovery_codes(store: Arc<dyn Store>) {
    let s = account_services(store.clone(), 0);
    let uid = activated(&s, CHIYODA, "totp@example.jp");
    let actor = s.sign_in(&uid, GOOD, None).unwrap();
    let (secret, uri) = s.enrol_totp(&actor).unwrap();
    assert!(uri.expose().starts_with("otpauth://totp/sesshu:"));
    // Not required until confirmed.
    s.sign_in(&uid, GOOD, None).unwrap();
    let code = |t: i64| {
        crate::accounts::totp::code_at_step(&secret, crate::accounts::totp::step_at(at(t))).unwrap()
    };
    assert_eq!(
        s.confirm_totp(&actor, "000000x").unwrap_err().code(),
        "invalid_credentials"
    );
    let recovery = s.confirm_totp(&actor, &code(0)).unwrap();
    assert_eq!(recovery.len(), 10);
    let s60 = account_services(store.clone(), 60);
    assert_eq!(
        s60.sign_in(&uid, GOOD, None).unwrap_err().code(),
        "second_factor_required"
    );
    s60.sign_in(&uid, GOOD, Some(&code(60))).unwrap();
    assert_eq!(
        s60.sign_in(&uid, GOOD, Some(&code(60))).unwrap_err().code(),
        "invalid_credentials",
        "a code is used once"
    );
    s60.sign_in(&uid, GOOD, Some(recovery[0].expose())).unwrap();
    assert_eq!(
        s60.sign_in(&uid, GOOD, Some(recovery[0].expose()))
            .unwrap_err()
            .code(),
        "invalid_credentials",
        "a recovery code is used once"
    );
}

pub fn resets_and_reminders_reveal_nothing(store: Arc<dyn Store>) {
    let s = account_services(store.clone(), 0);
    let uid = activated(&s, CHIYODA, "reset@example.jp");
    let before = s.pending_notifications(&central(), 100).unwrap().len();
    // Wrong pairs answer the same and queue nothing.
    s.request_password_reset(&uid, "other@example.jp").unwrap();
    s.request_password_reset("131016-9999", "reset@example.jp")
        .unwrap();
    s.remind_user_ids("nobody@example.jp").unwrap();
    assert_eq!(
        s.pending_notifications(&central(), 100).unwrap().len(),
        before
    );
    s.request_password_reset(&uid, "reset@example.jp").unwrap();
    s.remind_user_ids("reset@example.jp").unwrap();
    let queued = s.pending_notifications(&central(), 100).unwrap();
    assert_eq!(queued.len(), before + 2);
    let reset = &queued[before];
    assert_eq!(reset.kind, crate::outbox::NotificationKind::PasswordReset);
    assert_eq!(queued[before + 1].payload["user_ids"], uid);
    // The permanent password stays valid until the reset is completed.
    s.sign_in(&uid, GOOD, None).unwrap();
    s.activate_account(
        &uid,
        reset.secrets["url_token"].expose(),
        reset.secrets["temporary_password"].expose(),
        "Another-Good-Pass-9",
    )
    .unwrap();
    assert_eq!(
        s.sign_in(&uid, GOOD, None).unwrap_err().code(),
        "invalid_credentials"
    );
    s.sign_in(&uid, "Another-Good-Pass-9", None).unwrap();
    // The outbox is drained by the operator only; acknowledging erases secrets.
    assert_eq!(
        s.pending_notifications(&admin_of(CHIYODA), 10)
            .unwrap_err()
            .code(),
        "not_authorized"
    );
    let seqs: Vec<i64> = queued.iter().map(|n| n.seq).collect();
    s.ack_notifications(&central(), &seqs).unwrap();
    assert!(s.pending_notifications(&central(), 100).unwrap().is_empty());
    assert!(store
        .notifications(0, false, 100)
        .unwrap()
        .iter()
        .all(|n| n.secrets.is_empty()));
}

pub fn own_and_administrator_changes(store: Arc<dyn Store>) {
    use crate::accounts::AccountStatus;
    use crate::organisation::Role;
    use crate::secrets::Secret;
    use crate::service::{OwnChanges, UserChanges};
    let s = account_services(store.clone(), 0);
    let uid = activated(&s, CHIYODA, "self@example.jp");
    let me = s.sign_in(&uid, GOOD, None).unwrap();
    // Only changed fields are applied.
    let report = s
        .update_own_account(
            &me,
            &OwnChanges {
                name: Some("利用者".into()),
                email: Some(email("new@example.jp")),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(report.changed, ["email"]);
    // The address changes only through the link, within its validity.
    let u = store
        .user(&crate::accounts::UserId::parse(&uid).unwrap())
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(u.email.as_str(), "self@example.jp");
    let link = s
        .pending_notifications(&central(), 100)
        .unwrap()
        .into_iter()
        .find(|n| n.kind == crate::outbox::NotificationKind::EmailConfirmation)
        .unwrap();
    assert_eq!(link.recipient.as_str(), "new@example.jp");
    let token = link.secrets["link_token"].expose().to_owned();
    assert_eq!(
        s.confirm_email(&uid, "wrong").unwrap_err().code(),
        "link_expired"
    );
    assert_eq!(
        account_services(store.clone(), 25 * 3600)
            .confirm_email(&uid, &token)
            .unwrap_err()
            .code(),
        "link_expired"
    );
    s.confirm_email(&uid, &token).unwrap();
    assert_eq!(
        s.confirm_email(&uid, &token).unwrap_err().code(),
        "link_expired"
    );
    let u = store
        .user(&crate::accounts::UserId::parse(&uid).unwrap())
        .unwrap()
        .unwrap()
        .user;
    assert_eq!(u.email.as_str(), "new@example.jp");
    // A password change needs the current password, and history forbids reuse.
    let change = |current: &str, new: &str| OwnChanges {
        password: Some((Secret::new(current), Secret::new(new))),
        ..Default::default()
    };
    assert_eq!(
        s.update_own_account(&me, &change("wrong", "Kyoto-Hills-1977"))
            .unwrap_err()
            .code(),
        "invalid_credentials"
    );
    s.update_own_account(&me, &change(GOOD, "Kyoto-Hills-1977"))
        .unwrap();
    assert_eq!(
        s.update_own_account(&me, &change("Kyoto-Hills-1977", GOOD))
            .unwrap_err()
            .code(),
        "password_rejected"
    );
    s.sign_in(&uid, "Kyoto-Hills-1977", None).unwrap();
    // Role and state: administrators of the same organisation only.
    assert_eq!(
        s.update_user(
            &admin_of(SAPPORO),
            &uid,
            &UserChanges {
                state: Some(AccountStatus::Suspended),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.update_user(
            &me,
            &uid,
            &UserChanges {
                role: Some(Role::Administrator),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "not_authorized"
    );
    assert_eq!(
        s.update_user(
            &admin_of(CHIYODA),
            &uid,
            &UserChanges {
                role: Some(Role::Doctor),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "role_not_allowed"
    );
    let report = s
        .update_user(
            &admin_of(CHIYODA),
            &uid,
            &UserChanges {
                role: Some(Role::Municipality),
                state: Some(AccountStatus::Suspended),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(report.changed, ["state"]);
    assert_eq!(
        s.sign_in(&uid, "Kyoto-Hills-1977", None)
            .unwrap_err()
            .code(),
        "account_suspended"
    );
    assert_eq!(s.list_users(&admin_of(CHIYODA), None, 10).unwrap().len(), 1);
}
