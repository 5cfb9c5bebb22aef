//! `sesshu import persons|residency|records FILE.csv`: CSV files from a
//! municipality's system. Each row is read into the core's types; a bad row
//! is reported with its row number, column and reason, and the good rows
//! land. Importing the same file twice changes nothing.
//!
//! Columns (a header row is required; UTF-8 with or without BOM, or
//! Shift_JIS with `--encoding shift-jis`):
//!
//! - persons: `management_id,subject_number,name,name_kana,birth_date,sex,pmh_key`
//! - residency: `management_id,municipality,from,to` — every interval of each
//!   person named; the file replaces those persons' histories
//! - records: `id,management_id,responsible,category,vaccine,dose_number,date,lot,institution,erroneous`
//!
//! A file of any size is read as a stream ([`Source`]). Persons and records
//! are committed [`CHUNK`] good rows at a time, parsed on a second thread
//! while the store commits the chunk before; residency histories, which may
//! be spread over the file, are gathered first and then committed
//! [`CHUNK`] persons at a time. An import that stops halfway leaves whole
//! chunks behind, and importing the same file again completes it.

mod persons;
mod records;
mod residency;
mod source;

use std::fmt;
use std::sync::mpsc;

use sesshu_core::service::{ImportReport, PutOutcome};

pub use persons::persons;
pub use records::records;
pub use residency::residency;
pub use source::{InputEncoding, Source};
use source::{Row, Rows};

/// Good rows (persons, records) or persons (residency) per commit.
pub const CHUNK: usize = 10_000;

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

impl ImportSummary {
    /// Adds one commit's outcomes: `rows[i]` is the row of the commit's
    /// item `i`; `errors` are the rows refused before it.
    fn absorb(&mut self, report: &ImportReport, rows: &[usize], errors: Vec<RowError>) {
        self.created += report.count(PutOutcome::Created);
        self.updated += report.count(PutOutcome::Updated);
        self.unchanged += report.count(PutOutcome::Unchanged);
        self.errors.extend(errors);
        self.errors.extend(report.refused().map(|(i, e)| RowError {
            row: rows.get(i).copied().unwrap_or(0),
            column: None,
            code: e.code().to_owned(),
            reason: e.to_string(),
        }));
    }
}

/// The items parsed from one stretch of the file, the row each came from,
/// and the rows refused on the way.
struct Chunk<T> {
    items: Vec<T>,
    rows: Vec<usize>,
    errors: Vec<RowError>,
}

impl<T> Chunk<T> {
    fn new(size: usize) -> Self {
        Self {
            items: Vec::with_capacity(size),
            rows: Vec::with_capacity(size),
            errors: Vec::new(),
        }
    }
}

/// Reads `rows` and parses each with `parse` on a second thread, handing
/// each chunk of good items ([`CHUNK`]) to `import` on this one, so that
/// the file is read while the store commits. At most three chunks are held
/// at once: one being filled, one waiting, one being committed.
fn in_chunks<T: Send>(
    rows: Rows,
    parse: impl Fn(&Row<'_>) -> Result<T, RowError> + Send,
    mut import: impl FnMut(Vec<T>) -> Result<ImportReport, String>,
) -> Result<ImportSummary, String> {
    let mut summary = ImportSummary::default();
    summary.rows = read_in_chunks(rows, parse, |chunk| {
        let report = import(chunk.items).map_err(|e| match chunk.rows.first() {
            Some(first) => format!(
                "{e}; stopped at the chunk from row {first} (the rows before it landed; importing the file again completes it)"
            ),
            None => e,
        })?;
        summary.absorb(&report, &chunk.rows, chunk.errors);
        Ok(())
    })?;
    summary.errors.sort_by_key(|e| e.row);
    Ok(summary)
}

/// The reading half of [`in_chunks`]: returns the data rows read.
fn read_in_chunks<T: Send>(
    mut rows: Rows,
    parse: impl Fn(&Row<'_>) -> Result<T, RowError> + Send,
    mut commit: impl FnMut(Chunk<T>) -> Result<(), String>,
) -> Result<usize, String> {
    let size = rows.chunk;
    let (sender, chunks) = mpsc::sync_channel::<Result<Chunk<T>, String>>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut chunk = Chunk::new(size);
            let mut read = 0;
            loop {
                let next = match rows.next_row() {
                    Ok(Some(next)) => next,
                    Ok(None) => break,
                    Err(stop) => {
                        // The receiver reports it; if it has gone, so has the import.
                        let _ = sender.send(Err(stop));
                        return read;
                    }
                };
                read += 1;
                match next.and_then(|row| Ok((row.number, parse(&row)?))) {
                    Ok((number, item)) => {
                        chunk.items.push(item);
                        chunk.rows.push(number);
                    }
                    Err(e) => chunk.errors.push(e),
                }
                if chunk.items.len() == size
                    && sender
                        .send(Ok(std::mem::replace(&mut chunk, Chunk::new(size))))
                        .is_err()
                {
                    // A commit failed and the import stopped.
                    return read;
                }
            }
            let _ = sender.send(Ok(chunk));
            read
        });
        for chunk in chunks {
            commit(chunk?)?;
        }
        reader
            .join()
            .map_err(|_| "the file's reader stopped unexpectedly".to_owned())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use sesshu_core::access_log::AccessAction;
    use sesshu_core::calendar::{parse_timestamp, FixedClock};
    use sesshu_core::identifiers::{ManagementId, MunicipalityCode};
    use sesshu_core::service::{Actor, Sesshu};

    use super::*;

    struct Fixture {
        dir: tempfile::TempDir,
        /// The store behind `services`, read directly by the checks.
        store: Arc<dyn sesshu_core::store::Store>,
        services: Sesshu,
        actor: Actor,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let store: Arc<dyn sesshu_core::store::Store> =
                Arc::new(sesshu_sqlite::SqliteStore::open(dir.path().join("t.db")).unwrap());
            let now = parse_timestamp("2025-04-01T03:00:00Z").unwrap();
            Self {
                dir,
                services: Sesshu::new(store.clone(), Arc::new(FixedClock(now))),
                store,
                actor: Actor::municipality("operator", MunicipalityCode::parse("131016").unwrap()),
            }
        }

        /// The file, committed `chunk` items at a time.
        fn source(
            &self,
            name: &str,
            bytes: &[u8],
            encoding: InputEncoding,
            chunk: usize,
        ) -> Source {
            let path = self.dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let mut source = Source::open(&path, encoding).unwrap();
            source.chunk = chunk;
            source
        }

        fn name_of(&self, id: &str) -> Option<String> {
            let id = ManagementId::parse(id).unwrap();
            let found = self.store.persons_by_ids(&[id]).unwrap();
            found.into_iter().next().map(|p| p.person.name.to_string())
        }
    }

    const PERSONS: &str = "management_id,subject_number,name,name_kana,birth_date,sex,pmh_key
P001,S001,山田 花子,ヤマダ ハナコ,1990-05-01,female,
P002,S002,髙橋 𠮷子,タカハシ ヨシコ,1985-01-02,female,
P009,S009,佐藤 一郎,サトウ イチロウ,1999-13-01,male,
P003,S003,佐藤 二郎,サトウ ジロウ,1999-12-01,male,
P004,S004,佐藤 三郎,サトウ サブロウ,2001-12-01,male,
";

    fn persons_in(f: &Fixture, chunk: usize) -> ImportSummary {
        let source = f.source("p.csv", PERSONS.as_bytes(), InputEncoding::Utf8, chunk);
        persons(&f.services, &f.actor, &source).unwrap()
    }

    #[test]
    fn persons_land_a_chunk_at_a_time() {
        let f = Fixture::new();
        let s = persons_in(&f, 2);
        assert_eq!((s.rows, s.created, s.unchanged), (5, 4, 0), "{s}");
        assert_eq!(s.errors.len(), 1, "{s}");
        assert_eq!(
            (s.errors[0].row, s.errors[0].column.as_deref()),
            (3, Some("birth_date"))
        );
        assert_eq!(f.name_of("P004").as_deref(), Some("佐藤 三郎"));
        assert_eq!(f.name_of("P009"), None);
    }

    #[test]
    fn a_refusal_in_a_later_chunk_names_its_row_in_the_file() {
        let f = Fixture::new();
        persons_in(&f, 10);
        let residency = "management_id,municipality,from,to
P001,011002,1990-05-01,2020-04-01
P002,131016,1985-01-02,
P001,131016,2020-04-01,
P003,131016,1999-12-01,
P005,131016,2000-01-01,
P004,131016,2001-12-01,2000-01-01
";
        let source = f.source("r.csv", residency.as_bytes(), InputEncoding::Utf8, 2);
        let s = super::residency(&f.services, &f.actor, &source).unwrap();
        // P001, P002 | P003, P004 | P005: the unknown P005 and P004's
        // backwards interval are refused at their rows.
        assert_eq!((s.rows, s.updated), (6, 3), "{s}");
        let refused: Vec<(usize, &str)> =
            s.errors.iter().map(|e| (e.row, e.code.as_str())).collect();
        assert_eq!(refused.len(), 2, "{s}");
        assert_eq!(refused[0].0, 5);
        assert_eq!(refused[0].1, "not_found");
        assert_eq!(refused[1].0, 6);

        let records = "id,management_id,responsible,category,vaccine,dose_number,date,lot,institution,erroneous
R1,P001,131016,routine,MR,1,2024-01-01,,,
R2,P001,131016,weird,MR,1,2024-01-01,,,
R3,P002,131016,routine,MR,1,2024-01-01,,,
R4,P001,131016,routine,MR,1,2010-01-01,,,
R5,P003,131016,routine,MR,2,2024-02-01,,,false
R6,P001,131016,routine,MR,2,2024-03-01,,,
";
        let source = f.source("v.csv", records.as_bytes(), InputEncoding::Utf8, 2);
        let s = super::records(&f.services, &f.actor, &source).unwrap();
        // R1, R3 | R4, R5 | R6: R4 is refused by the rule in the second
        // commit; P001's records were written by the first and the third.
        assert_eq!((s.rows, s.created), (6, 4), "{s}");
        let refused: Vec<(usize, Option<&str>, &str)> = s
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_deref(), e.code.as_str()))
            .collect();
        assert_eq!(
            refused,
            vec![
                (2, Some("category"), refused[0].2),
                (4, None, "responsible_mismatch")
            ]
        );
        let p001 = ManagementId::parse("P001").unwrap();
        let written: Vec<Vec<String>> = f
            .store
            .log_entries(1, 1_000)
            .unwrap()
            .into_iter()
            .filter(|e| {
                e.draft.action == AccessAction::WriteRecord && e.draft.subject == Some(p001.clone())
            })
            .map(|e| e.draft.record_ids.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(written, vec![vec!["R1".to_owned()], vec!["R6".to_owned()]]);
        let again = super::records(&f.services, &f.actor, &source).unwrap();
        assert_eq!((again.created, again.unchanged), (0, 4), "{again}");
    }

    #[test]
    fn a_failed_commit_names_the_row_its_chunk_starts_at() {
        let f = Fixture::new();
        let source = f.source("p.csv", PERSONS.as_bytes(), InputEncoding::Utf8, 2);
        let mut commits = 0;
        let e = in_chunks(
            source.rows(&["management_id"]).unwrap(),
            |row| Ok(row.number),
            |items| {
                commits += 1;
                if commits == 2 {
                    return Err("disk full".into());
                }
                let outcomes = items.iter().map(|_| Ok(PutOutcome::Created)).collect();
                Ok(ImportReport { outcomes })
            },
        )
        .unwrap_err();
        // Rows 1 and 2 landed; the second chunk holds rows 3 and 4.
        assert!(
            e.starts_with("disk full; stopped at the chunk from row 3 "),
            "{e}"
        );
        assert_eq!(commits, 2);
    }

    #[test]
    fn shift_jis_files_are_imported() {
        let f = Fixture::new();
        // 𠮷 is outside Shift_JIS; 髙 is one of Windows-31J's extensions.
        let text = PERSONS.replace('𠮷', "吉");
        let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!bad);
        let source = f.source("sjis.csv", &bytes, InputEncoding::ShiftJis, 2);
        let s = persons(&f.services, &f.actor, &source).unwrap();
        assert_eq!(s.created, 4, "{s}");
        assert_eq!(f.name_of("P002").as_deref(), Some("髙橋 吉子"));
        assert_eq!(f.name_of("P001").as_deref(), Some("山田 花子"));
    }

    #[test]
    fn a_file_in_another_encoding_is_refused_before_any_row() {
        let f = Fixture::new();
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(PERSONS);
        let path = f.dir.path().join("sjis.csv");
        std::fs::write(&path, &bytes).unwrap();
        let e = Source::open(&path, InputEncoding::Utf8).unwrap_err();
        assert!(e.contains("not UTF-8 at line 2,"), "{e}");
        assert!(e.contains("--encoding shift-jis"), "{e}");
        let e = Source::open(&f.dir.path().join("missing.csv"), InputEncoding::Utf8).unwrap_err();
        assert!(e.contains("missing.csv"), "{e}");
    }

    #[test]
    fn a_header_without_a_required_column_is_refused() {
        let f = Fixture::new();
        let source = f.source(
            "h.csv",
            b"management_id,name\nP001,x\n",
            InputEncoding::Utf8,
            2,
        );
        let e = persons(&f.services, &f.actor, &source)
            .map(|_| ())
            .unwrap_err();
        assert!(e.contains("subject_number"), "{e}");
    }
}
