//! `sesshu questionnaire`: a record's pre-screening answers (予診票回答,
//! H-4), written from a JSON document and shown as staff see them.

use std::io::Write;

use serde_json::{json, Value};
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{answers_from_json, answers_to_json, Answers};
use sesshu_core::service::{Actor, Sesshu};

use crate::commands::{core, Failure};

/// One side of the document: a JSON object of answers.
fn side(doc: &Value, key: &str) -> Result<Answers, Failure> {
    match doc.get(key) {
        Some(Value::Object(m)) => answers_from_json(m).map_err(core),
        _ => Err(format!(
            "the document needs \"{key}\": an object of answers (invalid_answer)"
        )),
    }
}

/// `questionnaire put RECORD FILE`: stores the answers of a document
/// `{"subject": {…}, "institution": {…}}` and prints what the store did
/// (`created`, `updated` or `unchanged`).
pub fn put(
    services: &Sesshu,
    actor: &Actor,
    record: &str,
    document: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let record = RecordId::parse(record).map_err(core)?;
    let doc: Value = serde_json::from_str(document)
        .map_err(|e| format!("the answers are not JSON: {e} (invalid_answer)"))?;
    let (subject, institution) = (side(&doc, "subject")?, side(&doc, "institution")?);
    let outcome = services
        .put_questionnaire(actor, &record, subject, institution)
        .map_err(core)?;
    writeln!(out, "{record}: {}", outcome.as_str()).map_err(|e| e.to_string())
}

/// `questionnaire show RECORD`: the answers as staff see them, one JSON
/// document: `record`, `modified`, `institution`, `subject`.
pub fn show(
    services: &Sesshu,
    actor: &Actor,
    record: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let record = RecordId::parse(record).map_err(core)?;
    let view = services.questionnaire(actor, &record).map_err(core)?;
    let doc = json!({
        "record": view.record.as_str(),
        "modified": view.modified,
        "institution": answers_to_json(&view.institution),
        "subject": answers_to_json(&view.subject),
    });
    serde_json::to_writer(&mut *out, &doc).map_err(|e| e.to_string())?;
    writeln!(out).map_err(|e| e.to_string())
}
