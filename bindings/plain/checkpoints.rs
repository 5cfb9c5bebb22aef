//! Signed checkpoints of the access log, as they cross: keys and
//! checkpoints as the text of their files (`sesshu log keygen`,
//! `sesshu log checkpoint`), so that a vendor keeps them wherever its own
//! secrets live, away from the store.

#[cfg(binding = "node")]
use napi_derive::napi;
#[cfg(binding = "python")]
use pyo3::prelude::*;
use sesshu_core::checkpoint::{Checkpoint, LogKey, LogPublicKey};

use super::export;
use crate::error::{fail, Result};

/// A checkpoint-signing key (チェックポイント署名鍵): the private key's text
/// (keep it away from the store), the public key's text (for verifiers)
/// and the key's id.
#[cfg_attr(binding = "node", napi(object))]
#[cfg_attr(binding = "uniffi", derive(uniffi::Record))]
#[cfg_attr(binding = "python", pyclass(module = "sesshu", frozen, get_all))]
#[derive(Clone)]
pub struct LogKeyPair {
    pub private_key: String,
    pub public_key: String,
    pub key_id: String,
}

/// A new checkpoint-signing key from the operating system's random source.
#[export]
pub fn generate_log_key() -> LogKeyPair {
    let key = LogKey::generate(&sesshu_core::secrets::OsRandom);
    LogKeyPair {
        private_key: key.to_text().expose().to_owned(),
        public_key: key.public().to_text(),
        key_id: key.public().id(),
    }
}

/// A private key's text read (`invalid_log_key` when it is not one).
pub fn private_key(text: &str) -> Result<LogKey> {
    LogKey::parse(text).map_err(fail)
}

/// A checkpoint's JSON and a public key's text read.
pub fn checkpoint_and_key(
    checkpoint: &str,
    public_key: &str,
) -> Result<(Checkpoint, LogPublicKey)> {
    Ok((
        Checkpoint::parse(checkpoint).map_err(fail)?,
        LogPublicKey::parse(public_key).map_err(fail)?,
    ))
}
