//! `sesshu notices …` (H-11): register, list, change and cancel notices,
//! the dispatch batch, and the signed-in user's notice board.

use std::io::Write;
use std::path::PathBuf;

use sesshu_core::calendar::{parse_date, parse_timestamp, utc_text};
use sesshu_core::notices::{Notice, NoticeDraft};
use sesshu_core::service::{Actor, Sesshu};

use crate::commands::{core, Failure};

/// A notice as entered.
#[derive(Debug, Clone, clap::Args)]
pub struct NoticeArgs {
    /// 件名.
    #[arg(long)]
    pub title: String,
    /// 通知内容 (or --body-file).
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// A UTF-8 file with the content.
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// 通知先: an organisation type, or type:role (e.g.
    /// medical_institution:doctor); repeatable.
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// 通知メール送信日時 (RFC 3339); without it the notice is sent now.
    #[arg(long)]
    pub send_at: Option<String>,
    /// First day on the notice board (YYYY-MM-DD).
    #[arg(long)]
    pub display_from: String,
    /// Last day on the notice board, included.
    #[arg(long)]
    pub display_until: String,
}

impl NoticeArgs {
    fn draft(&self) -> Result<NoticeDraft, Failure> {
        let body = match (&self.body, &self.body_file) {
            (Some(b), _) => b.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            (None, None) => return Err("a notice needs --body or --body-file".into()),
        };
        Ok(NoticeDraft {
            title: self.title.clone(),
            body,
            targets: self.targets.clone(),
            send_at: self
                .send_at
                .as_deref()
                .map(parse_timestamp)
                .transpose()
                .map_err(|e| format!("--send-at: {}", core(e)))?,
            display_from: parse_date(&self.display_from)
                .map_err(|e| format!("--display-from: {}", core(e)))?,
            display_until: parse_date(&self.display_until)
                .map_err(|e| format!("--display-until: {}", core(e)))?,
        })
    }
}

/// The `notices` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum NoticesCommand {
    /// Registers a notice: sent now, or at --send-at by `notices dispatch`.
    Create(NoticeArgs),
    /// Every notice.
    List,
    /// Changes a scheduled notice, from the version listed.
    Change {
        /// The notice's id.
        id: String,
        /// The version as listed.
        #[arg(long)]
        version: i64,
        /// The notice as it should be.
        #[command(flatten)]
        notice: NoticeArgs,
    },
    /// Cancels a scheduled notice, from the version listed.
    Cancel {
        /// The notice's id.
        id: String,
        /// The version as listed.
        #[arg(long)]
        version: i64,
    },
    /// The batch: sends every scheduled notice whose time has come (each
    /// once, however often it runs).
    Dispatch,
    /// The notice board of the signed-in user.
    Board,
}

fn io(e: std::io::Error) -> Failure {
    e.to_string()
}

fn print(n: &Notice, version: Option<i64>, out: &mut dyn Write) -> Result<(), Failure> {
    let targets: Vec<String> = n.targets.iter().map(ToString::to_string).collect();
    writeln!(
        out,
        "{}\t{}\t{}send {}\tshown {}..{}\tto {}{}\t{}",
        n.id,
        n.status,
        version
            .map(|v| format!("version {v}\t"))
            .unwrap_or_default(),
        utc_text(n.send_at),
        n.display_from,
        n.display_until,
        targets.join(","),
        n.sent_at
            .map(|_| format!("\t{} e-mails", n.recipients))
            .unwrap_or_default(),
        n.title
    )
    .map_err(io)
}

/// Runs a `notices` subcommand as `actor`.
pub fn run(
    s: &Sesshu,
    actor: &Actor,
    command: &NoticesCommand,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        NoticesCommand::Create(args) => {
            let n = s.create_notice(actor, &args.draft()?).map_err(core)?;
            print(&n.notice, Some(n.version), out)
        }
        NoticesCommand::List => {
            for n in s.notices(actor).map_err(core)? {
                print(&n.notice, Some(n.version), out)?;
            }
            Ok(())
        }
        NoticesCommand::Change {
            id,
            version,
            notice,
        } => {
            let n = s
                .change_notice(actor, id, &notice.draft()?, *version)
                .map_err(core)?;
            print(&n.notice, Some(n.version), out)
        }
        NoticesCommand::Cancel { id, version } => {
            let n = s.cancel_notice(actor, id, *version).map_err(core)?;
            print(&n.notice, Some(n.version), out)
        }
        NoticesCommand::Dispatch => {
            let report = s.dispatch_notices(actor).map_err(core)?;
            for (id, n) in &report.sent {
                writeln!(out, "{id}: {n} e-mails in the outbox").map_err(io)?;
            }
            writeln!(out, "{} notices sent", report.sent.len()).map_err(io)
        }
        NoticesCommand::Board => {
            for n in s.notice_board(actor).map_err(core)? {
                print(&n, None, out)?;
                writeln!(out, "  {}", n.body.replace('\n', "\n  ")).map_err(io)?;
            }
            Ok(())
        }
    }
}
