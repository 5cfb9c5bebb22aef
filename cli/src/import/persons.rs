//! `sesshu import persons`: persons' attributes, committed a chunk at a time.

use sesshu_core::calendar::parse_date;
use sesshu_core::identifiers::{ManagementId, SubjectNumber};
use sesshu_core::persons::{normalise_kana, normalise_name, Person, Sex};
use sesshu_core::residency::ResidencyHistory;
use sesshu_core::service::{Actor, Sesshu};

use super::{in_chunks, ImportSummary, Row, RowError, Source};

const PERSON_COLUMNS: &[&str] = &[
    "management_id",
    "subject_number",
    "name",
    "name_kana",
    "birth_date",
    "sex",
];

/// Imports persons, committing [`super::CHUNK`] good rows at a time. An
/// existing person keeps their residency history: this file holds
/// attributes only.
pub fn persons(services: &Sesshu, actor: &Actor, source: &Source) -> Result<ImportSummary, String> {
    in_chunks(source.rows(PERSON_COLUMNS)?, person, |persons| {
        services
            .import_person_details(actor, persons)
            .map_err(|e| e.to_string())
    })
}

/// Parses one person row; the residency history is left empty.
fn person(row: &Row<'_>) -> Result<Person, RowError> {
    Ok(Person {
        management_id: row.parse("management_id", ManagementId::parse)?,
        subject_number: row.parse("subject_number", SubjectNumber::parse)?,
        name: row.parse("name", normalise_name)?,
        name_kana: row.parse("name_kana", normalise_kana)?,
        birth_date: row.parse("birth_date", parse_date)?,
        sex: row.parse("sex", Sex::parse)?,
        pmh_key: row.opt("pmh_key").map(str::to_owned),
        residency: ResidencyHistory::default(),
    })
}
