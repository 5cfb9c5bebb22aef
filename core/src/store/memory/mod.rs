//! [`MemoryStore`]: the store traits over maps in memory, for fast unit
//! tests of the services (behind the `testing` feature). It passes the
//! same conformance suite as SQLite and PostgreSQL, so a test that runs on
//! it says what the engines do.
//!
//! A commit applies its writes to a copy of the state and replaces the
//! state only when every write held: all or nothing, as a transaction.

mod bank_accounts;
mod commit;
mod marts;
mod maternal;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Datelike, Utc};

use super::rows::last_activity;
use super::{
    AccountStore, CertificateStore, ChangeSet, CommitReceipt, DeliveryBatch, DeliveryStore,
    Expected, FoundVersion, LogFilter, LogStore, MasterStore, Organisation, PersonFilter,
    PersonStore, QuestionnaireStore, Store, StoreError, StoredOrganisation, StoredPerson,
    StoredQuestionnaire, StoredRecord, StoredUser, Write, ZenginStore,
};
use crate::access_log::{chain_all, AccessLogEntry, Digest32};
use crate::accounts::{AccountStatus, User, UserId};
use crate::certificate::issuance::Issuance;
use crate::identifiers::{
    BankCode, BranchCode, ManagementId, MunicipalityCode, RecordId, SubjectNumber, ZenginDirectory,
    ZenginMaster,
};
use crate::masters::{MasterKind, MasterRow};
use crate::organisation::OrganisationCode;
use crate::outbox::Notification;
use crate::tokens::AccessToken;
use crate::zengin::{ZenginLoad, ZenginMatch, ZenginStatus};

/// Everything a store holds, keyed as the engines key it.
#[derive(Clone, Default)]
struct State {
    persons: BTreeMap<ManagementId, StoredPerson>,
    records: BTreeMap<RecordId, StoredRecord>,
    record_seq: i64,
    questionnaires: BTreeMap<RecordId, StoredQuestionnaire>,
    batches: BTreeMap<String, DeliveryBatch>,
    cursors: HashMap<MunicipalityCode, i64>,
    log: Vec<AccessLogEntry>,
    head: Option<(i64, Digest32)>,
    organisations: BTreeMap<OrganisationCode, StoredOrganisation>,
    users: BTreeMap<UserId, StoredUser>,
    tokens: BTreeMap<String, AccessToken>,
    outbox: Vec<Notification>,
    settings: BTreeMap<String, String>,
    issuances: BTreeMap<String, Issuance>,
    zengin: Option<ZenginSlot>,
    zengin_backup: Option<ZenginSlot>,
    zengin_generations: i64,
    masters: BTreeMap<(&'static str, String, chrono::NaiveDate), (MasterRow, i64)>,
    master_seq: i64,
    master_counters: BTreeMap<String, i64>,
    bank_applications: BTreeMap<String, super::StoredApplication>,
    bank_attachments: BTreeMap<(String, u32), crate::bank_account::Attachment>,
    active_accounts: BTreeMap<
        (
            crate::identifiers::MedicalInstitutionCode,
            crate::bank_account::AccountUsage,
        ),
        super::ActiveAccount,
    >,
    federation_links: BTreeMap<(OrganisationCode, BankCode), super::FederationLink>,
    notices: BTreeMap<String, super::StoredNotice>,
    maternal: BTreeMap<(&'static str, String), super::StoredMaternalRow>,
    marts: marts::Marts,
}

/// One load of the zengin master: its status line and its branches.
#[derive(Clone)]
struct ZenginSlot {
    load: ZenginLoad,
    master: std::sync::Arc<ZenginMaster>,
}

/// A store in memory (see the module documentation).
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

fn page<T>(items: impl Iterator<Item = T>, limit: usize) -> Vec<T> {
    items.take(limit).collect()
}

impl MasterStore for MemoryStore {
    fn master_rows(&self, kind: &'static MasterKind) -> Result<Vec<MasterRow>, StoreError> {
        Ok(self
            .state()
            .masters
            .range((kind.name, String::new(), chrono::NaiveDate::MIN)..)
            .take_while(|((k, _, _), _)| *k == kind.name)
            .map(|(_, (row, _))| row.clone())
            .collect())
    }

    fn master_versions(
        &self,
        kind: &'static MasterKind,
        key_id: &str,
    ) -> Result<Vec<MasterRow>, StoreError> {
        Ok(self
            .state()
            .masters
            .range((kind.name, key_id.to_owned(), chrono::NaiveDate::MIN)..)
            .take_while(|((k, key, _), _)| *k == kind.name && key == key_id)
            .map(|(_, (row, _))| row.clone())
            .collect())
    }

    fn master_counter(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.state().master_counters.get(name).copied())
    }

    fn master_changes(
        &self,
        kinds: &[&'static MasterKind],
        after: i64,
        through: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, MasterRow)>, StoreError> {
        let state = self.state();
        let mut out: Vec<(i64, MasterRow)> = state
            .masters
            .values()
            .filter(|(row, seq)| {
                *seq > after
                    && through.is_none_or(|t| *seq <= t)
                    && kinds.iter().any(|k| k.name == row.kind.name)
            })
            .map(|(row, seq)| (*seq, row.clone()))
            .collect();
        out.sort_by_key(|(seq, _)| *seq);
        out.truncate(limit);
        Ok(out)
    }
}

impl ZenginStore for MemoryStore {
    fn zengin_status(&self) -> Result<ZenginStatus, StoreError> {
        let state = self.state();
        Ok(ZenginStatus {
            current: state.zengin.as_ref().map(|s| s.load.clone()),
            backup: state.zengin_backup.as_ref().map(|s| s.load.clone()),
        })
    }

    fn zengin_match(
        &self,
        bank: &BankCode,
        branch: &BranchCode,
    ) -> Result<ZenginMatch, StoreError> {
        let state = self.state();
        Ok(match &state.zengin {
            Some(s) if s.master.contains_branch(bank, branch) => ZenginMatch::Known,
            Some(s) if s.master.contains_bank(bank) => ZenginMatch::UnknownBranch,
            _ => ZenginMatch::UnknownBank,
        })
    }
}

impl PersonStore for MemoryStore {
    fn person(&self, id: &ManagementId) -> Result<Option<StoredPerson>, StoreError> {
        Ok(self.state().persons.get(id).cloned())
    }

    fn person_by_subject(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Option<StoredPerson>, StoreError> {
        let s = self.state();
        let found = s
            .persons
            .values()
            .find(|p| &p.person.subject_number == subject);
        Ok(found.cloned())
    }

    fn person_by_pmh(&self, pmh_key: &str) -> Result<Option<StoredPerson>, StoreError> {
        let s = self.state();
        let found = s
            .persons
            .values()
            .find(|p| p.person.pmh_key.as_deref() == Some(pmh_key));
        Ok(found.cloned())
    }

    fn find_persons(
        &self,
        filter: &PersonFilter,
        after: Option<&ManagementId>,
        limit: usize,
    ) -> Result<Vec<StoredPerson>, StoreError> {
        let s = self.state();
        let vaccinated = |id: &ManagementId| {
            s.records.values().any(|r| {
                let r = &r.record;
                &r.person == id
                    && filter.vaccine.as_ref().is_none_or(|v| &r.vaccine == v)
                    && filter.vaccinated_from.is_none_or(|d| r.date >= d)
                    && filter.vaccinated_to.is_none_or(|d| r.date <= d)
            })
        };
        let by_records = filter.vaccine.is_some()
            || filter.vaccinated_from.is_some()
            || filter.vaccinated_to.is_some();
        let found = s.persons.values().filter(|p| {
            let person = &p.person;
            after.is_none_or(|a| &person.management_id > a)
                && filter.municipality.is_none_or(|m| {
                    person
                        .residency
                        .intervals()
                        .iter()
                        .any(|i| i.municipality == m)
                })
                && filter
                    .subject_number
                    .as_ref()
                    .is_none_or(|n| &person.subject_number == n)
                && filter
                    .kana_prefix
                    .as_ref()
                    .is_none_or(|k| person.name_kana.starts_with(k.as_str()))
                && filter.birth_date.is_none_or(|d| person.birth_date == d)
                && (!by_records || vaccinated(&person.management_id))
        });
        Ok(page(found.cloned(), limit))
    }

    fn record(&self, id: &RecordId) -> Result<Option<StoredRecord>, StoreError> {
        Ok(self.state().records.get(id).cloned())
    }

    fn persons_by_ids(&self, ids: &[ManagementId]) -> Result<Vec<StoredPerson>, StoreError> {
        let s = self.state();
        let wanted: std::collections::BTreeSet<&ManagementId> = ids.iter().collect();
        Ok(wanted
            .into_iter()
            .filter_map(|id| s.persons.get(id).cloned())
            .collect())
    }

    fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>, StoreError> {
        let s = self.state();
        let wanted: std::collections::BTreeSet<&RecordId> = ids.iter().collect();
        Ok(wanted
            .into_iter()
            .filter_map(|id| s.records.get(id).cloned())
            .collect())
    }

    fn records_of(&self, person: &ManagementId) -> Result<Vec<StoredRecord>, StoreError> {
        let s = self.state();
        let of = s.records.values().filter(|r| &r.record.person == person);
        Ok(of.cloned().collect())
    }

    fn records_of_persons(
        &self,
        persons: &[ManagementId],
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let s = self.state();
        let wanted: std::collections::BTreeSet<&ManagementId> = persons.iter().collect();
        let mut out: Vec<StoredRecord> = s
            .records
            .values()
            .filter(|r| wanted.contains(&r.record.person))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.record.person, &a.record.id).cmp(&(&b.record.person, &b.record.id)));
        Ok(out)
    }
}

impl DeliveryStore for MemoryStore {
    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        Ok(self
            .state()
            .cursors
            .get(&municipality)
            .copied()
            .unwrap_or(0))
    }

    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let s = self.state();
        let through = through_seq.unwrap_or(i64::MAX);
        let mut out: Vec<StoredRecord> = s
            .records
            .values()
            .filter(|r| {
                r.record.responsible == municipality && r.seq > after_seq && r.seq <= through
            })
            .cloned()
            .collect();
        out.sort_by_key(|r| r.seq);
        out.truncate(limit);
        Ok(out)
    }

    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError> {
        Ok(self.state().batches.get(id).cloned())
    }

    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError> {
        let s = self.state();
        let open = s
            .batches
            .values()
            .filter(|b| b.municipality == municipality && b.acked_at.is_none())
            .min_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(open.cloned())
    }

    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        let s = self.state();
        let n = s
            .batches
            .values()
            .filter(|b| b.municipality == municipality)
            .count();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl QuestionnaireStore for MemoryStore {
    fn questionnaire(&self, record: &RecordId) -> Result<Option<StoredQuestionnaire>, StoreError> {
        Ok(self.state().questionnaires.get(record).cloned())
    }
}

impl LogStore for MemoryStore {
    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError> {
        Ok(self.state().head)
    }

    fn log_entries(&self, from_seq: i64, limit: usize) -> Result<Vec<AccessLogEntry>, StoreError> {
        let s = self.state();
        Ok(page(
            s.log.iter().filter(|e| e.seq >= from_seq).cloned(),
            limit,
        ))
    }

    fn log_search(
        &self,
        filter: &LogFilter,
        limit: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError> {
        let s = self.state();
        let found = s.log.iter().filter(|e| {
            e.seq > filter.after_seq.unwrap_or(0)
                && filter.through_seq.is_none_or(|t| e.seq <= t)
                && filter
                    .subject
                    .as_ref()
                    .is_none_or(|m| e.draft.subject.as_ref() == Some(m))
                && filter.actor.as_ref().is_none_or(|a| &e.draft.actor == a)
                && filter.from.is_none_or(|t| e.draft.at >= t)
                && filter.to.is_none_or(|t| e.draft.at < t)
        });
        Ok(page(found.cloned(), limit))
    }
}

impl AccountStore for MemoryStore {
    fn organisation(
        &self,
        code: &OrganisationCode,
    ) -> Result<Option<StoredOrganisation>, StoreError> {
        Ok(self.state().organisations.get(code).cloned())
    }

    fn organisations(
        &self,
        codes: &[OrganisationCode],
    ) -> Result<Vec<StoredOrganisation>, StoreError> {
        let s = self.state();
        let wanted: std::collections::BTreeSet<&OrganisationCode> = codes.iter().collect();
        Ok(wanted
            .into_iter()
            .filter_map(|c| s.organisations.get(c).cloned())
            .collect())
    }

    fn user(&self, id: &UserId) -> Result<Option<StoredUser>, StoreError> {
        Ok(self.state().users.get(id).cloned())
    }

    fn users_by_email(&self, email: &str) -> Result<Vec<StoredUser>, StoreError> {
        let s = self.state();
        let found = s.users.values().filter(|u| u.user.email.as_str() == email);
        Ok(found.cloned().collect())
    }

    fn users_of(
        &self,
        organisation: &OrganisationCode,
        after: Option<&UserId>,
        limit: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        let s = self.state();
        let found = s.users.values().filter(|u| {
            &u.user.organisation == organisation
                && after.is_none_or(|a| u.user.id.as_str() > a.as_str())
        });
        Ok(page(found.cloned(), limit))
    }

    fn inactive_users(
        &self,
        threshold: DateTime<Utc>,
        after: Option<(DateTime<Utc>, &UserId)>,
        limit: usize,
    ) -> Result<Vec<StoredUser>, StoreError> {
        let s = self.state();
        let mut found: Vec<&StoredUser> = s
            .users
            .values()
            .filter(|u| {
                let key = (last_activity(&u.user), u.user.id.as_str());
                u.user.state == AccountStatus::Active
                    && key.0 < threshold
                    && after.is_none_or(|(t, id)| key > (t, id.as_str()))
            })
            .collect();
        found.sort_by(|a, b| {
            (last_activity(&a.user), &a.user.id).cmp(&(last_activity(&b.user), &b.user.id))
        });
        Ok(page(found.into_iter().cloned(), limit))
    }

    fn access_token(&self, id: &str) -> Result<Option<AccessToken>, StoreError> {
        Ok(self.state().tokens.get(id).cloned())
    }

    fn access_tokens_of(
        &self,
        organisation: &OrganisationCode,
    ) -> Result<Vec<AccessToken>, StoreError> {
        let s = self.state();
        let of = s
            .tokens
            .values()
            .filter(|t| &t.organisation == organisation);
        Ok(of.cloned().collect())
    }

    fn notifications(
        &self,
        after_seq: i64,
        pending: bool,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        let s = self.state();
        let found = s
            .outbox
            .iter()
            .filter(|n| n.seq > after_seq && (!pending || n.delivered_at.is_none()));
        Ok(page(found.cloned(), limit))
    }
}

impl CertificateStore for MemoryStore {
    fn issuance_count(&self, municipality: MunicipalityCode, year: i32) -> Result<i64, StoreError> {
        let s = self.state();
        let n = s
            .issuances
            .values()
            .filter(|i| i.municipality == municipality && i.issue_date.year() == year)
            .count();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    fn issuances(
        &self,
        municipality: MunicipalityCode,
        person: Option<&ManagementId>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Issuance>, StoreError> {
        let s = self.state();
        let found = s.issuances.values().filter(|i| {
            i.municipality == municipality
                && i.certificate_number.as_str() > after.unwrap_or("")
                && person.is_none_or(|p| &i.person == p)
        });
        Ok(page(found.cloned(), limit))
    }
}

impl Store for MemoryStore {
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.state().settings.get(key).cloned())
    }

    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
        let mut state = self.state();
        let mut next = state.clone();
        let mut versions = Vec::with_capacity(changes.writes.len());
        for write in changes.writes {
            versions.push(next.apply(write)?);
        }
        let mut log_seqs = Vec::with_capacity(changes.log.len());
        if !changes.log.is_empty() {
            let (entries, head) = chain_all(next.head, changes.log);
            log_seqs.extend(entries.iter().map(|e| e.seq));
            next.log.extend(entries);
            next.head = Some(head);
        }
        *state = next;
        Ok(CommitReceipt { versions, log_seqs })
    }
}
