//! The access log (H-12): search for disclosure requests, and verification.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;

use chrono::SecondsFormat;

use crate::access_log::{
    AccessAction, AccessLogDraft, AccessLogEntry, ChainBreak, ChainVerifier, Digest32,
};
use crate::authz::{Operation, Relation};
use crate::checkpoint::{Checkpoint, CheckpointError, LogKey, LogPublicKey};
use crate::identifiers::ManagementId;
use crate::records::RecordAccess;
use crate::residency::ResidenceStatus;
use crate::store::{ChangeSet, LogFilter};
use crate::Error;

use super::export::{write_csv, ExportOptions};
use super::{Actor, Sesshu};

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries that matched.
    pub verified: i64,
    /// The first entry that does not match, if any.
    pub first_break: Option<ChainBreak>,
}

/// How many entries one read of the store scans while a search fills its
/// page.
const SCAN: usize = 1_000;

/// The columns of the access-log download, in order.
pub const LOG_COLUMNS: [&str; 7] = [
    "seq",
    "at",
    "actor",
    "organisation",
    "action",
    "subject",
    "record_ids",
];

fn log_fields(e: &AccessLogEntry) -> [String; 7] {
    let d = &e.draft;
    [
        e.seq.to_string(),
        d.at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        d.actor.clone(),
        d.organisation.clone(),
        d.action.to_string(),
        d.subject
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        d.record_ids
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    ]
}

impl Sesshu {
    /// Searches the log for a disclosure request (by subject, actor,
    /// period): the first `limit` entries after `filter.after_seq` that the
    /// municipality may see, in sequence order. It sees the entries about
    /// its current residents, and its own entries about former residents;
    /// the search reads past the others until its page is full or the log
    /// ends, so the next page starts after the last entry returned. The
    /// search is itself logged, once per person whose entries it returns.
    pub fn search_log(
        &self,
        actor: &Actor,
        filter: &LogFilter,
        limit: usize,
    ) -> Result<Vec<AccessLogEntry>, Error> {
        self.guard(actor, Operation::SearchLog, Relation::Own)?;
        let m = actor.acting_municipality("search the access log")?;
        let today = self.clock.today_jst();
        let limit = limit.clamp(1, 100_000);
        let mut status: HashMap<ManagementId, ResidenceStatus> = HashMap::new();
        let (mut out, mut subjects, mut seen) = (Vec::new(), Vec::new(), HashSet::new());
        let mut scan = filter.clone();
        'scan: loop {
            let entries = self.store.log_search(&scan, SCAN)?;
            let scanned = entries.len();
            // The residence of this page's new subjects, read at once.
            let new: BTreeSet<ManagementId> = entries
                .iter()
                .filter_map(|e| e.draft.subject.clone())
                .filter(|s| !status.contains_key(s))
                .collect();
            if !new.is_empty() {
                let new: Vec<ManagementId> = new.into_iter().collect();
                for p in self.store.persons_by_ids(&new)? {
                    let r = RecordAccess::new(&p.person.residency, m, today).status();
                    status.insert(p.person.management_id, r);
                }
                for s in new {
                    status.entry(s).or_insert(ResidenceStatus::Never);
                }
            }
            for e in entries {
                scan.after_seq = Some(e.seq);
                let Some(subject) = &e.draft.subject else {
                    continue;
                };
                let residence = status
                    .get(subject)
                    .copied()
                    .unwrap_or(ResidenceStatus::Never);
                let visible = match residence {
                    ResidenceStatus::Current => true,
                    ResidenceStatus::Former => e.draft.organisation == actor.organisation.as_str(),
                    ResidenceStatus::Never => false,
                };
                if visible {
                    if seen.insert(subject.clone()) {
                        subjects.push(subject.clone());
                    }
                    out.push(e);
                    if out.len() == limit {
                        break 'scan;
                    }
                }
            }
            if scanned < SCAN {
                break;
            }
        }
        let now = self.now();
        let log = subjects
            .into_iter()
            .map(|s| AccessLogDraft {
                at: now,
                actor: actor.log_name(),
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

    /// `filter` pinned to the log as it stands now (`through_seq` no later
    /// than its head), for a search read page by page: its pages never
    /// read back the entries the search itself logs. Needs the search's
    /// permission.
    pub fn pin_log_filter(&self, actor: &Actor, filter: &LogFilter) -> Result<LogFilter, Error> {
        self.guard(actor, Operation::SearchLog, Relation::Own)?;
        let head = self.store.log_head()?.map_or(0, |(seq, _)| seq);
        Ok(LogFilter {
            through_seq: Some(filter.through_seq.map_or(head, |t| t.min(head))),
            ..filter.clone()
        })
    }

    /// アクセスログのダウンロード: every entry the search finds in the log
    /// as it stands when the download starts, as CSV (`LOG_COLUMNS`; record
    /// ids separated by spaces), with the options of the records download.
    /// Read and logged page by page like [`Sesshu::search_log`]. Returns the
    /// number of entries written.
    pub fn export_log_csv(
        &self,
        actor: &Actor,
        filter: &LogFilter,
        options: ExportOptions,
        out: &mut dyn Write,
    ) -> Result<usize, Error> {
        // The log as it stands: the pages' own entries are not read back.
        let pinned = self.pin_log_filter(actor, filter)?;
        write_csv(out, &LOG_COLUMNS, options, |after: Option<&i64>| {
            let page_filter = LogFilter {
                after_seq: after.copied().or(pinned.after_seq),
                ..pinned.clone()
            };
            let page = self.search_log(actor, &page_filter, SCAN)?;
            let next = (page.len() == SCAN)
                .then(|| page.last().map(|e| e.seq))
                .flatten();
            Ok((page.iter().map(|e| vec![log_fields(e)]).collect(), next))
        })
    }

    /// Walks the whole chain and names the first entry that does not match
    /// (municipality staff, administrators and the operator). The head row
    /// must name the last entry: a head that points past it (entries
    /// deleted from the end), that is missing while entries exist, or
    /// whose hash is not the last entry's, is a break. What a rewritten
    /// head hides — the newest entries deleted and the head rewritten to
    /// match — only a signed checkpoint shows
    /// ([`Sesshu::verify_log_with_checkpoint`]).
    pub fn verify_log(&self, actor: &Actor) -> Result<VerifyReport, Error> {
        self.guard(actor, Operation::VerifyLog, Relation::Own)?;
        Ok(self.walk_log(None)?.report)
    }

    /// [`Sesshu::verify_log`], then the log against a checkpoint signed
    /// by `key` ([`crate::checkpoint`]): the log must hold at least the
    /// checkpoint's entries, and its entry at the checkpoint's size must
    /// have the checkpoint's hash. A checkpoint whose signature does not
    /// verify is an error (`checkpoint_signature_invalid`), not a report.
    pub fn verify_log_with_checkpoint(
        &self,
        actor: &Actor,
        checkpoint: &Checkpoint,
        key: &LogPublicKey,
    ) -> Result<VerifyReport, Error> {
        self.guard(actor, Operation::VerifyLog, Relation::Own)?;
        checkpoint.verify_signature(key)?;
        let walk = self.walk_log(Some(checkpoint.size))?;
        if walk.report.first_break.is_some() {
            return Ok(walk.report);
        }
        let verified = walk.report.verified;
        let broken = |seq, reason| VerifyReport {
            verified,
            first_break: Some(ChainBreak { seq, reason }),
        };
        if verified < checkpoint.size {
            return Ok(broken(
                verified + 1,
                "missing (the log is shorter than the signed checkpoint)",
            ));
        }
        let expected = checkpoint.head_digest();
        let found = if checkpoint.size == 0 {
            Some(crate::access_log::GENESIS)
        } else {
            walk.hash_at
        };
        if found.is_none() || found != expected {
            return Ok(broken(
                checkpoint.size.max(1),
                "differs from the signed checkpoint (the log was rewritten)",
            ));
        }
        Ok(walk.report)
    }

    /// 署名付きチェックポイント: verifies the chain, then signs its size
    /// and last hash with `key` at the clock's time. A broken log is
    /// refused (`log_broken`): a checkpoint must never vouch for it.
    pub fn log_checkpoint(&self, actor: &Actor, key: &LogKey) -> Result<Checkpoint, Error> {
        self.guard(actor, Operation::VerifyLog, Relation::Own)?;
        let walk = self.walk_log(None)?;
        if let Some(b) = walk.report.first_break {
            return Err(CheckpointError::LogBroken {
                seq: b.seq,
                reason: b.reason,
            }
            .into());
        }
        let head = walk.last_hash.unwrap_or(crate::access_log::GENESIS);
        Ok(key.sign(walk.report.verified, &head, self.now()))
    }

    /// The chain walked from the first entry, the head row checked against
    /// the last, and the hash of entry `at` when asked.
    fn walk_log(&self, at: Option<i64>) -> Result<Walk, Error> {
        const PAGE: usize = 10_000;
        let mut verifier = ChainVerifier::default();
        let (mut hash_at, mut last_hash) = (None, None);
        let mut from = 1;
        let broken = |verifier: &ChainVerifier, b: ChainBreak| Walk {
            report: VerifyReport {
                verified: verifier.verified(),
                first_break: Some(b),
            },
            hash_at: None,
            last_hash: None,
        };
        loop {
            let page = self.store.log_entries(from, PAGE)?;
            for e in &page {
                if let Err(b) = verifier.check(e) {
                    return Ok(broken(&verifier, b));
                }
                if Some(e.seq) == at {
                    hash_at = Some(e.hash);
                }
                last_hash = Some(e.hash);
            }
            match page.last() {
                Some(last) if page.len() == PAGE => from = last.seq + 1,
                _ => break,
            }
        }
        let verified = verifier.verified();
        let head = self.store.log_head()?;
        let head_break = match (head, last_hash) {
            // An entry deleted from the end leaves the head pointing past
            // the last entry.
            (Some((seq, _)), _) if seq != verified => Some(ChainBreak {
                seq: verified + 1,
                reason: "missing (the log ends early)",
            }),
            (Some((seq, hash)), Some(last)) if hash != last => Some(ChainBreak {
                seq,
                reason: "the head row does not name the last entry",
            }),
            (None, Some(_)) => Some(ChainBreak {
                seq: verified,
                reason: "the head row is missing while entries exist",
            }),
            _ => None,
        };
        if let Some(b) = head_break {
            return Ok(broken(&verifier, b));
        }
        Ok(Walk {
            report: VerifyReport {
                verified,
                first_break: None,
            },
            hash_at,
            last_hash,
        })
    }
}

/// What walking the chain found.
struct Walk {
    report: VerifyReport,
    /// The hash of the entry asked for, when the log holds it.
    hash_at: Option<Digest32>,
    /// The last entry's hash; `None` for an empty log.
    last_hash: Option<Digest32>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::access_log::AccessAction;
    use crate::conformance::{chiyoda_with_a_record, id, staff, CHIYODA, YOKOHAMA};
    use crate::store::LogFilter;

    #[test]
    fn every_read_and_refusal_is_logged_and_the_chain_verifies() {
        let s = chiyoda_with_a_record();
        let chiyoda = staff(CHIYODA);
        s.person_records(&chiyoda, &id("P1")).unwrap();
        assert!(s.person_records(&staff(YOKOHAMA), &id("P1")).is_err());
        let about = LogFilter {
            subject: Some(id("P1")),
            ..LogFilter::default()
        };
        let actions: Vec<AccessAction> = s
            .search_log(&chiyoda, &about, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.draft.action)
            .collect();
        assert!(actions.contains(&AccessAction::ReadRecords), "{actions:?}");
        let report = s.verify_log(&chiyoda).unwrap();
        assert!(report.first_break.is_none());
        assert!(report.verified >= 4, "{report:?}");
    }
}
