//! `sesshu import records`: vaccination records, committed a chunk at a time.

use sesshu_core::calendar::parse_date;
use sesshu_core::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, VaccineCode,
};
use sesshu_core::records::{dose_number, lot_number, Category, VaccinationRecord};
use sesshu_core::service::{Actor, Sesshu};

use super::{in_chunks, ImportSummary, Row, RowError, Source};

const RECORD_COLUMNS: &[&str] = &[
    "id",
    "management_id",
    "responsible",
    "category",
    "vaccine",
    "dose_number",
    "date",
];

/// Imports vaccination records, committing [`super::CHUNK`] good rows at a
/// time.
pub fn records(services: &Sesshu, actor: &Actor, source: &Source) -> Result<ImportSummary, String> {
    in_chunks(source.rows(RECORD_COLUMNS)?, record, |records| {
        services
            .import_records(actor, records)
            .map_err(|e| e.to_string())
    })
}

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
