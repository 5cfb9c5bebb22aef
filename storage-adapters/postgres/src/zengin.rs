//! The zengin code-check master: one generation per load, the roles
//! `current` and `backup`, and the one-row lookup of an account check.
//! A load inserts its rows in bulk (`unnest` of arrays, 10,000 a statement).

use chrono::{DateTime, Utc};
use postgres::Transaction;
use sesshu_core::identifiers::{BankCode, BranchCode};
use sesshu_core::store::{Expected, FoundVersion, StoreError, ZenginStore};
use sesshu_core::zengin::{ZenginFile, ZenginLoad, ZenginMatch, ZenginStatus};

use crate::{backend, Column, PostgresStore};

/// Rows per bulk insert.
const CHUNK: usize = 10_000;

impl ZenginStore for PostgresStore {
    fn zengin_status(&self) -> Result<ZenginStatus, StoreError> {
        let rows = self.client()?.query(
            "SELECT role, generation, sha256, source, loaded_at, banks, branches
             FROM zengin_loads WHERE role IS NOT NULL",
            &[],
        )?;
        let mut status = ZenginStatus::default();
        for row in rows {
            let load = ZenginLoad {
                generation: row.col(1)?,
                sha256: row.col(2)?,
                source: row.col(3)?,
                loaded_at: row.col::<DateTime<Utc>>(4)?,
                banks: row.col(5)?,
                branches: row.col(6)?,
            };
            match row.col::<&str>(0)? {
                "current" => status.current = Some(load),
                _ => status.backup = Some(load),
            }
        }
        Ok(status)
    }

    fn zengin_match(
        &self,
        bank: &BankCode,
        branch: &BranchCode,
    ) -> Result<ZenginMatch, StoreError> {
        // One round trip: whether the bank is there, and the branch at it.
        let row = self.client()?.query_one(
            "SELECT EXISTS (SELECT 1 FROM zengin_banks WHERE generation = l.generation AND bank = $1),
                    EXISTS (SELECT 1 FROM zengin_branches
                            WHERE generation = l.generation AND bank = $1 AND branch = $2)
             FROM (SELECT (SELECT generation FROM zengin_loads WHERE role = 'current') AS generation) l",
            &[&bank.as_str(), &branch.as_str()],
        )?;
        Ok(match (row.col::<bool>(0)?, row.col::<bool>(1)?) {
            (_, true) => ZenginMatch::Known,
            (true, false) => ZenginMatch::UnknownBranch,
            (false, false) => ZenginMatch::UnknownBank,
        })
    }
}

/// The generation in use, locked, checked against `expected`.
fn check_current(tx: &mut Transaction<'_>, expected: Expected) -> Result<Option<i64>, StoreError> {
    let found: Option<i64> = tx
        .query_opt(
            "SELECT generation FROM zengin_loads WHERE role = 'current' FOR UPDATE",
            &[],
        )
        .map_err(backend)?
        .map(|r| r.col(0))
        .transpose()?;
    if !expected.matches(found) {
        return Err(StoreError::Conflict {
            entity: "zengin master",
            id: "current".into(),
            expected,
            found: FoundVersion(found),
        });
    }
    Ok(found)
}

/// The full replacement: the backup's rows dropped, the current load
/// made the backup, the file inserted as the new current generation.
pub(crate) fn replace(
    tx: &mut Transaction<'_>,
    file: &ZenginFile,
    source: &str,
    loaded_at: DateTime<Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    check_current(tx, expected)?;
    tx.batch_execute(
        "DELETE FROM zengin_branches WHERE generation IN
             (SELECT generation FROM zengin_loads WHERE role = 'backup');
         DELETE FROM zengin_banks WHERE generation IN
             (SELECT generation FROM zengin_loads WHERE role = 'backup');
         UPDATE zengin_loads SET role = NULL WHERE role = 'backup';
         UPDATE zengin_loads SET role = 'backup' WHERE role = 'current';",
    )
    .map_err(backend)?;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let generation: i64 = tx
        .query_one(
            "INSERT INTO zengin_loads (generation, role, sha256, source, loaded_at, banks, branches)
             SELECT coalesce(max(generation), 0) + 1, 'current', $1, $2, $3, $4, $5 FROM zengin_loads
             RETURNING generation",
            &[
                &file.sha256,
                &source,
                &loaded_at,
                &count(file.banks.len()),
                &count(file.branches.len()),
            ],
        )
        .map_err(backend)?
        .col(0)?;
    for chunk in file.banks.chunks(CHUNK) {
        let codes: Vec<&str> = chunk.iter().map(|b| b.code.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|b| b.name.as_str()).collect();
        let kana: Vec<&str> = chunk.iter().map(|b| b.kana.as_str()).collect();
        tx.execute(
            "INSERT INTO zengin_banks (generation, bank, name, kana)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])",
            &[&generation, &codes, &names, &kana],
        )
        .map_err(backend)?;
    }
    for chunk in file.branches.chunks(CHUNK) {
        let banks: Vec<&str> = chunk.iter().map(|b| b.bank.as_str()).collect();
        let codes: Vec<&str> = chunk.iter().map(|b| b.code.as_str()).collect();
        let names: Vec<&str> = chunk.iter().map(|b| b.name.as_str()).collect();
        let kana: Vec<&str> = chunk.iter().map(|b| b.kana.as_str()).collect();
        tx.execute(
            "INSERT INTO zengin_branches (generation, bank, branch, name, kana)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])",
            &[&generation, &banks, &codes, &names, &kana],
        )
        .map_err(backend)?;
    }
    Ok(generation)
}

/// The rollback: the backup and the current load swap roles.
pub(crate) fn rollback(tx: &mut Transaction<'_>, expected: Expected) -> Result<i64, StoreError> {
    let old = check_current(tx, expected)?;
    let backup: Option<i64> = tx
        .query_opt(
            "SELECT generation FROM zengin_loads WHERE role = 'backup' FOR UPDATE",
            &[],
        )
        .map_err(backend)?
        .map(|r| r.col(0))
        .transpose()?;
    let (Some(old), Some(backup)) = (old, backup) else {
        return Err(StoreError::Conflict {
            entity: "zengin backup",
            id: "backup".into(),
            expected: Expected::Version(0),
            found: FoundVersion(None),
        });
    };
    // Three steps, so that no two loads hold one role at any moment.
    for (role, generation) in [
        (None, old),
        (Some("current"), backup),
        (Some("backup"), old),
    ] {
        tx.execute(
            "UPDATE zengin_loads SET role = $1 WHERE generation = $2",
            &[&role, &generation],
        )
        .map_err(backend)?;
    }
    Ok(backup)
}
