//! Stores and the services over them. Every call releases the GIL while the
//! core and the engine work.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sesshu_core::calendar::{Clock, FixedClock, SystemClock};
use sesshu_core::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use sesshu_core::persons::{normalise_kana, normalise_name, Sex};
use sesshu_core::records::{dose_number, lot_number, Category};
use sesshu_core::service::{self, Actor, ExportOptions, RecordQuery};
use sesshu_core::store::{LogFilter, Store};
use sesshu_core::{persons, records};

use crate::error::{to_py, Aware};
use crate::rules::{history, intervals_of, ResidencyInterval};

py_record! {
    /// A person subject to vaccination (接種対象者).
    pub struct Person {
        management_id: String,
        subject_number: String,
        name: String,
        name_kana: String,
        birth_date: NaiveDate,
        /// "male", "female" or "unspecified".
        sex: String,
        pmh_key: Option<String> = None,
        residency: Vec<ResidencyInterval> = Vec::new(),
    }
}

fn person_in(p: &Person) -> PyResult<persons::Person> {
    Ok(persons::Person {
        management_id: ManagementId::parse(&p.management_id).map_err(to_py)?,
        subject_number: SubjectNumber::parse(&p.subject_number).map_err(to_py)?,
        name: normalise_name(&p.name).map_err(to_py)?,
        name_kana: normalise_kana(&p.name_kana).map_err(to_py)?,
        birth_date: p.birth_date,
        sex: Sex::parse(&p.sex).map_err(to_py)?,
        pmh_key: p.pmh_key.clone(),
        residency: history(&p.residency)?,
    })
}

pub(crate) fn person_out(p: &persons::Person) -> Person {
    Person {
        management_id: p.management_id.to_string(),
        subject_number: p.subject_number.to_string(),
        name: p.name.clone(),
        name_kana: p.name_kana.clone(),
        birth_date: p.birth_date,
        sex: p.sex.to_string(),
        pmh_key: p.pmh_key.clone(),
        residency: intervals_of(&p.residency),
    }
}

py_record! {
    /// A vaccination record (予防接種記録).
    pub struct Record {
        id: String,
        management_id: String,
        responsible: String,
        category: String,
        vaccine: String,
        dose_number: i64,
        date: NaiveDate,
        lot: Option<String> = None,
        institution: Option<String> = None,
        erroneous: bool = false,
    }
}

fn record_in(r: &Record) -> PyResult<records::VaccinationRecord> {
    Ok(records::VaccinationRecord {
        id: RecordId::parse(&r.id).map_err(to_py)?,
        person: ManagementId::parse(&r.management_id).map_err(to_py)?,
        responsible: MunicipalityCode::parse(&r.responsible).map_err(to_py)?,
        category: Category::parse(&r.category).map_err(to_py)?,
        vaccine: VaccineCode::parse(&r.vaccine).map_err(to_py)?,
        dose_number: dose_number(r.dose_number).map_err(to_py)?,
        date: r.date,
        lot: r
            .lot
            .as_deref()
            .map(lot_number)
            .transpose()
            .map_err(to_py)?,
        institution: r
            .institution
            .as_deref()
            .map(MedicalInstitutionCode::parse)
            .transpose()
            .map_err(to_py)?,
        erroneous: r.erroneous,
    })
}

pub(crate) fn record_out(r: &records::VaccinationRecord) -> Record {
    Record {
        id: r.id.to_string(),
        management_id: r.person.to_string(),
        responsible: r.responsible.to_string(),
        category: r.category.to_string(),
        vaccine: r.vaccine.to_string(),
        dose_number: i64::from(r.dose_number),
        date: r.date,
        lot: r.lot.clone(),
        institution: r.institution.map(|i| i.to_string()),
        erroneous: r.erroneous,
    }
}

/// A record a municipality may see, with its person.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct RecordRow {
    pub person: Person,
    pub record: Record,
    pub certifiable: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

fn row_out(r: &service::RecordRow) -> RecordRow {
    RecordRow {
        person: person_out(&r.person),
        record: record_out(&r.record.record),
        certifiable: r.certifiable,
        version: r.record.version,
        updated_at: r.record.updated_at,
    }
}

/// One record of a delivery.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct DeliveredRecord {
    pub subject_number: String,
    pub management_id: String,
    pub record: Record,
}

/// A delivery batch.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct DeliveryPull {
    /// None when there was nothing to deliver.
    pub batch_id: Option<String>,
    pub redelivery: bool,
    pub records: Vec<Py<DeliveredRecord>>,
}

/// An access-log entry.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct LogEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub organisation: String,
    pub action: String,
    pub subject: Option<String>,
    pub record_ids: Vec<String>,
}

/// The result of walking the access-log chain.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct VerifyReport {
    pub verified: i64,
    /// The first entry that does not match, if any.
    pub first_break: Option<i64>,
    pub reason: Option<String>,
}

pub(crate) fn staff(municipality: &str, user: &str) -> PyResult<Actor> {
    Ok(Actor::municipality(
        user,
        MunicipalityCode::parse(municipality).map_err(to_py)?,
    ))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn query(
    subject_number: Option<&str>,
    kana_prefix: Option<&str>,
    birth_date: Option<NaiveDate>,
    vaccine: Option<&str>,
    vaccinated_from: Option<NaiveDate>,
    vaccinated_to: Option<NaiveDate>,
) -> PyResult<RecordQuery> {
    Ok(RecordQuery {
        subject_number: subject_number
            .map(SubjectNumber::parse)
            .transpose()
            .map_err(to_py)?,
        kana_prefix: kana_prefix.map(normalise_kana).transpose().map_err(to_py)?,
        birth_date,
        vaccine: vaccine.map(VaccineCode::parse).transpose().map_err(to_py)?,
        vaccinated_from,
        vaccinated_to,
    })
}

fn outcome_names(o: Vec<service::PutOutcome>) -> Vec<&'static str> {
    o.into_iter().map(service::PutOutcome::as_str).collect()
}

/// The sesshu services over a store (SQLite or PostgreSQL).
#[pyclass(module = "sesshu", frozen)]
pub struct Sesshu(pub(crate) service::Sesshu);

/// Services over a store: the system clock (or `now`, pinned) and the
/// operating system's random source.
fn services(store: Arc<dyn Store>, now: Option<Aware>) -> service::Sesshu {
    let clock: Arc<dyn Clock> = match now {
        Some(Aware(t)) => Arc::new(FixedClock(t)),
        None => Arc::new(SystemClock),
    };
    service::Sesshu::new(store, clock).with_random(Arc::new(sesshu_core::secrets::OsRandom))
}

#[pymethods]
impl Sesshu {
    /// Opens (creating if needed) a SQLite database file. `now` pins the clock.
    #[staticmethod]
    #[pyo3(signature = (path, now=None))]
    fn open_sqlite(py: Python<'_>, path: String, now: Option<Aware>) -> PyResult<Self> {
        let store = py
            .detach(|| sesshu_sqlite::SqliteStore::open(&path))
            .map_err(to_py)?;
        Ok(Sesshu(services(Arc::new(store), now)))
    }

    /// Connects to a PostgreSQL database. `now` pins the clock.
    #[staticmethod]
    #[pyo3(signature = (url, now=None))]
    fn open_postgres(py: Python<'_>, url: String, now: Option<Aware>) -> PyResult<Self> {
        let store = py
            .detach(|| sesshu_postgres::PostgresStore::connect(&url))
            .map_err(to_py)?;
        Ok(Sesshu(services(Arc::new(store), now)))
    }

    /// Writes persons, all or none; returns "created"/"updated"/"unchanged" each.
    fn put_persons(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        persons: Vec<Person>,
    ) -> PyResult<Vec<&'static str>> {
        let actor = staff(municipality, user)?;
        let persons = persons
            .iter()
            .map(person_in)
            .collect::<PyResult<Vec<_>>>()?;
        let s = self.0.clone();
        py.detach(move || s.put_persons(&actor, persons))
            .map(outcome_names)
            .map_err(to_py)
    }

    /// Writes records, all or none; returns "created"/"updated"/"unchanged" each.
    fn put_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        records: Vec<Record>,
    ) -> PyResult<Vec<&'static str>> {
        let actor = staff(municipality, user)?;
        let records = records
            .iter()
            .map(record_in)
            .collect::<PyResult<Vec<_>>>()?;
        let s = self.0.clone();
        py.detach(move || s.put_records(&actor, records))
            .map(outcome_names)
            .map_err(to_py)
    }

    /// The records of one person the municipality may see.
    fn person_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        management_id: &str,
    ) -> PyResult<Vec<RecordRow>> {
        let actor = staff(municipality, user)?;
        let id = ManagementId::parse(management_id).map_err(to_py)?;
        let s = self.0.clone();
        let rows = py
            .detach(move || s.person_records(&actor, &id))
            .map_err(to_py)?;
        Ok(rows.iter().map(row_out).collect())
    }

    /// One page of the staff search: (rows, the `after` key of the next page or None).
    #[pyo3(signature = (municipality, user, *, subject_number=None, kana_prefix=None, birth_date=None, vaccine=None, vaccinated_from=None, vaccinated_to=None, after=None, persons_per_page=100))]
    #[allow(clippy::too_many_arguments)]
    fn query_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        subject_number: Option<&str>,
        kana_prefix: Option<&str>,
        birth_date: Option<NaiveDate>,
        vaccine: Option<&str>,
        vaccinated_from: Option<NaiveDate>,
        vaccinated_to: Option<NaiveDate>,
        after: Option<&str>,
        persons_per_page: usize,
    ) -> PyResult<(Vec<RecordRow>, Option<String>)> {
        let actor = staff(municipality, user)?;
        let q = query(
            subject_number,
            kana_prefix,
            birth_date,
            vaccine,
            vaccinated_from,
            vaccinated_to,
        )?;
        let after = after.map(ManagementId::parse).transpose().map_err(to_py)?;
        let s = self.0.clone();
        let page = py
            .detach(move || s.query_records(&actor, &q, after.as_ref(), persons_per_page))
            .map_err(to_py)?;
        Ok((
            page.rows.iter().map(row_out).collect(),
            page.next.map(|n| n.to_string()),
        ))
    }

    /// The staff search as CSV bytes: UTF-8 with BOM, or "shift_jis"; with
    /// Shift_JIS a character it cannot hold raises (code
    /// `unencodable_character`) unless `replacement` is given.
    #[pyo3(signature = (municipality, user, *, encoding="utf8", replacement=None, subject_number=None, kana_prefix=None, vaccine=None))]
    #[allow(clippy::too_many_arguments)]
    fn export_records_csv<'py>(
        &self,
        py: Python<'py>,
        municipality: &str,
        user: &str,
        encoding: &str,
        replacement: Option<&str>,
        subject_number: Option<&str>,
        kana_prefix: Option<&str>,
        vaccine: Option<&str>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let actor = staff(municipality, user)?;
        let q = query(subject_number, kana_prefix, None, vaccine, None, None)?;
        let options = ExportOptions::from_text(Some(encoding), replacement).map_err(to_py)?;
        let s = self.0.clone();
        let bytes = py
            .detach(move || {
                let mut out = Vec::new();
                s.export_records_csv(&actor, &q, options, &mut out)
                    .map(|_| out)
            })
            .map_err(to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The portal list for a PMH key: all the person's records but erroneous ones.
    fn portal_records(&self, py: Python<'_>, pmh_key: String) -> PyResult<Vec<Record>> {
        let s = self.0.clone();
        let recs = py
            .detach(move || s.portal_records(&pmh_key))
            .map_err(to_py)?;
        Ok(recs.iter().map(|r| record_out(&r.record)).collect())
    }

    /// Pulls the municipality's next delivery batch (the open one again if unacknowledged).
    #[pyo3(signature = (municipality, user, limit=10_000))]
    fn pull_delivery(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        limit: usize,
    ) -> PyResult<DeliveryPull> {
        let actor = staff(municipality, user)?;
        let s = self.0.clone();
        let pull = py
            .detach(move || s.pull_delivery(&actor, limit))
            .map_err(to_py)?;
        let records = pull
            .records
            .iter()
            .map(|d| {
                Py::new(
                    py,
                    DeliveredRecord {
                        subject_number: d.subject_number.to_string(),
                        management_id: d.management_id.to_string(),
                        record: record_out(&d.record),
                    },
                )
            })
            .collect::<PyResult<_>>()?;
        Ok(DeliveryPull {
            batch_id: (!pull.batch_id.is_empty()).then_some(pull.batch_id),
            redelivery: pull.redelivery,
            records,
        })
    }

    /// Acknowledges a batch; False when it was already acknowledged.
    fn ack_delivery(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        batch_id: String,
    ) -> PyResult<bool> {
        let actor = staff(municipality, user)?;
        let s = self.0.clone();
        py.detach(move || s.ack_delivery(&actor, &batch_id))
            .map_err(to_py)
    }

    /// Searches the access log (disclosure requests).
    #[pyo3(signature = (municipality, user, *, subject=None, actor=None, start=None, end=None, limit=1000))]
    #[allow(clippy::too_many_arguments)]
    fn search_log(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        subject: Option<&str>,
        actor: Option<String>,
        start: Option<Aware>,
        end: Option<Aware>,
        limit: usize,
    ) -> PyResult<Vec<LogEntry>> {
        let who = staff(municipality, user)?;
        let filter = LogFilter {
            subject: subject
                .map(ManagementId::parse)
                .transpose()
                .map_err(to_py)?,
            actor,
            from: start.map(|t| t.0),
            to: end.map(|t| t.0),
            after_seq: None,
        };
        let s = self.0.clone();
        let entries = py
            .detach(move || s.search_log(&who, &filter, limit))
            .map_err(to_py)?;
        Ok(entries
            .into_iter()
            .map(|e| LogEntry {
                seq: e.seq,
                at: e.draft.at,
                actor: e.draft.actor,
                organisation: e.draft.organisation,
                action: e.draft.action.to_string(),
                subject: e.draft.subject.map(|s| s.to_string()),
                record_ids: e.draft.record_ids.iter().map(ToString::to_string).collect(),
            })
            .collect())
    }

    /// Walks the access-log chain.
    fn verify_log(&self, py: Python<'_>, municipality: &str, user: &str) -> PyResult<VerifyReport> {
        let actor = staff(municipality, user)?;
        let s = self.0.clone();
        let r = py.detach(move || s.verify_log(&actor)).map_err(to_py)?;
        Ok(VerifyReport {
            verified: r.verified,
            first_break: r.first_break.as_ref().map(|b| b.seq),
            reason: r.first_break.map(|b| b.reason.to_owned()),
        })
    }
}

/// Registers the store classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Person>()?;
    m.add_class::<Record>()?;
    m.add_class::<RecordRow>()?;
    m.add_class::<DeliveredRecord>()?;
    m.add_class::<DeliveryPull>()?;
    m.add_class::<LogEntry>()?;
    m.add_class::<VerifyReport>()?;
    m.add_class::<Sesshu>()?;
    Ok(())
}
