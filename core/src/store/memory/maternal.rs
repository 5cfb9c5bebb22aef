//! Maternal and child health rows in memory.

use super::*;
use crate::identifiers::SubjectNumber;
use crate::maternal::DataSet;
use crate::store::{MaternalStore, StoredMaternalRow};

impl MaternalStore for MemoryStore {
    fn maternal_rows_of(
        &self,
        subject: &SubjectNumber,
    ) -> Result<Vec<StoredMaternalRow>, StoreError> {
        Ok(self
            .state()
            .maternal
            .values()
            .filter(|r| r.row.subject == *subject)
            .cloned()
            .collect())
    }

    fn maternal_rows(
        &self,
        data_set: &'static DataSet,
        municipality: MunicipalityCode,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredMaternalRow>, StoreError> {
        Ok(page(
            self.state()
                .maternal
                .iter()
                .filter(|((set, key), r)| {
                    *set == data_set.name
                        && r.municipality == municipality
                        && after.is_none_or(|a| key.as_str() > a)
                })
                .map(|(_, r)| r.clone()),
            limit,
        ))
    }
}

impl State {
    /// Upserts maternal rows; returns how many were new or changed.
    pub(super) fn put_maternal(
        &mut self,
        rows: Vec<crate::maternal::MaternalRow>,
        municipality: MunicipalityCode,
        updated_at: DateTime<Utc>,
    ) -> i64 {
        let mut written = 0;
        for row in rows {
            let key = (row.data_set.name, row.key_id());
            if self
                .maternal
                .get(&key)
                .is_some_and(|r| r.row == row && r.municipality == municipality)
            {
                continue;
            }
            self.maternal.insert(
                key,
                StoredMaternalRow {
                    row,
                    municipality,
                    updated_at,
                },
            );
            written += 1;
        }
        written
    }
}
