//! The operator's commands over a store: records, delivery, access log.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use sesshu_core::calendar::{parse_date, parse_timestamp};
use sesshu_core::identifiers::{ManagementId, SubjectNumber, VaccineCode};
use sesshu_core::persons::normalise_kana;
use sesshu_core::service::{Actor, CsvEncoding, ExportOptions, RecordQuery, Sesshu};
use sesshu_core::store::LogFilter;

/// A command's failure: a message for the operator (with the stable code
/// when the core refused).
pub type Failure = String;

pub(crate) fn core(e: impl Into<sesshu_core::Error>) -> Failure {
    let e = e.into();
    format!("{} ({})", e, e.code())
}

/// The search options shared by `records list` and `records export`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct QueryArgs {
    /// 予防接種対象者番号.
    #[arg(long)]
    pub subject: Option<String>,
    /// Beginning of the kana name.
    #[arg(long)]
    pub kana: Option<String>,
    /// Birth date (YYYY-MM-DD).
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Vaccine code.
    #[arg(long)]
    pub vaccine: Option<String>,
    /// Vaccinated on or after (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Vaccinated on or before (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
}

impl QueryArgs {
    /// The query, each option checked by the core.
    pub fn query(&self) -> Result<RecordQuery, Failure> {
        Ok(RecordQuery {
            subject_number: self
                .subject
                .as_deref()
                .map(SubjectNumber::parse)
                .transpose()
                .map_err(core)?,
            kana_prefix: self
                .kana
                .as_deref()
                .map(normalise_kana)
                .transpose()
                .map_err(core)?,
            birth_date: self
                .birth_date
                .as_deref()
                .map(parse_date)
                .transpose()
                .map_err(core)?,
            vaccine: self
                .vaccine
                .as_deref()
                .map(VaccineCode::parse)
                .transpose()
                .map_err(core)?,
            vaccinated_from: self
                .from
                .as_deref()
                .map(parse_date)
                .transpose()
                .map_err(core)?,
            vaccinated_to: self
                .to
                .as_deref()
                .map(parse_date)
                .transpose()
                .map_err(core)?,
        })
    }
}

/// `records list`: prints the records the municipality may see, one per line.
pub fn list(
    services: &Sesshu,
    actor: &Actor,
    args: &QueryArgs,
    limit: usize,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let query = args.query()?;
    let w = |out: &mut dyn Write, s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    w(out, "subject\tmanagement_id\tname\trecord\tdate\tvaccine\tdose\tcategory\tresponsible\tcertifiable\terroneous".into())?;
    page_through(
        limit,
        |after| {
            let page = services
                .query_records(actor, &query, after, 200)
                .map_err(core)?;
            Ok((page.rows, page.next))
        },
        |row| {
            let (p, r) = (&row.person, &row.record.record);
            w(
                out,
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.subject_number,
                    p.management_id,
                    p.name,
                    r.id,
                    r.date,
                    r.vaccine,
                    r.dose_number,
                    r.category,
                    r.responsible,
                    row.certifiable,
                    r.erroneous
                ),
            )
        },
    )
}

/// Pages through a search by person: `each` item in order until `limit`
/// items were shown. Returns how many were.
pub fn page_through<T>(
    limit: usize,
    mut fetch: impl FnMut(Option<&ManagementId>) -> Result<(Vec<T>, Option<ManagementId>), Failure>,
    mut each: impl FnMut(&T) -> Result<(), Failure>,
) -> Result<usize, Failure> {
    let (mut after, mut shown): (Option<ManagementId>, usize) = (None, 0);
    loop {
        let (items, next) = fetch(after.as_ref())?;
        for item in &items {
            if shown == limit {
                return Ok(shown);
            }
            each(item)?;
            shown += 1;
        }
        match next {
            Some(next) => after = Some(next),
            None => return Ok(shown),
        }
    }
}

/// `records export`: writes the CSV to `path` (through a temporary file, so
/// a failed export leaves nothing half-written), or to stdout.
pub fn export(
    services: &Sesshu,
    actor: &Actor,
    args: &QueryArgs,
    options: ExportOptions,
    path: Option<&Path>,
) -> Result<usize, Failure> {
    let query = args.query()?;
    write_file(path, |out| {
        services
            .export_records_csv(actor, &query, options, out)
            .map_err(core)
    })
}

pub use crate::output::write_file;

/// The encoding option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputEncoding {
    /// UTF-8 with a BOM.
    #[default]
    Utf8,
    /// Shift_JIS (Windows-31J).
    ShiftJis,
}

impl OutputEncoding {
    /// As the core's option.
    pub fn options(self, replacement: Option<char>) -> ExportOptions {
        ExportOptions {
            encoding: match self {
                OutputEncoding::Utf8 => CsvEncoding::Utf8Bom,
                OutputEncoding::ShiftJis => CsvEncoding::ShiftJis,
            },
            replacement,
        }
    }
}

/// `deliver pull`: the batch as one JSON document, written record by record
/// (a large batch is never built in memory twice).
pub fn pull(
    services: &Sesshu,
    actor: &Actor,
    limit: usize,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let pull = services.pull_delivery(actor, limit).map_err(core)?;
    let io = |e: std::io::Error| e.to_string();
    let batch_id = (!pull.batch_id.is_empty()).then_some(pull.batch_id.as_str());
    write!(
        out,
        "{{\"batch_id\":{},\"redelivery\":{},\"records\":[",
        json!(batch_id),
        pull.redelivery
    )
    .map_err(io)?;
    for (i, d) in pull.records.iter().enumerate() {
        let r = &d.record;
        let item = json!({
            "subject_number": d.subject_number.as_str(),
            "management_id": d.management_id.as_str(),
            "record": {
                "id": r.id.as_str(),
                "responsible": r.responsible.as_str(),
                "category": r.category.as_str(),
                "vaccine": r.vaccine.as_str(),
                "dose_number": r.dose_number,
                "date": r.date.to_string(),
                "lot": r.lot,
                "institution": r.institution.map(|i| i.to_string()),
                "erroneous": r.erroneous,
            }
        });
        if i > 0 {
            out.write_all(b",").map_err(io)?;
        }
        serde_json::to_writer(&mut *out, &item).map_err(|e| e.to_string())?;
    }
    out.write_all(b"]}\n").map_err(io)?;
    Ok(pull.records.len())
}

/// The access-log search shared by `log search` and `log export`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// 予防接種管理番号 of the person.
    #[arg(long)]
    pub subject: Option<String>,
    /// User id of the actor.
    #[arg(long)]
    pub actor: Option<String>,
    /// From (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Until, exclusive (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
}

impl LogArgs {
    /// The search, read from the arguments.
    pub fn filter(&self) -> Result<LogFilter, Failure> {
        Ok(LogFilter {
            subject: self
                .subject
                .as_deref()
                .map(ManagementId::parse)
                .transpose()
                .map_err(core)?,
            actor: self.actor.clone(),
            from: self
                .from
                .as_deref()
                .map(parse_timestamp)
                .transpose()
                .map_err(core)?,
            to: self
                .to
                .as_deref()
                .map(parse_timestamp)
                .transpose()
                .map_err(core)?,
            ..LogFilter::default()
        })
    }
}

/// `log search`: every matching entry the municipality may see, one per
/// line, page by page, in the log as it stood when the search started.
pub fn log_search(
    services: &Sesshu,
    actor: &Actor,
    args: &LogArgs,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    const PAGE: usize = 1_000;
    let mut filter = services
        .pin_log_filter(actor, &args.filter()?)
        .map_err(core)?;
    let mut shown = 0;
    loop {
        let entries = services.search_log(actor, &filter, PAGE).map_err(core)?;
        for e in &entries {
            let d = &e.draft;
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.seq,
                d.at.to_rfc3339(),
                d.actor,
                d.organisation,
                d.action,
                d.subject.as_ref().map_or("", |s| s.as_str()),
                d.record_ids
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )
            .map_err(|e| e.to_string())?;
        }
        shown += entries.len();
        match entries.last() {
            Some(last) if entries.len() == PAGE => filter.after_seq = Some(last.seq),
            _ => return Ok(shown),
        }
    }
}

/// `log export`: the entries as CSV, to `path` or stdout, like `records export`.
pub fn log_export(
    services: &Sesshu,
    actor: &Actor,
    args: &LogArgs,
    options: ExportOptions,
    path: Option<&Path>,
) -> Result<usize, Failure> {
    let filter = args.filter()?;
    write_file(path, |out| {
        services
            .export_log_csv(actor, &filter, options, out)
            .map_err(core)
    })
}
