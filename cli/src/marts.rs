//! `sesshu marts …` and `sesshu publish` (H-6): the daily batch, the BI
//! export, and the public dashboard.

use std::io::Write;
use std::path::{Path, PathBuf};

use sesshu_core::calendar::parse_date;
use sesshu_core::marts::export::MartFormat;
use sesshu_core::service::{Actor, Sesshu};

use crate::commands::{core, Failure};
use crate::output::Staged;

/// The `marts` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum MartsCommand {
    /// The daily batch (H_061): counts what changed since the last one
    /// (everything with --full) and takes the date's recommendations
    /// snapshot. A batch a crash stopped is finished first.
    Build {
        /// The batch date (YYYY-MM-DD); today (JST) by default.
        #[arg(long)]
        date: Option<String>,
        /// Count every record again instead of the changes.
        #[arg(long)]
        full: bool,
    },
    /// Writes the marts' exact figures for MHLW's BI tool.
    Export {
        /// The directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// File format: csv or parquet (the latter needs the feature
        /// `parquet`, on by default).
        #[arg(long, default_value = "csv")]
        format: String,
    },
}

/// Runs a `marts` subcommand.
pub fn run(
    s: &Sesshu,
    actor: &Actor,
    command: &MartsCommand,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let w = |out: &mut dyn Write, line: String| writeln!(out, "{line}").map_err(|e| e.to_string());
    match command {
        MartsCommand::Build { date, full } => {
            let date = match date {
                Some(d) => parse_date(d).map_err(|e| format!("--date: {}", core(e)))?,
                None => s.today(),
            };
            let r = s.build_marts(actor, date, *full).map_err(core)?;
            w(
                out,
                format!(
                    "marts built for {date}{}{}: {} records counted, {} cells changed, {} commits; \
                     recommendation targets {}, vaccinated {}",
                    if r.full { " (full rebuild)" } else { "" },
                    if r.resumed { " (a stopped batch finished)" } else { "" },
                    r.records,
                    r.cells_changed,
                    r.steps,
                    r.targets.0,
                    r.targets.1
                ),
            )
        }
        MartsCommand::Export { out: dir, format } => {
            let format = MartFormat::parse(format).map_err(|e| format!("--format: {}", core(e)))?;
            let files = s.export_marts(actor, format).map_err(core)?;
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            for (name, bytes) in files {
                // Exact small counts: written for the analyst only (0600).
                let path = dir.join(&name);
                let mut staged = Staged::create(&path)?;
                staged
                    .writer()
                    .write_all(&bytes)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                staged.persist()?;
                w(out, format!("wrote {}", path.display()))?;
            }
            Ok(())
        }
    }
}

/// `sesshu publish`: writes the dashboard of `date` (the last batch date
/// by default) into `dir`, every figure protected with threshold `k`.
/// Returns the page's path.
pub fn publish(
    s: &Sesshu,
    actor: &Actor,
    dir: &Path,
    k: u64,
    date: Option<&str>,
) -> Result<PathBuf, Failure> {
    let date = match date {
        Some(d) => parse_date(d).map_err(|e| format!("--date: {}", core(e)))?,
        None => s
            .mart_state(actor)
            .map_err(core)?
            .date
            .ok_or("the marts were never built: run `sesshu marts build` first (no_marts)")?,
    };
    let files = s.publish(actor, date, k).map_err(core)?;
    for (name, bytes) in files {
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // Public files, for a web server: suppressed figures only.
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(dir.join("index.html"))
}
