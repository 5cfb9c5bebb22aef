//! The marts (H-6): what changed since the last batch, each record's
//! contribution, the cells, the batch's state.

use chrono::NaiveDate;
use rusqlite::{params_from_iter, types::Value, Connection, OptionalExtension, Transaction};
use sesshu_core::identifiers::{ManagementId, MunicipalityCode, RecordId, VaccineCode};
use sesshu_core::marts::{Cell, CellKey, Contribution, Mart, MartState, Run, Source};
use sesshu_core::store::marts::{key_from_columns, state_body, state_conflict, state_from_body};
use sesshu_core::store::{MartBatch, MartStore, StoreError, StoredPerson};

use crate::codec::{day_text, Day};
use crate::in_list::in_lists;
use crate::persons::{persons, PERSON_COLUMNS};
use crate::sql::{instant, limit, text};
use crate::{backend, SqliteStore};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        entity: "mart row",
        id: what.to_owned(),
        reason: e.to_string(),
    }
}

impl MartStore for SqliteStore {
    fn mart_state(&self) -> Result<MartState, StoreError> {
        self.read(read_state)
    }

    fn last_record_seq(&self) -> Result<i64, StoreError> {
        self.read(|c| {
            c.query_row("SELECT coalesce(max(seq), 0) FROM records", [], |r| {
                r.get(0)
            })
            .map_err(backend)
        })
    }

    fn mart_sources(&self, run: &Run, limit_n: usize) -> Result<Vec<Source>, StoreError> {
        let after = text(run.done_through.as_ref().map_or("", RecordId::as_str));
        let (condition, params) = if run.full {
            ("r.id > ?1".to_owned(), vec![after, limit(limit_n)])
        } else {
            let since = run
                .changed_since
                .map_or(Value::Text(String::new()), instant);
            (
                "r.id > ?1 AND r.id IN (
                     SELECT id FROM records WHERE seq > ?3 AND seq <= ?4
                     UNION SELECT c.id FROM persons p JOIN records c ON c.management_id = p.management_id
                           WHERE p.updated_at >= ?5 AND p.updated_at < ?6
                     UNION SELECT record_id FROM questionnaires WHERE updated_at >= ?5 AND updated_at < ?6)"
                    .to_owned(),
                vec![
                    after,
                    limit(limit_n),
                    Value::Integer(run.after_seq),
                    Value::Integer(run.through_seq),
                    since,
                    instant(run.changed_before),
                ],
            )
        };
        self.scan(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT r.id, r.responsible, r.vaccine, r.dose_number, r.vaccination_date,
                            r.erroneous, p.birth_date, q.record_id IS NOT NULL
                     FROM records r
                     LEFT JOIN persons p ON p.management_id = r.management_id
                     LEFT JOIN questionnaires q ON q.record_id = r.id
                     WHERE {condition} ORDER BY r.id LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(params_from_iter(params), |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Day>(4)?.0,
                        r.get::<_, bool>(5)?,
                        r.get::<_, Option<Day>>(6)?.map(|d| d.0),
                        r.get::<_, bool>(7)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (id, m, vaccine, dose, date, erroneous, birth, q) = row.map_err(backend)?;
                Ok(Source {
                    record: RecordId::parse_owned(id).map_err(|e| corrupt("record", e))?,
                    municipality: MunicipalityCode::parse(&m).map_err(|e| corrupt("record", e))?,
                    vaccine: VaccineCode::parse_owned(vaccine).map_err(|e| corrupt("record", e))?,
                    dose: u8::try_from(dose).map_err(|e| corrupt("record", e))?,
                    date,
                    erroneous,
                    birth,
                    questionnaire: q,
                })
            })
            .collect()
        })
    }

    fn mart_contributions(&self, ids: &[RecordId]) -> Result<Vec<Contribution>, StoreError> {
        self.read(|c| {
            let mut out = Vec::with_capacity(ids.len());
            for chunk in in_lists(ids) {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT record_id, day, municipality, vaccine, dose, age_band, questionnaire
                         FROM mart_contributions WHERE record_id IN ({})",
                        chunk.placeholders()
                    ))
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params_from_iter(chunk.keys().map(|k| k.as_str())), |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Day>(1)?.0,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, bool>(6)?,
                        ))
                    })
                    .map_err(backend)?;
                for row in rows {
                    let (id, day, m, v, dose, band, q) = row.map_err(backend)?;
                    out.push(Contribution {
                        record: RecordId::parse_owned(id)
                            .map_err(|e| corrupt("contribution", e))?,
                        key: key_from_columns(day, &m, &v, dose, &band)?,
                        questionnaire: q,
                    });
                }
            }
            // An id padded into a chunk twice gives its row twice.
            out.sort_by(|a, b| a.record.cmp(&b.record));
            out.dedup_by(|a, b| a.record == b.record);
            Ok(out)
        })
    }

    fn mart_cells(
        &self,
        mart: Mart,
        after: Option<&CellKey>,
        limit_n: usize,
    ) -> Result<Vec<Cell>, StoreError> {
        let (condition, mut params) = match after {
            None => ("mart = ?1".to_owned(), vec![text(mart.as_str())]),
            Some(k) => (
                "mart = ?1 AND (day, municipality, vaccine, dose, age_band) > (?3, ?4, ?5, ?6, ?7)"
                    .to_owned(),
                vec![
                    text(mart.as_str()),
                    text(&day_text(k.date)),
                    text(k.municipality.as_str()),
                    text(k.vaccine.as_str()),
                    Value::Integer(i64::from(k.dose)),
                    text(k.age_band.as_str()),
                ],
            ),
        };
        params.insert(1, limit(limit_n));
        self.scan(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT day, municipality, vaccine, dose, age_band, count, vaccinated
                     FROM mart_cells WHERE {condition}
                     ORDER BY day, municipality, vaccine, dose, age_band LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(params_from_iter(params), |r| {
                    Ok((
                        r.get::<_, Day>(0)?.0,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (day, m, v, dose, band, count, vaccinated) = row.map_err(backend)?;
                Ok(Cell {
                    mart,
                    key: key_from_columns(day, &m, &v, dose, &band)?,
                    count,
                    vaccinated,
                })
            })
            .collect()
        })
    }

    fn persons_born(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        after: Option<&ManagementId>,
        limit_n: usize,
    ) -> Result<Vec<StoredPerson>, StoreError> {
        self.scan(|c| {
            persons(
                c,
                &format!(
                    "SELECT {PERSON_COLUMNS} FROM persons p
                     WHERE p.birth_date >= ?1 AND p.birth_date <= ?2 AND p.management_id > ?3
                     ORDER BY p.management_id LIMIT ?4"
                ),
                vec![
                    text(&day_text(from)),
                    text(&day_text(to)),
                    text(after.map_or("", ManagementId::as_str)),
                    limit(limit_n),
                ],
            )
        })
    }
}

fn read_state(c: &Connection) -> Result<MartState, StoreError> {
    let row: Option<(String, i64)> = c
        .query_row(
            "SELECT body, version FROM mart_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    match row {
        Some((body, version)) => state_from_body(&body, version),
        None => Ok(MartState::default()),
    }
}

pub(crate) fn put_batch(tx: &Transaction<'_>, batch: MartBatch) -> Result<i64, StoreError> {
    let found = read_state(tx)?.version;
    if found != batch.state.version {
        return Err(state_conflict(batch.state.version, found));
    }
    if batch.clear {
        tx.execute_batch(
            "DELETE FROM mart_contributions;
             DELETE FROM mart_cells WHERE mart <> 'recommendations';",
        )
        .map_err(backend)?;
    }
    {
        let mut put = tx
            .prepare_cached(
                "INSERT INTO mart_contributions
                     (record_id, day, municipality, vaccine, dose, age_band, questionnaire)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (record_id) DO UPDATE SET
                     day = excluded.day, municipality = excluded.municipality,
                     vaccine = excluded.vaccine, dose = excluded.dose,
                     age_band = excluded.age_band, questionnaire = excluded.questionnaire",
            )
            .map_err(backend)?;
        let mut remove = tx
            .prepare_cached("DELETE FROM mart_contributions WHERE record_id = ?1")
            .map_err(backend)?;
        for (record, c) in &batch.contributions {
            match c {
                Some(c) => put
                    .execute((
                        record.as_str(),
                        Day(c.key.date),
                        c.key.municipality.as_str(),
                        c.key.vaccine.as_str(),
                        i64::from(c.key.dose),
                        c.key.age_band.as_str(),
                        c.questionnaire,
                    ))
                    .map_err(backend)?,
                None => remove.execute([record.as_str()]).map_err(backend)?,
            };
        }
        let mut add = tx
            .prepare_cached(
                "INSERT INTO mart_cells (mart, day, municipality, vaccine, dose, age_band, count, vaccinated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)
                 ON CONFLICT (mart, day, municipality, vaccine, dose, age_band)
                 DO UPDATE SET count = count + excluded.count",
            )
            .map_err(backend)?;
        for ((mart, k), by) in &batch.deltas {
            add.execute((
                mart.as_str(),
                Day(k.date),
                k.municipality.as_str(),
                k.vaccine.as_str(),
                i64::from(k.dose),
                k.age_band.as_str(),
                by,
            ))
            .map_err(backend)?;
        }
    }
    // A cell only a decrease can empty: those are looked at, by key (a
    // scan of every cell per step would grow with the marts).
    {
        let mut empty = tx
            .prepare_cached(
                "DELETE FROM mart_cells WHERE mart = ?1 AND day = ?2 AND municipality = ?3
                 AND vaccine = ?4 AND dose = ?5 AND age_band = ?6 AND count = 0",
            )
            .map_err(backend)?;
        for ((mart, k), _) in batch.deltas.iter().filter(|(_, by)| *by < 0) {
            empty
                .execute((
                    mart.as_str(),
                    Day(k.date),
                    k.municipality.as_str(),
                    k.vaccine.as_str(),
                    i64::from(k.dose),
                    k.age_band.as_str(),
                ))
                .map_err(backend)?;
        }
    }
    if let Some((day, cells)) = &batch.snapshot {
        tx.execute(
            "DELETE FROM mart_cells WHERE mart = 'recommendations' AND day = ?1",
            [Day(*day)],
        )
        .map_err(backend)?;
        let mut put = tx
            .prepare_cached(
                "INSERT INTO mart_cells (mart, day, municipality, vaccine, dose, age_band, count, vaccinated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(backend)?;
        for c in cells {
            put.execute((
                c.mart.as_str(),
                Day(c.key.date),
                c.key.municipality.as_str(),
                c.key.vaccine.as_str(),
                i64::from(c.key.dose),
                c.key.age_band.as_str(),
                c.count,
                c.vaccinated,
            ))
            .map_err(backend)?;
        }
    }
    let version = batch.state.version + 1;
    tx.execute(
        "INSERT INTO mart_state (id, body, version) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version",
        (state_body(&batch.state), version),
    )
    .map_err(backend)?;
    Ok(version)
}
