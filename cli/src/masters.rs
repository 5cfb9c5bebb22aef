//! `sesshu masters kinds | show | import | export`: the masters of H-8,
//! every one through the same commands (ADR 0020). An upload reports its
//! refused rows by row, column and reason, lands the good ones, and with
//! `--dry-run` writes nothing; a download uploads back unchanged.

use std::io::Write;
use std::path::{Path, PathBuf};

use sesshu_core::masters::Owner;
use sesshu_core::service::{Actor, CsvEncoding, Sesshu};

use crate::commands::{core, Failure, OutputEncoding};
use crate::import::InputEncoding;

/// The `masters` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum MastersCommand {
    /// The declared masters: name, owner, label and columns.
    Kinds,
    /// A master's rows, tab-separated (every version, or the one valid on
    /// --as-of).
    Show {
        /// The master (`sesshu masters kinds`).
        kind: String,
        /// Only the versions valid on this day (YYYY-MM-DD).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Uploads a master's CSV file: its header names the master's columns,
    /// then valid_from and valid_to. Refused rows are listed; the good ones
    /// land (exit 2 when any row was refused).
    Import {
        /// The master.
        kind: String,
        /// The CSV file.
        file: PathBuf,
        /// Check every row and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// The file's encoding.
        #[arg(long, value_enum, default_value_t)]
        encoding: InputEncoding,
    },
    /// Downloads a master in its upload layout.
    Export {
        /// The master.
        kind: String,
        /// UTF-8 with BOM (default) or Shift_JIS.
        #[arg(long, value_enum, default_value_t)]
        encoding: OutputEncoding,
        /// For Shift_JIS: write this character for one it cannot hold.
        #[arg(long)]
        replace: Option<char>,
        /// The file to write, created 0600 (default, or `-`: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn owner(o: Owner) -> &'static str {
    match o {
        Owner::Mhlw => "mhlw",
        Owner::Municipality => "municipality",
        Owner::Institution => "institution",
        Owner::Federation => "federation",
        Owner::Central => "central",
    }
}

fn io(e: std::io::Error) -> Failure {
    e.to_string()
}

/// Runs a `masters` subcommand; `actor` verifies the operator for the
/// commands that write. Returns false when an upload refused rows.
pub fn run(
    services: &Sesshu,
    actor: &dyn Fn() -> Result<Actor, Failure>,
    command: &MastersCommand,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    match command {
        MastersCommand::Kinds => {
            for k in services.master_kinds() {
                let columns = k.file_columns().join(",");
                writeln!(
                    out,
                    "{}\t{}\t{}\t{columns}",
                    k.name,
                    owner(k.owner),
                    k.label
                )
                .map_err(io)?;
            }
        }
        MastersCommand::Show { kind, as_of } => {
            let day = as_of
                .as_deref()
                .map(sesshu_core::calendar::parse_date)
                .transpose()
                .map_err(core)?;
            let rows = services.master_rows(kind).map_err(core)?;
            let k = sesshu_core::masters::MasterKind::named(kind).map_err(core)?;
            writeln!(out, "{}", k.file_columns().join("\t")).map_err(io)?;
            let mut n = 0;
            for row in rows.iter().filter(|r| day.is_none_or(|d| r.valid_on(d))) {
                writeln!(out, "{}", row.fields().join("\t")).map_err(io)?;
                n += 1;
            }
            eprintln!("{n} rows");
        }
        MastersCommand::Import {
            kind,
            file,
            dry_run,
            encoding,
        } => {
            let bytes = read(file)?;
            let encoding = match encoding {
                InputEncoding::Utf8 => CsvEncoding::Utf8Bom,
                InputEncoding::ShiftJis => CsvEncoding::ShiftJis,
            };
            let report = services
                .import_master_csv(&actor()?, kind, &bytes, encoding, *dry_run)
                .map_err(|e| format!("{}: {}", file.display(), core(e)))?;
            for e in &report.errors {
                eprintln!("{}: {e}", file.display());
            }
            writeln!(out, "{}: {report}", file.display()).map_err(io)?;
            return Ok(report.errors.is_empty());
        }
        MastersCommand::Export {
            kind,
            encoding,
            replace,
            out: path,
        } => {
            let options = encoding.options(*replace);
            let n = crate::output::write_file(path.as_deref(), |w| {
                services.export_master_csv(kind, w, options).map_err(core)
            })?;
            eprintln!("{n} rows exported");
        }
    }
    Ok(true)
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
