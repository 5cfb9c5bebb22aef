//! The rules as functions over records. All but two are written once for
//! Kotlin/Swift and Node in `bindings/plain`; here are the ones whose form
//! is this binding's own: questionnaire answers as JSON text, and the
//! bank-account book as an object apps may share between threads.

use std::sync::{Mutex, MutexGuard, PoisonError};

use sesshu_core::questionnaire;

use crate::error::{fail, invalid, Result};
use crate::plain::rules::{
    ActiveAccount, Application, BankAccountDraft, Book, Notification, ZenginEntry,
};

/// The questionnaire items the institution modified (SPEC §5), sorted.
/// Answers are JSON objects as the questionnaire forms carry them (answers
/// are dynamic: booleans, numbers, text, choices, groups).
#[uniffi::export]
pub fn modified_items(subject_json: String, institution_json: String) -> Result<Vec<String>> {
    Ok(questionnaire::modified_items(
        &answers_in(&subject_json)?,
        &answers_in(&institution_json)?,
    ))
}

/// One side's answers from JSON text (`null` answers left out).
pub(crate) fn answers_in(text: &str) -> Result<questionnaire::Answers> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) => questionnaire::answers_from_json(&m).map_err(fail),
        _ => Err(invalid("invalid_answer", "answers must be a JSON object")),
    }
}

/// Medical institutions' bank-account applications, in memory (SPEC §10).
#[derive(uniffi::Object)]
pub struct BankAccountBook(Mutex<Book>);

impl BankAccountBook {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl BankAccountBook {
    /// A book checking accounts against the zengin master.
    #[uniffi::constructor]
    pub fn new(zengin_master: Vec<ZenginEntry>) -> Result<Self> {
        Ok(BankAccountBook(Mutex::new(Book::new(&zengin_master)?)))
    }

    /// Registers an institution and its federation.
    pub fn add_institution(&self, code: String, federation: String) -> Result<()> {
        self.book().add_institution(&code, &federation)
    }

    /// Loads an active account (validated like an application).
    pub fn set_active(
        &self,
        institution: String,
        usage: String,
        account: BankAccountDraft,
    ) -> Result<()> {
        self.book().set_active(&institution, &usage, &account)
    }

    /// `actor` applies for `institution`.
    pub fn apply(
        &self,
        actor: String,
        institution: String,
        application_id: String,
        usage: String,
        account: BankAccountDraft,
    ) -> Result<()> {
        self.book()
            .apply(&actor, &institution, &application_id, &usage, &account)
    }

    /// The federation approves.
    pub fn approve(&self, actor: String, application_id: String) -> Result<()> {
        self.book().approve(&actor, &application_id)
    }

    /// The federation rejects with a reason 1–7 (7 needs a note).
    pub fn reject(
        &self,
        actor: String,
        application_id: String,
        reason: Option<i64>,
        note: Option<String>,
    ) -> Result<()> {
        self.book()
            .reject(&actor, &application_id, reason, note.as_deref())
    }

    /// The applicant deletes a pending application.
    pub fn delete(&self, actor: String, application_id: String) -> Result<()> {
        self.book().delete(&actor, &application_id)
    }

    /// Applications in the order made.
    pub fn applications(&self) -> Vec<Application> {
        self.book().applications()
    }

    /// Active accounts.
    pub fn active(&self) -> Vec<ActiveAccount> {
        self.book().active()
    }

    /// Notifications in order.
    pub fn notifications(&self) -> Vec<Notification> {
        self.book().notifications()
    }
}
