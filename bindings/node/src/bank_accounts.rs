//! Bank accounts (H-9), federation links (H-10) and notices (H-11) on the
//! store. Each call returns a Promise; a refusal rejects with an `Error`
//! carrying `code`. The records are the shared ones.

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use sesshu_core::bank_account::Attachment;
use sesshu_core::identifiers::HolderNameRules;
use sesshu_core::service::{self, BankDecision};
use sesshu_core::store;

use crate::error::{Code, Job};
use crate::plain::accounts::{actor_in, Actor};
use crate::plain::bank_accounts::{
    self as plain, ActiveAccount, BankApplication, DispatchedNotice, FederationLink, Notice,
    PaymentAccount,
};
use crate::plain::rules::{draft, BankAccountDraft};
use crate::plain::seq_in;
use crate::store::Sesshu;

/// A file attached to an application.
#[napi(object)]
pub struct AttachmentFile {
    pub name: String,
    pub data: Buffer,
}

/// A notice as its author writes it (`sendAt` left out: send now).
#[napi(object)]
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

fn notice_in(n: NoticeInput) -> napi::Result<sesshu_core::notices::NoticeDraft, Code> {
    plain::notice_draft(
        n.title,
        n.body,
        n.targets,
        n.send_at,
        &n.display_from,
        &n.display_until,
    )
}

fn stored_notice(n: store::StoredNotice) -> Notice {
    plain::notice_out(n.notice, n.version)
}

fn board(ns: Vec<sesshu_core::notices::Notice>) -> Vec<Notice> {
    ns.into_iter().map(|n| plain::notice_out(n, 0)).collect()
}

fn bytes(a: Attachment) -> Buffer {
    Buffer::from(a.bytes)
}

#[allow(clippy::type_complexity)]
#[napi]
impl Sesshu {
    /// An institution applies for an account (`usage` `vaccination` or
    /// `claim_assignment`), checked against the stored zengin master;
    /// attachments are PDF, JPEG or PNG by their bytes.
    #[napi(ts_return_type = "Promise<BankApplication>")]
    pub fn apply_bank_account(
        &self,
        actor: Actor,
        institution: String,
        usage: String,
        account: BankAccountDraft,
        attachments: Option<Vec<AttachmentFile>>,
    ) -> napi::Result<AsyncTask<Job<store::StoredApplication, BankApplication>>, Code> {
        let files = attachments
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.name, f.data.to_vec()))
            .collect();
        let (a, request) = (actor_in(&actor)?, plain::request(&usage, &account, files)?);
        let s = self.inner.clone();
        Ok(Job::new(
            move || s.apply_bank_account(&a, &institution, request, &HolderNameRules::default()),
            plain::application_out,
        ))
    }

    /// The deciding federation approves: the account becomes active.
    #[napi(ts_return_type = "Promise<BankApplication>")]
    pub fn approve_bank_application(
        &self,
        actor: Actor,
        application_id: String,
    ) -> napi::Result<AsyncTask<Job<store::StoredApplication, BankApplication>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.decide_bank_application(&a, &application_id, &BankDecision::Approve),
            plain::application_out,
        ))
    }

    /// The deciding federation rejects with a reason 1–7 (7 needs a note).
    #[napi(ts_return_type = "Promise<BankApplication>")]
    pub fn reject_bank_application(
        &self,
        actor: Actor,
        application_id: String,
        reason: Option<i64>,
        note: Option<String>,
    ) -> napi::Result<AsyncTask<Job<store::StoredApplication, BankApplication>>, Code> {
        let (a, s, d) = (
            actor_in(&actor)?,
            self.inner.clone(),
            plain::rejection(reason, note),
        );
        Ok(Job::new(
            move || s.decide_bank_application(&a, &application_id, &d),
            plain::application_out,
        ))
    }

    /// The applicant deletes its pending application.
    #[napi(ts_return_type = "Promise<BankApplication>")]
    pub fn delete_bank_application(
        &self,
        actor: Actor,
        application_id: String,
    ) -> napi::Result<AsyncTask<Job<store::StoredApplication, BankApplication>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.delete_bank_application(&a, &application_id),
            plain::application_out,
        ))
    }

    /// One application (its applicant or its federation).
    #[napi(ts_return_type = "Promise<BankApplication>")]
    pub fn bank_application(
        &self,
        actor: Actor,
        application_id: String,
    ) -> napi::Result<AsyncTask<Job<store::StoredApplication, BankApplication>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.bank_application(&a, &application_id),
            plain::application_out,
        ))
    }

    /// The actor's applications: an institution's own, or those its
    /// federation decides.
    #[napi(ts_return_type = "Promise<Array<BankApplication>>")]
    pub fn bank_applications(
        &self,
        actor: Actor,
        pending_only: Option<bool>,
    ) -> napi::Result<AsyncTask<Job<Vec<store::StoredApplication>, Vec<BankApplication>>>, Code>
    {
        let (a, s, p) = (
            actor_in(&actor)?,
            self.inner.clone(),
            pending_only.unwrap_or(false),
        );
        Ok(Job::new(
            move || s.bank_applications(&a, p),
            plain::applications_out,
        ))
    }

    /// Attachment `number` of an application: its bytes.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn bank_attachment(
        &self,
        actor: Actor,
        application_id: String,
        number: u32,
    ) -> napi::Result<AsyncTask<Job<Attachment, Buffer>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.bank_attachment(&a, &application_id, number),
            bytes,
        ))
    }

    /// An institution's active accounts.
    #[napi(ts_return_type = "Promise<Array<ActiveAccount>>")]
    pub fn active_accounts(
        &self,
        actor: Actor,
        institution: String,
    ) -> napi::Result<AsyncTask<Job<Vec<store::ActiveAccount>, Vec<ActiveAccount>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.active_accounts(&a, &institution),
            plain::actives_out,
        ))
    }

    /// Registers an institution's account from the national system (the
    /// operator's, before any application).
    #[napi(ts_return_type = "Promise<ActiveAccount>")]
    pub fn register_active_account(
        &self,
        actor: Actor,
        institution: String,
        usage: String,
        account: BankAccountDraft,
    ) -> napi::Result<AsyncTask<Job<store::ActiveAccount, ActiveAccount>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let (usage, d) = (plain::usage(&usage)?, draft(&account)?);
        Ok(Job::new(
            move || {
                s.register_active_account(&a, &institution, usage, &d, &HolderNameRules::default())
            },
            plain::active_out,
        ))
    }

    /// The federation's links of bank codes to its accounts.
    #[napi(ts_return_type = "Promise<Array<FederationLink>>")]
    pub fn federation_links(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<Vec<store::FederationLink>, Vec<FederationLink>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.federation_links(&a), plain::links_out))
    }

    /// Links a bank code to one of the federation's accounts.
    #[napi(ts_return_type = "Promise<FederationLink>")]
    pub fn add_federation_link(
        &self,
        actor: Actor,
        bank: String,
        account: String,
    ) -> napi::Result<AsyncTask<Job<store::FederationLink, FederationLink>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.add_federation_link(&a, &bank, &account),
            plain::link_out,
        ))
    }

    /// Changes a bank code's link, from the version read.
    #[napi(ts_return_type = "Promise<FederationLink>")]
    pub fn change_federation_link(
        &self,
        actor: Actor,
        bank: String,
        account: String,
        version: String,
    ) -> napi::Result<AsyncTask<Job<store::FederationLink, FederationLink>>, Code> {
        let (a, s, v) = (actor_in(&actor)?, self.inner.clone(), seq_in(&version)?);
        Ok(Job::new(
            move || s.change_federation_link(&a, &bank, &account, v),
            plain::link_out,
        ))
    }

    /// Deletes a bank code's link, from the version read.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_federation_link(
        &self,
        actor: Actor,
        bank: String,
        version: String,
    ) -> napi::Result<AsyncTask<Job<(), ()>>, Code> {
        let (a, s, v) = (actor_in(&actor)?, self.inner.clone(), seq_in(&version)?);
        Ok(Job::new(
            move || s.delete_federation_link(&a, &bank, v),
            |()| (),
        ))
    }

    /// What a payment by the federation to an institution uses, or null.
    #[napi(ts_return_type = "Promise<PaymentAccount | null>")]
    pub fn payment_account(
        &self,
        actor: Actor,
        institution: String,
        usage: Option<String>,
    ) -> napi::Result<AsyncTask<Job<Option<service::PaymentAccount>, Option<PaymentAccount>>>, Code>
    {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        let usage = plain::usage(usage.as_deref().unwrap_or("vaccination"))?;
        Ok(Job::new(
            move || s.payment_account(&a, &institution, usage),
            |p| p.map(plain::payment_out),
        ))
    }

    /// Registers a notice; without `sendAt` it is sent now.
    #[napi(ts_return_type = "Promise<Notice>")]
    pub fn create_notice(
        &self,
        actor: Actor,
        notice: NoticeInput,
    ) -> napi::Result<AsyncTask<Job<store::StoredNotice, Notice>>, Code> {
        let (a, s, d) = (actor_in(&actor)?, self.inner.clone(), notice_in(notice)?);
        Ok(Job::new(move || s.create_notice(&a, &d), stored_notice))
    }

    /// Changes a scheduled notice, from the version read.
    #[napi(ts_return_type = "Promise<Notice>")]
    pub fn change_notice(
        &self,
        actor: Actor,
        notice_id: String,
        version: String,
        notice: NoticeInput,
    ) -> napi::Result<AsyncTask<Job<store::StoredNotice, Notice>>, Code> {
        let (a, s, d) = (actor_in(&actor)?, self.inner.clone(), notice_in(notice)?);
        let v = seq_in(&version)?;
        Ok(Job::new(
            move || s.change_notice(&a, &notice_id, &d, v),
            stored_notice,
        ))
    }

    /// Cancels a scheduled notice, from the version read.
    #[napi(ts_return_type = "Promise<Notice>")]
    pub fn cancel_notice(
        &self,
        actor: Actor,
        notice_id: String,
        version: String,
    ) -> napi::Result<AsyncTask<Job<store::StoredNotice, Notice>>, Code> {
        let (a, s, v) = (actor_in(&actor)?, self.inner.clone(), seq_in(&version)?);
        Ok(Job::new(
            move || s.cancel_notice(&a, &notice_id, v),
            stored_notice,
        ))
    }

    /// Every notice.
    #[napi(ts_return_type = "Promise<Array<Notice>>")]
    pub fn notices(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<Vec<store::StoredNotice>, Vec<Notice>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.notices(&a), plain::notices_out))
    }

    /// The batch: every scheduled notice whose time has come is sent, once.
    #[napi(ts_return_type = "Promise<Array<DispatchedNotice>>")]
    pub fn dispatch_notices(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<service::DispatchReport, Vec<DispatchedNotice>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(
            move || s.dispatch_notices(&a),
            plain::dispatch_out,
        ))
    }

    /// The actor's notice board.
    #[napi(ts_return_type = "Promise<Array<Notice>>")]
    pub fn notice_board(
        &self,
        actor: Actor,
    ) -> napi::Result<AsyncTask<Job<Vec<sesshu_core::notices::Notice>, Vec<Notice>>>, Code> {
        let (a, s) = (actor_in(&actor)?, self.inner.clone());
        Ok(Job::new(move || s.notice_board(&a), board))
    }
}
