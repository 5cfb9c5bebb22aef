//! Users of the national system (H-1-2 … H-1-9): who they are, what they
//! may sign in with, and the configuration of the account lifecycle.
//!
//! **User ids** read `<organisation code>-<n>`, `n` at least four digits,
//! numbered per organisation from 1 (`131016-0001` is Chiyoda's first
//! user). They are unique because organisation codes are, readable on the
//! phone, and never reused.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::AccountStatus;
use super::{Argon2Params, FailureState, LockoutPolicy, PasswordHash, PasswordPolicy};
use crate::identifiers::{EmailAddress, IdentifierError};
use crate::organisation::{OrganisationCode, OrganisationType, Role};
use crate::secrets::Secret;

/// A user id (`<organisation code>-<n>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    /// The `n`th user of `organisation`.
    pub fn new(organisation: &OrganisationCode, n: u64) -> Self {
        UserId(format!("{organisation}-{n:04}"))
    }

    /// Parses a user id.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let bad = |reason| IdentifierError::InvalidKey {
            kind: "user_id",
            value: input.to_owned(),
            reason,
        };
        let (org, n) = input
            .trim()
            .rsplit_once('-')
            .ok_or_else(|| bad("expected <organisation code>-<number>"))?;
        OrganisationCode::parse(org).map_err(|_| bad("the organisation code is not valid"))?;
        if n.len() < 4 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the number must be at least four digits"));
        }
        Ok(UserId(input.trim().to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The organisation part.
    pub fn organisation(&self) -> &str {
        self.0.rsplit_once('-').map_or("", |(o, _)| o)
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UserId {
    type Error = IdentifierError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UserId::parse(&s)
    }
}

impl From<UserId> for String {
    fn from(u: UserId) -> String {
        u.0
    }
}

/// A temporary password (仮パスワード) and the single-use URL token that
/// must accompany it, valid until `expires_at`.
///
/// Both are random (80 and 160 bits), not chosen by a person, so a fast
/// SHA-256 digest protects them as well as Argon2 would — and a batch that
/// issues 100,000 first administrators does not spend a second of memory-
/// hard hashing on each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemporaryPassword {
    /// SHA-256 of the temporary password.
    pub digest: String,
    /// SHA-256 of the URL token.
    pub url_token_digest: String,
    /// Not valid from then on.
    pub expires_at: DateTime<Utc>,
}

/// An e-mail change waiting for its link to be followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEmail {
    /// The new address.
    pub email: EmailAddress,
    /// SHA-256 of the link's token.
    pub token_digest: String,
    /// Not valid from then on.
    pub expires_at: DateTime<Utc>,
}

/// A TOTP second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// The shared secret (base 32).
    #[serde(with = "secret_text")]
    pub secret: Secret,
    /// Confirmed by a first correct code; only then required at sign-in.
    pub confirmed: bool,
    /// The last step used (no replay).
    pub last_step: Option<i64>,
    /// Digests of the unused recovery codes.
    pub recovery: Vec<String>,
}

mod secret_text {
    use crate::secrets::Secret;
    pub fn serialize<S: serde::Serializer>(s: &Secret, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.expose())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        <String as serde::Deserialize>::deserialize(d).map(Secret::new)
    }
}

/// What a user signs in with. Never shown: `Debug` of the parts is redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The permanent password, once set.
    pub password: Option<PasswordHash>,
    /// Earlier permanent passwords, newest first.
    pub history: Vec<PasswordHash>,
    /// A temporary password waiting to be replaced.
    pub temporary: Option<TemporaryPassword>,
    /// Recent sign-in failures.
    pub failures: FailureState,
    /// The second factor, if enrolled.
    pub totp: Option<TotpEnrolment>,
    /// An e-mail change waiting for confirmation.
    pub pending_email: Option<PendingEmail>,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user id.
    pub id: UserId,
    /// The organisation's type.
    pub org_type: OrganisationType,
    /// The organisation.
    pub organisation: OrganisationCode,
    /// E-mail address.
    pub email: EmailAddress,
    /// Name.
    pub name: String,
    /// Role (valid for the organisation type).
    pub role: Role,
    /// 有効 or 停止.
    pub state: AccountStatus,
    /// 紐付けアカウント: other accounts of the same person.
    pub linked_accounts: Vec<UserId>,
    /// When the account was issued.
    pub issued_at: DateTime<Utc>,
    /// Last successful sign-in.
    pub last_sign_in: Option<DateTime<Utc>>,
    /// What the user signs in with.
    pub credentials: Credentials,
}

impl User {
    /// The activity the inactivity rule reads.
    pub fn activity(&self) -> super::AccountActivity {
        super::AccountActivity {
            status: self.state,
            issued_at: self.issued_at,
            last_login_at: self.last_sign_in,
        }
    }

    /// The actor this user acts as.
    pub fn actor(&self) -> crate::authz::Actor {
        crate::authz::Actor::new(
            self.id.as_str(),
            self.org_type,
            self.organisation.clone(),
            vec![self.role],
        )
    }
}

/// The account lifecycle's configuration. Validities are in hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountConfig {
    /// Temporary password and URL of an account created by an administrator.
    pub temporary_validity_hours: i64,
    /// Temporary password and URL of a first administrator: longer, for the
    /// lead time between contract and first use.
    pub first_admin_validity_hours: i64,
    /// The link that confirms a new e-mail address.
    pub email_change_validity_hours: i64,
    /// How long a rotated token stays valid beside its successor.
    pub token_rotation_overlap_hours: i64,
    /// How long a signed-in user's session lasts (`sesshu login`).
    pub session_hours: i64,
    /// Repeated sign-in failures.
    pub lockout: LockoutPolicy,
    /// The password policy.
    pub password_policy: PasswordPolicy,
    /// Argon2id costs.
    pub argon2: Argon2Params,
}

impl Default for AccountConfig {
    fn default() -> Self {
        AccountConfig {
            temporary_validity_hours: 72,
            first_admin_validity_hours: 30 * 24,
            email_change_validity_hours: 24,
            token_rotation_overlap_hours: 24,
            session_hours: 8,
            lockout: LockoutPolicy::default(),
            password_policy: PasswordPolicy::default(),
            argon2: Argon2Params::default(),
        }
    }
}

impl AccountConfig {
    /// `hours` as a duration.
    pub fn hours(hours: i64) -> TimeDelta {
        TimeDelta::hours(hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_numbered_per_organisation() {
        let chiyoda = OrganisationCode::parse("131016").unwrap_or_else(|_| unreachable!());
        let id = UserId::new(&chiyoda, 1);
        assert_eq!(id.as_str(), "131016-0001");
        assert_eq!(id.organisation(), "131016");
        assert_eq!(UserId::parse("131016-0001"), Ok(id));
        assert_eq!(UserId::new(&chiyoda, 12_345).as_str(), "131016-12345");
        for bad in ["", "131016", "131016-01", "131016-00a1", "-0001"] {
            assert_eq!(
                UserId::parse(bad).map_err(|e| e.code()),
                Err("invalid_key"),
                "{bad}"
            );
        }
    }

    #[test]
    fn credentials_never_show_secrets() {
        let c = Credentials {
            totp: Some(TotpEnrolment {
                secret: Secret::new("JBSWY3DPEHPK3PXP"),
                confirmed: true,
                last_step: None,
                recovery: vec![],
            }),
            ..Credentials::default()
        };
        assert!(!format!("{c:?}").contains("JBSWY3DPEHPK3PXP"));
    }
}
