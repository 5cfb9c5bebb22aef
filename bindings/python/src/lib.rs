//! # sesshu for Python (`import sesshu`)
//!
//! A thin pyo3 layer: Python values in, the core's types and calls, Python
//! values out. Dates are `datetime.date`, instants timezone-aware
//! `datetime`, numbers `decimal.Decimal` where exact; every refusal is a
//! `sesshu.SesshuError` subclass carrying `.code`. Store calls release the
//! GIL.

mod accounts;
mod error;
mod rules;
mod store;

use pyo3::prelude::*;

/// The native module behind the `sesshu` package.
#[pymodule]
fn _sesshu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    rules::register(m)?;
    store::register(m)?;
    accounts::register(m)?;
    accounts::register_certificates(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
