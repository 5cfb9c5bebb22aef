//! Bank accounts (H-9), federation links (H-10) and notices (H-11) on the
//! store: the calls forward to the service; the records are the shared ones.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sesshu_core::identifiers::HolderNameRules;
use sesshu_core::service::BankDecision;

use crate::plain::accounts::{actor_in, Actor};
use crate::plain::bank_accounts::{
    self as plain, ActiveAccount, BankApplication, DispatchedNotice, FederationLink, Notice,
    PaymentAccount,
};
use crate::plain::rules::BankAccountDraft;
use crate::plain::Day;
use crate::store::Sesshu;

#[pymethods]
impl Sesshu {
    /// An institution applies for an account (`usage` `vaccination` or
    /// `claim_assignment`), checked against the stored zengin master;
    /// `attachments`: `(file name, bytes)` pairs, PDF, JPEG or PNG by their
    /// bytes. Its federation is notified.
    #[pyo3(signature = (actor, institution, usage, account, attachments=Vec::new()))]
    fn apply_bank_account(
        &self,
        py: Python<'_>,
        actor: Actor,
        institution: &str,
        usage: &str,
        account: BankAccountDraft,
        attachments: Vec<(String, Vec<u8>)>,
    ) -> PyResult<BankApplication> {
        let (a, request) = (
            actor_in(&actor)?,
            plain::request(usage, &account, attachments)?,
        );
        let rules = HolderNameRules::default();
        self.run(py, |s| {
            s.apply_bank_account(&a, institution, request, &rules)
        })
        .map(plain::application_out)
    }

    /// The deciding federation approves: the account becomes active.
    fn approve_bank_application(
        &self,
        py: Python<'_>,
        actor: Actor,
        application_id: &str,
    ) -> PyResult<BankApplication> {
        let a = actor_in(&actor)?;
        self.run(py, |s| {
            s.decide_bank_application(&a, application_id, &BankDecision::Approve)
        })
        .map(plain::application_out)
    }

    /// The deciding federation rejects with a reason 1–7 (7 needs a note).
    #[pyo3(signature = (actor, application_id, reason=None, note=None))]
    fn reject_bank_application(
        &self,
        py: Python<'_>,
        actor: Actor,
        application_id: &str,
        reason: Option<i64>,
        note: Option<String>,
    ) -> PyResult<BankApplication> {
        let (a, decision) = (actor_in(&actor)?, plain::rejection(reason, note));
        self.run(py, |s| {
            s.decide_bank_application(&a, application_id, &decision)
        })
        .map(plain::application_out)
    }

    /// The applicant deletes its pending application.
    fn delete_bank_application(
        &self,
        py: Python<'_>,
        actor: Actor,
        application_id: &str,
    ) -> PyResult<BankApplication> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.delete_bank_application(&a, application_id))
            .map(plain::application_out)
    }

    /// One application (its applicant or its federation).
    fn bank_application(
        &self,
        py: Python<'_>,
        actor: Actor,
        application_id: &str,
    ) -> PyResult<BankApplication> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.bank_application(&a, application_id))
            .map(plain::application_out)
    }

    /// The actor's applications: an institution's own, or those its
    /// federation decides.
    #[pyo3(signature = (actor, *, pending_only=false))]
    fn bank_applications(
        &self,
        py: Python<'_>,
        actor: Actor,
        pending_only: bool,
    ) -> PyResult<Vec<BankApplication>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.bank_applications(&a, pending_only))
            .map(plain::applications_out)
    }

    /// Attachment `number` of an application: its bytes.
    fn bank_attachment<'py>(
        &self,
        py: Python<'py>,
        actor: Actor,
        application_id: &str,
        number: u32,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let a = actor_in(&actor)?;
        let got = self.run(py, |s| s.bank_attachment(&a, application_id, number))?;
        Ok(PyBytes::new(py, &got.bytes))
    }

    /// An institution's active accounts.
    fn active_accounts(
        &self,
        py: Python<'_>,
        actor: Actor,
        institution: &str,
    ) -> PyResult<Vec<ActiveAccount>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.active_accounts(&a, institution))
            .map(plain::actives_out)
    }

    /// Registers an institution's account from the national system (the
    /// operator's, before any application).
    fn register_active_account(
        &self,
        py: Python<'_>,
        actor: Actor,
        institution: &str,
        usage: &str,
        account: BankAccountDraft,
    ) -> PyResult<ActiveAccount> {
        let a = actor_in(&actor)?;
        let (usage, draft) = (plain::usage(usage)?, crate::plain::rules::draft(&account)?);
        let rules = HolderNameRules::default();
        self.run(py, |s| {
            s.register_active_account(&a, institution, usage, &draft, &rules)
        })
        .map(plain::active_out)
    }

    /// The federation's links of bank codes to its accounts.
    fn federation_links(&self, py: Python<'_>, actor: Actor) -> PyResult<Vec<FederationLink>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.federation_links(&a))
            .map(plain::links_out)
    }

    /// Links a bank code to one of the federation's accounts.
    fn add_federation_link(
        &self,
        py: Python<'_>,
        actor: Actor,
        bank: &str,
        account: &str,
    ) -> PyResult<FederationLink> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.add_federation_link(&a, bank, account))
            .map(plain::link_out)
    }

    /// Changes a bank code's link, from the version read.
    fn change_federation_link(
        &self,
        py: Python<'_>,
        actor: Actor,
        bank: &str,
        account: &str,
        version: i64,
    ) -> PyResult<FederationLink> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.change_federation_link(&a, bank, account, version))
            .map(plain::link_out)
    }

    /// Deletes a bank code's link, from the version read.
    fn delete_federation_link(
        &self,
        py: Python<'_>,
        actor: Actor,
        bank: &str,
        version: i64,
    ) -> PyResult<()> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.delete_federation_link(&a, bank, version))
    }

    /// What a payment by the federation to an institution uses, or `None`.
    #[pyo3(signature = (actor, institution, usage="vaccination"))]
    fn payment_account(
        &self,
        py: Python<'_>,
        actor: Actor,
        institution: &str,
        usage: &str,
    ) -> PyResult<Option<PaymentAccount>> {
        let (a, usage) = (actor_in(&actor)?, plain::usage(usage)?);
        self.run(py, |s| s.payment_account(&a, institution, usage))
            .map(|p| p.map(plain::payment_out))
    }

    /// Registers a notice; without `send_at` it is sent now.
    #[pyo3(signature = (actor, title, body, targets, display_from, display_until, send_at=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_notice(
        &self,
        py: Python<'_>,
        actor: Actor,
        title: String,
        body: String,
        targets: Vec<String>,
        display_from: Day,
        display_until: Day,
        send_at: Option<DateTime<Utc>>,
    ) -> PyResult<Notice> {
        let a = actor_in(&actor)?;
        let d = plain::notice_draft(title, body, targets, send_at, &display_from, &display_until)?;
        self.run(py, |s| s.create_notice(&a, &d))
            .map(|n| plain::notice_out(n.notice, n.version))
    }

    /// Changes a scheduled notice, from the version read.
    #[pyo3(signature = (actor, notice_id, version, title, body, targets, display_from, display_until, send_at=None))]
    #[allow(clippy::too_many_arguments)]
    fn change_notice(
        &self,
        py: Python<'_>,
        actor: Actor,
        notice_id: &str,
        version: i64,
        title: String,
        body: String,
        targets: Vec<String>,
        display_from: Day,
        display_until: Day,
        send_at: Option<DateTime<Utc>>,
    ) -> PyResult<Notice> {
        let a = actor_in(&actor)?;
        let d = plain::notice_draft(title, body, targets, send_at, &display_from, &display_until)?;
        self.run(py, |s| s.change_notice(&a, notice_id, &d, version))
            .map(|n| plain::notice_out(n.notice, n.version))
    }

    /// Cancels a scheduled notice, from the version read.
    fn cancel_notice(
        &self,
        py: Python<'_>,
        actor: Actor,
        notice_id: &str,
        version: i64,
    ) -> PyResult<Notice> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.cancel_notice(&a, notice_id, version))
            .map(|n| plain::notice_out(n.notice, n.version))
    }

    /// Every notice.
    fn notices(&self, py: Python<'_>, actor: Actor) -> PyResult<Vec<Notice>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.notices(&a)).map(plain::notices_out)
    }

    /// The batch: every scheduled notice whose time has come is sent, once.
    fn dispatch_notices(&self, py: Python<'_>, actor: Actor) -> PyResult<Vec<DispatchedNotice>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.dispatch_notices(&a))
            .map(plain::dispatch_out)
    }

    /// The actor's notice board.
    fn notice_board(&self, py: Python<'_>, actor: Actor) -> PyResult<Vec<Notice>> {
        let a = actor_in(&actor)?;
        self.run(py, |s| s.notice_board(&a))
            .map(|ns| ns.into_iter().map(|n| plain::notice_out(n, 0)).collect())
    }
}
