//! Delivery to health-management systems (健康管理システム連携, H-3-1):
//! batches and each municipality's cursor.

use postgres::Transaction;
use sesshu_core::identifiers::MunicipalityCode;
use sesshu_core::store::rows::BatchRow;
use sesshu_core::store::{DeliveryBatch, DeliveryStore, Expected, StoreError, StoredRecord};

use crate::persons::{records, RECORD_COLUMNS};
use crate::pool::CachedClient;
use crate::sql::{check_sql, limit};
use crate::{backend, Column, PostgresStore};

const BATCH_COLUMNS: &str =
    "id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version";

fn batch_where(
    c: &mut CachedClient,
    condition: &str,
    key: &str,
) -> Result<Option<DeliveryBatch>, StoreError> {
    c.query_opt(
        &format!("SELECT {BATCH_COLUMNS} FROM delivery_batches WHERE {condition}"),
        &[&key],
    )?
    .map(|r| {
        BatchRow {
            id: r.col(0)?,
            municipality: r.col(1)?,
            created_at: r.col(2)?,
            after_seq: r.col(3)?,
            through_seq: r.col(4)?,
            record_count: r.col(5)?,
            acked_at: r.col(6)?,
            version: r.col(7)?,
        }
        .into_batch()
    })
    .transpose()
}

impl DeliveryStore for PostgresStore {
    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.client()?
            .query_opt(
                "SELECT delivered_through FROM delivery_cursors WHERE municipality = $1",
                &[&municipality.as_str()],
            )?
            .map_or(Ok(0), |r| r.col(0))
    }

    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit_n: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records
             WHERE responsible = $1 AND seq > $2 AND seq <= $3
             ORDER BY seq LIMIT $4"
        );
        records(
            &mut *self.client()?,
            &sql,
            &vec![
                Box::new(municipality.as_str().to_owned()),
                Box::new(after_seq),
                Box::new(through_seq.unwrap_or(i64::MAX)),
                Box::new(limit(limit_n)),
            ],
        )
    }

    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError> {
        batch_where(&mut *self.client()?, "id = $1", id)
    }

    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError> {
        batch_where(
            &mut *self.client()?,
            "municipality = $1 AND acked_at IS NULL ORDER BY created_at, id LIMIT 1",
            municipality.as_str(),
        )
    }

    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.client()?
            .query_one(
                "SELECT count(*) FROM delivery_batches WHERE municipality = $1",
                &[&municipality.as_str()],
            )?
            .col(0)
    }
}

/// Creates a batch (its id must be new).
pub(crate) fn create_batch(
    tx: &mut Transaction<'_>,
    batch: &DeliveryBatch,
) -> Result<i64, StoreError> {
    check_sql(
        tx,
        "delivery batch",
        "SELECT version FROM delivery_batches WHERE id = $1 FOR UPDATE",
        &batch.id,
        Expected::Absent,
    )?;
    tx.execute(
        "INSERT INTO delivery_batches (id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, 1)",
        &[
            &batch.id,
            &batch.municipality.as_str(),
            &batch.created_at,
            &batch.after_seq,
            &batch.through_seq,
            &batch.record_count,
        ],
    )
    .map_err(backend)?;
    Ok(1)
}

/// Acknowledges a batch and moves the municipality's cursor (never back).
pub(crate) fn ack_batch(
    tx: &mut Transaction<'_>,
    id: &str,
    acked_at: chrono::DateTime<chrono::Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check_sql(
        tx,
        "delivery batch",
        "SELECT version FROM delivery_batches WHERE id = $1 FOR UPDATE",
        id,
        expected,
    )?;
    tx.execute(
        "UPDATE delivery_batches SET acked_at = $2, version = $3 WHERE id = $1",
        &[&id, &acked_at, &version],
    )
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO delivery_cursors (municipality, delivered_through)
         SELECT municipality, through_seq FROM delivery_batches WHERE id = $1
         ON CONFLICT (municipality) DO UPDATE
           SET delivered_through = greatest(delivery_cursors.delivered_through, excluded.delivered_through)",
        &[&id],
    )
    .map_err(backend)?;
    Ok(version)
}
