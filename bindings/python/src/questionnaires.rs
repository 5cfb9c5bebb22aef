//! Pre-screening questionnaire answers (予診票回答, H-4) stored with their
//! record: the medical institution writes them, staff read them with the
//! items the institution changed. Answers are plain Python values: `bool`,
//! numbers (`int`, `float`, `Decimal` in; `Decimal` out), `str`, lists of
//! choices and dicts of sub-items.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{AnswerValue, Answers};

use crate::accounts::{actor_in, Actor};
use crate::error::to_py;
use crate::rules::answers;
use crate::store::{staff, Sesshu};

/// 予診票: a record's answers as staff see them (SPEC §5).
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct Questionnaire {
    /// The vaccination record.
    pub record: String,
    /// 予診票回答（接種対象者）: the subject's own answers.
    pub subject: Py<PyDict>,
    /// 予診票回答（医療機関）: the institution's answers, which staff go by.
    pub institution: Py<PyDict>,
    /// The items the institution changed, sorted.
    pub modified: Vec<String>,
}

fn answer_out<'py>(py: Python<'py>, v: &AnswerValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        AnswerValue::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        AnswerValue::Number(n) => n.into_pyobject(py)?.into_any(),
        AnswerValue::Text(t) => t.into_pyobject(py)?.into_any(),
        AnswerValue::Choices(c) => {
            let items = c
                .iter()
                .map(|a| answer_out(py, a))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        AnswerValue::Group(g) => answers_out(py, g)?.into_any(),
    })
}

fn answers_out<'py>(py: Python<'py>, a: &Answers) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in a {
        d.set_item(k, answer_out(py, v)?)?;
    }
    Ok(d)
}

#[pymethods]
impl Sesshu {
    /// Stores a record's answers, the subject's and the institution's: the
    /// institution that gave the vaccination or the responsible municipality
    /// may. Returns "created", "updated" or "unchanged" (the same answers
    /// again write nothing). A `None` answer is no answer.
    fn put_questionnaire(
        &self,
        py: Python<'_>,
        actor: Actor,
        record_id: &str,
        subject: &Bound<'_, PyDict>,
        institution: &Bound<'_, PyDict>,
    ) -> PyResult<&'static str> {
        let actor = actor_in(&actor)?;
        let record = RecordId::parse(record_id).map_err(to_py)?;
        let (subject, institution) = (answers(subject)?, answers(institution)?);
        let s = self.0.clone();
        py.detach(move || s.put_questionnaire(&actor, &record, subject, institution))
            .map(|o| o.as_str())
            .map_err(to_py)
    }

    /// A record's answers as the municipality's staff see them: visible under
    /// the record's rule (SPEC §3), NotFoundError otherwise. Logged.
    fn questionnaire(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        record_id: &str,
    ) -> PyResult<Questionnaire> {
        let actor = staff(municipality, user)?;
        let record = RecordId::parse(record_id).map_err(to_py)?;
        let s = self.0.clone();
        let view = py
            .detach(move || s.questionnaire(&actor, &record))
            .map_err(to_py)?;
        Ok(Questionnaire {
            record: view.record.to_string(),
            subject: answers_out(py, &view.subject)?.unbind(),
            institution: answers_out(py, &view.institution)?.unbind(),
            modified: view.modified,
        })
    }
}

/// Registers the questionnaire class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Questionnaire>()
}
