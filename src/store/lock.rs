//! One owner per database file.
//!
//! The writer keeps the model of the state in memory and trusts that nothing writes
//! beside it, so a second writer on the same file (a `seed --db` while a
//! server runs, a second `serve`) would leave the server answering from a
//! state that is no longer the file's. Every writer therefore holds two
//! exclusive advisory locks for as long as it runs:
//!
//! - on the database file itself, which follows the file, not its name: two
//!   names of one file (a hard link, a bind mount into a container) share
//!   one inode and so one lock. It is a `flock`, which on Linux is apart
//!   from the POSIX record locks SQLite takes on the same file, so the two
//!   never meet; the descriptor stays open until the store has closed its
//!   connections, since closing it earlier would drop SQLite's record locks.
//! - on `<db>.lock` beside it, which says who holds the database, so that a
//!   refused command can say where to go instead.
//!
//! Both are `flock`-style: the kernel drops them when the holder exits,
//! however it exits, so a crashed server never blocks a restart; a crashed
//! holder's lock file stays behind, harmless. A holder that ends normally
//! removes the lock file while it still holds the lock. Whoever locks a file
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
    /// The file is held under another of its names.
    #[error(
        "database {db} is in use by another vpcsim process that opened it under another name \
         (a hard link, or a bind mount of the same file); stop that process, or give this one \
         a copy"
    )]
    HeldUnderAnotherName { db: String },
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
    /// The database file, locked and kept open (see the module's notes);
    /// let go of before the lock file, so that a newcomer by the same name
    /// never finds the name free and the file still held.
    database: Option<HeldFile>,
    /// The lock file, kept open: closing it releases the lock.
    held: Option<(File, PathBuf)>,
    /// Whether taking the lock made the database file (or found it empty).
    created: bool,
}

/// A locked database file, and its identity in this process's registry.
#[derive(Debug)]
struct HeldFile {
    _file: File,
    id: Option<FileId>,
}

impl Drop for HeldFile {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            held_files().retain(|held| *held != id);
        }
    }
}

/// A file's device and inode.
type FileId = (u64, u64);

/// The database files this process holds. A second lock on one of them is
/// refused before its file is opened: closing any descriptor of a file
/// drops every POSIX lock this process holds on it, SQLite's included.
fn held_files() -> std::sync::MutexGuard<'static, Vec<FileId>> {
    static HELD: std::sync::Mutex<Vec<FileId>> = std::sync::Mutex::new(Vec::new());
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata) -> Option<FileId> {
    None
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
                    database: None,
                    held: None,
                    created: false,
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
            let mut lock = DbLock {
                location: location.clone(),
                database: None,
                held: Some((file, path)),
                created: false,
            };
            // Then the file itself; refused, the name's lock goes too.
            match lock_database(db) {
                Ok((database, created)) => {
                    lock.database = Some(database);
                    lock.created = created;
                    return Ok(lock);
                }
                Err(err) => {
                    lock.release();
                    return Err(err);
                }
            }
        }
        Err(io_error(std::io::Error::other(
            "the lock file keeps being replaced",
        )))
    }

    /// Removes the lock file, then lets go of the locks: for a holder that
    /// is done (its store closed), so that no lock file stays behind.
    pub fn release(mut self) {
        drop(self.database.take());
        if let Some((file, path)) = self.held.take() {
            let _ = std::fs::remove_file(&path);
            drop(file);
        }
    }

    pub fn location(&self) -> &DbLocation {
        &self.location
    }

    /// Whether the database file did not exist until this lock made it:
    /// what a seed that fails must remove.
    pub fn created_database(&self) -> bool {
        self.created
    }
}

/// Opens `db`, making it if it is missing (SQLite takes an empty file for
/// a new database), and locks it; says whether it was made, or found empty.
fn lock_database(db: &Path) -> Result<(HeldFile, bool), LockError> {
    let io_error = |source| LockError::Io {
        db: db.display().to_string(),
        lock: db.display().to_string(),
        source,
    };
    let under_another_name = || LockError::HeldUnderAnotherName {
        db: db.display().to_string(),
    };
    // Held by this process already: refused without opening it (see
    // `held_files`).
    if let Some(id) = std::fs::metadata(db).ok().as_ref().and_then(file_id)
        && held_files().contains(&id)
    {
        return Err(under_another_name());
    }
    let (file, made) = match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(db)
    {
        Ok(file) => (file, true),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => (
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(db)
                .map_err(io_error)?,
            false,
        ),
        Err(err) => return Err(io_error(err)),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(under_another_name()),
        Err(TryLockError::Error(err)) => return Err(io_error(err)),
    }
    let meta = file.metadata().map_err(io_error)?;
    // An empty file holds no database: one a crash left half made, or a
    // placeholder. What fails to seed it may remove it.
    let created = made || meta.len() == 0;
    let id = file_id(&meta);
    if let Some(id) = id {
        held_files().push(id);
    }
    Ok((HeldFile { _file: file, id }, created))
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
    fn two_names_of_one_file_share_its_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let first =
            DbLock::acquire(&DbLocation::File(path.clone()), server("127.0.0.1:1")).unwrap();
        assert!(first.created_database());
        let link = dir.path().join("hard.db");
        std::fs::hard_link(&path, &link).unwrap();
        let refused = DbLock::acquire(&DbLocation::File(link.clone()), server("127.0.0.1:2"))
            .unwrap_err()
            .to_string();
        assert!(refused.contains("under another name"), "{refused}");
        // The refused one leaves no lock file of its own behind.
        assert!(!dir.path().join("hard.db.lock").exists());
        first.release();
        // An empty file holds no database: the new owner counts it as made.
        let second = DbLock::acquire(&DbLocation::File(link), server("127.0.0.1:2")).unwrap();
        assert!(second.created_database());
        drop(second);
        std::fs::write(&path, b"not empty").unwrap();
        let third = DbLock::acquire(&DbLocation::File(path), server("127.0.0.1:3")).unwrap();
        assert!(!third.created_database());
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
