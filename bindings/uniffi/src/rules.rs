//! The rules as functions over records. All but one are written once for
//! Kotlin/Swift and Node in `bindings/plain`; here is the one whose form
//! is this binding's own: questionnaire answers as JSON text.

use sesshu_core::questionnaire;

use crate::error::{fail, invalid, Result};

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
