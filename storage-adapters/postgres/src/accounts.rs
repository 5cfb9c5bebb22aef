//! Organisations, users, access tokens and the outbox: document rows (a
//! JSON body beside indexed columns).

use crate::Column;
use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::Transaction;
use sesshu_core::accounts::{User, UserId};
use sesshu_core::organisation::OrganisationCode;
use sesshu_core::outbox::Notification;
use sesshu_core::store::rows::{
    from_body, last_activity, to_body, NotificationBody, NotificationRow,
};
use sesshu_core::store::{
    AccountStore, Expected, FoundVersion, Organisation, StoreError, StoredOrganisation, StoredUser,
};
use sesshu_core::tokens::AccessToken;

use crate::pool::CachedClient;
use crate::sql::{check_sql, limit};
use crate::{backend, PostgresStore};

pub(crate) fn organisations(
    c: &mut CachedClient,
    codes: &[OrganisationCode],
) -> Result<Vec<StoredOrganisation>, StoreError> {
    let keys: Vec<&str> = codes.iter().map(OrganisationCode::as_str).collect();
    c.query(
        "SELECT code, body, version FROM organisations WHERE code = ANY($1) ORDER BY code",
        &[&keys],
    )?
    .iter()
    .map(|r| {
        let code: String = r.col(0)?;
        Ok(StoredOrganisation {
            organisation: from_body("organisation", &code, r.col(1)?)?,
            version: r.col(2)?,
        })
    })
    .collect()
}

pub(crate) fn users(
    c: &mut CachedClient,
    condition: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<StoredUser>, StoreError> {
    c.query(
        &format!("SELECT id, body, version, updated_at FROM users WHERE {condition}"),
        params,
    )?
    .iter()
    .map(|r| {
        let id: String = r.col(0)?;
        Ok(StoredUser {
            user: from_body("user", &id, r.col(1)?)?,
            version: r.col(2)?,
            updated_at: r.col(3)?,
        })
    })
    .collect()
}

pub(crate) fn tokens(
    c: &mut CachedClient,
    condition: &str,
    key: &str,
) -> Result<Vec<AccessToken>, StoreError> {
    c.query(
        &format!("SELECT id, body, version FROM access_tokens WHERE {condition} ORDER BY id"),
        &[&key],
    )?
    .iter()
    .map(|r| {
        let id: String = r.col(0)?;
        let token: AccessToken = from_body("access token", &id, r.col(1)?)?;
        Ok(AccessToken {
            version: r.col(2)?,
            ..token
        })
    })
    .collect()
}

pub(crate) fn notifications(
    c: &mut CachedClient,
    after_seq: i64,
    pending: bool,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    c.query(
        "SELECT seq, kind, recipient, body, dedupe_key, created_at, delivered_at FROM outbox
         WHERE seq > $1 AND (NOT $2 OR delivered_at IS NULL) ORDER BY seq LIMIT $3",
        &[&after_seq, &pending, &limit],
    )?
    .iter()
    .map(|r| {
        NotificationRow {
            seq: r.col(0)?,
            kind: r.col(1)?,
            recipient: r.col(2)?,
            body: r.col(3)?,
            dedupe_key: r.col(4)?,
            created_at: r.col(5)?,
            delivered_at: r.col(6)?,
        }
        .into_notification()
    })
    .collect()
}

/// The `id > after` bound of a keyset page.
pub(crate) fn after_user(after: Option<&UserId>) -> String {
    after.map_or(String::new(), ToString::to_string)
}

impl AccountStore for PostgresStore {
    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError> {
        Ok(organisations(&mut *self.client()?, std::slice::from_ref(code))?.pop())
    }

    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError> {
        organisations(&mut *self.client()?, codes)
    }

    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError> {
        Ok(users(&mut *self.client()?, "id = $1", &[&id.as_str()])?.pop())
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError> {
        users(&mut *self.client()?, "email = $1 ORDER BY id", &[&email])
    }

    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        users(
            &mut *self.client()?,
            "organisation = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[&organisation.as_str(), &after_user(after), &limit(limit_n)],
        )
    }

    fn inactive_users(
        &self,
        threshold: chrono::DateTime<chrono::Utc>,
        after: Option<(chrono::DateTime<chrono::Utc>, &UserId)>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        // Before any account: 0001-01-01 (PostgreSQL's range starts in 4713 BC).
        let first = chrono::DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or_default();
        let (at, id) = after.map_or((first, ""), |(t, id)| (t, id.as_str()));
        users(
            &mut *self.client()?,
            "state = 'active' AND last_activity < $1 AND (last_activity, id) > ($2, $3)
             ORDER BY last_activity, id LIMIT $4",
            &[&threshold, &at, &id, &limit(limit_n)],
        )
    }

    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError> {
        Ok(tokens(&mut *self.client()?, "id = $1", id)?.pop())
    }

    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError> {
        tokens(
            &mut *self.client()?,
            "organisation = $1",
            organisation.as_str(),
        )
    }

    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit_n: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        notifications(&mut *self.client()?, after_seq, pending, limit(limit_n))
    }
}

/// A racing insert of the same key meets the primary key: a conflict.
fn upsert_conflict(
    e: postgres::Error,
    entity: &'static str,
    id: &str,
    expected: Expected,
) -> StoreError {
    if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
        StoreError::Conflict {
            entity,
            id: id.to_owned(),
            expected,
            found: FoundVersion(Some(1)),
        }
    } else {
        backend(e)
    }
}

pub(crate) fn put_organisation(
    tx: &mut Transaction<'_>,
    org: &Organisation,
    expected: Expected,
) -> Result<i64, StoreError> {
    let code = org.code.as_str();
    let version = check_sql(
        tx,
        "organisation",
        "SELECT version FROM organisations WHERE code = $1 FOR UPDATE",
        code,
        expected,
    )?;
    let sql = if expected == Expected::Absent {
        "INSERT INTO organisations (code, org_type, body, version) VALUES ($1, $2, $3, $4)"
    } else {
        "UPDATE organisations SET org_type = $2, body = $3, version = $4 WHERE code = $1"
    };
    tx.execute(
        sql,
        &[&code, &org.org_type.as_str(), &to_body(org), &version],
    )
    .map_err(|e| upsert_conflict(e, "organisation", code, expected))?;
    Ok(version)
}

pub(crate) fn put_user(
    tx: &mut Transaction<'_>,
    user: &User,
    updated_at: DateTime<Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let id = user.id.as_str();
    let version = check_sql(
        tx,
        "user",
        "SELECT version FROM users WHERE id = $1 FOR UPDATE",
        id,
        expected,
    )?;
    let sql = if expected == Expected::Absent {
        "INSERT INTO users (id, organisation, email, state, last_activity, body, version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    } else {
        "UPDATE users SET organisation = $2, email = $3, state = $4, last_activity = $5, body = $6,
           version = $7, updated_at = $8 WHERE id = $1"
    };
    tx.execute(
        sql,
        &[
            &id,
            &user.organisation.as_str(),
            &user.email.as_str(),
            &user.state.as_str(),
            &last_activity(user),
            &to_body(user),
            &version,
            &updated_at,
        ],
    )
    .map_err(|e| upsert_conflict(e, "user", id, expected))?;
    Ok(version)
}

pub(crate) fn put_token(
    tx: &mut Transaction<'_>,
    token: &AccessToken,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check_sql(
        tx,
        "access token",
        "SELECT version FROM access_tokens WHERE id = $1 FOR UPDATE",
        &token.id,
        expected,
    )?;
    let body = to_body(&AccessToken {
        version,
        ..token.clone()
    });
    let sql = if expected == Expected::Absent {
        "INSERT INTO access_tokens (id, organisation, body, version) VALUES ($1, $2, $3, $4)"
    } else {
        "UPDATE access_tokens SET organisation = $2, body = $3, version = $4 WHERE id = $1"
    };
    tx.execute(
        sql,
        &[&token.id, &token.organisation.as_str(), &body, &version],
    )
    .map_err(|e| upsert_conflict(e, "access token", &token.id, expected))?;
    Ok(version)
}

pub(crate) fn notify(tx: &mut Transaction<'_>, n: &Notification) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO outbox (dedupe_key, kind, recipient, body, created_at, delivered_at)
         VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT (dedupe_key) DO NOTHING",
        &[
            &n.dedupe_key,
            &n.kind.as_str(),
            &n.recipient.as_str(),
            &to_body(&NotificationBody::of(n)),
            &n.created_at,
        ],
    )
    .map_err(backend)?;
    Ok(1)
}

pub(crate) fn ack_notifications(
    tx: &mut Transaction<'_>,
    seqs: &[i64],
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let rows = tx
        .query(
            "SELECT seq, body FROM outbox WHERE seq = ANY($1) AND delivered_at IS NULL FOR UPDATE",
            &[&seqs],
        )
        .map_err(backend)?;
    for r in rows {
        let seq: i64 = r.col(0)?;
        let mut body: NotificationBody = from_body("notification", &seq.to_string(), r.col(1)?)?;
        body.secrets.clear();
        tx.execute(
            "UPDATE outbox SET delivered_at = $2, body = $3 WHERE seq = $1",
            &[&seq, &at, &to_body(&body)],
        )
        .map_err(backend)?;
    }
    Ok(1)
}
