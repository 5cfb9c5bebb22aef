//! `sesshu import persons|residency|records FILE.csv`: CSV files from a
//! municipality's system. Each row is read into the core's types; a bad row
//! is reported with its row number, column and reason, and the good rows
//! land. Importing the same file twice changes nothing.
//!
//! Columns (a header row is required; UTF-8 with or without BOM, or
//! Shift_JIS with `--encoding shift_jis`):
//!
//! - persons: `management_id,subject_number,name,name_kana,birth_date,sex,pmh_key`
//! - residency: `management_id,municipality,from,to` — every interval of each
//!   person named; the file replaces those persons' histories
//! - records: `id,management_id,responsible,category,vaccine,dose_number,date,lot,institution,erroneous`

use std::collections::BTreeMap;
use std::fmt;

use sesshu_core::calendar::parse_date;
use sesshu_core::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use sesshu_core::persons::{normalise_kana, normalise_name, Person, Sex};
use sesshu_core::records::{dose_number, lot_number, Category, VaccinationRecord};
use sesshu_core::residency::{ResidencyHistory, ResidencyInterval};
use sesshu_core::service::{Actor, ImportReport, PutOutcome, Sesshu};

/// A row the import refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based data row (the header is row 0).
    pub row: usize,
    /// The column, when one is to blame.
    pub column: Option<String>,
    /// The stable code.
    pub code: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(
                f,
                "row {}, column {}: {} ({})",
                self.row, c, self.reason, self.code
            ),
            None => write!(f, "row {}: {} ({})", self.row, self.reason, self.code),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows read.
    pub rows: usize,
    /// Items created.
    pub created: usize,
    /// Items changed.
    pub updated: usize,
    /// Items that already said the same.
    pub unchanged: usize,
    /// Rows refused.
    pub errors: Vec<RowError>,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows: {} created, {} updated, {} unchanged, {} refused",
            self.rows,
            self.created,
            self.updated,
            self.unchanged,
            self.errors.len()
        )
    }
}

/// The file's character encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputEncoding {
    /// UTF-8 (a BOM is skipped).
    #[default]
    Utf8,
    /// Shift_JIS (Windows-31J).
    ShiftJis,
}

/// Decodes a file's bytes.
pub fn decode(bytes: &[u8], encoding: InputEncoding) -> Result<String, String> {
    match encoding {
        InputEncoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8(bytes.to_vec())
                .map_err(|e| format!("not UTF-8: {e} (try --encoding shift-jis)"))
        }
        InputEncoding::ShiftJis => {
            let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
            if bad {
                return Err("not valid Shift_JIS".into());
            }
            Ok(text.into_owned())
        }
    }
}

/// One CSV data row with its header, for reading fields by column name.
struct Row<'a> {
    number: usize,
    header: &'a csv::StringRecord,
    record: csv::StringRecord,
}

impl Row<'_> {
    fn err(&self, column: &str, code: &str, reason: impl Into<String>) -> RowError {
        RowError {
            row: self.number,
            column: Some(column.to_owned()),
            code: code.to_owned(),
            reason: reason.into(),
        }
    }

    /// The field, trimmed; missing columns read as empty.
    fn get(&self, column: &str) -> &str {
        self.header
            .iter()
            .position(|h| h.trim() == column)
            .and_then(|i| self.record.get(i))
            .map_or("", str::trim)
    }

    fn opt(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|v| !v.is_empty())
    }

    /// Parses a field with a core parser; its error becomes this row's.
    fn parse<T, E: Into<sesshu_core::Error>>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, RowError> {
        parse(self.get(column)).map_err(|e| {
            let e: sesshu_core::Error = e.into();
            self.err(column, e.code(), e.to_string())
        })
    }
}

/// Reads every row of a CSV text; a row that is not CSV is an error.
fn rows(
    text: &str,
    required: &[&str],
) -> Result<(csv::StringRecord, Vec<Result<csv::StringRecord, RowError>>), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("header: {e}"))?
        .clone();
    let missing: Vec<&&str> = required
        .iter()
        .filter(|c| !header.iter().any(|h| h.trim() == **c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the header lacks {missing:?} (columns: {required:?})"
        ));
    }
    let records = reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            r.map_err(|e| RowError {
                row: i + 1,
                column: None,
                code: "invalid_csv".into(),
                reason: e.to_string(),
            })
        })
        .collect();
    Ok((header, records))
}

fn summarise(
    rows: usize,
    numbers: &[usize],
    report: ImportReport,
    mut errors: Vec<RowError>,
) -> ImportSummary {
    let mut s = ImportSummary {
        rows,
        created: report.count(PutOutcome::Created),
        updated: report.count(PutOutcome::Updated),
        unchanged: report.count(PutOutcome::Unchanged),
        errors: Vec::new(),
    };
    for (i, e) in report.refused() {
        errors.push(RowError {
            row: numbers.get(i).copied().unwrap_or(0),
            column: None,
            code: e.code().to_owned(),
            reason: e.to_string(),
        });
    }
    errors.sort_by_key(|e| e.row);
    s.errors = errors;
    s
}

const PERSON_COLUMNS: &[&str] = &[
    "management_id",
    "subject_number",
    "name",
    "name_kana",
    "birth_date",
    "sex",
];

/// Imports persons. An existing person keeps their residency history.
pub fn persons(services: &Sesshu, actor: &Actor, text: &str) -> Result<ImportSummary, String> {
    let (header, records) = rows(text, PERSON_COLUMNS)?;
    let total = records.len();
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    let mut numbers = Vec::new();
    for (i, r) in records.into_iter().enumerate() {
        let row = match r {
            Ok(record) => Row {
                number: i + 1,
                header: &header,
                record,
            },
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let person = (|| {
            Ok::<_, RowError>(Person {
                management_id: row.parse("management_id", ManagementId::parse)?,
                subject_number: row.parse("subject_number", SubjectNumber::parse)?,
                name: row.parse("name", normalise_name)?,
                name_kana: row.parse("name_kana", normalise_kana)?,
                birth_date: row.parse("birth_date", parse_date)?,
                sex: row.parse("sex", Sex::parse)?,
                pmh_key: row.opt("pmh_key").map(str::to_owned),
                residency: ResidencyHistory::default(),
            })
        })();
        match person {
            Ok(p) => {
                parsed.push(p);
                numbers.push(row.number);
            }
            Err(e) => errors.push(e),
        }
    }
    // Keep each existing person's residency: this file holds attributes only.
    let ids: Vec<ManagementId> = parsed.iter().map(|p| p.management_id.clone()).collect();
    let existing: BTreeMap<ManagementId, ResidencyHistory> = services
        .store()
        .persons_by_ids(&ids)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|p| (p.person.management_id, p.person.residency))
        .collect();
    for p in &mut parsed {
        if let Some(h) = existing.get(&p.management_id) {
            p.residency = h.clone();
        }
    }
    let report = services
        .import_persons(actor, parsed)
        .map_err(|e| e.to_string())?;
    Ok(summarise(total, &numbers, report, errors))
}

/// Imports residency histories: each person named gets exactly the
/// intervals the file lists for them.
pub fn residency(services: &Sesshu, actor: &Actor, text: &str) -> Result<ImportSummary, String> {
    let (header, records) = rows(text, &["management_id", "municipality", "from", "to"])?;
    let total = records.len();
    let mut errors = Vec::new();
    let mut by_person: BTreeMap<ManagementId, (usize, Vec<ResidencyInterval>, bool)> =
        BTreeMap::new();
    for (i, r) in records.into_iter().enumerate() {
        let row = match r {
            Ok(record) => Row {
                number: i + 1,
                header: &header,
                record,
            },
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let parsed = (|| {
            let id = row.parse("management_id", ManagementId::parse)?;
            let interval = ResidencyInterval {
                municipality: row.parse("municipality", MunicipalityCode::parse)?,
                from: row.parse("from", parse_date)?,
                to: match row.opt("to") {
                    None => None,
                    Some(_) => Some(row.parse("to", parse_date)?),
                },
            };
            Ok::<_, RowError>((id, interval))
        })();
        match parsed {
            Ok((id, interval)) => {
                let entry = by_person
                    .entry(id)
                    .or_insert((row.number, Vec::new(), false));
                entry.1.push(interval);
            }
            Err(e) => {
                // A person with a bad row is not changed at all.
                if let Ok(id) = ManagementId::parse(row.get("management_id")) {
                    by_person
                        .entry(id)
                        .or_insert((row.number, Vec::new(), false))
                        .2 = true;
                }
                errors.push(e);
            }
        }
    }
    let ids: Vec<ManagementId> = by_person.keys().cloned().collect();
    let mut existing: BTreeMap<ManagementId, Person> = services
        .store()
        .persons_by_ids(&ids)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|p| (p.person.management_id.clone(), p.person))
        .collect();
    let mut persons = Vec::new();
    let mut numbers = Vec::new();
    for (id, (first_row, intervals, tainted)) in by_person {
        if tainted {
            continue;
        }
        let Some(mut person) = existing.remove(&id) else {
            errors.push(RowError {
                row: first_row,
                column: Some("management_id".into()),
                code: "not_found".into(),
                reason: format!("person {id} is not known: import persons first"),
            });
            continue;
        };
        match ResidencyHistory::new(intervals) {
            Ok(h) => {
                person.residency = h;
                persons.push(person);
                numbers.push(first_row);
            }
            Err(e) => errors.push(RowError {
                row: first_row,
                column: None,
                code: e.code().to_owned(),
                reason: format!("person {id}: {e}"),
            }),
        }
    }
    let report = services
        .import_persons(actor, persons)
        .map_err(|e| e.to_string())?;
    let mut summary = summarise(total, &numbers, report, errors);
    summary.rows = total;
    Ok(summary)
}

const RECORD_COLUMNS: &[&str] = &[
    "id",
    "management_id",
    "responsible",
    "category",
    "vaccine",
    "dose_number",
    "date",
];

/// Parses one record row.
fn record(row: &Row<'_>) -> Result<VaccinationRecord, RowError> {
    Ok(VaccinationRecord {
        id: row.parse("id", RecordId::parse)?,
        person: row.parse("management_id", ManagementId::parse)?,
        responsible: row.parse("responsible", MunicipalityCode::parse)?,
        category: row.parse("category", Category::parse)?,
        vaccine: row.parse("vaccine", VaccineCode::parse)?,
        dose_number: {
            let text = row.get("dose_number");
            let n = text.parse::<i64>().map_err(|_| {
                row.err(
                    "dose_number",
                    "invalid_dose_number",
                    format!("{text:?} is not a number"),
                )
            })?;
            row.parse("dose_number", |_| dose_number(n))?
        },
        date: row.parse("date", parse_date)?,
        lot: match row.opt("lot") {
            None => None,
            Some(_) => Some(row.parse("lot", lot_number)?),
        },
        institution: match row.opt("institution") {
            None => None,
            Some(_) => Some(row.parse("institution", MedicalInstitutionCode::parse)?),
        },
        erroneous: match row.get("erroneous") {
            "" | "false" | "0" => false,
            "true" | "1" => true,
            other => {
                return Err(row.err(
                    "erroneous",
                    "invalid_flag",
                    format!("{other:?} is not true/false/1/0"),
                ))
            }
        },
    })
}

/// Imports vaccination records, committing 10,000 rows at a time.
pub fn records(services: &Sesshu, actor: &Actor, text: &str) -> Result<ImportSummary, String> {
    let (header, rows_read) = rows(text, RECORD_COLUMNS)?;
    let total = rows_read.len();
    let mut summary = ImportSummary {
        rows: total,
        ..ImportSummary::default()
    };
    let mut batch = Vec::new();
    let mut numbers = Vec::new();
    let mut errors = Vec::new();
    let mut flush = |batch: &mut Vec<VaccinationRecord>,
                     numbers: &mut Vec<usize>,
                     errors: &mut Vec<RowError>| {
        let report = services
            .import_records(actor, std::mem::take(batch))
            .map_err(|e| e.to_string())?;
        let part = summarise(0, numbers, report, std::mem::take(errors));
        numbers.clear();
        summary.created += part.created;
        summary.updated += part.updated;
        summary.unchanged += part.unchanged;
        summary.errors.extend(part.errors);
        Ok::<_, String>(())
    };
    for (i, r) in rows_read.into_iter().enumerate() {
        match r.and_then(|record_row| {
            record(&Row {
                number: i + 1,
                header: &header,
                record: record_row,
            })
        }) {
            Ok(rec) => {
                batch.push(rec);
                numbers.push(i + 1);
            }
            Err(e) => errors.push(e),
        }
        if batch.len() == 10_000 {
            flush(&mut batch, &mut numbers, &mut errors)?;
        }
    }
    flush(&mut batch, &mut numbers, &mut errors)?;
    summary.errors.sort_by_key(|e| e.row);
    Ok(summary)
}
