//! Bank-account applications, attachments and active accounts (H-9), and
//! federation links (H-10). One pending application per institution and
//! usage is the partial unique index `bank_applications_one_pending`.

use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension, Transaction};
use sesshu_core::bank_account::{AccountUsage, Attachment, AttachmentInfo};
use sesshu_core::identifiers::MedicalInstitutionCode;
use sesshu_core::organisation::OrganisationCode;
use sesshu_core::store::bank_accounts::{
    active_account_body, active_account_from_stored, attachment_info, federation_link_from_stored,
    ApplicationColumns,
};
use sesshu_core::store::{
    ActiveAccount, ApplicationFilter, BankAccountStore, Expected, FederationLink, FoundVersion,
    StoreError, StoredApplication,
};

use crate::codec::Instant;
use crate::sql::{check, conflict, limit, text};
use crate::{backend, SqliteStore};

impl BankAccountStore for SqliteStore {
    fn bank_application(&self, id: &str) -> Result<Option<StoredApplication>, StoreError> {
        self.read(|c| {
            crate::sql::snapshot(c, |c| Ok(applications(c, "id = ?1", vec![text(id)])?.pop()))
        })
    }

    fn bank_applications(
        &self,
        filter: &ApplicationFilter,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<StoredApplication>, StoreError> {
        let mut condition = vec!["id > ?1".to_owned()];
        let mut params = vec![text(after.unwrap_or(""))];
        if let Some(i) = &filter.institution {
            params.push(text(i.as_str()));
            condition.push(format!("institution = ?{}", params.len()));
        }
        if let Some(f) = &filter.federation {
            params.push(text(f.as_str()));
            condition.push(format!("federation = ?{}", params.len()));
        }
        if filter.pending_only {
            condition.push("status = 'pending'".to_owned());
        }
        params.push(limit(limit_n));
        let sql = format!(
            "{} ORDER BY id LIMIT ?{}",
            condition.join(" AND "),
            params.len()
        );
        self.scan(|c| crate::sql::snapshot(c, |c| applications(c, &sql, params)))
    }

    fn bank_attachment(&self, id: &str, number: u32) -> Result<Option<Attachment>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT number, name, media_type, size, sha256, bytes FROM bank_attachments
                 WHERE application = ?1 AND number = ?2",
            )
            .map_err(backend)?
            .query_row((id, number), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                ))
            })
            .optional()
            .map_err(backend)?
            .map(|(n, name, media, size, sha, bytes)| {
                Ok(Attachment {
                    info: attachment_info(id, n, name, &media, size, sha)?,
                    bytes,
                })
            })
            .transpose()
        })
    }

    fn active_accounts(
        &self,
        institution: &MedicalInstitutionCode,
    ) -> Result<Vec<ActiveAccount>, StoreError> {
        self.read(|c| {
            active(
                c,
                "institution = ?1 ORDER BY usage",
                vec![text(institution.as_str())],
            )
        })
    }

    fn federation_links(
        &self,
        federation: &OrganisationCode,
    ) -> Result<Vec<FederationLink>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT federation, bank, account, updated_at, updated_by, version
                     FROM federation_links WHERE federation = ?1 ORDER BY bank",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([federation.as_str()], link_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(read_link))
                .collect()
        })
    }

    fn payment_link(
        &self,
        federation: &OrganisationCode,
        institution: &MedicalInstitutionCode,
        usage: AccountUsage,
    ) -> Result<Option<(ActiveAccount, FederationLink)>, StoreError> {
        self.read(|c| {
            let found = c
                .prepare_cached(
                    "SELECT a.body, a.application, a.since,
                            l.federation, l.bank, l.account, l.updated_at, l.updated_by, l.version
                     FROM active_accounts a
                     JOIN federation_links l ON l.federation = ?1 AND l.bank = a.bank
                     WHERE a.institution = ?2 AND a.usage = ?3",
                )
                .map_err(backend)?
                .query_row(
                    (federation.as_str(), institution.as_str(), usage.as_str()),
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, Instant>(2)?,
                            (
                                r.get::<_, String>(3)?,
                                r.get::<_, String>(4)?,
                                r.get::<_, String>(5)?,
                                r.get::<_, Instant>(6)?,
                                r.get::<_, String>(7)?,
                                r.get::<_, i64>(8)?,
                            ),
                        ))
                    },
                )
                .optional()
                .map_err(backend)?;
            let Some((body, application, since, link)) = found else {
                return Ok(None);
            };
            let account = active_account_from_stored(
                institution.as_str(),
                usage.as_str(),
                &body,
                application,
                since.0,
            )?;
            Ok(Some((account, read_link(link)?)))
        })
    }
}

type LinkRow = (String, String, String, Instant, String, i64);

fn link_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn read_link(
    (federation, bank, account, at, by, version): LinkRow,
) -> Result<FederationLink, StoreError> {
    federation_link_from_stored(&federation, &bank, account, at.0, by, version)
}

fn applications(
    c: &Connection,
    condition: &str,
    params: Vec<Value>,
) -> Result<Vec<StoredApplication>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT id, institution, federation, usage, status, body, version
             FROM bank_applications WHERE {condition}"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok(ApplicationColumns {
                id: r.get(0)?,
                institution: r.get(1)?,
                federation: r.get(2)?,
                usage: r.get(3)?,
                status: r.get(4)?,
                body: r.get(5)?,
                version: r.get(6)?,
            })
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|cols| {
            let attachments = attachment_infos(c, &cols.id)?;
            cols.read(attachments)
        })
        .collect()
}

fn attachment_infos(c: &Connection, id: &str) -> Result<Vec<AttachmentInfo>, StoreError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT number, name, media_type, size, sha256 FROM bank_attachments
             WHERE application = ?1 ORDER BY number",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (n, name, media, size, sha) = r.map_err(backend)?;
        attachment_info(id, n, name, &media, size, sha)
    })
    .collect()
}

fn active(
    c: &Connection,
    condition: &str,
    params: Vec<Value>,
) -> Result<Vec<ActiveAccount>, StoreError> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT institution, usage, body, application, since FROM active_accounts
             WHERE {condition}"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Instant>(4)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (inst, usage, body, app, since) = r.map_err(backend)?;
        active_account_from_stored(&inst, &usage, &body, app, since.0)
    })
    .collect()
}

const APPLICATION_VERSION: &str = "SELECT version FROM bank_applications WHERE id = ?1";

pub(crate) fn put_application(
    tx: &Transaction<'_>,
    a: &StoredApplication,
    expected: Expected,
) -> Result<i64, StoreError> {
    let cols = ApplicationColumns::of(a);
    match expected {
        Expected::Absent => {
            // OR IGNORE: an id taken, or a second pending application of
            // the institution and usage (the partial unique index), writes
            // nothing and is the conflict.
            let written = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO bank_applications
                     (id, institution, federation, usage, status, body, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
                )
                .map_err(backend)?
                .execute((
                    &cols.id,
                    &cols.institution,
                    &cols.federation,
                    &cols.usage,
                    &cols.status,
                    &cols.body,
                ))
                .map_err(backend)?;
            if written == 1 {
                Ok(1)
            } else {
                Err(pending_conflict(tx, &cols))
            }
        }
        Expected::Version(v) => {
            check(
                tx,
                "bank application",
                APPLICATION_VERSION,
                &cols.id,
                expected,
            )?;
            let written = tx
                .prepare_cached(
                    "UPDATE OR IGNORE bank_applications
                     SET status = ?2, body = ?3, version = version + 1
                     WHERE id = ?1 AND version = ?4",
                )
                .map_err(backend)?
                .execute((&cols.id, &cols.status, &cols.body, v))
                .map_err(backend)?;
            if written == 1 {
                Ok(v + 1)
            } else {
                Err(conflict(
                    tx,
                    "bank application",
                    APPLICATION_VERSION,
                    &cols.id,
                    expected,
                ))
            }
        }
    }
}

/// The conflict of an insert that wrote nothing: the id was taken, or the
/// institution has a pending application for the usage.
fn pending_conflict(tx: &Transaction<'_>, cols: &ApplicationColumns) -> StoreError {
    let pending: Option<(String, i64)> = tx
        .prepare_cached(
            "SELECT id, version FROM bank_applications
             WHERE institution = ?1 AND usage = ?2 AND status = 'pending'",
        )
        .and_then(|mut s| {
            s.query_row((&cols.institution, &cols.usage), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
        })
        .ok()
        .flatten();
    match pending {
        Some((id, version)) if id != cols.id => StoreError::Conflict {
            entity: "pending bank application",
            id,
            expected: Expected::Absent,
            found: FoundVersion(Some(version)),
        },
        _ => conflict(
            tx,
            "bank application",
            APPLICATION_VERSION,
            &cols.id,
            Expected::Absent,
        ),
    }
}

pub(crate) fn put_attachment(
    tx: &Transaction<'_>,
    application: &str,
    a: &Attachment,
) -> Result<i64, StoreError> {
    let written = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO bank_attachments
             (application, number, name, media_type, size, sha256, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(backend)?
        .execute((
            application,
            a.info.number,
            &a.info.name,
            a.info.media_type.as_str(),
            i64::try_from(a.info.size).unwrap_or(i64::MAX),
            &a.info.sha256,
            &a.bytes,
        ))
        .map_err(backend)?;
    if written != 1 {
        return Err(StoreError::Conflict {
            entity: "bank attachment",
            id: format!("{application}/{}", a.info.number),
            expected: Expected::Absent,
            found: FoundVersion(Some(1)),
        });
    }
    Ok(1)
}

pub(crate) fn put_active(tx: &Transaction<'_>, a: &ActiveAccount) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO active_accounts (institution, usage, bank, application, since, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (institution, usage) DO UPDATE SET
             bank = excluded.bank, application = excluded.application,
             since = excluded.since, body = excluded.body",
    )
    .map_err(backend)?
    .execute((
        a.institution.as_str(),
        a.usage.as_str(),
        a.account.bank.as_str(),
        &a.application,
        Instant(a.since),
        active_account_body(a),
    ))
    .map_err(backend)?;
    Ok(1)
}

/// Checks a link's version (`None`: absent) against `expected`.
fn check_link(
    tx: &Transaction<'_>,
    federation: &str,
    bank: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT version FROM federation_links WHERE federation = ?1 AND bank = ?2")
        .map_err(backend)?
        .query_row((federation, bank), |r| r.get(0))
        .optional()
        .map_err(backend)?;
    expected.check("federation link", &format!("{federation}/{bank}"), found)
}

pub(crate) fn put_link(
    tx: &Transaction<'_>,
    l: &FederationLink,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check_link(tx, l.federation.as_str(), l.bank.as_str(), expected)?;
    tx.prepare_cached(
        "INSERT INTO federation_links (federation, bank, account, updated_at, updated_by, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (federation, bank) DO UPDATE SET
             account = excluded.account, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by, version = excluded.version",
    )
    .map_err(backend)?
    .execute((
        l.federation.as_str(),
        l.bank.as_str(),
        &l.account,
        Instant(l.updated_at),
        &l.updated_by,
        version,
    ))
    .map_err(backend)?;
    Ok(version)
}

pub(crate) fn delete_link(
    tx: &Transaction<'_>,
    federation: &OrganisationCode,
    bank: &sesshu_core::identifiers::BankCode,
    expected: Expected,
) -> Result<i64, StoreError> {
    check_link(tx, federation.as_str(), bank.as_str(), expected)?;
    tx.prepare_cached("DELETE FROM federation_links WHERE federation = ?1 AND bank = ?2")
        .map_err(backend)?
        .execute((federation.as_str(), bank.as_str()))
        .map_err(backend)?;
    Ok(0)
}
