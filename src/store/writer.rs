//! The single writer. It owns the only write connection and takes write jobs
//! from a queue. Jobs that arrive together commit together (group commit):
//! one `BEGIN IMMEDIATE`, a savepoint per job so a job that breaks a rule
//! undoes only its own work, one `COMMIT`, and only then does any caller get
//! its answer. With one writer, rules checked inside a job can never race
//! another write, and SQLite never answers `SQLITE_BUSY` to a writer.

use std::{future::Future, pin::Pin, sync::Arc};

use sqlx::{Connection, Executor, SqliteConnection};
use tokio::sync::{mpsc, oneshot, watch};

use super::{Store, model::Model};
use crate::domain::{
    ApiError, ApiResult,
    ids::IdGenerator,
    link::LinkOptions,
    time::{Clock, Timestamp},
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a job sees: the connection inside the open transaction, the clock
/// reading for this batch, and the id generator.
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
    /// The rule state, loaded on first use; `None` until then or after it
    /// was dropped.
    model: Option<Model>,
    /// Rows of deferrable jobs, written together with one multi-row INSERT
    /// each before the next direct job and before the commit.
    deferred: Deferred,
}

/// Rows waiting to be written in bulk.
#[derive(Default)]
pub(super) struct Deferred {
    pub peerings: Vec<DeferredPeering>,
    pub events: Vec<DeferredEvent>,
}

pub(super) struct DeferredPeering {
    pub row: i64,
    pub id: String,
    pub name: String,
    pub vpc: i64,
    pub peer_vpc: i64,
    pub uin: String,
    pub peer_uin: String,
    pub region: &'static str,
    pub state: i64,
    pub create_time: Timestamp,
    pub expire_time: Option<Timestamp>,
    pub link: LinkOptions,
}

pub(super) struct DeferredEvent {
    pub time: Timestamp,
    pub actor: String,
    pub request_id: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub kind: &'static str,
    pub new_state: &'static str,
}

impl Deferred {
    fn is_empty(&self) -> bool {
        self.peerings.is_empty() && self.events.is_empty()
    }

    fn len(&self) -> (usize, usize) {
        (self.peerings.len(), self.events.len())
    }

    fn truncate(&mut self, (peerings, events): (usize, usize)) {
        self.peerings.truncate(peerings);
        self.events.truncate(events);
    }
}

impl Tx {
    /// The rule state, loading it from the database if needed.
    pub(super) async fn model(&mut self) -> Result<&mut Model, sqlx::Error> {
        if self.model.is_none() {
            // The model numbers new rows after those in the database.
            if !self.deferred.is_empty() {
                self.flush().await?;
            }
            self.model = Some(Model::load(&mut self.conn).await?);
        }
        Ok(self.model.get_or_insert_with(Model::default))
    }

    /// The rule state if it is loaded, to keep it up to date.
    pub(super) fn loaded_model(&mut self) -> Option<&mut Model> {
        self.model.as_mut()
    }

    /// Drops the rule state after changes it does not follow one by one.
    pub(super) fn drop_model(&mut self) {
        self.model = None;
    }

    /// Rows to write in bulk, for jobs run with `Store::write_deferred`.
    pub(super) fn deferred(&mut self) -> &mut Deferred {
        &mut self.deferred
    }

    /// Writes the deferred rows: one multi-row INSERT per table and chunk.
    async fn flush(&mut self) -> Result<(), sqlx::Error> {
        use sqlx::{QueryBuilder, Sqlite};
        // 16 values a row, well under SQLite's limit of bound parameters.
        const CHUNK: usize = 1000;
        let deferred = std::mem::take(&mut self.deferred);
        for chunk in deferred.peerings.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO peerings (id, peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
                                       region, state, create_time, expire_time,
                                       bandwidth, charge_type, link_type, qos_level, tags) ",
            );
            q.push_values(chunk, |mut row, p| {
                row.push_bind(p.row)
                    .push_bind(p.id.clone())
                    .push_bind(p.name.clone())
                    .push_bind(p.vpc)
                    .push_bind(p.peer_vpc)
                    .push_bind(p.uin.clone())
                    .push_bind(p.peer_uin.clone())
                    .push_bind(p.region)
                    .push_bind(p.state)
                    .push_bind(p.create_time)
                    .push_bind(p.expire_time);
                super::peerings::bind_link(&mut row, &p.link);
            });
            q.build().execute(&mut self.conn).await?;
        }
        for chunk in deferred.events.chunks(CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state) ",
            );
            q.push_values(chunk, |mut row, e| {
                row.push_bind(e.time)
                    .push_bind(e.actor.clone())
                    .push_bind(e.request_id.clone())
                    .push_bind(e.resource_type)
                    .push_bind(e.resource_id.clone())
                    .push_bind(e.kind)
                    .push_bind(None::<String>)
                    .push_bind(e.new_state);
            });
            q.build().execute(&mut self.conn).await?;
        }
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

type RunJob = Box<dyn for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Completion> + Send>;

/// A write job. A deferrable one touches no SQL itself: it checks its rules
/// on the rule state and leaves its rows in `Tx::deferred`, so it needs no
/// savepoint and its rows go out in bulk.
pub(super) struct Job {
    run: RunJob,
    deferrable: bool,
}

impl Store {
    /// Has the writer read its rule state, so that the first calls do not
    /// wait for it; the server reports SERVING only after this.
    pub async fn warm_up(&self) -> ApiResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                tx.model().await?;
                Ok(())
            })
        })
        .await
    }

    /// Runs `op` in the writer's transaction and answers once it committed.
    pub async fn write<T, F>(&self, op: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
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

    async fn submit<T, F>(&self, op: F, deferrable: bool) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<ApiResult<T>>();
        let run: RunJob = Box::new(move |tx| {
            Box::pin(async move {
                let result = op(tx).await;
                Completion {
                    succeeded: result.is_ok(),
                    faulted: matches!(&result, Err(e) if e.code == crate::domain::ErrorCode::InternalError),
                    reply: Box::new(move |commit| {
                        // A caller that went away no longer needs its answer.
                        let _ = answer.send(commit.and(result));
                    }),
                }
            })
        });
        let job = Job { run, deferrable };
        if self.writes.send(job).await.is_err() {
            tracing::error!("the writer task has stopped");
            return Err(ApiError::internal());
        }
        answered.await.unwrap_or_else(|_| {
            tracing::error!("the writer task dropped a job");
            Err(ApiError::internal())
        })
    }
}

/// The writer task; `run` it on its own tokio task.
pub struct WriterTask {
    tx: Tx,
    jobs: mpsc::Receiver<Job>,
    clock: Arc<Clock>,
    max_batch: usize,
    /// The id of the newest event, published after each commit.
    last_event: watch::Sender<i64>,
}

impl WriterTask {
    pub(super) fn new(
        conn: SqliteConnection,
        jobs: mpsc::Receiver<Job>,
        clock: Arc<Clock>,
        id_seed: Option<u64>,
        max_batch: usize,
        last_event: watch::Sender<i64>,
    ) -> Self {
        Self {
            tx: Tx {
                conn,
                now: 0,
                ids: IdGenerator::new(id_seed),
                offset: 0,
                clock: clock.clone(),
                after_commit: Vec::new(),
                model: None,
                deferred: Deferred::default(),
            },
            jobs,
            clock,
            max_batch,
            last_event,
        }
    }

    /// Runs until `stop` resolves (or every `Store` is dropped), then
    /// commits the jobs already queued and returns.
    pub async fn run(mut self, stop: impl Future<Output = ()>) {
        let mut batch = Vec::with_capacity(self.max_batch);
        let mut stop = std::pin::pin!(stop);
        let mut stopping = false;
        loop {
            let next = if stopping {
                self.jobs.recv().await
            } else {
                tokio::select! {
                    job = self.jobs.recv() => job,
                    () = &mut stop => {
                        // No new jobs from here; the queued ones still run.
                        self.jobs.close();
                        stopping = true;
                        continue;
                    }
                }
            };
            let Some(first) = next else { break };
            batch.push(first);
            while batch.len() < self.max_batch {
                match self.jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.run_batch(&mut batch).await;
            // After bulk changes the rule state was dropped: read it again
            // now rather than in the middle of the next caller's write.
            if self.tx.model.is_none() {
                self.load_model().await;
            }
        }
        if let Err(err) = self.tx.conn.close().await {
            tracing::warn!(error = %err, "closing the write connection");
        }
    }

    async fn run_batch(&mut self, batch: &mut Vec<Job>) {
        self.tx.offset = self.clock.offset();
        self.tx.now = self.clock.now_with_offset(self.tx.offset);
        let mut completions = Vec::with_capacity(batch.len());
        // Each call to SQLite costs a round trip to its worker thread, so
        // the savepoint bookkeeping rides along with other statements: the
        // batch opens with the first job's savepoint, and each job's end
        // opens the next one.
        let begun = self.begin().await;
        if let Err(err) = &begun {
            tracing::error!(error = %err, "cannot start a write transaction");
        }
        let mut failed = begun.is_err();
        for job in batch.drain(..) {
            if failed {
                // Dropping a job drops its reply channel: its caller gets an
                // internal error.
                drop(job);
                continue;
            }
            let hooks_before = self.tx.after_commit.len();
            if !job.deferrable && !self.tx.deferred.is_empty() {
                // A direct job may read what deferred jobs wrote: write it
                // first, outside the savepoint that job may roll back to.
                let flushed = match self.tx.flush().await {
                    Ok(()) => sqlx::raw_sql("RELEASE job; SAVEPOINT job")
                        .execute(&mut self.tx.conn)
                        .await
                        .map(drop),
                    Err(err) => Err(err),
                };
                if let Err(err) = flushed {
                    tracing::error!(error = %err, "cannot write deferred rows");
                    failed = true;
                    drop(job);
                    continue;
                }
            }
            let deferred_before = self.tx.deferred.len();
            let deferrable = job.deferrable;
            let completion = (job.run)(&mut self.tx).await;
            if !completion.succeeded {
                self.tx.after_commit.truncate(hooks_before);
                self.tx.deferred.truncate(deferred_before);
            }
            if completion.faulted {
                self.tx.drop_model();
            }
            if deferrable {
                // Nothing of it reached SQLite: no savepoint to close.
                completions.push(completion);
                continue;
            }
            let end = if completion.succeeded {
                "RELEASE job; SAVEPOINT job"
            } else {
                "ROLLBACK TO job; RELEASE job; SAVEPOINT job"
            };
            if let Err(err) = sqlx::raw_sql(end).execute(&mut self.tx.conn).await {
                tracing::error!(error = %err, "cannot close a savepoint");
                failed = true;
            }
            completions.push(completion);
        }
        let commit = if failed {
            self.tx.deferred = Deferred::default();
            let _ = self.tx.conn.execute("ROLLBACK").await;
            Err(ApiError::internal())
        } else {
            let committed = match self.tx.flush().await {
                Ok(()) => sqlx::raw_sql("RELEASE job; COMMIT")
                    .execute(&mut self.tx.conn)
                    .await
                    .map(drop),
                Err(err) => Err(err),
            };
            match committed {
                Ok(()) => Ok(()),
                Err(err) => {
                    tracing::error!(error = %err, "commit failed");
                    let _ = self.tx.conn.execute("ROLLBACK").await;
                    Err(ApiError::internal())
                }
            }
        };
        if commit.is_err() {
            // The rule state may hold changes that were rolled back.
            self.tx.drop_model();
        }
        let hooks = std::mem::take(&mut self.tx.after_commit);
        if commit.is_ok() {
            hooks.into_iter().for_each(|hook| hook());
            self.publish_last_event().await;
        }
        for completion in completions {
            (completion.reply)(commit.clone());
        }
    }

    async fn load_model(&mut self) {
        match Model::load(&mut self.tx.conn).await {
            Ok(model) => self.tx.model = Some(model),
            // The next job that needs it tries again.
            Err(err) => tracing::warn!(error = %err, "cannot read the rule state"),
        }
    }

    async fn publish_last_event(&mut self) {
        match sqlx::query_as::<_, (i64,)>("SELECT COALESCE(MAX(id), 0) FROM events")
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

    /// Opens the batch's transaction, makes overdue requests EXPIRED (so
    /// every write in the batch sees them as such), and opens the first
    /// job's savepoint: one round trip.
    async fn begin(&mut self) -> Result<(), sqlx::Error> {
        let sql = format!(
            "BEGIN IMMEDIATE; {}; SAVEPOINT job",
            super::peerings::expire_overdue_sql(self.tx.now)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut self.tx.conn)
            .await?;
        Ok(())
    }
}
