//! # sesshu-sqlite — the embedded default store
//!
//! One SQLite file in WAL mode: a single writer connection (commits are
//! serialised with `BEGIN IMMEDIATE`) that also serves short reads while
//! it is idle, a small pool of reader connections for the rest, so reads
//! never wait for a commit, and a thread that checkpoints the write-ahead
//! log, so commits never wait for that either. Every
//! [`ChangeSet`] is one transaction.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sesshu_core::store::Store;
//! let store: Arc<dyn Store> = Arc::new(sesshu_sqlite::SqliteStore::open("sesshu.db")?);
//! # Ok::<(), sesshu_core::store::StoreError>(())
//! ```

mod accounts;
mod bank_accounts;
mod certificates;
mod checkpoint;
mod codec;
mod commit;
mod delivery;
mod in_list;
mod log;
mod marts;
mod masters;
mod maternal;
mod migrations;
mod notices;
mod persons;
mod questionnaires;
mod settings;
mod sql;
mod zengin;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use rusqlite::{Connection, OpenFlags};
use sesshu_core::store::{ChangeSet, CommitReceipt, Store, StoreError};

pub use migrations::{migrate, MIGRATIONS, SCHEMA_VERSION};

/// A sesshu store in one SQLite database.
pub struct SqliteStore {
    /// First, so its thread has stopped before the writer closes (the last
    /// connection to close checkpoints what is left).
    checkpointer: Option<checkpoint::Checkpointer>,
    uri: String,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Commits made through this store, counted under the writer's lock:
    /// with the writer's `data_version` (which counts the other
    /// connections' commits) it tells when a cache may be stale.
    commits: AtomicU64,
    /// The zengin master in use, held in memory for the account check.
    zengin: Mutex<Option<zengin::Cache>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a connection half-way
    // through a transaction: rusqlite rolls back on drop.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Prepared statements kept per connection: the writer's commits and the
/// short reads it serves, each read by a list of keys in up to ten widths
/// ([`in_list`]). rusqlite's default of 16 pushed statements in use out of
/// the cache, to be prepared again (seen in profiles of deliveries and
/// imports).
const STATEMENT_CACHE: usize = 128;

const FLAGS: OpenFlags = OpenFlags::SQLITE_OPEN_READ_WRITE
    .union(OpenFlags::SQLITE_OPEN_CREATE)
    .union(OpenFlags::SQLITE_OPEN_URI)
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

/// Opens one connection with the store's settings: foreign keys on,
/// `synchronous = NORMAL` (durable at every checkpoint, the WAL default),
/// a 64 MiB page cache, no automatic checkpoints (a file database
/// checkpoints on its own thread, [`checkpoint`]) and room for the
/// statements the store prepares ([`STATEMENT_CACHE`]).
///
/// Reads do not go through a memory map. In WAL mode a connection that
/// finds the database changed since its last read drops its page cache and
/// unmaps the file; with a map, every read after any commit paid for
/// unmapping what it had touched and for faulting the pages in again.
/// Measured side by side on the 10-million-record data set, a staff read
/// that logs itself (a commit before every read) takes 17% less time
/// without the map; reads, deliveries, imports and a walk of the whole log
/// are no slower (ADR 0012, `docs/benchmarks.md`).
fn connect(uri: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(uri, FLAGS).map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(backend)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA mmap_size = 0;
         PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// The `file:` URI of a path: `%`, `?` and `#` are escaped so that they
/// name the file rather than start a query or fragment.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3F"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri
}

/// Creates an empty database file with mode `0600` if none is there.
fn create_private(path: &Path) -> Result<(), StoreError> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::backend(e)),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, in WAL mode, and
    /// brings its schema up to date. A new file is created `0600` (it holds
    /// personal data; SQLite gives its WAL the same mode).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        create_private(path.as_ref())?;
        Self::open_checkpointing_after(path, checkpoint::THRESHOLD_PAGES)
    }

    /// Opens the database at `path`, which must exist: a mistyped path is
    /// `store_missing`, never a new empty store.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(StoreError::Missing {
                what: path.display().to_string(),
            });
        }
        Self::open_checkpointing_after(path, checkpoint::THRESHOLD_PAGES)
    }

    fn open_checkpointing_after(path: impl AsRef<Path>, pages: i64) -> Result<Self, StoreError> {
        let uri = file_uri(path.as_ref());
        let writer = connect(&uri)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        let mut store = Self::with_writer(uri, writer)?;
        let checkpointer =
            checkpoint::Checkpointer::start(&lock(&store.writer), connect(&store.uri)?, pages)?;
        store.checkpointer = Some(checkpointer);
        Ok(store)
    }

    /// A private in-memory database (tests, demos). Readers share it through
    /// SQLite's shared cache.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let uri = format!(
            "file:sesshu-mem-{}-{}?mode=memory&cache=shared",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let writer = connect(&uri)?;
        Self::with_writer(uri, writer)
    }

    fn with_writer(uri: String, mut writer: Connection) -> Result<Self, StoreError> {
        migrations::migrate(&mut writer, SCHEMA_VERSION)?;
        Ok(SqliteStore {
            checkpointer: None,
            uri,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            commits: AtomicU64::new(0),
            zengin: Mutex::new(None),
        })
    }

    /// Runs a short read: on the writer connection when no commit holds it,
    /// otherwise on a reader from the pool, so a read never waits for a
    /// commit.
    ///
    /// The writer keeps its page cache across its own commits; a reader
    /// finds the database changed after every commit (each logged read is
    /// one) and starts again from an empty cache (ADR 0013). A commit waits
    /// at most for one such read; reads that may run long go through
    /// [`Self::scan`].
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self.writer.try_lock() {
            Ok(writer) => f(&writer),
            Err(TryLockError::Poisoned(p)) => f(&p.into_inner()),
            Err(TryLockError::WouldBlock) => self.scan(f),
        }
    }

    /// Runs a read that may run long (a page of the log, a search, a
    /// list) on a reader connection from the pool, so no commit waits for
    /// it.
    fn scan<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = match lock(&self.readers).pop() {
            Some(c) => c,
            None => connect(&self.uri)?,
        };
        let out = f(&conn);
        let mut pool = lock(&self.readers);
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }

    /// Commits on the writer, then lets the checkpointer look at the log.
    fn commit_changes(
        &self,
        changes: sesshu_core::store::ChangeSet,
    ) -> Result<sesshu_core::store::CommitReceipt, StoreError> {
        let receipt = self.with_connection(|c| {
            let receipt = commit::commit(c, changes);
            self.commits.fetch_add(1, Ordering::SeqCst);
            receipt
        });
        if let Some(c) = &self.checkpointer {
            c.committed();
        }
        receipt
    }

    /// Runs `f` on the writer connection (maintenance and tests).
    pub fn with_connection<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        f(&mut lock(&self.writer))
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.with_connection(|c| migrations::current_version(c))
    }
}

/// The store as a whole: each domain's reads are in its own file
/// (`persons.rs`, `delivery.rs`, …); the settings and the one commit here.
impl Store for SqliteStore {
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| settings::setting(c, key))
    }

    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
        self.commit_changes(changes)
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("uri", &self.uri)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesshu_core::store::prelude::*;

    fn one_log_entry() -> sesshu_core::store::ChangeSet {
        sesshu_core::store::ChangeSet {
            writes: vec![],
            log: vec![sesshu_core::access_log::AccessLogDraft {
                at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                actor: "user-1".into(),
                organisation: "131016".into(),
                action: sesshu_core::access_log::AccessAction::ReadRecords,
                subject: None,
                record_ids: vec![],
            }],
        }
    }

    /// A short read runs on the idle writer, whose cache survives its own
    /// commits: no reader is opened. A scan runs on a reader.
    #[test]
    fn short_reads_use_the_idle_writer_and_scans_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("r.db")).unwrap();
        let readers = || lock(&store.readers).len();
        store.commit(one_log_entry()).unwrap();
        assert!(store.log_head().unwrap().is_some());
        let nobody = sesshu_core::identifiers::ManagementId::parse("P404").unwrap();
        assert!(store.person(&nobody).unwrap().is_none());
        assert!(store
            .person_with_records(&nobody, &|_| sesshu_core::records::RecordScope::All)
            .unwrap()
            .is_none());
        assert_eq!(readers(), 0, "a short read opened a reader");
        // The reads' snapshots ended with them: the writer commits again.
        assert!(store.with_connection(|c| c.is_autocommit()));
        store.commit(one_log_entry()).unwrap();
        assert_eq!(store.log_entries(1, 10).unwrap().len(), 2);
        assert_eq!(readers(), 1, "a scan did not run on a reader");
    }

    /// While a commit holds the writer, a short read does not wait for it:
    /// it runs on a reader and sees what was committed before.
    #[test]
    fn a_short_read_does_not_wait_for_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("w.db")).unwrap();
        store.commit(one_log_entry()).unwrap();
        let got = std::thread::scope(|s| {
            let held = lock(&store.writer);
            let (tx, rx) = std::sync::mpsc::channel();
            let store = &store;
            s.spawn(move || tx.send(store.log_head().map(|h| h.map(|(seq, _)| seq))));
            let got = rx.recv_timeout(std::time::Duration::from_secs(20));
            drop(held);
            got
        });
        assert!(
            matches!(got, Ok(Ok(Some(1)))),
            "the read waited for the writer or failed: {got:?}"
        );
        assert_eq!(lock(&store.readers).len(), 1);
    }

    /// The log grows past the threshold, the thread checkpoints it, and a
    /// later commit starts the log afresh.
    #[test]
    fn the_write_ahead_log_is_checkpointed_off_the_committing_thread() {
        let dir = tempfile::tempdir().unwrap();
        let threshold = 64;
        let store =
            SqliteStore::open_checkpointing_after(dir.path().join("c.db"), threshold).unwrap();
        let pages = || store.checkpointer.as_ref().unwrap().last_pages();
        let note = |i: usize| sesshu_core::store::ChangeSet {
            writes: vec![],
            log: vec![sesshu_core::access_log::AccessLogDraft {
                at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                actor: format!("user-{i}-{}", "x".repeat(2000)),
                organisation: "131016".into(),
                action: sesshu_core::access_log::AccessAction::ReadRecords,
                subject: None,
                record_ids: vec![],
            }],
        };
        let mut i = 0;
        while pages() < threshold {
            assert!(i < 10_000, "the log never reached {threshold} pages");
            store.commit(note(i)).unwrap();
            i += 1;
        }
        let grown = pages();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while pages() >= threshold {
            assert!(
                std::time::Instant::now() < deadline,
                "the log stayed at {} pages (grew to {grown})",
                pages()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
            store.commit(note(i)).unwrap();
            i += 1;
        }
        // Nothing was lost on the way.
        assert_eq!(
            store.log_head().unwrap().map(|(seq, _)| seq),
            Some(i as i64)
        );
        assert_eq!(store.log_entries(1, usize::MAX).unwrap().len(), i);
    }
}
