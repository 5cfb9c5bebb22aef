//! Stores and the services over them. Calls are synchronous: apps make
//! them from a background dispatcher.

use std::sync::Arc;

use sesshu_core::calendar::{Clock, FixedClock, SystemClock};
use sesshu_core::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use sesshu_core::persons::{normalise_kana, normalise_name, Sex};
use sesshu_core::records::{dose_number, lot_number, Category};
use sesshu_core::service::{self, Actor, CsvEncoding, ExportOptions, RecordQuery};
use sesshu_core::store::{LogFilter, Store};
use sesshu_core::{persons, records};

use crate::error::{date, fail, invalid, Result, Timestamp};
use crate::plain::rules::{history, intervals_of, ResidencyInterval};

/// A person subject to vaccination (接種対象者).
#[derive(uniffi::Record)]
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
#[derive(uniffi::Record)]
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
#[derive(uniffi::Record)]
pub struct RecordRow {
    pub person: Person,
    pub record: Record,
    pub certifiable: bool,
    /// Row version (a string: versions may exceed 2^53).
    pub version: String,
    pub updated_at: Timestamp,
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
#[derive(uniffi::Record)]
pub struct DeliveredRecord {
    pub subject_number: String,
    pub management_id: String,
    pub record: Record,
}

/// A delivery batch.
#[derive(uniffi::Record)]
pub struct DeliveryPull {
    /// Absent when there was nothing to deliver.
    pub batch_id: Option<String>,
    pub redelivery: bool,
    pub records: Vec<DeliveredRecord>,
}

/// An access-log entry.
#[derive(uniffi::Record)]
pub struct LogEntry {
    /// Sequence number (a string: it may exceed 2^53).
    pub seq: String,
    pub at: Timestamp,
    pub actor: String,
    pub organisation: String,
    pub action: String,
    pub subject: Option<String>,
    pub record_ids: Vec<String>,
}

/// The result of walking the access-log chain.
#[derive(uniffi::Record)]
pub struct VerifyReport {
    pub verified: String,
    /// The first entry that does not match, if any.
    pub first_break: Option<String>,
    pub reason: Option<String>,
}

/// Search options of `queryRecords` and `exportRecordsCsv`.
#[derive(Default, uniffi::Record)]
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
#[derive(uniffi::Record)]
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
fn services(store: Arc<dyn Store>, now: Option<Timestamp>) -> service::Sesshu {
    let clock: Arc<dyn Clock> = match now {
        Some(t) => Arc::new(FixedClock(t)),
        None => Arc::new(SystemClock),
    };
    service::Sesshu::new(store, clock).with_random(Arc::new(sesshu_core::secrets::OsRandom))
}

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
        let persons = persons.iter().map(person_in).collect::<Result<Vec<_>>>()?;
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
        let records = records.iter().map(record_in).collect::<Result<Vec<_>>>()?;
        self.inner
            .put_records(&actor, records)
            .map(outcomes)
            .map_err(fail)
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
        let q = query(&options)?;
        let after = options
            .after
            .as_deref()
            .map(ManagementId::parse)
            .transpose()
            .map_err(fail)?;
        let per_page = options.persons_per_page.map_or(100, |n| n as usize);
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
        let q = query(&options)?;
        let encoding = match options.encoding.as_deref().unwrap_or("utf8") {
            "utf8" | "utf-8" => CsvEncoding::Utf8Bom,
            "shift_jis" | "shift-jis" | "sjis" => CsvEncoding::ShiftJis,
            other => {
                return Err(invalid(
                    "invalid_encoding",
                    format!("unknown encoding {other:?}: utf8 or shift_jis"),
                ))
            }
        };
        let replacement = match options
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
        let mut out = Vec::new();
        self.inner
            .export_records_csv(
                &actor,
                &q,
                ExportOptions {
                    encoding,
                    replacement,
                },
                &mut out,
            )
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
        Ok(DeliveryPull {
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
        })
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

    /// Searches the access log by subject and/or actor.
    pub fn search_log(
        &self,
        municipality: String,
        user: String,
        subject: Option<String>,
        actor: Option<String>,
    ) -> Result<Vec<LogEntry>> {
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
        let entries = self
            .inner
            .search_log(&who, &filter, 100_000)
            .map_err(fail)?;
        Ok(entries
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
            .collect())
    }

    /// Walks the access-log chain.
    pub fn verify_log(&self, municipality: String, user: String) -> Result<VerifyReport> {
        let r = self
            .inner
            .verify_log(&staff(&municipality, &user)?)
            .map_err(fail)?;
        Ok(VerifyReport {
            verified: r.verified.to_string(),
            first_break: r.first_break.as_ref().map(|b| b.seq.to_string()),
            reason: r.first_break.map(|b| b.reason.to_owned()),
        })
    }
}
