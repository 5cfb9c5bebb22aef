//! The zengin code-check master: one generation per load, the roles
//! `current` and `backup`, and the account check.
//!
//! The check reads the load in use from memory: the store keeps its banks
//! and branches (about 30,000 codes, a few hundred kilobytes) and trusts
//! them while the writer connection's `data_version` and the store's own
//! commit count are unchanged — SQLite changes the first whenever another
//! connection or process commits. When either has moved, one query asks
//! which load is in use, and the codes are read again only if it changed.
//! While a commit holds the writer, the check runs as SQL on a reader.

use std::sync::atomic::Ordering;
use std::sync::{Arc, TryLockError};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use sesshu_core::identifiers::{BankCode, BranchCode, ZenginDirectory, ZenginMaster};
use sesshu_core::store::{Expected, FoundVersion, StoreError, ZenginStore};
use sesshu_core::zengin::{ZenginFile, ZenginLoad, ZenginMatch, ZenginStatus};

use crate::codec::Instant;
use crate::{backend, lock, SqliteStore};

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
        let writer = match self.writer.try_lock() {
            Ok(w) => w,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return self.scan(|c| sql_match(c, bank, branch)),
        };
        let data_version: i64 = writer
            .prepare_cached("PRAGMA data_version")
            .map_err(backend)?
            .query_row([], |r| r.get(0))
            .map_err(backend)?;
        let commits = self.commits.load(Ordering::SeqCst);
        let mut cache = lock(&self.zengin);
        let fresh = cache
            .as_ref()
            .is_some_and(|k| k.data_version == data_version && k.commits == commits);
        if !fresh {
            let generation = current(&writer)?;
            match cache.as_mut() {
                Some(k) if k.generation == generation => {
                    k.data_version = data_version;
                    k.commits = commits;
                }
                _ => {
                    *cache = Some(Cache {
                        data_version,
                        commits,
                        generation,
                        master: Arc::new(load(&writer, generation)?),
                    })
                }
            }
        }
        Ok(match cache.as_ref() {
            Some(k) if k.master.contains_branch(bank, branch) => ZenginMatch::Known,
            Some(k) if k.master.contains_bank(bank) => ZenginMatch::UnknownBranch,
            _ => ZenginMatch::UnknownBank,
        })
    }
}

/// The load in use, in memory, and when it was last known current.
pub(crate) struct Cache {
    data_version: i64,
    commits: u64,
    generation: Option<i64>,
    master: Arc<ZenginMaster>,
}

/// The banks and branches of a load (none: an empty master).
fn load(c: &Connection, generation: Option<i64>) -> Result<ZenginMaster, StoreError> {
    let mut master = ZenginMaster::new();
    let Some(generation) = generation else {
        return Ok(master);
    };
    let code = |r: &rusqlite::Row<'_>, i: usize| r.get::<_, String>(i);
    let corrupt = |e: sesshu_core::identifiers::IdentifierError| StoreError::Corrupt {
        entity: "zengin code",
        id: generation.to_string(),
        reason: e.to_string(),
    };
    let mut banks = c
        .prepare("SELECT bank FROM zengin_banks WHERE generation = ?1")
        .map_err(backend)?;
    for bank in banks
        .query_map([generation], |r| code(r, 0))
        .map_err(backend)?
    {
        master.insert_bank(BankCode::parse(&bank.map_err(backend)?).map_err(corrupt)?);
    }
    let mut branches = c
        .prepare("SELECT bank, branch FROM zengin_branches WHERE generation = ?1")
        .map_err(backend)?;
    let rows = branches
        .query_map([generation], |r| Ok((code(r, 0)?, code(r, 1)?)))
        .map_err(backend)?;
    for row in rows {
        let (bank, branch) = row.map_err(backend)?;
        master.insert(
            BankCode::parse(&bank).map_err(corrupt)?,
            BranchCode::parse(&branch).map_err(corrupt)?,
        );
    }
    Ok(master)
}

/// The check as SQL: one indexed row in the common case; the bank is
/// looked up only when the branch is not there.
fn sql_match(
    c: &Connection,
    bank: &BankCode,
    branch: &BranchCode,
) -> Result<ZenginMatch, StoreError> {
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
