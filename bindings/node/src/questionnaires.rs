//! Pre-screening questionnaire answers (予診票回答, H-4) stored with their
//! record: the medical institution writes them, staff read them with the
//! items the institution changed. Answers are plain JavaScript objects
//! (booleans, numbers, strings, arrays of choices, nested objects).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::answers_to_json;
use sesshu_core::service::{self, QuestionnaireView};

use crate::error::{fail, Code, Job};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::records::{download, paged_query, person_out, record_out, staff};
use crate::plain::records::{Person, QueryOptions, Record};
use crate::rules::answers_in;
use crate::store::Sesshu;

/// 予診票: a record's answers as staff see them (SPEC §5).
#[napi(object)]
pub struct Questionnaire {
    /// The vaccination record.
    pub record: String,
    /// 予診票回答（接種対象者）: the subject's own answers.
    #[napi(ts_type = "Record<string, unknown>")]
    pub subject: serde_json::Value,
    /// 予診票回答（医療機関）: the institution's answers, which staff go by.
    #[napi(ts_type = "Record<string, unknown>")]
    pub institution: serde_json::Value,
    /// The items the institution changed, sorted.
    pub modified: Vec<String>,
}

/// A line of the questionnaire list: a record with answers, and its person.
#[napi(object)]
pub struct QuestionnaireRow {
    pub person: Person,
    pub record: Record,
    pub answers: Questionnaire,
}

/// A page of the questionnaire list.
#[napi(object)]
pub struct QuestionnairePage {
    /// May be empty while there is a next page.
    pub rows: Vec<QuestionnaireRow>,
    /// Pass as `after` for the next page; absent at the end.
    pub next: Option<String>,
}

fn page_out(page: service::QuestionnairePage) -> QuestionnairePage {
    QuestionnairePage {
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
    }
}

fn questionnaire_out(v: QuestionnaireView) -> Questionnaire {
    Questionnaire {
        record: v.record.to_string(),
        subject: serde_json::Value::Object(answers_to_json(&v.subject)),
        institution: serde_json::Value::Object(answers_to_json(&v.institution)),
        modified: v.modified,
    }
}

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// Stores a record's answers, the subject's and the institution's: the
    /// institution that gave the vaccination or the responsible municipality
    /// may. Resolves to created/updated/unchanged (the same answers again
    /// write nothing). A `null` answer is no answer.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn put_questionnaire(
        &self,
        env: Env,
        actor: Actor,
        record_id: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] subject: Unknown<'_>,
        #[napi(ts_arg_type = "Record<string, unknown>")] institution: Unknown<'_>,
    ) -> napi::Result<AsyncTask<Job<service::PutOutcome, String>>, Code> {
        let actor = actor_in(&actor)?;
        let record = RecordId::parse(&record_id).map_err(fail)?;
        let (subject, institution) = (answers_in(&env, subject)?, answers_in(&env, institution)?);
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.put_questionnaire(&actor, &record, subject, institution),
            |o| o.as_str().to_owned(),
        ))
    }

    /// A record's answers as the municipality's staff see them: visible
    /// under the record's rule (SPEC §3), `not_found` otherwise. Logged.
    #[napi(ts_return_type = "Promise<Questionnaire>")]
    pub fn questionnaire(
        &self,
        municipality: String,
        user: String,
        record_id: String,
    ) -> napi::Result<AsyncTask<Job<QuestionnaireView, Questionnaire>>, Code> {
        let actor = staff(&municipality, &user)?;
        let record = RecordId::parse(&record_id).map_err(fail)?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.questionnaire(&actor, &record),
            questionnaire_out,
        ))
    }

    /// One page of the questionnaire list (予診票回答一覧), searched like
    /// `queryRecords`.
    #[napi(ts_return_type = "Promise<QuestionnairePage>")]
    pub fn query_questionnaires(
        &self,
        municipality: String,
        user: String,
        options: Option<QueryOptions>,
    ) -> napi::Result<AsyncTask<Job<service::QuestionnairePage, QuestionnairePage>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (q, after, per_page) = paged_query(&options.unwrap_or_default())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.query_questionnaires(&actor, &q, after.as_ref(), per_page),
            page_out,
        ))
    }

    /// 予診票回答ダウンロード: the list as CSV bytes, one line per record and
    /// item (UTF-8 with BOM, or Shift_JIS, as `exportRecordsCsv`).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn export_questionnaires_csv(
        &self,
        municipality: String,
        user: String,
        options: Option<QueryOptions>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>, Code> {
        let actor = staff(&municipality, &user)?;
        let (q, options) = download(&options.unwrap_or_default())?;
        let s = self.inner.clone();
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_questionnaires_csv(&actor, &q, options, &mut out)
                    .map(|_| out)
            },
            Buffer::from,
        ))
    }
}
