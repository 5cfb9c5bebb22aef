//! Commits: one `BEGIN IMMEDIATE` transaction per change set, version
//! checks first, the access log chained last.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use sesshu_core::access_log::{chain_all, to_hex};
use sesshu_core::questionnaire::answers_to_storage;
use sesshu_core::store::rows::{LogRow, PersonRow, RecordRow};
use sesshu_core::store::{ChangeSet, CommitReceipt, Expected, FoundVersion, StoreError, Write};

use crate::backend;
use crate::codec::{Day, Instant};

/// Reads a row's version with `sql` (one parameter, the key) and checks it
/// against `expected`: the version to write, or the conflict.
pub(crate) fn check(
    tx: &Transaction<'_>,
    entity: &'static str,
    sql: &str,
    id: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let found: Option<i64> = tx
        .prepare_cached(sql)
        .map_err(backend)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    expected.check(entity, id, found)
}

fn put_person(
    tx: &Transaction<'_>,
    row: &PersonRow,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check(
        tx,
        "person",
        "SELECT version FROM persons WHERE management_id = ?1",
        &row.management_id,
        expected,
    )?;
    tx.prepare_cached(
        "INSERT INTO persons (management_id, subject_number, name, name_kana, birth_date, sex, pmh_key, version, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (management_id) DO UPDATE SET
           subject_number = excluded.subject_number, name = excluded.name, name_kana = excluded.name_kana,
           birth_date = excluded.birth_date, sex = excluded.sex, pmh_key = excluded.pmh_key,
           version = excluded.version, updated_at = excluded.updated_at",
    )
    .map_err(backend)?
    .execute((
        &row.management_id,
        &row.subject_number,
        &row.name,
        &row.name_kana,
        Day(row.birth_date),
        &row.sex,
        &row.pmh_key,
        version,
        Instant(row.updated_at),
    ))
    .map_err(backend)?;
    tx.prepare_cached("DELETE FROM residency WHERE management_id = ?1")
        .map_err(backend)?
        .execute([&row.management_id])
        .map_err(backend)?;
    let mut ins = tx
        .prepare_cached(
            "INSERT INTO residency (management_id, from_date, to_date, municipality) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend)?;
    for i in &row.residency {
        ins.execute((
            &row.management_id,
            Day(i.from),
            i.to.map(Day),
            &i.municipality,
        ))
        .map_err(backend)?;
    }
    Ok(version)
}

/// The conflict for a write that matched no row (or met an existing one).
fn conflict(
    tx: &Transaction<'_>,
    entity: &'static str,
    sql: &str,
    id: &str,
    expected: Expected,
) -> StoreError {
    let found: Option<i64> = tx
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .ok()
        .flatten();
    StoreError::Conflict {
        entity,
        id: id.to_owned(),
        expected,
        found: FoundVersion(found),
    }
}

/// The store-wide change sequence, read once per commit and written back
/// at its end.
#[derive(Default)]
struct Sequence {
    last: Option<i64>,
    read: Option<i64>,
}

impl Sequence {
    fn next(&mut self, tx: &Transaction<'_>) -> Result<i64, StoreError> {
        let last = match self.last {
            Some(n) => n,
            None => {
                let n = tx
                    .prepare_cached("SELECT value FROM counters WHERE name = 'record_seq'")
                    .map_err(backend)?
                    .query_row([], |r| r.get(0))
                    .optional()
                    .map_err(backend)?
                    .unwrap_or(0);
                self.read = Some(n);
                n
            }
        };
        self.last = Some(last + 1);
        Ok(last + 1)
    }

    fn save(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        if let (Some(last), true) = (self.last, self.last != self.read) {
            tx.prepare_cached(
                "INSERT INTO counters (name, value) VALUES ('record_seq', ?1)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .map_err(backend)?
            .execute([last])
            .map_err(backend)?;
        }
        Ok(())
    }
}

/// Inserts a new record (the id index refuses an existing one) or updates
/// the record at the expected version: one statement either way, and the
/// next change sequence number.
fn put_record(
    tx: &Transaction<'_>,
    seq: &mut Sequence,
    row: &RecordRow,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = expected.next();
    let params = (
        &row.id,
        &row.management_id,
        &row.responsible,
        &row.category,
        &row.vaccine,
        row.dose_number,
        Day(row.date),
        &row.lot,
        &row.institution,
        row.erroneous,
        version,
        Instant(row.updated_at),
        seq.next(tx)?,
    );
    let written = match expected {
        Expected::Absent => tx
            .prepare_cached(
                "INSERT OR IGNORE INTO records (id, management_id, responsible, category, vaccine, dose_number,
                                      vaccination_date, lot, institution, erroneous, version, updated_at, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .map_err(backend)?
            .execute(params)
            .map_err(backend)?,
        Expected::Version(_) => tx
            .prepare_cached(
                "UPDATE records SET management_id = ?2, responsible = ?3, category = ?4, vaccine = ?5,
                   dose_number = ?6, vaccination_date = ?7, lot = ?8, institution = ?9, erroneous = ?10,
                   version = ?11, updated_at = ?12, seq = ?13
                 WHERE id = ?1 AND version = ?11 - 1",
            )
            .map_err(backend)?
            .execute(params)
            .map_err(backend)?,
    };
    if written != 1 {
        return Err(conflict(
            tx,
            "record",
            "SELECT version FROM records WHERE id = ?1",
            &row.id,
            expected,
        ));
    }
    Ok(version)
}

fn apply(tx: &Transaction<'_>, seq: &mut Sequence, write: Write) -> Result<i64, StoreError> {
    match write {
        Write::PutPerson {
            person,
            updated_at,
            expected,
        } => put_person(
            tx,
            &PersonRow::from_person(&person, 0, updated_at),
            expected,
        ),
        Write::PutRecord {
            record,
            updated_at,
            expected,
        } => put_record(
            tx,
            seq,
            &RecordRow::from_record(&record, 0, updated_at),
            expected,
        ),
        Write::PutQuestionnaire {
            record,
            subject,
            institution,
            updated_at,
            expected,
        } => {
            let version = check(
                tx,
                "questionnaire",
                "SELECT version FROM questionnaires WHERE record_id = ?1",
                record.as_str(),
                expected,
            )?;
            tx.prepare_cached(
                "INSERT INTO questionnaires (record_id, subject, institution, version, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (record_id) DO UPDATE SET subject = excluded.subject,
                   institution = excluded.institution, version = excluded.version, updated_at = excluded.updated_at",
            )
            .map_err(backend)?
            .execute((
                record.as_str(),
                answers_to_storage(&subject),
                answers_to_storage(&institution),
                version,
                Instant(updated_at),
            ))
            .map_err(backend)?;
            Ok(version)
        }
        Write::PutOrganisation {
            organisation,
            expected,
        } => crate::accounts::put_organisation(tx, &organisation, expected),
        Write::PutUser {
            user,
            updated_at,
            expected,
        } => crate::accounts::put_user(tx, &user, updated_at, expected),
        Write::PutAccessToken { token, expected } => {
            crate::accounts::put_token(tx, &token, expected)
        }
        Write::Notify { notification } => crate::accounts::notify(tx, &notification),
        Write::PutIssuance { issuance } => crate::accounts::put_issuance(tx, &issuance),
        Write::PutSetting { key, value } => crate::settings::put_setting(tx, &key, &value),
        Write::AckNotifications { seqs, at } => crate::accounts::ack_notifications(tx, &seqs, at),
        Write::CreateBatch { batch } => {
            check(
                tx,
                "delivery batch",
                "SELECT version FROM delivery_batches WHERE id = ?1",
                &batch.id,
                Expected::Absent,
            )?;
            tx.prepare_cached(
                "INSERT INTO delivery_batches (id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 1)",
            )
            .map_err(backend)?
            .execute((
                &batch.id,
                batch.municipality.as_str(),
                Instant(batch.created_at),
                batch.after_seq,
                batch.through_seq,
                batch.record_count,
            ))
            .map_err(backend)?;
            Ok(1)
        }
        Write::AckBatch {
            id,
            acked_at,
            expected,
        } => {
            let version = check(
                tx,
                "delivery batch",
                "SELECT version FROM delivery_batches WHERE id = ?1",
                &id,
                expected,
            )?;
            tx.prepare_cached(
                "UPDATE delivery_batches SET acked_at = ?2, version = ?3 WHERE id = ?1",
            )
            .map_err(backend)?
            .execute((&id, Instant(acked_at), version))
            .map_err(backend)?;
            tx.prepare_cached(
                "INSERT INTO delivery_cursors (municipality, delivered_through)
                 SELECT municipality, through_seq FROM delivery_batches WHERE id = ?1
                 ON CONFLICT (municipality) DO UPDATE
                   SET delivered_through = max(delivered_through, excluded.delivered_through)",
            )
            .map_err(backend)?
            .execute([&id])
            .map_err(backend)?;
            Ok(version)
        }
    }
}

/// Commits a change set in one immediate transaction.
pub fn commit(conn: &mut Connection, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut receipt = CommitReceipt {
        versions: Vec::with_capacity(changes.writes.len()),
        log_seqs: Vec::with_capacity(changes.log.len()),
    };
    let mut seq = Sequence::default();
    for write in changes.writes {
        receipt.versions.push(apply(&tx, &mut seq, write)?);
    }
    seq.save(&tx)?;
    if !changes.log.is_empty() {
        let (entries, (seq, hash)) = chain_all(crate::read::log_head(&tx)?, changes.log);
        let mut ins = tx
            .prepare_cached(
                "INSERT INTO access_log (seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(backend)?;
        for entry in &entries {
            let row = LogRow::from_entry(entry);
            ins.execute((
                row.seq,
                Instant(row.at),
                &row.actor,
                &row.organisation,
                &row.action,
                &row.subject,
                &row.record_ids,
                &row.prev_hash,
                &row.hash,
            ))
            .map_err(backend)?;
            receipt.log_seqs.push(row.seq);
        }
        drop(ins);
        tx.prepare_cached(
            "INSERT INTO log_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .map_err(backend)?
        .execute((seq, to_hex(&hash)))
        .map_err(backend)?;
    }
    tx.commit().map_err(backend)?;
    Ok(receipt)
}
