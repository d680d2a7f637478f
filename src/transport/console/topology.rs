//! `GET /ui/api/topology`: the whole state as the page draws it
//! ([`crate::topology`]), from one consistent read, without secrets.
//!
//! Every open page reads it after each change (at most four times a
//! second), so one answer is kept while nothing it shows can differ: the
//! same newest event, clock offset and clock second. Concurrent readers
//! wait for the one read in progress rather than start their own.

use std::sync::Arc;

use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::{Console, check_access, refusal, with_headers};
use crate::{
    domain::{ApiError, time::Timestamp},
    store::Store,
    topology::Topology,
    transport::request_log::RequestLog,
};

/// What an answer depends on besides the state's rows: the newest event
/// (every change writes one), the clock's offset and its second (PENDING
/// requests expire with time, and countdowns move).
type Key = (i64, i64, Timestamp);

/// The newest answer and what it was built from.
#[derive(Default)]
pub struct Cache {
    newest: tokio::sync::Mutex<Option<(Key, Bytes)>>,
}

impl Cache {
    async fn get(&self, store: &Store) -> Result<Bytes, ApiError> {
        let mut newest = self.newest.lock().await;
        // Read before the state: a change meanwhile makes the next key new.
        let (now, offset) = store.clock_reading();
        let key = (store.newest_event_id(), offset, now);
        if let Some((built_for, body)) = newest.as_ref()
            && *built_for == key
        {
            return Ok(body.clone());
        }
        let dump = store.dump().await?;
        let now = dump
            .clock
            .as_deref()
            .and_then(crate::domain::time::parse_time)
            .unwrap_or(now);
        // Building and writing 100,000 VPCs takes a while: off the runtime.
        let body = tokio::task::spawn_blocking(move || {
            serde_json::to_vec(&Topology::build(&dump, now)).map(Bytes::from)
        })
        .await
        .map_err(ApiError::internal_because)?
        .map_err(ApiError::internal_because)?;
        *newest = Some((key, body.clone()));
        Ok(body)
    }
}

pub async fn answer(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    log: Option<axum::Extension<Arc<RequestLog>>>,
) -> Response {
    if let Err(refused) = check_access(&console, &headers, &Method::GET) {
        return refused.into_response();
    }
    match console.topology.get(console.app.store()).await {
        Ok(body) => with_headers(StatusCode::OK, "application/json", Body::from(body)),
        Err(err) => {
            // The cause goes to the log with the request id, never to the page.
            if let Some(axum::Extension(log)) = log {
                log.set_error(err.code.as_str(), err.source.clone());
            }
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                err.code.as_str(),
                "the state could not be read; the server log has the cause, under this \
                 request's id",
            )
        }
    }
}
