//! The zengin code-check master: one generation per load, the roles
//! `current` and `backup`, and the one-row lookup of an account check.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use sesshu_core::identifiers::{BankCode, BranchCode};
use sesshu_core::store::{Expected, FoundVersion, StoreError, ZenginStore};
use sesshu_core::zengin::{ZenginFile, ZenginLoad, ZenginMatch, ZenginStatus};

use crate::codec::Instant;
use crate::{backend, SqliteStore};

const CURRENT: &str = "SELECT generation FROM zengin_loads WHERE role = 'current'";

impl ZenginStore for SqliteStore {
    fn zengin_status(&self) -> Result<ZenginStatus, StoreError> {
        self.read(|c| {
            let mut status = ZenginStatus::default();
            let mut stmt = c
                .prepare_cached(
                    "SELECT role, generation, sha256, source, loaded_at, banks, branches
                     FROM zengin_loads WHERE role IS NOT NULL",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        ZenginLoad {
                            generation: r.get(1)?,
                            sha256: r.get(2)?,
                            source: r.get(3)?,
                            loaded_at: r.get::<_, Instant>(4)?.0,
                            banks: r.get(5)?,
                            branches: r.get(6)?,
                        },
                    ))
                })
                .map_err(backend)?;
            for row in rows {
                let (role, load) = row.map_err(backend)?;
                match role.as_str() {
                    "current" => status.current = Some(load),
                    _ => status.backup = Some(load),
                }
            }
            Ok(status)
        })
    }

    fn zengin_match(
        &self,
        bank: &BankCode,
        branch: &BranchCode,
    ) -> Result<ZenginMatch, StoreError> {
        self.read(|c| {
            // One indexed row in the common case; the bank is looked up
            // only when the branch is not there.
            let found: Option<i64> = c
                .prepare_cached(
                    "SELECT 1 FROM zengin_branches
                     WHERE generation = (SELECT generation FROM zengin_loads WHERE role = 'current')
                       AND bank = ?1 AND branch = ?2",
                )
                .map_err(backend)?
                .query_row((bank.as_str(), branch.as_str()), |r| r.get(0))
                .optional()
                .map_err(backend)?;
            if found.is_some() {
                return Ok(ZenginMatch::Known);
            }
            let bank_found: Option<i64> = c
                .prepare_cached(
                    "SELECT 1 FROM zengin_banks
                     WHERE generation = (SELECT generation FROM zengin_loads WHERE role = 'current')
                       AND bank = ?1",
                )
                .map_err(backend)?
                .query_row([bank.as_str()], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            Ok(match bank_found {
                Some(_) => ZenginMatch::UnknownBranch,
                None => ZenginMatch::UnknownBank,
            })
        })
    }
}

fn current(tx: &Connection) -> Result<Option<i64>, StoreError> {
    tx.prepare_cached(CURRENT)
        .map_err(backend)?
        .query_row([], |r| r.get(0))
        .optional()
        .map_err(backend)
}

fn check_current(tx: &Connection, expected: Expected) -> Result<Option<i64>, StoreError> {
    let found = current(tx)?;
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
    tx: &Transaction<'_>,
    file: &ZenginFile,
    source: &str,
    loaded_at: DateTime<Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    check_current(tx, expected)?;
    tx.execute_batch(
        "DELETE FROM zengin_branches WHERE generation IN
             (SELECT generation FROM zengin_loads WHERE role = 'backup');
         DELETE FROM zengin_banks WHERE generation IN
             (SELECT generation FROM zengin_loads WHERE role = 'backup');
         UPDATE zengin_loads SET role = NULL WHERE role = 'backup';
         UPDATE zengin_loads SET role = 'backup' WHERE role = 'current';",
    )
    .map_err(backend)?;
    let generation: i64 = tx
        .query_row(
            "SELECT coalesce(max(generation), 0) + 1 FROM zengin_loads",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "INSERT INTO zengin_loads (generation, role, sha256, source, loaded_at, banks, branches)
         VALUES (?1, 'current', ?2, ?3, ?4, ?5, ?6)",
    )
    .map_err(backend)?
    .execute((
        generation,
        &file.sha256,
        source,
        Instant(loaded_at),
        count(file.banks.len()),
        count(file.branches.len()),
    ))
    .map_err(backend)?;
    let mut bank = tx
        .prepare_cached(
            "INSERT INTO zengin_banks (generation, bank, name, kana) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend)?;
    for b in &file.banks {
        bank.execute((generation, b.code.as_str(), &b.name, &b.kana))
            .map_err(backend)?;
    }
    let mut branch = tx
        .prepare_cached(
            "INSERT INTO zengin_branches (generation, bank, branch, name, kana)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?;
    for b in &file.branches {
        branch
            .execute((
                generation,
                b.bank.as_str(),
                b.code.as_str(),
                &b.name,
                &b.kana,
            ))
            .map_err(backend)?;
    }
    Ok(generation)
}

/// The rollback: the backup and the current load swap roles.
pub(crate) fn rollback(tx: &Transaction<'_>, expected: Expected) -> Result<i64, StoreError> {
    let old = check_current(tx, expected)?;
    let backup: Option<i64> = tx
        .query_row(
            "SELECT generation FROM zengin_loads WHERE role = 'backup'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
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
        tx.prepare_cached("UPDATE zengin_loads SET role = ?1 WHERE generation = ?2")
            .map_err(backend)?
            .execute((role, generation))
            .map_err(backend)?;
    }
    Ok(backup)
}
