//! One owner per database file.
//!
//! The writer keeps the model of the state in memory and trusts that nothing writes
//! beside it, so a second writer on the same file (a `seed --db` while a
//! server runs, a second `serve`) would leave the server answering from a
//! state that is no longer the file's. Every writer therefore holds an
//! exclusive advisory lock on `<db>.lock` for as long as it runs; the file
//! says who holds it, so a refused command can say where to go instead.
//!
//! The lock is `flock`-style: the kernel drops it when the holder exits,
//! however it exits, so a crashed server never blocks a restart; a crashed
//! holder's lock file stays behind, harmless. A holder that ends normally
//! removes the file while it still holds the lock. Whoever locks a file
//! checks afterwards that it is still the one at that path (not one removed
//! meanwhile), so two processes never hold two files of one name. The file's
//! content is only read while someone else holds it.

use std::{
    fs::{File, OpenOptions, TryLockError},
    io::{Read, Seek, Write},
    path::{Path, PathBuf},
};

use super::DbLocation;

/// Who holds a database, as written into its lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// `vpcsim serve`, listening on `address`.
    Server { address: String },
    /// A command that writes the file directly, such as `vpcsim seed --db`.
    Command { name: String },
}

impl Owner {
    fn to_record(&self) -> String {
        let pid = std::process::id();
        match self {
            Owner::Server { address } => format!("pid={pid}\nrole=server\naddress={address}\n"),
            Owner::Command { name } => format!("pid={pid}\nrole=command\ncommand={name}\n"),
        }
    }
}

/// Why a database could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "database {db} is in use by a vpcsim server at {address}{pid}; while it runs, change \
         the state through it (--server {address}), or stop it first"
    )]
    HeldByServer {
        db: String,
        address: String,
        pid: String,
    },
    #[error("database {db} is in use by `vpcsim {command}`{pid}; wait for it to finish")]
    HeldByCommand {
        db: String,
        command: String,
        pid: String,
    },
    /// The holder has not written its record yet: it locked a moment ago.
    #[error(
        "database {db} is in use by another vpcsim process that is just starting; try again in a moment"
    )]
    HeldByStarting { db: String },
    #[error("cannot lock database {db} through {lock}: {source}")]
    Io {
        db: String,
        lock: String,
        source: std::io::Error,
    },
}

/// The exclusive right to write a database, held until dropped.
#[derive(Debug)]
pub struct DbLock {
    location: DbLocation,
    /// The lock file, kept open: closing it releases the lock.
    held: Option<(File, PathBuf)>,
}

/// `vpcsim.db` → `vpcsim.db.lock`, beside it.
fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_owned()).unwrap_or_default();
    name.push(".lock");
    db.with_file_name(name)
}

/// The file a path names, symbolic links followed, so that two names of one
/// database lock one lock file. A file not made yet is named through its
/// directory.
fn real_path(db: &Path) -> PathBuf {
    if let Ok(real) = db.canonicalize() {
        return real;
    }
    let parent = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), db.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => db.to_path_buf(),
    }
}

impl DbLock {
    /// Takes `location` for `owner`, or says who has it. Never waits: a
    /// second writer is refused at once.
    pub fn acquire(location: &DbLocation, owner: Owner) -> Result<DbLock, LockError> {
        let db = match location {
            // A temporary database is private to this process.
            DbLocation::Temporary => {
                return Ok(DbLock {
                    location: location.clone(),
                    held: None,
                });
            }
            DbLocation::File(db) => db,
        };
        let path = lock_path(&real_path(db));
        let io_error = |source| LockError::Io {
            db: db.display().to_string(),
            lock: path.display().to_string(),
            source,
        };
        // A holder may remove the file between our open and our lock; then
        // the lock is on a file nobody else will see, and we start over.
        for _ in 0..16 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_error)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(held_by(db, &mut file)),
                Err(TryLockError::Error(err)) => return Err(io_error(err)),
            }
            if !still_at(&file, &path) {
                continue;
            }
            let record = owner.to_record();
            file.set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(record.as_bytes()))
                .and_then(|()| file.flush())
                .map_err(io_error)?;
            return Ok(DbLock {
                location: location.clone(),
                held: Some((file, path)),
            });
        }
        Err(io_error(std::io::Error::other(
            "the lock file keeps being replaced",
        )))
    }

    /// Removes the lock file, then lets go of the lock: for a holder that is
    /// done, so that no lock file stays behind.
    pub fn release(mut self) {
        if let Some((file, path)) = self.held.take() {
            let _ = std::fs::remove_file(&path);
            drop(file);
        }
    }

    pub fn location(&self) -> &DbLocation {
        &self.location
    }
}

/// Whether `file` is still the file at `path`, not one removed meanwhile.
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Reads who holds the lock. The holder writes its record right after
/// locking, so a record may be missing for a moment; the refusal stands.
fn held_by(db: &Path, file: &mut File) -> LockError {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_owned)
    };
    let db = db.display().to_string();
    let pid = field("pid")
        .map(|p| format!(" (pid {p})"))
        .unwrap_or_default();
    match (field("role").as_deref(), field("address"), field("command")) {
        (Some("server"), Some(address), _) => LockError::HeldByServer { db, address, pid },
        (_, _, Some(command)) => LockError::HeldByCommand { db, command, pid },
        _ => LockError::HeldByStarting { db },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(address: &str) -> Owner {
        Owner::Server {
            address: address.into(),
        }
    }

    #[test]
    fn a_second_owner_is_refused_with_the_first_ones_address() {
        let dir = tempfile::tempdir().unwrap();
        let db = DbLocation::File(dir.path().join("s.db"));
        let first = DbLock::acquire(&db, server("127.0.0.1:50051")).unwrap();
        let refused = DbLock::acquire(
            &db,
            Owner::Command {
                name: "seed".into(),
            },
        )
        .unwrap_err();
        let message = refused.to_string();
        assert!(message.contains("in use by a vpcsim server at 127.0.0.1:50051"));
        assert!(message.contains("--server 127.0.0.1:50051"));
        assert!(message.contains(&format!("pid {}", std::process::id())));
        drop(first);
        // Released with the holder: the next owner gets it.
        DbLock::acquire(&db, server("127.0.0.1:50052")).unwrap();
    }

    #[test]
    fn a_command_holding_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let db = DbLocation::File(dir.path().join("s.db"));
        let _seed = DbLock::acquire(
            &db,
            Owner::Command {
                name: "seed".into(),
            },
        )
        .unwrap();
        let message = DbLock::acquire(&db, server("127.0.0.1:1"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("in use by `vpcsim seed`"), "{message}");
    }

    #[test]
    fn a_holder_that_is_done_removes_its_file_and_a_removed_file_is_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = DbLocation::File(dir.path().join("s.db"));
        let path = dir.path().join("s.db.lock");
        let first = DbLock::acquire(&db, server("127.0.0.1:1")).unwrap();
        // Someone who opened the file before it goes must not count it as
        // the lock once it is gone.
        let early = File::open(&path).unwrap();
        assert!(still_at(&early, &path));
        first.release();
        assert!(!path.exists());
        assert!(!still_at(&early, &path));
        let second = DbLock::acquire(&db, server("127.0.0.1:2")).unwrap();
        assert!(path.exists());
        drop(second);
    }

    #[cfg(unix)]
    #[test]
    fn two_names_of_one_database_lock_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.db");
        std::fs::write(&real, b"").unwrap();
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let _server = DbLock::acquire(&DbLocation::File(link), server("127.0.0.1:1")).unwrap();
        assert!(DbLock::acquire(&DbLocation::File(real), server("127.0.0.1:2")).is_err());
    }

    #[test]
    fn the_lock_file_sits_beside_the_database() {
        assert_eq!(
            lock_path(Path::new("/tmp/x/vpcsim.db")),
            Path::new("/tmp/x/vpcsim.db.lock")
        );
        assert_eq!(lock_path(Path::new("a.db")), Path::new("a.db.lock"));
    }
}
