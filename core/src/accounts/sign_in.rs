//! Signing in (H-1-9) as a pure rule, [`decide_sign_in`], and why a
//! sign-in, an activation or a credential change was refused.

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::{
    totp, verify_password, AccountStatus, FailureState, LockoutPolicy, PasswordViolation, User,
};
use crate::secrets::{constant_time_eq, digest_hex};

/// A refused sign-in or credential change. The messages never say whether
/// an account exists or which part was wrong: `invalid_credentials` covers
/// an unknown user id, a wrong password, a wrong temporary password or URL
/// token, and a wrong second factor.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The user id, password, token or code did not match.
    #[error("the user id or password is not correct")]
    InvalidCredentials,
    /// Too many failures: try again later.
    #[error("the account is locked after repeated failures until {until}")]
    Locked {
        /// When the lock ends.
        until: DateTime<Utc>,
    },
    /// The account is suspended (停止).
    #[error("the account is suspended")]
    Suspended,
    /// The account has a second factor: sign in again with its code.
    #[error("a second-factor code is required")]
    SecondFactorRequired,
    /// Only a temporary password is set: activate the account with it.
    #[error("set a permanent password first (the temporary password cannot sign in)")]
    PasswordChangeRequired,
    /// The temporary password and URL are past their validity: request a
    /// new temporary password.
    #[error("the temporary password has expired; request a new one")]
    TemporaryExpired,
    /// The link (e-mail change) is past its validity or was replaced.
    #[error("the link has expired or was already used")]
    LinkExpired,
    /// The new password does not satisfy the policy.
    #[error("the new password is not acceptable: {}", violations.iter().map(|v| v.message()).collect::<Vec<_>>().join("; "))]
    PasswordRejected {
        /// Every rule it breaks.
        violations: Vec<PasswordViolation>,
    },
    /// The services were built without a random source
    /// (`Sesshu::with_random`).
    #[error("no random source is configured for making secrets")]
    NoRandomSource,
}

impl SignInError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::InvalidCredentials => "invalid_credentials",
            SignInError::Locked { .. } => "account_locked",
            SignInError::Suspended => "account_suspended",
            SignInError::SecondFactorRequired => "second_factor_required",
            SignInError::PasswordChangeRequired => "password_change_required",
            SignInError::TemporaryExpired => "temporary_password_expired",
            SignInError::LinkExpired => "link_expired",
            SignInError::PasswordRejected { .. } => "password_rejected",
            SignInError::NoRandomSource => "no_random_source",
        }
    }
}

/// What a sign-in attempt decides (H-1-9), before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInDecision {
    /// Signed in: the user as it is to be stored (last sign-in now, the
    /// failures cleared, the TOTP step taken or the recovery code spent).
    SignedIn(Box<User>),
    /// A failed attempt: the user with the failure counted (and maybe a
    /// lock) is to be stored, and the answer is `invalid_credentials`.
    Failed(Box<User>),
    /// Refused with nothing to store.
    Refused(SignInError),
}

/// The sign-in rule (H-1-9), in this order: a locked account is refused;
/// the password must match (a temporary password asks for activation
/// instead); a suspended account is refused; an enrolled second factor is
/// required and must be a fresh TOTP code or an unspent recovery code.
/// A wrong password or code counts as a failure under `policy`.
pub fn decide_sign_in(
    user: &User,
    password: &str,
    second_factor: Option<&str>,
    policy: LockoutPolicy,
    now: DateTime<Utc>,
) -> SignInDecision {
    let creds = &user.credentials;
    let failed = || {
        let mut user = user.clone();
        user.credentials.failures = policy.after_failure(&user.credentials.failures, now);
        SignInDecision::Failed(Box::new(user))
    };
    if let (true, Some(until)) = (
        policy.is_locked(&creds.failures, now),
        creds.failures.locked_until,
    ) {
        return SignInDecision::Refused(SignInError::Locked { until });
    }
    let Some(hash) = &creds.password else {
        let temporary = creds.temporary.as_ref().is_some_and(|t| {
            constant_time_eq(digest_hex(password).as_bytes(), t.digest.as_bytes())
        });
        return if temporary {
            SignInDecision::Refused(SignInError::PasswordChangeRequired)
        } else {
            failed()
        };
    };
    if !verify_password(password, hash) {
        return failed();
    }
    if user.state == AccountStatus::Suspended {
        return SignInDecision::Refused(SignInError::Suspended);
    }
    let mut signed_in = user.clone();
    if let Some(enrolment) = signed_in.credentials.totp.as_mut().filter(|t| t.confirmed) {
        let Some(code) = second_factor else {
            return SignInDecision::Refused(SignInError::SecondFactorRequired);
        };
        if let Some(step) = totp::verify(&enrolment.secret, code, now, enrolment.last_step) {
            enrolment.last_step = Some(step);
        } else {
            let digest = totp::recovery_digest(code);
            let before = enrolment.recovery.len();
            enrolment
                .recovery
                .retain(|d| !constant_time_eq(d.as_bytes(), digest.as_bytes()));
            if enrolment.recovery.len() == before {
                return failed();
            }
        }
    }
    signed_in.last_sign_in = Some(now);
    signed_in.credentials.failures = FailureState::default();
    SignInDecision::SignedIn(Box::new(signed_in))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use chrono::TimeZone;

    use super::*;
    use crate::accounts::{hash_password, Argon2Params, Credentials, TemporaryPassword};
    use crate::accounts::{TotpEnrolment, UserId};
    use crate::identifiers::EmailAddress;
    use crate::organisation::{OrganisationCode, OrganisationType, Role};
    use crate::secrets::{Secret, SeededRandom};

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_740_000_000, 0).unwrap()
    }

    fn user(password: Option<&str>) -> User {
        let org = OrganisationCode::parse("131016").unwrap();
        let cheap = Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        User {
            id: UserId::new(&org, 1),
            org_type: OrganisationType::Municipality,
            organisation: org,
            email: EmailAddress::parse("sato@example.jp").unwrap(),
            name: "佐藤 一郎".into(),
            role: Role::Municipality,
            state: AccountStatus::Active,
            linked_accounts: vec![],
            issued_at: now(),
            last_sign_in: None,
            credentials: Credentials {
                password: password.map(|p| hash_password(p, cheap, &SeededRandom::new(1)).unwrap()),
                ..Credentials::default()
            },
        }
    }

    fn with_totp(mut u: User, recovery: &str) -> User {
        u.credentials.totp = Some(TotpEnrolment {
            secret: Secret::new(SECRET),
            confirmed: true,
            last_step: None,
            recovery: vec![totp::recovery_digest(recovery)],
        });
        u
    }

    fn decide(u: &User, password: &str, code: Option<&str>) -> SignInDecision {
        decide_sign_in(u, password, code, LockoutPolicy::default(), now())
    }

    #[test]
    fn the_right_password_signs_in_and_clears_the_failures() {
        let mut u = user(Some("Sakura-Fuji-2025"));
        u.credentials.failures =
            LockoutPolicy::default().after_failure(&FailureState::default(), now());
        let SignInDecision::SignedIn(after) = decide(&u, "Sakura-Fuji-2025", None) else {
            panic!("not signed in");
        };
        assert_eq!(after.last_sign_in, Some(now()));
        assert_eq!(after.credentials.failures, FailureState::default());
    }

    #[test]
    fn a_wrong_password_counts_and_the_fifth_locks() {
        let mut u = user(Some("Sakura-Fuji-2025"));
        for _ in 0..5 {
            let SignInDecision::Failed(after) = decide(&u, "wrong", None) else {
                panic!("not a failure");
            };
            u = *after;
        }
        assert!(u.credentials.failures.locked_until.is_some());
        // Locked: even the right password is refused, and nothing changes.
        assert!(matches!(
            decide(&u, "Sakura-Fuji-2025", None),
            SignInDecision::Refused(SignInError::Locked { .. })
        ));
    }

    #[test]
    fn the_lock_comes_before_the_password_and_the_password_before_suspension() {
        let mut u = user(Some("Sakura-Fuji-2025"));
        u.state = AccountStatus::Suspended;
        // A suspended account with a wrong password is a failure, not
        // "suspended": the answer must not tell a guesser the state.
        assert!(matches!(
            decide(&u, "wrong", None),
            SignInDecision::Failed(_)
        ));
        assert_eq!(
            decide(&u, "Sakura-Fuji-2025", None),
            SignInDecision::Refused(SignInError::Suspended)
        );
    }

    #[test]
    fn a_temporary_password_asks_for_activation() {
        let mut u = user(None);
        u.credentials.temporary = Some(TemporaryPassword {
            digest: digest_hex("Temp-1234"),
            url_token_digest: digest_hex("url"),
            expires_at: now(),
        });
        assert_eq!(
            decide(&u, "Temp-1234", None),
            SignInDecision::Refused(SignInError::PasswordChangeRequired)
        );
        assert!(matches!(
            decide(&u, "other", None),
            SignInDecision::Failed(_)
        ));
    }

    #[test]
    fn a_second_factor_is_a_fresh_code_or_an_unspent_recovery_code() {
        let u = with_totp(user(Some("Sakura-Fuji-2025")), "ABCDE-FGHIJ");
        assert_eq!(
            decide(&u, "Sakura-Fuji-2025", None),
            SignInDecision::Refused(SignInError::SecondFactorRequired)
        );
        let step = totp::step_at(now());
        let code = totp::code_at_step(&Secret::new(SECRET), step).unwrap();
        let SignInDecision::SignedIn(after) = decide(&u, "Sakura-Fuji-2025", Some(&code)) else {
            panic!("the code did not sign in");
        };
        // The same code again is a replay.
        assert!(matches!(
            decide(&after, "Sakura-Fuji-2025", Some(&code)),
            SignInDecision::Failed(_)
        ));
        let SignInDecision::SignedIn(spent) = decide(&u, "Sakura-Fuji-2025", Some("abcde-fghij"))
        else {
            panic!("the recovery code did not sign in");
        };
        assert!(spent.credentials.totp.as_ref().unwrap().recovery.is_empty());
        assert!(matches!(
            decide(&spent, "Sakura-Fuji-2025", Some("ABCDE-FGHIJ")),
            SignInDecision::Failed(_)
        ));
    }
}
