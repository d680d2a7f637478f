//! `GET /ui/api/stream`: what the page follows, as server-sent events.
//!
//! - `event: event`, one per store event, the `Event` message WatchEvents
//!   streams, as JSON, with its `event_id` as the SSE id. A new stream
//!   starts with the newest [`BACKLOG`] events; a reconnecting one (which
//!   sends `Last-Event-ID`) goes on after the last it had. Then one
//!   `event: caught-up` (`{"last_event_id": n}`) says the past is sent.
//! - `event: call`, one per API call as it ends (`call_feed`), with its
//!   time on the simulator's clock and whether it was throttled.
//! - a comment every [`KEEP_ALIVE`], so that proxies keep the stream open.
//!
//! The stream ends when the server begins to shut down; the browser's
//! EventSource connects again by itself.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, Method, header},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, Sse},
    },
};
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::{broadcast::error::RecvError, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::check_access;
use crate::{
    domain::time::format_time,
    proto,
    store::EventFilter,
    transport::{AppState, call_feed::CallRecord},
};

/// How many past events a new stream starts with.
const BACKLOG: i64 = 200;
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events read from the store at once while catching up.
const PAGE: i64 = 500;

pub async fn events(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(refused) = check_access(&state, &headers, &Method::GET) {
        return refused.into_response();
    }
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|id| *id >= 0);
    let (send, receive) = mpsc::channel(256);
    tokio::spawn(follow(state, last_seen, send));
    let stream = ReceiverStream::new(receive).map(Ok::<_, Infallible>);
    let mut response = Sse::new(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Feeds one stream until its browser goes away or the server stops.
async fn follow(state: Arc<AppState>, last_seen: Option<i64>, send: mpsc::Sender<SseEvent>) {
    let store = state.store();
    // Subscribed before the catch-up, so that nothing falls between.
    let mut calls = state.calls.subscribe();
    let mut newest = store.subscribe_events();
    let newest_id = *newest.borrow_and_update();
    let mut filter = EventFilter {
        after_id: Some(last_seen.unwrap_or((newest_id - BACKLOG).max(0))),
        ..EventFilter::default()
    };
    let mut stopping = state.stopping.clone();
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.tick().await;
    // Tells the page it is connected before any event comes.
    if send
        .send(SseEvent::default().comment("connected"))
        .await
        .is_err()
    {
        return;
    }
    let mut caught_up = false;
    loop {
        // Everything after the last event sent.
        loop {
            let page = match store.describe_events(&filter, 0, PAGE).await {
                Ok((_, page)) => page,
                Err(err) => {
                    let cause = err.source.as_ref().map(|s| s.to_string());
                    tracing::warn!(error = %err, cause = cause.as_deref().unwrap_or("-"), "the console's event stream could not read events");
                    return;
                }
            };
            let Some(last) = page.last().map(|e| e.id) else {
                break;
            };
            for event in page {
                let id = event.id;
                let message = proto::Event::from(event);
                let Ok(data) = serde_json::to_string(&message) else {
                    continue;
                };
                let sse = SseEvent::default()
                    .event("event")
                    .id(id.to_string())
                    .data(data);
                if send.send(sse).await.is_err() {
                    return;
                }
            }
            filter.after_id = Some(last);
        }
        if !caught_up {
            // The past is sent: the page reads the state once now, rather
            // than once per event of the backlog.
            caught_up = true;
            let data = json!({ "last_event_id": filter.after_id.unwrap_or(0) }).to_string();
            if send
                .send(SseEvent::default().event("caught-up").data(data))
                .await
                .is_err()
            {
                return;
            }
        }
        let next = tokio::select! {
            changed = newest.changed() => match changed {
                Ok(()) => None,
                Err(_) => return,
            },
            call = calls.recv() => match call {
                Ok(call) => Some(call_event(&state, &call)),
                Err(RecvError::Lagged(missed)) => {
                    Some(SseEvent::default().comment(format!("{missed} calls missed")))
                }
                Err(RecvError::Closed) => return,
            },
            _ = keep_alive.tick() => Some(SseEvent::default().comment("keep-alive")),
            _ = stopping.wait_for(|s| *s) => return,
            () = send.closed() => return,
        };
        if let Some(sse) = next
            && send.send(sse).await.is_err()
        {
            return;
        }
    }
}

/// A finished call as the page's timeline shows it.
fn call_event(state: &AppState, call: &CallRecord) -> SseEvent {
    let (_, offset) = state.store().clock_reading();
    let data = json!({
        "time": format_time(call.ended_at + offset),
        "request_id": call.request_id,
        "front_end": call.front_end,
        "action": call.action,
        "caller": call.caller,
        "code": call.code,
        "latency_ms": call.latency_ms,
        "throttled": call.throttled(),
    });
    SseEvent::default().event("call").data(data.to_string())
}
