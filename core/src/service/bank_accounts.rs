//! Medical institutions' bank accounts, stored (H-9, screens H_091-001/002):
//! the application with its attachments, the federation's decision, the
//! applicant's deletion, and the reads of applications and active
//! accounts.
//!
//! Each step reads the stored application, lets the pure transition of
//! [`crate::bank_account`] decide, and commits the result with the version
//! it read, the active account (on approval), the notifications and the
//! access-log entry in one change set. Of any number of simultaneous
//! decisions one commit wins; every other caller reads again, finds the
//! application decided and gets `not_pending`. One pending application per
//! institution and usage is the engines' unique constraint: a second
//! simultaneous application is refused `application_pending` the same way.

use crate::access_log::AccessAction;
use crate::authz::{Operation, Relation};
use crate::bank_account::{
    self, AccountUsage, ApplicationRequest, Attachment, BankAccount, BankAccountDraft,
    BankAccountError, Institution, Notification as Notice, NotificationEvent, Rejection,
    Transition,
};
use crate::calendar::jst_date;
use crate::identifiers::{EmailAddress, HolderNameRules, MedicalInstitutionCode};
use crate::masters::catalog::{FEDERATIONS, INSTITUTIONS, MEMBER_INSTITUTIONS};
use crate::organisation::OrganisationCode;
use crate::outbox::{Notification, NotificationKind};
use crate::store::{
    ActiveAccount, ApplicationFilter, ChangeSet, Expected, StoreError, StoredApplication, Write,
};
use crate::Error;

use super::{Actor, Sesshu};

/// How many times a decision that lost a race reads again before giving up
/// with the conflict (each retry finds the winner's decision).
const RETRIES: usize = 8;

/// What an institution applies for (H_091-001).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankApplicationRequest {
    /// 口座利用区分: 予防接種用 or 債権譲渡用.
    pub usage: AccountUsage,
    /// The account as entered (口座分類区分 included).
    pub draft: BankAccountDraft,
    /// 添付書類: file names and bytes, numbered from 1 in this order.
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// A decision on an application (承認/否認, H_091-002).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankDecision {
    /// 承認.
    Approve,
    /// 否認, with its reason (1–7) and a note (required for 7).
    Reject {
        /// The reason's number.
        reason: Option<i64>,
        /// The note.
        note: Option<String>,
    },
}

impl Sesshu {
    /// The institution as the account rules see it: its code and the
    /// federation whose 所属医療機関マスタ lists it today.
    pub(super) fn account_institution(&self, code: &str) -> Result<Institution, Error> {
        let unknown = || BankAccountError::UnknownInstitution {
            code: code.to_owned(),
        };
        let parsed = MedicalInstitutionCode::parse(code).map_err(|_| unknown())?;
        let today = jst_date(self.now());
        let member = self
            .store
            .master_rows(&MEMBER_INSTITUTIONS)?
            .into_iter()
            .filter(|r| r.valid_on(today))
            .find(|r| {
                r.values
                    .get("institution")
                    .is_some_and(|v| v.to_string() == parsed.as_str())
            })
            .ok_or_else(unknown)?;
        let federation = member
            .owner()
            .map(OrganisationCode::parse)
            .transpose()?
            .ok_or_else(unknown)?;
        Ok(Institution {
            code: parsed,
            federation,
        })
    }

    /// Where `organisation` is notified: an institution's 管理者メールアドレス
    /// (医療機関マスタ), a federation's 連絡先メールアドレス (連合会情報マスタ).
    fn contact_address(&self, organisation: &OrganisationCode) -> Result<EmailAddress, Error> {
        let (kind, column) = if MedicalInstitutionCode::parse(organisation.as_str()).is_ok() {
            (&INSTITUTIONS, "admin_email")
        } else {
            (&FEDERATIONS, "email")
        };
        let today = jst_date(self.now());
        let missing = || BankAccountError::NoContactAddress {
            organisation: organisation.to_string(),
            master: kind.label,
        };
        let text = self
            .store
            .master_versions(kind, organisation.as_str())?
            .iter()
            .find(|r| r.valid_on(today))
            .and_then(|r| r.values.get(column))
            .map(ToString::to_string)
            .ok_or_else(missing)?;
        EmailAddress::parse(&text).map_err(|_| missing().into())
    }

    /// The outbox entries of a transition's notifications, once each.
    fn bank_notifications(
        &self,
        app: &StoredApplication,
        notices: &[Notice],
    ) -> Result<Vec<Write>, Error> {
        notices
            .iter()
            .map(|n| {
                let kind = match n.event {
                    NotificationEvent::Applied => NotificationKind::BankAccountApplied,
                    NotificationEvent::Approved => NotificationKind::BankAccountApproved,
                    NotificationEvent::Rejected => NotificationKind::BankAccountRejected,
                };
                let mut payload = std::collections::BTreeMap::from([
                    ("organisation".to_owned(), n.to.to_string()),
                    ("event".to_owned(), n.event.as_str().to_owned()),
                    ("application".to_owned(), n.application.clone()),
                    (
                        "institution".to_owned(),
                        app.application.institution.to_string(),
                    ),
                    (
                        "usage".to_owned(),
                        app.application.usage.as_str().to_owned(),
                    ),
                ]);
                if let Some(r) = &app.application.rejection {
                    payload.insert("reason".into(), r.reason.number().to_string());
                    if let Some(note) = &r.note {
                        payload.insert("note".into(), note.clone());
                    }
                }
                Ok(Write::Notify {
                    notification: Notification {
                        seq: 0,
                        kind,
                        recipient: self.contact_address(&n.to)?,
                        user: None,
                        payload,
                        secrets: Default::default(),
                        dedupe_key: Some(format!(
                            "bank:{}:{}:{}",
                            n.application,
                            n.event.as_str(),
                            n.to
                        )),
                        created_at: self.now(),
                        delivered_at: None,
                    },
                })
            })
            .collect()
    }

    /// An institution applies for an account (口座情報の申請, H_091-001):
    /// the account is checked against the stored zengin master and the
    /// holder-name rules, the attachments by their bytes; the institution's
    /// federation is notified. `institution` is the applicant (an
    /// institution applies for itself: another is `not_authorized`).
    pub fn apply_bank_account(
        &self,
        actor: &Actor,
        institution: &str,
        request: BankApplicationRequest,
        rules: &HolderNameRules,
    ) -> Result<StoredApplication, Error> {
        let institution = self.account_institution(institution)?;
        let attachments = Attachment::all(request.attachments)?;
        let account = self.check_bank_account(&request.draft, rules)?;
        let relation = Relation::own_if(actor.organisation.as_str() == institution.code.as_str());
        self.guard(actor, Operation::ApplyBankAccounts, relation)?;
        let directory = Checked(&account);
        for _ in 0..RETRIES {
            let id = self.dated_id("BA")?;
            let pending = self.pending_application(&institution.code, request.usage)?;
            let t = bank_account::apply(
                &institution,
                &actor.organisation,
                ApplicationRequest {
                    id: &id,
                    usage: request.usage,
                    draft: &request.draft,
                },
                pending.as_deref(),
                &directory,
                rules,
            )?;
            let stored = StoredApplication {
                application: t.application.clone(),
                federation: institution.federation.clone(),
                applied_at: self.now(),
                applied_by: actor.log_name(),
                decided_at: None,
                decided_by: None,
                attachments: attachments.iter().map(|a| a.info.clone()).collect(),
                version: 1,
            };
            let mut writes = vec![Write::PutBankApplication {
                application: Box::new(stored.clone()),
                expected: Expected::Absent,
            }];
            writes.extend(attachments.iter().map(|a| Write::PutBankAttachment {
                application: id.clone(),
                attachment: Box::new(a.clone()),
            }));
            writes.extend(self.bank_notifications(&stored, &t.notifications)?);
            match self.store.commit(ChangeSet {
                writes,
                log: vec![self.logged(actor, AccessAction::WriteBankAccount)],
            }) {
                Ok(_) => return Ok(stored),
                // Another application became pending first (the unique
                // constraint), or the id was taken: read again.
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict {
            entity: "bank application",
            id: institution.code.to_string(),
            expected: Expected::Absent,
            found: crate::store::FoundVersion(None),
        }
        .into())
    }

    fn pending_application(
        &self,
        institution: &MedicalInstitutionCode,
        usage: AccountUsage,
    ) -> Result<Option<String>, Error> {
        let filter = ApplicationFilter {
            institution: Some(*institution),
            federation: None,
            pending_only: true,
        };
        Ok(self
            .store
            .bank_applications(&filter, None, usize::MAX)?
            .into_iter()
            .find(|a| a.application.usage == usage)
            .map(|a| a.application.id))
    }

    fn stored_application(&self, id: &str) -> Result<StoredApplication, Error> {
        self.store
            .bank_application(id)?
            .ok_or_else(|| BankAccountError::UnknownApplication { id: id.to_owned() }.into())
    }

    /// The deciding federation approves or rejects application `id`
    /// (H_091-002). Approval makes the account the institution's active
    /// account for the usage; rejection leaves it. The institution, then
    /// the federation, are notified. A decision already stored (by anyone,
    /// however close in time) is `not_pending`.
    pub fn decide_bank_application(
        &self,
        actor: &Actor,
        id: &str,
        decision: &BankDecision,
    ) -> Result<StoredApplication, Error> {
        let app = self.stored_application(id)?;
        if let BankDecision::Reject { reason, note } = decision {
            Rejection::new(*reason, note.as_deref())?;
        }
        self.guard(
            actor,
            Operation::DecideBankAccounts,
            Relation::own_if(actor.organisation == app.federation),
        )?;
        self.step_once(actor, app, |app| {
            let institution = Institution {
                code: app.application.institution,
                federation: app.federation.clone(),
            };
            match decision {
                BankDecision::Approve => {
                    bank_account::approve(&app.application, &institution, &actor.organisation)
                }
                BankDecision::Reject { reason, note } => bank_account::reject(
                    &app.application,
                    &institution,
                    &actor.organisation,
                    *reason,
                    note.as_deref(),
                ),
            }
        })
    }

    /// The applicant deletes its pending application (申請情報削除).
    pub fn delete_bank_application(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<StoredApplication, Error> {
        let app = self.stored_application(id)?;
        self.guard(
            actor,
            Operation::ApplyBankAccounts,
            Relation::own_if(actor.organisation.as_str() == app.application.institution.as_str()),
        )?;
        self.step_once(actor, app, |app| {
            bank_account::delete(&app.application, &actor.organisation)
        })
    }

    /// Applies `step` to the application read and commits it at that
    /// version; when another commit came first, reads again and decides
    /// again (so the loser sees the winner's decision: `not_pending`).
    fn step_once(
        &self,
        actor: &Actor,
        mut app: StoredApplication,
        step: impl Fn(&StoredApplication) -> Result<Transition, BankAccountError>,
    ) -> Result<StoredApplication, Error> {
        for _ in 0..RETRIES {
            match self.commit_step(actor, &app, step(&app)?) {
                Err(Error::Store(StoreError::Conflict { .. })) => {
                    app = self.stored_application(&app.application.id)?;
                }
                done => return done,
            }
        }
        Err(StoreError::Conflict {
            entity: "bank application",
            id: app.application.id.clone(),
            expected: Expected::Version(app.version),
            found: crate::store::FoundVersion(None),
        }
        .into())
    }

    /// Commits a decision or deletion read at `app`'s version.
    fn commit_step(
        &self,
        actor: &Actor,
        app: &StoredApplication,
        t: Transition,
    ) -> Result<StoredApplication, Error> {
        let now = self.now();
        let stored = StoredApplication {
            application: t.application,
            decided_at: Some(now),
            decided_by: Some(actor.log_name()),
            version: app.version + 1,
            ..app.clone()
        };
        let mut writes = vec![Write::PutBankApplication {
            application: Box::new(stored.clone()),
            expected: Expected::Version(app.version),
        }];
        if t.activates {
            writes.push(Write::PutActiveAccount {
                account: Box::new(ActiveAccount {
                    institution: stored.application.institution,
                    usage: stored.application.usage,
                    account: stored.application.account.clone(),
                    application: Some(stored.application.id.clone()),
                    since: now,
                }),
            });
        }
        writes.extend(self.bank_notifications(&stored, &t.notifications)?);
        self.store.commit(ChangeSet {
            writes,
            log: vec![self.logged(actor, AccessAction::WriteBankAccount)],
        })?;
        Ok(stored)
    }

    /// Guards a read of `institution`'s accounts or of an application it
    /// made and `federation` decides: the applicant and the federation.
    fn guard_bank_read(
        &self,
        actor: &Actor,
        institution: &MedicalInstitutionCode,
        federation: Option<&OrganisationCode>,
    ) -> Result<(), Error> {
        let own = actor.organisation.as_str() == institution.as_str()
            || federation.is_some_and(|f| *f == actor.organisation);
        self.guard(actor, Operation::ReadBankAccounts, Relation::own_if(own))
    }

    fn bank_read_logged(&self, actor: &Actor) -> Result<(), Error> {
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![self.logged(actor, AccessAction::ReadBankAccount)],
        })?;
        Ok(())
    }

    /// One application, for its applicant or its federation (access-logged).
    pub fn bank_application(&self, actor: &Actor, id: &str) -> Result<StoredApplication, Error> {
        let app = self.stored_application(id)?;
        self.guard_bank_read(actor, &app.application.institution, Some(&app.federation))?;
        self.bank_read_logged(actor)?;
        Ok(app)
    }

    /// The actor's applications: an institution's own, or those its
    /// federation decides (`pending_only`: the ones awaiting a decision),
    /// by id (access-logged).
    pub fn bank_applications(
        &self,
        actor: &Actor,
        pending_only: bool,
    ) -> Result<Vec<StoredApplication>, Error> {
        self.guard(actor, Operation::ReadBankAccounts, Relation::Own)?;
        let institution = MedicalInstitutionCode::parse(actor.organisation.as_str()).ok();
        let filter = ApplicationFilter {
            federation: institution.is_none().then(|| actor.organisation.clone()),
            institution,
            pending_only,
        };
        let apps = self.store.bank_applications(&filter, None, usize::MAX)?;
        self.bank_read_logged(actor)?;
        Ok(apps)
    }

    /// Attachment `number` of application `id`, with its bytes, for the
    /// applicant or the deciding federation only (access-logged).
    pub fn bank_attachment(
        &self,
        actor: &Actor,
        id: &str,
        number: u32,
    ) -> Result<Attachment, Error> {
        let app = self.stored_application(id)?;
        self.guard_bank_read(actor, &app.application.institution, Some(&app.federation))?;
        let attachment = self.store.bank_attachment(id, number)?.ok_or_else(|| {
            BankAccountError::UnknownAttachment {
                application: id.to_owned(),
                number,
            }
        })?;
        self.bank_read_logged(actor)?;
        Ok(attachment)
    }

    /// An institution's active accounts (有効な口座), by usage: for the
    /// institution and its federation (access-logged).
    pub fn active_accounts(
        &self,
        actor: &Actor,
        institution: &str,
    ) -> Result<Vec<ActiveAccount>, Error> {
        let party = self.account_institution(institution)?;
        self.guard_bank_read(actor, &party.code, Some(&party.federation))?;
        let accounts = self.store.active_accounts(&party.code)?;
        self.bank_read_logged(actor)?;
        Ok(accounts)
    }

    /// Registers an institution's account from the national system
    /// (国総口座, the migration before any application): the operator's.
    /// Later changes are applications.
    pub fn register_active_account(
        &self,
        actor: &Actor,
        institution: &str,
        usage: AccountUsage,
        draft: &BankAccountDraft,
        rules: &HolderNameRules,
    ) -> Result<ActiveAccount, Error> {
        let party = self.account_institution(institution)?;
        let account = self.check_bank_account(draft, rules)?;
        self.guard(actor, Operation::RegisterNationalAccounts, Relation::Own)?;
        let active = ActiveAccount {
            institution: party.code,
            usage,
            account,
            application: None,
            since: self.now(),
        };
        self.store.commit(ChangeSet {
            writes: vec![Write::PutActiveAccount {
                account: Box::new(active.clone()),
            }],
            log: vec![self.logged(actor, AccessAction::WriteBankAccount)],
        })?;
        Ok(active)
    }
}

/// The zengin directory of an account already checked against the stored
/// master (the rule asks it again for exactly that bank and branch).
struct Checked<'a>(&'a BankAccount);

impl crate::identifiers::ZenginDirectory for Checked<'_> {
    fn contains_bank(&self, bank: &crate::identifiers::BankCode) -> bool {
        *bank == self.0.bank
    }

    fn contains_branch(
        &self,
        bank: &crate::identifiers::BankCode,
        branch: &crate::identifiers::BranchCode,
    ) -> bool {
        *bank == self.0.bank && *branch == self.0.branch
    }
}
