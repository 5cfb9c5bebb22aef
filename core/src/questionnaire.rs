//! Pre-screening questionnaire answers (予診票回答, H-4, SPEC §5): which items
//! the medical institution changed from the subject's own answers.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use thiserror::Error;

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QuestionnaireError {
    /// Stored answers that are not in the storage format.
    #[error("stored answers cannot be read: {reason}")]
    InvalidStoredAnswers {
        /// Why.
        reason: String,
    },
    /// A number that is not a finite decimal.
    #[error("answer {item:?}: {value:?} is not a decimal number")]
    InvalidNumber {
        /// The item.
        item: String,
        /// The value as given.
        value: String,
    },
}

impl QuestionnaireError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            QuestionnaireError::InvalidNumber { .. } => "invalid_answer",
            QuestionnaireError::InvalidStoredAnswers { .. } => "invalid_stored_answers",
        }
    }
}

/// One answer to one questionnaire item.
///
/// Equality is the rule's: numbers compare by value (`36.5 == 36.50`), and
/// multi-choice answers compare as sets (order and repeats do not matter).
/// The serde form (`{"n":"36.5"}`, `{"t":"なし"}`, …) is the storage format.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum AnswerValue {
    /// Yes/no.
    #[serde(rename = "b")]
    Bool(bool),
    /// A measured or counted value, exact (体温 36.5).
    #[serde(rename = "n")]
    Number(Decimal),
    /// Free text or a single choice.
    #[serde(rename = "t")]
    Text(String),
    /// A multi-choice answer.
    #[serde(rename = "c")]
    Choices(Vec<AnswerValue>),
    /// A structured answer (sub-items).
    #[serde(rename = "g")]
    Group(BTreeMap<String, AnswerValue>),
}

impl AnswerValue {
    /// A canonical key, so that multi-choice answers can be compared as sets.
    fn canonical(&self) -> String {
        match self {
            AnswerValue::Bool(b) => format!("b:{b}"),
            AnswerValue::Number(n) => format!("n:{}", n.normalize()),
            AnswerValue::Text(t) => format!("t:{}:{t}", t.len()),
            AnswerValue::Choices(c) => {
                let set: BTreeSet<String> = c.iter().map(AnswerValue::canonical).collect();
                let inner: Vec<String> = set.into_iter().collect();
                format!("c:{}[{}]", inner.len(), inner.join(","))
            }
            AnswerValue::Group(g) => {
                let inner: Vec<String> = g
                    .iter()
                    .map(|(k, v)| format!("{}:{k}={}", k.len(), v.canonical()))
                    .collect();
                format!("g:{}{{{}}}", inner.len(), inner.join(","))
            }
        }
    }
}

impl PartialEq for AnswerValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (AnswerValue::Bool(a), AnswerValue::Bool(b)) => a == b,
            (AnswerValue::Number(a), AnswerValue::Number(b)) => a == b,
            (AnswerValue::Text(a), AnswerValue::Text(b)) => a == b,
            _ => self.canonical() == other.canonical(),
        }
    }
}

impl Eq for AnswerValue {}

/// A set of answers by item id. An item with no answer is absent (a null
/// answer is the same as no answer).
pub type Answers = BTreeMap<String, AnswerValue>;

/// The items the institution's answers modify: the value differs, or the
/// item is answered on one side only. Sorted by item id.
pub fn modified_items(subject: &Answers, institution: &Answers) -> Vec<String> {
    let keys: BTreeSet<&String> = subject.keys().chain(institution.keys()).collect();
    keys.into_iter()
        .filter(|k| subject.get(*k) != institution.get(*k))
        .cloned()
        .collect()
}

impl AnswerValue {
    /// An answer from plain JSON (`true`, `36.5`, `"なし"`, `["egg"]`,
    /// `{…}`), as forms and APIs carry them; `null` is no answer (`None`).
    pub fn from_json(
        item: &str,
        v: &serde_json::Value,
    ) -> Result<Option<Self>, QuestionnaireError> {
        use serde_json::Value as J;
        Ok(Some(match v {
            J::Null => return Ok(None),
            J::Bool(b) => AnswerValue::Bool(*b),
            J::Number(n) => {
                let text = n.to_string();
                let d = text
                    .parse::<Decimal>()
                    .or_else(|_| Decimal::from_scientific(&text))
                    .map_err(|_| QuestionnaireError::InvalidNumber {
                        item: item.to_owned(),
                        value: text.clone(),
                    })?;
                AnswerValue::Number(d)
            }
            J::String(s) => AnswerValue::Text(s.clone()),
            J::Array(items) => {
                let mut choices = Vec::with_capacity(items.len());
                for i in items {
                    choices.extend(Self::from_json(item, i)?);
                }
                AnswerValue::Choices(choices)
            }
            J::Object(map) => AnswerValue::Group(answers_from_json(map)?),
        }))
    }
}

/// A set of answers from a JSON object (null answers left out).
pub fn answers_from_json(
    map: &serde_json::Map<String, serde_json::Value>,
) -> Result<Answers, QuestionnaireError> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        if let Some(a) = AnswerValue::from_json(k, v)? {
            out.insert(k.clone(), a);
        }
    }
    Ok(out)
}

impl AnswerValue {
    /// The answer as plain JSON, the form [`AnswerValue::from_json`] reads:
    /// a number is a JSON number, exact for integers that fit 64 bits and
    /// otherwise the nearest double (`36.5`; a scale such as `36.50` is not
    /// kept, and the rule compares numbers by value).
    pub fn to_json(&self) -> serde_json::Value {
        use rust_decimal::prelude::ToPrimitive;
        use serde_json::Value as J;
        match self {
            AnswerValue::Bool(b) => J::Bool(*b),
            AnswerValue::Number(n) => {
                let n = n.normalize();
                if n.scale() == 0 {
                    if let Some(i) = n.to_i64() {
                        return J::from(i);
                    }
                }
                n.to_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| J::String(n.to_string()), J::Number)
            }
            AnswerValue::Text(t) => J::String(t.clone()),
            AnswerValue::Choices(c) => J::Array(c.iter().map(AnswerValue::to_json).collect()),
            AnswerValue::Group(g) => J::Object(answers_to_json(g)),
        }
    }
}

/// A set of answers as a plain JSON object (the reverse of
/// [`answers_from_json`]).
pub fn answers_to_json(answers: &Answers) -> serde_json::Map<String, serde_json::Value> {
    answers
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect()
}

/// The storage form of a set of answers (JSON text).
pub fn answers_to_storage(answers: &Answers) -> String {
    serde_json::to_string(answers).unwrap_or_else(|_| "{}".to_owned())
}

/// Reads the storage form back.
pub fn answers_from_storage(text: &str) -> Result<Answers, QuestionnaireError> {
    serde_json::from_str(text).map_err(|e| QuestionnaireError::InvalidStoredAnswers {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> AnswerValue {
        AnswerValue::Text(s.into())
    }

    #[test]
    fn sets_and_numbers() {
        let a = AnswerValue::Choices(vec![t("egg"), t("milk"), t("egg")]);
        let b = AnswerValue::Choices(vec![t("milk"), t("egg")]);
        assert_eq!(a, b);
        assert_eq!(
            AnswerValue::Number(Decimal::new(365, 1)),
            AnswerValue::Number(Decimal::new(3650, 2))
        );
        assert_ne!(t("1"), AnswerValue::Number(Decimal::ONE));
        assert_ne!(
            AnswerValue::Choices(vec![t("a,b")]),
            AnswerValue::Choices(vec![t("a"), t("b")])
        );
        let subject: Answers = [("fever".into(), t("no")), ("note".into(), t("なし"))].into();
        let institution: Answers = [("fever".into(), t("yes"))].into();
        assert_eq!(modified_items(&subject, &institution), ["fever", "note"]);
        let mut all = subject.clone();
        all.insert("t".into(), AnswerValue::Number(Decimal::new(365, 1)));
        all.insert(
            "c".into(),
            AnswerValue::Choices(vec![t("egg"), AnswerValue::Bool(true)]),
        );
        assert_eq!(answers_from_storage(&answers_to_storage(&all)), Ok(all));
    }
}
