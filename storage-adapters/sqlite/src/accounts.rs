//! Organisations, users, access tokens and the outbox: document rows (a
//! JSON body beside indexed columns).

use chrono::{DateTime, Utc};
use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension, Transaction};
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

use crate::codec::Instant;
use crate::in_list::in_lists;
use crate::sql::{check, instant, limit, text};
use crate::{backend, SqliteStore};

pub(crate) fn organisations(
    c: &Connection,
    codes: &[OrganisationCode],
) -> Result<Vec<StoredOrganisation>, StoreError> {
    let mut out = Vec::with_capacity(codes.len());
    for chunk in in_lists(codes) {
        let mut stmt = c
            .prepare_cached(&format!(
                "SELECT code, body, version FROM organisations WHERE code IN ({}) ORDER BY code",
                chunk.placeholders()
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(params_from_iter(chunk.keys().map(|c| c.as_str())), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })
            .map_err(backend)?;
        for row in rows {
            let (code, body, version) = row.map_err(backend)?;
            out.push(StoredOrganisation {
                organisation: from_body("organisation", &code, &body)?,
                version,
            });
        }
    }
    out.sort_by(|a, b| a.organisation.code.cmp(&b.organisation.code));
    Ok(out)
}

const USER_COLUMNS: &str = "id, body, version, updated_at";

pub(crate) fn users(
    c: &Connection,
    condition: &str,
    params: Vec<Value>,
) -> Result<Vec<StoredUser>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {condition}"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get::<_, Instant>(3)?.0,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body, version, updated_at) = row.map_err(backend)?;
        out.push(StoredUser {
            user: from_body("user", &id, &body)?,
            version,
            updated_at,
        });
    }
    Ok(out)
}

pub(crate) fn after_user(after: Option<&UserId>) -> Value {
    text(after.map_or("", |a| a.as_str()))
}

pub(crate) fn tokens(
    c: &Connection,
    condition: &str,
    key: &str,
) -> Result<Vec<AccessToken>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT id, body, version FROM access_tokens WHERE {condition} ORDER BY id"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map([key], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body, version) = row.map_err(backend)?;
        let token: AccessToken = from_body("access token", &id, &body)?;
        out.push(AccessToken { version, ..token });
    }
    Ok(out)
}

pub(crate) fn notifications(
    c: &Connection,
    after_seq: i64,
    pending: bool,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    let pending_only = if pending {
        "AND delivered_at IS NULL"
    } else {
        ""
    };
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT seq, kind, recipient, body, dedupe_key, created_at, delivered_at FROM outbox
             WHERE seq > ?1 {pending_only} ORDER BY seq LIMIT ?2"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map((after_seq, limit), |r| {
            Ok(NotificationRow {
                seq: r.get(0)?,
                kind: r.get(1)?,
                recipient: r.get(2)?,
                body: r.get(3)?,
                dedupe_key: r.get(4)?,
                created_at: r.get::<_, Instant>(5)?.0,
                delivered_at: r.get::<_, Option<Instant>>(6)?.map(|i| i.0),
            })
        })
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend)?.into_notification())
        .collect()
}

impl AccountStore for SqliteStore {
    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError> {
        self.read(|c| Ok(organisations(c, std::slice::from_ref(code))?.pop()))
    }

    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError> {
        self.read(|c| organisations(c, codes))
    }

    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError> {
        self.read(|c| Ok(users(c, "id = ?1", vec![text(id.as_str())])?.pop()))
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError> {
        self.read(|c| users(c, "email = ?1 ORDER BY id", vec![text(email)]))
    }

    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        self.scan(|c| {
            users(
                c,
                "organisation = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                vec![
                    text(organisation.as_str()),
                    after_user(after),
                    limit(limit_n),
                ],
            )
        })
    }

    fn inactive_users(
        &self,
        threshold: chrono::DateTime<chrono::Utc>,
        after: Option<(chrono::DateTime<chrono::Utc>, &UserId)>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        let (at, id) = after.map_or((String::new(), ""), |(t, id)| {
            (crate::codec::instant_text(t), id.as_str())
        });
        self.scan(|c| {
            users(
                c,
                "state = 'active' AND last_activity < ?1 AND (last_activity, id) > (?2, ?3)
                 ORDER BY last_activity, id LIMIT ?4",
                vec![instant(threshold), text(&at), text(id), limit(limit_n)],
            )
        })
    }

    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError> {
        self.read(|c| Ok(tokens(c, "id = ?1", id)?.pop()))
    }

    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError> {
        self.read(|c| tokens(c, "organisation = ?1", organisation.as_str()))
    }

    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit_n: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        self.scan(|c| {
            notifications(
                c,
                after_seq,
                pending,
                i64::try_from(limit_n).unwrap_or(i64::MAX),
            )
        })
    }
}

pub(crate) fn put_organisation(
    tx: &Transaction<'_>,
    org: &Organisation,
    expected: Expected,
) -> Result<i64, StoreError> {
    let code = org.code.as_str();
    let version = check(
        tx,
        "organisation",
        "SELECT version FROM organisations WHERE code = ?1",
        code,
        expected,
    )?;
    tx.prepare_cached(
        "INSERT INTO organisations (code, org_type, body, version) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO UPDATE SET org_type = excluded.org_type, body = excluded.body,
           version = excluded.version",
    )
    .map_err(backend)?
    .execute((code, org.org_type.as_str(), to_body(org), version))
    .map_err(backend)?;
    Ok(version)
}

/// Inserts a user (the primary key refuses an existing one) or updates
/// the user at the expected version: one statement either way.
pub(crate) fn put_user(
    tx: &Transaction<'_>,
    user: &User,
    updated_at: DateTime<Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let id = user.id.as_str();
    let version = expected.next();
    let params = (
        id,
        user.organisation.as_str(),
        user.email.as_str(),
        user.state.as_str(),
        Instant(last_activity(user)),
        to_body(user),
        version,
        Instant(updated_at),
    );
    let run = |sql: &str| {
        tx.prepare_cached(sql)
            .map_err(backend)?
            .execute(params.clone())
            .map_err(backend)
    };
    let written = match expected {
        Expected::Absent => run(
            "INSERT OR IGNORE INTO users (id, organisation, email, state, last_activity, body, version, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?,
        // When the key and the indexed columns stay (a suspension, a
        // password change), the row is rewritten in place and no index
        // moves; otherwise every column is set.
        Expected::Version(_) => match run(
            "UPDATE users SET state = ?4, body = ?6, version = ?7, updated_at = ?8
             WHERE id = ?1 AND version = ?7 - 1 AND last_activity = ?5 AND organisation = ?2 AND email = ?3",
        )? {
            0 => run(
                "UPDATE users SET organisation = ?2, email = ?3, state = ?4, last_activity = ?5, body = ?6,
                   version = ?7, updated_at = ?8 WHERE id = ?1 AND version = ?7 - 1",
            )?,
            n => n,
        },
    };
    if written != 1 {
        let found: Option<i64> = tx
            .prepare_cached("SELECT version FROM users WHERE id = ?1")
            .map_err(backend)?
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        return Err(StoreError::Conflict {
            entity: "user",
            id: id.to_owned(),
            expected,
            found: FoundVersion(found),
        });
    }
    Ok(version)
}

pub(crate) fn put_token(
    tx: &Transaction<'_>,
    token: &AccessToken,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check(
        tx,
        "access token",
        "SELECT version FROM access_tokens WHERE id = ?1",
        &token.id,
        expected,
    )?;
    tx.prepare_cached(
        "INSERT INTO access_tokens (id, organisation, body, version) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET organisation = excluded.organisation, body = excluded.body,
           version = excluded.version",
    )
    .map_err(backend)?
    .execute((
        &token.id,
        token.organisation.as_str(),
        to_body(&AccessToken {
            version,
            ..token.clone()
        }),
        version,
    ))
    .map_err(backend)?;
    Ok(version)
}

pub(crate) fn notify(tx: &Transaction<'_>, n: &Notification) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO outbox (dedupe_key, kind, recipient, body, created_at, delivered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .map_err(backend)?
    .execute((
        &n.dedupe_key,
        n.kind.as_str(),
        n.recipient.as_str(),
        to_body(&NotificationBody::of(n)),
        Instant(n.created_at),
    ))
    .map_err(backend)?;
    Ok(1)
}

pub(crate) fn ack_notifications(
    tx: &Transaction<'_>,
    seqs: &[i64],
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut read = tx
        .prepare_cached("SELECT body FROM outbox WHERE seq = ?1 AND delivered_at IS NULL")
        .map_err(backend)?;
    let mut write = tx
        .prepare_cached("UPDATE outbox SET delivered_at = ?2, body = ?3 WHERE seq = ?1")
        .map_err(backend)?;
    for &seq in seqs {
        let Some(body) = read
            .query_row([seq], |r| r.get::<_, String>(0))
            .optional()
            .map_err(backend)?
        else {
            continue;
        };
        let mut body: NotificationBody = from_body("notification", &seq.to_string(), &body)?;
        body.secrets.clear();
        write
            .execute((seq, Instant(at), to_body(&body)))
            .map_err(backend)?;
    }
    Ok(1)
}
