//! Pre-screening questionnaire answers (予診票回答, H-4) stored with their
//! record: the medical institution writes them, staff read them with the
//! items the institution changed. Answers are plain Python values: `bool`,
//! numbers (`int`, `float`, `Decimal` in; `Decimal` out), `str`, lists of
//! choices and dicts of sub-items.

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use sesshu_core::identifiers::RecordId;
use sesshu_core::questionnaire::{AnswerValue, Answers};
use sesshu_core::service::QuestionnaireView;

use crate::error::to_py;
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::records::{download, paged_query, person_out, record_out, staff};
use crate::plain::records::{Person, QueryOptions, Record};
use crate::rules::answers;
use crate::store::{search, Sesshu};

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

/// A line of the questionnaire list: a record with answers, and its person.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct QuestionnaireRow {
    pub person: Person,
    pub record: Record,
    pub answers: Py<Questionnaire>,
}

fn questionnaire_out(py: Python<'_>, view: QuestionnaireView) -> PyResult<Questionnaire> {
    Ok(Questionnaire {
        record: view.record.to_string(),
        subject: answers_out(py, &view.subject)?.unbind(),
        institution: answers_out(py, &view.institution)?.unbind(),
        modified: view.modified,
    })
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
        subject: &Bound<'_, PyAny>,
        institution: &Bound<'_, PyAny>,
    ) -> PyResult<&'static str> {
        let actor = actor_in(&actor)?;
        let record = RecordId::parse(record_id).map_err(to_py)?;
        let (subject, institution) = (answers(subject)?, answers(institution)?);
        self.run(py, |s| {
            s.put_questionnaire(&actor, &record, subject, institution)
        })
        .map(|o| o.as_str())
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
        let view = self.run(py, |s| s.questionnaire(&actor, &record))?;
        questionnaire_out(py, view)
    }

    /// One page of the questionnaire list (予診票回答一覧), searched like
    /// `query_records`: (rows, the `after` key of the next page or None). A
    /// page may be empty while there is a next one.
    #[pyo3(signature = (municipality, user, *, subject_number=None, kana_prefix=None, birth_date=None, vaccine=None, vaccinated_from=None, vaccinated_to=None, after=None, persons_per_page=100))]
    #[allow(clippy::too_many_arguments)]
    fn query_questionnaires(
        &self,
        py: Python<'_>,
        municipality: &str,
        user: &str,
        subject_number: Option<String>,
        kana_prefix: Option<String>,
        birth_date: Option<NaiveDate>,
        vaccine: Option<String>,
        vaccinated_from: Option<NaiveDate>,
        vaccinated_to: Option<NaiveDate>,
        after: Option<String>,
        persons_per_page: u32,
    ) -> PyResult<(Vec<QuestionnaireRow>, Option<String>)> {
        let actor = staff(municipality, user)?;
        let (q, after, per_page) = paged_query(&QueryOptions {
            after,
            persons_per_page: Some(persons_per_page),
            ..search(
                subject_number,
                kana_prefix,
                birth_date,
                vaccine,
                vaccinated_from,
                vaccinated_to,
            )
        })?;
        let page = self.run(py, |s| {
            s.query_questionnaires(&actor, &q, after.as_ref(), per_page)
        })?;
        let rows = page
            .rows
            .into_iter()
            .map(|r| {
                Ok(QuestionnaireRow {
                    person: person_out(&r.row.person),
                    record: record_out(&r.row.record.record),
                    answers: Py::new(py, questionnaire_out(py, r.answers)?)?,
                })
            })
            .collect::<PyResult<_>>()?;
        Ok((rows, page.next.map(|n| n.to_string())))
    }

    /// 予診票回答ダウンロード: the list as CSV bytes, one line per record and
    /// item, with the encodings of `export_records_csv`.
    #[pyo3(signature = (municipality, user, *, encoding=None, replacement=None, subject_number=None, kana_prefix=None, vaccine=None))]
    #[allow(clippy::too_many_arguments)]
    fn export_questionnaires_csv<'py>(
        &self,
        py: Python<'py>,
        municipality: &str,
        user: &str,
        encoding: Option<String>,
        replacement: Option<String>,
        subject_number: Option<String>,
        kana_prefix: Option<String>,
        vaccine: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let actor = staff(municipality, user)?;
        let (q, options) = download(&QueryOptions {
            encoding,
            replacement,
            ..search(subject_number, kana_prefix, None, vaccine, None, None)
        })?;
        let mut out = Vec::new();
        self.run(py, |s| {
            s.export_questionnaires_csv(&actor, &q, options, &mut out)
        })?;
        Ok(PyBytes::new(py, &out))
    }
}
