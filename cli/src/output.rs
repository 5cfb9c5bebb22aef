//! Files the command writes (exports, certificates): personal data, so each
//! is created `0600`, written beside its destination and renamed into
//! place only once it is whole, and never written through a symbolic link
//! or over anything that is not a regular file.
//!
//! `-` names standard output.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::commands::Failure;

/// Whether `path` is the operator's way of naming standard output (`-`).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses a destination the command must not replace: a symbolic link
/// (whose target would be left alone while the link is swapped for a file)
/// or anything but a regular file (`/dev/stdout`, a directory, a pipe).
pub fn check_destination(path: &Path) -> Result<(), Failure> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot write {}: {e}", path.display())),
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "refusing to write {}: it is a symbolic link (name the file itself, or `--out -` for standard output)",
            path.display()
        )),
        Ok(m) if !m.is_file() => Err(format!(
            "refusing to write {}: it is not a regular file (use `--out -` for standard output)",
            path.display()
        )),
        Ok(_) => Ok(()),
    }
}

/// A file being written: a temporary file (mode `0600`) in the
/// destination's folder, renamed over the destination by [`Staged::persist`]
/// and removed if dropped before.
pub struct Staged {
    path: PathBuf,
    tmp: PathBuf,
    file: BufWriter<File>,
    persisted: bool,
}

impl Staged {
    /// Starts writing `path`: checks the destination, then creates the
    /// temporary file beside it (never following a link; a failure names
    /// the path).
    pub fn create(path: &Path) -> Result<Self, Failure> {
        check_destination(path)?;
        let name = path
            .file_name()
            .ok_or_else(|| format!("cannot write {}: it names no file", path.display()))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.partial", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Staged {
            path: path.to_owned(),
            tmp,
            file: BufWriter::new(file),
            persisted: false,
        })
    }

    /// Where the bytes go until [`Staged::persist`].
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.file
    }

    /// Flushes the bytes to disk (so a later rename cannot reveal an empty
    /// file), without putting them in place yet.
    pub fn finish(&mut self) -> Result<(), Failure> {
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        self.file.flush().map_err(fail)?;
        self.file.get_ref().sync_all().map_err(fail)
    }

    /// Finishes the file and renames it over the destination.
    pub fn persist(mut self) -> Result<(), Failure> {
        self.finish()?;
        check_destination(&self.path)?;
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Runs `write` into `path` through a [`Staged`] file (a failure leaves
/// the destination as it was), or into standard output when `path` is
/// `None` or `-`.
pub fn write_file(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<usize, Failure>,
) -> Result<usize, Failure> {
    match path {
        None => write(&mut std::io::stdout().lock()),
        Some(p) if is_stdout(p) => write(&mut std::io::stdout().lock()),
        Some(p) => {
            let mut staged = Staged::create(p)?;
            let n = write(staged.writer())?;
            staged.persist()?;
            Ok(n)
        }
    }
}
