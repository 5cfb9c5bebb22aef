//! Stores and the services over them. Every call releases the GIL while the
//! core and the engine work.

use std::sync::Arc;

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sesshu_core::identifiers::ManagementId;
use sesshu_core::service;

use crate::error::{to_py, Aware};
use crate::plain::records::{self as plain, DeliveryPull, LogEntry, Person};
use crate::plain::records::{ImportOutcome, PersonResidency, Record, RecordRow, VerifyReport};
use crate::plain::rules::ResidencyInterval;

py_new!(Person {
    management_id: String,
    subject_number: String,
    name: String,
    name_kana: String,
    birth_date: NaiveDate,
    sex: String,
    pmh_key: Option<String> = None,
    residency: Vec<ResidencyInterval> = Vec::new(),
});
py_new!(PersonResidency {
    management_id: String,
    residency: Vec<ResidencyInterval> = Vec::new(),
});
py_new!(Record {
    id: String,
    management_id: String,
    responsible: String,
    category: String,
    vaccine: String,
    dose_number: i64,
    date: NaiveDate,
    lot: Option<String> = None,
    institution: Option<String> = None,
    erroneous: Option<bool> = None,
});

/// The staff search's options from Python's keyword arguments (the
/// shared plain form, read by `plain::paged_query` and `plain::download`).
pub(crate) fn search(
    subject_number: Option<String>,
    kana_prefix: Option<String>,
    birth_date: Option<NaiveDate>,
    vaccine: Option<String>,
    vaccinated_from: Option<NaiveDate>,
    vaccinated_to: Option<NaiveDate>,
) -> plain::QueryOptions {
    plain::QueryOptions {
        subject_number,
        kana_prefix,
        birth_date,
        vaccine,
        vaccinated_from,
        vaccinated_to,
        ..Default::default()
    }
}

/// The sesshu services over a store (SQLite or PostgreSQL).
#[pyclass(module = "sesshu", frozen)]
pub struct Sesshu(pub(crate) service::Sesshu);

impl Sesshu {
    /// Runs `work` on the services with the GIL released.
    pub(crate) fn run<T: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&service::Sesshu) -> Result<T, sesshu_core::Error> + Send,
    ) -> PyResult<T> {
        let s = &self.0;
        py.detach(|| work(s)).map_err(to_py)
    }
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
        Ok(Sesshu(plain::services(Arc::new(store), now.map(|t| t.0))))
    }

    /// Connects to a PostgreSQL database. `now` pins the clock.
    #[staticmethod]
    #[pyo3(signature = (url, now=None))]
    fn open_postgres(py: Python<'_>, url: String, now: Option<Aware>) -> PyResult<Self> {
        let store = py
            .detach(|| sesshu_postgres::PostgresStore::connect(&url))
            .map_err(to_py)?;
        Ok(Sesshu(plain::services(Arc::new(store), now.map(|t| t.0))))
    }

    /// Writes persons, all or none; returns "created"/"updated"/"unchanged" each.
    fn put_persons(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        persons: Vec<Person>,
    ) -> PyResult<Vec<String>> {
        let actor = plain::staff(municipality, user)?;
        let persons = plain::all_in(&persons, plain::person_in)?;
        self.run(py, |s| s.put_persons(&actor, persons))
            .map(plain::outcomes)
    }

    /// Writes records, all or none; returns "created"/"updated"/"unchanged" each.
    fn put_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        records: Vec<Record>,
    ) -> PyResult<Vec<String>> {
        let actor = plain::staff(municipality, user)?;
        let records = plain::all_in(&records, plain::record_in)?;
        self.run(py, |s| s.put_records(&actor, records))
            .map(plain::outcomes)
    }

    /// Imports persons: the acceptable ones land in one commit, each other
    /// one is refused in its place (nothing lost, nothing half-written); one
    /// outcome per person, in order.
    fn import_persons(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        persons: Vec<Person>,
    ) -> PyResult<Vec<ImportOutcome>> {
        let actor = plain::staff(municipality, user)?;
        let (persons, refused) = plain::readable(&persons, plain::person_in);
        let report = self.run(py, |s| s.import_persons(&actor, persons))?;
        Ok(plain::import_out(refused, report))
    }

    /// The persons file (対象者の取込): each person's details as given, the
    /// stored residency history kept (`residency` is ignored); one outcome
    /// per person, in order.
    fn import_person_details(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        persons: Vec<Person>,
    ) -> PyResult<Vec<ImportOutcome>> {
        let actor = plain::staff(municipality, user)?;
        let (persons, refused) = plain::readable(&persons, plain::person_details_in);
        let report = self.run(py, |s| s.import_person_details(&actor, persons))?;
        Ok(plain::import_out(refused, report))
    }

    /// The residency file (異動履歴の取込): each named person's history
    /// replaced by the intervals given; a person not stored is `not_found`,
    /// one named twice `duplicate`; one outcome per entry, in order.
    fn import_residency(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        histories: Vec<PersonResidency>,
    ) -> PyResult<Vec<ImportOutcome>> {
        let actor = plain::staff(municipality, user)?;
        let (histories, refused) = plain::readable(&histories, plain::person_residency_in);
        let report = self.run(py, |s| s.import_residency(&actor, histories))?;
        Ok(plain::import_out(refused, report))
    }

    /// Imports records as `import_persons` imports persons.
    fn import_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        records: Vec<Record>,
    ) -> PyResult<Vec<ImportOutcome>> {
        let actor = plain::staff(municipality, user)?;
        let (records, refused) = plain::readable(&records, plain::record_in);
        let report = self.run(py, |s| s.import_records(&actor, records))?;
        Ok(plain::import_out(refused, report))
    }

    /// The records of one person the municipality may see.
    fn person_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        management_id: &str,
    ) -> PyResult<Vec<RecordRow>> {
        let actor = plain::staff(municipality, user)?;
        let id = ManagementId::parse(management_id).map_err(to_py)?;
        self.run(py, |s| s.person_records(&actor, &id))
            .map(plain::rows_out)
    }

    /// One page of the staff search: (rows, the `after` key of the next page or None).
    #[pyo3(signature = (municipality, user, *, subject_number=None, kana_prefix=None, birth_date=None, vaccine=None, vaccinated_from=None, vaccinated_to=None, after=None, persons_per_page=100))]
    #[allow(clippy::too_many_arguments)]
    fn query_records(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        subject_number: Option<String>,
        kana_prefix: Option<String>,
        birth_date: Option<NaiveDate>,
        vaccine: Option<String>,
        vaccinated_from: Option<NaiveDate>,
        vaccinated_to: Option<NaiveDate>,
        after: Option<String>,
        persons_per_page: u32,
    ) -> PyResult<(Vec<RecordRow>, Option<String>)> {
        let actor = plain::staff(municipality, user)?;
        let (q, after, per_page) = plain::paged_query(&plain::QueryOptions {
            after,
            persons_per_page: Some(persons_per_page),
            ..search(
                subject_number,
                kana_prefix,
                birth_date,
                vaccine,
                vaccinated_from,
                vaccinated_to,
            )
        })?;
        let page = self.run(py, |s| {
            s.query_records(&actor, &q, after.as_ref(), per_page)
        })?;
        Ok((plain::rows_out(page.rows), page.next.map(|n| n.to_string())))
    }

    /// The staff search as CSV bytes: UTF-8 with BOM, or "shift_jis"; with
    /// Shift_JIS a character it cannot hold raises (code
    /// `unencodable_character`) unless `replacement` is given.
    #[pyo3(signature = (municipality, user, *, encoding=None, replacement=None, subject_number=None, kana_prefix=None, vaccine=None))]
    #[allow(clippy::too_many_arguments)]
    fn export_records_csv<'py>(
        &self,
        py: Python<'py>,
        municipality: &str,
        user: &str,
        encoding: Option<String>,
        replacement: Option<String>,
        subject_number: Option<String>,
        kana_prefix: Option<String>,
        vaccine: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let actor = plain::staff(municipality, user)?;
        let (q, options) = plain::download(&plain::QueryOptions {
            encoding,
            replacement,
            ..search(subject_number, kana_prefix, None, vaccine, None, None)
        })?;
        let mut out = Vec::new();
        self.run(py, |s| s.export_records_csv(&actor, &q, options, &mut out))?;
        Ok(PyBytes::new(py, &out))
    }

    /// The portal list for a PMH key: all the person's records but erroneous ones.
    fn portal_records(&self, py: Python<'_>, pmh_key: &str) -> PyResult<Vec<Record>> {
        let recs = self.run(py, |s| s.portal_records(pmh_key))?;
        Ok(recs.iter().map(|r| plain::record_out(&r.record)).collect())
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
        let actor = plain::staff(municipality, user)?;
        self.run(py, |s| s.pull_delivery(&actor, limit))
            .map(plain::pull_out)
    }

    /// Acknowledges a batch; False when it was already acknowledged.
    fn ack_delivery(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        batch_id: &str,
    ) -> PyResult<bool> {
        let actor = plain::staff(municipality, user)?;
        self.run(py, |s| s.ack_delivery(&actor, batch_id))
    }

    /// Searches the access log (disclosure requests): at most `limit`
    /// entries the municipality may see, after the entry `after` (the last
    /// of the previous page).
    #[pyo3(signature = (municipality, user, *, subject=None, actor=None, start=None, end=None, after=None, limit=1000))]
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
        after: Option<i64>,
        limit: u32,
    ) -> PyResult<Vec<LogEntry>> {
        let who = plain::staff(municipality, user)?;
        let options = plain::LogOptions {
            from: start.map(|t| t.0),
            to: end.map(|t| t.0),
            limit: Some(limit),
            after,
            ..Default::default()
        };
        let (filter, limit) = plain::log_search(subject, actor, &options)?;
        self.run(py, |s| s.search_log(&who, &filter, limit))
            .map(plain::entries_out)
    }

    /// アクセスログのダウンロード: the entries the search finds as CSV bytes,
    /// with the encodings of `export_records_csv`.
    #[pyo3(signature = (municipality, user, *, subject=None, actor=None, start=None, end=None, encoding=None, replacement=None))]
    #[allow(clippy::too_many_arguments)]
    fn export_log_csv<'py>(
        &self,
        py: Python<'py>,
        municipality: &str,
        user: &str,
        subject: Option<&str>,
        actor: Option<String>,
        start: Option<Aware>,
        end: Option<Aware>,
        encoding: Option<String>,
        replacement: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let who = plain::staff(municipality, user)?;
        let options = plain::LogOptions {
            from: start.map(|t| t.0),
            to: end.map(|t| t.0),
            encoding,
            replacement,
            ..Default::default()
        };
        let (filter, options) = plain::log_download(subject, actor, &options)?;
        let mut out = Vec::new();
        self.run(py, |s| s.export_log_csv(&who, &filter, options, &mut out))?;
        Ok(PyBytes::new(py, &out))
    }

    /// Walks the access-log chain.
    fn verify_log(&self, py: Python<'_>, municipality: &str, user: &str) -> PyResult<VerifyReport> {
        let actor = plain::staff(municipality, user)?;
        self.run(py, |s| s.verify_log(&actor))
            .map(plain::verify_out)
    }

    /// Verifies the chain, then signs its size and last hash with the
    /// private key's text: the checkpoint's JSON, to keep apart from the
    /// store.
    fn log_checkpoint(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        private_key: &str,
    ) -> PyResult<String> {
        let actor = plain::staff(municipality, user)?;
        let key = crate::plain::checkpoints::private_key(private_key)?;
        self.run(py, |s| s.log_checkpoint(&actor, &key))
            .map(|c| c.to_json())
    }

    /// Walks the chain and checks it against a signed checkpoint: a log
    /// shorter than it, or not containing it, is a break.
    fn verify_log_with_checkpoint(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        checkpoint: &str,
        public_key: &str,
    ) -> PyResult<VerifyReport> {
        let actor = plain::staff(municipality, user)?;
        let (c, key) = crate::plain::checkpoints::checkpoint_and_key(checkpoint, public_key)?;
        self.run(py, |s| s.verify_log_with_checkpoint(&actor, &c, &key))
            .map(plain::verify_out)
    }
}
