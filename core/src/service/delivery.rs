//! Delivery to a municipality's health-management system (H-3-1,
//! `H_031-001_IF`): pull a batch, acknowledge it. At least once: a batch
//! that is not acknowledged is delivered again, and a record counts as
//! delivered only at the content version the acknowledged batch carried.
//!
//! The stores realise [`crate::delivery::needs_delivery`] with the change
//! sequence: a record needs delivery to its responsible municipality while
//! its sequence number is above that municipality's acknowledged cursor.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::identifiers::{ManagementId, SubjectNumber};
use crate::records::VaccinationRecord;
use crate::store::{ChangeSet, DeliveryBatch, Expected, StoredRecord, Write};
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
    /// of the records it is responsible for that changed after its delivery
    /// cursor (never delivered, or changed since). An empty pull creates no
    /// batch.
    pub fn pull_delivery(&self, actor: &Actor, limit: usize) -> Result<DeliveryPull, Error> {
        self.guard(actor, Operation::ReceiveDeliveries, Relation::Own)?;
        let m = actor.acting_municipality("pull deliveries")?;
        let now = self.now();
        let (batch, redelivery, records, mut changes) = match self.store.open_batch(m)? {
            // A redelivery reads the batch's range as it is now.
            Some(open) => {
                let records = self.store.records_for_delivery(
                    m,
                    open.after_seq,
                    Some(open.through_seq),
                    usize::MAX,
                )?;
                (open, true, records, ChangeSet::default())
            }
            None => {
                let cursor = self.store.delivered_through(m)?;
                let records: Vec<StoredRecord> = self
                    .store
                    .records_for_delivery(m, cursor, None, limit.clamp(1, 100_000))?
                    .into_iter()
                    .filter(|r| r.record.responsible == m && r.seq > cursor)
                    .collect();
                let Some(last) = records.last() else {
                    return Ok(DeliveryPull {
                        batch_id: String::new(),
                        redelivery: false,
                        records: Vec::new(),
                    });
                };
                let batch = DeliveryBatch {
                    id: format!("{m}-{}", self.store.batch_count(m)? + 1),
                    municipality: m,
                    created_at: now,
                    after_seq: cursor,
                    through_seq: last.seq,
                    record_count: i64::try_from(records.len()).unwrap_or(i64::MAX),
                    acked_at: None,
                    version: 1,
                };
                let changes = ChangeSet {
                    writes: vec![Write::CreateBatch {
                        batch: batch.clone(),
                    }],
                    log: Vec::new(),
                };
                (batch, false, records, changes)
            }
        };
        // The batch's people in id order, each once, with their records'
        // positions (in sequence order within each person).
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by(|&a, &b| records[a].record.person.cmp(&records[b].record.person));
        let groups: Vec<&[usize]> = order
            .chunk_by(|&a, &b| records[a].record.person == records[b].record.person)
            .collect();
        let people: Vec<ManagementId> = groups
            .iter()
            .map(|g| records[g[0]].record.person.clone())
            .collect();
        // Those that exist; sorted here too, as the search below relies on it.
        let mut subjects = self.store.subject_numbers(&people)?;
        subjects.sort();
        let subject_of = |person: &ManagementId| {
            subjects
                .binary_search_by(|(p, _)| p.cmp(person))
                .ok()
                .map(|i| &subjects[i].1)
        };
        changes.log = groups
            .iter()
            .zip(people)
            .filter(|(_, person)| subject_of(person).is_some())
            .map(|(g, person)| AccessLogDraft {
                at: now,
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::DeliverRecords,
                subject: Some(person),
                record_ids: g.iter().map(|&i| records[i].record.id.clone()).collect(),
            })
            .collect();
        let out: Vec<DeliveredRecord> = records
            .into_iter()
            .filter_map(|r| {
                let subject = subject_of(&r.record.person)?.clone();
                Some(DeliveredRecord {
                    subject_number: subject,
                    management_id: r.record.person.clone(),
                    record: r.record,
                })
            })
            .collect();
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
        self.guard(actor, Operation::ReceiveDeliveries, Relation::Own)?;
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
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::AcknowledgeDelivery,
                subject: None,
                record_ids: Vec::new(),
            }],
        })?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use crate::conformance::{person, record, services, staff, CHIYODA, SAPPORO};
    use crate::store::MemoryStore;

    #[test]
    fn a_batch_is_delivered_until_acknowledged_then_only_changes() {
        let s = services(Arc::new(MemoryStore::new()), 0);
        let (chiyoda, system) = (staff(CHIYODA), staff(CHIYODA));
        s.put_persons(&chiyoda, vec![person("P1", "山田 花子", "ヤマダ ハナコ")])
            .unwrap();
        s.put_records(
            &chiyoda,
            vec![
                record("R1", "P1", CHIYODA, "2024-01-01"),
                record("R2", "P1", CHIYODA, "2024-02-01"),
            ],
        )
        .unwrap();
        let first = s.pull_delivery(&system, 10).unwrap();
        assert_eq!(first.records.len(), 2);
        assert!(!first.redelivery);
        let again = s.pull_delivery(&system, 10).unwrap();
        assert_eq!(
            (again.batch_id.as_str(), again.redelivery),
            (first.batch_id.as_str(), true)
        );
        assert!(s.ack_delivery(&system, &first.batch_id).unwrap());
        assert!(!s.ack_delivery(&system, &first.batch_id).unwrap());
        assert!(s.pull_delivery(&system, 10).unwrap().records.is_empty());
        // Sapporo is responsible for none of them.
        assert!(s
            .pull_delivery(&staff(SAPPORO), 10)
            .unwrap()
            .records
            .is_empty());
    }
}
