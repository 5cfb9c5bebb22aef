//! # sesshu for Python (`import sesshu`)
//!
//! A thin pyo3 layer: Python values in, the core's types and calls, Python
//! values out. Dates are `datetime.date`, instants timezone-aware
//! `datetime`, numbers `decimal.Decimal` where exact; every refusal is a
//! `sesshu.SesshuError` subclass carrying `.code`. Store calls release the
//! GIL.

/// A frozen Python class for a record that Python code builds: each field
/// is written once, with its keyword default if it has one (a literal,
/// `None`, or `Type::new()`), and becomes an attribute and a constructor
/// argument in that order.
macro_rules! py_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty $(= $default:tt $(:: $ctor:ident ())?)? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[pyclass(module = "sesshu", frozen, get_all, from_py_object)]
        #[derive(Clone)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty ),*
        }

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
mod error;
mod questionnaires;
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
    questionnaires::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
