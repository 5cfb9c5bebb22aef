//! Questionnaire answers (予診票) as stored.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::identifiers::RecordId;
use crate::questionnaire::Answers;

/// Questionnaire answers for one vaccination, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuestionnaire {
    /// The record the questionnaire belongs to.
    pub record: RecordId,
    /// 予診票回答（接種対象者）.
    pub subject: Answers,
    /// 予診票回答（医療機関）.
    pub institution: Answers,
    /// Row version, from 1.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The reads of questionnaire answers.
pub trait QuestionnaireStore: Send + Sync {
    /// The questionnaire answers of a record.
    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError>;
    /// The questionnaire answers of several records: those that have any,
    /// in no particular order. The default asks [`QuestionnaireStore::questionnaire`]
    /// for each; an engine reached over the network answers in one trip.
    fn questionnaires(&self, records: &[RecordId]) -> Result<Vec<StoredQuestionnaire>, StoreError> {
        let mut out = Vec::new();
        for r in records {
            out.extend(self.questionnaire(r)?);
        }
        Ok(out)
    }
}
