//! # sesshu for Python (`import sesshu`)
//!
//! A thin pyo3 layer: Python values in, the core's types and calls, Python
//! values out; the records and their conversions are the ones every
//! binding shares (`bindings/plain`). Dates are `datetime.date`, instants timezone-aware
//! `datetime`, numbers `decimal.Decimal` where exact; every refusal is a
//! `sesshu.SesshuError` subclass carrying `.code`. Store calls release the
//! GIL.

/// Python's constructor for a shared plain record: each field with its
/// keyword default if it has one (a literal, `None`, or `Type::new()`), in
/// the record's order.
macro_rules! py_new {
    ($name:ident { $( $field:ident : $ty:ty $(= $default:tt $(:: $ctor:ident ())?)? ),* $(,)? }) => {
        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = ($( $field $(= $default $(:: $ctor ())?)? ),*))]
            #[allow(clippy::too_many_arguments)]
            fn new($( $field: $ty ),*) -> Self {
                $name { $( $field ),* }
            }
        }
    };
}

mod accounts;
mod bank_accounts;
mod error;
mod marts;
mod masters;
mod maternal;
#[path = "../../plain/mod.rs"]
mod plain;
mod questionnaires;
mod rules;
mod store;

use pyo3::prelude::*;

/// Adds functions and classes to the module.
macro_rules! add {
    ($m:ident; fn $($f:path),+; class $($c:ty),+ $(,)?) => {
        $( $m.add_function(wrap_pyfunction!($f, $m)?)?; )+
        $( $m.add_class::<$c>()?; )+
    };
}

/// The native module behind the `sesshu` package.
#[pymodule]
fn _sesshu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    use plain::{
        accounts as a, bank_accounts as b, certificates as c, checkpoints as k, marts as mt,
        masters as m_, maternal as mc, records as r, rules as p,
    };
    error::register(m)?;
    rules::register_normalizers(m)?;
    add! { m;
        fn p::parse_gs1, p::wareki, k::generate_log_key, m_::master_kinds, mc::maternal_data_sets, mt::protect_counts, p::parse_timestamp, p::select_form, p::check_role,
            rules::extract_first_administrators, rules::needs_delivery, rules::modified_items;
        class mt::MartReport, mt::MartCell, mt::PublishedFile, p::Gs1, p::ResidencyInterval, rules::ResidencyHistory, p::RecordFacts, p::Access,
            rules::RecordAccess, p::TravelDetails, p::FormSelection, p::OrganisationRow,
            p::AdministratorRow, p::FirstAdministrator, p::RejectedRow, rules::PasswordPolicy,
            rules::InactivitySchedule, p::BankAccountDraft, b::AttachmentInfo, b::BankApplication,
            b::ActiveAccount, b::FederationLink, b::PaymentAccount, b::Notice, b::DispatchedNotice,
            r::Person, r::PersonResidency, r::Record, r::RecordRow, r::DeliveredRecord, r::DeliveryPull, r::LogEntry,
            r::VerifyReport, r::ImportOutcome, store::Sesshu, k::LogKeyPair,
            a::Actor, a::UserInfo, a::IssuedAccount, a::IssuedToken, a::OutboxNotification,
            accounts::IssuedCertificate, c::Issuance, marts::MartFile,
            questionnaires::Questionnaire, questionnaires::QuestionnaireRow,
            m_::MasterInfo, m_::MasterColumn, m_::MasterRowOut, m_::MasterRowError, m_::MasterImport,
            m_::ZenginLoadInfo, m_::ZenginState, m_::VialLabel, m_::ReceivedFile, m_::MasterDiff,
            mc::MaternalItem, mc::MaternalDataSet, mc::MaternalRefusal, mc::MaternalUpload,
            mc::MaternalRefusedRow, mc::MaternalRegistration, mc::MaternalRowOut,
    }
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
