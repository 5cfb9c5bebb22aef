//! Checkpoints off the committing thread.
//!
//! In WAL mode every commit appends pages to the `-wal` file; a checkpoint
//! copies them back into the database file and syncs it. SQLite's automatic
//! checkpoint runs inside whichever commit crosses the threshold, so that
//! one commit (a staff read's access-log entry, say) waits for tens of
//! megabytes to be copied and synced. Here the automatic checkpoint is off
//! (`wal_autocheckpoint = 0`, set on every connection by `connect`); the
//! writer's WAL hook notes how many pages the log holds after each commit,
//! and past the threshold the store wakes a thread with its own connection
//! that runs a passive checkpoint (it never waits for readers or for the
//! writer). The next commit after a complete checkpoint starts the log from
//! its beginning again, as before.
//!
//! Durability is unchanged: with `synchronous = NORMAL` a commit is durable
//! once a checkpoint has synced it, as before.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use rusqlite::hooks::Wal;
use rusqlite::Connection;
use sesshu_core::store::StoreError;

/// The log size, in pages, past which a checkpoint is started (64 MiB of
/// 4 KiB pages; SQLite's own default is 1,000).
pub const THRESHOLD_PAGES: i64 = 16_384;

thread_local! {
    /// Pages in the write-ahead log after this thread's last commit, as the
    /// WAL hook reported them (commits run on the caller's thread).
    static WAL_PAGES: Cell<c_int> = const { Cell::new(0) };
}

fn note_pages(_: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(pages);
    Ok(())
}

/// The checkpointing thread of one file database.
pub struct Checkpointer {
    threshold: i64,
    /// Pages in the log after the last commit (for tests and diagnostics).
    last_pages: AtomicI64,
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Watches commits on `writer` and starts the thread on `conn`, a
    /// connection of its own to the same database, checkpointing past
    /// `threshold` pages of log.
    pub fn start(
        writer: &Connection,
        conn: Connection,
        threshold: i64,
    ) -> Result<Self, StoreError> {
        writer.wal_hook(Some(note_pages));
        // One pending wake-up is enough: a checkpoint copies everything
        // committed before it starts.
        let (wake, asleep) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sesshu-sqlite-checkpoint".into())
            .spawn(move || {
                while asleep.recv().is_ok() {
                    // A checkpoint that cannot finish (a reader still needs
                    // old pages) is simply tried again after a later commit.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(StoreError::backend)?;
        Ok(Checkpointer {
            threshold,
            last_pages: AtomicI64::new(0),
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Called on the committing thread after each commit: wakes the thread
    /// when the log has grown past the threshold.
    pub fn committed(&self) {
        let pages = i64::from(WAL_PAGES.replace(0));
        self.last_pages.store(pages, Ordering::Relaxed);
        if let (true, Some(wake)) = (pages >= self.threshold, &self.wake) {
            // Full: a wake-up is already pending, which is enough.
            let _ = wake.try_send(());
        }
    }

    /// Pages in the log after the last commit.
    #[cfg(test)]
    pub fn last_pages(&self) -> i64 {
        self.last_pages.load(Ordering::Relaxed)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; its connection closes
        // with it.
        self.wake.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
