//! `sesshu questionnaire`: a record's pre-screening answers (予診票回答,
//! H-4), written from a JSON document, shown, listed and downloaded as
//! staff see them.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{answers_from_json, answers_to_json, Answers};
use sesshu_core::service::{Actor, ExportOptions, Sesshu};

use crate::commands::{core, page_through, write_file, Failure, QueryArgs};

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

/// `questionnaire list`: the records with answers the municipality may
/// see, one per line (tab-separated), with the items the institution
/// changed.
pub fn list(
    services: &Sesshu,
    actor: &Actor,
    args: &QueryArgs,
    limit: usize,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let query = args.query()?;
    let w = |out: &mut dyn Write, s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    w(
        out,
        "record\tsubject\tmanagement_id\tname\tdate\tvaccine\tmodified".into(),
    )?;
    page_through(
        limit,
        |after| {
            let page = services
                .query_questionnaires(actor, &query, after, 200)
                .map_err(core)?;
            Ok((page.rows, page.next))
        },
        |q| {
            let (p, r) = (&q.row.person, &q.row.record.record);
            w(
                out,
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    p.subject_number,
                    p.management_id,
                    p.name,
                    r.date,
                    r.vaccine,
                    q.answers.modified.join(",")
                ),
            )
        },
    )
}

/// `questionnaire export`: 予診票回答ダウンロード, the CSV of every
/// questionnaire the search finds, to `path` (nothing left behind on
/// failure) or stdout. Returns the number of questionnaires written.
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
            .export_questionnaires_csv(actor, &query, options, out)
            .map_err(core)
    })
}
