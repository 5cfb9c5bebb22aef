//! `sesshu masters kinds | show | import | export`: the masters of H-8,
//! every one through the same commands (ADR 0020). An upload reports its
//! refused rows by row, column and reason, lands the good ones, and with
//! `--dry-run` writes nothing; a download uploads back unchanged.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Receives a day's files from the collective-contract and online
    /// eligibility systems (H_087): every `<interface>_<YYYYMMDD>.csv` in
    /// DIR (docs/masters.md gives each layout). Exit 2 when a row or a
    /// file was refused.
    Receive {
        /// The directory of the day's files.
        dir: PathBuf,
    },
    /// The differences sent daily (H_088): pull a batch, acknowledge it.
    Diff {
        /// Pull or acknowledge.
        #[command(subcommand)]
        command: DiffCommand,
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

/// `masters diff` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DiffCommand {
    /// The batch of differences not yet acknowledged (again), or a new one:
    /// one line per row, tab-separated: interface, master, then the row.
    Pull {
        /// The receiving system.
        #[arg(long, default_value = "collective_contract")]
        receiver: String,
        /// At most this many rows in a new batch.
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
    },
    /// Acknowledges a batch: the next pull starts after it.
    Ack {
        /// The batch id `pull` printed.
        batch: String,
    },
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
                    k.owner.as_str(),
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
            let rows = services.master_rows(&actor()?, kind).map_err(core)?;
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
        MastersCommand::Receive { dir } => return receive(services, &actor()?, dir, out),
        MastersCommand::Diff { command } => match command {
            DiffCommand::Pull { receiver, limit } => {
                match services
                    .pull_master_diff(&actor()?, receiver, *limit)
                    .map_err(core)?
                {
                    None => eprintln!("nothing to send to {receiver}"),
                    Some(d) => {
                        for (interface, row) in &d.rows {
                            let fields = row.fields().join("\t");
                            writeln!(out, "{interface}\t{}\t{fields}", row.kind.name)
                                .map_err(io)?;
                        }
                        let again = if d.redelivery {
                            " (delivered before, not acknowledged)"
                        } else {
                            ""
                        };
                        eprintln!("batch {}: {} rows{again}", d.batch, d.rows.len());
                    }
                }
            }
            DiffCommand::Ack { batch } => {
                let done = services.ack_master_diff(&actor()?, batch).map_err(core)?;
                let what = if done {
                    "acknowledged"
                } else {
                    "already acknowledged"
                };
                writeln!(out, "{batch}: {what}").map_err(io)?;
            }
        },
        MastersCommand::Export {
            kind,
            encoding,
            replace,
            out: path,
        } => {
            let options = encoding.options(*replace);
            let who = actor()?;
            let n = crate::output::write_file(path.as_deref(), |w| {
                services
                    .export_master_csv(&who, kind, w, options)
                    .map_err(core)
            })?;
            eprintln!("{n} rows exported");
        }
    }
    Ok(true)
}

/// `masters receive DIR`: the day's files, each reported.
fn receive(
    services: &Sesshu,
    actor: &Actor,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    use sesshu_core::service::Receipt;
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        if entry.path().is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push((name, read(&entry.path())?));
        }
    }
    let received = services.receive_masters(actor, &files).map_err(core)?;
    let mut clean = true;
    for f in &received {
        match &f.receipt {
            Receipt::Applied(r) => {
                for e in &r.errors {
                    eprintln!("{}: {e}", f.name);
                }
                clean &= r.errors.is_empty();
                writeln!(out, "{}: {r}", f.name).map_err(io)?;
            }
            Receipt::Superseded { latest } => {
                writeln!(
                    out,
                    "{}: superseded by the file of {latest}; nothing changed",
                    f.name
                )
                .map_err(io)?;
            }
            Receipt::Ignored => eprintln!("{}: ignored (not <interface>_<YYYYMMDD>.csv)", f.name),
            Receipt::Refused { code, reason } => {
                clean = false;
                eprintln!("{}: refused, nothing changed: {reason} ({code})", f.name);
            }
            _ => {}
        }
    }
    Ok(clean)
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
