//! The rules as synchronous JavaScript functions over plain objects. All
//! but one are written once for Node and Kotlin/Swift in `bindings/plain`;
//! here is the one whose JavaScript form is its own: questionnaire answers
//! as JavaScript objects.

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;
use sesshu_core::questionnaire;

use crate::error::{fail, invalid, Code};

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
