//! The register of issued certificates (予防接種済証の交付台帳).

use rusqlite::{params_from_iter, types::Value, Connection, Transaction};
use sesshu_core::certificate::issuance::Issuance;
use sesshu_core::identifiers::{ManagementId, MunicipalityCode};
use sesshu_core::store::rows::{from_body, to_body};
use sesshu_core::store::{CertificateStore, Expected, FoundVersion, StoreError};

use crate::sql::{limit, text};
use crate::{backend, SqliteStore};

impl CertificateStore for SqliteStore {
    fn issuance_count(&self, municipality: MunicipalityCode, year: i32) -> Result<i64, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT count(*) FROM issuances WHERE municipality = ?1 AND year = ?2")
                .map_err(backend)?
                .query_row((municipality.as_str(), year), |r| r.get(0))
                .map_err(backend)
        })
    }

    fn issuances(
        &self,
        municipality: MunicipalityCode,
        person: Option<&ManagementId>,
        after: Option<&str>,
        limit_n: usize,
    ) -> Result<Vec<Issuance>, StoreError> {
        self.scan(|c| {
            let mut params = vec![text(municipality.as_str()), text(after.unwrap_or(""))];
            let person_only = match person {
                Some(p) => {
                    params.push(text(p.as_str()));
                    "AND person = ?4"
                }
                None => "",
            };
            params.insert(2, limit(limit_n));
            issuances(
                c,
                &format!(
                    "municipality = ?1 AND certificate_number > ?2 {person_only}
                     ORDER BY certificate_number LIMIT ?3"
                ),
                params,
            )
        })
    }
}

pub(crate) fn put_issuance(tx: &Transaction<'_>, i: &Issuance) -> Result<i64, StoreError> {
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
) -> Result<Vec<Issuance>, StoreError> {
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
