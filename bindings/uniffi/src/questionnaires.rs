//! Pre-screening questionnaire answers (予診票回答, H-4) stored with their
//! record: the medical institution writes them, staff read them with the
//! items the institution changed. Answers cross as JSON text, the form the
//! questionnaire forms carry (booleans, numbers, text, choices, groups).

use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{answers_to_json, Answers};
use sesshu_core::service::QuestionnaireView;

use crate::error::{fail, Result};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::records::{download, paged_query, person_out, record_out, staff};
use crate::plain::records::{Person, QueryOptions, Record};
use crate::rules::answers_in;
use crate::store::Sesshu;

/// 予診票: a record's answers as staff see them (SPEC §5).
#[derive(uniffi::Record)]
pub struct Questionnaire {
    /// The vaccination record.
    pub record: String,
    /// 予診票回答（接種対象者）: the subject's own answers, a JSON object.
    pub subject_json: String,
    /// 予診票回答（医療機関）: the institution's answers, a JSON object.
    pub institution_json: String,
    /// The items the institution changed, sorted.
    pub modified: Vec<String>,
}

/// A line of the questionnaire list: a record with answers, and its person.
#[derive(uniffi::Record)]
pub struct QuestionnaireRow {
    pub person: Person,
    pub record: Record,
    pub answers: Questionnaire,
}

/// A page of the questionnaire list.
#[derive(uniffi::Record)]
pub struct QuestionnairePage {
    /// May be empty while there is a next page.
    pub rows: Vec<QuestionnaireRow>,
    /// Pass as `after` for the next page; absent at the end.
    pub next: Option<String>,
}

fn json_text(a: &Answers) -> String {
    serde_json::Value::Object(answers_to_json(a)).to_string()
}

fn questionnaire_out(v: QuestionnaireView) -> Questionnaire {
    Questionnaire {
        record: v.record.to_string(),
        subject_json: json_text(&v.subject),
        institution_json: json_text(&v.institution),
        modified: v.modified,
    }
}

#[uniffi::export]
impl Sesshu {
    /// Stores a record's answers (JSON objects), the subject's and the
    /// institution's: the institution that gave the vaccination or the
    /// responsible municipality may. Returns created/updated/unchanged (the
    /// same answers again write nothing). A `null` answer is no answer.
    pub fn put_questionnaire(
        &self,
        actor: Actor,
        record_id: String,
        subject_json: String,
        institution_json: String,
    ) -> Result<String> {
        let actor = actor_in(&actor)?;
        let record = RecordId::parse(&record_id).map_err(fail)?;
        let (subject, institution) = (answers_in(&subject_json)?, answers_in(&institution_json)?);
        self.inner
            .put_questionnaire(&actor, &record, subject, institution)
            .map(|o| o.as_str().to_owned())
            .map_err(fail)
    }

    /// A record's answers as the municipality's staff see them: visible
    /// under the record's rule (SPEC §3), `not_found` otherwise. Logged.
    pub fn questionnaire(
        &self,
        municipality: String,
        user: String,
        record_id: String,
    ) -> Result<Questionnaire> {
        let actor = staff(&municipality, &user)?;
        let record = RecordId::parse(&record_id).map_err(fail)?;
        let v = self.inner.questionnaire(&actor, &record).map_err(fail)?;
        Ok(questionnaire_out(v))
    }

    /// One page of the questionnaire list (予診票回答一覧), searched like
    /// `queryRecords`.
    pub fn query_questionnaires(
        &self,
        municipality: String,
        user: String,
        options: QueryOptions,
    ) -> Result<QuestionnairePage> {
        let actor = staff(&municipality, &user)?;
        let (q, after, per_page) = paged_query(&options)?;
        let page = self
            .inner
            .query_questionnaires(&actor, &q, after.as_ref(), per_page)
            .map_err(fail)?;
        Ok(QuestionnairePage {
            rows: page
                .rows
                .into_iter()
                .map(|r| QuestionnaireRow {
                    person: person_out(&r.row.person),
                    record: record_out(&r.row.record.record),
                    answers: questionnaire_out(r.answers),
                })
                .collect(),
            next: page.next.map(|n| n.to_string()),
        })
    }

    /// 予診票回答ダウンロード: the list as CSV bytes, one line per record and
    /// item (UTF-8 with BOM, or Shift_JIS, as `exportRecordsCsv`).
    pub fn export_questionnaires_csv(
        &self,
        municipality: String,
        user: String,
        options: QueryOptions,
    ) -> Result<Vec<u8>> {
        let actor = staff(&municipality, &user)?;
        let (q, options) = download(&options)?;
        let mut out = Vec::new();
        self.inner
            .export_questionnaires_csv(&actor, &q, options, &mut out)
            .map_err(fail)?;
        Ok(out)
    }
}
