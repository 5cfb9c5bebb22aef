//! The marts (H-6): what changed since the last batch, each record's
//! contribution, the cells, the batch's state. Contributions and count
//! changes are written a few thousand rows per statement (`unnest`).

use chrono::{DateTime, NaiveDate, Utc};
use postgres::Transaction;
use sesshu_core::identifiers::{ManagementId, MunicipalityCode, RecordId, VaccineCode};
use sesshu_core::marts::{Cell, CellKey, Contribution, Mart, MartState, Run, Source};
use sesshu_core::store::marts::{key_from_columns, state_body, state_conflict, state_from_body};
use sesshu_core::store::{MartBatch, MartStore, StoreError, StoredPerson};

use crate::persons::{persons, PERSON_COLUMNS};
use crate::sql::{limit, Params};
use crate::{backend, Column, PostgresStore};

/// Rows per bulk statement.
const CHUNK: usize = 5_000;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        entity: "mart row",
        id: what.to_owned(),
        reason: e.to_string(),
    }
}

const SOURCE: &str = "SELECT r.id, r.responsible, r.vaccine, r.dose_number, r.vaccination_date,
                             r.erroneous, p.birth_date, q.record_id IS NOT NULL
                      FROM records r
                      LEFT JOIN persons p ON p.management_id = r.management_id
                      LEFT JOIN questionnaires q ON q.record_id = r.id";

impl MartStore for PostgresStore {
    fn mart_state(&self) -> Result<MartState, StoreError> {
        let rows = self
            .client()?
            .query("SELECT body, version FROM mart_state WHERE id = 1", &[])?;
        read_state(&rows)
    }

    fn last_record_seq(&self) -> Result<i64, StoreError> {
        let rows = self
            .client()?
            .query("SELECT coalesce(max(seq), 0)::bigint FROM records", &[])?;
        rows.first().map_or(Ok(0), |r| r.col(0))
    }

    fn mart_sources(&self, run: &Run, limit_n: usize) -> Result<Vec<Source>, StoreError> {
        let after = run
            .done_through
            .as_ref()
            .map_or(String::new(), ToString::to_string);
        let rows = if run.full {
            self.client()?.query(
                &format!("{SOURCE} WHERE r.id > $1 ORDER BY r.id LIMIT $2"),
                &[&after, &limit(limit_n)],
            )?
        } else {
            let since: DateTime<Utc> = run.changed_since.unwrap_or(DateTime::UNIX_EPOCH);
            self.client()?.query(
                &format!(
                    "{SOURCE} WHERE r.id > $1 AND r.id IN (
                         SELECT id FROM records WHERE seq > $3 AND seq <= $4
                         UNION SELECT c.id FROM persons x JOIN records c ON c.management_id = x.management_id
                               WHERE x.updated_at >= $5 AND x.updated_at < $6
                         UNION SELECT record_id FROM questionnaires WHERE updated_at >= $5 AND updated_at < $6)
                     ORDER BY r.id LIMIT $2"
                ),
                &[
                    &after,
                    &limit(limit_n),
                    &run.after_seq,
                    &run.through_seq,
                    &since,
                    &run.changed_before,
                ],
            )?
        };
        rows.iter()
            .map(|r| {
                Ok(Source {
                    record: RecordId::parse_owned(r.col(0)?).map_err(|e| corrupt("record", e))?,
                    municipality: MunicipalityCode::parse(r.col::<&str>(1)?)
                        .map_err(|e| corrupt("record", e))?,
                    vaccine: VaccineCode::parse_owned(r.col(2)?)
                        .map_err(|e| corrupt("record", e))?,
                    dose: u8::try_from(r.col::<i64>(3)?).map_err(|e| corrupt("record", e))?,
                    date: r.col(4)?,
                    erroneous: r.col(5)?,
                    birth: r.col(6)?,
                    questionnaire: r.col(7)?,
                })
            })
            .collect()
    }

    fn mart_contributions(&self, ids: &[RecordId]) -> Result<Vec<Contribution>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(RecordId::as_str).collect();
        let rows = self.client()?.query(
            "SELECT record_id, day, municipality, vaccine, dose, age_band, questionnaire
             FROM mart_contributions WHERE record_id = ANY($1) ORDER BY record_id",
            &[&ids],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Contribution {
                    record: RecordId::parse_owned(r.col(0)?)
                        .map_err(|e| corrupt("contribution", e))?,
                    key: key_from_columns(
                        r.col(1)?,
                        r.col(2)?,
                        r.col(3)?,
                        i64::from(r.col::<i32>(4)?),
                        r.col(5)?,
                    )?,
                    questionnaire: r.col(6)?,
                })
            })
            .collect()
    }

    fn mart_cells(
        &self,
        mart: Mart,
        after: Option<&CellKey>,
        limit_n: usize,
    ) -> Result<Vec<Cell>, StoreError> {
        let mut params: Params<'_> = vec![Box::new(mart.as_str()), Box::new(limit(limit_n))];
        let mut condition = "mart = $1".to_owned();
        if let Some(k) = after {
            condition.push_str(
                " AND (day, municipality, vaccine, dose, age_band) > ($3, $4, $5, $6, $7)",
            );
            params.push(Box::new(k.date));
            params.push(Box::new(k.municipality.as_str().to_owned()));
            params.push(Box::new(k.vaccine.as_str().to_owned()));
            params.push(Box::new(i32::from(k.dose)));
            params.push(Box::new(k.age_band.as_str()));
        }
        let rows = self.client()?.query(
            &format!(
                "SELECT day, municipality, vaccine, dose, age_band, count, vaccinated
                 FROM mart_cells WHERE {condition}
                 ORDER BY day, municipality, vaccine, dose, age_band LIMIT $2"
            ),
            &crate::sql::refs(&params),
        )?;
        rows.iter()
            .map(|r| {
                Ok(Cell {
                    mart,
                    key: key_from_columns(
                        r.col(0)?,
                        r.col(1)?,
                        r.col(2)?,
                        i64::from(r.col::<i32>(3)?),
                        r.col(4)?,
                    )?,
                    count: r.col(5)?,
                    vaccinated: r.col(6)?,
                })
            })
            .collect()
    }

    fn persons_born(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        after: Option<&ManagementId>,
        limit_n: usize,
    ) -> Result<Vec<StoredPerson>, StoreError> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM persons p
             WHERE p.birth_date >= $1 AND p.birth_date <= $2 AND p.management_id > $3
             ORDER BY p.management_id LIMIT $4"
        );
        persons(
            &mut *self.client()?,
            &sql,
            &vec![
                Box::new(from),
                Box::new(to),
                Box::new(after.map_or(String::new(), ToString::to_string)),
                Box::new(limit(limit_n)),
            ],
        )
    }
}

fn read_state(rows: &[postgres::Row]) -> Result<MartState, StoreError> {
    match rows.first() {
        Some(r) => state_from_body(r.col(0)?, r.col(1)?),
        None => Ok(MartState::default()),
    }
}

/// Cells' keys as the column arrays an `unnest` reads.
struct KeyArrays<'a> {
    marts: Vec<&'static str>,
    days: Vec<NaiveDate>,
    ms: Vec<&'a str>,
    vs: Vec<&'a str>,
    doses: Vec<i32>,
    bands: Vec<&'static str>,
}

impl<'a> KeyArrays<'a> {
    fn of(keys: impl Iterator<Item = (Mart, &'a CellKey)>) -> Self {
        let mut k = KeyArrays {
            marts: Vec::new(),
            days: Vec::new(),
            ms: Vec::new(),
            vs: Vec::new(),
            doses: Vec::new(),
            bands: Vec::new(),
        };
        for (mart, key) in keys {
            k.marts.push(mart.as_str());
            k.days.push(key.date);
            k.ms.push(key.municipality.as_str());
            k.vs.push(key.vaccine.as_str());
            k.doses.push(i32::from(key.dose));
            k.bands.push(key.age_band.as_str());
        }
        k
    }
}

pub(crate) fn put_batch(tx: &mut Transaction<'_>, batch: MartBatch) -> Result<i64, StoreError> {
    let rows = tx
        .query(
            "SELECT body, version FROM mart_state WHERE id = 1 FOR UPDATE",
            &[],
        )
        .map_err(backend)?;
    let found = read_state(&rows)?.version;
    if found != batch.state.version {
        return Err(state_conflict(batch.state.version, found));
    }
    if batch.clear {
        tx.batch_execute(
            "DELETE FROM mart_contributions;
             DELETE FROM mart_cells WHERE mart <> 'recommendations';",
        )
        .map_err(backend)?;
    }
    let (kept, removed): (Vec<_>, Vec<_>) =
        batch.contributions.iter().partition(|(_, c)| c.is_some());
    for chunk in kept.chunks(CHUNK) {
        let c: Vec<&Contribution> = chunk.iter().filter_map(|(_, c)| c.as_ref()).collect();
        let ids: Vec<&str> = c.iter().map(|c| c.record.as_str()).collect();
        let days: Vec<NaiveDate> = c.iter().map(|c| c.key.date).collect();
        let ms: Vec<&str> = c.iter().map(|c| c.key.municipality.as_str()).collect();
        let vs: Vec<&str> = c.iter().map(|c| c.key.vaccine.as_str()).collect();
        let doses: Vec<i32> = c.iter().map(|c| i32::from(c.key.dose)).collect();
        let bands: Vec<&str> = c.iter().map(|c| c.key.age_band.as_str()).collect();
        let qs: Vec<bool> = c.iter().map(|c| c.questionnaire).collect();
        tx.execute(
            "INSERT INTO mart_contributions
                 (record_id, day, municipality, vaccine, dose, age_band, questionnaire)
             SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::int[],
                                  $6::text[], $7::bool[])
             ON CONFLICT (record_id) DO UPDATE SET
                 day = excluded.day, municipality = excluded.municipality,
                 vaccine = excluded.vaccine, dose = excluded.dose,
                 age_band = excluded.age_band, questionnaire = excluded.questionnaire",
            &[&ids, &days, &ms, &vs, &doses, &bands, &qs],
        )
        .map_err(backend)?;
    }
    for chunk in removed.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|(r, _)| r.as_str()).collect();
        tx.execute(
            "DELETE FROM mart_contributions WHERE record_id = ANY($1)",
            &[&ids],
        )
        .map_err(backend)?;
    }
    for chunk in batch.deltas.chunks(CHUNK) {
        let k = KeyArrays::of(chunk.iter().map(|((m, k), _)| (*m, k)));
        let by: Vec<i64> = chunk.iter().map(|(_, n)| *n).collect();
        tx.execute(
            "INSERT INTO mart_cells (mart, day, municipality, vaccine, dose, age_band, count, vaccinated)
             SELECT m, d, mu, v, n, b, c, 0
             FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::int[], $6::text[],
                         $7::bigint[]) AS t(m, d, mu, v, n, b, c)
             ON CONFLICT (mart, day, municipality, vaccine, dose, age_band)
             DO UPDATE SET count = mart_cells.count + excluded.count",
            &[&k.marts, &k.days, &k.ms, &k.vs, &k.doses, &k.bands, &by],
        )
        .map_err(backend)?;
    }
    // A cell only a decrease can empty: those are looked at, by key (a
    // scan of every cell per step would grow with the marts). The join on
    // the keys is fenced (`OFFSET 0`) from `count = 0`: the planner, whose
    // statistics know no empty cell, would otherwise scan every cell for
    // that condition and compare each with every key (10.7 s for 5,000
    // keys among 919,284 cells, against 44 ms by key).
    let decreased: Vec<&((Mart, CellKey), i64)> =
        batch.deltas.iter().filter(|(_, by)| *by < 0).collect();
    for chunk in decreased.chunks(CHUNK) {
        let k = KeyArrays::of(chunk.iter().map(|((m, k), _)| (*m, k)));
        tx.execute(
            "DELETE FROM mart_cells WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM (
                     SELECT c.ctid, c.count
                     FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::int[],
                                 $6::text[]) AS t(m, d, mu, v, n, b)
                     JOIN mart_cells c ON c.mart = t.m AND c.day = t.d AND c.municipality = t.mu
                         AND c.vaccine = t.v AND c.dose = t.n AND c.age_band = t.b
                     OFFSET 0) keyed
                 WHERE keyed.count = 0))",
            &[&k.marts, &k.days, &k.ms, &k.vs, &k.doses, &k.bands],
        )
        .map_err(backend)?;
    }
    if let Some((day, cells)) = &batch.snapshot {
        tx.execute(
            "DELETE FROM mart_cells WHERE mart = 'recommendations' AND day = $1",
            &[day],
        )
        .map_err(backend)?;
        for chunk in cells.chunks(CHUNK) {
            let k = KeyArrays::of(chunk.iter().map(|c| (c.mart, &c.key)));
            let counts: Vec<i64> = chunk.iter().map(|c| c.count).collect();
            let vaccinated: Vec<i64> = chunk.iter().map(|c| c.vaccinated).collect();
            tx.execute(
                "INSERT INTO mart_cells (mart, day, municipality, vaccine, dose, age_band, count, vaccinated)
                 SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[],
                     $5::int[], $6::text[], $7::bigint[], $8::bigint[])",
                &[&k.marts, &k.days, &k.ms, &k.vs, &k.doses, &k.bands, &counts, &vaccinated],
            )
            .map_err(backend)?;
        }
    }
    let version = batch.state.version + 1;
    tx.execute(
        "INSERT INTO mart_state (id, body, version) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version",
        &[&state_body(&batch.state), &version],
    )
    .map_err(backend)?;
    Ok(version)
}
