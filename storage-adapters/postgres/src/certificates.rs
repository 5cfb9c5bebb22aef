//! The register of issued certificates (予防接種済証の交付台帳).

use postgres::Transaction;
use sesshu_core::certificate::issuance::Issuance;
use sesshu_core::identifiers::{ManagementId, MunicipalityCode};
use sesshu_core::store::rows::{from_body, to_body};
use sesshu_core::store::{CertificateStore, Expected, FoundVersion, StoreError};

use crate::pool::CachedClient;
use crate::sql::limit;
use crate::{backend, Column, PostgresStore};

impl CertificateStore for PostgresStore {
    fn issuance_count(&self, municipality: MunicipalityCode, year: i32) -> Result<i64, StoreError> {
        self.client()?
            .query_one(
                "SELECT count(*) FROM issuances WHERE municipality = $1 AND year = $2",
                &[&municipality.as_str(), &year],
            )?
            .col(0)
    }

    fn issuances(
        &self,
        municipality: MunicipalityCode,
        person: Option<&ManagementId>,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<Issuance>, StoreError> {
        issuances(
            &mut *self.client()?,
            municipality.as_str(),
            person.map(ManagementId::as_str),
            after.unwrap_or(""),
            limit(limit_n),
        )
    }
}

pub(crate) fn put_issuance(tx: &mut Transaction<'_>, i: &Issuance) -> Result<i64, StoreError> {
    let year = chrono::Datelike::year(&i.issue_date);
    let written = tx
        .execute(
            "INSERT INTO issuances (certificate_number, municipality, year, person, body)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (certificate_number) DO NOTHING",
            &[
                &i.certificate_number,
                &i.municipality.as_str(),
                &year,
                &i.person.as_str(),
                &to_body(i),
            ],
        )
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
    c: &mut CachedClient,
    municipality: &str,
    person: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<Vec<Issuance>, StoreError> {
    c.query(
        "SELECT certificate_number, body FROM issuances
         WHERE municipality = $1 AND certificate_number > $2 AND ($3::text IS NULL OR person = $3)
         ORDER BY certificate_number LIMIT $4",
        &[&municipality, &after, &person, &limit],
    )?
    .iter()
    .map(|r| {
        let id: String = r.col(0)?;
        from_body("issuance", &id, r.col(1)?)
    })
    .collect()
}
