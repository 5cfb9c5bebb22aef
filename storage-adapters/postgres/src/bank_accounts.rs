//! Bank-account applications, attachments and active accounts (H-9), and
//! federation links (H-10). One pending application per institution and
//! usage is the partial unique index `bank_applications_one_pending`; a
//! change is an `UPDATE … WHERE version = $read`, which a concurrent
//! change makes match nothing (the row is re-read after the lock).

use chrono::{DateTime, Utc};
use postgres::{GenericClient, Transaction};
use sesshu_core::bank_account::{AccountUsage, Attachment, AttachmentInfo};
use sesshu_core::identifiers::{BankCode, MedicalInstitutionCode};
use sesshu_core::organisation::OrganisationCode;
use sesshu_core::store::bank_accounts::{
    active_account_body, active_account_from_stored, attachment_info, federation_link_from_stored,
    ApplicationColumns,
};
use sesshu_core::store::{
    ActiveAccount, ApplicationFilter, BankAccountStore, Expected, FederationLink, FoundVersion,
    StoreError, StoredApplication,
};

use crate::sql::{limit, refs, Params};
use crate::{backend, Column, PostgresStore};

impl BankAccountStore for PostgresStore {
    fn bank_application(&self, id: &str) -> Result<Option<StoredApplication>, StoreError> {
        let mut c = self.client()?;
        let params: Params<'_> = vec![Box::new(id.to_owned())];
        Ok(applications(&mut c.client, "id = $1", params)?.pop())
    }

    fn bank_applications(
        &self,
        filter: &ApplicationFilter,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<StoredApplication>, StoreError> {
        let mut condition = vec!["id > $1".to_owned()];
        let mut params: Params<'_> = vec![Box::new(after.unwrap_or("").to_owned())];
        if let Some(i) = &filter.institution {
            params.push(Box::new(i.as_str().to_owned()));
            condition.push(format!("institution = ${}", params.len()));
        }
        if let Some(f) = &filter.federation {
            params.push(Box::new(f.as_str().to_owned()));
            condition.push(format!("federation = ${}", params.len()));
        }
        if filter.pending_only {
            condition.push("status = 'pending'".to_owned());
        }
        params.push(Box::new(limit(limit_n)));
        let sql = format!(
            "{} ORDER BY id LIMIT ${}",
            condition.join(" AND "),
            params.len()
        );
        applications(&mut self.client()?.client, &sql, params)
    }

    fn bank_attachment(&self, id: &str, number: u32) -> Result<Option<Attachment>, StoreError> {
        let number = i32::try_from(number).unwrap_or(i32::MAX);
        let row = self.client()?.query_opt(
            "SELECT number, name, media_type, size, sha256, bytes FROM bank_attachments
             WHERE application = $1 AND number = $2",
            &[&id, &number],
        )?;
        row.map(|r| {
            Ok(Attachment {
                info: attachment_info(
                    id,
                    i64::from(r.col::<i32>(0)?),
                    r.col(1)?,
                    r.col(2)?,
                    r.col(3)?,
                    r.col(4)?,
                )?,
                bytes: r.col(5)?,
            })
        })
        .transpose()
    }

    fn active_accounts(
        &self,
        institution: &MedicalInstitutionCode,
    ) -> Result<Vec<ActiveAccount>, StoreError> {
        let rows = self.client()?.query(
            "SELECT institution, usage, body, application, since FROM active_accounts
             WHERE institution = $1 ORDER BY usage",
            &[&institution.as_str()],
        )?;
        rows.iter()
            .map(|r| {
                active_account_from_stored(
                    r.col(0)?,
                    r.col(1)?,
                    r.col(2)?,
                    r.col(3)?,
                    r.col::<DateTime<Utc>>(4)?,
                )
            })
            .collect()
    }

    fn federation_links(
        &self,
        federation: &OrganisationCode,
    ) -> Result<Vec<FederationLink>, StoreError> {
        let rows = self.client()?.query(
            "SELECT federation, bank, account, updated_at, updated_by, version
             FROM federation_links WHERE federation = $1 ORDER BY bank",
            &[&federation.as_str()],
        )?;
        rows.iter().map(|r| link(r, 0)).collect()
    }

    fn payment_link(
        &self,
        federation: &OrganisationCode,
        institution: &MedicalInstitutionCode,
        usage: AccountUsage,
    ) -> Result<Option<(ActiveAccount, FederationLink)>, StoreError> {
        let row = self.client()?.query_opt(
            "SELECT l.federation, l.bank, l.account, l.updated_at, l.updated_by, l.version,
                    a.body, a.application, a.since
             FROM active_accounts a
             JOIN federation_links l ON l.federation = $1 AND l.bank = a.bank
             WHERE a.institution = $2 AND a.usage = $3",
            &[&federation.as_str(), &institution.as_str(), &usage.as_str()],
        )?;
        row.map(|r| {
            let account = active_account_from_stored(
                institution.as_str(),
                usage.as_str(),
                r.col(6)?,
                r.col(7)?,
                r.col::<DateTime<Utc>>(8)?,
            )?;
            Ok((account, link(&r, 0)?))
        })
        .transpose()
    }
}

/// A link from six columns starting at `at`.
fn link(r: &postgres::Row, at: usize) -> Result<FederationLink, StoreError> {
    federation_link_from_stored(
        r.col(at)?,
        r.col(at + 1)?,
        r.col(at + 2)?,
        r.col::<DateTime<Utc>>(at + 3)?,
        r.col(at + 4)?,
        r.col(at + 5)?,
    )
}

fn applications(
    c: &mut impl GenericClient,
    condition: &str,
    params: Params<'_>,
) -> Result<Vec<StoredApplication>, StoreError> {
    let rows = c
        .query(
            &format!(
                "SELECT id, institution, federation, usage, status, body, version
                 FROM bank_applications WHERE {condition}"
            ),
            &refs(&params),
        )
        .map_err(backend)?;
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.col::<String>(0))
        .collect::<Result<_, _>>()?;
    let mut infos: std::collections::HashMap<String, Vec<AttachmentInfo>> = Default::default();
    if !ids.is_empty() {
        for r in c
            .query(
                "SELECT application, number, name, media_type, size, sha256 FROM bank_attachments
                 WHERE application = ANY($1) ORDER BY application, number",
                &[&ids],
            )
            .map_err(backend)?
        {
            let app: String = r.col(0)?;
            let info = attachment_info(
                &app,
                i64::from(r.col::<i32>(1)?),
                r.col(2)?,
                r.col(3)?,
                r.col(4)?,
                r.col(5)?,
            )?;
            infos.entry(app).or_default().push(info);
        }
    }
    rows.iter()
        .map(|r| {
            let cols = ApplicationColumns {
                id: r.col(0)?,
                institution: r.col(1)?,
                federation: r.col(2)?,
                usage: r.col(3)?,
                status: r.col(4)?,
                body: r.col(5)?,
                version: r.col(6)?,
            };
            let attachments = infos.remove(&cols.id).unwrap_or_default();
            cols.read(attachments)
        })
        .collect()
}

fn found(
    tx: &mut Transaction<'_>,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Option<i64> {
    tx.query_opt(sql, params)
        .ok()
        .flatten()
        .and_then(|r| r.col::<i64>(0).ok())
}

pub(crate) fn put_application(
    tx: &mut Transaction<'_>,
    a: &StoredApplication,
    expected: Expected,
) -> Result<i64, StoreError> {
    let cols = ApplicationColumns::of(a);
    let conflict = |tx: &mut Transaction<'_>, entity: &'static str, id: String| {
        let version = found(
            tx,
            "SELECT version FROM bank_applications WHERE id = $1",
            &[&id],
        );
        StoreError::Conflict {
            entity,
            id,
            expected,
            found: FoundVersion(version),
        }
    };
    match expected {
        Expected::Absent => {
            // An id taken, or a second pending application of the
            // institution and usage (the partial unique index): nothing
            // written, the conflict.
            let written = tx
                .execute(
                    "INSERT INTO bank_applications
                     (id, institution, federation, usage, status, body, version)
                     VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT DO NOTHING",
                    &[
                        &cols.id,
                        &cols.institution,
                        &cols.federation,
                        &cols.usage,
                        &cols.status,
                        &cols.body,
                    ],
                )
                .map_err(backend)?;
            if written == 1 {
                return Ok(1);
            }
            let pending = tx
                .query_opt(
                    "SELECT id FROM bank_applications
                     WHERE institution = $1 AND usage = $2 AND status = 'pending'",
                    &[&cols.institution, &cols.usage],
                )
                .ok()
                .flatten()
                .and_then(|r| r.col::<String>(0).ok());
            Err(match pending {
                Some(other) if other != cols.id => conflict(tx, "pending bank application", other),
                _ => conflict(tx, "bank application", cols.id),
            })
        }
        Expected::Version(v) => {
            let written = tx
                .execute(
                    "UPDATE bank_applications SET status = $2, body = $3, version = version + 1
                     WHERE id = $1 AND version = $4",
                    &[&cols.id, &cols.status, &cols.body, &v],
                )
                .map_err(backend)?;
            if written == 1 {
                Ok(v + 1)
            } else {
                Err(conflict(tx, "bank application", cols.id))
            }
        }
    }
}

pub(crate) fn put_attachment(
    tx: &mut Transaction<'_>,
    application: &str,
    a: &Attachment,
) -> Result<i64, StoreError> {
    let number = i32::try_from(a.info.number).unwrap_or(i32::MAX);
    let size = i64::try_from(a.info.size).unwrap_or(i64::MAX);
    let written = tx
        .execute(
            "INSERT INTO bank_attachments
             (application, number, name, media_type, size, sha256, bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &application,
                &number,
                &a.info.name,
                &a.info.media_type.as_str(),
                &size,
                &a.info.sha256,
                &a.bytes,
            ],
        )
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

pub(crate) fn put_active(tx: &mut Transaction<'_>, a: &ActiveAccount) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO active_accounts (institution, usage, bank, application, since, body)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (institution, usage) DO UPDATE SET
             bank = excluded.bank, application = excluded.application,
             since = excluded.since, body = excluded.body",
        &[
            &a.institution.as_str(),
            &a.usage.as_str(),
            &a.account.bank.as_str(),
            &a.application,
            &a.since,
            &active_account_body(a),
        ],
    )
    .map_err(backend)?;
    Ok(1)
}

fn link_conflict(
    tx: &mut Transaction<'_>,
    federation: &str,
    bank: &str,
    expected: Expected,
) -> StoreError {
    let version = found(
        tx,
        "SELECT version FROM federation_links WHERE federation = $1 AND bank = $2",
        &[&federation, &bank],
    );
    StoreError::Conflict {
        entity: "federation link",
        id: format!("{federation}/{bank}"),
        expected,
        found: FoundVersion(version),
    }
}

pub(crate) fn put_link(
    tx: &mut Transaction<'_>,
    l: &FederationLink,
    expected: Expected,
) -> Result<i64, StoreError> {
    let (federation, bank) = (l.federation.as_str(), l.bank.as_str());
    let written = match expected {
        Expected::Absent => tx.execute(
            "INSERT INTO federation_links
             (federation, bank, account, updated_at, updated_by, version)
             VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING",
            &[&federation, &bank, &l.account, &l.updated_at, &l.updated_by],
        ),
        Expected::Version(v) => tx.execute(
            "UPDATE federation_links SET account = $3, updated_at = $4, updated_by = $5,
                 version = version + 1
             WHERE federation = $1 AND bank = $2 AND version = $6",
            &[
                &federation,
                &bank,
                &l.account,
                &l.updated_at,
                &l.updated_by,
                &v,
            ],
        ),
    }
    .map_err(backend)?;
    if written == 1 {
        Ok(expected.next())
    } else {
        Err(link_conflict(tx, federation, bank, expected))
    }
}

pub(crate) fn delete_link(
    tx: &mut Transaction<'_>,
    federation: &OrganisationCode,
    bank: &BankCode,
    expected: Expected,
) -> Result<i64, StoreError> {
    let (f, b) = (federation.as_str(), bank.as_str());
    let Expected::Version(v) = expected else {
        return Err(link_conflict(tx, f, b, expected));
    };
    let written = tx
        .execute(
            "DELETE FROM federation_links WHERE federation = $1 AND bank = $2 AND version = $3",
            &[&f, &b, &v],
        )
        .map_err(backend)?;
    if written == 1 {
        Ok(0)
    } else {
        Err(link_conflict(tx, f, b, expected))
    }
}
