//! Pre-screening questionnaire answers (予診票回答, H-4, SPEC §5): which items
//! the medical institution changed from the subject's own answers.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use thiserror::Error;

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QuestionnaireError {
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
        }
    }
}

/// One answer to one questionnaire item.
///
/// Equality is the rule's: numbers compare by value (`36.5 == 36.50`), and
/// multi-choice answers compare as sets (order and repeats do not matter).
#[derive(Debug, Clone)]
pub enum AnswerValue {
    /// Yes/no.
    Bool(bool),
    /// A measured or counted value, exact (体温 36.5).
    Number(Decimal),
    /// Free text or a single choice.
    Text(String),
    /// A multi-choice answer.
    Choices(Vec<AnswerValue>),
    /// A structured answer (sub-items).
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
    }
}
