//! Persons and their vaccination records (接種対象者・予防接種記録): the
//! reads of [`PersonStore`] and the writes of a commit.

use postgres::{Row, Statement, Transaction};
use sesshu_core::identifiers::{ManagementId, RecordId, SubjectNumber};
use sesshu_core::persons::Person;
use sesshu_core::records::RecordScope;
use sesshu_core::store::rows::{IntervalRow, PersonRow, RecordRow};
use sesshu_core::store::{
    Expected, FoundVersion, PersonFilter, PersonStore, StoreError, StoredPerson, StoredRecord,
};

use crate::pool::CachedClient;
use crate::sql::{conflict, limit, refs, Params};
use crate::{backend, Column, PostgresStore};

pub(crate) const PERSON_COLUMNS: &str = "p.management_id, p.subject_number, p.name, p.name_kana, p.birth_date, p.sex, p.pmh_key, p.version, p.updated_at";
pub(crate) const RECORD_COLUMNS: &str = "id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq";

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

pub(crate) fn persons(
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

impl PersonStore for PostgresStore {
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
}

/// The statements a commit's person and record writes use, prepared once
/// per connection (the connection's statement cache) and reused by every
/// commit on it.
pub(crate) struct Statements {
    person_version: Statement,
    insert_person: Statement,
    update_person: Statement,
    delete_residency: Statement,
    insert_residency: Statement,
    record_version: Statement,
    insert_records: Statement,
    update_records: Statement,
    take_seqs: Statement,
}

impl Statements {
    pub(crate) fn new(c: &mut CachedClient) -> Result<Self, StoreError> {
        let mut p = |sql: &str| c.statement(sql);
        Ok(Statements {
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
        })
    }
}

/// Inserts a person (expected absent) or updates them at the expected
/// version, and replaces their residency.
pub(crate) fn put_person(
    tx: &mut Transaction<'_>,
    p: &Statements,
    person: &Person,
    updated_at: chrono::DateTime<chrono::Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let row = PersonRow::from_person(person, 0, updated_at);
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

/// Writes records in bulk: inserts (expected absent) in one statement,
/// updates (expected version) in another; any row that does not match its
/// expectation makes the whole change set a conflict.
pub(crate) fn put_records(
    tx: &mut Transaction<'_>,
    p: &Statements,
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
