//! `sesshu zengin load FILE|DIR | rollback | status | check BANK BRANCH`:
//! the zengin code-check master (全銀協コードチェックマスタ, H_081-027),
//! replaced whole each month from the file 国保中央会 hands over. A file
//! that fails its checks is refused whole and changes nothing.

use std::io::Write;
use std::path::Path;

use sesshu_core::service::{Actor, CsvEncoding, Sesshu, ZenginReport};
use sesshu_core::zengin::{ZenginError, ZenginFile, ZenginLoad, ZenginStatus};

use crate::commands::{core, Failure};
use crate::import::InputEncoding;

/// The `zengin` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ZenginCommand {
    /// Replaces the master whole with FILE (the CSV layout: bank_code,
    /// bank_name, bank_kana, branch_code, branch_name, branch_kana) or DIR
    /// (the open zengin-code data set: banks.json and branches/*.json). The
    /// contents in use become the backup.
    Load {
        /// The file or the data set's directory.
        path: std::path::PathBuf,
        /// The CSV's encoding.
        #[arg(long, value_enum, default_value_t)]
        encoding: InputEncoding,
    },
    /// Restores the backup (the contents it replaces become the backup).
    Rollback,
    /// The contents in use and the backup: counts, load time, SHA-256.
    Status,
    /// The account check of a bank and branch code against the master.
    Check {
        /// 金融機関コード (4 digits).
        bank: String,
        /// 支店コード (3 digits).
        branch: String,
    },
}

/// Reads a zengin file or data-set directory, checked whole.
pub fn read(path: &Path, encoding: InputEncoding) -> Result<ZenginFile, Failure> {
    let named = |e: ZenginError| {
        let mut message = format!("{}: {}", path.display(), core(e.clone()));
        if let ZenginError::Refused { problems } = &e {
            for p in problems {
                message.push_str(&format!("\n  {p}"));
            }
        }
        message
    };
    if path.is_dir() {
        let mut files = Vec::new();
        let banks = path.join("banks.json");
        if banks.is_file() {
            files.push(("banks.json".to_owned(), read_bytes(&banks)?));
        }
        let branches = path.join("branches");
        if branches.is_dir() {
            let entries = std::fs::read_dir(&branches)
                .map_err(|e| format!("cannot read {}: {e}", branches.display()))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("{}: {e}", branches.display()))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".json") {
                    files.push((format!("branches/{name}"), read_bytes(&entry.path())?));
                }
            }
        }
        ZenginFile::from_dataset(&files).map_err(named)
    } else {
        let bytes = read_bytes(path)?;
        let encoding = match encoding {
            InputEncoding::Utf8 => CsvEncoding::Utf8Bom,
            InputEncoding::ShiftJis => CsvEncoding::ShiftJis,
        };
        ZenginFile::from_csv(&bytes, encoding).map_err(named)
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn load_line(role: &str, load: Option<&ZenginLoad>) -> String {
    match load {
        None => format!("{role}: none"),
        Some(l) => format!(
            "{role}: load {} — {} banks, {} branches, loaded {}, from {}, sha256 {}",
            l.generation,
            l.banks,
            l.branches,
            sesshu_core::calendar::utc_text(l.loaded_at),
            l.source,
            l.sha256
        ),
    }
}

fn print_status(status: &ZenginStatus, out: &mut dyn Write) -> Result<(), Failure> {
    writeln!(out, "{}", load_line("current", status.current.as_ref()))
        .and_then(|()| writeln!(out, "{}", load_line("backup", status.backup.as_ref())))
        .map_err(|e| e.to_string())
}

/// Runs a `zengin` subcommand; `actor` verifies the operator for the
/// commands that change the master. Returns whether the check passed (for
/// `check`) or the command succeeded.
pub fn run(
    services: &Sesshu,
    actor: &dyn Fn() -> Result<Actor, Failure>,
    command: &ZenginCommand,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    let report = |r: ZenginReport, what: &str, out: &mut dyn Write| {
        writeln!(out, "{what}").map_err(|e| e.to_string())?;
        print_status(&r.status, out)
    };
    match command {
        ZenginCommand::Load { path, encoding } => {
            let file = read(path, *encoding)?;
            for ignored in &file.ignored {
                eprintln!(
                    "{}: ignored {ignored} (its bank is not in banks.json)",
                    path.display()
                );
            }
            let source = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let r = services
                .zengin_load(&actor()?, file, &source)
                .map_err(core)?;
            let what = if r.changed {
                "zengin master replaced; the previous contents are the backup"
            } else {
                "unchanged: this file is the one in use (its backup is kept)"
            };
            report(r, what, out)?;
        }
        ZenginCommand::Rollback => {
            let r = services.zengin_rollback(&actor()?).map_err(core)?;
            report(r, "zengin master rolled back to the backup", out)?;
        }
        ZenginCommand::Status => print_status(&services.zengin_status().map_err(core)?, out)?,
        ZenginCommand::Check { bank, branch } => {
            return match services.zengin_check(bank, branch) {
                Ok(()) => {
                    writeln!(out, "{bank}-{branch}: known").map_err(|e| e.to_string())?;
                    Ok(true)
                }
                Err(e) if e.kind() == sesshu_core::ErrorKind::Validation => {
                    writeln!(out, "{bank}-{branch}: refused: {}", core(e))
                        .map_err(|e| e.to_string())?;
                    Ok(false)
                }
                Err(e) => Err(core(e)),
            };
        }
    }
    Ok(true)
}
