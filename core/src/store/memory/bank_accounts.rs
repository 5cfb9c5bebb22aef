//! Bank accounts, federation links and notices in memory.

use super::*;
use crate::bank_account::{AccountUsage, ApplicationStatus, Attachment};
use crate::identifiers::MedicalInstitutionCode;
use crate::store::{
    ActiveAccount, ApplicationFilter, BankAccountStore, FederationLink, NoticeStore,
    StoredApplication, StoredNotice,
};

impl BankAccountStore for MemoryStore {
    fn bank_application(&self, id: &str) -> Result<Option<StoredApplication>, StoreError> {
        Ok(self.state().bank_applications.get(id).cloned())
    }

    fn bank_applications(
        &self,
        filter: &ApplicationFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredApplication>, StoreError> {
        let state = self.state();
        Ok(page(
            state
                .bank_applications
                .values()
                .filter(|a| after.is_none_or(|after| a.application.id.as_str() > after))
                .filter(|a| {
                    filter
                        .institution
                        .is_none_or(|i| a.application.institution == i)
                        && filter
                            .federation
                            .as_ref()
                            .is_none_or(|f| a.federation == *f)
                        && (!filter.pending_only
                            || a.application.status == ApplicationStatus::Pending)
                })
                .cloned(),
            limit,
        ))
    }

    fn bank_attachment(&self, id: &str, number: u32) -> Result<Option<Attachment>, StoreError> {
        Ok(self
            .state()
            .bank_attachments
            .get(&(id.to_owned(), number))
            .cloned())
    }

    fn active_accounts(
        &self,
        institution: &MedicalInstitutionCode,
    ) -> Result<Vec<ActiveAccount>, StoreError> {
        Ok(self
            .state()
            .active_accounts
            .values()
            .filter(|a| a.institution == *institution)
            .cloned()
            .collect())
    }

    fn federation_links(
        &self,
        federation: &OrganisationCode,
    ) -> Result<Vec<FederationLink>, StoreError> {
        Ok(self
            .state()
            .federation_links
            .values()
            .filter(|l| l.federation == *federation)
            .cloned()
            .collect())
    }

    fn payment_link(
        &self,
        federation: &OrganisationCode,
        institution: &MedicalInstitutionCode,
        usage: AccountUsage,
    ) -> Result<Option<(ActiveAccount, FederationLink)>, StoreError> {
        let state = self.state();
        let Some(active) = state.active_accounts.get(&(*institution, usage)) else {
            return Ok(None);
        };
        Ok(state
            .federation_links
            .get(&(federation.clone(), active.account.bank))
            .map(|l| (active.clone(), l.clone())))
    }
}

impl NoticeStore for MemoryStore {
    fn notice(&self, id: &str) -> Result<Option<StoredNotice>, StoreError> {
        Ok(self.state().notices.get(id).cloned())
    }

    fn notices(&self, after: Option<&str>, limit: usize) -> Result<Vec<StoredNotice>, StoreError> {
        let state = self.state();
        Ok(page(
            state
                .notices
                .values()
                .filter(|n| after.is_none_or(|a| n.notice.id.as_str() > a))
                .cloned(),
            limit,
        ))
    }

    fn due_notices(
        &self,
        at: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredNotice>, StoreError> {
        let mut due: Vec<StoredNotice> = self
            .state()
            .notices
            .values()
            .filter(|n| n.notice.due(at))
            .cloned()
            .collect();
        due.sort_by(|a, b| (a.notice.send_at, &a.notice.id).cmp(&(b.notice.send_at, &b.notice.id)));
        due.truncate(limit);
        Ok(due)
    }

    fn board_notices(&self, day: chrono::NaiveDate) -> Result<Vec<StoredNotice>, StoreError> {
        let mut shown: Vec<StoredNotice> = self
            .state()
            .notices
            .values()
            .filter(|n| {
                n.notice.status == crate::notices::NoticeStatus::Sent
                    && n.notice.display_from <= day
                    && day <= n.notice.display_until
            })
            .cloned()
            .collect();
        shown.sort_by(|a, b| {
            (a.notice.send_at, &a.notice.id).cmp(&(b.notice.send_at, &b.notice.id))
        });
        Ok(shown)
    }
}

impl State {
    /// Applies the writes of bank accounts, links and notices.
    pub(super) fn apply_bank_or_notice(&mut self, write: Write) -> Result<i64, StoreError> {
        match write {
            Write::PutBankApplication {
                application,
                expected,
            } => {
                let id = application.application.id.clone();
                let found = self.bank_applications.get(&id).map(|a| a.version);
                let version = expected.check("bank application", &id, found)?;
                let a = &application.application;
                if a.status == ApplicationStatus::Pending {
                    if let Some(other) = self.bank_applications.values().find(|o| {
                        o.application.id != id
                            && o.application.institution == a.institution
                            && o.application.usage == a.usage
                            && o.application.status == ApplicationStatus::Pending
                    }) {
                        return Err(StoreError::Conflict {
                            entity: "pending bank application",
                            id: other.application.id.clone(),
                            expected: Expected::Absent,
                            found: FoundVersion(Some(other.version)),
                        });
                    }
                }
                let attachments = self
                    .bank_applications
                    .get(&id)
                    .map(|a| a.attachments.clone())
                    .unwrap_or_default();
                self.bank_applications.insert(
                    id,
                    StoredApplication {
                        version,
                        attachments,
                        ..*application
                    },
                );
                Ok(version)
            }
            Write::PutBankAttachment {
                application,
                attachment,
            } => {
                let key = (application.clone(), attachment.info.number);
                if self.bank_attachments.contains_key(&key) {
                    return Err(StoreError::Conflict {
                        entity: "bank attachment",
                        id: format!("{application}/{}", attachment.info.number),
                        expected: Expected::Absent,
                        found: FoundVersion(Some(1)),
                    });
                }
                let Some(app) = self.bank_applications.get_mut(&application) else {
                    return Err(StoreError::Conflict {
                        entity: "bank application",
                        id: application,
                        expected: Expected::Version(1),
                        found: FoundVersion(None),
                    });
                };
                app.attachments.push(attachment.info.clone());
                app.attachments.sort_by_key(|a| a.number);
                self.bank_attachments.insert(key, *attachment);
                Ok(1)
            }
            Write::PutActiveAccount { account } => {
                self.active_accounts
                    .insert((account.institution, account.usage), *account);
                Ok(1)
            }
            Write::PutFederationLink { link, expected } => {
                let key = (link.federation.clone(), link.bank);
                let found = self.federation_links.get(&key).map(|l| l.version);
                let version = expected.check("federation link", &link_id(&link), found)?;
                self.federation_links
                    .insert(key, FederationLink { version, ..link });
                Ok(version)
            }
            Write::DeleteFederationLink {
                federation,
                bank,
                expected,
            } => {
                let key = (federation, bank);
                let found = self.federation_links.get(&key).map(|l| l.version);
                let id = format!("{}/{}", key.0, key.1);
                expected.check("federation link", &id, found)?;
                self.federation_links.remove(&key);
                Ok(0)
            }
            Write::PutNotice { notice, expected } => {
                let id = notice.notice.id.clone();
                let found = self.notices.get(&id).map(|n| n.version);
                let version = expected.check("notice", &id, found)?;
                self.notices.insert(id, StoredNotice { version, ..*notice });
                Ok(version)
            }
            other => Err(StoreError::Corrupt {
                entity: "write",
                id: format!("{other:?}").chars().take(40).collect(),
                reason: "not a bank-account or notice write".into(),
            }),
        }
    }
}

fn link_id(l: &FederationLink) -> String {
    format!("{}/{}", l.federation, l.bank)
}
