//! Stores and the services over them. Every store call runs on the libuv
//! thread pool and returns a Promise; a refusal rejects with an `Error`
//! carrying `code`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::identifiers::ManagementId;
use sesshu_core::service;

use crate::error::{fail, Code, Job};
use crate::plain::records::ImportOutcome;
use crate::plain::records::{all_in, entries_out, import_out, log_download, log_search};
use crate::plain::records::{
    download, outcomes, paged_query, person_in, record_in, record_out, rows_out, services, staff,
};
use crate::plain::records::{person_details_in, person_residency_in, PersonResidency};
use crate::plain::records::{pull_out, verify_out, DeliveryPull, LogEntry, Person, QueryOptions};
use crate::plain::records::{readable, LogOptions};
use crate::plain::records::{Record, RecordPage, RecordRow, VerifyReport};

/// What an import's work hands back: the refusals met reading the items,
/// and the core's report on the rest.
type Imported = (Vec<Option<sesshu_core::Error>>, service::ImportReport);

/// The sesshu services over a store (SQLite or PostgreSQL).
#[napi]
pub struct Sesshu {
    pub(crate) inner: service::Sesshu,
}

// The napi macro must see each `napi::Result<AsyncTask<…>, Code>` written out
// to map errors and Promise types, so the long types cannot be aliased.
#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// Opens (creating if needed) a SQLite database file. `now` pins the clock.
    #[napi(factory)]
    pub fn open_sqlite(path: String, now: Option<DateTime<Utc>>) -> napi::Result<Self, Code> {
        let store = sesshu_sqlite::SqliteStore::open(&path).map_err(fail)?;
        Ok(Sesshu {
            inner: services(Arc::new(store), now),
        })
    }

    /// Connects to a PostgreSQL database. `now` pins the clock.
    #[napi(factory)]
    pub fn open_postgres(url: String, now: Option<DateTime<Utc>>) -> napi::Result<Self, Code> {
        let store = sesshu_postgres::PostgresStore::connect(&url).map_err(fail)?;
        Ok(Sesshu {
            inner: services(Arc::new(store), now),
        })
    }

    /// Writes persons, all or none; resolves to created/updated/unchanged each.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn put_persons(
        &self,
        municipality: String,
        user: String,
        persons: Vec<Person>,
    ) -> napi::Result<AsyncTask<Job<Vec<service::PutOutcome>, Vec<String>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let persons = all_in(&persons, person_in)?;
        let s = self.inner.clone();
        Ok(Job::new(move || s.put_persons(&actor, persons), outcomes))
    }

    /// Writes records, all or none; resolves to created/updated/unchanged each.
    #[napi(ts_return_type = "Promise<Array<string>>")]
    pub fn put_records(
        &self,
        municipality: String,
        user: String,
        records: Vec<Record>,
    ) -> napi::Result<AsyncTask<Job<Vec<service::PutOutcome>, Vec<String>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let records = all_in(&records, record_in)?;
        let s = self.inner.clone();
        Ok(Job::new(move || s.put_records(&actor, records), outcomes))
    }

    /// Imports persons: the acceptable ones land in one commit, each other
    /// one is refused in its place (nothing lost, nothing half-written);
    /// resolves to one outcome per person, in order.
    #[napi(ts_return_type = "Promise<Array<ImportOutcome>>")]
    pub fn import_persons(
        &self,
        municipality: String,
        user: String,
        persons: Vec<Person>,
    ) -> napi::Result<AsyncTask<Job<Imported, Vec<ImportOutcome>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (persons, refused) = readable(&persons, person_in);
        let s = self.inner.clone();
        Ok(Job::new(
            move || Ok((refused, s.import_persons(&actor, persons)?)),
            |(refused, report)| import_out(refused, report),
        ))
    }

    /// The persons file (対象者の取込): each person's details as given, the
    /// stored residency history kept (`residency` is ignored); resolves to
    /// one outcome per person, in order.
    #[napi(ts_return_type = "Promise<Array<ImportOutcome>>")]
    pub fn import_person_details(
        &self,
        municipality: String,
        user: String,
        persons: Vec<Person>,
    ) -> napi::Result<AsyncTask<Job<Imported, Vec<ImportOutcome>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (persons, refused) = readable(&persons, person_details_in);
        let s = self.inner.clone();
        Ok(Job::new(
            move || Ok((refused, s.import_person_details(&actor, persons)?)),
            |(refused, report)| import_out(refused, report),
        ))
    }

    /// The residency file (異動履歴の取込): each named person's history
    /// replaced by the intervals given; a person not stored is `not_found`,
    /// one named twice `duplicate`; one outcome per entry, in order.
    #[napi(ts_return_type = "Promise<Array<ImportOutcome>>")]
    pub fn import_residency(
        &self,
        municipality: String,
        user: String,
        histories: Vec<PersonResidency>,
    ) -> napi::Result<AsyncTask<Job<Imported, Vec<ImportOutcome>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (histories, refused) = readable(&histories, person_residency_in);
        let s = self.inner.clone();
        Ok(Job::new(
            move || Ok((refused, s.import_residency(&actor, histories)?)),
            |(refused, report)| import_out(refused, report),
        ))
    }

    /// Imports records as `importPersons` imports persons.
    #[napi(ts_return_type = "Promise<Array<ImportOutcome>>")]
    pub fn import_records(
        &self,
        municipality: String,
        user: String,
        records: Vec<Record>,
    ) -> napi::Result<AsyncTask<Job<Imported, Vec<ImportOutcome>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (records, refused) = readable(&records, record_in);
        let s = self.inner.clone();
        Ok(Job::new(
            move || Ok((refused, s.import_records(&actor, records)?)),
            |(refused, report)| import_out(refused, report),
        ))
    }

    /// The records of one person the municipality may see.
    #[napi(ts_return_type = "Promise<Array<RecordRow>>")]
    pub fn person_records(
        &self,
        municipality: String,
        user: String,
        management_id: String,
    ) -> napi::Result<AsyncTask<Job<Vec<service::RecordRow>, Vec<RecordRow>>>, Code> {
        let actor = staff(&municipality, &user)?;
        let id = ManagementId::parse(&management_id).map_err(fail)?;
        let s = self.inner.clone();
        Ok(Job::new(move || s.person_records(&actor, &id), rows_out))
    }

    /// One page of the staff search.
    #[napi(ts_return_type = "Promise<RecordPage>")]
    pub fn query_records(
        &self,
        municipality: String,
        user: String,
        options: Option<QueryOptions>,
    ) -> napi::Result<AsyncTask<Job<service::RecordPage, RecordPage>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (q, after, per_page) = paged_query(&options.unwrap_or_default())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.query_records(&actor, &q, after.as_ref(), per_page),
            |page| RecordPage {
                rows: rows_out(page.rows),
                next: page.next.map(|n| n.to_string()),
            },
        ))
    }

    /// The staff search as CSV bytes (UTF-8 with BOM, or Shift_JIS).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn export_records_csv(
        &self,
        municipality: String,
        user: String,
        options: Option<QueryOptions>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (q, options) = download(&options.unwrap_or_default())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_records_csv(&actor, &q, options, &mut out)
                    .map(|_| out)
            },
            Buffer::from,
        ))
    }

    /// The portal list for a PMH key.
    #[napi(ts_return_type = "Promise<Array<Record>>")]
    pub fn portal_records(
        &self,
        pmh_key: String,
    ) -> AsyncTask<Job<Vec<service::PortalRecord>, Vec<Record>>> {
        let s = self.inner.clone();
        Job::new(
            move || s.portal_records(&pmh_key),
            |recs| recs.iter().map(|r| record_out(&r.record)).collect(),
        )
    }

    /// Pulls the next delivery batch (the open one again if unacknowledged).
    #[napi(ts_return_type = "Promise<DeliveryPull>")]
    pub fn pull_delivery(
        &self,
        municipality: String,
        user: String,
        limit: Option<u32>,
    ) -> napi::Result<AsyncTask<Job<service::DeliveryPull, DeliveryPull>>, Code> {
        let actor = staff(&municipality, &user)?;
        let s = self.inner.clone();
        let limit = limit.map_or(10_000, |n| n as usize);
        Ok(Job::new(move || s.pull_delivery(&actor, limit), pull_out))
    }

    /// Acknowledges a batch; resolves to false when it already was.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn ack_delivery(
        &self,
        municipality: String,
        user: String,
        batch_id: String,
    ) -> napi::Result<AsyncTask<Job<bool, bool>>, Code> {
        let actor = staff(&municipality, &user)?;
        let s = self.inner.clone();
        Ok(Job::new(move || s.ack_delivery(&actor, &batch_id), |b| b))
    }

    /// Searches the access log (開示請求) by subject, actor and period.
    #[napi(ts_return_type = "Promise<Array<LogEntry>>")]
    pub fn search_log(
        &self,
        municipality: String,
        user: String,
        subject: Option<String>,
        actor: Option<String>,
        options: Option<LogOptions>,
    ) -> napi::Result<
        AsyncTask<Job<Vec<sesshu_core::access_log::AccessLogEntry>, Vec<LogEntry>>>,
        Code,
    > {
        let who = staff(&municipality, &user)?;
        let (filter, limit) = log_search(subject.as_deref(), actor, &options.unwrap_or_default())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.search_log(&who, &filter, limit),
            entries_out,
        ))
    }

    /// アクセスログのダウンロード: the entries the search finds as CSV bytes
    /// (UTF-8 with BOM, or `encoding: 'shift_jis'`).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn export_log_csv(
        &self,
        municipality: String,
        user: String,
        subject: Option<String>,
        actor: Option<String>,
        options: Option<LogOptions>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>, Code> {
        let who = staff(&municipality, &user)?;
        let (filter, options) =
            log_download(subject.as_deref(), actor, &options.unwrap_or_default())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_log_csv(&who, &filter, options, &mut out)
                    .map(|_| out)
            },
            Buffer::from,
        ))
    }

    /// Walks the access-log chain.
    #[napi(ts_return_type = "Promise<VerifyReport>")]
    pub fn verify_log(
        &self,
        municipality: String,
        user: String,
    ) -> napi::Result<AsyncTask<Job<service::VerifyReport, VerifyReport>>, Code> {
        let actor = staff(&municipality, &user)?;
        let s = self.inner.clone();
        Ok(Job::new(move || s.verify_log(&actor), verify_out))
    }

    /// Verifies the chain, then signs its size and last hash with the
    /// private key's text: the checkpoint's JSON, to keep apart from the
    /// store.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn log_checkpoint(
        &self,
        municipality: String,
        user: String,
        private_key: String,
    ) -> napi::Result<AsyncTask<Job<sesshu_core::checkpoint::Checkpoint, String>>, Code> {
        let actor = staff(&municipality, &user)?;
        let key = crate::plain::checkpoints::private_key(&private_key)?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.log_checkpoint(&actor, &key),
            |c| c.to_json(),
        ))
    }

    /// Walks the chain and checks it against a signed checkpoint: a log
    /// shorter than it, or not containing it, is a break.
    #[napi(ts_return_type = "Promise<VerifyReport>")]
    pub fn verify_log_with_checkpoint(
        &self,
        municipality: String,
        user: String,
        checkpoint: String,
        public_key: String,
    ) -> napi::Result<AsyncTask<Job<service::VerifyReport, VerifyReport>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (c, key) = crate::plain::checkpoints::checkpoint_and_key(&checkpoint, &public_key)?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.verify_log_with_checkpoint(&actor, &c, &key),
            verify_out,
        ))
    }
}
