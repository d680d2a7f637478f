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
}

impl Tx {
    /// The rule state, loading it from the database if needed.
    pub(super) async fn model(&mut self) -> Result<&mut Model, sqlx::Error> {
        if self.model.is_none() {
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

pub(super) type Job = Box<dyn for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Completion> + Send>;

impl Store {
    /// Runs `op` in the writer's transaction and answers once it committed.
    pub async fn write<T, F>(&self, op: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |tx| {
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
            let completion = job(&mut self.tx).await;
            if !completion.succeeded {
                self.tx.after_commit.truncate(hooks_before);
            }
            if completion.faulted {
                self.tx.drop_model();
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
            let _ = self.tx.conn.execute("ROLLBACK").await;
            Err(ApiError::internal())
        } else {
            match sqlx::raw_sql("RELEASE job; COMMIT")
                .execute(&mut self.tx.conn)
                .await
            {
                Ok(_) => Ok(()),
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
        let now = self.tx.now;
        // `now` is our own integer, so it can sit in the text.
        let sql = format!(
            "BEGIN IMMEDIATE;
             INSERT INTO events (time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
                 SELECT expire_time, 'system', '', 'peering', peering_connection_id, 'expired', 'PENDING', 'EXPIRED'
                 FROM peerings WHERE state = 1 AND expire_time <= {now};
             UPDATE peerings SET state = 3 WHERE state = 1 AND expire_time <= {now};
             SAVEPOINT job"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut self.tx.conn)
            .await?;
        Ok(())
    }
}
