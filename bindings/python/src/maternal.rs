//! Maternal and child health data (H-7) on the store.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::plain::accounts::{actor_in, Actor};
use crate::plain::masters::upload_encoding;
use crate::plain::maternal::{self as plain, MaternalRegistration, MaternalRowOut, MaternalUpload};
use crate::plain::records::file_options;
use crate::store::Sesshu;

#[pymethods]
impl Sesshu {
    /// A data set's upload template, as CSV bytes (`encoding` `utf8` or
    /// `shift_jis`).
    #[pyo3(signature = (data_set, *, encoding=None))]
    fn maternal_template<'py>(
        &self,
        py: Python<'py>,
        data_set: &str,
        encoding: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let options = file_options(&encoding, &None)?;
        let bytes = self.run(py, |s| s.maternal_template(data_set, options))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Uploads a filled template: the good rows registered (unless
    /// `dry_run`), the refused ones in `refused` and `errors_csv`.
    #[pyo3(signature = (actor, data_set, data, *, encoding=None, dry_run=false))]
    fn upload_maternal_csv(
        &self,
        py: Python<'_>,
        actor: Actor,
        data_set: &str,
        data: &[u8],
        encoding: Option<&str>,
        dry_run: bool,
    ) -> PyResult<MaternalUpload> {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding)?);
        self.run(py, |s| {
            plain::upload(s, &a, data_set, data, encoding, dry_run)
        })
        .map(plain::upload_pair_out)
    }

    /// Receives a month's interface file (JSON bytes); the registration result.
    fn receive_maternal(
        &self,
        py: Python<'_>,
        actor: Actor,
        data: &[u8],
    ) -> PyResult<MaternalRegistration> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.receive_maternal(&a, data))
            .map(plain::registration_out)
    }

    /// A subject's data of every set, as the actor's municipality may see it.
    fn maternal_data_of(
        &self,
        py: Python<'_>,
        actor: Actor,
        subject: &str,
    ) -> PyResult<Vec<MaternalRowOut>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.maternal_data_of(&a, subject))
            .map(plain::rows_out)
    }

    /// The rows of a data set the municipality registered, as CSV bytes in
    /// the upload layout.
    #[pyo3(signature = (actor, data_set, *, encoding=None))]
    fn export_maternal_csv<'py>(
        &self,
        py: Python<'py>,
        actor: Actor,
        data_set: &str,
        encoding: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (a, options) = (actor_in(&actor)?, file_options(&encoding, &None)?);
        let mut out = Vec::new();
        self.run(py, |s| {
            s.export_maternal_csv(&a, data_set, &mut out, options)
        })?;
        Ok(PyBytes::new(py, &out))
    }
}
