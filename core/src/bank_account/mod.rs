//! Medical institutions' bank accounts (医療機関の口座情報, H-9, SPEC §10):
//! applications, the federation's decision, and the active account.
//!
//! The transitions are pure functions — (application, actor, input) → the
//! new application, the active-account change and the notifications, or a
//! typed error — so that every store applies exactly the same rule. The
//! service (`Sesshu::apply_bank_account` and the decisions) reads the
//! stored application, applies one transition and commits it
//! version-checked, so that one of two simultaneous decisions wins.
//!
//! Checks run in one order everywhere: the institution or application
//! exists, the input is valid, the actor may act, the state allows it.

use thiserror::Error;

use crate::identifiers::{
    AccountHolderName, AccountNumber, BankCode, BranchCode, HolderNameRules, IdentifierError,
    MedicalInstitutionCode, ZenginDirectory,
};
use crate::macros::named_enum;
use crate::organisation::OrganisationCode;

/// Why a bank-account application step was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BankAccountError {
    /// The institution is not known.
    #[error("unknown medical institution {code:?}")]
    UnknownInstitution {
        /// The code as given.
        code: String,
    },
    /// No application has this id.
    #[error("unknown application {id:?}")]
    UnknownApplication {
        /// The id as given.
        id: String,
    },
    /// An application with this id already exists.
    #[error("an application with id {id:?} already exists")]
    DuplicateApplication {
        /// The id.
        id: String,
    },
    /// Not `vaccination` or `claim_assignment`.
    #[error("unknown account usage {value:?}: expected vaccination or claim_assignment")]
    InvalidUsage {
        /// The value as given.
        value: String,
    },
    /// Not `national` or `registered`.
    #[error("unknown account class {value:?}: expected national or registered")]
    InvalidAccountClass {
        /// The value as given.
        value: String,
    },
    /// Not `ordinary`, `current` or `savings`.
    #[error("unknown deposit type {value:?}: expected ordinary, current or savings")]
    InvalidDepositType {
        /// The value as given.
        value: String,
    },
    /// Not a known application status.
    #[error("unknown application status {value:?}")]
    InvalidStatus {
        /// The value as given.
        value: String,
    },
    /// A rejection must carry a reason.
    #[error("a rejection needs a reason (1–7)")]
    ReasonRequired,
    /// The reason is not 1–7.
    #[error("rejection reason {value} is not one of 1–7")]
    InvalidReason {
        /// The value as given.
        value: i64,
    },
    /// Reason 7 (other) needs a note.
    #[error("rejection reason 7 (other) needs a note")]
    NoteRequired,
    /// The actor may not take this step on this application.
    #[error("{actor} may not {action} application {application}")]
    NotAuthorized {
        /// Who tried.
        actor: String,
        /// What they tried.
        action: &'static str,
        /// The application.
        application: String,
    },
    /// The application is no longer pending.
    #[error("application {id} is {status}, not pending")]
    NotPending {
        /// The application.
        id: String,
        /// Its status.
        status: ApplicationStatus,
    },
    /// The institution already has a pending application for this usage.
    #[error("institution {institution} already has a pending {usage} application ({pending})")]
    ApplicationPending {
        /// The institution.
        institution: MedicalInstitutionCode,
        /// The usage.
        usage: AccountUsage,
        /// The pending application's id.
        pending: String,
    },
    /// An attachment's bytes are not a PDF, JPEG or PNG (whatever its name says).
    #[error(
        "attachment {name:?} is not a PDF, JPEG or PNG file (its bytes were checked, not its name)"
    )]
    AttachmentType {
        /// The file name.
        name: String,
    },
    /// An attachment is larger than the limit.
    #[error("attachment {name:?} is {size} bytes; the limit is {limit}")]
    AttachmentTooLarge {
        /// The file name.
        name: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// An attachment has no bytes.
    #[error("attachment {name:?} is empty")]
    AttachmentEmpty {
        /// The file name.
        name: String,
    },
    /// More attachments than one application carries.
    #[error("{count} attachments; an application carries at most {limit}")]
    TooManyAttachments {
        /// How many were given.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The application has no attachment with this number.
    #[error("application {application} has no attachment {number}")]
    UnknownAttachment {
        /// The application.
        application: String,
        /// The number asked for.
        number: u32,
    },
    /// A party to the application has no address to notify: the
    /// institution master's 管理者メールアドレス, or the federation
    /// master's 連絡先メールアドレス.
    #[error("{organisation} has no contact e-mail address in the masters ({master}); register it before applying or deciding")]
    NoContactAddress {
        /// The organisation.
        organisation: String,
        /// The master that should hold it.
        master: &'static str,
    },
    /// The federation has no such account in 連合会口座マスタ (H-10).
    #[error("federation {federation} has no account {account:?} in 連合会口座マスタ")]
    UnknownFederationAccount {
        /// The federation.
        federation: String,
        /// The account key as given.
        account: String,
    },
    /// The federation has no link for this bank code (H-10).
    #[error("federation {federation} has no link for bank {bank}")]
    UnknownFederationLink {
        /// The federation.
        federation: String,
        /// The bank code.
        bank: String,
    },
    /// An account field failed validation or the zengin check.
    #[error(transparent)]
    Identifier(#[from] IdentifierError),
}

impl BankAccountError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            BankAccountError::UnknownInstitution { .. } => "unknown_institution",
            BankAccountError::UnknownApplication { .. } => "unknown_application",
            BankAccountError::DuplicateApplication { .. } => "duplicate_application",
            BankAccountError::InvalidUsage { .. } => "invalid_usage",
            BankAccountError::InvalidAccountClass { .. } => "invalid_account_class",
            BankAccountError::InvalidDepositType { .. } => "invalid_deposit_type",
            BankAccountError::InvalidStatus { .. } => "invalid_status",
            BankAccountError::ReasonRequired => "reason_required",
            BankAccountError::InvalidReason { .. } => "invalid_reason",
            BankAccountError::NoteRequired => "note_required",
            BankAccountError::NotAuthorized { .. } => "not_authorized",
            BankAccountError::NotPending { .. } => "not_pending",
            BankAccountError::ApplicationPending { .. } => "application_pending",
            BankAccountError::AttachmentType { .. } => "attachment_type_refused",
            BankAccountError::AttachmentTooLarge { .. } => "attachment_too_large",
            BankAccountError::AttachmentEmpty { .. } => "attachment_empty",
            BankAccountError::TooManyAttachments { .. } => "too_many_attachments",
            BankAccountError::UnknownAttachment { .. } => "unknown_attachment",
            BankAccountError::NoContactAddress { .. } => "no_contact_address",
            BankAccountError::UnknownFederationAccount { .. } => "unknown_federation_account",
            BankAccountError::UnknownFederationLink { .. } => "unknown_federation_link",
            BankAccountError::Identifier(e) => e.code(),
        }
    }
}

named_enum! {
    /// What the account is used for.
    pub enum AccountUsage {
        /// 予防接種用: vaccination fees are paid into it.
        Vaccination = "vaccination",
        /// 債権譲渡用: for an assigned claim.
        ClaimAssignment = "claim_assignment",
    }
    unknown: BankAccountError = |v| BankAccountError::InvalidUsage { value: v.to_owned() };
}

named_enum! {
    /// Where the account is registered.
    pub enum AccountClass {
        /// 国総口座: the account the national system already holds.
        National = "national",
        /// 任意口座: an account registered here.
        Registered = "registered",
    }
    unknown: BankAccountError = |v| BankAccountError::InvalidAccountClass { value: v.to_owned() };
}

named_enum! {
    /// 預金種目.
    pub enum DepositType {
        /// 普通.
        Ordinary = "ordinary",
        /// 当座.
        Current = "current",
        /// 貯蓄.
        Savings = "savings",
    }
    unknown: BankAccountError = |v| BankAccountError::InvalidDepositType { value: v.to_owned() };
}

named_enum! {
    /// Where an application stands.
    pub enum ApplicationStatus {
        /// 申請中: awaiting the federation.
        Pending = "pending",
        /// 承認: the account is active.
        Approved = "approved",
        /// 差戻し: rejected with a reason.
        Rejected = "rejected",
        /// 取下げ: deleted by the applicant while pending.
        Deleted = "deleted",
    }
    unknown: BankAccountError = |v| BankAccountError::InvalidStatus { value: v.to_owned() };
}

/// Why the federation rejected an application (差戻し理由), one per rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectionReason {
    /// 1: 金融機関名.
    BankName,
    /// 2: 支店名.
    BranchName,
    /// 3: 預金種目.
    DepositType,
    /// 4: 口座番号.
    AccountNumber,
    /// 5: 口座名義.
    HolderName,
    /// 6: 添付書類.
    Attachments,
    /// 7: その他 (needs a note).
    Other,
}

impl RejectionReason {
    /// Every reason, in number order.
    pub const ALL: [RejectionReason; 7] = [
        RejectionReason::BankName,
        RejectionReason::BranchName,
        RejectionReason::DepositType,
        RejectionReason::AccountNumber,
        RejectionReason::HolderName,
        RejectionReason::Attachments,
        RejectionReason::Other,
    ];

    /// The reason's number, 1–7.
    pub fn number(self) -> u8 {
        match self {
            RejectionReason::BankName => 1,
            RejectionReason::BranchName => 2,
            RejectionReason::DepositType => 3,
            RejectionReason::AccountNumber => 4,
            RejectionReason::HolderName => 5,
            RejectionReason::Attachments => 6,
            RejectionReason::Other => 7,
        }
    }

    /// The reason with number `n`.
    pub fn from_number(n: i64) -> Result<Self, BankAccountError> {
        Self::ALL
            .into_iter()
            .find(|r| i64::from(r.number()) == n)
            .ok_or(BankAccountError::InvalidReason { value: n })
    }
}

/// A rejection: one reason, and a note (required for 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The reason.
    pub reason: RejectionReason,
    /// Free text; required when the reason is [`RejectionReason::Other`].
    pub note: Option<String>,
}

impl Rejection {
    /// Validates a rejection: `reason_required`, then `invalid_reason`, then `note_required`.
    pub fn new(reason: Option<i64>, note: Option<&str>) -> Result<Self, BankAccountError> {
        let reason = RejectionReason::from_number(reason.ok_or(BankAccountError::ReasonRequired)?)?;
        let note = note
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if reason == RejectionReason::Other && note.is_none() {
            return Err(BankAccountError::NoteRequired);
        }
        Ok(Rejection { reason, note })
    }
}

/// An account as the applicant entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccountDraft {
    /// 国総口座 or 任意口座.
    pub class: AccountClass,
    /// 金融機関コード as entered.
    pub bank: String,
    /// 支店コード as entered.
    pub branch: String,
    /// 預金種目.
    pub deposit_type: DepositType,
    /// 口座番号 as entered.
    pub number: String,
    /// 口座名義 as entered (full-width accepted).
    pub holder: String,
}

/// A validated bank account: codes exist in the zengin master, the holder
/// name is in zengin characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankAccount {
    /// 国総口座 or 任意口座.
    pub class: AccountClass,
    /// 金融機関コード.
    pub bank: BankCode,
    /// 支店コード.
    pub branch: BranchCode,
    /// 預金種目.
    pub deposit_type: DepositType,
    /// 口座番号.
    pub number: AccountNumber,
    /// 口座名義 (normalised).
    pub holder: AccountHolderName,
}

impl BankAccount {
    /// Validates a draft and runs the zengin check.
    pub fn validate(
        draft: &BankAccountDraft,
        zengin: &dyn ZenginDirectory,
        rules: &HolderNameRules,
    ) -> Result<Self, BankAccountError> {
        let bank = BankCode::parse(&draft.bank)?;
        let branch = BranchCode::parse(&draft.branch)?;
        zengin.check(&bank, &branch)?;
        Ok(BankAccount {
            class: draft.class,
            bank,
            branch,
            deposit_type: draft.deposit_type,
            number: AccountNumber::parse(&draft.number)?,
            holder: AccountHolderName::parse_with(&draft.holder, rules)?,
        })
    }
}

/// A medical institution as the account rules see it: its code and the
/// federation (国保連合会) that decides its applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    /// 医療機関コード.
    pub code: MedicalInstitutionCode,
    /// The deciding federation.
    pub federation: OrganisationCode,
}

/// An application for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The application's id.
    pub id: String,
    /// The applying institution.
    pub institution: MedicalInstitutionCode,
    /// The usage applied for.
    pub usage: AccountUsage,
    /// The account applied for.
    pub account: BankAccount,
    /// Where it stands.
    pub status: ApplicationStatus,
    /// The rejection, once rejected.
    pub rejection: Option<Rejection>,
}

/// What a notification announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationEvent {
    /// An application was made (to the federation).
    Applied,
    /// An application was approved (to the institution, then the federation as evidence).
    Approved,
    /// An application was rejected (to the institution, then the federation as evidence).
    Rejected,
}

impl NotificationEvent {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationEvent::Applied => "applied",
            NotificationEvent::Approved => "approved",
            NotificationEvent::Rejected => "rejected",
        }
    }
}

/// A notification produced by a transition, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The organisation notified.
    pub to: OrganisationCode,
    /// What happened.
    pub event: NotificationEvent,
    /// The application's id.
    pub application: String,
    /// The rejection reason, for rejections.
    pub reason: Option<RejectionReason>,
}

/// The outcome of one transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The application after the step.
    pub application: Application,
    /// On approval: the account becomes the institution's active account for the usage.
    pub activates: bool,
    /// Notifications, in order.
    pub notifications: Vec<Notification>,
}

fn not_authorized(actor: &OrganisationCode, action: &'static str, id: &str) -> BankAccountError {
    BankAccountError::NotAuthorized {
        actor: actor.to_string(),
        action,
        application: id.to_owned(),
    }
}

fn require_pending(app: &Application) -> Result<(), BankAccountError> {
    if app.status == ApplicationStatus::Pending {
        Ok(())
    } else {
        Err(BankAccountError::NotPending {
            id: app.id.clone(),
            status: app.status,
        })
    }
}

/// What an institution applies for.
#[derive(Debug, Clone, Copy)]
pub struct ApplicationRequest<'a> {
    /// The new application's id.
    pub id: &'a str,
    /// The usage applied for.
    pub usage: AccountUsage,
    /// The account as entered.
    pub draft: &'a BankAccountDraft,
}

/// Applies for an account. `pending` is the id of the institution's
/// pending application for the same usage, if any (one at a time).
pub fn apply(
    institution: &Institution,
    actor: &OrganisationCode,
    request: ApplicationRequest<'_>,
    pending: Option<&str>,
    zengin: &dyn ZenginDirectory,
    rules: &HolderNameRules,
) -> Result<Transition, BankAccountError> {
    let ApplicationRequest { id, usage, draft } = request;
    let account = BankAccount::validate(draft, zengin, rules)?;
    if actor.as_str() != institution.code.as_str() {
        return Err(not_authorized(actor, "apply for", id));
    }
    if let Some(pending) = pending {
        return Err(BankAccountError::ApplicationPending {
            institution: institution.code,
            usage,
            pending: pending.to_owned(),
        });
    }
    Ok(Transition {
        application: Application {
            id: id.to_owned(),
            institution: institution.code,
            usage,
            account,
            status: ApplicationStatus::Pending,
            rejection: None,
        },
        activates: false,
        notifications: vec![Notification {
            to: institution.federation.clone(),
            event: NotificationEvent::Applied,
            application: id.to_owned(),
            reason: None,
        }],
    })
}

/// The decision's two notifications: the institution, then the federation.
fn decision_notifications(
    institution: &Institution,
    app: &Application,
    event: NotificationEvent,
    reason: Option<RejectionReason>,
) -> Vec<Notification> {
    [institution.code.into(), institution.federation.clone()]
        .into_iter()
        .map(|to| Notification {
            to,
            event,
            application: app.id.clone(),
            reason,
        })
        .collect()
}

/// The institution's federation approves: the account becomes active.
pub fn approve(
    app: &Application,
    institution: &Institution,
    actor: &OrganisationCode,
) -> Result<Transition, BankAccountError> {
    if *actor != institution.federation {
        return Err(not_authorized(actor, "approve", &app.id));
    }
    require_pending(app)?;
    let application = Application {
        status: ApplicationStatus::Approved,
        ..app.clone()
    };
    Ok(Transition {
        notifications: decision_notifications(
            institution,
            &application,
            NotificationEvent::Approved,
            None,
        ),
        application,
        activates: true,
    })
}

/// The institution's federation rejects with one reason; the active account
/// is unchanged.
pub fn reject(
    app: &Application,
    institution: &Institution,
    actor: &OrganisationCode,
    reason: Option<i64>,
    note: Option<&str>,
) -> Result<Transition, BankAccountError> {
    let rejection = Rejection::new(reason, note)?;
    if *actor != institution.federation {
        return Err(not_authorized(actor, "reject", &app.id));
    }
    require_pending(app)?;
    let reason = rejection.reason;
    let application = Application {
        status: ApplicationStatus::Rejected,
        rejection: Some(rejection),
        ..app.clone()
    };
    Ok(Transition {
        notifications: decision_notifications(
            institution,
            &application,
            NotificationEvent::Rejected,
            Some(reason),
        ),
        application,
        activates: false,
    })
}

/// The applicant deletes its own pending application.
pub fn delete(app: &Application, actor: &OrganisationCode) -> Result<Transition, BankAccountError> {
    if actor.as_str() != app.institution.as_str() {
        return Err(not_authorized(actor, "delete", &app.id));
    }
    require_pending(app)?;
    Ok(Transition {
        application: Application {
            status: ApplicationStatus::Deleted,
            ..app.clone()
        },
        activates: false,
        notifications: Vec::new(),
    })
}

mod attachment;

pub use attachment::{
    sha256_hex, Attachment, AttachmentInfo, MediaType, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES,
};
