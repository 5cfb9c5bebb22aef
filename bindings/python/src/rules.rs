//! The rules, as Python functions and classes. The records and the plain
//! rule functions are the shared ones (`bindings/plain`, ADR 0011); here
//! are Python's constructors for them and what is Python's own: classes
//! that hold a built rule (`ResidencyHistory`, `RecordAccess`,
//! `PasswordPolicy`, `InactivitySchedule`), keyword
//! defaults, and questionnaire answers as dicts. No rule here.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rust_decimal::Decimal;
use sesshu_core::{accounts, delivery, identifiers as id, questionnaire, records, residency};

use crate::error::{invalid, to_py, Aware};
use crate::plain::rules::{self as plain, Access, AdministratorRow, BankAccountDraft};
use crate::plain::rules::{OrganisationRow, RecordFacts, ResidencyInterval, TravelDetails};

fn municipality(code: &str) -> PyResult<id::MunicipalityCode> {
    id::MunicipalityCode::parse(code).map_err(to_py)
}

#[pymethods]
impl ResidencyInterval {
    #[new]
    #[pyo3(signature = (municipality, start, end=None))]
    fn new(municipality: String, start: NaiveDate, end: Option<NaiveDate>) -> Self {
        ResidencyInterval {
            municipality,
            from: start,
            to: end,
        }
    }

    #[getter]
    fn municipality(&self) -> &str {
        &self.municipality
    }

    #[getter]
    fn start(&self) -> NaiveDate {
        self.from
    }

    #[getter]
    fn end(&self) -> Option<NaiveDate> {
        self.to
    }
}

py_new!(RecordFacts {
    responsible: String,
    category: String,
    erroneous: bool = false
});
py_new!(TravelDetails {
    passport_number: String,
    nationality: String,
    name_roman: String
});
py_new!(OrganisationRow {
    code: String,
    issuance: String,
    delegation: Option<String> = None,
    union: Option<String> = None,
    email: Option<String> = None,
    admin_name: Option<String> = None,
});
py_new!(AdministratorRow {
    org_code: String,
    org_type: String,
    issuance: String,
    email: Option<String> = None,
    admin_name: Option<String> = None,
});
py_new!(BankAccountDraft {
    account_class: String,
    bank: String,
    branch: String,
    deposit_type: String,
    number: String,
    holder: String,
});

/// A validated residency history (住民記録の異動履歴).
#[pyclass(module = "sesshu", frozen)]
pub struct ResidencyHistory(pub residency::ResidencyHistory);

#[pymethods]
impl ResidencyHistory {
    #[new]
    fn new(intervals: Vec<ResidencyInterval>) -> PyResult<Self> {
        plain::history(&intervals)
            .map(ResidencyHistory)
            .map_err(to_py)
    }

    /// "current", "former" or "never".
    fn status(&self, municipality_code: &str, date: NaiveDate) -> PyResult<&'static str> {
        Ok(
            match self.0.status(municipality(municipality_code)?, date) {
                residency::ResidenceStatus::Current => "current",
                residency::ResidenceStatus::Former => "former",
                residency::ResidenceStatus::Never => "never",
            },
        )
    }

    /// The municipality of residence on `date`, if any.
    fn municipality_on(&self, date: NaiveDate) -> Option<String> {
        self.0.municipality_on(date).map(|m| m.to_string())
    }

    /// The intervals, sorted.
    fn intervals(&self) -> Vec<ResidencyInterval> {
        plain::intervals_of(&self.0)
    }
}

/// The access rule for one person, municipality and date (SPEC §3).
#[pyclass(module = "sesshu", frozen)]
pub struct RecordAccess(records::RecordAccess);

#[pymethods]
impl RecordAccess {
    #[new]
    fn new(history: &ResidencyHistory, municipality_code: &str, date: NaiveDate) -> PyResult<Self> {
        Ok(RecordAccess(records::RecordAccess::new(
            &history.0,
            municipality(municipality_code)?,
            date,
        )))
    }

    /// Visible / certifiable / portal for one record.
    fn evaluate(&self, record: &RecordFacts) -> PyResult<Access> {
        plain::evaluate(&self.0, record)
    }
}

/// The daily first-administrator extraction (SPEC §14): (issue, rejected).
#[pyfunction]
pub fn extract_first_administrators(
    already_issued: Vec<String>,
    medical_institutions: Vec<OrganisationRow>,
    municipalities: Vec<OrganisationRow>,
    unions: Vec<OrganisationRow>,
    administrators: Vec<AdministratorRow>,
) -> (Vec<plain::FirstAdministrator>, Vec<plain::RejectedRow>) {
    let out = plain::extract_first_administrators(plain::ExtractionInput {
        already_issued,
        medical_institutions,
        municipalities,
        unions,
        administrators,
    });
    (out.issue, out.rejected)
}

/// The password policy (SPEC §14); an argument left out takes the core's default.
#[pyclass(module = "sesshu", frozen)]
pub struct PasswordPolicy(accounts::PasswordPolicy);

#[pymethods]
impl PasswordPolicy {
    #[new]
    #[pyo3(signature = (min_length=None, max_length=None, require_lowercase=None, require_uppercase=None, require_digit=None, require_symbol=None, forbid_user_id=None, forbid_email=None, reject_common=None, history_size=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        min_length: Option<u32>,
        max_length: Option<u32>,
        require_lowercase: Option<bool>,
        require_uppercase: Option<bool>,
        require_digit: Option<bool>,
        require_symbol: Option<bool>,
        forbid_user_id: Option<bool>,
        forbid_email: Option<bool>,
        reject_common: Option<bool>,
        history_size: Option<u32>,
    ) -> PyResult<Self> {
        plain::policy(&plain::PasswordPolicy {
            min_length,
            max_length,
            require_lowercase,
            require_uppercase,
            require_digit,
            require_symbol,
            forbid_user_id,
            forbid_email,
            reject_common,
            history_size,
        })
        .map(PasswordPolicy)
    }

    /// The violation codes (empty: acceptable).
    #[pyo3(signature = (user_id, email, password, history=Vec::new()))]
    fn check(
        &self,
        user_id: &str,
        email: &str,
        password: &str,
        history: Vec<String>,
    ) -> Vec<String> {
        plain::violations(&self.0, user_id, email, password, &history)
    }
}

/// The dates of one inactivity run (SPEC §14).
#[pyclass(module = "sesshu", frozen)]
pub struct InactivitySchedule(accounts::InactivitySchedule);

#[pymethods]
impl InactivitySchedule {
    #[new]
    fn new(execution_date: NaiveDate) -> PyResult<Self> {
        accounts::InactivitySchedule::for_execution(execution_date)
            .map(InactivitySchedule)
            .map_err(to_py)
    }

    #[getter]
    fn notice_date(&self) -> NaiveDate {
        self.0.notice_date
    }

    /// The threshold, 00:00 JST, as an aware datetime.
    #[getter]
    fn threshold(&self) -> DateTime<FixedOffset> {
        self.0.threshold_jst()
    }

    /// Whether an account ("active"/"suspended") is a candidate.
    #[pyo3(signature = (status, issued_at, last_login_at=None))]
    fn is_candidate(
        &self,
        status: &str,
        issued_at: Aware,
        last_login_at: Option<Aware>,
    ) -> PyResult<bool> {
        Ok(self.0.is_candidate(&accounts::AccountActivity {
            status: accounts::AccountStatus::parse(status).map_err(to_py)?,
            issued_at: issued_at.0,
            last_login_at: last_login_at.map(|t| t.0),
        }))
    }
}

/// Whether a municipality's system must receive a record (SPEC §4).
#[pyfunction]
#[pyo3(signature = (municipality_code, responsible, updated_at, delivered_at=None))]
pub fn needs_delivery(
    municipality_code: &str,
    responsible: &str,
    updated_at: Aware,
    delivered_at: Option<Aware>,
) -> PyResult<bool> {
    Ok(delivery::needs_delivery(
        municipality(municipality_code)?,
        &delivery::DeliveryFacts {
            responsible: municipality(responsible)?,
            updated_at: updated_at.0,
            delivered_at: delivered_at.map(|t| t.0),
        },
    ))
}

/// Python's `decimal.Decimal`.
fn decimal_type(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("decimal")?.getattr("Decimal")
}

fn answer(v: &Bound<'_, PyAny>) -> PyResult<Option<questionnaire::AnswerValue>> {
    use questionnaire::AnswerValue as A;
    if v.is_none() {
        return Ok(None);
    }
    Ok(Some(if v.is_instance_of::<PyBool>() {
        A::Bool(v.extract()?)
    } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        let text: String = v.str()?.extract()?;
        A::Number(
            text.parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(&text))
                .map_err(|_| {
                    invalid("invalid_answer", format!("{text} is not a decimal number"))
                })?,
        )
    } else if v.is_instance_of::<PyString>() {
        // Before any number: text that reads as a number is still text.
        A::Text(v.extract()?)
    } else if v.is_instance(&decimal_type(v.py())?)? {
        A::Number(v.extract::<Decimal>()?)
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut choices = Vec::new();
        for item in v.try_iter()? {
            choices.extend(answer(&item?)?);
        }
        A::Choices(choices)
    } else if v.is_instance_of::<PyDict>() {
        A::Group(answers(v)?)
    } else {
        return Err(invalid(
            "invalid_answer",
            format!("unsupported answer type {}", v.get_type().name()?),
        ));
    }))
}

/// One side's answers from a dict (`None` answers left out); anything but
/// a dict is ValidationError `invalid_answer`.
pub fn answers(side: &Bound<'_, PyAny>) -> PyResult<questionnaire::Answers> {
    let d = side.cast::<PyDict>().map_err(|_| {
        let shown = side
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        invalid(
            "invalid_answer",
            format!("answers must be a dict, not {shown}"),
        )
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in d.iter() {
        if let Some(a) = answer(&v)? {
            out.insert(k.extract::<String>()?, a);
        }
    }
    Ok(out)
}

/// The items the institution's answers modify (SPEC §5), sorted.
#[pyfunction]
pub fn modified_items(
    subject: &Bound<'_, PyAny>,
    institution: &Bound<'_, PyAny>,
) -> PyResult<Vec<String>> {
    Ok(questionnaire::modified_items(
        &answers(subject)?,
        &answers(institution)?,
    ))
}

/// Registers the normalisers, each the shared plain function.
macro_rules! normalizers {
    ($($(#[$m:meta])* $name:ident => $ty:ty),+ $(,)?) => {
        pub fn register_normalizers(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!(plain::$name, m)?)?; )+
            Ok(())
        }
    };
}

sesshu_core::with_identifier_normalisers!(normalizers);
