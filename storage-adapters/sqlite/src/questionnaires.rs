//! Questionnaire answers (予診票).

use rusqlite::{OptionalExtension, Transaction};
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{answers_to_storage, Answers};
use sesshu_core::store::rows::QuestionnaireRow;
use sesshu_core::store::{Expected, QuestionnaireStore, StoreError, StoredQuestionnaire};

use crate::codec::Instant;
use crate::sql::check;
use crate::{backend, SqliteStore};

impl QuestionnaireStore for SqliteStore {
    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT record_id, subject, institution, version, updated_at FROM questionnaires WHERE record_id = ?1",
                [record.as_str()],
                |r| {
                    Ok(QuestionnaireRow {
                        record: r.get(0)?,
                        subject: r.get(1)?,
                        institution: r.get(2)?,
                        version: r.get(3)?,
                        updated_at: r.get::<_, Instant>(4)?.0,
                    })
                },
            )
            .optional()
            .map_err(backend)?
            .map(QuestionnaireRow::into_stored)
            .transpose()
        })
    }
}

/// Writes a record's answers at the expected version.
pub(crate) fn put_questionnaire(
    tx: &Transaction<'_>,
    record: &RecordId,
    subject: &Answers,
    institution: &Answers,
    updated_at: chrono::DateTime<chrono::Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check(
        tx,
        "questionnaire",
        "SELECT version FROM questionnaires WHERE record_id = ?1",
        record.as_str(),
        expected,
    )?;
    tx.prepare_cached(
        "INSERT INTO questionnaires (record_id, subject, institution, version, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (record_id) DO UPDATE SET subject = excluded.subject,
           institution = excluded.institution, version = excluded.version, updated_at = excluded.updated_at",
    )
    .map_err(backend)?
    .execute((
        record.as_str(),
        answers_to_storage(subject),
        answers_to_storage(institution),
        version,
        Instant(updated_at),
    ))
    .map_err(backend)?;
    Ok(version)
}
