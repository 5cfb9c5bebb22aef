//! Maternal and child health data (H-7) on the store.

use crate::error::{fail, Result};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::masters::upload_encoding;
use crate::plain::maternal::{self as plain, MaternalRegistration, MaternalRowOut, MaternalUpload};
use crate::plain::records::file_options;
use crate::store::Sesshu;

#[uniffi::export]
impl Sesshu {
    /// A data set's upload template, as CSV bytes (`encoding` `utf8` or
    /// `shift_jis`).
    pub fn maternal_template(&self, data_set: String, encoding: Option<String>) -> Result<Vec<u8>> {
        self.inner
            .maternal_template(&data_set, file_options(&encoding, &None)?)
            .map_err(fail)
    }

    /// Uploads a filled template: the good rows registered (unless
    /// `dry_run`), the refused ones in `refused` and `errors_csv`.
    pub fn upload_maternal_csv(
        &self,
        actor: Actor,
        data_set: String,
        data: Vec<u8>,
        encoding: Option<String>,
        dry_run: bool,
    ) -> Result<MaternalUpload> {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding.as_deref())?);
        plain::upload(&self.inner, &a, &data_set, &data, encoding, dry_run)
            .map(plain::upload_pair_out)
            .map_err(fail)
    }

    /// Receives a month's interface file (JSON bytes); the registration result.
    pub fn receive_maternal(&self, actor: Actor, data: Vec<u8>) -> Result<MaternalRegistration> {
        self.inner
            .receive_maternal(&actor_in(&actor)?, &data)
            .map(plain::registration_out)
            .map_err(fail)
    }

    /// A subject's data of every set, as the actor's municipality may see it.
    pub fn maternal_data_of(&self, actor: Actor, subject: String) -> Result<Vec<MaternalRowOut>> {
        self.inner
            .maternal_data_of(&actor_in(&actor)?, &subject)
            .map(plain::rows_out)
            .map_err(fail)
    }

    /// The rows of a data set the municipality registered, as CSV bytes in
    /// the upload layout.
    pub fn export_maternal_csv(
        &self,
        actor: Actor,
        data_set: String,
        encoding: Option<String>,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.inner
            .export_maternal_csv(
                &actor_in(&actor)?,
                &data_set,
                &mut out,
                file_options(&encoding, &None)?,
            )
            .map_err(fail)?;
        Ok(out)
    }
}
