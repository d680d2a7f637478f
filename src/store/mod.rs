//! Storage: SQLite through sqlx. Reads go through a pool of read-only
//! connections; every write goes through the single writer task (see
//! `writer`), which owns the only write connection.
//!
//! Naming: a public `Store` method that writes queues a job on the writer;
//! the free function that job runs inside the writer's transaction is
//! named after the method with `_in` ("in the transaction"), and takes the
//! transaction first: `Store::create_vpc` queues `vpcs::create_vpc_in(tx,
//! …)`. Read bodies that run in one read transaction follow the same rule
//! (`Store::dump` runs `dump_in(conn, …)`).

mod accounts;
mod check;
mod clock;
mod control;
mod events;
mod faults;
mod health;
mod idempotency;
mod lock;
mod lookup;
mod model;
mod peerings;
mod records;
mod routes;
mod scenario;
mod scope;
mod start;
mod state_tables;
mod states;
mod subnets;
mod vpcs;
mod writer;

use std::{
    path::PathBuf,
    str::FromStr,
    sync::{Arc, atomic::AtomicBool},
    time::Duration,
};

use anyhow::Context;
use sqlx::{
    ConnectOptions, Connection, SqliteConnection,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};
use tokio::sync::{mpsc, watch};

pub use accounts::{NewAccount, QuotaUpdate, StateCounts};
pub use check::Violation;
pub use control::{Event, EventFilter, Snapshot};
pub use health::WriteTrouble;
pub use idempotency::Idempotent;
pub use lock::{DbLock, LockError, Owner};
pub use model::{NameMatch, PeeringFilter, PeeringOrder, TagMatch, VpcFilter};
pub use peerings::{NewPeering, PeeringChange};
pub use records::{Account, Peering, Quota, Route, RouteTable, Subnet, Vpc};
pub use routes::{NewRoute, RouteRef, RouteTableFilter};
pub use scenario::{LoadError, LoadProgress, LoadSummary, ScenarioLoad};
pub use scope::VpcScope;
pub use start::{OpenFailed, OpenStore, StartOptions};
pub use subnets::{NewSubnet, SubnetFilter};
pub use vpcs::VpcChange;
pub use writer::{BatchFault, BoxFuture, RunningWriter, Tx, WriterFailure, WriterTask};

use crate::domain::{ApiError, ApiResult, time::Clock};

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Who makes a change, for the event log.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The caller's uin, or `admin` for admin calls.
    pub uin: String,
    pub request_id: String,
    /// The call's `x-client-token`, if it sent one.
    pub client_token: Option<ClientToken>,
}

/// An `x-client-token` and what it was sent with.
#[derive(Debug, Clone)]
pub struct ClientToken {
    pub token: String,
    /// The method and the encoded request.
    pub fingerprint: Vec<u8>,
}

/// A storage failure is the one error that hides its cause: it keeps it as
/// its `source`, which the call's log line shows and the client never sees.
impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::internal_because(err)
    }
}

/// Where the database lives.
#[derive(Debug, Clone)]
pub enum DbLocation {
    File(PathBuf),
    /// A throwaway database in a temporary directory, removed on exit.
    Temporary,
}

/// What an empty database path is told: it names no file, and taking it
/// for a throwaway database (as SQLite would) loses the state unnoticed.
pub const EMPTY_DB_PATH: &str = "the database path is empty: give --db (or VPCSIM_DB) a file name, \
     or :memory: for a throwaway database";

/// A database file path from the command line: anything but empty.
pub fn parse_db_file(text: &str) -> Result<PathBuf, &'static str> {
    if text.is_empty() {
        Err(EMPTY_DB_PATH)
    } else {
        Ok(PathBuf::from(text))
    }
}

impl FromStr for DbLocation {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(if s == ":memory:" {
            DbLocation::Temporary
        } else {
            DbLocation::File(parse_db_file(s)?)
        })
    }
}

#[derive(Clone)]
pub struct Store {
    reads: SqlitePool,
    writes: mpsc::Sender<writer::Job>,
    pub clock: Arc<Clock>,
    /// The newest event id, moved after every commit; WatchEvents waits on it.
    last_event: watch::Sender<i64>,
    /// Turns true when the writer stops on a failure.
    writer_failed: watch::Receiver<bool>,
    /// The model every read answers from (see `model`).
    model: writer::SharedModel,
    /// Whether any fault rule is in force; the writer keeps it up to date.
    faults_armed: Arc<AtomicBool>,
    /// Whether the writer's latest commit held.
    health: Arc<health::WriteHealth>,
    /// What this server counts, for `/metrics`.
    metrics: Arc<crate::metrics::Metrics>,
    /// The database file, for its size; `None` for a read-only store.
    path: Option<PathBuf>,
    /// What every write checks first, in its transaction (see `scope`).
    guard: Option<writer::WriteGuard>,
    // Keeps a temporary database alive as long as the store.
    _temp_dir: Option<Arc<tempfile::TempDir>>,
}

/// The model of the state in the database, fault rules included.
async fn load_model(conn: &mut SqliteConnection) -> Result<model::Model, sqlx::Error> {
    let mut model = model::Model::load(conn).await?;
    model.faults = faults::load_rules(conn).await?;
    Ok(model)
}

/// How every connection opens the file.
fn connect_options(path: &std::path::Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL in WAL mode: a commit survives a crash of the process
        // (SIGKILL), which is what a test backend needs.
        .synchronous(SqliteSynchronous::Normal)
        // The log shrinks back to this after a checkpoint, whatever size
        // one large load grew it to.
        .pragma("journal_size_limit", (16 * 1024 * 1024).to_string())
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        .log_statements(tracing::log::LevelFilter::Trace)
        // Loading a large scenario runs statements of seconds by design.
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(30))
}

/// How many calls the writer may commit in one transaction.
const MAX_BATCH: usize = 256;
/// How many writes may wait for the writer before callers wait to enqueue.
const QUEUE_DEPTH: usize = 4096;

impl Store {
    /// Opens (creating if needed) and migrates the database its owner holds,
    /// and returns the store with its writer task, which the caller must
    /// spawn. Taking a [`DbLock`] first is what keeps a second writer out;
    /// [`Store::start`] does all three.
    pub async fn open(lock: &DbLock, id_seed: Option<u64>) -> anyhow::Result<(Store, WriterTask)> {
        let (path, temp_dir) = match lock.location() {
            DbLocation::File(path) => (path.clone(), None),
            DbLocation::Temporary => {
                let dir = tempfile::tempdir().context("creating a temporary directory")?;
                (dir.path().join("vpcsim.db"), Some(Arc::new(dir)))
            }
        };
        let options = connect_options(&path).create_if_missing(true);
        // 64 MiB of page cache for the writer: large loads and restores stay
        // in memory instead of spilling pages mid-transaction. Readers keep
        // SQLite's default, or eight of them would hold half a gigabyte.
        let mut write_conn =
            SqliteConnection::connect_with(&options.clone().pragma("cache_size", "-65536"))
                .await
                .with_context(|| format!("opening database {}", path.display()))?;
        // run_direct, not run: run's generic Acquire bound makes the future
        // fail to be Send when the server runs on a spawned task.
        MIGRATOR
            .run_direct(None, &mut write_conn, false)
            .await
            .with_context(|| format!("migrating database {}", path.display()))?;
        // The model is read once, here, through a small page cache: the
        // writer's large one would fill with every page of the database and
        // stay in memory for nothing.
        sqlx::raw_sql("PRAGMA cache_size = -2048")
            .execute(&mut write_conn)
            .await?;
        let model = load_model(&mut write_conn)
            .await
            .with_context(|| format!("loading the state of {}", path.display()))?;
        sqlx::raw_sql("PRAGMA cache_size = -65536")
            .execute(&mut write_conn)
            .await?;
        let faults_armed = Arc::new(AtomicBool::new(model.faults_armed()));
        let model: writer::SharedModel = Arc::new(tokio::sync::RwLock::new(Some(model)));
        let reads = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .with_context(|| format!("opening read connections to {}", path.display()))?;
        let clock = Arc::new(Clock::new(
            clock::stored_clock_offset(&mut write_conn).await?,
        ));
        let (newest,): (i64,) = sqlx::query_as(events::NEWEST_ID)
            .fetch_one(&mut write_conn)
            .await?;
        let (last_event, _) = watch::channel(newest);
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        let (failed, writer_failed) = watch::channel(false);
        let health = Arc::new(health::WriteHealth::default());
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let task = WriterTask::new(
            write_conn,
            receiver,
            clock.clone(),
            id_seed,
            MAX_BATCH,
            writer::Published {
                last_event: last_event.clone(),
                failed,
                model: model.clone(),
                faults_armed: faults_armed.clone(),
                health: health.clone(),
                metrics: metrics.clone(),
            },
            writer::BatchSql {
                at_begin: peerings::expire_overdue_sql,
                newest_event: events::NEWEST_ID,
            },
        );
        let store = Store {
            reads,
            writes: sender,
            clock,
            last_event,
            writer_failed,
            model,
            faults_armed,
            health,
            metrics,
            path: Some(path),
            guard: None,
            _temp_dir: temp_dir,
        };
        Ok((store, task))
    }

    /// Opens an existing database for reading only, beside whatever owns it:
    /// for `check` and `dump --db`, which may run while a server writes.
    /// Nothing is created or migrated; every read is one transaction, so it
    /// sees one committed state.
    pub async fn open_read_only(path: &std::path::Path) -> anyhow::Result<Store> {
        if !path.exists() {
            anyhow::bail!("database {} does not exist", path.display());
        }
        let reads = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(connect_options(path).read_only(true))
            .await
            .with_context(|| format!("opening database {}", path.display()))?;
        let mut conn = reads.acquire().await?;
        let applied: Result<(i64,), _> =
            sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *conn)
                .await;
        let expected = MIGRATOR.iter().count() as i64;
        match applied {
            Ok((n,)) if n == expected => {}
            Ok((n,)) if n < expected => anyhow::bail!(
                "database {} is from an older vpcsim; open it once with `vpcsim serve` or `vpcsim seed` to upgrade it",
                path.display()
            ),
            Ok(_) => anyhow::bail!(
                "database {} is from a newer vpcsim than this one",
                path.display()
            ),
            Err(_) => anyhow::bail!("{} is not a vpcsim database", path.display()),
        }
        let clock = Arc::new(Clock::new(clock::stored_clock_offset(&mut conn).await?));
        drop(conn);
        // No writer: a write through this store fails as the writer being gone.
        let (writes, _) = mpsc::channel(1);
        Ok(Store {
            reads,
            writes,
            clock,
            last_event: watch::channel(0).0,
            writer_failed: watch::channel(false).1,
            model: writer::SharedModel::default(),
            faults_armed: Arc::default(),
            health: Arc::default(),
            metrics: Arc::default(),
            path: None,
            guard: None,
            _temp_dir: None,
        })
    }

    /// Answers from the model, once the writer has committed what it is
    /// writing. (A read-only store, for `check` and `dump --db`, has no model.)
    async fn with_model<T>(&self, read: impl FnOnce(&model::Model) -> T) -> ApiResult<T> {
        let guard = self.model.read().await;
        match guard.as_ref() {
            Some(model) => Ok(read(model)),
            None => Err(ApiError::internal_because(
                "the model of the state is not loaded (see the writer's log)",
            )),
        }
    }

    /// A read-only connection from the pool.
    async fn read(&self) -> ApiResult<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.reads.acquire().await?)
    }

    /// Checks every invariant of the rules over the whole database, in one
    /// read transaction.
    pub async fn check(&self) -> ApiResult<Vec<Violation>> {
        let mut conn = self.read().await?;
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        // The clock as this transaction's state has it, which a server
        // writing beside a read-only store may have moved.
        let result = match clock::stored_clock_offset(&mut conn).await {
            Ok(offset) => check::check(&mut conn, self.clock.now_with_offset(offset)).await,
            Err(err) => Err(err),
        };
        let _ = sqlx::query("COMMIT").execute(&mut *conn).await;
        Ok(result?)
    }

    /// Closes the read pool; the writer stops when the last store is dropped.
    pub async fn close(&self) {
        self.reads.close().await;
    }

    /// Closes a database opened for writing, cleanly: the readers first,
    /// then the writer, which commits what is queued, folds the write-ahead
    /// log into the file and closes the last connection, so that SQLite
    /// removes the `-wal` and `-shm` files. Afterwards the database file
    /// alone holds the whole state, to copy, cache or commit. Read-only
    /// connections cannot fold the log, hence the order.
    pub async fn shut_down(&self, writer: RunningWriter) -> anyhow::Result<()> {
        self.reads.close().await;
        writer.stop().await
    }
}
