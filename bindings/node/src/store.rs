//! Stores and the services over them. Every store call runs on the libuv
//! thread pool and returns a Promise; a refusal rejects with an `Error`
//! carrying `code`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::calendar::{Clock, FixedClock, SystemClock};
use sesshu_core::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use sesshu_core::persons::{normalise_kana, normalise_name, Sex};
use sesshu_core::records::{dose_number, lot_number, Category};
use sesshu_core::service::{self, Actor, CsvEncoding, ExportOptions, RecordQuery};
use sesshu_core::store::{LogFilter, Store};
use sesshu_core::{persons, records};

use crate::error::{date, fail, invalid, Code, Job, Result};
use crate::plain::rules::{history, intervals_of, ResidencyInterval};

/// A person subject to vaccination (接種対象者).
#[napi(object)]
pub struct Person {
    pub management_id: String,
    pub subject_number: String,
    pub name: String,
    pub name_kana: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male`, `female` or `unspecified`.
    pub sex: String,
    pub pmh_key: Option<String>,
    pub residency: Vec<ResidencyInterval>,
}

fn person_in(p: &Person) -> Result<persons::Person> {
    Ok(persons::Person {
        management_id: ManagementId::parse(&p.management_id).map_err(fail)?,
        subject_number: SubjectNumber::parse(&p.subject_number).map_err(fail)?,
        name: normalise_name(&p.name).map_err(fail)?,
        name_kana: normalise_kana(&p.name_kana).map_err(fail)?,
        birth_date: date(&p.birth_date)?,
        sex: Sex::parse(&p.sex).map_err(fail)?,
        pmh_key: p.pmh_key.clone(),
        residency: history(&p.residency)?,
    })
}

fn person_out(p: &persons::Person) -> Person {
    Person {
        management_id: p.management_id.to_string(),
        subject_number: p.subject_number.to_string(),
        name: p.name.clone(),
        name_kana: p.name_kana.clone(),
        birth_date: p.birth_date.to_string(),
        sex: p.sex.to_string(),
        pmh_key: p.pmh_key.clone(),
        residency: intervals_of(&p.residency),
    }
}

/// A vaccination record (予防接種記録).
#[napi(object)]
pub struct Record {
    pub id: String,
    pub management_id: String,
    pub responsible: String,
    pub category: String,
    pub vaccine: String,
    pub dose_number: u32,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub lot: Option<String>,
    pub institution: Option<String>,
    pub erroneous: Option<bool>,
}

fn record_in(r: &Record) -> Result<records::VaccinationRecord> {
    Ok(records::VaccinationRecord {
        id: RecordId::parse(&r.id).map_err(fail)?,
        person: ManagementId::parse(&r.management_id).map_err(fail)?,
        responsible: MunicipalityCode::parse(&r.responsible).map_err(fail)?,
        category: Category::parse(&r.category).map_err(fail)?,
        vaccine: VaccineCode::parse(&r.vaccine).map_err(fail)?,
        dose_number: dose_number(i64::from(r.dose_number)).map_err(fail)?,
        date: date(&r.date)?,
        lot: r.lot.as_deref().map(lot_number).transpose().map_err(fail)?,
        institution: r
            .institution
            .as_deref()
            .map(MedicalInstitutionCode::parse)
            .transpose()
            .map_err(fail)?,
        erroneous: r.erroneous.unwrap_or(false),
    })
}

fn record_out(r: &records::VaccinationRecord) -> Record {
    Record {
        id: r.id.to_string(),
        management_id: r.person.to_string(),
        responsible: r.responsible.to_string(),
        category: r.category.to_string(),
        vaccine: r.vaccine.to_string(),
        dose_number: u32::from(r.dose_number),
        date: r.date.to_string(),
        lot: r.lot.clone(),
        institution: r.institution.map(|i| i.to_string()),
        erroneous: Some(r.erroneous),
    }
}

/// A record a municipality may see, with its person.
#[napi(object)]
pub struct RecordRow {
    pub person: Person,
    pub record: Record,
    pub certifiable: bool,
    /// Row version (a string: versions may exceed 2^53).
    pub version: String,
    pub updated_at: DateTime<Utc>,
}

fn rows_out(rows: Vec<service::RecordRow>) -> Vec<RecordRow> {
    rows.iter()
        .map(|r| RecordRow {
            person: person_out(&r.person),
            record: record_out(&r.record.record),
            certifiable: r.certifiable,
            version: r.record.version.to_string(),
            updated_at: r.record.updated_at,
        })
        .collect()
}

/// One record of a delivery.
#[napi(object)]
pub struct DeliveredRecord {
    pub subject_number: String,
    pub management_id: String,
    pub record: Record,
}

/// A delivery batch.
#[napi(object)]
pub struct DeliveryPull {
    /// Absent when there was nothing to deliver.
    pub batch_id: Option<String>,
    pub redelivery: bool,
    pub records: Vec<DeliveredRecord>,
}

/// An access-log entry.
#[napi(object)]
pub struct LogEntry {
    /// Sequence number (a string: it may exceed 2^53).
    pub seq: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub organisation: String,
    pub action: String,
    pub subject: Option<String>,
    pub record_ids: Vec<String>,
}

/// The result of walking the access-log chain.
#[napi(object)]
pub struct VerifyReport {
    pub verified: String,
    /// The first entry that does not match, if any.
    pub first_break: Option<String>,
    pub reason: Option<String>,
}

/// Search options of `queryRecords` and `exportRecordsCsv`.
#[napi(object)]
#[derive(Default)]
pub struct QueryOptions {
    pub subject_number: Option<String>,
    pub kana_prefix: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub vaccine: Option<String>,
    pub vaccinated_from: Option<String>,
    pub vaccinated_to: Option<String>,
    /// `after` of the previous page.
    pub after: Option<String>,
    pub persons_per_page: Option<u32>,
    /// `utf8` (default) or `shift_jis` (export only).
    pub encoding: Option<String>,
    /// For Shift_JIS: a character to write instead of one it cannot hold.
    pub replacement: Option<String>,
}

fn query(o: &QueryOptions) -> Result<RecordQuery> {
    Ok(RecordQuery {
        subject_number: o
            .subject_number
            .as_deref()
            .map(SubjectNumber::parse)
            .transpose()
            .map_err(fail)?,
        kana_prefix: o
            .kana_prefix
            .as_deref()
            .map(normalise_kana)
            .transpose()
            .map_err(fail)?,
        birth_date: o.birth_date.as_deref().map(date).transpose()?,
        vaccine: o
            .vaccine
            .as_deref()
            .map(VaccineCode::parse)
            .transpose()
            .map_err(fail)?,
        vaccinated_from: o.vaccinated_from.as_deref().map(date).transpose()?,
        vaccinated_to: o.vaccinated_to.as_deref().map(date).transpose()?,
    })
}

/// A page of the staff search.
#[napi(object)]
pub struct RecordPage {
    pub rows: Vec<RecordRow>,
    /// Pass as `after` for the next page; absent at the end.
    pub next: Option<String>,
}

fn staff(municipality: &str, user: &str) -> Result<Actor> {
    Ok(Actor::municipality(
        user,
        MunicipalityCode::parse(municipality).map_err(fail)?,
    ))
}

fn outcomes(o: Vec<service::PutOutcome>) -> Vec<String> {
    o.into_iter()
        .map(|o| {
            match o {
                service::PutOutcome::Created => "created",
                service::PutOutcome::Updated => "updated",
                service::PutOutcome::Unchanged => "unchanged",
            }
            .to_owned()
        })
        .collect()
}

/// Services over a store: the system clock (or `now`, pinned) and the
/// operating system's random source.
fn services(store: Arc<dyn Store>, now: Option<DateTime<Utc>>) -> service::Sesshu {
    let clock: Arc<dyn Clock> = match now {
        Some(t) => Arc::new(FixedClock(t)),
        None => Arc::new(SystemClock),
    };
    service::Sesshu::new(store, clock).with_random(Arc::new(sesshu_core::secrets::OsRandom))
}

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
        let persons = persons.iter().map(person_in).collect::<Result<Vec<_>>>()?;
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
        let records = records.iter().map(record_in).collect::<Result<Vec<_>>>()?;
        let s = self.inner.clone();
        Ok(Job::new(move || s.put_records(&actor, records), outcomes))
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
        let o = options.unwrap_or_default();
        let q = query(&o)?;
        let after = o
            .after
            .as_deref()
            .map(ManagementId::parse)
            .transpose()
            .map_err(fail)?;
        let per_page = o.persons_per_page.map_or(100, |n| n as usize);
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
        let o = options.unwrap_or_default();
        let q = query(&o)?;
        let encoding = match o.encoding.as_deref().unwrap_or("utf8") {
            "utf8" | "utf-8" => CsvEncoding::Utf8Bom,
            "shift_jis" | "shift-jis" | "sjis" => CsvEncoding::ShiftJis,
            other => {
                return Err(invalid(
                    "invalid_encoding",
                    format!("unknown encoding {other:?}: utf8 or shift_jis"),
                ))
            }
        };
        let replacement = match o
            .replacement
            .as_deref()
            .map(|r| r.chars().collect::<Vec<_>>())
        {
            None => None,
            Some(chars) if chars.len() == 1 => Some(chars[0]),
            Some(_) => {
                return Err(invalid(
                    "invalid_replacement",
                    "the replacement must be one character",
                ))
            }
        };
        let s = self.inner.clone();
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_records_csv(
                    &actor,
                    &q,
                    ExportOptions {
                        encoding,
                        replacement,
                    },
                    &mut out,
                )
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
        Ok(Job::new(
            move || s.pull_delivery(&actor, limit),
            |p| DeliveryPull {
                batch_id: (!p.batch_id.is_empty()).then_some(p.batch_id),
                redelivery: p.redelivery,
                records: p
                    .records
                    .iter()
                    .map(|d| DeliveredRecord {
                        subject_number: d.subject_number.to_string(),
                        management_id: d.management_id.to_string(),
                        record: record_out(&d.record),
                    })
                    .collect(),
            },
        ))
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

    /// Searches the access log by subject and/or actor.
    #[napi(ts_return_type = "Promise<Array<LogEntry>>")]
    pub fn search_log(
        &self,
        municipality: String,
        user: String,
        subject: Option<String>,
        actor: Option<String>,
    ) -> napi::Result<
        AsyncTask<Job<Vec<sesshu_core::access_log::AccessLogEntry>, Vec<LogEntry>>>,
        Code,
    > {
        let who = staff(&municipality, &user)?;
        let filter = LogFilter {
            subject: subject
                .as_deref()
                .map(ManagementId::parse)
                .transpose()
                .map_err(fail)?,
            actor,
            ..LogFilter::default()
        };
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.search_log(&who, &filter, 100_000),
            |entries| {
                entries
                    .into_iter()
                    .map(|e| LogEntry {
                        seq: e.seq.to_string(),
                        at: e.draft.at,
                        actor: e.draft.actor,
                        organisation: e.draft.organisation,
                        action: e.draft.action.to_string(),
                        subject: e.draft.subject.map(|s| s.to_string()),
                        record_ids: e.draft.record_ids.iter().map(ToString::to_string).collect(),
                    })
                    .collect()
            },
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
        Ok(Job::new(
            move || s.verify_log(&actor),
            |r| VerifyReport {
                verified: r.verified.to_string(),
                first_break: r.first_break.as_ref().map(|b| b.seq.to_string()),
                reason: r.first_break.map(|b| b.reason.to_owned()),
            },
        ))
    }
}
