//! The rules as synchronous JavaScript functions over plain objects. All
//! but two are written once for Node and Kotlin/Swift in `bindings/plain`;
//! here are the ones whose JavaScript form is its own: questionnaire answers
//! as JavaScript objects, and the bank-account book as a class.

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;
use sesshu_core::questionnaire;

use crate::error::{fail, invalid, Code};
use crate::plain::rules::{
    ActiveAccount, Application, BankAccountDraft, Book, Notification, ZenginEntry,
};

/// One side's answers from a JavaScript object (`null` answers left out).
/// Read here rather than by napi-rs, so that what is not plain data
/// (`undefined`, `NaN`, a function) is `invalid_answer` too, not `null`.
pub(crate) fn answers_in(env: &Env, v: Unknown<'_>) -> napi::Result<questionnaire::Answers, Code> {
    let questionnaire::PlainJson(value) = env
        .from_js_value(v)
        .map_err(|e| invalid("invalid_answer", format!("answers: {}", e.reason)))?;
    match value {
        serde_json::Value::Object(m) => questionnaire::answers_from_json(&m).map_err(fail),
        _ => Err(invalid("invalid_answer", "answers must be an object")),
    }
}

/// The questionnaire items the institution modified (SPEC §5), sorted.
#[napi]
pub fn modified_items(
    env: Env,
    #[napi(ts_arg_type = "Record<string, unknown>")] subject: Unknown<'_>,
    #[napi(ts_arg_type = "Record<string, unknown>")] institution: Unknown<'_>,
) -> napi::Result<Vec<String>, Code> {
    Ok(questionnaire::modified_items(
        &answers_in(&env, subject)?,
        &answers_in(&env, institution)?,
    ))
}

/// Medical institutions' bank-account applications, in memory (SPEC §10).
#[napi]
pub struct BankAccountBook(Book);

#[napi]
impl BankAccountBook {
    /// A book checking accounts against the zengin master.
    #[napi(constructor)]
    pub fn new(zengin_master: Vec<ZenginEntry>) -> napi::Result<Self, Code> {
        Book::new(&zengin_master).map(BankAccountBook)
    }

    /// Registers an institution and its federation.
    #[napi]
    pub fn add_institution(&mut self, code: String, federation: String) -> napi::Result<(), Code> {
        self.0.add_institution(&code, &federation)
    }

    /// Loads an active account (validated like an application).
    #[napi]
    pub fn set_active(
        &mut self,
        institution: String,
        usage: String,
        account: BankAccountDraft,
    ) -> napi::Result<(), Code> {
        self.0.set_active(&institution, &usage, &account)
    }

    /// `actor` applies for `institution`.
    #[napi]
    pub fn apply(
        &mut self,
        actor: String,
        institution: String,
        application_id: String,
        usage: String,
        account: BankAccountDraft,
    ) -> napi::Result<(), Code> {
        self.0
            .apply(&actor, &institution, &application_id, &usage, &account)
    }

    /// The federation approves.
    #[napi]
    pub fn approve(&mut self, actor: String, application_id: String) -> napi::Result<(), Code> {
        self.0.approve(&actor, &application_id)
    }

    /// The federation rejects with a reason 1–7 (7 needs a note).
    #[napi]
    pub fn reject(
        &mut self,
        actor: String,
        application_id: String,
        reason: Option<i64>,
        note: Option<String>,
    ) -> napi::Result<(), Code> {
        self.0
            .reject(&actor, &application_id, reason, note.as_deref())
    }

    /// The applicant deletes a pending application.
    #[napi]
    pub fn delete(&mut self, actor: String, application_id: String) -> napi::Result<(), Code> {
        self.0.delete(&actor, &application_id)
    }

    /// Applications in the order made.
    #[napi]
    pub fn applications(&self) -> Vec<Application> {
        self.0.applications()
    }

    /// Active accounts.
    #[napi]
    pub fn active(&self) -> Vec<ActiveAccount> {
        self.0.active()
    }

    /// Notifications in order.
    #[napi]
    pub fn notifications(&self) -> Vec<Notification> {
        self.0.notifications()
    }
}
