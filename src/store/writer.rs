//! The single writer. It owns the only write connection and takes write jobs
//! from a queue. Jobs that arrive together commit together (group commit):
//! one `BEGIN IMMEDIATE`, a savepoint per job so a job that breaks a rule
//! undoes only its own work, one `COMMIT`, and only then does any caller get
//! its answer. With one writer, rules checked inside a job can never race
//! another write, and SQLite never answers `SQLITE_BUSY` to a writer.
//!
//! The writer holds the model of the state (`super::model`) for writing
//! from a batch's first job until its commit or rollback is done and the
//! model shows it, so readers never see what a batch may still undo. Jobs
//! that write no SQL themselves (peering creates and changes without a
//! client token) change the model and leave their rows to the batch: each
//! store module says how to write its kind of row (`BulkRow`), and the
//! writer writes them all before the next job that writes SQL itself and
//! before the commit. It knows batches, savepoints, commits and hooks, not
//! tables.
//!
//! Failures stay visible and never hang a caller:
//! - A job that panics fails alone, as a fault: its caller gets
//!   `InternalError`, its savepoint is rolled back, the model is read
//!   again from the database, and the rest of its batch goes on.
//! - A batch whose own statements fail (begin, savepoint, bulk insert,
//!   commit) is rolled back and every caller in it gets `InternalError`
//!   with that cause. If the failure will not pass (see `will_pass`), or
//!   the writer's own code panics, the writer stops: it logs the cause
//!   once, answers every queued write with `InternalError`, closes its
//!   queue so that later writes fail at once, and raises the flag that
//!   `Store::writer_failed` watches (the server then reports NOT_SERVING
//!   and fails every call).

use std::{
    any::Any,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use futures_util::FutureExt;
use sqlx::{Connection, Executor, SqliteConnection};
use tokio::sync::{OwnedRwLockWriteGuard, RwLock, mpsc, oneshot, watch};

use super::{Store, model::Model};
use crate::domain::{
    ApiError, ApiResult,
    ids::IdGenerator,
    time::{Clock, Timestamp},
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The model, shared between the writer and every reader.
pub(super) type SharedModel = Arc<RwLock<Option<Model>>>;

/// What a job sees: the connection inside the open transaction, the clock
/// reading for this batch, the id generator and the model.
pub struct Tx {
    pub conn: SqliteConnection,
    pub now: Timestamp,
    pub ids: IdGenerator,
    /// The clock offset `now` was read with; clock changes in the batch move both.
    pub offset: i64,
    pub clock: Arc<Clock>,
    /// Work to do once the transaction committed (such as moving the
    /// in-memory clock); dropped if the job or the batch fails.
    after_commit: Vec<Box<dyn FnOnce() + Send>>,
    shared: SharedModel,
    /// The model, held for writing while a batch runs (readers wait until
    /// its commit); inside, `None` once dropped until loaded again.
    model: Option<OwnedRwLockWriteGuard<Option<Model>>>,
    /// Rows that store modules write in bulk (see `BulkRow`).
    deferred: Vec<Box<dyn DeferredRows>>,
}

/// A kind of row that a store module collects during a batch and writes in
/// bulk: before the next job that writes SQL itself, and before the commit.
/// The module owns the rows and their SQL; the writer only says when.
pub(super) trait BulkRow: Send + Sized + 'static {
    /// Writes `rows`, in order.
    fn write_all(
        rows: Vec<Self>,
        conn: &mut SqliteConnection,
    ) -> BoxFuture<'_, Result<(), sqlx::Error>>;
}

/// The batch's rows of one kind, as the writer handles them.
trait DeferredRows: Any + Send {
    fn len(&self) -> usize;
    /// Forgets the rows after the first `len`: those of a job that failed.
    fn truncate(&mut self, len: usize);
    /// Writes every row, and forgets them.
    fn write<'c>(
        &'c mut self,
        conn: &'c mut SqliteConnection,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>>;
}

impl<R: BulkRow> DeferredRows for Vec<R> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }

    fn write<'c>(
        &'c mut self,
        conn: &'c mut SqliteConnection,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        R::write_all(std::mem::take(self), conn)
    }
}

impl Tx {
    /// The model, loading it from the database if it was dropped.
    pub(super) async fn model(&mut self) -> Result<&mut Model, sqlx::Error> {
        let loaded = self.model.as_ref().is_some_and(|guard| guard.is_some());
        if !loaded {
            // The model reads what earlier jobs of the batch wrote.
            self.flush().await?;
            let model = super::load_model(&mut self.conn).await?;
            match self.model.as_mut() {
                Some(guard) => **guard = Some(model),
                None => {
                    return Err(sqlx::Error::Protocol(
                        "the model is used outside a write batch".into(),
                    ));
                }
            }
        }
        self.model
            .as_mut()
            .and_then(|guard| guard.as_mut())
            .ok_or_else(|| sqlx::Error::Protocol("the model is not loaded".into()))
    }

    /// The model to read and the id generator to draw from, at once:
    /// planning a scenario on the model needs both.
    pub(super) async fn model_and_ids(
        &mut self,
    ) -> Result<(&Model, &mut IdGenerator), sqlx::Error> {
        self.model().await?;
        let model = self
            .model
            .as_ref()
            .and_then(|guard| guard.as_ref())
            .ok_or_else(|| sqlx::Error::Protocol("the model is not loaded".into()))?;
        Ok((model, &mut self.ids))
    }

    /// The model if it is loaded, to keep it up to date.
    pub(super) fn loaded_model(&mut self) -> Option<&mut Model> {
        self.model.as_mut().and_then(|guard| guard.as_mut())
    }

    /// Drops the model after changes it does not follow one by one; the
    /// writer loads it again before readers see it.
    pub(super) fn drop_model(&mut self) {
        if let Some(guard) = self.model.as_mut() {
            **guard = None;
        }
    }

    /// The batch's rows of kind `R`, to add to.
    pub(super) fn rows<R: BulkRow>(&mut self) -> &mut Vec<R> {
        let found = self
            .deferred
            .iter()
            .position(|rows| (rows.as_ref() as &dyn Any).is::<Vec<R>>());
        let at = found.unwrap_or_else(|| {
            self.deferred.push(Box::new(Vec::<R>::new()));
            self.deferred.len() - 1
        });
        let rows: &mut dyn Any = self.deferred[at].as_mut();
        rows.downcast_mut::<Vec<R>>()
            .expect("the rows at this position are of this kind")
    }

    fn deferred_lens(&self) -> Vec<usize> {
        self.deferred.iter().map(|rows| rows.len()).collect()
    }

    fn truncate_deferred(&mut self, lens: &[usize]) {
        for (i, rows) in self.deferred.iter_mut().enumerate() {
            rows.truncate(lens.get(i).copied().unwrap_or(0));
        }
    }

    fn has_deferred(&self) -> bool {
        self.deferred.iter().any(|rows| rows.len() > 0)
    }

    /// Writes the deferred rows, each kind in the order it first appeared.
    async fn flush(&mut self) -> Result<(), sqlx::Error> {
        for rows in &mut self.deferred {
            rows.write(&mut self.conn).await?;
        }
        Ok(())
    }

    /// Writes the deferred rows, then runs `sql`.
    async fn flush_then(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        self.flush().await?;
        sqlx::raw_sql(sql).execute(&mut self.conn).await?;
        Ok(())
    }

    pub fn after_commit(&mut self, action: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(action));
    }
}

/// The answer a job has ready, sent once the batch's commit is known.
pub(super) struct Completion {
    succeeded: bool,
    /// Failed on a fault rather than a rule: the job may have left the rule
    /// state behind.
    faulted: bool,
    reply: Box<dyn FnOnce(Result<(), ApiError>) + Send>,
}

/// A check every write of a store makes first, on the model in the write's
/// transaction (a legacy call's VPC, see `scope`).
pub(super) type WriteGuard = Arc<dyn Fn(&Model) -> ApiResult<()> + Send + Sync>;

/// Runs a job in the batch's transaction, or, given none, answers it
/// without running it (its batch failed first, or the writer stopped).
type RunJob = Box<dyn for<'c> FnOnce(Option<&'c mut Tx>) -> BoxFuture<'c, Completion> + Send>;

/// A write job. A deferrable one touches no SQL itself: it checks its rules
/// on the model and leaves its rows to the batch (see `BulkRow`), so it needs no
/// savepoint and its rows go out in bulk.
pub(super) struct Job {
    run: RunJob,
    deferrable: bool,
}

/// An error a write job can end with. The writer answers with one of its
/// own (`ApiError`) when the batch fails, and needs to know how much a
/// failed job undoes: its own work always; the model too after a fault.
pub(super) trait JobError: From<ApiError> + Send + 'static {
    /// Failed on a fault rather than a broken rule: the job may have left
    /// the model half-changed.
    fn is_fault(&self) -> bool;
}

impl JobError for ApiError {
    fn is_fault(&self) -> bool {
        self.code == crate::domain::ErrorCode::InternalError
    }
}

impl Store {
    /// Runs `op` in the writer's transaction and answers once it committed.
    /// A store with a guard (see `Store::in_vpc`) checks it there first.
    pub async fn write<T, F>(&self, op: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
    {
        let Some(guard) = self.guard.clone() else {
            return self.submit(op, false).await;
        };
        self.submit(
            move |tx| {
                Box::pin(async move {
                    guard(tx.model().await?)?;
                    op(tx).await
                })
            },
            false,
        )
        .await
    }

    /// Like `write`, for a job whose errors say more than an `ApiError`
    /// (such as a scenario's list of broken rules); any error rolls the
    /// job back all the same.
    pub(super) async fn write_typed<T, E, F>(&self, op: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: JobError,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        self.submit(op, false).await
    }

    /// Like `write`, for jobs that touch no SQL and leave their rows in
    /// `Tx::deferred`.
    pub(super) async fn write_deferred<T, F>(&self, op: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
    {
        self.submit(op, true).await
    }

    async fn submit<T, E, F>(&self, op: F, deferrable: bool) -> Result<T, E>
    where
        T: Send + 'static,
        E: JobError,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T, E>>();
        let run: RunJob = Box::new(move |tx| {
            Box::pin(async move {
                let result = match tx {
                    // A panic is this job's fault alone: the writer undoes
                    // its work as for any fault and goes on.
                    Some(tx) => AssertUnwindSafe(op(tx))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|panic| {
                            Err(ApiError::internal_because(format!(
                                "the write panicked: {}",
                                panic_message(&*panic)
                            ))
                            .into())
                        }),
                    // The batch's error, given to every job in it, says why.
                    None => Err(ApiError::internal().into()),
                };
                Completion {
                    succeeded: result.is_ok(),
                    faulted: matches!(&result, Err(e) if e.is_fault()),
                    reply: Box::new(move |commit| {
                        // A caller that went away no longer needs its answer.
                        let _ = answer.send(commit.map_err(E::from).and(result));
                    }),
                }
            })
        });
        let job = Job { run, deferrable };
        if self.writes.send(job).await.is_err() {
            return Err(ApiError::internal_because(
                "the writer has stopped and takes no more writes",
            )
            .into());
        }
        answered.await.unwrap_or_else(|_| {
            Err(ApiError::internal_because("the writer stopped before it answered").into())
        })
    }

    /// Fails at once, as every call does, once the writer has stopped on a
    /// failure; the writer logged why.
    pub fn check_writer(&self) -> ApiResult<()> {
        if *self.writer_failed.borrow() {
            return Err(ApiError::internal_because(
                "the writer stopped on a failure (logged when it stopped); restart vpcsim",
            ));
        }
        Ok(())
    }

    /// Resolves with true once the writer stops on a failure, or with
    /// false once it stopped as asked (or was never run).
    pub async fn writer_failed(&self) -> bool {
        let mut failed = self.writer_failed.clone();
        failed.wait_for(|failed| *failed).await.is_ok()
    }
}

/// The text of a panic's payload.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(text), _) => (*text).to_owned(),
        (_, Some(text)) => text.clone(),
        _ => "a panic without a message".to_owned(),
    }
}

/// One of the writer's own statements that failed, and what it was for.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {error}")]
pub struct BatchFault {
    step: &'static str,
    error: sqlx::Error,
}

impl BatchFault {
    /// Whether the database may take the next batch after this: yes when it
    /// was busy (another process holds the write lock), out of memory or
    /// disk, or a row broke a constraint. Not when the connection is gone,
    /// or SQLite reports the file unreadable, unwritable or corrupt, or the
    /// writer's own SQL, which always worked, fails (the schema changed
    /// under it): then no write can succeed any more.
    fn will_pass(&self) -> bool {
        const BUSY: i64 = 5;
        const LOCKED: i64 = 6;
        const NOMEM: i64 = 7;
        const FULL: i64 = 13;
        const CONSTRAINT: i64 = 19;
        let sqlx::Error::Database(err) = &self.error else {
            return false;
        };
        // SQLite's extended result code: the primary code in its low byte.
        let primary = err
            .code()
            .and_then(|code| code.parse::<i64>().ok())
            .map(|code| code & 0xff);
        matches!(primary, Some(BUSY | LOCKED | NOMEM | FULL | CONSTRAINT))
    }
}

/// Why the writer stopped before it was asked to.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriterFailure {
    #[error("the database can take no more writes: {0}")]
    Database(Arc<BatchFault>),
    #[error("the writer panicked: {0}")]
    Panicked(String),
    /// A clean stop whose last checkpoint another process held up.
    #[error(
        "every write is committed, but the write-ahead log could not be folded into the \
         database file at stop (another process was reading the database): keep the -wal file \
         beside it; the next start folds it in"
    )]
    Unfolded,
}

/// How a checkpoint treats readers.
#[derive(Debug, Clone, Copy)]
enum Checkpoint {
    /// While serving: folds in what no reader still needs, without waiting
    /// for anyone, so writes never stall behind a long read.
    Passive,
    /// At stop, with the readers closed: folds in everything and empties
    /// the log.
    Truncate,
}

/// The writer task; `spawn` it, or `run` it on its own tokio task.
pub struct WriterTask {
    tx: Tx,
    jobs: mpsc::Receiver<Job>,
    clock: Arc<Clock>,
    max_batch: usize,
    /// The id of the newest event, published after each commit.
    last_event: watch::Sender<i64>,
    /// Raised when the writer stops on a failure.
    failed: watch::Sender<bool>,
    faults_armed: Arc<AtomicBool>,
    health: Arc<super::health::WriteHealth>,
    metrics: Arc<crate::metrics::Metrics>,
    sql: BatchSql,
    /// How often to fold the write-ahead log into the file while running;
    /// never when `None` (SQLite's own automatic checkpoints still run
    /// every 1,000 pages).
    checkpoint_every: Option<std::time::Duration>,
}

/// The writer running on its own task.
pub struct RunningWriter {
    stop: oneshot::Sender<()>,
    outcome: oneshot::Receiver<Result<(), WriterFailure>>,
}

impl RunningWriter {
    /// Commits the writes already queued and stops the writer; an error if
    /// it had stopped on a failure before.
    pub async fn stop(self) -> anyhow::Result<()> {
        use anyhow::Context;
        let _ = self.stop.send(());
        match self.outcome.await {
            Ok(Err(WriterFailure::Unfolded)) => Err(WriterFailure::Unfolded.into()),
            Ok(outcome) => outcome.context("the writer stopped on a failure"),
            Err(_) => Err(anyhow::anyhow!(
                "the writer's thread ended without an outcome"
            )),
        }
    }
}

/// The SQL that the store's modules run around every batch; the writer runs
/// it without knowing the tables it touches.
#[derive(Clone, Copy)]
pub(super) struct BatchSql {
    /// Statements run right after BEGIN, given the batch's clock reading.
    pub at_begin: fn(Timestamp) -> String,
    /// A query of one integer, run after each commit and published as the
    /// newest event id.
    pub newest_event: &'static str,
}

/// What the writer shares with the store's readers.
pub(super) struct Published {
    /// The id of the newest event, published after each commit.
    pub last_event: watch::Sender<i64>,
    /// Raised when the writer stops on a failure.
    pub failed: watch::Sender<bool>,
    pub model: SharedModel,
    /// Whether any fault rule is in force, for calls to check without
    /// waiting for the model.
    pub faults_armed: Arc<AtomicBool>,
    /// Whether the latest commit held, for readiness.
    pub health: Arc<super::health::WriteHealth>,
    /// Batch sizes and commit times.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl WriterTask {
    pub(super) fn new(
        conn: SqliteConnection,
        jobs: mpsc::Receiver<Job>,
        clock: Arc<Clock>,
        id_seed: Option<u64>,
        max_batch: usize,
        published: Published,
        sql: BatchSql,
    ) -> Self {
        let Published {
            last_event,
            failed,
            model: shared,
            faults_armed,
            health,
            metrics,
        } = published;
        Self {
            tx: Tx {
                conn,
                now: 0,
                ids: IdGenerator::new(id_seed),
                offset: 0,
                clock: clock.clone(),
                after_commit: Vec::new(),
                shared,
                model: None,
                deferred: Vec::new(),
            },
            jobs,
            clock,
            max_batch,
            last_event,
            failed,
            faults_armed,
            health,
            metrics,
            sql,
            checkpoint_every: None,
        }
    }

    /// Folds the write-ahead log into the database file every `period`
    /// (between batches, only after commits, never waiting for a reader),
    /// so that a running server's file alone stays close to its state.
    pub fn checkpoint_every(mut self, period: std::time::Duration) -> Self {
        self.checkpoint_every = Some(period).filter(|p| !p.is_zero());
        self
    }

    /// Runs the writer on its own tokio task until `RunningWriter::stop`.
    ///
    /// The writer gets a thread and a runtime of its own: a batch awaits
    /// SQLite several times, and on the server's runtime each of those
    /// wake-ups queued behind every connection's work, which under load
    /// made batches wait for the network rather than for the database.
    pub fn spawn(self) -> RunningWriter {
        let (stop, stopped) = oneshot::channel::<()>();
        let (report, outcome) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let spawned = runtime.map_err(|err| err.to_string()).and_then(|runtime| {
            std::thread::Builder::new()
                .name("vpcsim-writer".into())
                .spawn(move || {
                    let result = runtime.block_on(self.run(async {
                        let _ = stopped.await;
                    }));
                    let _ = report.send(result);
                })
                .map_err(|err| err.to_string())
        });
        if let Err(err) = spawned {
            // Dropping `report` makes `stop` say so; every write fails on
            // the queue nobody reads.
            tracing::error!(error = %err, "cannot start the writer thread");
        }
        RunningWriter { stop, outcome }
    }

    /// Runs until `stop` resolves (or every `Store` is dropped), then
    /// commits the jobs already queued and returns; or until it fails, and
    /// then says why, having logged it and answered every queued write.
    pub async fn run(mut self, stop: impl Future<Output = ()>) -> Result<(), WriterFailure> {
        let outcome = match AssertUnwindSafe(self.serve(stop)).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(panic) => Err(WriterFailure::Panicked(panic_message(&*panic))),
        };
        let outcome = match outcome {
            Err(failure) => {
                self.fail(&failure).await;
                Err(failure)
            }
            Ok(()) if self.checkpoint(Checkpoint::Truncate).await => Ok(()),
            Ok(()) => Err(WriterFailure::Unfolded),
        };
        // An open transaction (after a panic) is rolled back by the close.
        // The last connection to close removes the `-wal` and `-shm` files.
        if let Err(err) = self.tx.conn.close().await {
            tracing::warn!(error = %err, "closing the write connection");
        }
        outcome
    }

    /// Folds the write-ahead log into the database file; says whether
    /// every frame of it is now in the file.
    async fn checkpoint(&mut self, mode: Checkpoint) -> bool {
        let sql = match mode {
            Checkpoint::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
            Checkpoint::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
        };
        match sqlx::query_as::<_, (i64, i64, i64)>(sql)
            .fetch_one(&mut self.tx.conn)
            .await
        {
            Ok((0, log, done)) if log == done => true,
            Ok((_, log, done)) => {
                tracing::debug!(
                    log_frames = log,
                    checkpointed = done,
                    "a reader kept part of the write-ahead log from the database file; \
                     trying again at the next checkpoint"
                );
                false
            }
            Err(err) => {
                tracing::warn!(error = %err, "checkpointing the write-ahead log");
                false
            }
        }
    }

    /// Takes the writer out of service after a failure: logs the cause once,
    /// raises the flag every call checks, and answers every queued write.
    async fn fail(&mut self, failure: &WriterFailure) {
        tracing::error!(
            cause = %failure,
            "the writer stopped: every call now fails with InternalError and health reports \
             NOT_SERVING; every write answered as done is in the database; restart vpcsim"
        );
        // Later writes fail at once on the closed queue: closed before the
        // flag goes up, so that a caller who saw the flag finds it closed.
        self.jobs.close();
        self.failed.send_replace(true);
        let error = ApiError::internal_because(failure.clone());
        while let Ok(job) = self.jobs.try_recv() {
            let completion = (job.run)(None).await;
            (completion.reply)(Err(error.clone()));
        }
    }

    async fn serve(&mut self, stop: impl Future<Output = ()>) -> Result<(), WriterFailure> {
        let mut batch = Vec::with_capacity(self.max_batch);
        let mut stop = std::pin::pin!(stop);
        let mut stopping = false;
        let mut checkpoints = self.checkpoint_every.map(|period| {
            let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            every
        });
        // Whether anything was committed since the last checkpoint.
        let mut committed = false;
        loop {
            let next = if stopping {
                self.jobs.recv().await
            } else {
                let tick = async {
                    match checkpoints.as_mut() {
                        Some(every) => every.tick().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    job = self.jobs.recv() => job,
                    () = &mut stop => {
                        // No new jobs from here; the queued ones still run.
                        self.jobs.close();
                        stopping = true;
                        continue;
                    }
                    _ = tick => {
                        // One that a reader held up is tried again.
                        if committed {
                            committed = !self.checkpoint(Checkpoint::Passive).await;
                        }
                        continue;
                    }
                }
            };
            committed = true;
            let Some(first) = next else { return Ok(()) };
            batch.push(first);
            while batch.len() < self.max_batch {
                match self.jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            // Readers wait from here until the batch committed (or was
            // rolled back) and the model shows it.
            self.tx.model = Some(self.tx.shared.clone().write_owned().await);
            let outcome = self.run_batch(&mut batch).await;
            // After bulk changes or a failure the model was dropped: load
            // it again before readers see it.
            if self.tx.loaded_model().is_none() {
                self.health.set_loading(true);
                self.load_model().await;
                self.health.set_loading(false);
                self.publish_faults_armed();
            }
            self.tx.model = None;
            outcome?;
        }
    }

    /// Runs one batch and answers its callers; an error if the database
    /// can take no more writes.
    async fn run_batch(&mut self, batch: &mut Vec<Job>) -> Result<(), WriterFailure> {
        let started = std::time::Instant::now();
        let calls = batch.len();
        self.tx.offset = self.clock.offset();
        self.tx.now = self.clock.now_with_offset(self.tx.offset);
        let mut completions = Vec::with_capacity(batch.len());
        // Each call to SQLite costs a round trip to its worker thread, so
        // the savepoint bookkeeping rides along with other statements: the
        // batch opens with the first job's savepoint, and each job's end
        // opens the next one.
        let mut fault = self.begin().await.err().map(|error| BatchFault {
            step: "cannot start a write transaction",
            error,
        });
        for job in batch.drain(..) {
            let completion = match fault {
                // Answered with the batch's error, without running.
                Some(_) => (job.run)(None).await,
                None => match self.run_job(job).await {
                    Ok(completion) => completion,
                    Err((completion, failed)) => {
                        fault = Some(failed);
                        completion
                    }
                },
            };
            completions.push(completion);
        }
        let commit = self.commit(fault).await;
        self.metrics.batch(calls, started.elapsed(), commit.is_ok());
        match &commit {
            Ok(()) => self.health.committed(),
            Err(fault) => self.health.failed(fault.to_string()),
        }
        // Every caller in a failed batch gets its cause, to log with its
        // request id.
        let answer = commit
            .as_ref()
            .map(|_| ())
            .map_err(|fault| ApiError::internal_because(fault.clone()));
        for completion in completions {
            (completion.reply)(answer.clone());
        }
        match commit {
            Err(fault) if !fault.will_pass() => Err(WriterFailure::Database(fault)),
            _ => Ok(()),
        }
    }

    /// Runs one job of a batch whose statements all worked so far; undoes
    /// its work if it failed. An error if one of the writer's own statements
    /// around it failed, which fails the batch.
    async fn run_job(&mut self, job: Job) -> Result<Completion, (Completion, BatchFault)> {
        if !job.deferrable && self.tx.has_deferred() {
            // A direct job may read what deferred jobs wrote: write it
            // first, outside the savepoint that job may roll back to.
            if let Err(error) = self.tx.flush_then("RELEASE job; SAVEPOINT job").await {
                let fault = BatchFault {
                    step: "cannot write deferred rows",
                    error,
                };
                return Err(((job.run)(None).await, fault));
            }
        }
        let hooks_before = self.tx.after_commit.len();
        let deferred_before = self.tx.deferred_lens();
        let clock_before = (self.tx.now, self.tx.offset);
        let deferrable = job.deferrable;
        let completion = (job.run)(Some(&mut self.tx)).await;
        if !completion.succeeded {
            self.tx.after_commit.truncate(hooks_before);
            self.tx.truncate_deferred(&deferred_before);
            // A clock the job moved goes back with the rest of its work.
            (self.tx.now, self.tx.offset) = clock_before;
        }
        if completion.faulted {
            self.tx.drop_model();
        }
        if deferrable {
            // Nothing of it reached SQLite: no savepoint to close.
            return Ok(completion);
        }
        let end = if completion.succeeded {
            "RELEASE job; SAVEPOINT job"
        } else {
            "ROLLBACK TO job; RELEASE job; SAVEPOINT job"
        };
        match sqlx::raw_sql(end).execute(&mut self.tx.conn).await {
            Ok(_) => Ok(completion),
            Err(error) => Err((
                completion,
                BatchFault {
                    step: "cannot close a savepoint",
                    error,
                },
            )),
        }
    }

    /// Commits the batch, or rolls it back after `fault`; runs the
    /// after-commit hooks of a commit, and drops the model after a rollback.
    async fn commit(&mut self, fault: Option<BatchFault>) -> Result<(), Arc<BatchFault>> {
        let commit = match fault {
            Some(fault) => Err(fault),
            None => self
                .tx
                .flush_then("RELEASE job; COMMIT")
                .await
                .map_err(|error| BatchFault {
                    step: "commit failed",
                    error,
                }),
        };
        let commit = commit.map_err(Arc::new);
        let hooks = std::mem::take(&mut self.tx.after_commit);
        match &commit {
            Ok(()) => {
                hooks.into_iter().for_each(|hook| hook());
                self.publish_last_event().await;
            }
            Err(_) => {
                self.tx.truncate_deferred(&[]);
                let _ = self.tx.conn.execute("ROLLBACK").await;
                // The model may hold changes that were rolled back.
                self.tx.drop_model();
            }
        }
        // Before any caller has its answer: a call made after AddFault
        // answered must see the rule.
        self.publish_faults_armed();
        commit
    }

    /// Publishes whether any fault rule is in force; while the model is
    /// being loaded again, that some may be, so that calls ask the model.
    fn publish_faults_armed(&mut self) {
        let armed = self
            .tx
            .loaded_model()
            .is_none_or(|model| model.faults_armed());
        self.faults_armed.store(armed, Ordering::Release);
    }

    async fn load_model(&mut self) {
        match self.tx.model().await {
            Ok(_) => {}
            // The next job that needs it tries again.
            Err(err) => tracing::warn!(error = %err, "cannot load the model"),
        }
    }

    async fn publish_last_event(&mut self) {
        match sqlx::query_as::<_, (i64,)>(self.sql.newest_event)
            .fetch_one(&mut self.tx.conn)
            .await
        {
            Ok((id,)) => {
                self.last_event
                    .send_if_modified(|last| std::mem::replace(last, id) != id);
            }
            Err(err) => tracing::warn!(error = %err, "cannot read the newest event id"),
        }
    }

    /// Opens the batch's transaction, runs the store's statements for the
    /// start of a batch (making overdue requests EXPIRED, so every write in
    /// the batch sees them as such), and opens the first job's savepoint:
    /// one round trip.
    async fn begin(&mut self) -> Result<(), sqlx::Error> {
        let sql = format!(
            "BEGIN IMMEDIATE; {}; SAVEPOINT job",
            (self.sql.at_begin)(self.tx.now)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut self.tx.conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{
        domain::ErrorCode,
        store::{DbLocation, OpenStore, Owner, StartOptions},
    };

    /// A store on a database file in `dir`, with its writer running.
    async fn open(dir: &tempfile::TempDir) -> OpenStore {
        Store::start(
            &DbLocation::File(dir.path().join("vpcsim.db")),
            Owner::Command {
                name: "test".into(),
            },
            StartOptions {
                id_seed: Some(1),
                ..StartOptions::default()
            },
        )
        .await
        .expect("open")
    }

    /// Writes the setting `key`.
    async fn put(tx: &mut Tx, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, 'x')")
            .bind(key)
            .execute(&mut tx.conn)
            .await
            .map(drop)
    }

    async fn has_setting(store: &Store, key: &'static str) -> bool {
        store
            .write(move |tx| {
                Box::pin(async move {
                    let found: Option<(String,)> =
                        sqlx::query_as("SELECT value FROM settings WHERE key = ?")
                            .bind(key)
                            .fetch_optional(&mut tx.conn)
                            .await?;
                    Ok(found.is_some())
                })
            })
            .await
            .expect("read a setting")
    }

    fn source_text(err: &ApiError) -> String {
        err.source
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn only_a_database_that_may_take_the_next_batch_keeps_the_writer_going() {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("memory database");
        sqlx::raw_sql("CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES ('a')")
            .execute(&mut conn)
            .await
            .expect("a table");
        let fault = |error| BatchFault {
            step: "test",
            error,
        };
        let duplicate = sqlx::raw_sql("INSERT INTO t VALUES ('a')")
            .execute(&mut conn)
            .await
            .expect_err("a constraint");
        assert!(fault(duplicate).will_pass(), "a constraint is one batch's");
        let gone = sqlx::raw_sql("INSERT INTO missing VALUES (1)")
            .execute(&mut conn)
            .await
            .expect_err("no such table");
        assert!(!fault(gone).will_pass(), "the schema changed under it");
        assert!(!fault(sqlx::Error::WorkerCrashed).will_pass());
    }

    #[tokio::test]
    async fn a_write_that_panics_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let opened = open(&dir).await;
        let store = opened.store.clone();
        // Hold the writer in a batch of its own until both writes below are
        // queued, so that they share the next batch.
        let (open_gate, gate) = oneshot::channel::<()>();
        let (entered, inside) = oneshot::channel::<()>();
        let gated = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .write(move |_tx| {
                        Box::pin(async move {
                            let _ = entered.send(());
                            let _ = gate.await;
                            Ok(())
                        })
                    })
                    .await
            }
        });
        inside.await.expect("the gate batch runs");
        let panicking = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .write::<(), _>(|tx| {
                        Box::pin(async move {
                            put(tx, "from-the-panicking-write").await?;
                            super::super::clock::set_clock_offset(tx, 86_400).await?;
                            tx.model().await?;
                            panic!("boom");
                        })
                    })
                    .await
            }
        });
        let next = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .write(|tx| {
                        Box::pin(async move {
                            // The panicking write's work is undone before this one runs.
                            let state = (tx.offset, tx.loaded_model().is_none());
                            put(tx, "from-the-next-write").await?;
                            Ok(state)
                        })
                    })
                    .await
            }
        });
        // One thread: each yield runs both tasks on to their queueing.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        open_gate.send(()).expect("the gate is waiting");
        gated
            .await
            .expect("joined")
            .expect("the gate batch commits");
        let (panicked, next) = (
            panicking.await.expect("joined"),
            next.await.expect("joined"),
        );

        let err = panicked.expect_err("the panicking write fails");
        assert_eq!(err.code, ErrorCode::InternalError);
        assert!(!err.message.contains("boom"), "{}", err.message);
        assert_eq!(source_text(&err), "the write panicked: boom");
        let (offset, model_dropped) = next.expect("the rest of the batch commits");
        assert_eq!(offset, 0, "the clock the panicking write moved went back");
        assert!(model_dropped, "the model it may have broken is dropped");

        assert!(!has_setting(&store, "from-the-panicking-write").await);
        assert!(has_setting(&store, "from-the-next-write").await);
        assert_eq!(store.clock.offset(), 0);
        let reloaded = store
            .write(|tx| Box::pin(async move { Ok(tx.loaded_model().is_some()) }))
            .await
            .expect("a later write");
        assert!(reloaded, "the model is read again after the batch");
        store.check_writer().expect("the writer still serves");
        opened.stop().await.expect("a clean stop");
        assert!(!store.writer_failed().await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_wait_for_the_batch_and_never_see_what_it_undid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let opened = open(&dir).await;
        let store = opened.store.clone();
        let (started, running) = oneshot::channel();
        let writing = store.clone();
        let write = async move {
            writing
                .write::<(), _>(move |tx| {
                    Box::pin(async move {
                        tx.model().await?.insert_account(crate::store::Account {
                            uin: "100001".into(),
                            name: "never committed".into(),
                            app_id: 1,
                            secret_id: "AKIDnever".into(),
                            secret_key: "k".into(),
                            create_time: 0,
                        });
                        let _ = started.send(());
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        // A fault: the model it changed is dropped and read again.
                        Err(ApiError::internal_because(
                            "the job fails after changing the model",
                        ))
                    })
                })
                .await
        };
        let write = tokio::spawn(write);
        running.await.expect("the job runs");
        let read = tokio::time::timeout(Duration::from_secs(5), store.describe_accounts())
            .await
            .expect("an answer once the batch ends")
            .expect("a read");
        assert!(read.is_empty(), "the read saw an undone change: {read:?}");
        let err = write.await.expect("joined").expect_err("the job failed");
        assert_eq!(err.code, ErrorCode::InternalError);
        opened.stop().await.expect("a clean stop");
    }

    #[tokio::test]
    async fn a_writer_whose_database_breaks_stops_and_every_write_fails_at_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let opened = open(&dir).await;
        let store = opened.store.clone();
        // Break the database under the writer: every batch begins by
        // writing the events of overdue peerings.
        let mut raw = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            dir.path().join("vpcsim.db").display()
        ))
        .await
        .expect("raw connection");
        sqlx::raw_sql("DROP TABLE events")
            .execute(&mut raw)
            .await
            .expect("drop a table");

        let write = || store.write(|tx| Box::pin(async move { Ok(put(tx, "k").await?) }));
        let err = tokio::time::timeout(Duration::from_secs(5), write())
            .await
            .expect("an answer, not a hang")
            .expect_err("the write fails");
        assert_eq!(err.code, ErrorCode::InternalError);
        assert!(
            source_text(&err).contains("no such table: events"),
            "{}",
            source_text(&err)
        );
        assert!(
            tokio::time::timeout(Duration::from_secs(5), store.writer_failed())
                .await
                .expect("the writer stops")
        );
        assert_eq!(
            store.check_writer().expect_err("calls fail").code,
            ErrorCode::InternalError
        );
        let later = tokio::time::timeout(Duration::from_millis(500), write())
            .await
            .expect("at once")
            .expect_err("later writes fail");
        assert!(
            source_text(&later).contains("stopped"),
            "{}",
            source_text(&later)
        );
        let stopped = opened.stop().await.expect_err("the writer failed");
        assert!(
            format!("{stopped:#}").contains("the database can take no more writes"),
            "{stopped:#}"
        );
    }
}
