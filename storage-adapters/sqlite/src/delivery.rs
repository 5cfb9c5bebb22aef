//! Delivery to health-management systems (健康管理システム連携, H-3-1):
//! batches and each municipality's cursor.

use rusqlite::{types::Value, Connection, OptionalExtension, Row, Transaction};
use sesshu_core::identifiers::MunicipalityCode;
use sesshu_core::store::rows::BatchRow;
use sesshu_core::store::{DeliveryBatch, DeliveryStore, Expected, StoreError, StoredRecord};

use crate::codec::Instant;
use crate::persons::{records, RECORD_COLUMNS};
use crate::sql::{check, limit, text};
use crate::{backend, SqliteStore};

const BATCH_COLUMNS: &str =
    "id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version";

fn batch_row(r: &Row<'_>) -> rusqlite::Result<BatchRow> {
    Ok(BatchRow {
        id: r.get(0)?,
        municipality: r.get(1)?,
        created_at: r.get::<_, Instant>(2)?.0,
        after_seq: r.get(3)?,
        through_seq: r.get(4)?,
        record_count: r.get(5)?,
        acked_at: r.get::<_, Option<Instant>>(6)?.map(|i| i.0),
        version: r.get(7)?,
    })
}

fn batch_where(
    conn: &Connection,
    condition: &str,
    key: &str,
) -> Result<Option<DeliveryBatch>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {BATCH_COLUMNS} FROM delivery_batches WHERE {condition}"
    ))
    .map_err(backend)?
    .query_row([key], batch_row)
    .optional()
    .map_err(backend)?
    .map(BatchRow::into_batch)
    .transpose()
}

impl DeliveryStore for SqliteStore {
    fn delivered_through(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT delivered_through FROM delivery_cursors WHERE municipality = ?1",
            )
            .map_err(backend)?
            .query_row([municipality.as_str()], |r| r.get(0))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(backend)
        })
    }

    fn records_for_delivery(
        &self,
        municipality: MunicipalityCode,
        after_seq: i64,
        through_seq: Option<i64>,
        limit_n: usize,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        self.read(|c| {
            records(
                c,
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM records
                     WHERE responsible = ?1 AND seq > ?2 AND seq <= ?3
                     ORDER BY seq LIMIT ?4"
                ),
                vec![
                    text(municipality.as_str()),
                    Value::Integer(after_seq),
                    Value::Integer(through_seq.unwrap_or(i64::MAX)),
                    limit(limit_n),
                ],
            )
        })
    }

    fn batch(&self, id: &str) -> Result<Option<DeliveryBatch>, StoreError> {
        self.read(|c| batch_where(c, "id = ?1", id))
    }

    fn open_batch(
        &self,
        municipality: MunicipalityCode,
    ) -> Result<Option<DeliveryBatch>, StoreError> {
        self.read(|c| {
            batch_where(
                c,
                "municipality = ?1 AND acked_at IS NULL ORDER BY created_at, id LIMIT 1",
                municipality.as_str(),
            )
        })
    }

    fn batch_count(&self, municipality: MunicipalityCode) -> Result<i64, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM delivery_batches WHERE municipality = ?1",
                [municipality.as_str()],
                |r| r.get(0),
            )
            .map_err(backend)
        })
    }
}

/// Creates a batch (its id must be new).
pub(crate) fn create_batch(tx: &Transaction<'_>, batch: &DeliveryBatch) -> Result<i64, StoreError> {
    check(
        tx,
        "delivery batch",
        "SELECT version FROM delivery_batches WHERE id = ?1",
        &batch.id,
        Expected::Absent,
    )?;
    tx.prepare_cached(
        "INSERT INTO delivery_batches (id, municipality, created_at, after_seq, through_seq, record_count, acked_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 1)",
    )
    .map_err(backend)?
    .execute((
        &batch.id,
        batch.municipality.as_str(),
        Instant(batch.created_at),
        batch.after_seq,
        batch.through_seq,
        batch.record_count,
    ))
    .map_err(backend)?;
    Ok(1)
}

/// Acknowledges a batch and moves the municipality's cursor (never back).
pub(crate) fn ack_batch(
    tx: &Transaction<'_>,
    id: &str,
    acked_at: chrono::DateTime<chrono::Utc>,
    expected: Expected,
) -> Result<i64, StoreError> {
    let version = check(
        tx,
        "delivery batch",
        "SELECT version FROM delivery_batches WHERE id = ?1",
        id,
        expected,
    )?;
    tx.prepare_cached("UPDATE delivery_batches SET acked_at = ?2, version = ?3 WHERE id = ?1")
        .map_err(backend)?
        .execute((id, Instant(acked_at), version))
        .map_err(backend)?;
    tx.prepare_cached(
        "INSERT INTO delivery_cursors (municipality, delivered_through)
         SELECT municipality, through_seq FROM delivery_batches WHERE id = ?1
         ON CONFLICT (municipality) DO UPDATE
           SET delivered_through = max(delivered_through, excluded.delivered_through)",
    )
    .map_err(backend)?
    .execute([id])
    .map_err(backend)?;
    Ok(version)
}
