//! Reading a zengin master file: the open data set's JSON layout or the
//! CSV of the same columns, every row checked, every problem named.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{FileProblem, ZenginBank, ZenginBranch, ZenginError, ZenginFile, MAX_PROBLEMS};
use crate::files::{CsvEncoding, CsvTable};
use crate::identifiers::{BankCode, BranchCode};

/// The columns of the zengin CSV, one row per branch (a bank without
/// branches: one row with the branch columns empty).
pub const CSV_COLUMNS: [&str; 6] = [
    "bank_code",
    "bank_name",
    "bank_kana",
    "branch_code",
    "branch_name",
    "branch_kana",
];

/// Names and kana: 1 to 100 characters, no control characters.
const NAME_MAX: usize = 100;

/// Collects the rows and the problems of one file.
#[derive(Default)]
struct Reading {
    banks: BTreeMap<BankCode, ZenginBank>,
    branches: BTreeMap<(BankCode, BranchCode), ZenginBranch>,
    problems: Vec<FileProblem>,
    ignored: Vec<String>,
}

impl Reading {
    fn problem(&mut self, place: &str, column: Option<&str>, code: &'static str, reason: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(FileProblem {
                place: place.to_owned(),
                column: column.map(str::to_owned),
                code,
                reason,
            });
        }
    }

    fn name(&mut self, place: &str, column: &str, value: &str) -> Option<String> {
        let v = value.trim();
        let chars = v.chars().count();
        if chars == 0 {
            self.problem(
                place,
                Some(column),
                "zengin_value_required",
                "is empty".into(),
            );
            None
        } else if chars > NAME_MAX || v.chars().any(char::is_control) {
            self.problem(
                place,
                Some(column),
                "invalid_zengin_name",
                format!("{v:?} is not 1 to {NAME_MAX} printable characters"),
            );
            None
        } else {
            Some(v.to_owned())
        }
    }

    fn bank(&mut self, place: &str, column: &str, code: &str) -> Option<BankCode> {
        match BankCode::parse(code) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problem(place, Some(column), e.code(), e.to_string());
                None
            }
        }
    }

    fn branch_code(&mut self, place: &str, column: &str, code: &str) -> Option<BranchCode> {
        match BranchCode::parse(code) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problem(place, Some(column), e.code(), e.to_string());
                None
            }
        }
    }

    /// Adds a bank; the same code again must carry the same names.
    fn add_bank(&mut self, place: &str, bank: ZenginBank) {
        match self.banks.get(&bank.code) {
            Some(b) if *b == bank => {}
            Some(b) => {
                let reason = format!(
                    "bank {} is also named {:?} / {:?} elsewhere in the file",
                    bank.code, b.name, b.kana
                );
                self.problem(place, Some("bank_name"), "inconsistent_zengin_bank", reason);
            }
            None => {
                self.banks.insert(bank.code, bank);
            }
        }
    }

    fn add_branch(&mut self, place: &str, branch: ZenginBranch) {
        use std::collections::btree_map::Entry;
        let reason = format!("branch {}-{} appears twice", branch.bank, branch.code);
        match self.branches.entry((branch.bank, branch.code)) {
            Entry::Vacant(v) => {
                v.insert(branch);
            }
            Entry::Occupied(_) => {
                self.problem(
                    place,
                    Some("branch_code"),
                    "duplicate_zengin_branch",
                    reason,
                );
            }
        }
    }

    fn finish(self, sha256: String) -> Result<ZenginFile, ZenginError> {
        if !self.problems.is_empty() {
            return Err(ZenginError::Refused {
                problems: self.problems,
            });
        }
        if self.banks.is_empty() {
            return Err(ZenginError::NoBanks);
        }
        Ok(ZenginFile {
            banks: self.banks.into_values().collect(),
            branches: self.branches.into_values().collect(),
            sha256,
            ignored: self.ignored,
        })
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl ZenginFile {
    /// Reads the CSV layout ([`CSV_COLUMNS`], in any order; other columns
    /// are ignored). Every row is checked; any problem refuses the file.
    pub fn from_csv(bytes: &[u8], encoding: CsvEncoding) -> Result<ZenginFile, ZenginError> {
        let table = CsvTable::read(bytes, encoding)?;
        let mut at = [0usize; 6];
        for (slot, name) in at.iter_mut().zip(CSV_COLUMNS) {
            *slot = table.column(name).ok_or_else(|| ZenginError::Refused {
                problems: vec![FileProblem {
                    place: "header".into(),
                    column: Some(name.into()),
                    code: "missing_column",
                    reason: format!("the header lacks {name} (columns: {CSV_COLUMNS:?})"),
                }],
            })?;
        }
        let mut r = Reading::default();
        for (row, fields) in &table.rows {
            let place = format!("row {row}");
            let get = |i: usize| fields.get(at[i]).unwrap_or("");
            let bank = r.bank(&place, CSV_COLUMNS[0], get(0));
            let name = r.name(&place, CSV_COLUMNS[1], get(1));
            let kana = r.name(&place, CSV_COLUMNS[2], get(2));
            let (Some(code), Some(name), Some(kana)) = (bank, name, kana) else {
                continue;
            };
            r.add_bank(&place, ZenginBank { code, name, kana });
            if [3, 4, 5].iter().all(|&i| get(i).trim().is_empty()) {
                continue;
            }
            let branch = r.branch_code(&place, CSV_COLUMNS[3], get(3));
            let name = r.name(&place, CSV_COLUMNS[4], get(4));
            let kana = r.name(&place, CSV_COLUMNS[5], get(5));
            if let (Some(branch), Some(name), Some(kana)) = (branch, name, kana) {
                r.add_branch(
                    &place,
                    ZenginBranch {
                        bank: code,
                        code: branch,
                        name,
                        kana,
                    },
                );
            }
        }
        r.finish(hex(&Sha256::digest(bytes)))
    }

    /// Reads the open zengin-code data set's layout: `banks.json` (an
    /// object of bank code → `{code, name, kana, …}`) and
    /// `branches/<bank>.json` (branch code → `{code, name, kana, …}`), given
    /// as (path relative to the data set, bytes). Other files are ignored.
    pub fn from_dataset(files: &[(String, Vec<u8>)]) -> Result<ZenginFile, ZenginError> {
        let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut hasher = Sha256::new();
        for (name, bytes) in &sorted {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
        let mut r = Reading::default();
        let Some((_, banks)) = sorted.iter().find(|(n, _)| n == "banks.json") else {
            return Err(ZenginError::Refused {
                problems: vec![FileProblem {
                    place: "banks.json".into(),
                    column: None,
                    code: "missing_zengin_file",
                    reason: "the data set has no banks.json".into(),
                }],
            });
        };
        for (key, entry) in entries(&mut r, "banks.json", banks) {
            let place = format!("banks.json, bank {key:?}");
            let (Some(code), Some(name), Some(kana)) = (
                r.bank(&place, "code", &key),
                r.name(&place, "name", &field(&entry, "name")),
                r.name(&place, "kana", &field(&entry, "kana")),
            ) else {
                continue;
            };
            if field(&entry, "code") != key {
                r.problem(
                    &place,
                    Some("code"),
                    "inconsistent_zengin_code",
                    "the entry's code is not its key".into(),
                );
                continue;
            }
            r.add_bank(&place, ZenginBank { code, name, kana });
        }
        for (path, bytes) in &sorted {
            let Some(bank) = path
                .strip_prefix("branches/")
                .and_then(|p| p.strip_suffix(".json"))
            else {
                continue;
            };
            let Some(code) = r.bank(path, "file name", bank) else {
                continue;
            };
            if !r.banks.contains_key(&code) {
                // The data set keeps the branch files of banks that have
                // merged away; banks.json says which banks exist.
                r.ignored.push(path.clone());
                continue;
            }
            for (key, entry) in entries(&mut r, path, bytes) {
                let place = format!("{path}, branch {key:?}");
                let (Some(branch), Some(name), Some(kana)) = (
                    r.branch_code(&place, "code", &key),
                    r.name(&place, "name", &field(&entry, "name")),
                    r.name(&place, "kana", &field(&entry, "kana")),
                ) else {
                    continue;
                };
                r.add_branch(
                    &place,
                    ZenginBranch {
                        bank: code,
                        code: branch,
                        name,
                        kana,
                    },
                );
            }
        }
        r.finish(hex(&hasher.finalize()))
    }

    /// The file in the CSV layout (UTF-8 with a byte-order mark, CRLF),
    /// which [`ZenginFile::from_csv`] reads back to the same contents.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        let mut line = |fields: [&str; 6]| {
            let quoted: Vec<String> = fields
                .iter()
                .map(|f| {
                    if f.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", f.replace('"', "\"\""))
                    } else {
                        (*f).to_owned()
                    }
                })
                .collect();
            out.extend_from_slice(quoted.join(",").as_bytes());
            out.extend_from_slice(b"\r\n");
        };
        line(CSV_COLUMNS);
        let mut branches = self.branches.iter().peekable();
        for bank in &self.banks {
            let mut any = false;
            while let Some(b) = branches.next_if(|b| b.bank == bank.code) {
                any = true;
                line([
                    bank.code.as_str(),
                    &bank.name,
                    &bank.kana,
                    b.code.as_str(),
                    &b.name,
                    &b.kana,
                ]);
            }
            if !any {
                line([bank.code.as_str(), &bank.name, &bank.kana, "", "", ""]);
            }
        }
        out
    }
}

/// The entries of one JSON file: an object of key → object. A file that is
/// not one is a problem, and gives no entries.
fn entries(
    r: &mut Reading,
    path: &str,
    bytes: &[u8],
) -> Vec<(String, serde_json::Map<String, serde_json::Value>)> {
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes) {
        Ok(map) => {
            let mut out = Vec::with_capacity(map.len());
            for (key, value) in map {
                match value {
                    serde_json::Value::Object(o) => out.push((key, o)),
                    _ => r.problem(
                        path,
                        Some(&key),
                        "invalid_zengin_json",
                        "the entry is not an object".into(),
                    ),
                }
            }
            out
        }
        Err(e) => {
            r.problem(path, None, "invalid_zengin_json", e.to_string());
            Vec::new()
        }
    }
}

fn field(entry: &serde_json::Map<String, serde_json::Value>, name: &str) -> String {
    entry
        .get(name)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n\
                       0001,みずほ,ミズホ,001,東京営業部,トウキヨウ\n\
                       0001,みずほ,ミズホ,004,丸の内中央,マルノウチチユウオウ\n\
                       9900,ゆうちょ,ユウチヨ,,,\n";

    #[test]
    fn a_csv_reads_into_banks_and_branches_and_back() {
        let f = ZenginFile::from_csv(CSV.as_bytes(), CsvEncoding::Utf8Bom).unwrap();
        assert_eq!(f.banks.len(), 2);
        assert_eq!(f.branches.len(), 2);
        assert_eq!(f.banks[0].name, "みずほ");
        assert_eq!(f.sha256.len(), 64);
        let again = ZenginFile::from_csv(&f.to_csv(), CsvEncoding::Utf8Bom).unwrap();
        assert_eq!((again.banks, again.branches), (f.banks, f.branches));
    }

    #[test]
    fn every_bad_row_is_named_and_the_file_refused() {
        let bad =
            format!("{CSV}12,x,X,001,a,A\n0001,みずほ,ミズホ,001,東京,トウキヨウ\n0002,,Y,,,\n");
        let Err(ZenginError::Refused { problems }) =
            ZenginFile::from_csv(bad.as_bytes(), CsvEncoding::Utf8Bom)
        else {
            panic!("not refused");
        };
        let codes: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.place.as_str(), p.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("row 4", "invalid_bank_code"),
                ("row 5", "duplicate_zengin_branch"),
                ("row 6", "zengin_value_required"),
            ]
        );
        assert_eq!(problems[0].column.as_deref(), Some("bank_code"));
    }

    #[test]
    fn a_file_without_a_column_or_a_bank_is_refused() {
        let e = ZenginFile::from_csv(b"bank_code,bank_name\n", CsvEncoding::Utf8Bom).unwrap_err();
        assert_eq!(e.code(), "zengin_file_refused");
        let e = ZenginFile::from_csv(CSV.lines().next().unwrap().as_bytes(), CsvEncoding::Utf8Bom)
            .unwrap_err();
        assert_eq!(e, ZenginError::NoBanks);
    }

    #[test]
    fn the_data_set_layout_reads_like_its_csv() {
        let banks = r#"{"0001":{"code":"0001","name":"みずほ","kana":"ミズホ","hira":"みずほ","roma":"mizuho"},
                        "9900":{"code":"9900","name":"ゆうちょ","kana":"ユウチヨ"}}"#;
        let branches = r#"{"001":{"code":"001","name":"東京営業部","kana":"トウキヨウ"},
                           "004":{"code":"004","name":"丸の内中央","kana":"マルノウチチユウオウ"}}"#;
        let files = vec![
            ("banks.json".to_owned(), banks.as_bytes().to_vec()),
            (
                "branches/0001.json".to_owned(),
                branches.as_bytes().to_vec(),
            ),
            ("updated_at".to_owned(), b"20260824".to_vec()),
        ];
        let set = ZenginFile::from_dataset(&files).unwrap();
        let csv = ZenginFile::from_csv(CSV.as_bytes(), CsvEncoding::Utf8Bom).unwrap();
        assert_eq!((&set.banks, &set.branches), (&csv.banks, &csv.branches));
        // The digest covers every file, in name order whatever the order given.
        let mut reversed = files.clone();
        reversed.reverse();
        assert_eq!(
            ZenginFile::from_dataset(&reversed).unwrap().sha256,
            set.sha256
        );
        let mut changed = files;
        changed[2].1 = b"20260901".to_vec();
        assert_ne!(
            ZenginFile::from_dataset(&changed).unwrap().sha256,
            set.sha256
        );
    }

    #[test]
    fn a_branch_file_of_a_bank_not_listed_is_ignored_and_named() {
        let files = vec![
            (
                "banks.json".to_owned(),
                br#"{"0001":{"code":"0001","name":"a","kana":"A"}}"#.to_vec(),
            ),
            (
                "branches/0002.json".to_owned(),
                br#"{"001":{"code":"001","name":"b","kana":"B"}}"#.to_vec(),
            ),
        ];
        let f = ZenginFile::from_dataset(&files).unwrap();
        assert_eq!((f.banks.len(), f.branches.len()), (1, 0));
        assert_eq!(f.ignored, ["branches/0002.json"]);
    }
}
