//! The store's records (persons, vaccination records, deliveries, the
//! access log, searches) in their plain form, and their conversions to and
//! from the core's types. Written once for Node and Kotlin/Swift.

use std::sync::Arc;

use chrono::{DateTime, Utc};
#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::access_log::AccessLogEntry;
use sesshu_core::calendar::{Clock, FixedClock, SystemClock};
use sesshu_core::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use sesshu_core::persons::{normalise_kana, normalise_name, Sex};
use sesshu_core::records::{dose_number, lot_number, Category};
use sesshu_core::service::{self, Actor, ExportOptions, RecordQuery};
use sesshu_core::store::{LogFilter, Store};
use sesshu_core::{persons, records, residency, Error};

use super::rules::{history, intervals_in, intervals_of, ResidencyInterval};
use super::{date, day, read_date, seq, seq_in, Day, Seq};
use crate::error::{fail, Result};

/// A person subject to vaccination (接種対象者).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Person {
    pub management_id: String,
    pub subject_number: String,
    pub name: String,
    pub name_kana: String,
    /// `YYYY-MM-DD`; Python: a `date`.
    pub birth_date: Day,
    /// `male`, `female` or `unspecified`.
    pub sex: String,
    pub pmh_key: Option<String>,
    pub residency: Vec<ResidencyInterval>,
}

/// A person for the core (codes and names checked and normalised).
pub fn person_in(p: &Person) -> std::result::Result<persons::Person, Error> {
    Ok(persons::Person {
        residency: history(&p.residency)?,
        ..person_details_in(p)?
    })
}

/// A person's details for the core, without their residency (the persons
/// file of `import_person_details` does not change a history).
pub fn person_details_in(p: &Person) -> std::result::Result<persons::Person, Error> {
    Ok(persons::Person {
        management_id: ManagementId::parse(&p.management_id)?,
        subject_number: SubjectNumber::parse(&p.subject_number)?,
        name: normalise_name(&p.name)?,
        name_kana: normalise_kana(&p.name_kana)?,
        birth_date: read_date(&p.birth_date)?,
        sex: Sex::parse(&p.sex)?,
        pmh_key: p.pmh_key.clone(),
        residency: residency::ResidencyHistory::default(),
    })
}

/// One person's residency history as the residency file gives it (異動履歴):
/// the intervals that replace the stored ones.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct PersonResidency {
    pub management_id: String,
    pub residency: Vec<ResidencyInterval>,
}

/// A residency history for the core: the person's key and the intervals
/// read (whether they make a history is the import's to decide, per person).
pub fn person_residency_in(
    p: &PersonResidency,
) -> std::result::Result<(ManagementId, Vec<residency::ResidencyInterval>), Error> {
    Ok((
        ManagementId::parse(&p.management_id)?,
        intervals_in(&p.residency)?,
    ))
}

/// A person in plain form.
pub fn person_out(p: &persons::Person) -> Person {
    Person {
        management_id: p.management_id.to_string(),
        subject_number: p.subject_number.to_string(),
        name: p.name.clone(),
        name_kana: p.name_kana.clone(),
        birth_date: day(p.birth_date),
        sex: p.sex.to_string(),
        pmh_key: p.pmh_key.clone(),
        residency: intervals_of(&p.residency),
    }
}

/// A vaccination record (予防接種記録).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct Record {
    pub id: String,
    pub management_id: String,
    pub responsible: String,
    pub category: String,
    pub vaccine: String,
    pub dose_number: i64,
    /// The day of vaccination (`YYYY-MM-DD`; Python: a `date`).
    pub date: Day,
    pub lot: Option<String>,
    pub institution: Option<String>,
    pub erroneous: Option<bool>,
}

/// A vaccination record for the core (codes checked).
pub fn record_in(r: &Record) -> std::result::Result<records::VaccinationRecord, Error> {
    Ok(records::VaccinationRecord {
        id: RecordId::parse(&r.id)?,
        person: ManagementId::parse(&r.management_id)?,
        responsible: MunicipalityCode::parse(&r.responsible)?,
        category: Category::parse(&r.category)?,
        vaccine: VaccineCode::parse(&r.vaccine)?,
        dose_number: dose_number(r.dose_number)?,
        date: read_date(&r.date)?,
        lot: r.lot.as_deref().map(lot_number).transpose()?,
        institution: r
            .institution
            .as_deref()
            .map(MedicalInstitutionCode::parse)
            .transpose()?,
        erroneous: r.erroneous.unwrap_or(false),
    })
}

/// Items for the core, all of them or the first refusal (for the
/// all-or-nothing `put_*` calls).
pub fn all_in<T, C>(
    items: &[T],
    read: impl Fn(&T) -> std::result::Result<C, Error>,
) -> Result<Vec<C>> {
    items
        .iter()
        .map(read)
        .collect::<std::result::Result<_, _>>()
        .map_err(fail)
}

/// What an import did with one item: written (`outcome` is `created`,
/// `updated` or `unchanged`) or refused (`code` and `message`).
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct ImportOutcome {
    pub outcome: Option<String>,
    /// The refusal's stable code.
    pub code: Option<String>,
    /// The refusal, for people.
    pub message: Option<String>,
}

/// The items of an import the core can read, and a refusal in the place of
/// each it cannot: the import goes on without them (SPEC §15, nothing lost).
pub fn readable<T, C>(
    items: &[T],
    read: impl Fn(&T) -> std::result::Result<C, Error>,
) -> (Vec<C>, Vec<Option<Error>>) {
    let mut good = Vec::with_capacity(items.len());
    let refused = items
        .iter()
        .map(|item| read(item).map(|c| good.push(c)).err())
        .collect();
    (good, refused)
}

/// One outcome per item given, in order: the refusals met reading them, and
/// the import's answer for the rest (the core answers once per item).
pub fn import_out(
    refused: Vec<Option<Error>>,
    report: service::ImportReport,
) -> Vec<ImportOutcome> {
    let mut imported = report.outcomes.into_iter();
    refused
        .into_iter()
        .filter_map(|r| r.map(Err).or_else(|| imported.next()))
        .map(|o| match o {
            Ok(o) => ImportOutcome {
                outcome: Some(o.as_str().to_owned()),
                code: None,
                message: None,
            },
            Err(e) => ImportOutcome {
                outcome: None,
                code: Some(e.code().to_owned()),
                message: Some(e.public_message()),
            },
        })
        .collect()
}

/// A vaccination record in plain form.
pub fn record_out(r: &records::VaccinationRecord) -> Record {
    Record {
        id: r.id.to_string(),
        management_id: r.person.to_string(),
        responsible: r.responsible.to_string(),
        category: r.category.to_string(),
        vaccine: r.vaccine.to_string(),
        dose_number: i64::from(r.dose_number),
        date: day(r.date),
        lot: r.lot.clone(),
        institution: r.institution.map(|i| i.to_string()),
        erroneous: Some(r.erroneous),
    }
}

/// A record a municipality may see, with its person.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct RecordRow {
    pub person: Person,
    pub record: Record,
    pub certifiable: bool,
    /// Row version (text, since it may exceed 2^53; Python: an `int`).
    pub version: Seq,
    pub updated_at: DateTime<Utc>,
}

/// Visible rows in plain form.
pub fn rows_out(rows: Vec<service::RecordRow>) -> Vec<RecordRow> {
    rows.iter()
        .map(|r| RecordRow {
            person: person_out(&r.person),
            record: record_out(&r.record.record),
            certifiable: r.certifiable,
            version: seq(r.record.version),
            updated_at: r.record.updated_at,
        })
        .collect()
}

/// One record of a delivery.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct DeliveredRecord {
    pub subject_number: String,
    pub management_id: String,
    pub record: Record,
}

/// A delivery batch.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct DeliveryPull {
    /// Absent when there was nothing to deliver.
    pub batch_id: Option<String>,
    pub redelivery: bool,
    pub records: Vec<DeliveredRecord>,
}

/// A delivery batch in plain form (no batch id when there was nothing).
pub fn pull_out(p: service::DeliveryPull) -> DeliveryPull {
    DeliveryPull {
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
    }
}

/// An access-log entry.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct LogEntry {
    /// Sequence number (text, since it may exceed 2^53; Python: an `int`).
    pub seq: Seq,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub organisation: String,
    pub action: String,
    pub subject: Option<String>,
    pub record_ids: Vec<String>,
}

/// The period, page and size of an access-log search (開示請求): entries at
/// or after `from` and before `to`, after the entry `after` (the last of the
/// previous page); at most `limit` (default 100,000). `encoding` and
/// `replacement` are the download's, as for the records download.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone, Default)]
pub struct LogOptions {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub after: Option<Seq>,
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub encoding: Option<String>,
    #[cfg_attr(binding = "uniffi", uniffi(default))]
    pub replacement: Option<String>,
}

/// The access-log search by subject, actor and period, and its size.
pub fn log_search(
    subject: Option<&str>,
    actor: Option<String>,
    o: &LogOptions,
) -> Result<(LogFilter, usize)> {
    let filter = LogFilter {
        subject: person_key(subject)?,
        actor,
        from: o.from,
        to: o.to,
        after_seq: o.after.as_ref().map(seq_in).transpose()?,
        through_seq: None,
    };
    Ok((filter, o.limit.map_or(100_000, |n| n as usize)))
}

/// The access-log search and the file options of its download.
pub fn log_download(
    subject: Option<&str>,
    actor: Option<String>,
    o: &LogOptions,
) -> Result<(LogFilter, ExportOptions)> {
    Ok((
        log_search(subject, actor, o)?.0,
        file_options(&o.encoding, &o.replacement)?,
    ))
}

/// Log entries in plain form.
pub fn entries_out(entries: Vec<AccessLogEntry>) -> Vec<LogEntry> {
    entries
        .into_iter()
        .map(|e| LogEntry {
            seq: seq(e.seq),
            at: e.draft.at,
            actor: e.draft.actor,
            organisation: e.draft.organisation,
            action: e.draft.action.to_string(),
            subject: e.draft.subject.map(|s| s.to_string()),
            record_ids: e.draft.record_ids.iter().map(ToString::to_string).collect(),
        })
        .collect()
}

/// The result of walking the access-log chain.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct VerifyReport {
    pub verified: Seq,
    /// The first entry that does not match, if any.
    pub first_break: Option<Seq>,
    pub reason: Option<String>,
}

/// A chain walk in plain form.
pub fn verify_out(r: service::VerifyReport) -> VerifyReport {
    VerifyReport {
        verified: seq(r.verified),
        first_break: r.first_break.as_ref().map(|b| seq(b.seq)),
        reason: r.first_break.map(|b| b.reason.to_owned()),
    }
}

/// Search options of `queryRecords` and `exportRecordsCsv`.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone, Default)]
pub struct QueryOptions {
    pub subject_number: Option<String>,
    pub kana_prefix: Option<String>,
    /// `YYYY-MM-DD`; Python: a `date`.
    pub birth_date: Option<Day>,
    pub vaccine: Option<String>,
    pub vaccinated_from: Option<Day>,
    pub vaccinated_to: Option<Day>,
    /// `after` of the previous page.
    pub after: Option<String>,
    pub persons_per_page: Option<u32>,
    /// `utf8` (default) or `shift_jis` (export only).
    pub encoding: Option<String>,
    /// For Shift_JIS: a character to write instead of one it cannot hold.
    pub replacement: Option<String>,
}

/// The staff search the options describe.
pub fn query(o: &QueryOptions) -> Result<RecordQuery> {
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
        birth_date: o.birth_date.as_ref().map(date).transpose()?,
        vaccine: o
            .vaccine
            .as_deref()
            .map(VaccineCode::parse)
            .transpose()
            .map_err(fail)?,
        vaccinated_from: o.vaccinated_from.as_ref().map(date).transpose()?,
        vaccinated_to: o.vaccinated_to.as_ref().map(date).transpose()?,
    })
}

/// The search, the `after` key and the page size (100 persons unless
/// given) the options describe, for the paged searches.
pub fn paged_query(o: &QueryOptions) -> Result<(RecordQuery, Option<ManagementId>, usize)> {
    let after = o
        .after
        .as_deref()
        .map(ManagementId::parse)
        .transpose()
        .map_err(fail)?;
    let per_page = o.persons_per_page.map_or(100, |n| n as usize);
    Ok((query(o)?, after, per_page))
}

/// The search and the file options (`encoding`, `replacement`) of a
/// download.
pub fn download(o: &QueryOptions) -> Result<(RecordQuery, ExportOptions)> {
    Ok((query(o)?, file_options(&o.encoding, &o.replacement)?))
}

/// A download's file options: `encoding` `utf8` (the default) or
/// `shift_jis`, and the `replacement` for what Shift_JIS cannot hold.
pub fn file_options(
    encoding: &Option<String>,
    replacement: &Option<String>,
) -> Result<ExportOptions> {
    ExportOptions::from_text(encoding.as_deref(), replacement.as_deref()).map_err(fail)
}

/// A person's management id, when one is given.
pub fn person_key(management_id: Option<&str>) -> Result<Option<ManagementId>> {
    management_id
        .map(ManagementId::parse)
        .transpose()
        .map_err(fail)
}

/// A page of the staff search.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all, from_py_object))]
#[derive(Clone)]
pub struct RecordPage {
    pub rows: Vec<RecordRow>,
    /// Pass as `after` for the next page; absent at the end.
    pub next: Option<String>,
}

/// A municipality's staff member as the actor.
pub fn staff(municipality: &str, user: &str) -> Result<Actor> {
    Ok(Actor::municipality(
        user,
        MunicipalityCode::parse(municipality).map_err(fail)?,
    ))
}

/// `created` / `updated` / `unchanged` for each write.
pub fn outcomes(o: Vec<service::PutOutcome>) -> Vec<String> {
    o.into_iter().map(|o| o.as_str().to_owned()).collect()
}

/// Services over a store: the system clock (or `now`, pinned) and the
/// operating system's random source.
pub fn services(store: Arc<dyn Store>, now: Option<DateTime<Utc>>) -> service::Sesshu {
    let clock: Arc<dyn Clock> = match now {
        Some(t) => Arc::new(FixedClock(t)),
        None => Arc::new(SystemClock),
    };
    service::Sesshu::new(store, clock).with_random(Arc::new(sesshu_core::secrets::OsRandom))
}
