//! Persons and their vaccination records (接種対象者・予防接種記録): the
//! reads of [`PersonStore`] and the writes of a commit.

use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension, Row, Transaction};
use sesshu_core::identifiers::{ManagementId, RecordId, SubjectNumber};
use sesshu_core::persons::Person;
use sesshu_core::records::RecordScope;
use sesshu_core::store::rows::{IntervalRow, PersonRow, RecordRow};
use sesshu_core::store::{
    Expected, PersonFilter, PersonStore, StoreError, StoredPerson, StoredRecord,
};

use crate::codec::{Day, Instant};
use crate::in_list::in_lists;
use crate::sql::{check, conflict, limit, snapshot, text};
use crate::{backend, SqliteStore};

pub(crate) const PERSON_COLUMNS: &str =
    "p.management_id, p.subject_number, p.name, p.name_kana, p.birth_date, p.sex, p.pmh_key, p.version, p.updated_at";
pub(crate) const RECORD_COLUMNS: &str = "id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq";
pub(crate) const PERSON_BY_ID: &str = "SELECT p.management_id, p.subject_number, p.name, p.name_kana, p.birth_date, p.sex, p.pmh_key, p.version, p.updated_at FROM persons p WHERE p.management_id = ?1";
pub(crate) const RECORDS_OF: &str = "SELECT id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq FROM records WHERE management_id = ?1 ORDER BY id";
pub(crate) const RECORDS_OF_RESPONSIBLE: &str = "SELECT id, management_id, responsible, category, vaccine, dose_number, vaccination_date, lot, institution, erroneous, version, updated_at, seq FROM records WHERE management_id = ?1 AND responsible = ?2 ORDER BY id";

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

/// Persons from a query returning `PERSON_COLUMNS`, with their residency.
pub(crate) fn persons(
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

impl PersonStore for SqliteStore {
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
}

pub(crate) fn put_person(
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

/// The store-wide change sequence, read once per commit and written back
/// at its end.
#[derive(Default)]
pub(crate) struct Sequence {
    last: Option<i64>,
    read: Option<i64>,
}

impl Sequence {
    pub(crate) fn next(&mut self, tx: &Transaction<'_>) -> Result<i64, StoreError> {
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

    pub(crate) fn save(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
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
pub(crate) fn put_record(
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
