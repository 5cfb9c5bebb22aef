//! Organisation access tokens (アクセストークン, H-2): how a municipality's
//! health-management system, an electronic record or a tablet app proves
//! which organisation it acts for.
//!
//! A token reads `sst_<id>_<secret>`: the id is public and finds the stored
//! row; the whole token's SHA-256 is all that is stored. It is shown once,
//! when issued. Verification compares digests in constant time, then checks
//! revocation and expiry. Rotation issues a new token and lets the old one
//! live on for an overlap, so systems can switch without downtime.

use chrono::{DateTime, TimeDelta, Utc};
use thiserror::Error;

use crate::organisation::{OrganisationCode, OrganisationType};
use crate::secrets::{constant_time_eq, digest_hex, random_code, Random, Secret};

/// Why a token was refused. The caller's message never says more than
/// "invalid token" (see [`TokenError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not of the form `sst_<id>_<secret>`, unknown, or its digest differs.
    #[error("invalid access token")]
    Invalid,
    /// Revoked.
    #[error("the access token was revoked")]
    Revoked,
    /// Past its expiry.
    #[error("the access token has expired")]
    Expired,
    /// The label is empty or too long.
    #[error(
        "the token's label must be 1 to {MAX_LABEL} characters (what the holder calls the system)"
    )]
    InvalidLabel,
    /// The validity is not a whole number of days from 1 to [`MAX_VALID_DAYS`].
    #[error("a token's validity must be 1 to {MAX_VALID_DAYS} days (omit it for a token that does not expire), not {days}")]
    InvalidValidity {
        /// The days asked for.
        days: i64,
    },
    /// Only municipalities and medical institutions hold tokens.
    #[error("a {org_type} cannot hold an organisation access token")]
    NotIssuable {
        /// The organisation type asked for.
        org_type: OrganisationType,
    },
}

impl TokenError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Invalid => "invalid_token",
            TokenError::Revoked => "token_revoked",
            TokenError::Expired => "token_expired",
            TokenError::NotIssuable { .. } => "token_not_issuable",
            TokenError::InvalidLabel => "invalid_token_label",
            TokenError::InvalidValidity { .. } => "invalid_token_validity",
        }
    }
}

/// A stored token: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessToken {
    /// The public id (the `<id>` of the token).
    pub id: String,
    /// The organisation's type.
    pub org_type: OrganisationType,
    /// The organisation the token acts for.
    pub organisation: OrganisationCode,
    /// What the holder calls it ("電子カルテ", "tablet 3").
    pub label: String,
    /// SHA-256 of the whole token, hex.
    pub digest: String,
    /// Who issued it (a user id).
    pub issued_by: String,
    /// When.
    pub issued_at: DateTime<Utc>,
    /// Not valid from then on.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked then.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Row version, from 1.
    pub version: i64,
    /// For a signed-in user's session (`sesshu login`): the user it acts
    /// as, with that user's role, while the account stays active. `None`
    /// for an organisation's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_of: Option<String>,
}

/// Whether an organisation type may hold a token: municipalities (and
/// wide-area unions acting for them) and medical institutions.
pub fn may_hold_token(org_type: OrganisationType) -> bool {
    matches!(
        org_type,
        OrganisationType::Municipality
            | OrganisationType::WideAreaUnion
            | OrganisationType::MedicalInstitution
    )
}

/// The longest label, in characters.
pub const MAX_LABEL: usize = 100;
/// The longest validity, in days (ten years).
pub const MAX_VALID_DAYS: i64 = 3_650;

/// A validity given in days, checked: 1 to [`MAX_VALID_DAYS`].
pub fn valid_days(days: i64) -> Result<TimeDelta, TokenError> {
    if !(1..=MAX_VALID_DAYS).contains(&days) {
        return Err(TokenError::InvalidValidity { days });
    }
    TimeDelta::try_days(days).ok_or(TokenError::InvalidValidity { days })
}

/// A new token for an organisation: the token in clear (show it once) and
/// the row to store. The label must be 1 to [`MAX_LABEL`] characters.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    rng: &dyn Random,
    org_type: OrganisationType,
    organisation: OrganisationCode,
    label: &str,
    issued_by: &str,
    now: DateTime<Utc>,
    valid_for: Option<TimeDelta>,
) -> Result<(Secret, AccessToken), TokenError> {
    if !may_hold_token(org_type) {
        return Err(TokenError::NotIssuable { org_type });
    }
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL || label.chars().any(char::is_control)
    {
        return Err(TokenError::InvalidLabel);
    }
    let id = random_code(rng, 12).to_ascii_lowercase();
    let clear = Secret::new(format!("sst_{id}_{}", random_code(rng, 40)));
    let row = AccessToken {
        id,
        org_type,
        organisation,
        label: label.to_owned(),
        digest: digest_hex(clear.expose()),
        issued_by: issued_by.to_owned(),
        issued_at: now,
        expires_at: match valid_for {
            Some(d) => Some(
                now.checked_add_signed(d)
                    .ok_or(TokenError::InvalidValidity { days: d.num_days() })?,
            ),
            None => None,
        },
        revoked_at: None,
        version: 1,
        session_of: None,
    };
    Ok((clear, row))
}

/// A signed-in user's session (セッション): a token like an organisation's,
/// acting as `user` until `expires_at` or until revoked.
pub fn open_session(
    rng: &dyn Random,
    user: &crate::accounts::User,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> (Secret, AccessToken) {
    let id = random_code(rng, 12).to_ascii_lowercase();
    let clear = Secret::new(format!("sst_{id}_{}", random_code(rng, 40)));
    let row = AccessToken {
        id,
        org_type: user.org_type,
        organisation: user.organisation.clone(),
        label: "session".to_owned(),
        digest: digest_hex(clear.expose()),
        issued_by: user.id.as_str().to_owned(),
        issued_at: now,
        expires_at: Some(expires_at),
        revoked_at: None,
        version: 1,
        session_of: Some(user.id.as_str().to_owned()),
    };
    (clear, row)
}

/// The public id of a token in clear, if it has the token's form.
pub fn token_id(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("sst_")?;
    let (id, secret) = rest.split_once('_')?;
    (!id.is_empty() && !secret.is_empty()).then_some(id)
}

/// Checks a token in clear against its stored row at `now`.
pub fn verify(token: &str, row: &AccessToken, now: DateTime<Utc>) -> Result<(), TokenError> {
    let digest = digest_hex(token);
    if !constant_time_eq(digest.as_bytes(), row.digest.as_bytes()) {
        return Err(TokenError::Invalid);
    }
    if row.revoked_at.is_some_and(|t| t <= now) {
        return Err(TokenError::Revoked);
    }
    if row.expires_at.is_some_and(|t| t <= now) {
        return Err(TokenError::Expired);
    }
    Ok(())
}

/// The old row after a rotation at `now`: it stays valid for `overlap`
/// (never longer than it was going to).
pub fn retire(old: &AccessToken, now: DateTime<Utc>, overlap: TimeDelta) -> AccessToken {
    let until = now.checked_add_signed(overlap).unwrap_or(now);
    AccessToken {
        expires_at: Some(old.expires_at.map_or(until, |e| e.min(until))),
        ..old.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SeededRandom;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap_or_default()
    }

    fn chiyoda() -> OrganisationCode {
        OrganisationCode::parse("131016").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn an_issued_token_verifies_and_only_its_digest_is_kept() {
        let (clear, row) = issue(
            &SeededRandom::new(1),
            OrganisationType::Municipality,
            chiyoda(),
            "健康管理システム",
            "131016-0001",
            now(),
            None,
        )
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(token_id(clear.expose()), Some(row.id.as_str()));
        assert!(!format!("{row:?}").contains(clear.expose()));
        assert_eq!(verify(clear.expose(), &row, now()), Ok(()));
        let mut tampered = clear.expose().to_owned();
        tampered.pop();
        tampered.push('#');
        assert_eq!(verify(&tampered, &row, now()), Err(TokenError::Invalid));
    }

    #[test]
    fn revoked_expired_and_rotated_tokens() {
        let (clear, row) = issue(
            &SeededRandom::new(2),
            OrganisationType::MedicalInstitution,
            OrganisationCode::parse("1310100011").unwrap_or_else(|_| unreachable!()),
            "tablet",
            "131016-0001",
            now(),
            Some(TimeDelta::days(90)),
        )
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(
            verify(clear.expose(), &row, now() + TimeDelta::days(90)),
            Err(TokenError::Expired)
        );
        let revoked = AccessToken {
            revoked_at: Some(now()),
            ..row.clone()
        };
        assert_eq!(
            verify(clear.expose(), &revoked, now()),
            Err(TokenError::Revoked)
        );
        let old = retire(&row, now(), TimeDelta::hours(24));
        assert_eq!(
            verify(clear.expose(), &old, now() + TimeDelta::hours(23)),
            Ok(())
        );
        assert_eq!(
            verify(clear.expose(), &old, now() + TimeDelta::hours(24)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn only_municipalities_and_institutions_hold_tokens() {
        let err = issue(
            &SeededRandom::new(3),
            OrganisationType::Mhlw,
            OrganisationCode::parse("MHLW").unwrap_or_else(|_| unreachable!()),
            "x",
            "u",
            now(),
            None,
        );
        assert_eq!(
            err.map(|_| ()).map_err(|e| e.code()),
            Err("token_not_issuable")
        );
        assert_eq!(token_id("sst__x"), None);
        assert_eq!(token_id("bearer abc"), None);
    }
}
