//! Reads, and the `Store` implementation.

use crate::Column;
use postgres::types::ToSql;
use postgres::Row;
use sesshu_core::access_log::{from_hex, AccessLogEntry, Digest32};
use sesshu_core::accounts::UserId;
use sesshu_core::identifiers::{ManagementId, MunicipalityCode, RecordId, SubjectNumber};
use sesshu_core::organisation::OrganisationCode;
use sesshu_core::outbox::Notification;
use sesshu_core::persons::Person;
use sesshu_core::store::{StoredOrganisation, StoredUser};
use sesshu_core::tokens::AccessToken;

use crate::accounts;
use sesshu_core::store::rows::{
    BatchRow, IntervalRow, LogRow, PersonRow, QuestionnaireRow, RecordRow,
};
use sesshu_core::store::{
    ChangeSet, CommitReceipt, DeliveryBatch, LogFilter, PersonFilter, RecordScope, Store,
    StoreError, StoredPerson, StoredQuestionnaire, StoredRecord,
};

use crate::pool::CachedClient;
use crate::{backend, PostgresStore};

const PERSON_COLUMNS: &str = "p.management_id, p.subject_number, p.name, p.name_kana, p.birth_date, p.sex, p.pmh_key, p.version, p.updated_at";
const RECORD_COLUMNS: &str = "id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq";
const LOG_COLUMNS: &str =
    "seq, at, actor, organisation, action, subject, record_ids, prev_hash, hash";

const KIND_PERSON: i32 = 0;
const KIND_INTERVAL: i32 = 1;
const KIND_RECORD: i32 = 2;

/// A person, their residency and their records as rows of one shape:
/// `kind, text×4, date×2, text×2, bigint, boolean, bigint, timestamptz, bigint`.
/// Narrow rows without repeated person columns or arrays are what made this
/// read cheapest on the server (see docs/benchmarks.md).
const PERSON_WITH_RECORDS: &str = "
SELECT 0, management_id, subject_number, name, name_kana, birth_date, NULL::date,
       sex, pmh_key, NULL::bigint, NULL::boolean, version, updated_at, NULL::bigint
  FROM persons WHERE management_id = $1
UNION ALL
SELECT 1, municipality, NULL, NULL, NULL, from_date, to_date,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM residency WHERE management_id = $1
UNION ALL
SELECT 2, id, responsible, category, vaccine, vaccination_date, NULL,
       lot, institution, dose_number, erroneous, version, updated_at, seq
  FROM records WHERE management_id = $1";

type Params<'a> = Vec<Box<dyn ToSql + Sync + 'a>>;

fn refs<'a>(p: &'a Params<'_>) -> Vec<&'a (dyn ToSql + Sync)> {
    p.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

fn person_row(r: &Row) -> Result<PersonRow, StoreError> {
    Ok(PersonRow {
        management_id: r.col(0)?,
        subject_number: r.col(1)?,
        name: r.col(2)?,
        name_kana: r.col(3)?,
        birth_date: r.col(4)?,
        sex: r.col(5)?,
        pmh_key: r.col(6)?,
        residency: Vec::new(),
        version: r.col(7)?,
        updated_at: r.col(8)?,
    })
}

/// The record in `RECORD_COLUMNS` order from column `at` of `r`.
fn record_row(r: &Row, at: usize) -> Result<RecordRow, StoreError> {
    Ok(RecordRow {
        id: r.col(at)?,
        management_id: r.col(at + 1)?,
        responsible: r.col(at + 2)?,
        category: r.col(at + 3)?,
        vaccine: r.col(at + 4)?,
        dose_number: r.col(at + 5)?,
        date: r.col(at + 6)?,
        lot: r.col(at + 7)?,
        institution: r.col(at + 8)?,
        erroneous: r.col(at + 9)?,
        version: r.col(at + 10)?,
        updated_at: r.col(at + 11)?,
        seq: r.col(at + 12)?,
    })
}

fn log_row(r: &Row) -> Result<LogRow, StoreError> {
    Ok(LogRow {
        seq: r.col(0)?,
        at: r.col(1)?,
        actor: r.col(2)?,
        organisation: r.col(3)?,
        action: r.col(4)?,
        subject: r.col(5)?,
        record_ids: r.col(6)?,
        prev_hash: r.col(7)?,
        hash: r.col(8)?,
    })
}

fn persons(
    c: &mut CachedClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<StoredPerson>, StoreError> {
    let mut rows: Vec<PersonRow> = c
        .query(sql, &refs(params))?
        .iter()
        .map(person_row)
        .collect::<Result<_, _>>()?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|p| p.management_id.as_str()).collect();
    let intervals = c.query(
        "SELECT management_id, municipality, from_date, to_date FROM residency
             WHERE management_id = ANY($1) ORDER BY management_id, from_date",
        &[&ids],
    )?;
    let mut by_person: std::collections::HashMap<String, Vec<IntervalRow>> =
        std::collections::HashMap::new();
    for r in &intervals {
        by_person.entry(r.col(0)?).or_default().push(IntervalRow {
            municipality: r.col(1)?,
            from: r.col(2)?,
            to: r.col(3)?,
        });
    }
    for p in &mut rows {
        p.residency = by_person.remove(&p.management_id).unwrap_or_default();
    }
    rows.into_iter().map(PersonRow::into_stored).collect()
}

pub(crate) fn records(
    c: &mut CachedClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<StoredRecord>, StoreError> {
    c.query(sql, &refs(params))?
        .iter()
        .map(|r| record_row(r, 0)?.into_stored())
        .collect()
}

const BATCH_COLUMNS: &str =
    "id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version";

fn batch_where(
    c: &mut CachedClient,
    condition: &str,
    key: &str,
) -> Result<Option<DeliveryBatch>, StoreError> {
    c.query_opt(
        &format!("SELECT {BATCH_COLUMNS} FROM delivery_batches WHERE {condition}"),
        &[&key],
    )?
    .map(|r| {
        BatchRow {
            id: r.col(0)?,
            municipality: r.col(1)?,
            created_at: r.col(2)?,
            after_seq: r.col(3)?,
            through_seq: r.col(4)?,
            record_count: r.col(5)?,
            acked_at: r.col(6)?,
            version: r.col(7)?,
        }
        .into_batch()
    })
    .transpose()
}

/// The access log's head, locked until the commit (appends are serialised).
pub(crate) const LOCK_LOG_HEAD: &str = "SELECT seq, hash FROM log_head WHERE id = 1 FOR UPDATE";

/// The access log's head as it is.
pub(crate) fn log_head(
    c: &mut impl postgres::GenericClient,
) -> Result<(i64, Digest32), StoreError> {
    head_of(
        &c.query_one("SELECT seq, hash FROM log_head WHERE id = 1", &[])
            .map_err(backend)?,
    )
}

/// The head (last sequence number and hash) in a `log_head` row.
pub(crate) fn head_of(row: &Row) -> Result<(i64, Digest32), StoreError> {
    let seq: i64 = row.col(0)?;
    let hash: String = row.col(1)?;
    from_hex(&hash)
        .map(|h| (seq, h))
        .ok_or(StoreError::Corrupt {
            entity: "access log head",
            id: seq.to_string(),
            reason: "bad hash".into(),
        })
}

fn log_query(
    c: &mut CachedClient,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<AccessLogEntry>, StoreError> {
    c.query(sql, &refs(params))?
        .iter()
        .map(|r| log_row(r)?.into_entry())
        .collect()
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PostgresStore {
    fn client(&self) -> Result<r2d2::PooledConnection<crate::pool::Manager>, StoreError> {
        self.pool.get().map_err(StoreError::backend)
    }
}

/// The access log's subject index leads with the entry's block of
/// sequence numbers, `seq >> LOG_BLOCK_SHIFT` (migration 5), so that one
/// commit's entries are written together at the index's end rather than
/// one random page per person. The shift must match the index's expression.
pub(crate) const LOG_BLOCK_SHIFT: u32 = 12;

/// The statement and parameters of a log search.
pub(crate) fn log_search_statement(
    filter: &LogFilter,
    limit_n: usize,
) -> (String, Params<'static>) {
    let mut sql = format!("SELECT {LOG_COLUMNS} FROM access_log WHERE seq > $1");
    let mut params: Params<'_> = vec![Box::new(filter.after_seq.unwrap_or(0))];
    let next = |params: &Params<'_>| format!("${}", params.len());
    if let Some(s) = &filter.subject {
        // One probe of the subject index per block, from the page's start
        // to the head's.
        params.push(Box::new(s.as_str().to_owned()));
        sql.push_str(&format!(
            " AND (seq >> {LOG_BLOCK_SHIFT}) = ANY(ARRAY(SELECT generate_series(
                  greatest($1, 0) >> {LOG_BLOCK_SHIFT},
                  (SELECT max(seq) FROM access_log) >> {LOG_BLOCK_SHIFT})))
              AND subject = {}",
            next(&params)
        ));
    }
    if let Some(through) = filter.through_seq {
        params.push(Box::new(through));
        sql.push_str(&format!(" AND seq <= {}", next(&params)));
    }
    if let Some(a) = &filter.actor {
        params.push(Box::new(a.clone()));
        sql.push_str(&format!(" AND actor = {}", next(&params)));
    }
    if let Some(from) = filter.from {
        params.push(Box::new(from));
        sql.push_str(&format!(" AND at >= {}", next(&params)));
    }
    if let Some(to) = filter.to {
        params.push(Box::new(to));
        sql.push_str(&format!(" AND at < {}", next(&params)));
    }
    params.push(Box::new(limit(limit_n)));
    sql.push_str(&format!(" ORDER BY seq LIMIT {}", next(&params)));
    (sql, params)
}

impl Store for PostgresStore {
    fn person(&self, id: &ManagementId) -> Result<Option<StoredPerson>, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE p.management_id = $1");
        Ok(persons(&mut *self.client()?, &sql, &vec![Box::new(id.as_str())])?.pop())
    }

    fn person_by_subject(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Option<StoredPerson>, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE p.subject_number = $1");
        Ok(persons(
            &mut *self.client()?,
            &sql,
            &vec![Box::new(subject.as_str())],
        )?
        .pop())
    }

    fn person_by_pmh(&self, pmh_key: &str) -> Result<Option<StoredPerson>, StoreError> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE p.pmh_key = $1");
        Ok(persons(&mut *self.client()?, &sql, &vec![Box::new(pmh_key)])?.pop())
    }

    fn persons_by_ids(&self, ids: &[ManagementId]) -> Result<Vec<StoredPerson>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(ManagementId::as_str).collect();
        let sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE p.management_id = ANY($1) ORDER BY p.management_id");
        persons(&mut *self.client()?, &sql, &vec![Box::new(ids)])
    }

    fn find_persons(
        &self,
        filter: &PersonFilter,
        after: Option<&ManagementId>,
        limit_n: usize,
    ) -> Result<Vec<StoredPerson>, StoreError> {
        let mut sql = format!("SELECT {PERSON_COLUMNS} FROM persons p WHERE true");
        let mut params: Params<'_> = Vec::new();
        let next = |params: &Params<'_>| format!("${}", params.len());
        if let Some(m) = filter.municipality {
            params.push(Box::new(m.as_str().to_owned()));
            sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM residency r WHERE r.management_id = p.management_id AND r.municipality = {})", next(&params)));
        }
        if let Some(s) = &filter.subject_number {
            params.push(Box::new(s.as_str().to_owned()));
            sql.push_str(&format!(" AND p.subject_number = {}", next(&params)));
        }
        if let Some(k) = &filter.kana_prefix {
            params.push(Box::new(k.clone()));
            sql.push_str(&format!(" AND starts_with(p.name_kana, {})", next(&params)));
        }
        if let Some(d) = filter.birth_date {
            params.push(Box::new(d));
            sql.push_str(&format!(" AND p.birth_date = {}", next(&params)));
        }
        if filter.vaccine.is_some()
            || filter.vaccinated_from.is_some()
            || filter.vaccinated_to.is_some()
        {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM records x WHERE x.management_id = p.management_id",
            );
            if let Some(v) = &filter.vaccine {
                params.push(Box::new(v.as_str().to_owned()));
                sql.push_str(&format!(" AND x.vaccine = {}", next(&params)));
            }
            if let Some(d) = filter.vaccinated_from {
                params.push(Box::new(d));
                sql.push_str(&format!(" AND x.vaccination_date >= {}", next(&params)));
            }
            if let Some(d) = filter.vaccinated_to {
                params.push(Box::new(d));
                sql.push_str(&format!(" AND x.vaccination_date <= {}", next(&params)));
            }
            sql.push(')');
        }
        if let Some(a) = after {
            params.push(Box::new(a.as_str().to_owned()));
            sql.push_str(&format!(" AND p.management_id > {}", next(&params)));
        }
        params.push(Box::new(limit(limit_n)));
        sql.push_str(&format!(
            " ORDER BY p.management_id LIMIT {}",
            next(&params)
        ));
        persons(&mut *self.client()?, &sql, &params)
    }

    fn record(&self, id: &RecordId) -> Result<Option<StoredRecord>, StoreError> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1");
        Ok(records(&mut *self.client()?, &sql, &vec![Box::new(id.as_str())])?.pop())
    }

    fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(RecordId::as_str).collect();
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = ANY($1) ORDER BY id");
        records(&mut *self.client()?, &sql, &vec![Box::new(ids)])
    }

    fn person_with_records(
        &self,
        id: &ManagementId,
        scope: &dyn Fn(&Person) -> RecordScope,
    ) -> Result<Option<(StoredPerson, Vec<StoredRecord>)>, StoreError> {
        // One statement (one round trip, one snapshot): the person, each
        // residency interval and each record as narrow rows told apart by
        // their first column. The scope, which needs the residency, is
        // applied here; rows outside it are not decoded.
        let rows = self.client()?.query(PERSON_WITH_RECORDS, &[&id.as_str()])?;
        // Each row's kind, read once: a row of no known kind is corrupt.
        let mut kinds = Vec::with_capacity(rows.len());
        for r in &rows {
            kinds.push(r.col::<i32>(0)?);
        }
        let of_kind = |kind: i32| {
            rows.iter()
                .zip(&kinds)
                .filter(move |(_, k)| **k == kind)
                .map(|(r, _)| r)
        };
        let Some(first) = of_kind(KIND_PERSON).next() else {
            return Ok(None);
        };
        let mut person = PersonRow {
            management_id: first.col(1)?,
            subject_number: first.col(2)?,
            name: first.col(3)?,
            name_kana: first.col(4)?,
            birth_date: first.col(5)?,
            sex: first.col(7)?,
            pmh_key: first.col(8)?,
            residency: Vec::new(),
            version: first.col(11)?,
            updated_at: first.col(12)?,
        };
        person.residency = of_kind(KIND_INTERVAL)
            .map(|r| {
                Ok(IntervalRow {
                    municipality: r.col(1)?,
                    from: r.col(5)?,
                    to: r.col(6)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        person.residency.sort_by_key(|i| i.from);
        let person = person.into_stored()?;
        let scope = scope(&person.person);
        let mut records = Vec::new();
        for r in of_kind(KIND_RECORD) {
            let in_scope = match &scope {
                RecordScope::All => true,
                RecordScope::ResponsibleOnly(m) => r.col::<&str>(2)? == m.as_str(),
                RecordScope::Nothing => false,
            };
            if !in_scope {
                continue;
            }
            records.push(
                RecordRow {
                    id: r.col(1)?,
                    management_id: id.as_str().to_owned(),
                    responsible: r.col(2)?,
                    category: r.col(3)?,
                    vaccine: r.col(4)?,
                    dose_number: r.col(9)?,
                    date: r.col(5)?,
                    lot: r.col(7)?,
                    institution: r.col(8)?,
                    erroneous: r.col(10)?,
                    version: r.col(11)?,
                    updated_at: r.col(12)?,
                    seq: r.col(13)?,
                }
                .into_stored()?,
            );
        }
        records.sort_by(|a, b| a.record.id.cmp(&b.record.id));
        Ok(Some((person, records)))
    }

    fn subject_numbers(
        &self,
        ids: &[ManagementId],
    ) -> Result<Vec<(ManagementId, SubjectNumber)>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(ManagementId::as_str).collect();
        let rows = self
            .client()?
            .query(
                "SELECT management_id, subject_number FROM persons WHERE management_id = ANY($1) ORDER BY management_id",
                &[&ids],
            )
            ?;
        rows.iter()
            .map(|r| {
                let (id, subject): (String, String) = (r.col(0)?, r.col(1)?);
                let bad = |e: sesshu_core::identifiers::IdentifierError| StoreError::Corrupt {
                    entity: "person",
                    id: id.clone(),
                    reason: e.to_string(),
                };
                Ok((
                    ManagementId::parse(&id).map_err(bad)?,
                    SubjectNumber::parse(&subject).map_err(bad)?,
                ))
            })
            .collect()
    }

    fn records_of(&self, person: &ManagementId) -> Result<Vec<StoredRecord>, StoreError> {
        let sql =
            format!("SELECT {RECORD_COLUMNS} FROM records WHERE management_id = $1 ORDER BY id");
        records(&mut *self.client()?, &sql, &vec![Box::new(person.as_str())])
    }

    fn records_of_persons(
        &self,
        persons: &[ManagementId],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let ids: Vec<&str> = persons.iter().map(ManagementId::as_str).collect();
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE management_id = ANY($1) ORDER BY management_id, id"
        );
        records(&mut *self.client()?, &sql, &vec![Box::new(ids)])
    }

    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.client()?
            .query_opt(
                "SELECT delivered_through FROM delivery_cursors WHERE municipality = $1",
                &[&municipality.as_str()],
            )?
            .map_or(Ok(0), |r| r.col(0))
    }

    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit_n: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records
             WHERE responsible = $1 AND seq > $2 AND seq <= $3
             ORDER BY seq LIMIT $4"
        );
        records(
            &mut *self.client()?,
            &sql,
            &vec![
                Box::new(municipality.as_str().to_owned()),
                Box::new(after_seq),
                Box::new(through_seq.unwrap_or(i64::MAX)),
                Box::new(limit(limit_n)),
            ],
        )
    }

    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError> {
        self.client()?
            .query_opt(
                &format!("{QUESTIONNAIRE_SELECT} WHERE record_id = $1"),
                &[&record.as_str()],
            )?
            .map(|r| questionnaire_row(&r)?.into_stored())
            .transpose()
    }

    fn questionnaires(&self, records: &[RecordId]) -> Result<Vec<StoredQuestionnaire>, StoreError> {
        let ids: Vec<&str> = records.iter().map(RecordId::as_str).collect();
        self.client()?
            .query(
                &format!("{QUESTIONNAIRE_SELECT} WHERE record_id = ANY($1)"),
                &[&ids],
            )?
            .iter()
            .map(|r| questionnaire_row(r)?.into_stored())
            .collect()
    }

    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError> {
        batch_where(&mut *self.client()?, "id = $1", id)
    }

    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError> {
        batch_where(
            &mut *self.client()?,
            "municipality = $1 AND acked_at IS NULL ORDER BY created_at, id LIMIT 1",
            municipality.as_str(),
        )
    }

    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.client()?
            .query_one(
                "SELECT count(*) FROM delivery_batches WHERE municipality = $1",
                &[&municipality.as_str()],
            )?
            .col(0)
    }

    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError> {
        // The row exists from the first migration (seq 0: an empty log); a
        // deleted row reads as no head, which verification reports.
        let row = self
            .client()?
            .query_opt("SELECT seq, hash FROM log_head WHERE id = 1", &[])?;
        let head = row.as_ref().map(head_of).transpose()?;
        Ok(head.filter(|(seq, _)| *seq > 0))
    }

    fn log_entries(
        &self,
        from_seq: i64,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let sql =
            format!("SELECT {LOG_COLUMNS} FROM access_log WHERE seq >= $1 ORDER BY seq LIMIT $2");
        log_query(
            &mut *self.client()?,
            &sql,
            &vec![Box::new(from_seq), Box::new(limit(limit_n))],
        )
    }

    fn log_search(
        &self,
        filter: &LogFilter,
        limit_n: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let (sql, params) = log_search_statement(filter, limit_n);
        log_query(&mut *self.client()?, &sql, &params)
    }

    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError> {
        Ok(accounts::organisations(&mut *self.client()?, std::slice::from_ref(code))?.pop())
    }

    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError> {
        accounts::organisations(&mut *self.client()?, codes)
    }

    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError> {
        Ok(accounts::users(&mut *self.client()?, "id = $1", &[&id.as_str()])?.pop())
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError> {
        accounts::users(&mut *self.client()?, "email = $1 ORDER BY id", &[&email])
    }

    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        accounts::users(
            &mut *self.client()?,
            "organisation = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[
                &organisation.as_str(),
                &accounts::after_user(after),
                &limit(limit_n),
            ],
        )
    }

    fn inactive_users(
        &self,
        threshold: chrono::DateTime<chrono::Utc>,
        after: Option<(chrono::DateTime<chrono::Utc>, &UserId)>,
        limit_n: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        // Before any account: 0001-01-01 (PostgreSQL's range starts in 4713 BC).
        let first = chrono::DateTime::from_timestamp(-62_135_596_800, 0).unwrap_or_default();
        let (at, id) = after.map_or((first, ""), |(t, id)| (t, id.as_str()));
        accounts::users(
            &mut *self.client()?,
            "state = 'active' AND last_activity < $1 AND (last_activity, id) > ($2, $3)
             ORDER BY last_activity, id LIMIT $4",
            &[&threshold, &at, &id, &limit(limit_n)],
        )
    }

    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError> {
        Ok(accounts::tokens(&mut *self.client()?, "id = $1", id)?.pop())
    }

    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError> {
        accounts::tokens(
            &mut *self.client()?,
            "organisation = $1",
            organisation.as_str(),
        )
    }

    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit_n: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        accounts::notifications(&mut *self.client()?, after_seq, pending, limit(limit_n))
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        crate::settings::setting(&mut *self.client()?, key)
    }

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
    ) -> Result<Vec<sesshu_core::certificate::issuance::Issuance>, StoreError> {
        accounts::issuances(
            &mut *self.client()?,
            municipality.as_str(),
            person.map(ManagementId::as_str),
            after.unwrap_or(""),
            limit(limit_n),
        )
    }

    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
        crate::write::commit(&mut *self.client()?, changes)
    }
}

const QUESTIONNAIRE_SELECT: &str =
    "SELECT record_id, subject, institution, version, updated_at FROM questionnaires";

/// A row of [`QUESTIONNAIRE_SELECT`].
fn questionnaire_row(r: &Row) -> Result<QuestionnaireRow, StoreError> {
    Ok(QuestionnaireRow {
        record: r.col(0)?,
        subject: r.col(1)?,
        institution: r.col(2)?,
        version: r.col(3)?,
        updated_at: r.col(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesshu_core::identifiers::ManagementId;

    /// A search by subject probes the block-led subject index: if the
    /// shift here and the index's expression (migration 5) disagreed, the
    /// plan could not use it. Run in a schema of its own on the test server.
    #[test]
    fn a_subject_search_uses_the_block_index() {
        let url = std::env::var("SESSHU_TEST_POSTGRES_URL")
            .expect("SESSHU_TEST_POSTGRES_URL is not set: run scripts/test");
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let schema = format!("sesshu_plan_{}", std::process::id());
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             SET search_path = {schema}; SET enable_seqscan = off;"
        ))
        .unwrap();
        crate::migrate(&mut c, crate::SCHEMA_VERSION).unwrap();
        let filter = LogFilter {
            subject: Some(ManagementId::parse("A1").unwrap()),
            ..LogFilter::default()
        };
        let (sql, params) = log_search_statement(&filter, 10);
        let plan: Vec<String> = c
            .query(&format!("EXPLAIN {sql}"), &refs(&params))
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
        // The block is the index's leading condition, not a filter.
        assert!(
            plan.iter()
                .any(|step| step.contains("Index Scan using access_log_by_block_subject")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|step| step.contains("Index Cond: (((seq >> ") && step.contains(") = ANY")),
            "{plan:#?}"
        );
    }
}
