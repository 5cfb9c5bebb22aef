//! Bank accounts (H-9), federation links (H-10) and notices (H-11) on the
//! store. The records are the shared ones.

use chrono::{DateTime, Utc};
use sesshu_core::identifiers::HolderNameRules;
use sesshu_core::service::BankDecision;

use crate::error::{fail, Result};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::bank_accounts::{
    self as plain, ActiveAccount, BankApplication, DispatchedNotice, FederationLink, Notice,
    PaymentAccount,
};
use crate::plain::rules::{draft, BankAccountDraft};
use crate::plain::seq_in;
use crate::store::Sesshu;

/// A file attached to an application.
#[derive(uniffi::Record)]
pub struct AttachmentFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// A notice as its author writes it (`send_at` null: send now).
#[derive(uniffi::Record)]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
    /// `type` or `type:role`.
    pub targets: Vec<String>,
    pub send_at: Option<DateTime<Utc>>,
    /// `YYYY-MM-DD`.
    pub display_from: String,
    pub display_until: String,
}

fn notice_in(n: NoticeInput) -> Result<sesshu_core::notices::NoticeDraft> {
    plain::notice_draft(
        n.title,
        n.body,
        n.targets,
        n.send_at,
        &n.display_from,
        &n.display_until,
    )
}

#[uniffi::export]
impl Sesshu {
    /// An institution applies for an account (`usage` `vaccination` or
    /// `claim_assignment`), checked against the stored zengin master;
    /// attachments are PDF, JPEG or PNG by their bytes.
    pub fn apply_bank_account(
        &self,
        actor: Actor,
        institution: String,
        usage: String,
        account: BankAccountDraft,
        attachments: Vec<AttachmentFile>,
    ) -> Result<BankApplication> {
        let files = attachments.into_iter().map(|f| (f.name, f.data)).collect();
        let (a, request) = (actor_in(&actor)?, plain::request(&usage, &account, files)?);
        self.inner
            .apply_bank_account(&a, &institution, request, &HolderNameRules::default())
            .map(plain::application_out)
            .map_err(fail)
    }

    /// The deciding federation approves: the account becomes active.
    pub fn approve_bank_application(
        &self,
        actor: Actor,
        application_id: String,
    ) -> Result<BankApplication> {
        self.inner
            .decide_bank_application(&actor_in(&actor)?, &application_id, &BankDecision::Approve)
            .map(plain::application_out)
            .map_err(fail)
    }

    /// The deciding federation rejects with a reason 1–7 (7 needs a note).
    pub fn reject_bank_application(
        &self,
        actor: Actor,
        application_id: String,
        reason: Option<i64>,
        note: Option<String>,
    ) -> Result<BankApplication> {
        self.inner
            .decide_bank_application(
                &actor_in(&actor)?,
                &application_id,
                &plain::rejection(reason, note),
            )
            .map(plain::application_out)
            .map_err(fail)
    }

    /// The applicant deletes its pending application.
    pub fn delete_bank_application(
        &self,
        actor: Actor,
        application_id: String,
    ) -> Result<BankApplication> {
        self.inner
            .delete_bank_application(&actor_in(&actor)?, &application_id)
            .map(plain::application_out)
            .map_err(fail)
    }

    /// One application (its applicant or its federation).
    pub fn bank_application(
        &self,
        actor: Actor,
        application_id: String,
    ) -> Result<BankApplication> {
        self.inner
            .bank_application(&actor_in(&actor)?, &application_id)
            .map(plain::application_out)
            .map_err(fail)
    }

    /// The actor's applications: an institution's own, or those its
    /// federation decides.
    pub fn bank_applications(
        &self,
        actor: Actor,
        pending_only: bool,
    ) -> Result<Vec<BankApplication>> {
        self.inner
            .bank_applications(&actor_in(&actor)?, pending_only)
            .map(plain::applications_out)
            .map_err(fail)
    }

    /// Attachment `number` of an application: its bytes.
    pub fn bank_attachment(
        &self,
        actor: Actor,
        application_id: String,
        number: u32,
    ) -> Result<Vec<u8>> {
        self.inner
            .bank_attachment(&actor_in(&actor)?, &application_id, number)
            .map(|a| a.bytes)
            .map_err(fail)
    }

    /// An institution's active accounts.
    pub fn active_accounts(&self, actor: Actor, institution: String) -> Result<Vec<ActiveAccount>> {
        self.inner
            .active_accounts(&actor_in(&actor)?, &institution)
            .map(plain::actives_out)
            .map_err(fail)
    }

    /// Registers an institution's account from the national system (the
    /// operator's, before any application).
    pub fn register_active_account(
        &self,
        actor: Actor,
        institution: String,
        usage: String,
        account: BankAccountDraft,
    ) -> Result<ActiveAccount> {
        let (usage, d) = (plain::usage(&usage)?, draft(&account)?);
        self.inner
            .register_active_account(
                &actor_in(&actor)?,
                &institution,
                usage,
                &d,
                &HolderNameRules::default(),
            )
            .map(plain::active_out)
            .map_err(fail)
    }

    /// The federation's links of bank codes to its accounts.
    pub fn federation_links(&self, actor: Actor) -> Result<Vec<FederationLink>> {
        self.inner
            .federation_links(&actor_in(&actor)?)
            .map(plain::links_out)
            .map_err(fail)
    }

    /// Links a bank code to one of the federation's accounts.
    pub fn add_federation_link(
        &self,
        actor: Actor,
        bank: String,
        account: String,
    ) -> Result<FederationLink> {
        self.inner
            .add_federation_link(&actor_in(&actor)?, &bank, &account)
            .map(plain::link_out)
            .map_err(fail)
    }

    /// Changes a bank code's link, from the version read.
    pub fn change_federation_link(
        &self,
        actor: Actor,
        bank: String,
        account: String,
        version: String,
    ) -> Result<FederationLink> {
        self.inner
            .change_federation_link(&actor_in(&actor)?, &bank, &account, seq_in(&version)?)
            .map(plain::link_out)
            .map_err(fail)
    }

    /// Deletes a bank code's link, from the version read.
    pub fn delete_federation_link(
        &self,
        actor: Actor,
        bank: String,
        version: String,
    ) -> Result<()> {
        self.inner
            .delete_federation_link(&actor_in(&actor)?, &bank, seq_in(&version)?)
            .map_err(fail)
    }

    /// What a payment by the federation to an institution uses, or null.
    pub fn payment_account(
        &self,
        actor: Actor,
        institution: String,
        usage: String,
    ) -> Result<Option<PaymentAccount>> {
        self.inner
            .payment_account(&actor_in(&actor)?, &institution, plain::usage(&usage)?)
            .map(|p| p.map(plain::payment_out))
            .map_err(fail)
    }

    /// Registers a notice; without `send_at` it is sent now.
    pub fn create_notice(&self, actor: Actor, notice: NoticeInput) -> Result<Notice> {
        self.inner
            .create_notice(&actor_in(&actor)?, &notice_in(notice)?)
            .map(|n| plain::notice_out(n.notice, n.version))
            .map_err(fail)
    }

    /// Changes a scheduled notice, from the version read.
    pub fn change_notice(
        &self,
        actor: Actor,
        notice_id: String,
        version: String,
        notice: NoticeInput,
    ) -> Result<Notice> {
        self.inner
            .change_notice(
                &actor_in(&actor)?,
                &notice_id,
                &notice_in(notice)?,
                seq_in(&version)?,
            )
            .map(|n| plain::notice_out(n.notice, n.version))
            .map_err(fail)
    }

    /// Cancels a scheduled notice, from the version read.
    pub fn cancel_notice(
        &self,
        actor: Actor,
        notice_id: String,
        version: String,
    ) -> Result<Notice> {
        self.inner
            .cancel_notice(&actor_in(&actor)?, &notice_id, seq_in(&version)?)
            .map(|n| plain::notice_out(n.notice, n.version))
            .map_err(fail)
    }

    /// Every notice.
    pub fn notices(&self, actor: Actor) -> Result<Vec<Notice>> {
        self.inner
            .notices(&actor_in(&actor)?)
            .map(plain::notices_out)
            .map_err(fail)
    }

    /// The batch: every scheduled notice whose time has come is sent, once.
    pub fn dispatch_notices(&self, actor: Actor) -> Result<Vec<DispatchedNotice>> {
        self.inner
            .dispatch_notices(&actor_in(&actor)?)
            .map(plain::dispatch_out)
            .map_err(fail)
    }

    /// The actor's notice board.
    pub fn notice_board(&self, actor: Actor) -> Result<Vec<Notice>> {
        self.inner
            .notice_board(&actor_in(&actor)?)
            .map(|ns| ns.into_iter().map(|n| plain::notice_out(n, 0)).collect())
            .map_err(fail)
    }
}
