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
use crate::plain::records::staff;
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
        actor: Actor,
        record_id: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] subject: serde_json::Value,
        #[napi(ts_arg_type = "Record<string, unknown>")] institution: serde_json::Value,
    ) -> napi::Result<AsyncTask<Job<service::PutOutcome, String>>, Code> {
        let actor = actor_in(&actor)?;
        let record = RecordId::parse(&record_id).map_err(fail)?;
        let (subject, institution) = (answers_in(&subject)?, answers_in(&institution)?);
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
}
