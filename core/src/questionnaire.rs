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

/// Plain JSON read from any serde data source — how a binding reads answers
/// from its language's own values — refusing what JSON cannot hold: a
/// number that is not finite (`NaN`, `Infinity`), which would otherwise
/// become `null` and so, silently, no answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainJson(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for PlainJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PlainVisitor).map(PlainJson)
    }
}

struct PlainVisitor;

impl<'de> serde::de::Visitor<'de> for PlainVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("plain data: booleans, finite numbers, text, arrays and objects")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(n.into())
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(n.into())
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .ok_or_else(|| E::custom(format!("{n} is not a finite number")))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(serde_json::Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(serde_json::Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(PlainJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((k, PlainJson(v))) = map.next_entry::<String, PlainJson>()? {
            out.insert(k, v);
        }
        Ok(serde_json::Value::Object(out))
    }
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
    fn plain_json_refuses_what_json_cannot_hold() {
        use serde::de::IntoDeserializer;
        use serde::Deserialize;
        let read = |n: f64| {
            PlainJson::deserialize(
                IntoDeserializer::<serde::de::value::Error>::into_deserializer(n),
            )
        };
        assert_eq!(read(36.5).map(|p| p.0), Ok(serde_json::json!(36.5)));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(read(bad).is_err(), "{bad}");
        }
        // Any other source of plain data reads as it is.
        let text = r#"{"a": [1, -2, 3.5, "x", null, true], "b": {"c": {}}}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let plain: PlainJson = serde_json::from_str(text).unwrap();
        assert_eq!(plain.0, value);
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
