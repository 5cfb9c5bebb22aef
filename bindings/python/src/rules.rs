//! The rules, as Python functions and classes. Each converts Python values
//! to the core's types, calls the core, and converts back: no rule here.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rust_decimal::Decimal;
use sesshu_core::{
    accounts, bank_account as bank, calendar, certificate, delivery, identifiers as id,
};
use sesshu_core::{organisation, questionnaire, records, residency};

use crate::error::{invalid, to_py, Aware};

macro_rules! normalizer {
    ($($(#[$m:meta])* $name:ident => $ty:ty),+ $(,)?) => {
        $(
            $(#[$m])*
            #[pyfunction]
            pub fn $name(value: &str) -> PyResult<String> {
                <$ty>::parse(value).map(|v| v.to_string()).map_err(to_py)
            }
        )+

        /// Registers the normalisers.
        fn register_normalizers(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )+
            Ok(())
        }
    };
}

sesshu_core::with_identifier_normalisers!(normalizer);

/// A GS1 element string read from a label.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct Gs1 {
    /// AI (01).
    pub gtin: String,
    /// AI (17).
    pub expiry: Option<NaiveDate>,
    /// AI (10).
    pub lot: Option<String>,
    /// AI (21).
    pub serial: Option<String>,
}

/// Reads a GS1 element string (bracketed or raw).
#[pyfunction]
pub fn parse_gs1(value: &str) -> PyResult<Gs1> {
    let e = id::Gs1ElementString::parse(value).map_err(to_py)?;
    Ok(Gs1 {
        gtin: e.gtin.to_string(),
        expiry: e.expiry,
        lot: e.lot,
        serial: e.serial,
    })
}

/// 和暦: `令和元年5月1日`.
#[pyfunction]
pub fn wareki(date: NaiveDate) -> PyResult<String> {
    calendar::WarekiDate::from_date(date)
        .map(|w| w.to_string())
        .map_err(to_py)
}

/// An RFC 3339 timestamp (the offset is required: a time without one names
/// no instant) as an aware UTC `datetime`; ValidationError
/// `invalid_timestamp` otherwise.
#[pyfunction]
pub fn parse_timestamp(value: &str) -> PyResult<DateTime<Utc>> {
    calendar::parse_timestamp(value).map_err(to_py)
}

fn municipality(code: &str) -> PyResult<id::MunicipalityCode> {
    id::MunicipalityCode::parse(code).map_err(to_py)
}

py_record! {
    /// One period of residence `[start, end)`.
    pub struct ResidencyInterval {
        /// Municipality code.
        municipality: String,
        /// First day of residence.
        start: NaiveDate,
        /// First day no longer resident; None while resident.
        end: Option<NaiveDate> = None,
    }
}

/// A validated residency history (住民記録の異動履歴).
#[pyclass(module = "sesshu", frozen)]
pub struct ResidencyHistory(pub residency::ResidencyHistory);

pub fn history<'a>(
    intervals: impl IntoIterator<Item = &'a ResidencyInterval>,
) -> PyResult<residency::ResidencyHistory> {
    let mut out = Vec::new();
    for i in intervals {
        out.push(residency::ResidencyInterval {
            municipality: municipality(&i.municipality)?,
            from: i.start,
            to: i.end,
        });
    }
    residency::ResidencyHistory::new(out).map_err(to_py)
}

pub fn intervals_of(h: &residency::ResidencyHistory) -> Vec<ResidencyInterval> {
    h.intervals()
        .iter()
        .map(|i| ResidencyInterval {
            municipality: i.municipality.to_string(),
            start: i.from,
            end: i.to,
        })
        .collect()
}

#[pymethods]
impl ResidencyHistory {
    #[new]
    fn new(intervals: Vec<ResidencyInterval>) -> PyResult<Self> {
        history(&intervals).map(ResidencyHistory)
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
        intervals_of(&self.0)
    }
}

py_record! {
    /// What the access rule reads of a record.
    pub struct RecordFacts {
        /// The responsible municipality.
        responsible: String,
        /// "routine", "temporary" or "voluntary".
        category: String,
        /// Marked erroneous.
        erroneous: bool = false,
    }
}

/// The rule's answer for one record.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct Access {
    /// Staff may see it.
    pub visible: bool,
    /// The municipality may certify it.
    pub certifiable: bool,
    /// The person sees it on the portal.
    pub portal: bool,
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
        let facts = records::RecordFacts {
            responsible: municipality(&record.responsible)?,
            category: records::Category::parse(&record.category).map_err(to_py)?,
            erroneous: record.erroneous,
        };
        let a = self.0.evaluate(&facts);
        Ok(Access {
            visible: a.visible,
            certifiable: a.certifiable,
            portal: a.portal,
        })
    }
}

py_record! {
    /// Travel details for form 3 (as written, or as normalised in a selection).
    pub struct TravelDetails {
        /// 旅券番号.
        passport_number: String,
        /// ISO 3166-1 alpha-3.
        nationality: String,
        /// Name in Roman letters.
        name_roman: String,
    }
}

/// The certificate form chosen.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct FormSelection {
    /// 1, 2 or 3.
    pub form: u8,
    /// Travel details, for form 3 only.
    pub travel: Option<TravelDetails>,
}

/// 予防接種済証: which form for a record of `category` (SPEC §6).
#[pyfunction]
#[pyo3(signature = (category, requested_form=None, travel=None))]
pub fn select_form(
    category: &str,
    requested_form: Option<i64>,
    travel: Option<TravelDetails>,
) -> PyResult<FormSelection> {
    let category = records::Category::parse(category).map_err(to_py)?;
    let input = travel.map(|t| certificate::TravelDetailsInput {
        passport_number: t.passport_number,
        nationality: t.nationality,
        name_roman: t.name_roman,
    });
    let s = certificate::select_form(category, requested_form, input.as_ref()).map_err(to_py)?;
    Ok(FormSelection {
        form: s.form.number(),
        travel: s.travel.map(|t| TravelDetails {
            passport_number: t.passport_number.to_string(),
            nationality: t.nationality.to_string(),
            name_roman: t.name_roman.to_string(),
        }),
    })
}

/// Raises RuleError (`role_not_allowed`) unless the organisation type may grant the role.
#[pyfunction]
pub fn check_role(org_type: &str, role: &str) -> PyResult<()> {
    let t = organisation::OrganisationType::parse(org_type).map_err(to_py)?;
    let r = organisation::Role::parse(role).map_err(to_py)?;
    t.check_role(r).map_err(to_py)
}

py_record! {
    /// A master row of a medical institution, municipality or wide-area union.
    pub struct OrganisationRow {
        code: String,
        issuance: String,
        delegation: Option<String> = None,
        union: Option<String> = None,
        email: Option<String> = None,
        admin_name: Option<String> = None,
    }
}

py_record! {
    /// A master row of MHLW, a federation or the central association.
    pub struct AdministratorRow {
        org_code: String,
        org_type: String,
        issuance: String,
        email: Option<String> = None,
        admin_name: Option<String> = None,
    }
}

/// A first administrator to issue.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct FirstAdministrator {
    pub org_code: String,
    pub org_type: String,
    pub email: String,
    pub admin_name: String,
}

/// A row reported instead of issued.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct RejectedRow {
    pub code: String,
    pub org_type: String,
    /// The stable error code.
    pub error: String,
    pub message: String,
}

/// The daily first-administrator extraction (SPEC §14): (issue, rejected).
#[pyfunction]
#[pyo3(signature = (already_issued, medical_institutions, municipalities, unions, administrators))]
pub fn extract_first_administrators(
    already_issued: Vec<String>,
    medical_institutions: Vec<OrganisationRow>,
    municipalities: Vec<OrganisationRow>,
    unions: Vec<OrganisationRow>,
    administrators: Vec<AdministratorRow>,
) -> (Vec<FirstAdministrator>, Vec<RejectedRow>) {
    let row = |r: OrganisationRow| accounts::OrganisationRow {
        code: r.code,
        issuance: r.issuance,
        delegation: r.delegation,
        union: r.union,
        email: r.email,
        admin_name: r.admin_name,
    };
    let input = accounts::ExtractionInput {
        already_issued: already_issued.into_iter().collect::<BTreeSet<_>>(),
        medical_institutions: medical_institutions.into_iter().map(row).collect(),
        municipalities: municipalities.into_iter().map(row).collect(),
        unions: unions.into_iter().map(row).collect(),
        administrators: administrators
            .into_iter()
            .map(|a| accounts::AdministratorRow {
                org_code: a.org_code,
                org_type: a.org_type,
                issuance: a.issuance,
                email: a.email,
                admin_name: a.admin_name,
            })
            .collect(),
    };
    let out = accounts::extract_first_administrators(&input);
    (
        out.issue
            .into_iter()
            .map(|a| FirstAdministrator {
                org_code: a.org_code.to_string(),
                org_type: a.org_type.to_string(),
                email: a.email.to_string(),
                admin_name: a.admin_name,
            })
            .collect(),
        out.rejected
            .into_iter()
            .map(|r| RejectedRow {
                code: r.code,
                org_type: r.org_type.to_string(),
                error: r.error.code().to_owned(),
                message: r.error.to_string(),
            })
            .collect(),
    )
}

/// The password policy (SPEC §14).
#[pyclass(module = "sesshu", frozen)]
pub struct PasswordPolicy(accounts::PasswordPolicy);

#[pymethods]
impl PasswordPolicy {
    #[new]
    #[pyo3(signature = (min_length=12, max_length=128, require_lowercase=true, require_uppercase=true, require_digit=true, require_symbol=false, forbid_user_id=true, forbid_email=true, reject_common=true, history_size=5))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        min_length: u32,
        max_length: u32,
        require_lowercase: bool,
        require_uppercase: bool,
        require_digit: bool,
        require_symbol: bool,
        forbid_user_id: bool,
        forbid_email: bool,
        reject_common: bool,
        history_size: u32,
    ) -> PyResult<Self> {
        let p = accounts::PasswordPolicy {
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
        };
        p.validate().map_err(to_py)?;
        Ok(PasswordPolicy(p))
    }

    /// The violation codes (empty: acceptable).
    #[pyo3(signature = (user_id, email, password, history=Vec::new()))]
    fn check(
        &self,
        user_id: &str,
        email: &str,
        password: &str,
        history: Vec<String>,
    ) -> Vec<&'static str> {
        self.0
            .check(
                accounts::PasswordContext { user_id, email },
                password,
                &history[..],
            )
            .into_iter()
            .map(|v| v.code())
            .collect()
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
    } else if let Ok(list) = v.cast::<PyList>() {
        A::Choices(
            list.iter()
                .map(|i| answer(&i))
                .collect::<PyResult<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect(),
        )
    } else if let Ok(t) = v.cast::<PyTuple>() {
        A::Choices(
            t.iter()
                .map(|i| answer(&i))
                .collect::<PyResult<Vec<_>>>()?
                .into_iter()
                .flatten()
                .collect(),
        )
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

py_record! {
    /// A bank account as entered.
    pub struct BankAccountDraft {
        /// "national" or "registered".
        account_class: String,
        bank: String,
        branch: String,
        /// "ordinary", "current" or "savings".
        deposit_type: String,
        number: String,
        holder: String,
    }
}

fn draft(d: &BankAccountDraft) -> PyResult<bank::BankAccountDraft> {
    Ok(bank::BankAccountDraft {
        class: bank::AccountClass::parse(&d.account_class).map_err(to_py)?,
        bank: d.bank.clone(),
        branch: d.branch.clone(),
        deposit_type: bank::DepositType::parse(&d.deposit_type).map_err(to_py)?,
        number: d.number.clone(),
        holder: d.holder.clone(),
    })
}

fn account_out(a: &bank::BankAccount) -> BankAccountDraft {
    BankAccountDraft {
        account_class: a.class.as_str().into(),
        bank: a.bank.to_string(),
        branch: a.branch.to_string(),
        deposit_type: a.deposit_type.as_str().into(),
        number: a.number.to_string(),
        holder: a.holder.to_string(),
    }
}

/// An application and where it stands.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct Application {
    pub id: String,
    pub institution: String,
    pub usage: String,
    pub status: String,
    pub account: BankAccountDraft,
}

/// An active account.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct ActiveAccount {
    pub institution: String,
    pub usage: String,
    pub account: BankAccountDraft,
}

/// A notification produced by a decision.
#[pyclass(module = "sesshu", frozen, get_all)]
pub struct Notification {
    pub to: String,
    pub event: String,
    pub application: String,
    pub reason: Option<u8>,
}

fn org(code: &str) -> PyResult<organisation::OrganisationCode> {
    organisation::OrganisationCode::parse(code).map_err(to_py)
}

/// Medical institutions' bank-account applications, in memory (SPEC §10).
#[pyclass(module = "sesshu")]
pub struct BankAccountBook(bank::BankAccountBook);

#[pymethods]
impl BankAccountBook {
    /// `zengin`: the (bank, branch) pairs of the code-check master.
    #[new]
    fn new(zengin: Vec<(String, String)>) -> PyResult<Self> {
        let mut master = id::ZenginMaster::new();
        for (b, br) in zengin {
            master.insert(
                id::BankCode::parse(&b).map_err(to_py)?,
                id::BranchCode::parse(&br).map_err(to_py)?,
            );
        }
        Ok(BankAccountBook(bank::BankAccountBook::new(
            master,
            id::HolderNameRules::default(),
        )))
    }

    fn add_institution(&mut self, code: &str, federation: &str) -> PyResult<()> {
        let code = id::MedicalInstitutionCode::parse(code).map_err(to_py)?;
        self.0.add_institution(code, org(federation)?);
        Ok(())
    }

    /// Loads an active account (validated like an application).
    fn set_active(
        &mut self,
        institution: &str,
        usage: &str,
        account: &BankAccountDraft,
        zengin: Vec<(String, String)>,
    ) -> PyResult<()> {
        let mut master = id::ZenginMaster::new();
        for (b, br) in zengin {
            master.insert(
                id::BankCode::parse(&b).map_err(to_py)?,
                id::BranchCode::parse(&br).map_err(to_py)?,
            );
        }
        let account =
            bank::BankAccount::validate(&draft(account)?, &master, &id::HolderNameRules::default())
                .map_err(to_py)?;
        self.0.set_active(
            id::MedicalInstitutionCode::parse(institution).map_err(to_py)?,
            bank::AccountUsage::parse(usage).map_err(to_py)?,
            account,
        );
        Ok(())
    }

    fn apply(
        &mut self,
        actor: &str,
        institution: &str,
        application_id: &str,
        usage: &str,
        account: &BankAccountDraft,
    ) -> PyResult<()> {
        let actor = org(actor)?;
        let usage = bank::AccountUsage::parse(usage).map_err(to_py)?;
        let d = draft(account)?;
        self.0
            .apply(
                &actor,
                institution,
                bank::ApplicationRequest {
                    id: application_id,
                    usage,
                    draft: &d,
                },
            )
            .map_err(to_py)
    }

    fn approve(&mut self, actor: &str, application_id: &str) -> PyResult<()> {
        self.0.approve(&org(actor)?, application_id).map_err(to_py)
    }

    #[pyo3(signature = (actor, application_id, reason=None, note=None))]
    fn reject(
        &mut self,
        actor: &str,
        application_id: &str,
        reason: Option<i64>,
        note: Option<&str>,
    ) -> PyResult<()> {
        self.0
            .reject(&org(actor)?, application_id, reason, note)
            .map_err(to_py)
    }

    fn delete(&mut self, actor: &str, application_id: &str) -> PyResult<()> {
        self.0.delete(&org(actor)?, application_id).map_err(to_py)
    }

    fn applications(&self) -> Vec<Application> {
        self.0
            .applications()
            .iter()
            .map(|a| Application {
                id: a.id.clone(),
                institution: a.institution.to_string(),
                usage: a.usage.as_str().into(),
                status: a.status.as_str().into(),
                account: account_out(&a.account),
            })
            .collect()
    }

    fn active(&self) -> Vec<ActiveAccount> {
        self.0
            .active()
            .iter()
            .map(|((inst, usage), a)| ActiveAccount {
                institution: inst.to_string(),
                usage: usage.as_str().into(),
                account: account_out(a),
            })
            .collect()
    }

    fn notifications(&self) -> Vec<Notification> {
        self.0
            .notifications()
            .iter()
            .map(|n| Notification {
                to: n.to.to_string(),
                event: n.event.as_str().into(),
                application: n.application.clone(),
                reason: n.reason.map(|r| r.number()),
            })
            .collect()
    }
}

/// Registers the rule functions and classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    register_normalizers(m)?;
    for f in [
        wrap_pyfunction!(parse_gs1, m)?,
        wrap_pyfunction!(wareki, m)?,
        wrap_pyfunction!(parse_timestamp, m)?,
        wrap_pyfunction!(select_form, m)?,
        wrap_pyfunction!(check_role, m)?,
        wrap_pyfunction!(extract_first_administrators, m)?,
        wrap_pyfunction!(needs_delivery, m)?,
        wrap_pyfunction!(modified_items, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add_class::<Gs1>()?;
    m.add_class::<ResidencyInterval>()?;
    m.add_class::<ResidencyHistory>()?;
    m.add_class::<RecordFacts>()?;
    m.add_class::<Access>()?;
    m.add_class::<RecordAccess>()?;
    m.add_class::<TravelDetails>()?;
    m.add_class::<FormSelection>()?;
    m.add_class::<OrganisationRow>()?;
    m.add_class::<AdministratorRow>()?;
    m.add_class::<FirstAdministrator>()?;
    m.add_class::<RejectedRow>()?;
    m.add_class::<PasswordPolicy>()?;
    m.add_class::<InactivitySchedule>()?;
    m.add_class::<BankAccountDraft>()?;
    m.add_class::<Application>()?;
    m.add_class::<ActiveAccount>()?;
    m.add_class::<Notification>()?;
    m.add_class::<BankAccountBook>()?;
    Ok(())
}
