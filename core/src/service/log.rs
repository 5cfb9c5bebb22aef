//! The access log (H-12): search for disclosure requests, and verification.

use crate::access_log::{AccessAction, AccessLogDraft, AccessLogEntry, ChainBreak, ChainVerifier};
use crate::authz::{Operation, Relation};
use crate::records::RecordAccess;
use crate::residency::ResidenceStatus;
use crate::store::{ChangeSet, LogFilter};
use crate::Error;

use super::{Actor, Sesshu};

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries that matched.
    pub verified: i64,
    /// The first entry that does not match, if any.
    pub first_break: Option<ChainBreak>,
}

impl Sesshu {
    /// Searches the log for a disclosure request (by subject, actor,
    /// period). A municipality sees the entries about its current
    /// residents, and its own entries about former residents. The search is
    /// itself logged.
    pub fn search_log(
        &self,
        actor: &Actor,
        filter: &LogFilter,
        limit: usize,
    ) -> Result<Vec<AccessLogEntry>, Error> {
        self.guard(actor, Operation::SearchLog, Relation::Own)?;
        let m = actor.acting_municipality("search the access log")?;
        let today = self.clock.today_jst();
        let mut out = Vec::new();
        let mut subjects = Vec::new();
        for e in self.store.log_search(filter, limit.clamp(1, 100_000))? {
            let Some(subject) = &e.draft.subject else {
                continue;
            };
            let Some(person) = self.store.person(subject)? else {
                continue;
            };
            let visible = match RecordAccess::new(&person.person.residency, m, today).status() {
                ResidenceStatus::Current => true,
                ResidenceStatus::Former => e.draft.organisation == actor.organisation.as_str(),
                ResidenceStatus::Never => false,
            };
            if visible {
                if !subjects.contains(subject) {
                    subjects.push(subject.clone());
                }
                out.push(e);
            }
        }
        let now = self.now();
        let log = subjects
            .into_iter()
            .map(|s| AccessLogDraft {
                at: now,
                actor: actor.user_id.clone(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::ReadAccessLog,
                subject: Some(s),
                record_ids: Vec::new(),
            })
            .collect::<Vec<_>>();
        if !log.is_empty() {
            self.store.commit(ChangeSet {
                writes: Vec::new(),
                log,
            })?;
        }
        Ok(out)
    }

    /// Walks the whole chain and names the first entry that does not match
    /// (municipality staff, administrators and the operator).
    pub fn verify_log(&self, actor: &Actor) -> Result<VerifyReport, Error> {
        const PAGE: usize = 10_000;
        self.guard(actor, Operation::VerifyLog, Relation::Own)?;
        let mut verifier = ChainVerifier::default();
        let mut from = 1;
        loop {
            let page = self.store.log_entries(from, PAGE)?;
            for e in &page {
                if let Err(b) = verifier.check(e) {
                    return Ok(VerifyReport {
                        verified: verifier.verified(),
                        first_break: Some(b),
                    });
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => from = last.seq + 1,
                _ => break,
            }
        }
        // An entry deleted from the end leaves the head pointing past the last entry.
        if let Some((seq, _)) = self.store.log_head()? {
            if seq != verifier.verified() {
                return Ok(VerifyReport {
                    verified: verifier.verified(),
                    first_break: Some(ChainBreak {
                        seq: verifier.verified() + 1,
                        reason: "missing (the log ends early)",
                    }),
                });
            }
        }
        Ok(VerifyReport {
            verified: verifier.verified(),
            first_break: None,
        })
    }
}
