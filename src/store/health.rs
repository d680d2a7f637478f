//! Whether the store can take writes, as readiness reports it: the writer
//! publishes here whether its latest commit held, and while it reads the
//! model again after a failure; the writer's stop is `Store::check_writer`.

use std::sync::{
    Mutex,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::watch;

/// Why writes are failing, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteTrouble {
    /// Real time, Unix seconds, of the first failed commit in a row.
    pub since: i64,
    pub cause: String,
}

/// The writer's latest outcome, shared with readers.
#[derive(Debug)]
pub struct WriteHealth {
    trouble: Mutex<Option<WriteTrouble>>,
    loading: AtomicBool,
    /// Moves on every change, for the health service to follow.
    changed: watch::Sender<u64>,
}

impl Default for WriteHealth {
    fn default() -> Self {
        Self {
            trouble: Mutex::new(None),
            loading: AtomicBool::new(false),
            changed: watch::channel(0).0,
        }
    }
}

impl WriteHealth {
    /// A commit held: writes work (again).
    pub fn committed(&self) {
        let mut trouble = self.trouble.lock().unwrap_or_else(|p| p.into_inner());
        if trouble.take().is_some() {
            tracing::info!("writes work again: the latest commit succeeded");
            self.changed.send_modify(|n| *n += 1);
        }
    }

    /// A commit failed because of `cause`.
    pub fn failed(&self, cause: String) {
        let mut trouble = self.trouble.lock().unwrap_or_else(|p| p.into_inner());
        if trouble.is_none() {
            let since = chrono::Utc::now().timestamp();
            *trouble = Some(WriteTrouble { since, cause });
            self.changed.send_modify(|n| *n += 1);
        }
    }

    /// The writer is reading the model again (after a failed batch).
    pub fn set_loading(&self, loading: bool) {
        if self.loading.swap(loading, Ordering::AcqRel) != loading {
            self.changed.send_modify(|n| *n += 1);
        }
    }

    pub fn trouble(&self) -> Option<WriteTrouble> {
        self.trouble
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn loading(&self) -> bool {
        self.loading.load(Ordering::Acquire)
    }

    /// A receiver that sees every change.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

impl super::Store {
    /// Ready to take calls: the writer runs, its latest commit held, and
    /// the model is loaded; otherwise why not.
    pub fn readiness(&self) -> Result<(), String> {
        if self.check_writer().is_err() {
            return Err("writer stopped: every call fails with InternalError; restart vpcsim (the log says why it stopped)".into());
        }
        if let Some(trouble) = self.health.trouble() {
            let since = chrono::DateTime::from_timestamp(trouble.since, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_default();
            return Err(format!("writes failing: {} since {since}", trouble.cause));
        }
        if self.health.loading() {
            return Err("loading: the state is being read again after a failed write".into());
        }
        Ok(())
    }

    /// Moves whenever readiness may have changed (the writer's stop aside:
    /// see `writer_failed`).
    pub fn readiness_changes(&self) -> watch::Receiver<u64> {
        self.health.watch()
    }

    /// What this server counts.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// A handle on what this server counts, for the request layer.
    pub fn metrics_handle(&self) -> std::sync::Arc<crate::metrics::Metrics> {
        self.metrics.clone()
    }

    /// What a scrape reads now: the model's sizes, the queue, the files.
    pub async fn metrics_sample(&self) -> crate::metrics::Sample {
        let now = self.clock.now();
        let (accounts, vpcs, peerings) = self
            .with_model(|model| model.counts(now))
            .await
            .unwrap_or_default();
        let size = |suffix: &str| {
            self.path
                .as_ref()
                .and_then(|path| {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    std::fs::metadata(name).ok()
                })
                .map_or(0, |m| m.len() as i64)
        };
        crate::metrics::Sample {
            accounts,
            vpcs,
            peerings,
            queue_depth: (self.writes.max_capacity() - self.writes.capacity()) as i64,
            database_bytes: size(""),
            wal_bytes: size("-wal"),
        }
    }
}
