//! `sesshu maternal …` (H-7): maternal and child health data — the data
//! sets, their upload templates, the upload of a filled template (refused
//! rows listed and written to a file to correct; exit 2 when any), the
//! monthly interface files with their registration result, a subject's
//! data, and a data set's download.

use std::io::Write;
use std::path::{Path, PathBuf};

use sesshu_core::maternal::{catalog, ItemType};
use sesshu_core::service::{Actor, CsvEncoding, Sesshu};

use crate::commands::{core, Failure, OutputEncoding};
use crate::import::InputEncoding;
use crate::output::write_file;

/// The `maternal` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum MaternalCommand {
    /// The thirteen data sets: name, interface, template, label, columns.
    Datasets,
    /// Writes a data set's upload template (header, then a `#` row that
    /// describes each column).
    Template {
        /// The data set (`sesshu maternal datasets`).
        data_set: String,
        /// The file to write (`-`: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// UTF-8 with BOM (default) or Shift_JIS, as Excel for Japan saves.
        #[arg(long, value_enum, default_value_t)]
        encoding: OutputEncoding,
    },
    /// Uploads a filled template: the good rows are registered, the refused
    /// ones listed (exit 2 when any).
    Upload {
        /// The data set.
        data_set: String,
        /// The CSV file.
        file: PathBuf,
        /// Check every row and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the refused rows here (row, column, reason, then the
        /// values as given), created 0600.
        #[arg(long)]
        errors_out: Option<PathBuf>,
        /// The file's encoding.
        #[arg(long, value_enum, default_value_t)]
        encoding: InputEncoding,
    },
    /// Receives a month's interface file (H_071-*_IF, JSON) and writes the
    /// registration result (exit 2 when a row was refused).
    Receive {
        /// The interface file.
        file: PathBuf,
        /// Write the registration result (JSON) here (default: standard output).
        #[arg(long)]
        result_out: Option<PathBuf>,
    },
    /// A subject's data of every set, as the municipality may see it.
    Show {
        /// 予防接種対象者番号.
        #[arg(long)]
        subject: String,
    },
    /// Downloads the rows of a data set the municipality registered, in
    /// the upload layout.
    Export {
        /// The data set.
        data_set: String,
        /// The file to write, created 0600 (`-`: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// UTF-8 with BOM (default) or Shift_JIS.
        #[arg(long, value_enum, default_value_t)]
        encoding: OutputEncoding,
    },
}

fn io(e: std::io::Error) -> Failure {
    e.to_string()
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn type_name(ty: ItemType) -> &'static str {
    match ty {
        ItemType::Date => "date",
        ItemType::Integer { .. } => "integer",
        ItemType::Measure { .. } => "measure",
        ItemType::Code(_) => "code",
        ItemType::Text { .. } => "text",
    }
}

/// Runs a `maternal` subcommand; `actor` verifies the municipality's staff
/// (or its system's token). Returns false when rows were refused.
pub fn run(
    s: &Sesshu,
    actor: &dyn Fn() -> Result<Actor, Failure>,
    command: &MaternalCommand,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    match command {
        MaternalCommand::Datasets => {
            for d in catalog::ALL {
                let items: Vec<String> = d
                    .items
                    .iter()
                    .map(|i| format!("{}:{}", i.name, type_name(i.ty)))
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    d.name,
                    d.interface,
                    d.template,
                    d.label,
                    items.join(",")
                )
                .map_err(io)?;
            }
        }
        MaternalCommand::Template {
            data_set,
            out: path,
            encoding,
        } => {
            let bytes = s
                .maternal_template(data_set, encoding.options(None))
                .map_err(core)?;
            write_file(path.as_deref(), |w| {
                w.write_all(&bytes).map_err(io).map(|()| 0usize)
            })?;
        }
        MaternalCommand::Upload {
            data_set,
            file,
            dry_run,
            errors_out,
            encoding,
        } => {
            let opened = std::fs::File::open(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let encoding = match encoding {
                InputEncoding::Utf8 => CsvEncoding::Utf8Bom,
                InputEncoding::ShiftJis => CsvEncoding::ShiftJis,
            };
            let up = s
                .upload_maternal_reader(&actor()?, data_set, opened, encoding, *dry_run)
                .map_err(|e| format!("{}: {}", file.display(), core(e)))?;
            for r in &up.refused {
                eprintln!(
                    "{}: row {}{}: {} ({})",
                    file.display(),
                    r.row,
                    r.column
                        .as_deref()
                        .map(|c| format!(", column {c}"))
                        .unwrap_or_default(),
                    r.reason,
                    r.code
                );
            }
            if let (Some(path), false) = (errors_out, up.refused.is_empty()) {
                let options = OutputEncoding::Utf8.options(None);
                let errors = s.maternal_errors_csv(&up, options).map_err(core)?;
                write_file(Some(path), |w| w.write_all(&errors).map_err(io).map(|()| 0))?;
            }
            let what = if up.dry_run {
                "would register"
            } else {
                "registered"
            };
            writeln!(
                out,
                "{}: {} rows read, {what} {}, {} unchanged, {} refused",
                file.display(),
                up.rows,
                up.registered,
                up.unchanged,
                up.refused.len()
            )
            .map_err(io)?;
            return Ok(up.refused.is_empty());
        }
        MaternalCommand::Receive { file, result_out } => {
            let result = s
                .receive_maternal(&actor()?, &read(file)?)
                .map_err(|e| format!("{}: {}", file.display(), core(e)))?;
            let json = result.to_json() + "\n";
            match result_out {
                Some(path) => {
                    write_file(Some(path), |w| {
                        w.write_all(json.as_bytes()).map_err(io).map(|()| 0)
                    })?;
                    writeln!(
                        out,
                        "{}: {} rows, {} registered, {} unchanged, {} refused",
                        file.display(),
                        result.received,
                        result.registered,
                        result.unchanged,
                        result.refused.len()
                    )
                    .map_err(io)?;
                }
                None => out.write_all(json.as_bytes()).map_err(io)?,
            }
            return Ok(result.refused.is_empty());
        }
        MaternalCommand::Show { subject } => {
            for r in s.maternal_data_of(&actor()?, subject).map_err(core)? {
                let values: Vec<String> = r
                    .row
                    .values
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    r.row.data_set.name,
                    r.row.subject,
                    r.municipality,
                    values.join(" ")
                )
                .map_err(io)?;
            }
        }
        MaternalCommand::Export {
            data_set,
            out: path,
            encoding,
        } => {
            let who = actor()?;
            let n = write_file(path.as_deref(), |w| {
                s.export_maternal_csv(&who, data_set, w, encoding.options(None))
                    .map_err(core)
            })?;
            eprintln!("{n} rows exported");
        }
    }
    Ok(true)
}
