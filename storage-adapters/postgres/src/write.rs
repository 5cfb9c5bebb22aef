//! Commits: one transaction per change set; version checks lock the rows
//! they read, and the access log's head row is locked for appends. A change
//! set of log entries only is one compare-and-set statement instead.

use crate::Column;
use postgres::types::ToSql;
use postgres::{Statement, Transaction};
use sesshu_core::access_log::{chain_all, to_hex, AccessLogDraft};
use sesshu_core::questionnaire::answers_to_storage;
use sesshu_core::store::rows::{LogRow, PersonRow, RecordRow};
use sesshu_core::store::{ChangeSet, CommitReceipt, Expected, FoundVersion, StoreError, Write};

use crate::backend;
use crate::pool::CachedClient;
use crate::read::{head_of, LOCK_LOG_HEAD};

/// The statements a commit uses, prepared once per connection (the
/// connection's statement cache) and reused by every commit on it.
struct Prepared {
    person_version: Statement,
    insert_person: Statement,
    update_person: Statement,
    delete_residency: Statement,
    insert_residency: Statement,
    record_version: Statement,
    insert_records: Statement,
    update_records: Statement,
    take_seqs: Statement,
    lock_log_head: Statement,
    append_log: Statement,
}

impl Prepared {
    fn new(c: &mut CachedClient) -> Result<Self, StoreError> {
        let mut p = |sql: &str| c.statement(sql);
        Ok(Prepared {
            person_version: p("SELECT version FROM persons WHERE management_id = $1")?,
            insert_person: p(
                "INSERT INTO persons (management_id, subject_number, name, name_kana, birth_date, sex, pmh_key, version, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
            )?,
            update_person: p(
                "UPDATE persons SET subject_number = $2, name = $3, name_kana = $4, birth_date = $5, sex = $6,
                   pmh_key = $7, updated_at = $8, version = version + 1
                 WHERE management_id = $1 AND version = $9",
            )?,
            delete_residency: p("DELETE FROM residency WHERE management_id = $1")?,
            insert_residency: p(
                "INSERT INTO residency (management_id, from_date, to_date, municipality) VALUES ($1, $2, $3, $4)",
            )?,
            record_version: p("SELECT version FROM records WHERE id = $1")?,
            insert_records: p(
                "INSERT INTO records (id, management_id, responsible, category, vaccine, dose_number, vaccination_date,
                                      lot, institution, erroneous, version, updated_at, seq)
                 SELECT id, m, resp, cat, vac, dose, d, lot, inst, err, 1, upd, seq
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::date[],
                             $8::text[], $9::text[], $10::bool[], $11::timestamptz[], $12::int8[])
                      AS u(id, m, resp, cat, vac, dose, d, lot, inst, err, upd, seq)",
            )?,
            update_records: p(
                "UPDATE records SET management_id = u.m, responsible = u.resp, category = u.cat, vaccine = u.vac,
                   dose_number = u.dose, vaccination_date = u.d, lot = u.lot, institution = u.inst,
                   erroneous = u.err, updated_at = u.upd, seq = u.seq, version = records.version + 1
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::date[],
                             $8::text[], $9::text[], $10::bool[], $11::timestamptz[], $12::int8[], $13::int8[])
                      AS u(id, m, resp, cat, vac, dose, d, lot, inst, err, upd, seq, expected)
                 WHERE records.id = u.id AND records.version = u.expected",
            )?,
            // The counter row stays locked until the commit, so sequence
            // numbers become visible in order.
            take_seqs: p(
                "UPDATE counters SET value = value + $1 WHERE name = 'record_seq' RETURNING value",
            )?,
            lock_log_head: p(LOCK_LOG_HEAD)?,
            // Appends entries and moves the head to the last of them in one
            // statement (one round trip fewer for every logged read).
            append_log: p(
                "WITH appended AS (
                   INSERT INTO access_log (seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash)
                   SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                                        $6::text[], $7::text[], $8::text[], $9::text[]))
                 UPDATE log_head SET seq = $10, hash = $11 WHERE id = 1",
            )?,
        })
    }
}

/// The conflict for a row whose write matched nothing.
fn conflict(
    tx: &mut Transaction<'_>,
    entity: &'static str,
    stmt: &Statement,
    id: &str,
    expected: Expected,
) -> StoreError {
    let found = tx
        .query_opt(stmt, &[&id])
        .ok()
        .flatten()
        .and_then(|r| r.col::<i64>(0).ok());
    StoreError::Conflict {
        entity,
        id: id.to_owned(),
        expected,
        found: FoundVersion(found),
    }
}

fn check(
    tx: &mut Transaction<'_>,
    entity: &'static str,
    stmt: &Statement,
    id: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let found: Option<i64> = tx
        .query_opt(stmt, &[&id])
        .map_err(backend)?
        .map(|r| r.col(0))
        .transpose()?;
    expected.check(entity, id, found)
}

/// Reads a row's version with `sql` (one parameter, the key; `FOR UPDATE`
/// where the row must stay as read) and checks it against `expected`: the
/// version to write, or the conflict.
pub(crate) fn check_sql(
    tx: &mut Transaction<'_>,
    entity: &'static str,
    sql: &str,
    id: &str,
    expected: Expected,
) -> Result<i64, StoreError> {
    let stmt = tx.prepare(sql).map_err(backend)?;
    check(tx, entity, &stmt, id, expected)
}

/// Writes records in bulk: inserts (expected absent) in one statement,
/// updates (expected version) in another; any row that does not match its
/// expectation makes the whole change set a conflict.
fn put_records(
    tx: &mut Transaction<'_>,
    p: &Prepared,
    rows: &[(RecordRow, Expected)],
) -> Result<(), StoreError> {
    for absent in [true, false] {
        let group: Vec<&(RecordRow, Expected)> = rows
            .iter()
            .filter(|(_, e)| (*e == Expected::Absent) == absent)
            .collect();
        if group.is_empty() {
            continue;
        }
        let col = |f: fn(&RecordRow) -> String| group.iter().map(|(r, _)| f(r)).collect::<Vec<_>>();
        let ids = col(|r| r.id.clone());
        let people = col(|r| r.management_id.clone());
        let responsible = col(|r| r.responsible.clone());
        let category = col(|r| r.category.clone());
        let vaccine = col(|r| r.vaccine.clone());
        let dose: Vec<i64> = group.iter().map(|(r, _)| r.dose_number).collect();
        let date: Vec<chrono::NaiveDate> = group.iter().map(|(r, _)| r.date).collect();
        let lot: Vec<Option<&str>> = group.iter().map(|(r, _)| r.lot.as_deref()).collect();
        let inst: Vec<Option<&str>> = group
            .iter()
            .map(|(r, _)| r.institution.as_deref())
            .collect();
        let err: Vec<bool> = group.iter().map(|(r, _)| r.erroneous).collect();
        let upd: Vec<chrono::DateTime<chrono::Utc>> =
            group.iter().map(|(r, _)| r.updated_at).collect();
        let expected: Vec<i64> = group
            .iter()
            .map(|(_, e)| match e {
                Expected::Version(v) => *v,
                Expected::Absent => 0,
            })
            .collect();
        let count = i64::try_from(group.len()).unwrap_or(i64::MAX);
        let last: i64 = tx
            .query_one(&p.take_seqs, &[&count])
            .map_err(backend)?
            .col(0)?;
        let seqs: Vec<i64> = (last - count + 1..=last).collect();
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![
            &ids,
            &people,
            &responsible,
            &category,
            &vaccine,
            &dose,
            &date,
            &lot,
            &inst,
            &err,
            &upd,
            &seqs,
        ];
        let stmt = if absent {
            &p.insert_records
        } else {
            params.push(&expected);
            &p.update_records
        };
        let written = tx.execute(stmt, &params).map_err(backend)?;
        if usize::try_from(written).unwrap_or(0) != group.len() {
            // Name the first row that did not match.
            for (row, e) in &group {
                let found: Option<i64> = tx
                    .query_opt(&p.record_version, &[&row.id])
                    .map_err(backend)?
                    .map(|r| r.col(0))
                    .transpose()?;
                if found != Some(e.next()) {
                    return Err(StoreError::Conflict {
                        entity: "record",
                        id: row.id.clone(),
                        expected: *e,
                        found: FoundVersion(found),
                    });
                }
            }
            return Err(conflict(
                tx,
                "record",
                &p.record_version,
                &group[0].0.id,
                group[0].1,
            ));
        }
    }
    Ok(())
}

fn apply(tx: &mut Transaction<'_>, p: &Prepared, write: Write) -> Result<i64, StoreError> {
    match write {
        Write::PutPerson {
            person,
            updated_at,
            expected,
        } => {
            let row = PersonRow::from_person(&person, 0, updated_at);
            let id = &row.management_id;
            let common: [&(dyn postgres::types::ToSql + Sync); 8] = [
                id,
                &row.subject_number,
                &row.name,
                &row.name_kana,
                &row.birth_date,
                &row.sex,
                &row.pmh_key,
                &row.updated_at,
            ];
            let written = match expected {
                // A racing insert of the same key meets the primary key: a conflict.
                Expected::Absent => tx.execute(&p.insert_person, &common).map_err(backend)?,
                Expected::Version(v) => {
                    let mut params = common.to_vec();
                    params.push(&v);
                    tx.execute(&p.update_person, &params).map_err(backend)?
                }
            };
            if written != 1 {
                return Err(conflict(tx, "person", &p.person_version, id, expected));
            }
            tx.execute(&p.delete_residency, &[id]).map_err(backend)?;
            for i in &row.residency {
                tx.execute(&p.insert_residency, &[id, &i.from, &i.to, &i.municipality])
                    .map_err(backend)?;
            }
            Ok(expected.next())
        }
        Write::PutRecord {
            record,
            updated_at,
            expected,
        } => {
            put_records(
                tx,
                p,
                &[(RecordRow::from_record(&record, 0, updated_at), expected)],
            )?;
            Ok(expected.next())
        }
        Write::PutQuestionnaire {
            record,
            subject,
            institution,
            updated_at,
            expected,
        } => {
            let version = check_sql(
                tx,
                "questionnaire",
                "SELECT version FROM questionnaires WHERE record_id = $1 FOR UPDATE",
                record.as_str(),
                expected,
            )?;
            tx.execute(
                "INSERT INTO questionnaires (record_id, subject, institution, version, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (record_id) DO UPDATE SET subject = excluded.subject,
                   institution = excluded.institution, version = excluded.version, updated_at = excluded.updated_at",
                &[
                    &record.as_str(),
                    &answers_to_storage(&subject),
                    &answers_to_storage(&institution),
                    &version,
                    &updated_at,
                ],
            )
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
            check_sql(
                tx,
                "delivery batch",
                "SELECT version FROM delivery_batches WHERE id = $1 FOR UPDATE",
                &batch.id,
                Expected::Absent,
            )?;
            tx.execute(
                "INSERT INTO delivery_batches (id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version)
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, 1)",
                &[
                    &batch.id,
                    &batch.municipality.as_str(),
                    &batch.created_at,
                    &batch.after_seq,
                    &batch.through_seq,
                    &batch.record_count,
                ],
            )
            .map_err(backend)?;
            Ok(1)
        }
        Write::AckBatch {
            id,
            acked_at,
            expected,
        } => {
            let version = check_sql(
                tx,
                "delivery batch",
                "SELECT version FROM delivery_batches WHERE id = $1 FOR UPDATE",
                &id,
                expected,
            )?;
            tx.execute(
                "UPDATE delivery_batches SET acked_at = $2, version = $3 WHERE id = $1",
                &[&id, &acked_at, &version],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO delivery_cursors (municipality, delivered_through)
                 SELECT municipality, through_seq FROM delivery_batches WHERE id = $1
                 ON CONFLICT (municipality) DO UPDATE
                   SET delivered_through = greatest(delivery_cursors.delivered_through, excluded.delivered_through)",
                &[&id],
            )
            .map_err(backend)?;
            Ok(version)
        }
    }
}

/// Access-log rows as the nine arrays the append statements unnest.
struct LogColumns<'a> {
    seqs: Vec<i64>,
    ats: Vec<chrono::DateTime<chrono::Utc>>,
    actors: Vec<&'a String>,
    organisations: Vec<&'a String>,
    actions: Vec<&'a String>,
    subjects: Vec<Option<&'a String>>,
    record_ids: Vec<&'a String>,
    prev_hashes: Vec<&'a String>,
    hashes: Vec<&'a String>,
}

impl<'a> LogColumns<'a> {
    fn of(rows: &'a [LogRow]) -> Self {
        let column = |f: fn(&LogRow) -> &String| rows.iter().map(f).collect::<Vec<_>>();
        LogColumns {
            seqs: rows.iter().map(|r| r.seq).collect(),
            ats: rows.iter().map(|r| r.at).collect(),
            actors: column(|r| &r.actor),
            organisations: column(|r| &r.organisation),
            actions: column(|r| &r.action),
            subjects: rows.iter().map(|r| r.subject.as_ref()).collect(),
            record_ids: column(|r| &r.record_ids),
            prev_hashes: column(|r| &r.prev_hash),
            hashes: column(|r| &r.hash),
        }
    }

    /// Parameters `$1`–`$9` of the append statements.
    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &self.seqs,
            &self.ats,
            &self.actors,
            &self.organisations,
            &self.actions,
            &self.subjects,
            &self.record_ids,
            &self.prev_hashes,
            &self.hashes,
        ]
    }
}

/// Appends entries in one statement, atomic by itself, if the log's head
/// still is `head` (seq and hash: compare-and-set); moves the head to the
/// last entry. Its result is the number of entries inserted: all or none.
const APPEND_IF_HEAD: &str = "
WITH moved AS (
  UPDATE log_head SET seq = $10, hash = $11 WHERE id = 1 AND seq = $12 AND hash = $13 RETURNING id)
INSERT INTO access_log (seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash)
SELECT u.* FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                       $6::text[], $7::text[], $8::text[], $9::text[]) AS u, moved";

/// A change set that only appends to the access log (every logged read) is
/// one round trip when the head this connection last saw is still the head:
/// the entries are chained after it and inserted by [`APPEND_IF_HEAD`].
/// When another connection appended in between, the head is read again and
/// the entries chained anew; after three such misses this gives up (`None`)
/// and the caller takes the locking path.
fn append_only(
    c: &mut CachedClient,
    log: &[AccessLogDraft],
) -> Result<Option<CommitReceipt>, StoreError> {
    let stmt = c.statement(APPEND_IF_HEAD)?;
    for _ in 0..3 {
        let head = match c.log_head {
            Some(h) => h,
            None => crate::read::log_head(&mut c.client)?,
        };
        let (entries, new_head) = chain_all((head.0 > 0).then_some(head), log.to_vec());
        let rows: Vec<LogRow> = entries.iter().map(LogRow::from_entry).collect();
        let columns = LogColumns::of(&rows);
        let (new_hash, old_hash) = (to_hex(&new_head.1), to_hex(&head.1));
        let mut params = columns.params();
        params.extend([
            &new_head.0 as &(dyn ToSql + Sync),
            &new_hash,
            &head.0,
            &old_hash,
        ]);
        let inserted = c.client.execute(&stmt, &params).map_err(backend)?;
        if inserted == columns.seqs.len() as u64 {
            c.log_head = Some(new_head);
            return Ok(Some(CommitReceipt {
                versions: Vec::new(),
                log_seqs: columns.seqs,
            }));
        }
        c.log_head = None;
    }
    Ok(None)
}

/// Commits a change set in one transaction.
pub fn commit(c: &mut CachedClient, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
    if changes.writes.is_empty() && (1..=5_000).contains(&changes.log.len()) {
        if let Some(receipt) = append_only(c, &changes.log)? {
            return Ok(receipt);
        }
    }
    let prepared = Prepared::new(c)?;
    let mut tx = c.client.transaction().map_err(backend)?;
    let mut receipt = CommitReceipt {
        versions: Vec::with_capacity(changes.writes.len()),
        log_seqs: Vec::with_capacity(changes.log.len()),
    };
    let mut pending: Vec<(RecordRow, Expected)> = Vec::new();
    let flush = |tx: &mut Transaction<'_>, pending: &mut Vec<(RecordRow, Expected)>| {
        let out = put_records(tx, &prepared, pending);
        pending.clear();
        out
    };
    for write in changes.writes {
        match write {
            // Runs of record writes with distinct ids go in bulk, 5,000 at a time.
            Write::PutRecord {
                record,
                updated_at,
                expected,
            } if pending.len() < 5_000
                && !pending.iter().any(|(r, _)| r.id == record.id.as_str()) =>
            {
                pending.push((RecordRow::from_record(&record, 0, updated_at), expected));
                receipt.versions.push(expected.next());
            }
            other => {
                flush(&mut tx, &mut pending)?;
                if let Write::PutRecord {
                    record,
                    updated_at,
                    expected,
                } = other
                {
                    pending.push((RecordRow::from_record(&record, 0, updated_at), expected));
                    receipt.versions.push(expected.next());
                } else {
                    receipt.versions.push(apply(&mut tx, &prepared, other)?);
                }
            }
        }
    }
    flush(&mut tx, &mut pending)?;
    let mut appended = None;
    if !changes.log.is_empty() {
        let head = head_of(
            &tx.query_one(&prepared.lock_log_head, &[])
                .map_err(backend)?,
        )?;
        let (entries, new_head) = chain_all((head.0 > 0).then_some(head), changes.log);
        appended = Some(new_head);
        // One statement per 5,000 entries (a delivery batch logs one entry
        // per person): columns as arrays, unnested by the server; each moves
        // the head to its last entry.
        for chunk in entries.chunks(5_000) {
            let Some(last) = chunk.last() else { continue };
            let rows: Vec<LogRow> = chunk.iter().map(LogRow::from_entry).collect();
            let columns = LogColumns::of(&rows);
            let last_hash = to_hex(&last.hash);
            let mut params = columns.params();
            params.extend([&last.seq as &(dyn ToSql + Sync), &last_hash]);
            tx.execute(&prepared.append_log, &params).map_err(backend)?;
            receipt.log_seqs.extend(columns.seqs);
        }
    }
    tx.commit().map_err(backend)?;
    if appended.is_some() {
        c.log_head = appended;
    }
    Ok(receipt)
}
