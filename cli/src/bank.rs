//! `sesshu bank …` (H-9: an institution's bank-account applications, the
//! federation's decisions, the active accounts) and `sesshu
//! federation-links …` (H-10: a federation's links of bank codes to its
//! own accounts).

use std::io::Write;
use std::path::PathBuf;

use sesshu_core::bank_account::{AccountClass, AccountUsage, BankAccountDraft, DepositType};
use sesshu_core::identifiers::HolderNameRules;
use sesshu_core::service::{Actor, BankApplicationRequest, BankDecision, Sesshu};
use sesshu_core::store::{ActiveAccount, FederationLink, StoredApplication};

use crate::commands::{core, Failure};
use crate::output::Staged;

/// 口座利用区分 on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Usage {
    /// 予防接種用.
    Vaccination,
    /// 債権譲渡用.
    ClaimAssignment,
}

impl From<Usage> for AccountUsage {
    fn from(u: Usage) -> Self {
        match u {
            Usage::Vaccination => AccountUsage::Vaccination,
            Usage::ClaimAssignment => AccountUsage::ClaimAssignment,
        }
    }
}

/// 口座分類区分 on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Class {
    /// 国総口座.
    National,
    /// 任意口座.
    Registered,
}

/// 預金種目 on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deposit {
    /// 普通.
    Ordinary,
    /// 当座.
    Current,
    /// 貯蓄.
    Savings,
}

/// An account as entered.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountArgs {
    /// 口座利用区分.
    #[arg(long, value_enum)]
    pub usage: Usage,
    /// 口座分類区分.
    #[arg(long, value_enum)]
    pub class: Class,
    /// 金融機関コード (4 digits).
    #[arg(long)]
    pub bank: String,
    /// 支店コード (3 digits).
    #[arg(long)]
    pub branch: String,
    /// 預金種目.
    #[arg(long, value_enum, default_value = "ordinary")]
    pub deposit: Deposit,
    /// 口座番号 (up to 7 digits).
    #[arg(long)]
    pub number: String,
    /// 口座名義 (full-width accepted; normalised to zengin characters).
    #[arg(long)]
    pub holder: String,
}

impl AccountArgs {
    fn draft(&self) -> BankAccountDraft {
        BankAccountDraft {
            class: match self.class {
                Class::National => AccountClass::National,
                Class::Registered => AccountClass::Registered,
            },
            bank: self.bank.clone(),
            branch: self.branch.clone(),
            deposit_type: match self.deposit {
                Deposit::Ordinary => DepositType::Ordinary,
                Deposit::Current => DepositType::Current,
                Deposit::Savings => DepositType::Savings,
            },
            number: self.number.clone(),
            holder: self.holder.clone(),
        }
    }
}

/// The `bank` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BankCommand {
    /// Applies for an account (the signed-in institution's own); the
    /// federation is notified.
    Apply {
        /// The account.
        #[command(flatten)]
        account: AccountArgs,
        /// A file to attach (PDF, JPEG or PNG, by its bytes); repeatable.
        #[arg(long = "attach")]
        attach: Vec<PathBuf>,
    },
    /// The applications of the signed-in institution, or those its
    /// federation decides.
    List {
        /// Only those awaiting a decision.
        #[arg(long)]
        pending: bool,
    },
    /// One application.
    Show {
        /// The application's id.
        id: String,
    },
    /// The federation approves: the account becomes active.
    Approve {
        /// The application's id.
        id: String,
    },
    /// The federation rejects with a reason (1 bank name, 2 branch name,
    /// 3 deposit type, 4 account number, 5 holder name, 6 attachments,
    /// 7 other — 7 needs --note).
    Reject {
        /// The application's id.
        id: String,
        /// The reason, 1–7.
        #[arg(long)]
        reason: i64,
        /// Free text (required for reason 7).
        #[arg(long)]
        note: Option<String>,
    },
    /// The applicant deletes its pending application.
    Delete {
        /// The application's id.
        id: String,
    },
    /// Writes attachment N of an application to a file (created 0600).
    Attachment {
        /// The application's id.
        id: String,
        /// The attachment's number, from 1.
        number: u32,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// An institution's active accounts.
    Active {
        /// 医療機関コード.
        institution: String,
    },
    /// Registers an institution's account from the national system
    /// (国総口座; the operator's, before any application).
    Register {
        /// 医療機関コード.
        #[arg(long)]
        institution: String,
        /// The account.
        #[command(flatten)]
        account: AccountArgs,
    },
    /// What a payment by the federation to an institution uses: its active
    /// account and the federation's account linked to its bank.
    Payment {
        /// 医療機関コード.
        institution: String,
        /// 口座利用区分.
        #[arg(long, value_enum, default_value = "vaccination")]
        usage: Usage,
    },
}

/// The `federation-links` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum LinkCommand {
    /// Links a bank code to one of the federation's accounts (連合会口座マスタ).
    Add {
        /// 金融機関コード.
        bank: String,
        /// The account's key in 連合会口座マスタ.
        account: String,
    },
    /// Changes a bank code's link, from the version listed.
    Change {
        /// 金融機関コード.
        bank: String,
        /// The account's key in 連合会口座マスタ.
        account: String,
        /// The link's version as listed.
        #[arg(long)]
        version: i64,
    },
    /// Deletes a bank code's link, from the version listed.
    Delete {
        /// 金融機関コード.
        bank: String,
        /// The link's version as listed.
        #[arg(long)]
        version: i64,
    },
    /// The federation's links.
    List,
}

fn io(e: std::io::Error) -> Failure {
    e.to_string()
}

fn print_application(a: &StoredApplication, out: &mut dyn Write) -> Result<(), Failure> {
    let app = &a.application;
    let acc = &app.account;
    write!(
        out,
        "{}\t{}\t{}\t{}\tfederation {}\t{} {}-{} {} {} {}",
        app.id,
        app.status,
        app.institution,
        app.usage,
        a.federation,
        acc.class,
        acc.bank,
        acc.branch,
        acc.deposit_type,
        acc.number,
        acc.holder
    )
    .map_err(io)?;
    if let Some(r) = &app.rejection {
        write!(out, "\treason {}", r.reason.number()).map_err(io)?;
        if let Some(note) = &r.note {
            write!(out, " ({note})").map_err(io)?;
        }
    }
    writeln!(out).map_err(io)?;
    for f in &a.attachments {
        writeln!(
            out,
            "  attachment {}\t{}\t{}\t{} bytes\tsha256 {}",
            f.number, f.name, f.media_type, f.size, f.sha256
        )
        .map_err(io)?;
    }
    Ok(())
}

fn print_active(a: &ActiveAccount, out: &mut dyn Write) -> Result<(), Failure> {
    let acc = &a.account;
    writeln!(
        out,
        "{}\t{}\t{} {}-{} {} {} {}\tsince {}{}",
        a.institution,
        a.usage,
        acc.class,
        acc.bank,
        acc.branch,
        acc.deposit_type,
        acc.number,
        acc.holder,
        sesshu_core::calendar::utc_text(a.since),
        a.application
            .as_deref()
            .map(|id| format!(" (application {id})"))
            .unwrap_or_default()
    )
    .map_err(io)
}

fn print_link(l: &FederationLink, out: &mut dyn Write) -> Result<(), Failure> {
    writeln!(
        out,
        "{}\t{}\t{}\tversion {}\t{} {}",
        l.federation,
        l.bank,
        l.account,
        l.version,
        sesshu_core::calendar::utc_text(l.updated_at),
        l.updated_by
    )
    .map_err(io)
}

/// Runs a `bank` subcommand as `actor`.
pub fn run(
    s: &Sesshu,
    actor: &Actor,
    command: &BankCommand,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let rules = HolderNameRules::default();
    match command {
        BankCommand::Apply { account, attach } => {
            let mut attachments = Vec::new();
            for path in attach {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                attachments.push((name, bytes));
            }
            let request = BankApplicationRequest {
                usage: account.usage.into(),
                draft: account.draft(),
                attachments,
            };
            let a = s
                .apply_bank_account(actor, actor.organisation.as_str(), request, &rules)
                .map_err(core)?;
            print_application(&a, out)
        }
        BankCommand::List { pending } => {
            for a in s.bank_applications(actor, *pending).map_err(core)? {
                print_application(&a, out)?;
            }
            Ok(())
        }
        BankCommand::Show { id } => {
            print_application(&s.bank_application(actor, id).map_err(core)?, out)
        }
        BankCommand::Approve { id } => print_application(
            &s.decide_bank_application(actor, id, &BankDecision::Approve)
                .map_err(core)?,
            out,
        ),
        BankCommand::Reject { id, reason, note } => print_application(
            &s.decide_bank_application(
                actor,
                id,
                &BankDecision::Reject {
                    reason: Some(*reason),
                    note: note.clone(),
                },
            )
            .map_err(core)?,
            out,
        ),
        BankCommand::Delete { id } => {
            print_application(&s.delete_bank_application(actor, id).map_err(core)?, out)
        }
        BankCommand::Attachment {
            id,
            number,
            out: path,
        } => {
            let a = s.bank_attachment(actor, id, *number).map_err(core)?;
            let mut file = Staged::create(path)?;
            file.writer()
                .write_all(&a.bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            file.persist()?;
            writeln!(
                out,
                "{}: {} ({}, {} bytes, sha256 {})",
                path.display(),
                a.info.name,
                a.info.media_type,
                a.info.size,
                a.info.sha256
            )
            .map_err(io)
        }
        BankCommand::Active { institution } => {
            for a in s.active_accounts(actor, institution).map_err(core)? {
                print_active(&a, out)?;
            }
            Ok(())
        }
        BankCommand::Register {
            institution,
            account,
        } => {
            let a = s
                .register_active_account(
                    actor,
                    institution,
                    account.usage.into(),
                    &account.draft(),
                    &rules,
                )
                .map_err(core)?;
            print_active(&a, out)
        }
        BankCommand::Payment { institution, usage } => {
            match s
                .payment_account(actor, institution, (*usage).into())
                .map_err(core)?
            {
                None => writeln!(
                    out,
                    "{institution}: no active account linked to an account of the federation"
                )
                .map_err(io),
                Some(p) => {
                    print_active(&p.institution_account, out)?;
                    print_link(&p.link, out)?;
                    if let Some(row) = p.federation_account {
                        writeln!(out, "federation account\t{}", row.fields().join(","))
                            .map_err(io)?;
                    }
                    Ok(())
                }
            }
        }
    }
}

/// Runs a `federation-links` subcommand as `actor`.
pub fn run_links(
    s: &Sesshu,
    actor: &Actor,
    command: &LinkCommand,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        LinkCommand::Add { bank, account } => print_link(
            &s.add_federation_link(actor, bank, account).map_err(core)?,
            out,
        ),
        LinkCommand::Change {
            bank,
            account,
            version,
        } => print_link(
            &s.change_federation_link(actor, bank, account, *version)
                .map_err(core)?,
            out,
        ),
        LinkCommand::Delete { bank, version } => {
            s.delete_federation_link(actor, bank, *version)
                .map_err(core)?;
            writeln!(out, "{bank}: deleted").map_err(io)
        }
        LinkCommand::List => {
            for l in s.federation_links(actor).map_err(core)? {
                print_link(&l, out)?;
            }
            Ok(())
        }
    }
}
