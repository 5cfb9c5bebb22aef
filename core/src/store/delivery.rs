//! Delivery to health-management systems (健康管理システム連携, H-3-1):
//! batches and each municipality's cursor.

use chrono::{DateTime, Utc};

use super::{StoreError, StoredRecord};
use crate::identifiers::MunicipalityCode;

/// A batch of records pulled by a municipality's system (H-3-1): delivered
/// at least once, counted as delivered only when acknowledged.
///
/// A batch is a range of the change sequence: the municipality's records
/// with `after_seq < seq <= through_seq`. A record changed after the pull
/// leaves the range (its new number is higher) and is delivered, as it is
/// then, in a later batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryBatch {
    /// The batch id (`<municipality>-<n>`).
    pub id: String,
    /// The receiving municipality.
    pub municipality: MunicipalityCode,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The municipality's delivery cursor when the batch was made.
    pub after_seq: i64,
    /// The change sequence number of the batch's last record.
    pub through_seq: i64,
    /// How many records the batch held when it was made.
    pub record_count: i64,
    /// When the receiver acknowledged it.
    pub acked_at: Option<DateTime<Utc>>,
    /// Row version, from 1.
    pub version: i64,
}

/// The reads of deliveries.
pub trait DeliveryStore: Send + Sync {
    /// The municipality's delivery cursor: the change sequence number up to
    /// which its system acknowledged every record it is responsible for
    /// (0 before the first acknowledgement).
    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError>;
    /// Records `municipality` is responsible for with `after_seq < seq`
    /// (and `seq <= through_seq` when given), in sequence order, at most
    /// `limit`.
    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, StoreError>;
    /// A delivery batch by id.
    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError>;
    /// The municipality's unacknowledged batch, if any.
    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError>;
    /// How many batches the municipality has had (for the next batch id).
    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError>;
}
