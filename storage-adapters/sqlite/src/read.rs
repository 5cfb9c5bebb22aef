//! Reads, and the `Store` implementation.

use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension, Row};
use sesshu_core::access_log::{from_hex, AccessLogEntry, Digest32};
use sesshu_core::identifiers::{ManagementId, MunicipalityCode, RecordId, SubjectNumber};
use sesshu_core::persons::Person;
use sesshu_core::store::rows::{
    BatchRow, IntervalRow, LogRow, PersonRow, QuestionnaireRow, RecordRow,
};
use sesshu_core::store::{
    ChangeSet, CommitReceipt, DeliveryBatch, LogFilter, PersonFilter, RecordScope, Store,
    StoreError, StoredPerson, StoredQuestionnaire, StoredRecord,
};

use crate::accounts;
use crate::codec::{Day, Instant};
use crate::in_list::in_lists;
use crate::{backend, SqliteStore};
use sesshu_core::accounts::UserId;
use sesshu_core::organisation::OrganisationCode;
use sesshu_core::outbox::Notification;
use sesshu_core::store::{StoredOrganisation, StoredUser};
use sesshu_core::tokens::AccessToken;

const PERSON_COLUMNS: &str =
    "p.management_id, p.subject_number, p.name, p.name_kana, p.birth_date, p.sex, p.pmh_key, p.version, p.updated_at";
const RECORD_COLUMNS: &str = "id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq";
const PERSON_BY_ID: &str = "SELECT p.management_id, p.subject_number, p.name, p.name_kana, p.birth_date, p.sex, p.pmh_key, p.version, p.updated_at FROM persons p WHERE p.management_id = ?1";
const RECORDS_OF: &str = "SELECT id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq FROM records WHERE management_id = ?1 ORDER BY id";
const RECORDS_OF_RESPONSIBLE: &str = "SELECT id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq FROM records WHERE management_id = ?1 AND responsible = ?2 ORDER BY id";
const LOG_COLUMNS: &str =
    "seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash";

fn person_row(r: &Row<'_>) -> rusqlite::Result<PersonRow> {
    Ok(PersonRow {
        management_id: r.get(0)?,
        subject_number: r.get(1)?,
        name: r.get(2)?,
        name_kana: r.get(3)?,
        birth_date: r.get::<_, Day>(4)?.0,
        sex: r.get(5)?,
        pmh_key: r.get(6)?,
        residency: Vec::new(),
        version: r.get(7)?,
        updated_at: r.get::<_, Instant>(8)?.0,
    })
}

pub(crate) fn record_row(r: &Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok(RecordRow {
        id: r.get(0)?,
        management_id: r.get(1)?,
        responsible: r.get(2)?,
        category: r.get(3)?,
        vaccine: r.get(4)?,
        dose_number: r.get(5)?,
        date: r.get::<_, Day>(6)?.0,
        lot: r.get(7)?,
        institution: r.get(8)?,
        erroneous: r.get(9)?,
        version: r.get(10)?,
        updated_at: r.get::<_, Instant>(11)?.0,
        seq: r.get(12)?,
    })
}

fn log_row(r: &Row<'_>) -> rusqlite::Result<LogRow> {
    Ok(LogRow {
        seq: r.get(0)?,
        at: r.get::<_, Instant>(1)?.0,
        actor: r.get(2)?,
        organisation: r.get(3)?,
        action: r.get(4)?,
        subject: r.get(5)?,
        record_ids: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

/// Runs `f`'s statements as one read transaction: one snapshot of the
/// database (a commit between them cannot show through) and one lock of the
/// file instead of one per statement. Inside a transaction already, `f`
/// simply runs in it.
fn snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !c.is_autocommit() {
        return f(c);
    }
    let tx = c.unchecked_transaction().map_err(backend)?;
    f(&tx)
}

/// Persons from a query returning `PERSON_COLUMNS`, with their residency.
fn persons(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<StoredPerson>, StoreError> {
    snapshot(conn, |conn| {
        let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
        let mut rows: Vec<PersonRow> = stmt
            .query_map(params_from_iter(params), person_row)
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        // Residency of every person found, in chunks of persons.
        let at: std::collections::HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, p)| (p.management_id.clone(), i))
            .collect();
        let keys: Vec<String> = rows.iter().map(|p| p.management_id.clone()).collect();
        for chunk in in_lists(&keys) {
            let mut res = conn
                .prepare_cached(&format!(
                    "SELECT management_id, municipality, from_date, to_date FROM residency
                     WHERE management_id IN ({}) ORDER BY management_id, from_date",
                    chunk.placeholders()
                ))
                .map_err(backend)?;
            let mut found = res.query(params_from_iter(chunk.keys())).map_err(backend)?;
            while let Some(r) = found.next().map_err(backend)? {
                let id: String = r.get(0).map_err(backend)?;
                let Some(&i) = at.get(&id) else { continue };
                rows[i].residency.push(IntervalRow {
                    municipality: r.get(1).map_err(backend)?,
                    from: r.get::<_, Day>(2).map_err(backend)?.0,
                    to: r.get::<_, Option<Day>>(3).map_err(backend)?.map(|d| d.0),
                });
            }
        }
        rows.into_iter().map(PersonRow::into_stored).collect()
    })
}

pub(crate) fn records(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<StoredRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), record_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(RecordRow::into_stored).collect()
}

/// The records whose `column` is one of `keys`, an IN list at a time, in
/// no particular order (a key in two lists gives its records twice).
fn records_where_in<K>(
    conn: &Connection,
    column: &str,
    keys: &[K],
    key: fn(&K) -> &str,
) -> Result<Vec<StoredRecord>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in in_lists(keys) {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE {column} IN ({})",
            chunk.placeholders()
        );
        out.extend(records(
            conn,
            &sql,
            chunk.keys().map(|k| text(key(k))).collect(),
        )?);
    }
    Ok(out)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

const BATCH_COLUMNS: &str =
    "id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version";

fn batch_row(r: &Row<'_>) -> rusqlite::Result<BatchRow> {
    Ok(BatchRow {
        id: r.get(0)?,
        municipality: r.get(1)?,
        created_at: r.get::<_, Instant>(2)?.0,
        after_seq: r.get(3)?,
        through_seq: r.get(4)?,
        record_count: r.get(5)?,
        acked_at: r.get::<_, Option<Instant>>(6)?.map(|i| i.0),
        version: r.get(7)?,
    })
}

fn batch_where(
    conn: &Connection,
    condition: &str,
    key: &str,
) -> Result<Option<DeliveryBatch>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {BATCH_COLUMNS} FROM delivery_batches WHERE {condition}"
    ))
    .map_err(backend)?
    .query_row([key], batch_row)
    .optional()
    .map_err(backend)?
    .map(BatchRow::into_batch)
    .transpose()
}

pub(crate) fn log_head(conn: &Connection) -> Result<Option<(i64, Digest32)>, StoreError> {
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM log_head WHERE id = 1")
        .map_err(backend)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(backend)?;
    head.map(|(seq, hash)| {
        from_hex(&hash)
            .map(|h| (seq, h))
            .ok_or(StoreError::Corrupt {
                entity: "access log head",
                id: seq.to_string(),
                reason: "bad hash".into(),
            })
    })
    .transpose()
}

fn log_query(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<AccessLogEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(params), log_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(LogRow::into_entry).collect()
}

/// The access log's subject index leads with the entry's block of
/// sequence numbers, `seq >> LOG_BLOCK_SHIFT` (migration 5), so that one
/// commit's entries are written together at the index's end rather than
/// one random page per person. The shift must match the index's expression.
pub(crate) const LOG_BLOCK_SHIFT: u32 = 12;

fn limit(n: usize) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The statement and parameters of a log search.
fn log_search_statement(filter: &LogFilter, limit_n: usize) -> (String, Vec<Value>) {
    let after = filter.after_seq.unwrap_or(0);
    let mut sql = format!("SELECT {LOG_COLUMNS} FROM access_log WHERE seq > ?");
    let mut params = vec![Value::Integer(after)];
    if let Some(s) = &filter.subject {
        // One probe of the subject index per block, from the page's start
        // to the head's.
        sql = format!(
            "WITH RECURSIVE blocks(b) AS (
                 SELECT ? UNION ALL SELECT b + 1 FROM blocks
                 WHERE b < (SELECT max(seq) FROM access_log) >> {LOG_BLOCK_SHIFT})
             {sql} AND (seq >> {LOG_BLOCK_SHIFT}) IN (SELECT b FROM blocks) AND subject = ?"
        );
        params.insert(0, Value::Integer(after.max(0) >> LOG_BLOCK_SHIFT));
        params.push(text(s.as_str()));
    }
    if let Some(through) = filter.through_seq {
        sql.push_str(" AND seq <= ?");
        params.push(Value::Integer(through));
    }
    if let Some(a) = &filter.actor {
        sql.push_str(" AND actor = ?");
        params.push(text(a));
    }
    if let Some(from) = filter.from {
        sql.push_str(" AND at >= ?");
        params.push(text(&crate::codec::instant_text(from)));
    }
    if let Some(to) = filter.to {
        sql.push_str(" AND at < ?");
        params.push(text(&crate::codec::instant_text(to)));
    }
    sql.push_str(" ORDER BY seq LIMIT ?");
    params.push(limit(limit_n));
    (sql, params)
}

impl Store for SqliteStore {
    fn person(&self, id: &ManagementId) -> Result<Option<StoredPerson>, StoreError> {
        self.read(|c| Ok(persons(c, PERSON_BY_ID, vec![text(id.as_str())])?.pop()))
    }

    fn person_by_subject(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Option<StoredPerson>, StoreError> {
        self.read(|c| {
            let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE p.subject_number = ?1");
            Ok(persons(c, &sql, vec![text(subject.as_str())])?.pop())
        })
    }

    fn person_by_pmh(&self, pmh_key: &str) -> Result<Option<StoredPerson>, StoreError> {
        self.read(|c| {
            let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE p.pmh_key = ?1");
            Ok(persons(c, &sql, vec![text(pmh_key)])?.pop())
        })
    }

    fn persons_by_ids(&self, ids: &[ManagementId]) -> Result<Vec<StoredPerson>, StoreError> {
        self.read(|c| snapshot(c, |c| {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in in_lists(ids) {
                let sql = format!(
                    "SELECT {PERSON_COLUMNS} FROM persons p WHERE p.management_id IN ({}) ORDER BY p.management_id",
                    chunk.placeholders()
                );
                out.extend(persons(c, &sql, chunk.keys().map(|i| text(i.as_str())).collect())?);
            }
            out.sort_by(|a, b| a.person.management_id.cmp(&b.person.management_id));
            Ok(out)
        }))
    }

    fn find_persons(
        &self,
        filter: &PersonFilter,
        after: Option<&ManagementId>,
        limit_n: usize,
    ) -> Result<Vec<StoredPerson>, StoreError> {
        let mut sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE 1 = 1");
        let mut params = Vec::new();
        if let Some(m) = filter.municipality {
            sql.push_str(" AND EXISTS (SELECT 1 FROM residency r WHERE r.management_id = p.management_id AND r.municipality = ?)");
            params.push(text(m.as_str()));
        }
        if let Some(s) = &filter.subject_number {
            sql.push_str(" AND p.subject_number = ?");
            params.push(text(s.as_str()));
        }
        if let Some(k) = &filter.kana_prefix {
            sql.push_str(" AND substr(p.name_kana, 1, length(?)) = ?");
            params.push(text(k));
            params.push(text(k));
        }
        if let Some(d) = filter.birth_date {
            sql.push_str(" AND p.birth_date = ?");
            params.push(text(&d.format("%Y-%m-%d").to_string()));
        }
        if filter.vaccine.is_some()
            || filter.vaccinated_from.is_some()
            || filter.vaccinated_to.is_some()
        {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM records x WHERE x.management_id = p.management_id",
            );
            if let Some(v) = &filter.vaccine {
                sql.push_str(" AND x.vaccine = ?");
                params.push(text(v.as_str()));
            }
            if let Some(d) = filter.vaccinated_from {
                sql.push_str(" AND x.vaccination_date >= ?");
                params.push(text(&d.format("%Y-%m-%d").to_string()));
            }
            if let Some(d) = filter.vaccinated_to {
                sql.push_str(" AND x.vaccination_date <= ?");
                params.push(text(&d.format("%Y-%m-%d").to_string()));
            }
            sql.push(')');
        }
        if let Some(a) = after {
            sql.push_str(" AND p.management_id > ?");
            params.push(text(a.as_str()));
        }
        sql.push_str(" ORDER BY p.management_id LIMIT ?");
        params.push(limit(limit_n));
        self.scan(|c| persons(c, &sql, params))
    }

    fn record(&self, id: &RecordId) -> Result<Option<StoredRecord>, StoreError> {
        self.read(|c| {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = ?1");
            Ok(records(c, &sql, vec![text(id.as_str())])?.pop())
        })
    }

    fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(|c| {
            let mut out = records_where_in(c, "id", ids, RecordId::as_str)?;
            out.sort_by(|a, b| a.record.id.cmp(&b.record.id));
            Ok(out)
        })
    }

    fn records_of(&self, person: &ManagementId) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(|c| records(c, RECORDS_OF, vec![text(person.as_str())]))
    }

    fn records_of_persons(
        &self,
        persons: &[ManagementId],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(|c| {
            snapshot(c, |c| {
                let mut out = records_where_in(c, "management_id", persons, ManagementId::as_str)?;
                out.sort_by(|a, b| {
                    (&a.record.person, &a.record.id).cmp(&(&b.record.person, &b.record.id))
                });
                // A person named twice, in two chunks.
                out.dedup_by(|a, b| a.record.id == b.record.id);
                Ok(out)
            })
        })
    }

    fn person_with_records(
        &self,
        id: &ManagementId,
        scope: &dyn Fn(&Person) -> RecordScope,
    ) -> Result<Option<(StoredPerson, Vec<StoredRecord>)>, StoreError> {
        self.read(|c| {
            snapshot(c, |c| {
                let Some(person) = persons(c, PERSON_BY_ID, vec![text(id.as_str())])?.pop() else {
                    return Ok(None);
                };
                let records = match scope(&person.person) {
                    RecordScope::All => records(c, RECORDS_OF, vec![text(id.as_str())])?,
                    RecordScope::ResponsibleOnly(m) => records(
                        c,
                        RECORDS_OF_RESPONSIBLE,
                        vec![text(id.as_str()), text(m.as_str())],
                    )?,
                    RecordScope::Nothing => Vec::new(),
                };
                Ok(Some((person, records)))
            })
        })
    }

    fn subject_numbers(
        &self,
        ids: &[ManagementId],
    ) -> Result<Vec<(ManagementId, SubjectNumber)>, StoreError> {
        self.read(|c| {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in in_lists(ids) {
                let sql = format!(
                    "SELECT management_id, subject_number FROM persons WHERE management_id IN ({})",
                    chunk.placeholders()
                );
                let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
                let rows = stmt
                    .query_map(params_from_iter(chunk.keys().map(|i| i.as_str())), |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })
                    .map_err(backend)?;
                for row in rows {
                    let (id, subject) = row.map_err(backend)?;
                    let bad = |e: sesshu_core::identifiers::IdentifierError| StoreError::Corrupt {
                        entity: "person",
                        id: id.clone(),
                        reason: e.to_string(),
                    };
                    out.push((
                        ManagementId::parse(&id).map_err(bad)?,
                        SubjectNumber::parse(&subject).map_err(bad)?,
                    ));
                }
            }
            out.sort();
            Ok(out)
        })
    }

    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT delivered_through FROM delivery_cursors WHERE municipality = ?1",
            )
            .map_err(backend)?
            .query_row([municipality.as_str()], |r| r.get(0))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(backend)
        })
    }

    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit_n: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(|c| {
            records(
                c,
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM records
                     WHERE responsible = ?1 AND seq > ?2 AND seq <= ?3
                     ORDER BY seq LIMIT ?4"
                ),
                vec![
                    text(municipality.as_str()),
                    Value::Integer(after_seq),
                    Value::Integer(through_seq.unwrap_or(i64::MAX)),
                    limit(limit_n),
                ],
            )
        })
    }

    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT record_id, subject, institution, version, updated_at FROM questionnaires WHERE record_id = ?1",
                [record.as_str()],
                |r| {
                    Ok(QuestionnaireRow {
                        record: r.get(0)?,
                        subject: r.get(1)?,
                        institution: r.get(2)?,
                        version: r.get(3)?,
                        updated_at: r.get::<_, Instant>(4)?.0,
                    })
                },
            )
            .optional()
            .map_err(backend)?
            .map(QuestionnaireRow::into_stored)
            .transpose()
        })
    }

    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError> {
        self.read(|c| batch_where(c, "id = ?1", id))
    }

    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError> {
        self.read(|c| {
            batch_where(
                c,
                "municipality = ?1 AND acked_at IS NULL ORDER BY created_at, id LIMIT 1",
                municipality.as_str(),
            )
        })
    }

    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM delivery_batches WHERE municipality = ?1",
                [municipality.as_str()],
                |r| r.get(0),
            )
            .map_err(backend)
        })
    }

    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError> {
        self.read(log_head)
    }

    fn log_entries(
        &self,
        from_seq: i64,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        self.scan(|c| {
            let sql = format!(
                "SELECT {LOG_COLUMNS} FROM access_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
            );
            log_query(c, &sql, vec![Value::Integer(from_seq), limit(limit_n)])
        })
    }

    fn log_search(
        &self,
        filter: &LogFilter,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let (sql, params) = log_search_statement(filter, limit_n);
        self.scan(|c| log_query(c, &sql, params))
    }

    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError> {
        self.read(|c| Ok(accounts::organisations(c, std::slice::from_ref(code))?.pop()))
    }

    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError> {
        self.read(|c| accounts::organisations(c, codes))
    }

    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError> {
        self.read(|c| Ok(accounts::users(c, "id = ?1", vec![text(id.as_str())])?.pop()))
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError> {
        self.read(|c| accounts::users(c, "email = ?1 ORDER BY id", vec![text(email)]))
    }

    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        self.scan(|c| {
            accounts::users(
                c,
                "organisation = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                vec![
                    text(organisation.as_str()),
                    accounts::after_user(after),
                    limit(limit_n),
                ],
            )
        })
    }

    fn inactive_users(
        &self,
        threshold: chrono::DateTime<chrono::Utc>,
        after: Option<(chrono::DateTime<chrono::Utc>, &UserId)>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        let (at, id) = after.map_or((String::new(), ""), |(t, id)| {
            (crate::codec::instant_text(t), id.as_str())
        });
        self.scan(|c| {
            accounts::users(
                c,
                "state = 'active' AND last_activity < ?1 AND (last_activity, id) > (?2, ?3)
                 ORDER BY last_activity, id LIMIT ?4",
                vec![
                    accounts::instant(threshold),
                    text(&at),
                    text(id),
                    limit(limit_n),
                ],
            )
        })
    }

    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError> {
        self.read(|c| Ok(accounts::tokens(c, "id = ?1", id)?.pop()))
    }

    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError> {
        self.read(|c| accounts::tokens(c, "organisation = ?1", organisation.as_str()))
    }

    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit_n: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        self.scan(|c| {
            accounts::notifications(
                c,
                after_seq,
                pending,
                i64::try_from(limit_n).unwrap_or(i64::MAX),
            )
        })
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| crate::settings::setting(c, key))
    }

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
    ) -> Result<Vec<sesshu_core::certificate::issuance::Issuance>, StoreError> {
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
            accounts::issuances(
                c,
                &format!(
                    "municipality = ?1 AND certificate_number > ?2 {person_only}
                     ORDER BY certificate_number LIMIT ?3"
                ),
                params,
            )
        })
    }

    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
        self.commit_changes(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A search by subject probes the block-led subject index: if the
    /// shift here and the index's expression (migration 5) disagreed, the
    /// plan would scan the log instead.
    #[test]
    fn a_subject_search_uses_the_block_index() {
        let store = SqliteStore::open_in_memory().unwrap();
        let filter = LogFilter {
            subject: Some(ManagementId::parse("A1").unwrap()),
            ..LogFilter::default()
        };
        let (sql, params) = log_search_statement(&filter, 10);
        let plan: Vec<String> = store.with_connection(|c| {
            c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params_from_iter(params), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        });
        assert!(
            plan.iter().any(|step| step
                .contains("USING INDEX access_log_by_block_subject (<expr>=? AND subject=?")),
            "{plan:?}"
        );
    }
}
