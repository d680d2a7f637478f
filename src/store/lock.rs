//! One owner per database file.
//!
//! The writer keeps rule state in memory and trusts that nothing writes
//! beside it, so a second writer on the same file (a `seed --db` while a
//! server runs, a second `serve`) would leave the server answering from a
//! state that is no longer the file's. Every writer therefore holds an
//! exclusive advisory lock on `<db>.lock` for as long as it runs; the file
//! says who holds it, so a refused command can say where to go instead.
//!
//! The lock is `flock`-style: the kernel drops it when the holder exits,
//! however it exits, so a crashed server never blocks a restart. The lock
//! file itself stays behind (deleting it would let two processes lock two
//! different files of the same name); its content is only read while the
//! lock is held by someone else.

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
    // Kept open: closing it releases the lock.
    _file: Option<File>,
}

/// `vpcsim.db` → `vpcsim.db.lock`, beside it.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_owned()).unwrap_or_default();
    name.push(".lock");
    db.with_file_name(name)
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
                    _file: None,
                });
            }
            DbLocation::File(db) => db,
        };
        let path = lock_path(db);
        let io_error = |source| LockError::Io {
            db: db.display().to_string(),
            lock: path.display().to_string(),
            source,
        };
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
        let record = owner.to_record();
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(record.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(io_error)?;
        Ok(DbLock {
            location: location.clone(),
            _file: Some(file),
        })
    }

    pub fn location(&self) -> &DbLocation {
        &self.location
    }
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
    match (field("role").as_deref(), field("address")) {
        (Some("server"), Some(address)) => LockError::HeldByServer { db, address, pid },
        _ => LockError::HeldByCommand {
            db,
            command: field("command").unwrap_or_else(|| "another command".into()),
            pid,
        },
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
    fn the_lock_file_sits_beside_the_database() {
        assert_eq!(
            lock_path(Path::new("/tmp/x/vpcsim.db")),
            Path::new("/tmp/x/vpcsim.db.lock")
        );
        assert_eq!(lock_path(Path::new("a.db")), Path::new("a.db.lock"));
    }
}
