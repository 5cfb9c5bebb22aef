//! `sesshu scenarios run`: runs the language-neutral rule scenarios
//! (`shared/scenarios/*.json`) through the core's public API.
//!
//! A scenario file is `{ "rule": …, "description": …, "cases": [ { "name",
//! "given", "expect" } ] }`. Each case's `given` is mapped field by field
//! onto the core's types and calls (`rules`); the answer is turned back
//! into JSON and compared with `expect`: lists compare as sets unless the
//! rule's output is ordered, timestamps compare as instants, and only the
//! keys `expect` names are compared (an `{"error": code}` expectation must
//! match exactly). An unknown rule, or a case that cannot be read, fails.

mod input;
mod rules;

pub use rules::{bank_account_application_on, Fail};

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One case that did not pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The file.
    pub file: PathBuf,
    /// The case's name (or a note when the file itself could not be read).
    pub case: String,
    /// What was expected, as JSON text.
    pub expected: String,
    /// What the library answered, or why the case could not run.
    pub actual: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FAIL {} :: {}: expected {}, actual {}",
            self.file.display(),
            self.case,
            self.expected,
            self.actual
        )
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed, in the order run.
    pub failures: Vec<Failure>,
}

impl Report {
    /// Number of failed cases.
    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    /// The closing line: `N passed, N failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed())
    }

    fn fail(&mut self, file: &Path, case: &str, expected: &Value, actual: impl Into<String>) {
        self.failures.push(Failure {
            file: file.to_owned(),
            case: case.to_owned(),
            expected: expected.to_string(),
            actual: actual.into(),
        });
    }
}

/// Runs every scenario file under `paths` (files, or folders searched
/// recursively for `*.json`, in name order).
pub fn run_paths<P: AsRef<Path>>(paths: &[P]) -> Report {
    let mut report = Report::default();
    for path in paths {
        let path = path.as_ref();
        match collect_files(path) {
            Ok(files) if files.is_empty() => {
                report.fail(
                    path,
                    "(no scenario files)",
                    &Value::Null,
                    "no *.json file found",
                );
            }
            Ok(files) => {
                for file in files {
                    run_file(&file, &mut report);
                }
            }
            Err(e) => report.fail(path, "(unreadable path)", &Value::Null, e.to_string()),
        }
    }
    report
}

fn collect_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            out.extend(collect_files(&entry)?);
        } else if entry.extension().is_some_and(|e| e == "json") {
            out.push(entry);
        }
    }
    Ok(out)
}

/// Runs one file's cases into `report`.
pub fn run_file(file: &Path, report: &mut Report) {
    let doc: Value = match std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("not JSON: {e}")))
    {
        Ok(v) => v,
        Err(e) => return report.fail(file, "(unreadable file)", &Value::Null, e),
    };
    let cases = doc.get("cases").and_then(Value::as_array);
    let Some(cases) = cases.filter(|c| !c.is_empty()) else {
        return report.fail(
            file,
            "(no cases)",
            &Value::Null,
            "the file has no \"cases\" list",
        );
    };
    let rule = doc.get("rule").and_then(Value::as_str).unwrap_or("");
    let Some(run) = rules::lookup(rule) else {
        for (i, case) in cases.iter().enumerate() {
            let name = case_name(case, i);
            let expected = case.get("expect").cloned().unwrap_or(Value::Null);
            report.fail(file, &name, &expected, format!("unknown rule {rule:?}"));
        }
        return;
    };
    for (i, case) in cases.iter().enumerate() {
        let name = case_name(case, i);
        let (Some(given), Some(expected)) = (case.get("given"), case.get("expect")) else {
            report.fail(
                file,
                &name,
                &Value::Null,
                "the case needs \"given\" and \"expect\"",
            );
            continue;
        };
        match (run.evaluate)(given) {
            Err(e) => report.fail(file, &name, expected, format!("cannot read case: {e}")),
            Ok(actual) => {
                if matches(expected, &actual, run.ordered) {
                    report.passed += 1;
                } else {
                    report.fail(file, &name, expected, actual.to_string());
                }
            }
        }
    }
}

fn case_name(case: &Value, index: usize) -> String {
    case.get("name")
        .and_then(Value::as_str)
        .map_or_else(|| format!("case #{}", index + 1), str::to_owned)
}

/// Whether the answer meets the expectation. An error expectation must be
/// matched exactly; otherwise each key of `expected` must equal the answer's.
fn matches(expected: &Value, actual: &Value, ordered: &[&str]) -> bool {
    let (Some(exp), Some(act)) = (expected.as_object(), actual.as_object()) else {
        return canonical(expected, ordered, false) == canonical(actual, ordered, false);
    };
    if exp.contains_key("error") || act.contains_key("error") {
        return exp.get("error").is_some() && exp.get("error") == act.get("error");
    }
    exp.iter().all(|(k, v)| {
        let keep_order = ordered.contains(&k.as_str());
        act.get(k)
            .is_some_and(|a| canonical(v, ordered, keep_order) == canonical(a, ordered, keep_order))
    })
}

/// A form of a value in which sets compare equal: arrays sorted (unless
/// ordered), timestamps as UTC instants.
fn canonical(v: &Value, ordered: &[&str], keep_order: bool) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> =
                items.iter().map(|i| canonical(i, ordered, false)).collect();
            if !keep_order {
                items.sort_by_key(Value::to_string);
            }
            Value::Array(items)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| {
                    (
                        k.clone(),
                        canonical(x, ordered, ordered.contains(&k.as_str())),
                    )
                })
                .collect(),
        ),
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Value::String(t.with_timezone(&chrono::Utc).to_rfc3339()),
            Err(_) => v.clone(),
        },
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_and_order_semantics() {
        assert!(matches(
            &json!({"a": [1, 2]}),
            &json!({"a": [2, 1], "b": 0}),
            &[]
        ));
        assert!(!matches(
            &json!({"a": [1, 2]}),
            &json!({"a": [2, 1]}),
            &["a"]
        ));
        assert!(!matches(&json!({"a": [1, 2]}), &json!({"b": [1, 2]}), &[]));
        assert!(matches(&json!({"error": "x"}), &json!({"error": "x"}), &[]));
        assert!(!matches(&json!({"error": "x"}), &json!({"a": 1}), &[]));
        assert!(!matches(&json!({"a": 1}), &json!({"error": "x"}), &[]));
        assert!(matches(
            &json!({"t": "2025-10-01T00:00:00+09:00"}),
            &json!({"t": "2025-09-30T15:00:00Z"}),
            &[]
        ));
    }
}
