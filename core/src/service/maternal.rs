//! Maternal and child health data (H-7): the upload of a template-made CSV
//! with per-row refusals (H_072-001), the monthly interface files with
//! their registration result (H_071-*_IF), a subject's data under the
//! residency rule, and a data set's download.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::files::{CsvEncoding, CsvStream};
use crate::identifiers::{MunicipalityCode, SubjectNumber};
use crate::maternal::interface::{InterfaceFile, RefusedRow, RegistrationResult};
use crate::maternal::{template, DataSet, MaternalError, MaternalRow, SUBJECT};
use crate::records::{Category, RecordAccess, RecordFacts};
use crate::store::{ChangeSet, StoredMaternalRow, Write};
use crate::Error;

use super::export::{csv_head, encode, ExportOptions};
use super::{Actor, Sesshu};

/// Rows per commit of an upload.
const CHUNK: usize = 20_000;

/// A refused row of an upload: where, why, and its values as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaternalRowRefusal {
    /// The file's row number (the header is row 0).
    pub row: usize,
    /// The column refused, if one.
    pub column: Option<String>,
    /// The refusal's stable code.
    pub code: String,
    /// The refusal, for people.
    pub reason: String,
    /// The row's values in the data set's column order.
    pub original: Vec<String>,
}

/// What an upload did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaternalUpload {
    /// The data set.
    pub data_set: &'static DataSet,
    /// Nothing was written.
    pub dry_run: bool,
    /// Data rows read (comment rows left out).
    pub rows: usize,
    /// Rows registered (new or changed); for a dry run, the valid rows.
    pub registered: usize,
    /// Valid rows already registered as they are.
    pub unchanged: usize,
    /// The refused rows.
    pub refused: Vec<MaternalRowRefusal>,
}

/// The keys of the rows read so far, compactly (an upload of a million
/// rows keeps every key to find a row given twice): the texts in one arena,
/// indexed by their hash; the rare different key with an equal hash goes to
/// an overflow map, so no row is ever taken for another.
#[derive(Default)]
struct KeySet {
    index: std::collections::HashMap<u64, u32>,
    arena: String,
    ends: Vec<u32>,
    rows: Vec<usize>,
    overflow: std::collections::HashMap<String, usize>,
}

impl KeySet {
    fn text(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.arena.get(start..self.ends[i] as usize).unwrap_or("")
    }

    /// Records `key` read at `row`; the row it was first read at, if seen.
    fn insert(&mut self, key: &str, row: usize) -> Option<usize> {
        use std::hash::Hasher;
        let hash = {
            let mut h = self.hasher();
            h.write(key.as_bytes());
            h.finish()
        };
        match self.index.get(&hash) {
            Some(&i) if self.text(i) == key => Some(self.rows[i as usize]),
            Some(_) => match self.overflow.get(key) {
                Some(&first) => Some(first),
                None => {
                    self.overflow.insert(key.to_owned(), row);
                    None
                }
            },
            None => {
                let i = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
                self.arena.push_str(key);
                self.ends
                    .push(u32::try_from(self.arena.len()).unwrap_or(u32::MAX));
                self.rows.push(row);
                self.index.insert(hash, i);
                None
            }
        }
    }

    fn hasher(&self) -> std::collections::hash_map::DefaultHasher {
        std::collections::hash_map::DefaultHasher::new()
    }
}

fn duplicate(first: usize) -> MaternalError {
    MaternalError::Invalid {
        item: SUBJECT,
        label: "予防接種対象者番号",
        value: String::new(),
        reason: format!("the same subject and key as row {first}: a row is registered once"),
    }
}

impl Sesshu {
    /// The actor's municipality, for the operations of municipality staff.
    fn maternal_municipality(
        &self,
        actor: &Actor,
        op: Operation,
    ) -> Result<MunicipalityCode, Error> {
        self.guard(actor, op, Relation::Own)?;
        Ok(MunicipalityCode::parse(actor.organisation.as_str())?)
    }

    /// Registers checked rows in chunks, each commit logged; returns how
    /// many were new or changed.
    fn register_maternal(
        &self,
        actor: &Actor,
        municipality: MunicipalityCode,
        rows: Vec<MaternalRow>,
    ) -> Result<usize, Error> {
        let mut written = 0usize;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<MaternalRow> = rows.by_ref().take(CHUNK).collect();
            let receipt = self.store.commit(ChangeSet {
                writes: vec![Write::PutMaternalRows {
                    rows: chunk,
                    municipality,
                    updated_at: self.now(),
                }],
                log: vec![self.logged(actor, AccessAction::WriteMaternal)],
            })?;
            written += receipt
                .versions
                .first()
                .map_or(0, |n| usize::try_from(*n).unwrap_or(0));
        }
        Ok(written)
    }

    /// A data set's upload template (H_072-002 …): the header and the row
    /// that describes each column.
    pub fn maternal_template(
        &self,
        data_set: &str,
        options: ExportOptions,
    ) -> Result<Vec<u8>, Error> {
        let set = DataSet::named(data_set)?;
        let columns = set.columns();
        let rows = template::rows(set);
        let mut bytes = csv_head(&columns, options)?;
        for (i, row) in rows.iter().enumerate().skip(1) {
            bytes.extend(encode(row, &columns, i, options)?);
        }
        Ok(bytes)
    }

    /// Uploads a data set's CSV (H_072-001): its header checked first (an
    /// unknown or missing column refuses the whole file), then each row:
    /// the valid rows are registered (unless `dry_run`), the invalid ones
    /// come back with row, column and reason. Rows whose first field begins
    /// `#` (the template's description) are skipped. The same row again
    /// registers nothing. The file is read as a stream and registered
    /// 20,000 rows a commit, so a file of a million rows never lands in
    /// memory whole; a crash between commits leaves the earlier chunks, and
    /// the same file again registers only the rest.
    pub fn upload_maternal_csv(
        &self,
        actor: &Actor,
        data_set: &str,
        bytes: &[u8],
        encoding: CsvEncoding,
        dry_run: bool,
    ) -> Result<MaternalUpload, Error> {
        self.upload_maternal_reader(actor, data_set, bytes, encoding, dry_run)
    }

    /// [`upload_maternal_csv`](Self::upload_maternal_csv) from a reader:
    /// the file decoded and read as it comes, never held whole.
    pub fn upload_maternal_reader(
        &self,
        actor: &Actor,
        data_set: &str,
        reader: impl std::io::Read,
        encoding: CsvEncoding,
        dry_run: bool,
    ) -> Result<MaternalUpload, Error> {
        let set = DataSet::named(data_set)?;
        let stream = CsvStream::decoding(reader, encoding)?;
        let municipality = self.maternal_municipality(actor, Operation::WriteMaternalData)?;
        let at: Vec<String> = stream.header.clone();
        for name in &at {
            if name != SUBJECT && set.item(name).is_none() {
                return Err(MaternalError::UnknownItem {
                    data_set: set.name,
                    item: name.clone(),
                }
                .into());
            }
        }
        let has = |name: &str| at.iter().any(|h| h == name);
        for item in set
            .items
            .iter()
            .filter(|i| i.required || set.key.contains(&i.name))
        {
            if !has(item.name) {
                return Err(MaternalError::MissingColumn {
                    item: item.name,
                    label: item.label,
                }
                .into());
            }
        }
        if !has(SUBJECT) {
            return Err(MaternalError::MissingColumn {
                item: SUBJECT,
                label: "予防接種対象者番号",
            }
            .into());
        }
        let columns = set.columns();
        // Streamed: the good rows go in chunks as they are read; only the
        // keys seen (for rows twice in one file) and the refusals are kept.
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut seen = KeySet::default();
        let mut refused = Vec::new();
        let (mut read, mut valid, mut registered) = (0usize, 0usize, 0usize);
        for row in stream {
            let (number, row) = row?;
            if row.get(0).is_some_and(template::is_comment) {
                continue;
            }
            read += 1;
            let fields: Vec<(&str, &str)> = at.iter().map(String::as_str).zip(row.iter()).collect();
            let checked =
                set.parse_row(&fields)
                    .and_then(|r| match seen.insert(&r.key_id(), number) {
                        Some(first) => Err(duplicate(first)),
                        None => Ok(r),
                    });
            match checked {
                Ok(r) => {
                    valid += 1;
                    if !dry_run {
                        chunk.push(r);
                        if chunk.len() == CHUNK {
                            registered += self.register_maternal(
                                actor,
                                municipality,
                                std::mem::take(&mut chunk),
                            )?;
                        }
                    }
                }
                Err(e) => refused.push(MaternalRowRefusal {
                    row: number,
                    column: e.item(),
                    code: e.code().to_owned(),
                    reason: e.to_string(),
                    original: columns
                        .iter()
                        .map(|c| {
                            fields
                                .iter()
                                .find(|(n, _)| n == c)
                                .map_or(String::new(), |(_, v)| (*v).to_owned())
                        })
                        .collect(),
                }),
            }
        }
        if dry_run {
            registered = valid;
        } else if !chunk.is_empty() {
            registered += self.register_maternal(actor, municipality, chunk)?;
        }
        Ok(MaternalUpload {
            data_set: set,
            dry_run,
            rows: read,
            registered,
            unchanged: valid - registered.min(valid),
            refused,
        })
    }

    /// The refused rows of an upload as a file to correct and upload again:
    /// `row, column, reason`, then the data set's columns with the values as
    /// given.
    pub fn maternal_errors_csv(
        &self,
        upload: &MaternalUpload,
        options: ExportOptions,
    ) -> Result<Vec<u8>, Error> {
        let mut columns = vec!["row", "column", "reason"];
        columns.extend(upload.data_set.columns());
        let mut bytes = csv_head(&columns, options)?;
        for (i, r) in upload.refused.iter().enumerate() {
            let mut line = vec![
                r.row.to_string(),
                r.column.clone().unwrap_or_default(),
                format!("{} ({})", r.reason, r.code),
            ];
            line.extend(r.original.iter().cloned());
            bytes.extend(encode(&line, &columns, i + 1, options)?);
        }
        Ok(bytes)
    }

    /// Receives a month's interface file from a health-management system
    /// (H_071-*_IF): an unknown interface or version is refused before any
    /// row is read; the actor must be the sending municipality's. Returns
    /// the registration result for the sender (登録結果返却).
    pub fn receive_maternal(
        &self,
        actor: &Actor,
        bytes: &[u8],
    ) -> Result<RegistrationResult, Error> {
        let file = InterfaceFile::read(bytes)?;
        let relation = Relation::own_if(actor.organisation.as_str() == file.municipality.as_str());
        self.guard(actor, Operation::WriteMaternalData, relation)?;
        let received = file.rows.len();
        let mut good = Vec::new();
        let mut seen = KeySet::default();
        let mut refused = Vec::new();
        for (i, row) in file.rows.iter().enumerate() {
            let fields: Vec<(&str, &str)> =
                row.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let checked = file.data_set.parse_row(&fields).and_then(|r| {
                match seen.insert(&r.key_id(), i + 1) {
                    Some(first) => Err(duplicate(first)),
                    None => Ok(r),
                }
            });
            match checked {
                Ok(r) => good.push(r),
                Err(e) => refused.push(RefusedRow {
                    position: i + 1,
                    item: e.item(),
                    code: e.code().to_owned(),
                    reason: e.to_string(),
                }),
            }
        }
        let valid = good.len();
        let registered = self.register_maternal(actor, file.municipality, good)?;
        Ok(RegistrationResult {
            interface: file.data_set.interface.to_owned(),
            data_set: file.data_set.name.to_owned(),
            municipality: file.municipality.to_string(),
            received,
            registered,
            unchanged: valid - registered.min(valid),
            refused,
        })
    }

    /// A subject's data of every set, as the actor's municipality may see
    /// it under the residency rule of records (SPEC §3): rows registered by
    /// a municipality are visible where a record of that municipality
    /// would be; for a subject not in the store, only to the municipality
    /// that registered them. Access-logged.
    pub fn maternal_data_of(
        &self,
        actor: &Actor,
        subject: &str,
    ) -> Result<Vec<StoredMaternalRow>, Error> {
        let municipality = self.maternal_municipality(actor, Operation::ReadMaternalData)?;
        let subject = SubjectNumber::parse(subject)?;
        let person = self.store.person_by_subject(&subject)?;
        let today = crate::calendar::jst_date(self.now());
        let access = person
            .as_ref()
            .map(|p| RecordAccess::new(&p.person.residency, municipality, today));
        let rows: Vec<StoredMaternalRow> = self
            .store
            .maternal_rows_of(&subject)?
            .into_iter()
            .filter(|r| match &access {
                Some(a) => {
                    a.evaluate(&RecordFacts {
                        responsible: r.municipality,
                        category: Category::Routine,
                        erroneous: false,
                    })
                    .visible
                }
                None => r.municipality == municipality,
            })
            .collect();
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![AccessLogDraft {
                subject: person.map(|p| p.person.management_id),
                ..self.logged(actor, AccessAction::ReadMaternal)
            }],
        })?;
        Ok(rows)
    }

    /// Downloads the rows of a data set the actor's municipality registered,
    /// in the upload layout (the file uploads back unchanged). Returns the
    /// rows written.
    pub fn export_maternal_csv(
        &self,
        actor: &Actor,
        data_set: &str,
        out: &mut dyn std::io::Write,
        options: ExportOptions,
    ) -> Result<usize, Error> {
        let set = DataSet::named(data_set)?;
        let municipality = self.maternal_municipality(actor, Operation::ReadMaternalData)?;
        let columns = set.columns();
        let mut bytes = csv_head(&columns, options)?;
        let mut after: Option<String> = None;
        let mut n = 0usize;
        loop {
            let page = self
                .store
                .maternal_rows(set, municipality, after.as_deref(), 10_000)?;
            let Some(last) = page.last() else { break };
            after = Some(last.row.key_id());
            for r in &page {
                n += 1;
                bytes.extend(encode(&r.row.fields(), &columns, n, options)?);
            }
            if page.len() < 10_000 {
                break;
            }
        }
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![self.logged(actor, AccessAction::ReadMaternal)],
        })?;
        out.write_all(&bytes)
            .map_err(crate::store::StoreError::backend)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::KeySet;

    #[test]
    fn a_key_set_finds_the_first_row_of_a_key() {
        let mut seen = KeySet::default();
        assert_eq!(seen.insert("S1\u{1f}2026-11-01", 1), None);
        assert_eq!(seen.insert("S2\u{1f}2026-11-01", 2), None);
        assert_eq!(seen.insert("S1\u{1f}2026-11-02", 3), None);
        assert_eq!(seen.insert("S1\u{1f}2026-11-01", 4), Some(1));
        assert_eq!(seen.insert("S2\u{1f}2026-11-01", 5), Some(2));
        // The overflow path: a different key under an index slot taken.
        let hash = *seen.index.keys().next().unwrap_or(&0);
        let i = seen.index[&hash];
        let other = format!("{}x", seen.text(i));
        seen.overflow.insert(other.clone(), 9);
        assert_eq!(seen.overflow.get(&other), Some(&9));
    }
}
