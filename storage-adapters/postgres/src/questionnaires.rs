//! Questionnaire answers (予診票).

use postgres::{Row, Transaction};
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{answers_to_storage, Answers};
use sesshu_core::store::rows::QuestionnaireRow;
use sesshu_core::store::{Expected, QuestionnaireStore, StoreError, StoredQuestionnaire};

use crate::sql::check_sql;
use crate::{backend, Column, PostgresStore};

const QUESTIONNAIRE_SELECT: &str =
    "SELECT record_id, subject, institution, version, updated_at FROM questionnaires";

/// A row of [`QUESTIONNAIRE_SELECT`].
fn questionnaire_row(r: &Row) -> Result<QuestionnaireRow, StoreError> {
    Ok(QuestionnaireRow {
        record: r.col(0)?,
        subject: r.col(1)?,
        institution: r.col(2)?,
        version: r.col(3)?,
        updated_at: r.col(4)?,
    })
}

impl QuestionnaireStore for PostgresStore {
    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError> {
        self.client()?
            .query_opt(
                &format!("{QUESTIONNAIRE_SELECT} WHERE record_id = $1"),
                &[&record.as_str()],
            )?
            .map(|r| questionnaire_row(&r)?.into_stored())
            .transpose()
    }

    fn questionnaires(&self, records: &[RecordId]) -> Result<Vec<StoredQuestionnaire>, StoreError> {
        let ids: Vec<&str> = records.iter().map(RecordId::as_str).collect();
        self.client()?
            .query(
                &format!("{QUESTIONNAIRE_SELECT} WHERE record_id = ANY($1)"),
                &[&ids],
            )?
            .iter()
            .map(|r| questionnaire_row(r)?.into_stored())
            .collect()
    }
}

/// Writes a record's answers at the expected version.
pub(crate) fn put_questionnaire(
    tx: &mut Transaction<'_>,
    record: &RecordId,
    subject: &Answers,
    institution: &Answers,
    updated_at: chrono::DateTime<chrono::Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check_sql(
        tx,
        "questionnaire",
        "SELECT version FROM questionnaires WHERE record_id = $1 FOR UPDATE",
        record.as_str(),
        expected,
    )?;
    tx.execute(
        "INSERT INTO questionnaires (record_id, subject, institution, version, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (record_id) DO UPDATE SET subject = excluded.subject,
           institution = excluded.institution, version = excluded.version, updated_at = excluded.updated_at",
        &[
            &record.as_str(),
            &answers_to_storage(subject),
            &answers_to_storage(institution),
            &version,
            &updated_at,
        ],
    )
    .map_err(backend)?;
    Ok(version)
}
