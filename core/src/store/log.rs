//! The access log (アクセスログ): its head and its entries.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::access_log::{AccessLogEntry, Digest32};
use crate::identifiers::ManagementId;

/// Which access-log entries to find.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Entries about this person.
    pub subject: Option<ManagementId>,
    /// Entries by this actor.
    pub actor: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// Entries after this sequence number (keyset paging).
    pub after_seq: Option<i64>,
    /// Entries up to and including this sequence number: a search that
    /// pages through the log stops at the head it started from, rather
    /// than reading the entries its own pages log.
    pub through_seq: Option<i64>,
}

/// The reads of the access log (the log is written only by a commit).
pub trait LogStore: Send + Sync {
    /// The log's last entry: `(seq, hash)`, `None` when empty.
    fn log_head(&self) -> Result<Option<(i64, Digest32)>, StoreError>;
    /// Log entries from `from_seq` (inclusive), in order.
    fn log_entries(&self, from_seq: i64, limit: usize) -> Result<Vec<AccessLogEntry>, StoreError>;
    /// Log entries matching `filter`, in order.
    fn log_search(
        &self,
        filter: &LogFilter,
        limit: usize,
    ) -> Result<Vec<AccessLogEntry>, StoreError>;
}
