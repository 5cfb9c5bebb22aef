//! Maternal and child health data (H-7) on the store. Each call returns a
//! Promise; a refusal rejects with an `Error` carrying `code`.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::service;
use sesshu_core::store::StoredMaternalRow;

use crate::error::{Code, Job};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::masters::upload_encoding;
use crate::plain::maternal::{self as plain, MaternalRegistration, MaternalRowOut, MaternalUpload};
use crate::plain::records::file_options;
use crate::store::Sesshu;

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// A data set's upload template, as CSV bytes (`encoding` `utf8` or
    /// `shift_jis`).
    #[napi]
    pub fn maternal_template(
        &self,
        data_set: String,
        encoding: Option<String>,
    ) -> napi::Result<Buffer, Code> {
        let options = file_options(&encoding, &None)?;
        self.inner
            .maternal_template(&data_set, options)
            .map(Buffer::from)
            .map_err(crate::error::fail)
    }

    /// Uploads a filled template: the good rows registered (unless
    /// `dryRun`), the refused ones in `refused` and `errorsCsv`.
    #[napi(ts_return_type = "Promise<MaternalUpload>")]
    pub fn upload_maternal_csv(
        &self,
        actor: Actor,
        data_set: String,
        data: Buffer,
        encoding: Option<String>,
        dry_run: Option<bool>,
    ) -> napi::Result<AsyncTask<Job<(service::MaternalUpload, Vec<u8>), MaternalUpload>>, Code>
    {
        let (a, encoding) = (actor_in(&actor)?, upload_encoding(encoding.as_deref())?);
        let (s, data, dry) = (self.inner.clone(), data.to_vec(), dry_run.unwrap_or(false));
        Ok(Job::new(
            move || plain::upload(&s, &a, &data_set, &data, encoding, dry),
            plain::upload_pair_out,
        ))
    }

    /// Receives a month's interface file (JSON bytes); the registration result.
    #[napi(ts_return_type = "Promise<MaternalRegistration>")]
    pub fn receive_maternal(
        &self,
        actor: Actor,
        data: Buffer,
    ) -> napi::Result<
        AsyncTask<Job<sesshu_core::maternal::interface::RegistrationResult, MaternalRegistration>>,
        Code,
    > {
        let (a, s, data) = (actor_in(&actor)?, self.inner.clone(), data.to_vec());
        Ok(Job::new(
            move || s.receive_maternal(&a, &data),
            plain::registration_out,
        ))
    }

    /// A subject's data of every set, as the actor's municipality may see it.
    #[napi(ts_return_type = "Promise<Array<MaternalRowOut>>")]
    pub fn maternal_data_of(
        &self,
        actor: Actor,
        subject: String,
    ) -> napi::Result<AsyncTask<Job<Vec<StoredMaternalRow>, Vec<MaternalRowOut>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.maternal_data_of(&a, &subject),
            plain::rows_out,
        ))
    }

    /// The rows of a data set the municipality registered, as CSV bytes in
    /// the upload layout.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn export_maternal_csv(
        &self,
        actor: Actor,
        data_set: String,
        encoding: Option<String>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>, Buffer>>, Code> {
        let (a, s, options) = (
            actor_in(&actor)?,
            self.inner.clone(),
            file_options(&encoding, &None)?,
        );
        Ok(Job::new(
            move || {
                let mut out = Vec::new();
                s.export_maternal_csv(&a, &data_set, &mut out, options)
                    .map(|_| out)
            },
            Buffer::from,
        ))
    }
}
