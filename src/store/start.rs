//! Taking a database for writing and letting go of it, in the one order
//! that keeps it whole: lock the file, open it, run the writer; at the end,
//! stop the writer (its last commit, the log folded in, every connection
//! closed) and only then unlock the file, so that nobody else opens it
//! while this process still writes.

use std::time::Duration;

use super::{DbLocation, DbLock, Owner, RunningWriter, Store};

/// How [`Store::start`] runs the database it opens.
#[derive(Debug, Clone, Copy, Default)]
pub struct StartOptions {
    /// Makes generated ids repeat from run to run.
    pub id_seed: Option<u64>,
    /// How often the writer folds the write-ahead log into the database
    /// file while it runs; zero leaves it to SQLite.
    pub checkpoint_interval: Duration,
}

/// A database held for writing, open, its writer running; [`OpenStore::stop`]
/// lets go of it.
pub struct OpenStore {
    pub store: Store,
    writer: RunningWriter,
    lock: DbLock,
}

/// An open that failed on a database already held: why, and the lock, for
/// a caller that must undo something under it before letting go.
pub struct OpenFailed {
    pub error: anyhow::Error,
    pub lock: DbLock,
}

impl Store {
    /// Takes `location` for `owner` (a [`super::LockError`] says who holds
    /// it instead), opens and migrates it, and starts its writer.
    ///
    /// A database that fails to open is let go of as it is, its lock file
    /// left behind as a crashed holder's would be.
    pub async fn start(
        location: &DbLocation,
        owner: Owner,
        options: StartOptions,
    ) -> anyhow::Result<OpenStore> {
        let lock = DbLock::acquire(location, owner)?;
        OpenStore::open(lock, options)
            .await
            .map_err(|failed| failed.error)
    }
}

impl OpenStore {
    /// Opens the database `lock` holds and starts its writer; on failure
    /// the lock comes back still held.
    pub async fn open(lock: DbLock, options: StartOptions) -> Result<OpenStore, OpenFailed> {
        match Store::open(&lock, options.id_seed).await {
            Ok((store, writer)) => Ok(OpenStore {
                store,
                writer: writer.checkpoint_every(options.checkpoint_interval).spawn(),
                lock,
            }),
            Err(error) => Err(OpenFailed { error, lock }),
        }
    }

    /// Whether the database file did not exist until this start made it
    /// (see [`DbLock::created_database`]).
    pub fn created_database(&self) -> bool {
        self.lock.created_database()
    }

    /// Commits what the writer holds, folds the log into the file, closes
    /// every connection, then lets go of the file; the writer's error, if
    /// it stopped on a failure, comes after the file is let go of.
    pub async fn stop(self) -> anyhow::Result<()> {
        let (stopped, lock) = self.close().await;
        lock.release();
        stopped
    }

    /// Closes the store as [`OpenStore::stop`] does but keeps the file
    /// held: for a caller with work of its own on the file alone (removing
    /// one it made, writing it by hand) before it lets go.
    pub async fn close(self) -> (anyhow::Result<()>, DbLock) {
        let stopped = self.store.shut_down(self.writer).await;
        (stopped, self.lock)
    }
}
