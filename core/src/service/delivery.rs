//! Delivery to a municipality's health-management system (H-3-1,
//! `H_031-001_IF`): pull a batch, acknowledge it. At least once: a batch
//! that is not acknowledged is delivered again, and a record counts as
//! delivered only at the content version the acknowledged batch carried.

use std::collections::HashMap;

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::delivery::{needs_delivery, DeliveryFacts};
use crate::identifiers::{ManagementId, RecordId, SubjectNumber};
use crate::records::VaccinationRecord;
use crate::store::{ChangeSet, DeliveryBatch, DeliveryItem, Expected, StoredRecord, Write};
use crate::Error;

use super::{Actor, ServiceError, Sesshu};

/// One record of a delivery payload: the keys the receiving system files it
/// under, and the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredRecord {
    /// 予防接種対象者番号.
    pub subject_number: SubjectNumber,
    /// 予防接種管理番号.
    pub management_id: ManagementId,
    /// The record, as it is now.
    pub record: VaccinationRecord,
}

/// What a pull returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPull {
    /// The batch id to acknowledge.
    pub batch_id: String,
    /// Whether this batch was pulled before and not acknowledged.
    pub redelivery: bool,
    /// The records.
    pub records: Vec<DeliveredRecord>,
}

impl Sesshu {
    /// Pulls the municipality's next batch (at most `limit` records): the
    /// open batch again if one was never acknowledged, otherwise a new batch
    /// of the records it is responsible for that were never delivered or
    /// changed since. An empty pull creates no batch.
    pub fn pull_delivery(&self, actor: &Actor, limit: usize) -> Result<DeliveryPull, Error> {
        let m = actor.acting_municipality("pull deliveries")?;
        let now = self.now();
        let (batch, redelivery, mut changes, fresh) = match self.store.open_batch(m)? {
            Some(open) => (open, true, ChangeSet::default(), None),
            None => {
                let candidates: Vec<StoredRecord> = self
                    .store
                    .undelivered(m, None, limit.clamp(1, 100_000))?
                    .into_iter()
                    .filter(|r| {
                        needs_delivery(
                            m,
                            &DeliveryFacts {
                                responsible: r.record.responsible,
                                updated_at: r.updated_at,
                                delivered_at: r.delivered_at,
                            },
                        )
                    })
                    .collect();
                if candidates.is_empty() {
                    return Ok(DeliveryPull {
                        batch_id: String::new(),
                        redelivery: false,
                        records: Vec::new(),
                    });
                }
                let batch = DeliveryBatch {
                    id: format!("{m}-{}", self.store.batch_count(m)? + 1),
                    municipality: m,
                    created_at: now,
                    items: candidates
                        .iter()
                        .map(|r| DeliveryItem {
                            record: r.record.id.clone(),
                            updated_at: r.updated_at,
                        })
                        .collect(),
                    acked_at: None,
                    version: 1,
                };
                let changes = ChangeSet {
                    writes: vec![Write::CreateBatch {
                        batch: batch.clone(),
                    }],
                    log: Vec::new(),
                };
                (batch, false, changes, Some(candidates))
            }
        };
        // A new batch was just read; a redelivery reads its records as they are now.
        let records = match fresh {
            Some(records) => records,
            None => {
                let ids: Vec<RecordId> = batch.items.iter().map(|i| i.record.clone()).collect();
                self.store.records_by_ids(&ids)?
            }
        };
        let mut people: Vec<ManagementId> =
            records.iter().map(|r| r.record.person.clone()).collect();
        people.sort();
        people.dedup();
        let subjects: HashMap<ManagementId, SubjectNumber> =
            self.store.subject_numbers(&people)?.into_iter().collect();
        let mut out = Vec::with_capacity(records.len());
        let mut by_person: HashMap<ManagementId, Vec<RecordId>> = HashMap::new();
        for r in records {
            let Some(subject) = subjects.get(&r.record.person) else {
                continue;
            };
            by_person
                .entry(r.record.person.clone())
                .or_default()
                .push(r.record.id.clone());
            out.push(DeliveredRecord {
                subject_number: subject.clone(),
                management_id: r.record.person.clone(),
                record: r.record,
            });
        }
        let mut people: Vec<_> = by_person.into_iter().collect();
        people.sort();
        for (person, ids) in people {
            changes.log.push(AccessLogDraft {
                at: now,
                actor: actor.user_id.clone(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::DeliverRecords,
                subject: Some(person),
                record_ids: ids,
            });
        }
        self.store.commit(changes)?;
        Ok(DeliveryPull {
            batch_id: batch.id,
            redelivery,
            records: out,
        })
    }

    /// Acknowledges a batch: its records count as delivered at the content
    /// version it carried. Acknowledging again changes nothing. Returns
    /// whether this call acknowledged it.
    pub fn ack_delivery(&self, actor: &Actor, batch_id: &str) -> Result<bool, Error> {
        let m = actor.acting_municipality("acknowledge deliveries")?;
        let batch = self
            .store
            .batch(batch_id)?
            .filter(|b| b.municipality == m)
            .ok_or_else(|| ServiceError::NotFound {
                entity: "delivery batch",
                id: batch_id.to_owned(),
            })?;
        if batch.acked_at.is_some() {
            return Ok(false);
        }
        let now = self.now();
        self.store.commit(ChangeSet {
            writes: vec![Write::AckBatch {
                id: batch.id.clone(),
                acked_at: now,
                expected: Expected::Version(batch.version),
            }],
            log: vec![AccessLogDraft {
                at: now,
                actor: actor.user_id.clone(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::AcknowledgeDelivery,
                subject: None,
                record_ids: batch.items.into_iter().map(|i| i.record).collect(),
            }],
        })?;
        Ok(true)
    }
}
