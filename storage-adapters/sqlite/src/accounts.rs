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
    Expected, FoundVersion, Organisation, StoreError, StoredOrganisation, StoredUser,
};
use sesshu_core::tokens::AccessToken;

use crate::backend;
use crate::codec::{instant_text, Instant};
use crate::in_list::in_lists;
use crate::write::check;

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

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub(crate) fn after_user(after: Option<&UserId>) -> Value {
    text(after.map_or("", |a| a.as_str()))
}

pub(crate) fn instant(t: DateTime<Utc>) -> Value {
    Value::Text(instant_text(t))
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

pub(crate) fn put_issuance(
    tx: &Transaction<'_>,
    i: &sesshu_core::certificate::issuance::Issuance,
) -> Result<i64, StoreError> {
    let year = chrono::Datelike::year(&i.issue_date);
    let written = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO issuances (certificate_number, municipality, year, person, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?
        .execute((
            &i.certificate_number,
            i.municipality.as_str(),
            year,
            i.person.as_str(),
            to_body(i),
        ))
        .map_err(backend)?;
    if written != 1 {
        return Err(StoreError::Conflict {
            entity: "issuance",
            id: i.certificate_number.clone(),
            expected: Expected::Absent,
            found: FoundVersion(Some(1)),
        });
    }
    Ok(1)
}

pub(crate) fn issuances(
    c: &Connection,
    condition: &str,
    params: Vec<Value>,
) -> Result<Vec<sesshu_core::certificate::issuance::Issuance>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT certificate_number, body FROM issuances WHERE {condition}"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (id, body) = r.map_err(backend)?;
        from_body("issuance", &id, &body)
    })
    .collect()
}
