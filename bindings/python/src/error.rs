//! The one place core errors become Python exceptions: a `SesshuError`
//! base carrying `.code`, and one subclass per area.

use chrono::{DateTime, FixedOffset, Utc};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use sesshu_core::{Error, ErrorKind};

create_exception!(
    sesshu,
    SesshuError,
    PyException,
    "Base of every sesshu error; `.code` is the stable machine code."
);
create_exception!(
    sesshu,
    ValidationError,
    SesshuError,
    "An input was refused: a code, date, name or value that is not valid."
);
create_exception!(
    sesshu,
    RuleError,
    SesshuError,
    "A rule refused the request (form not allowed, role not allowed, …)."
);
create_exception!(
    sesshu,
    NotFoundError,
    SesshuError,
    "The thing does not exist, or is not visible to the actor."
);
create_exception!(
    sesshu,
    NotAuthorizedError,
    SesshuError,
    "The actor may not do this."
);
create_exception!(
    sesshu,
    ConflictError,
    SesshuError,
    "Another change won; read again and decide again."
);
create_exception!(
    sesshu,
    StorageError,
    SesshuError,
    "The storage engine failed."
);

/// The Python class of an error: one per kind ([`ErrorKind`]).
fn class_of(e: &Error) -> fn(String) -> PyErr {
    match e.kind() {
        ErrorKind::Rule => RuleError::new_err,
        ErrorKind::NotFound => NotFoundError::new_err,
        ErrorKind::NotAuthorized => NotAuthorizedError::new_err,
        ErrorKind::Conflict => ConflictError::new_err,
        ErrorKind::Storage => StorageError::new_err,
        _ => ValidationError::new_err,
    }
}

/// A core error as a Python exception with `.code`.
pub fn to_py(e: impl Into<Error>) -> PyErr {
    let e: Error = e.into();
    let err = class_of(&e)(e.public_message());
    Python::attach(|py| {
        // Setting an attribute on a fresh exception instance cannot fail.
        let _ = err.value(py).setattr("code", e.code());
    });
    err
}

/// What the shared plain code calls its result and its failure.
pub type Result<T> = PyResult<T>;
pub use crate::error::to_py as fail;

/// An error raised by the binding itself (a Python value of the wrong kind).
pub fn invalid(code: &'static str, message: impl Into<String>) -> PyErr {
    let err = ValidationError::new_err(message.into());
    Python::attach(|py| {
        let _ = err.value(py).setattr("code", code);
    });
    err
}

/// An instant from Python: an aware `datetime` (any offset), as UTC. A
/// naive `datetime` names no instant (its offset would be a guess), so it
/// is refused like any bad input: `ValidationError`, code
/// `invalid_timestamp` (not a `TypeError`).
pub struct Aware(pub DateTime<Utc>);

impl<'a, 'py> FromPyObject<'a, 'py> for Aware {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.extract::<DateTime<FixedOffset>>()
            .map(|t| Aware(t.with_timezone(&Utc)))
            .map_err(|_| {
                let shown = obj.repr().map(|r| r.to_string()).unwrap_or_default();
                invalid(
                    "invalid_timestamp",
                    format!("{shown} is not an aware datetime (one with tzinfo)"),
                )
            })
    }
}

/// Registers the exception classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SesshuError", py.get_type::<SesshuError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("RuleError", py.get_type::<RuleError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("NotAuthorizedError", py.get_type::<NotAuthorizedError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    Ok(())
}
