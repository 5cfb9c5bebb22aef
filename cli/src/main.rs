//! `sesshu`: the operator's command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sesshu_cli::commands::{self, LogArgs, OutputEncoding, QueryArgs};
use sesshu_cli::identity::{self, Claimed, Credential};
use sesshu_cli::import::{self, InputEncoding};
use sesshu_cli::store as stores;
use sesshu_core::calendar::parse_timestamp;
use sesshu_core::service::{Actor, Sesshu, StoreMode};

/// The rules of municipal vaccination administration (予防接種事務), for operators.
#[derive(Parser)]
#[command(name = "sesshu", version, about)]
struct Cli {
    /// The store: a SQLite file, or a PostgreSQL URL (postgres://…).
    #[arg(long, global = true, env = "SESSHU_DB", default_value = "sesshu.db")]
    db: String,
    /// Development stores only: the municipality (全国地方公共団体コード) the
    /// operator acts for. A production store takes the identity from the
    /// credential; `init` reads it as the first operator's organisation.
    #[arg(long, global = true, env = "SESSHU_MUNICIPALITY")]
    municipality: Option<String>,
    /// Development stores only: act for this organisation instead of a
    /// municipality (with --org-type and --role), e.g. `--org-type central
    /// --org CENTRAL --role central`.
    #[arg(long, global = true, env = "SESSHU_ORG")]
    org: Option<String>,
    /// Development stores only: the type of --org (default municipality).
    #[arg(long, global = true, env = "SESSHU_ORG_TYPE")]
    org_type: Option<String>,
    /// Development stores only: the role held in --org (default: the
    /// organisation type's staff role).
    #[arg(long, global = true, env = "SESSHU_ROLE")]
    role: Option<String>,
    /// Development stores only: the operator's user id for the access log
    /// (default `operator`).
    #[arg(long, global = true, env = "SESSHU_USER")]
    user: Option<String>,
    /// An organisation access token (or session token) to act with, for
    /// batches and systems. Prefer --token-file: an environment variable
    /// can be read by other processes of the same user.
    #[arg(
        long = "token",
        global = true,
        env = "SESSHU_TOKEN",
        hide_env_values = true,
        hide = true
    )]
    token: Option<String>,
    /// A file holding the organisation access token to act with (0600).
    #[arg(long, global = true, env = "SESSHU_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Where `sesshu login` keeps the session (default
    /// `$HOME/.config/sesshu/session`).
    #[arg(long, global = true, env = "SESSHU_SESSION_FILE")]
    session_file: Option<PathBuf>,
    /// Pin "now" (RFC 3339) for a reproducible run; default: the system clock.
    #[arg(long, global = true)]
    now: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rule scenarios (language-neutral test cases).
    Scenarios {
        #[command(subcommand)]
        command: ScenariosCommand,
    },
    /// Builds a synthetic town in a SQLite database, runs the flows on it and
    /// prints what the rules decided.
    Demo(sesshu_cli::demo::DemoArgs),
    /// Creates the store (or brings its schema up to date). A production
    /// store (the default) verifies every operator; with --municipality
    /// (or --org/--org-type), --admin-email and --admin-name it issues the
    /// first operator's one-time credential.
    Init {
        /// A development store (the demo, examples, tests): identity flags
        /// are believed as given. Never for real residents' data.
        #[arg(long)]
        development: bool,
        /// The first operator's e-mail address.
        #[arg(long, requires = "admin_name")]
        admin_email: Option<String>,
        /// The first operator's name.
        #[arg(long, requires = "admin_email")]
        admin_name: Option<String>,
    },
    /// Sets the password of a new account from its temporary password and
    /// activation token (read from the terminal, or three lines of stdin).
    Activate {
        /// The user id.
        user_id: String,
    },
    /// Signs in (password, then the TOTP code where enrolled) and keeps a
    /// short-lived session in the session file (0600).
    Login {
        /// The user id.
        user_id: String,
    },
    /// Ends the session and removes the session file.
    Logout,
    /// Who the command acts as on this store.
    Whoami,
    /// Fills the store with a deterministic synthetic population (for
    /// benchmarks), through the import services.
    Generate(sesshu_cli::demo::GenerateArgs),
    /// Imports a CSV file from a municipality's system.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: ImportKind,
        /// The CSV file.
        file: PathBuf,
        /// The file's encoding.
        #[arg(long, value_enum, default_value_t)]
        encoding: InputEncoding,
    },
    /// Vaccination records the municipality may see (H-3-2).
    Records {
        #[command(subcommand)]
        command: RecordsCommand,
    },
    /// Delivery to the municipality's health-management system (H-3-1).
    Deliver {
        #[command(subcommand)]
        command: DeliverCommand,
    },
    /// The masters (H-8): the declared masters, their rows, upload with
    /// per-row errors (or a dry run) and download in the same layout.
    Masters {
        #[command(subcommand)]
        command: sesshu_cli::masters::MastersCommand,
    },
    /// The zengin code-check master (H_081-027): monthly full replacement
    /// with a backup, rollback, status and the account check.
    Zengin {
        #[command(subcommand)]
        command: sesshu_cli::zengin::ZenginCommand,
    },
    /// Maternal and child health data (H-7): data sets, templates, uploads
    /// with per-row refusals, interface files, a subject's data, downloads.
    Maternal {
        #[command(subcommand)]
        command: sesshu_cli::maternal::MaternalCommand,
    },
    /// Bank-account applications (H-9): an institution applies, its
    /// federation approves or rejects; the active accounts.
    Bank {
        #[command(subcommand)]
        command: sesshu_cli::bank::BankCommand,
    },
    /// A federation's links of bank codes to its own accounts (H-10).
    FederationLinks {
        #[command(subcommand)]
        command: sesshu_cli::bank::LinkCommand,
    },
    /// Notices (H-11): register, change, cancel, the dispatch batch and the
    /// notice board.
    Notices {
        #[command(subcommand)]
        command: sesshu_cli::notices::NoticesCommand,
    },
    /// The marts (H-6, H_061): the daily batch and the BI export.
    Marts {
        #[command(subcommand)]
        command: sesshu_cli::marts::MartsCommand,
    },
    /// Writes the public dashboard (H_062): a static site whose figures
    /// are suppressed so that no one can be singled out.
    Publish {
        /// The directory to write the site into.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Counts from 1 to K−1 are suppressed (and enough others that
        /// none can be recovered).
        #[arg(long, default_value_t = 10)]
        threshold: u64,
        /// The date of the figures; the last batch date by default.
        #[arg(long)]
        date: Option<String>,
    },
    /// The access log (H-12).
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Accounts (H-1): the first-administrator batch, user creation and the
    /// inactivity batches.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Organisation access tokens (H-2).
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// The notification outbox that the embedding system sends.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Vaccination certificates (予防接種済証, H-5) and the issuance register.
    Certificate {
        #[command(subcommand)]
        command: CertificateCommand,
    },
    /// Pre-screening questionnaire answers (予診票回答, H-4).
    Questionnaire {
        #[command(subcommand)]
        command: QuestionnaireCommand,
    },
}

#[derive(Subcommand)]
enum QuestionnaireCommand {
    /// Stores a record's answers from a JSON file `{"subject": {…},
    /// "institution": {…}}` (the institution that gave the vaccination, or
    /// the responsible municipality).
    Put {
        /// The vaccination record's id.
        record: String,
        /// The JSON file.
        file: PathBuf,
    },
    /// Prints a record's answers as staff see them, with the items the
    /// institution changed, as JSON.
    Show {
        /// The vaccination record's id.
        record: String,
    },
    /// Lists the records with answers the municipality may see
    /// (tab-separated), searched like `records list`.
    List {
        #[command(flatten)]
        query: QueryArgs,
        /// At most this many questionnaires.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Downloads the answers as CSV, one line per record and item (UTF-8
    /// with BOM, or Shift_JIS), searched like `records export`.
    Export(ExportArgs),
}

#[derive(Subcommand)]
enum CertificateCommand {
    /// Issues a certificate of certifiable records and writes the PDF.
    Issue(Box<sesshu_cli::certificates::IssueArgs>),
    /// The issuance register, tab-separated.
    List {
        /// Only this person's certificates.
        #[arg(long)]
        person: Option<String>,
    },
    /// The issuance register as CSV (UTF-8 with BOM, or Shift_JIS).
    Export {
        /// Only this person's certificates.
        #[arg(long)]
        person: Option<String>,
        #[command(flatten)]
        file: FileArgs,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Issues first administrators from the received masters (自治体マスタ,
    /// 広域連合マスタ, 医療機関マスタ, 管理者マスタ and the letters of
    /// delegation, as of today), or from one day's masters in a JSON file
    /// (`municipalities`, `unions`, `medical_institutions`,
    /// `administrators`); rerunning issues nothing twice.
    Extract {
        /// A masters file (JSON) instead of the stored masters.
        masters: Option<PathBuf>,
    },
    /// Creates a user of your organisation (administrators); prints the
    /// user id, temporary password and URL token to hand over.
    Create {
        /// The new user's e-mail address.
        #[arg(long)]
        email: String,
        /// The new user's name.
        #[arg(long)]
        name: String,
        /// The role the new user holds in your organisation (municipality,
        /// administrator, doctor, …). Not `--role`, which is your own.
        #[arg(long = "user-role", value_name = "ROLE")]
        user_role: String,
    },
    /// Lists the users of your organisation (administrators).
    List {
        /// Start after this user id.
        #[arg(long)]
        after: Option<String>,
        /// At most this many users.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Records an organisation's type and whether it is connected to the
    /// online eligibility network (the operator); municipality staff issue
    /// tokens only for medical institutions outside it.
    RegisterOrganisation {
        /// The organisation's code.
        code: String,
        /// Its type (municipality, medical_institution, …). Not `--org-type`,
        /// which is the operator's own.
        #[arg(long = "type")]
        kind: String,
        /// Connected to the online eligibility network (オンライン資格確認).
        #[arg(long)]
        online_eligibility: bool,
    },
    /// The inactivity batch for execution date --date: --notice a month
    /// before, --execute on the day.
    Inactivity {
        /// Warn the accounts that will be suspended.
        #[arg(long, conflicts_with = "execute", required_unless_present = "execute")]
        notice: bool,
        /// Suspend the accounts still inactive.
        #[arg(long)]
        execute: bool,
        /// The execution date, YYYY-MM-DD.
        #[arg(long)]
        date: String,
    },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Issues a token for an organisation; prints it once.
    Issue {
        /// The organisation the token acts for (default: your own).
        #[arg(long = "for")]
        for_org: Option<String>,
        /// Its type (default: your own organisation's type).
        #[arg(long = "for-type")]
        for_type: Option<String>,
        /// What the holder calls the system.
        #[arg(long)]
        label: String,
        /// Expires after this many days, 1 to 3650 (default: never).
        #[arg(long, allow_negative_numbers = true)]
        valid_days: Option<i64>,
    },
    /// Checks a token (argument, or stdin when omitted).
    Verify { token: Option<String> },
    /// Revokes a token by id.
    Revoke { id: String },
    /// Issues a successor; the old token stays valid for the overlap.
    Rotate { id: String },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// Unsent notifications as JSON lines.
    List {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Include the secrets (for the system that sends the mail).
        #[arg(long)]
        with_secrets: bool,
    },
    /// Marks notifications sent (their secrets are erased).
    Ack {
        /// Sequence numbers from `outbox list`.
        #[arg(required = true)]
        seqs: Vec<i64>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ImportKind {
    /// management_id,subject_number,name,name_kana,birth_date,sex,pmh_key
    Persons,
    /// management_id,municipality,from,to
    Residency,
    /// id,management_id,responsible,category,vaccine,dose_number,date,lot,institution,erroneous
    Records,
}

#[derive(Subcommand)]
enum ScenariosCommand {
    /// Runs every case of the given files or folders; prints each failure
    /// and `N passed, N failed`; exits non-zero when any case failed.
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RecordsCommand {
    /// Lists matching records (tab-separated).
    List {
        #[command(flatten)]
        query: QueryArgs,
        /// At most this many records.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Downloads matching records as CSV.
    Export(ExportArgs),
}

/// What a download searches, and where and how it writes.
#[derive(clap::Args)]
struct ExportArgs {
    #[command(flatten)]
    query: QueryArgs,
    #[command(flatten)]
    file: FileArgs,
}

/// Where and how a download writes.
#[derive(clap::Args)]
struct FileArgs {
    /// UTF-8 with BOM (default) or Shift_JIS.
    #[arg(long, value_enum, default_value_t)]
    encoding: OutputEncoding,
    /// For Shift_JIS: write this character for one it cannot hold
    /// (default: refuse, naming row and column).
    #[arg(long)]
    replace: Option<char>,
    /// The file to write, created 0600 (default, or `-`: standard output).
    /// A symbolic link or anything but a regular file is refused.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
enum DeliverCommand {
    /// Pulls the next batch (the unacknowledged one again, if any) as JSON.
    Pull {
        /// At most this many records.
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
    },
    /// Acknowledges a batch.
    Ack {
        /// The batch id from `deliver pull`.
        batch: String,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Searches the log (disclosure requests): every entry the municipality
    /// may see, tab-separated.
    Search(LogArgs),
    /// Downloads the entries the search finds as CSV (UTF-8 with BOM, or
    /// Shift_JIS).
    Export {
        #[command(flatten)]
        search: LogArgs,
        #[command(flatten)]
        file: FileArgs,
    },
    /// Walks the hash chain and names the first entry that does not match;
    /// with `--checkpoint` and `--key`, also fails when the log is shorter
    /// than the signed checkpoint or does not contain it.
    Verify {
        /// A checkpoint written by `log checkpoint`.
        #[arg(long, requires = "key")]
        checkpoint: Option<PathBuf>,
        /// The public key (`K.pub`) of the key that signed it.
        #[arg(long, requires = "checkpoint")]
        key: Option<PathBuf>,
    },
    /// Makes a checkpoint-signing key: `OUT` (private, 0600: keep it away
    /// from the store and its backups) and `OUT.pub` (for verifiers).
    Keygen {
        /// Where the private key goes; never replaced.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verifies the chain, then writes a checkpoint of it (entry count,
    /// last hash, time) signed with the private key.
    Checkpoint {
        /// The private key from `log keygen`.
        #[arg(long)]
        key: PathBuf,
        /// Where the checkpoint (JSON) goes; `-` for standard output.
        #[arg(long)]
        out: PathBuf,
    },
}

fn services(cli: &Cli) -> Result<Sesshu, String> {
    services_over(cli, stores::open)
}

/// The services over the store `cli.db`, opened by `open` ([`stores::open`]
/// for an existing store; [`stores::create`] for `init` and `generate`).
fn services_over(
    cli: &Cli,
    open: fn(
        &str,
    ) -> Result<
        std::sync::Arc<dyn sesshu_core::store::Store>,
        sesshu_core::store::StoreError,
    >,
) -> Result<Sesshu, String> {
    let fixed = cli
        .now
        .as_deref()
        .map(parse_timestamp)
        .transpose()
        .map_err(|e| e.to_string())?;
    let store = open(&cli.db).map_err(|e| format!("cannot open {}: {e} ({})", cli.db, e.code()))?;
    Ok(Sesshu::new(store, stores::clock(fixed))
        .with_random(std::sync::Arc::new(sesshu_core::secrets::OsRandom)))
}

fn claimed(cli: &Cli) -> Claimed {
    Claimed {
        municipality: cli.municipality.clone(),
        org: cli.org.clone(),
        org_type: cli.org_type.clone(),
        role: cli.role.clone(),
        user: cli.user.clone(),
    }
}

fn session_file(cli: &Cli) -> PathBuf {
    cli.session_file
        .clone()
        .unwrap_or_else(identity::default_session_file)
}

/// The verified actor (or, on a development store, the claimed one).
fn actor(cli: &Cli, s: &Sesshu) -> Result<Actor, String> {
    let credential = Credential {
        token: cli.token.clone(),
        token_file: cli.token_file.clone(),
        session_file: session_file(cli),
    };
    identity::actor(s, &claimed(cli), &credential)
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    let mut stdout = std::io::stdout().lock();
    match &cli.command {
        Command::Scenarios {
            command: ScenariosCommand::Run { paths },
        } => {
            let report = sesshu_cli::scenarios::run_paths(paths);
            for failure in &report.failures {
                println!("{failure}");
            }
            println!("{}", report.summary());
            Ok(if report.failed() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Demo(args) => {
            sesshu_cli::demo::run(args, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(args) => {
            let s = services_over(cli, stores::create)?;
            // Synthetic data goes only into a development store.
            s.initialise(StoreMode::Development)
                .map_err(|e| format!("{e} ({})", e.code()))?;
            sesshu_cli::demo::generate_into(&s, args, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init {
            development,
            admin_email,
            admin_name,
        } => {
            let s = services_over(cli, stores::create)?;
            let mode = if *development {
                StoreMode::Development
            } else {
                StoreMode::Production
            };
            let admin = admin_email.as_deref().zip(admin_name.as_deref());
            identity::init(&s, &cli.db, mode, &claimed(cli), admin, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Activate { user_id } => {
            identity::activate(&services(cli)?, user_id, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Login { user_id } => {
            identity::login(&services(cli)?, user_id, &session_file(cli), &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Logout => {
            identity::logout(&services(cli)?, &session_file(cli), &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Whoami => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            let roles: Vec<&str> = a.roles.iter().map(|r| r.as_str()).collect();
            println!(
                "{}\t{} {}\t{}\t{}",
                a.log_name(),
                a.org_type,
                a.organisation,
                roles.join(","),
                s.store_mode().map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            kind,
            file,
            encoding,
        } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            let source = import::Source::open(file, *encoding)?;
            let summary = match kind {
                ImportKind::Persons => import::persons(&s, &a, &source)?,
                ImportKind::Residency => import::residency(&s, &a, &source)?,
                ImportKind::Records => import::records(&s, &a, &source)?,
            };
            for e in &summary.errors {
                eprintln!("{}: {e}", file.display());
            }
            println!("{}: {summary}", file.display());
            Ok(if summary.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Records { command } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            match command {
                RecordsCommand::List { query, limit } => {
                    let n = commands::list(&s, &a, query, *limit, &mut stdout)?;
                    eprintln!("{n} records");
                }
                RecordsCommand::Export(e) => {
                    let options = e.file.encoding.options(e.file.replace);
                    let n = commands::export(&s, &a, &e.query, options, e.file.out.as_deref())?;
                    eprintln!("{n} records exported");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Deliver { command } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            match command {
                DeliverCommand::Pull { limit } => {
                    commands::pull(&s, &a, *limit, &mut stdout)?;
                }
                DeliverCommand::Ack { batch } => {
                    let done = s
                        .ack_delivery(&a, batch)
                        .map_err(|e| format!("{e} ({})", e.code()))?;
                    println!(
                        "{batch}: {}",
                        if done {
                            "acknowledged"
                        } else {
                            "already acknowledged"
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Masters { command } => {
            let s = services(cli)?;
            let ok = sesshu_cli::masters::run(&s, &|| actor(cli, &s), command, &mut stdout)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Zengin { command } => {
            let s = services(cli)?;
            let ok = sesshu_cli::zengin::run(&s, &|| actor(cli, &s), command, &mut stdout)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Maternal { command } => {
            let s = services(cli)?;
            let ok = sesshu_cli::maternal::run(&s, &|| actor(cli, &s), command, &mut stdout)?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Bank { command } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            sesshu_cli::bank::run(&s, &a, command, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::FederationLinks { command } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            sesshu_cli::bank::run_links(&s, &a, command, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Marts { command } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            sesshu_cli::marts::run(&s, &a, command, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Publish {
            out,
            threshold,
            date,
        } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            let page = sesshu_cli::marts::publish(&s, &a, out, *threshold, date.as_deref())?;
            std::io::Write::write_fmt(&mut stdout, format_args!("published {}\n", page.display()))
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Notices { command } => {
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            sesshu_cli::notices::run(&s, &a, command, &mut stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts { .. } | Command::Tokens { .. } | Command::Outbox { .. } => {
            run_accounts(cli, &mut stdout)
        }
        Command::Certificate { command } => {
            use sesshu_cli::certificates as cert;
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            match command {
                CertificateCommand::Issue(args) => cert::issue(&s, &a, args, &mut stdout)?,
                CertificateCommand::List { person } => {
                    let n = cert::list(&s, &a, person.as_deref(), &mut stdout)?;
                    eprintln!("{n} certificates");
                }
                CertificateCommand::Export { person, file } => {
                    let options = file.encoding.options(file.replace);
                    let path = file.out.as_deref();
                    let n = cert::export(&s, &a, person.as_deref(), options, path)?;
                    eprintln!("{n} certificates exported");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Questionnaire { command } => {
            use sesshu_cli::questionnaires as q;
            let s = services(cli)?;
            let a = actor(cli, &s)?;
            match command {
                QuestionnaireCommand::Put { record, file } => {
                    let text = std::fs::read_to_string(file)
                        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                    q::put(&s, &a, record, &text, &mut stdout)?;
                }
                QuestionnaireCommand::Show { record } => q::show(&s, &a, record, &mut stdout)?,
                QuestionnaireCommand::List { query, limit } => {
                    let n = q::list(&s, &a, query, *limit, &mut stdout)?;
                    eprintln!("{n} questionnaires");
                }
                QuestionnaireCommand::Export(e) => {
                    let options = e.file.encoding.options(e.file.replace);
                    let n = q::export(&s, &a, &e.query, options, e.file.out.as_deref())?;
                    eprintln!("{n} questionnaires exported");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Log {
            command: LogCommand::Keygen { out },
        } => {
            let id = sesshu_cli::checkpoints::keygen(out, &sesshu_core::secrets::OsRandom)?;
            println!(
                "log key {id}: private key {} (keep it away from the store), public key {}",
                out.display(),
                sesshu_cli::checkpoints::public_key_path(out).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Log { command } => {
            let s = services(cli)?;
            match command {
                LogCommand::Keygen { .. } => Err("log keygen needs no store".into()),
                LogCommand::Checkpoint { key, out } => {
                    let c = sesshu_cli::checkpoints::checkpoint(&s, &actor(cli, &s)?, key, out)?;
                    eprintln!(
                        "checkpoint: {} entries, head {}, signed by key {}",
                        c.size, c.head, c.key_id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                LogCommand::Search(search) => {
                    let n = commands::log_search(&s, &actor(cli, &s)?, search, &mut stdout)?;
                    eprintln!("{n} entries");
                    Ok(ExitCode::SUCCESS)
                }
                LogCommand::Export { search, file } => {
                    let options = file.encoding.options(file.replace);
                    let path = file.out.as_deref();
                    let n = commands::log_export(&s, &actor(cli, &s)?, search, options, path)?;
                    eprintln!("{n} entries exported");
                    Ok(ExitCode::SUCCESS)
                }
                LogCommand::Verify { checkpoint, key } => {
                    let a = actor(cli, &s)?;
                    let report = match (checkpoint, key) {
                        (Some(c), Some(k)) => sesshu_cli::checkpoints::verify(&s, &a, c, k)?,
                        _ => s
                            .verify_log(&a)
                            .map_err(|e| format!("{e} ({})", e.code()))?,
                    };
                    match report.first_break {
                        None => {
                            println!(
                                "access log: {} entries verified, the chain is intact",
                                report.verified
                            );
                            Ok(ExitCode::SUCCESS)
                        }
                        Some(b) => {
                            println!(
                                "access log: TAMPERED — {b} ({} entries before it verified)",
                                report.verified
                            );
                            Ok(ExitCode::FAILURE)
                        }
                    }
                }
            }
        }
    }
}

fn run_accounts(cli: &Cli, out: &mut dyn std::io::Write) -> Result<ExitCode, String> {
    use sesshu_cli::accounts as acc;
    let s = services(cli)?;
    match &cli.command {
        Command::Accounts { command } => {
            let a = actor(cli, &s)?;
            match command {
                AccountsCommand::Extract { masters } => {
                    let input = match masters {
                        Some(path) => {
                            let text = std::fs::read_to_string(path)
                                .map_err(|e| format!("{}: {e}", path.display()))?;
                            serde_json::from_str(&text)
                                .map_err(|e| format!("the masters file: {e}"))?
                        }
                        None => s
                            .extraction_input_from_masters(&a, s.clock().today_jst())
                            .map_err(|e| format!("{e} ({})", e.code()))?,
                    };
                    let rejected = acc::extract(&s, &a, &input, out)?;
                    return Ok(if rejected == 0 {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(2)
                    });
                }
                AccountsCommand::Create {
                    email,
                    name,
                    user_role,
                } => {
                    acc::create(&s, &a, email, name, user_role, out)?;
                }
                AccountsCommand::Inactivity { execute, date, .. } => {
                    acc::inactivity(&s, &a, date, *execute, out)?;
                }
                AccountsCommand::List { after, limit } => {
                    let n = acc::list_users(&s, &a, after.as_deref(), *limit, out)?;
                    eprintln!("{n} users");
                }
                AccountsCommand::RegisterOrganisation {
                    code,
                    kind,
                    online_eligibility,
                } => {
                    acc::register_organisation(&s, &a, kind, code, *online_eligibility, out)?;
                }
            }
        }
        Command::Tokens { command } => match command {
            TokensCommand::Issue {
                for_org,
                for_type,
                label,
                valid_days,
            } => {
                let a = actor(cli, &s)?;
                let org = for_org
                    .clone()
                    .unwrap_or_else(|| a.organisation.to_string());
                let t = for_type
                    .clone()
                    .unwrap_or_else(|| a.org_type.as_str().to_owned());
                acc::issue_token(&s, &a, &t, &org, label, *valid_days, out)?;
            }
            TokensCommand::Verify { token } => {
                let token = match token {
                    Some(t) => t.clone(),
                    None => {
                        let mut line = String::new();
                        std::io::stdin()
                            .read_line(&mut line)
                            .map_err(|e| e.to_string())?;
                        line
                    }
                };
                acc::verify_token(&s, &token, out)?;
            }
            TokensCommand::Revoke { id } => {
                let done = s
                    .revoke_token(&actor(cli, &s)?, id)
                    .map_err(|e| format!("{e} ({})", e.code()))?;
                writeln!(
                    out,
                    "{id}: {}",
                    if done { "revoked" } else { "already revoked" }
                )
                .map_err(|e| e.to_string())?;
            }
            TokensCommand::Rotate { id } => acc::rotate_token(&s, &actor(cli, &s)?, id, out)?,
        },
        Command::Outbox { command } => {
            let a = actor(cli, &s)?;
            match command {
                OutboxCommand::List {
                    limit,
                    with_secrets,
                } => {
                    let n = acc::outbox_list(&s, &a, *limit, *with_secrets, out)?;
                    eprintln!("{n} notifications pending");
                }
                OutboxCommand::Ack { seqs } => {
                    s.ack_notifications(&a, seqs)
                        .map_err(|e| format!("{e} ({})", e.code()))?;
                    writeln!(out, "{} acknowledged", seqs.len()).map_err(|e| e.to_string())?;
                }
            }
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sesshu: {message}");
            ExitCode::FAILURE
        }
    }
}
