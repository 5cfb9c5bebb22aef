//! `sesshu log keygen | checkpoint | verify --checkpoint`: signed
//! checkpoints of the access log ([`sesshu_core::checkpoint`]), so that a
//! log cut short — its newest entries deleted and its head row rewritten —
//! no longer verifies.

use std::path::{Path, PathBuf};

use sesshu_core::checkpoint::{Checkpoint, LogKey, LogPublicKey};
use sesshu_core::secrets::Random;
use sesshu_core::service::{Actor, Sesshu, VerifyReport};

use crate::commands::{core, Failure};
use crate::output::{self, Staged};

/// Where the public key of the private key file `key` is written: beside
/// it, with `.pub` appended.
pub fn public_key_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// `log keygen --out K`: a new key, `K` (0600, the private key, to be kept
/// away from the store) and `K.pub` (the public key, for verifiers). An
/// existing file is never replaced: a lost key cannot sign again.
pub fn keygen(out: &Path, rng: &dyn Random) -> Result<String, Failure> {
    let public = public_key_path(out);
    for path in [out, public.as_path()] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(format!(
                "refusing to write {}: it exists (a log key is never replaced; choose another name)",
                path.display()
            ));
        }
    }
    let key = LogKey::generate(rng);
    write_new(out, key.to_text().expose())?;
    write_new(&public, &key.public().to_text())?;
    Ok(key.public().id())
}

fn write_new(path: &Path, text: &str) -> Result<(), Failure> {
    let mut staged = Staged::create(path)?;
    staged
        .writer()
        .write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    staged.persist()
}

fn read(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
}

/// Reads a private key file.
pub fn read_key(path: &Path) -> Result<LogKey, Failure> {
    LogKey::parse(&read(path, "log key")?).map_err(|e| format!("{}: {}", path.display(), core(e)))
}

/// `log checkpoint --key K --out C.json`: the chain verified, then its
/// size and last hash signed; `--out -` prints it.
pub fn checkpoint(
    services: &Sesshu,
    actor: &Actor,
    key: &Path,
    out: &Path,
) -> Result<Checkpoint, Failure> {
    let key = read_key(key)?;
    let c = services.log_checkpoint(actor, &key).map_err(core)?;
    let json = c.to_json();
    output::write_file(Some(out), |w| {
        w.write_all(json.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        Ok(json.len())
    })?;
    Ok(c)
}

/// `log verify --checkpoint C.json --key K.pub`.
pub fn verify(
    services: &Sesshu,
    actor: &Actor,
    checkpoint: &Path,
    key: &Path,
) -> Result<VerifyReport, Failure> {
    let c = Checkpoint::parse(&read(checkpoint, "checkpoint")?)
        .map_err(|e| format!("{}: {}", checkpoint.display(), core(e)))?;
    let public = LogPublicKey::parse(&read(key, "public key")?)
        .map_err(|e| format!("{}: {}", key.display(), core(e)))?;
    services
        .verify_log_with_checkpoint(actor, &c, &public)
        .map_err(core)
}
