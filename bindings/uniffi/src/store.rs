//! Stores and the services over them. Calls are synchronous: apps make
//! them from a background dispatcher.

use std::sync::Arc;

use sesshu_core::identifiers::ManagementId;
use sesshu_core::service;

use crate::error::{fail, Result, Timestamp};
use crate::plain::records::ImportOutcome;
use crate::plain::records::{all_in, entries_out, import_out, log_download, log_search};
use crate::plain::records::{
    download, outcomes, paged_query, person_in, record_in, record_out, rows_out, services, staff,
};
use crate::plain::records::{person_details_in, person_residency_in, PersonResidency};
use crate::plain::records::{pull_out, verify_out, DeliveryPull, LogEntry, Person, QueryOptions};
use crate::plain::records::{readable, LogOptions};
use crate::plain::records::{Record, RecordPage, RecordRow, VerifyReport};

/// The sesshu services over a store (SQLite or PostgreSQL).
#[derive(uniffi::Object)]
pub struct Sesshu {
    pub(crate) inner: service::Sesshu,
}

#[uniffi::export]
impl Sesshu {
    /// Opens (creating if needed) a SQLite database file. `now` pins the clock.
    #[uniffi::constructor]
    pub fn open_sqlite(path: String, now: Option<Timestamp>) -> Result<Self> {
        let store = sesshu_sqlite::SqliteStore::open(&path).map_err(fail)?;
        Ok(Sesshu {
            inner: services(Arc::new(store), now),
        })
    }

    /// Connects to a PostgreSQL database. `now` pins the clock.
    #[uniffi::constructor]
    pub fn open_postgres(url: String, now: Option<Timestamp>) -> Result<Self> {
        let store = sesshu_postgres::PostgresStore::connect(&url).map_err(fail)?;
        Ok(Sesshu {
            inner: services(Arc::new(store), now),
        })
    }

    /// Writes persons, all or none: created/updated/unchanged each.
    pub fn put_persons(
        &self,
        municipality: String,
        user: String,
        persons: Vec<Person>,
    ) -> Result<Vec<String>> {
        let actor = staff(&municipality, &user)?;
        let persons = all_in(&persons, person_in)?;
        self.inner
            .put_persons(&actor, persons)
            .map(outcomes)
            .map_err(fail)
    }

    /// Writes records, all or none: created/updated/unchanged each.
    pub fn put_records(
        &self,
        municipality: String,
        user: String,
        records: Vec<Record>,
    ) -> Result<Vec<String>> {
        let actor = staff(&municipality, &user)?;
        let records = all_in(&records, record_in)?;
        self.inner
            .put_records(&actor, records)
            .map(outcomes)
            .map_err(fail)
    }

    /// Imports persons: the acceptable ones land in one commit, each other
    /// one is refused in its place (nothing lost, nothing half-written); one
    /// outcome per person, in order.
    pub fn import_persons(
        &self,
        municipality: String,
        user: String,
        persons: Vec<Person>,
    ) -> Result<Vec<ImportOutcome>> {
        let actor = staff(&municipality, &user)?;
        let (persons, refused) = readable(&persons, person_in);
        let report = self.inner.import_persons(&actor, persons).map_err(fail)?;
        Ok(import_out(refused, report))
    }

    /// The persons file (対象者の取込): each person's details as given, the
    /// stored residency history kept (`residency` is ignored); one outcome
    /// per person, in order.
    pub fn import_person_details(
        &self,
        municipality: String,
        user: String,
        persons: Vec<Person>,
    ) -> Result<Vec<ImportOutcome>> {
        let actor = staff(&municipality, &user)?;
        let (persons, refused) = readable(&persons, person_details_in);
        let report = self
            .inner
            .import_person_details(&actor, persons)
            .map_err(fail)?;
        Ok(import_out(refused, report))
    }

    /// The residency file (異動履歴の取込): each named person's history
    /// replaced by the intervals given; a person not stored is `not_found`,
    /// one named twice `duplicate`; one outcome per entry, in order.
    pub fn import_residency(
        &self,
        municipality: String,
        user: String,
        histories: Vec<PersonResidency>,
    ) -> Result<Vec<ImportOutcome>> {
        let actor = staff(&municipality, &user)?;
        let (histories, refused) = readable(&histories, person_residency_in);
        let report = self
            .inner
            .import_residency(&actor, histories)
            .map_err(fail)?;
        Ok(import_out(refused, report))
    }

    /// Imports records as `importPersons` imports persons.
    pub fn import_records(
        &self,
        municipality: String,
        user: String,
        records: Vec<Record>,
    ) -> Result<Vec<ImportOutcome>> {
        let actor = staff(&municipality, &user)?;
        let (records, refused) = readable(&records, record_in);
        let report = self.inner.import_records(&actor, records).map_err(fail)?;
        Ok(import_out(refused, report))
    }

    /// The records of one person the municipality may see.
    pub fn person_records(
        &self,
        municipality: String,
        user: String,
        management_id: String,
    ) -> Result<Vec<RecordRow>> {
        let actor = staff(&municipality, &user)?;
        let id = ManagementId::parse(&management_id).map_err(fail)?;
        self.inner
            .person_records(&actor, &id)
            .map(rows_out)
            .map_err(fail)
    }

    /// One page of the staff search.
    pub fn query_records(
        &self,
        municipality: String,
        user: String,
        options: QueryOptions,
    ) -> Result<RecordPage> {
        let actor = staff(&municipality, &user)?;
        let (q, after, per_page) = paged_query(&options)?;
        let page = self
            .inner
            .query_records(&actor, &q, after.as_ref(), per_page)
            .map_err(fail)?;
        Ok(RecordPage {
            rows: rows_out(page.rows),
            next: page.next.map(|n| n.to_string()),
        })
    }

    /// The staff search as CSV bytes (UTF-8 with BOM, or Shift_JIS).
    pub fn export_records_csv(
        &self,
        municipality: String,
        user: String,
        options: QueryOptions,
    ) -> Result<Vec<u8>> {
        let actor = staff(&municipality, &user)?;
        let (q, options) = download(&options)?;
        let mut out = Vec::new();
        self.inner
            .export_records_csv(&actor, &q, options, &mut out)
            .map_err(fail)?;
        Ok(out)
    }

    /// The portal list for a PMH key.
    pub fn portal_records(&self, pmh_key: String) -> Result<Vec<Record>> {
        let recs = self.inner.portal_records(&pmh_key).map_err(fail)?;
        Ok(recs.iter().map(|r| record_out(&r.record)).collect())
    }

    /// Pulls the next delivery batch (the open one again if unacknowledged).
    pub fn pull_delivery(
        &self,
        municipality: String,
        user: String,
        limit: u32,
    ) -> Result<DeliveryPull> {
        let actor = staff(&municipality, &user)?;
        let p = self
            .inner
            .pull_delivery(&actor, limit as usize)
            .map_err(fail)?;
        Ok(pull_out(p))
    }

    /// Acknowledges a batch; false when it already was.
    pub fn ack_delivery(
        &self,
        municipality: String,
        user: String,
        batch_id: String,
    ) -> Result<bool> {
        let actor = staff(&municipality, &user)?;
        self.inner.ack_delivery(&actor, &batch_id).map_err(fail)
    }

    /// Searches the access log (開示請求) by subject, actor and period.
    pub fn search_log(
        &self,
        municipality: String,
        user: String,
        subject: Option<String>,
        actor: Option<String>,
        options: Option<LogOptions>,
    ) -> Result<Vec<LogEntry>> {
        let who = staff(&municipality, &user)?;
        let (filter, limit) = log_search(subject.as_deref(), actor, &options.unwrap_or_default())?;
        self.inner
            .search_log(&who, &filter, limit)
            .map(entries_out)
            .map_err(fail)
    }

    /// アクセスログのダウンロード: the entries the search finds as CSV bytes
    /// (UTF-8 with BOM, or `encoding = "shift_jis"`).
    pub fn export_log_csv(
        &self,
        municipality: String,
        user: String,
        subject: Option<String>,
        actor: Option<String>,
        options: Option<LogOptions>,
    ) -> Result<Vec<u8>> {
        let who = staff(&municipality, &user)?;
        let (filter, options) =
            log_download(subject.as_deref(), actor, &options.unwrap_or_default())?;
        let mut out = Vec::new();
        self.inner
            .export_log_csv(&who, &filter, options, &mut out)
            .map_err(fail)?;
        Ok(out)
    }

    /// Walks the access-log chain.
    pub fn verify_log(&self, municipality: String, user: String) -> Result<VerifyReport> {
        let r = self
            .inner
            .verify_log(&staff(&municipality, &user)?)
            .map_err(fail)?;
        Ok(verify_out(r))
    }

    /// Verifies the chain, then signs its size and last hash with the
    /// private key's text: the checkpoint's JSON, to keep apart from the
    /// store.
    pub fn log_checkpoint(
        &self,
        municipality: String,
        user: String,
        private_key: String,
    ) -> Result<String> {
        let key = crate::plain::checkpoints::private_key(&private_key)?;
        let c = self
            .inner
            .log_checkpoint(&staff(&municipality, &user)?, &key)
            .map_err(fail)?;
        Ok(c.to_json())
    }

    /// Walks the chain and checks it against a signed checkpoint: a log
    /// shorter than it, or not containing it, is a break.
    pub fn verify_log_with_checkpoint(
        &self,
        municipality: String,
        user: String,
        checkpoint: String,
        public_key: String,
    ) -> Result<VerifyReport> {
        let (c, key) = crate::plain::checkpoints::checkpoint_and_key(&checkpoint, &public_key)?;
        let r = self
            .inner
            .verify_log_with_checkpoint(&staff(&municipality, &user)?, &c, &key)
            .map_err(fail)?;
        Ok(verify_out(r))
    }
}
