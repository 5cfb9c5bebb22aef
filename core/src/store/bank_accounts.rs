//! Medical institutions' bank accounts (H-9): applications, their
//! attachments and the active accounts; and the federations' links of
//! financial-institution codes to their own accounts (H-10).
//!
//! An application is stored as indexed columns (id, institution,
//! federation, usage, status) beside a JSON body holding the rest; the
//! engines enforce "one pending application per institution and usage"
//! with a partial unique index, so two simultaneous applications cannot
//! both be pending whatever the service read before writing.

use chrono::{DateTime, Utc};

use super::rows::{from_body, to_body};
use super::StoreError;
use crate::bank_account::{
    AccountClass, AccountUsage, Application, ApplicationStatus, Attachment, AttachmentInfo,
    BankAccount, DepositType, MediaType, Rejection,
};
use crate::identifiers::{
    AccountHolderName, AccountNumber, BankCode, BranchCode, MedicalInstitutionCode,
};
use crate::organisation::OrganisationCode;

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApplication {
    /// The application.
    pub application: Application,
    /// The federation that decides it (the institution's at application).
    pub federation: OrganisationCode,
    /// When it was made.
    pub applied_at: DateTime<Utc>,
    /// Who made it (the access log's name of the actor).
    pub applied_by: String,
    /// When it was decided or deleted.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who decided or deleted it.
    pub decided_by: Option<String>,
    /// Its attachments' descriptions, by number.
    pub attachments: Vec<AttachmentInfo>,
    /// Row version, from 1.
    pub version: i64,
}

/// Which applications to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    /// Only this institution's.
    pub institution: Option<MedicalInstitutionCode>,
    /// Only those this federation decides.
    pub federation: Option<OrganisationCode>,
    /// Only pending ones.
    pub pending_only: bool,
}

/// An institution's active account for one usage (有効な口座).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAccount {
    /// The institution.
    pub institution: MedicalInstitutionCode,
    /// The usage.
    pub usage: AccountUsage,
    /// The account.
    pub account: BankAccount,
    /// The application whose approval made it active (none: registered
    /// from the national system).
    pub application: Option<String>,
    /// When it became active.
    pub since: DateTime<Utc>,
}

/// A federation's link of a financial-institution code to one of its own
/// accounts (口座情報紐付け, H-10): payments to institutions banking at
/// `bank` are made from `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationLink {
    /// The federation.
    pub federation: OrganisationCode,
    /// 金融機関コード.
    pub bank: BankCode,
    /// The federation's account (its key in 連合会口座マスタ).
    pub account: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: String,
    /// Row version, from 1.
    pub version: i64,
}

/// The reads of bank accounts and federation links. Their writes are
/// [`Write::PutBankApplication`](super::Write::PutBankApplication),
/// [`Write::PutBankAttachment`](super::Write::PutBankAttachment),
/// [`Write::PutActiveAccount`](super::Write::PutActiveAccount),
/// [`Write::PutFederationLink`](super::Write::PutFederationLink) and
/// [`Write::DeleteFederationLink`](super::Write::DeleteFederationLink).
pub trait BankAccountStore: Send + Sync {
    /// An application by id, with its attachments' descriptions.
    fn bank_application(&self, id: &str) -> Result<Option<StoredApplication>, StoreError>;
    /// Applications matching `filter`, by id, after `after`, at most `limit`.
    fn bank_applications(
        &self,
        filter: &ApplicationFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredApplication>, StoreError>;
    /// An attachment with its bytes.
    fn bank_attachment(&self, id: &str, number: u32) -> Result<Option<Attachment>, StoreError>;
    /// An institution's active accounts, by usage.
    fn active_accounts(
        &self,
        institution: &MedicalInstitutionCode,
    ) -> Result<Vec<ActiveAccount>, StoreError>;
    /// A federation's links, by bank code.
    fn federation_links(
        &self,
        federation: &OrganisationCode,
    ) -> Result<Vec<FederationLink>, StoreError>;
    /// The link a payment to `institution` for `usage` uses, in one query:
    /// the federation's link for the bank of the institution's active
    /// account for that usage, with that account (none when the
    /// institution has no active account, or the federation no link for
    /// its bank).
    fn payment_link(
        &self,
        federation: &OrganisationCode,
        institution: &MedicalInstitutionCode,
        usage: AccountUsage,
    ) -> Result<Option<(ActiveAccount, FederationLink)>, StoreError>;
}

/// The JSON body of an application: everything but its indexed columns.
#[derive(serde::Serialize, serde::Deserialize)]
struct ApplicationBody {
    #[serde(flatten)]
    account: AccountBody,
    reason: Option<u8>,
    note: Option<String>,
    applied_at: DateTime<Utc>,
    applied_by: String,
    decided_at: Option<DateTime<Utc>>,
    decided_by: Option<String>,
}

/// An account's fields as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct AccountBody {
    class: String,
    bank: String,
    branch: String,
    deposit_type: String,
    number: String,
    holder: String,
}

impl AccountBody {
    fn of(a: &BankAccount) -> Self {
        AccountBody {
            class: a.class.as_str().to_owned(),
            bank: a.bank.as_str().to_owned(),
            branch: a.branch.as_str().to_owned(),
            deposit_type: a.deposit_type.as_str().to_owned(),
            number: a.number.as_str().to_owned(),
            holder: a.holder.as_str().to_owned(),
        }
    }

    fn account(&self, corrupt: &dyn Fn(String) -> StoreError) -> Result<BankAccount, StoreError> {
        let c = |e: &dyn std::fmt::Display| corrupt(e.to_string());
        Ok(BankAccount {
            class: AccountClass::parse(&self.class).map_err(|e| c(&e))?,
            bank: BankCode::parse(&self.bank).map_err(|e| c(&e))?,
            branch: BranchCode::parse(&self.branch).map_err(|e| c(&e))?,
            deposit_type: DepositType::parse(&self.deposit_type).map_err(|e| c(&e))?,
            number: AccountNumber::parse(&self.number).map_err(|e| c(&e))?,
            holder: AccountHolderName::parse(&self.holder).map_err(|e| c(&e))?,
        })
    }
}

fn corrupt<'a>(entity: &'static str, id: &'a str) -> impl Fn(String) -> StoreError + 'a {
    move |reason| StoreError::Corrupt {
        entity,
        id: id.to_owned(),
        reason,
    }
}

/// An application's stored body.
pub fn application_body(a: &StoredApplication) -> String {
    let rejection = a.application.rejection.as_ref();
    to_body(&ApplicationBody {
        account: AccountBody::of(&a.application.account),
        reason: rejection.map(|r| r.reason.number()),
        note: rejection.and_then(|r| r.note.clone()),
        applied_at: a.applied_at,
        applied_by: a.applied_by.clone(),
        decided_at: a.decided_at,
        decided_by: a.decided_by.clone(),
    })
}

/// An application's indexed columns as an engine stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationColumns {
    /// Its id.
    pub id: String,
    /// 医療機関コード.
    pub institution: String,
    /// The deciding federation.
    pub federation: String,
    /// The usage's stable name.
    pub usage: String,
    /// The status's stable name.
    pub status: String,
    /// The JSON body.
    pub body: String,
    /// Row version.
    pub version: i64,
}

impl ApplicationColumns {
    /// The columns of `a`.
    pub fn of(a: &StoredApplication) -> Self {
        ApplicationColumns {
            id: a.application.id.clone(),
            institution: a.application.institution.as_str().to_owned(),
            federation: a.federation.as_str().to_owned(),
            usage: a.application.usage.as_str().to_owned(),
            status: a.application.status.as_str().to_owned(),
            body: application_body(a),
            version: a.version,
        }
    }

    /// The application these columns hold, with its attachments'
    /// descriptions; anything unreadable is [`StoreError::Corrupt`].
    pub fn read(self, attachments: Vec<AttachmentInfo>) -> Result<StoredApplication, StoreError> {
        let bad = corrupt("bank application", &self.id);
        let body: ApplicationBody = from_body("bank application", &self.id, &self.body)?;
        let rejection = match body.reason {
            None => None,
            Some(n) => Some(
                Rejection::new(Some(i64::from(n)), body.note.as_deref())
                    .map_err(|e| bad(e.to_string()))?,
            ),
        };
        Ok(StoredApplication {
            application: Application {
                institution: MedicalInstitutionCode::parse(&self.institution)
                    .map_err(|e| bad(e.to_string()))?,
                usage: AccountUsage::parse(&self.usage).map_err(|e| bad(e.to_string()))?,
                account: body.account.account(&bad)?,
                status: ApplicationStatus::parse(&self.status).map_err(|e| bad(e.to_string()))?,
                rejection,
                id: self.id.clone(),
            },
            federation: OrganisationCode::parse(&self.federation)
                .map_err(|e| bad(e.to_string()))?,
            applied_at: body.applied_at,
            applied_by: body.applied_by,
            decided_at: body.decided_at,
            decided_by: body.decided_by,
            attachments,
            version: self.version,
        })
    }
}

/// An attachment's description read back.
pub fn attachment_info(
    application: &str,
    number: i64,
    name: String,
    media_type: &str,
    size: i64,
    sha256: String,
) -> Result<AttachmentInfo, StoreError> {
    let bad = corrupt("bank attachment", application);
    Ok(AttachmentInfo {
        number: u32::try_from(number).map_err(|e| bad(e.to_string()))?,
        name,
        media_type: MediaType::parse(media_type).map_err(|e| bad(e.to_string()))?,
        size: u64::try_from(size).map_err(|e| bad(e.to_string()))?,
        sha256,
    })
}

/// An active account's stored body (the account's fields).
pub fn active_account_body(a: &ActiveAccount) -> String {
    to_body(&AccountBody::of(&a.account))
}

/// An active account read back from its columns and body.
pub fn active_account_from_stored(
    institution: &str,
    usage: &str,
    body: &str,
    application: Option<String>,
    since: DateTime<Utc>,
) -> Result<ActiveAccount, StoreError> {
    let bad = corrupt("active account", institution);
    let fields: AccountBody = from_body("active account", institution, body)?;
    Ok(ActiveAccount {
        institution: MedicalInstitutionCode::parse(institution).map_err(|e| bad(e.to_string()))?,
        usage: AccountUsage::parse(usage).map_err(|e| bad(e.to_string()))?,
        account: fields.account(&bad)?,
        application,
        since,
    })
}

/// A federation link read back from its columns.
pub fn federation_link_from_stored(
    federation: &str,
    bank: &str,
    account: String,
    updated_at: DateTime<Utc>,
    updated_by: String,
    version: i64,
) -> Result<FederationLink, StoreError> {
    let bad = corrupt("federation link", federation);
    Ok(FederationLink {
        federation: OrganisationCode::parse(federation).map_err(|e| bad(e.to_string()))?,
        bank: BankCode::parse(bank).map_err(|e| bad(e.to_string()))?,
        account,
        updated_at,
        updated_by,
        version,
    })
}
