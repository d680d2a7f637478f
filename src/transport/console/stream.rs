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
//! A stream that falls more than the broadcast's capacity behind the calls
//! gets `event: lagged` (`{"missed": n}`) in their place. The stream ends
//! when the server begins to shut down, even while a slow browser holds a
//! send; the browser's EventSource connects again by itself.

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
use tokio::sync::{broadcast::error::RecvError, mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

use super::{Console, check_access, with_security_headers as with_headers};
use crate::{
    domain::time::format_time,
    proto,
    store::EventFilter,
    transport::{AppState, call_feed::TimedCall},
};

/// How many past events a new stream starts with.
const BACKLOG: i64 = 200;
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events read from the store at once while catching up.
const PAGE: i64 = 500;

pub async fn events(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    if let Err(refused) = check_access(&console, &headers, &Method::GET) {
        return refused.into_response();
    }
    let state = console.app.clone();
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|id| *id >= 0);
    let (send, receive) = mpsc::channel(256);
    tokio::spawn(follow(state, last_seen, Sender(send)));
    let stream = ReceiverStream::new(receive).map(Ok::<_, Infallible>);
    let mut response = with_headers(Sse::new(stream).into_response());
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies that buffer answers (nginx) would hold the events back.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Where one stream's messages go; `None` from a send means stop: the
/// browser went away or the server is stopping.
struct Sender(mpsc::Sender<SseEvent>);

impl Sender {
    async fn send(&self, event: SseEvent, stopping: &mut watch::Receiver<bool>) -> Option<()> {
        tokio::select! {
            sent = self.0.send(event) => sent.ok(),
            _ = stopping.wait_for(|s| *s) => None,
        }
    }
}

/// Where a stream starts: after the event the browser saw last, if the
/// log still goes on from there, else with the newest BACKLOG events.
fn start_after(last_seen: Option<i64>, newest: i64) -> i64 {
    let backlog = (newest - BACKLOG).max(0);
    match last_seen {
        // Within reach: go on from there.
        Some(seen) if seen <= newest && newest - seen <= BACKLOG => seen,
        // Ahead of the log (another database) or far behind: the recent past.
        _ => backlog,
    }
}

/// Feeds one stream until its browser goes away or the server stops.
async fn follow(state: Arc<AppState>, last_seen: Option<i64>, send: Sender) {
    let store = state.store();
    let mut stopping = state.stopping.clone();
    // Subscribed before the catch-up, so that nothing falls between.
    let mut calls = state.calls.subscribe();
    let mut newest = store.subscribe_events();
    let newest_id = *newest.borrow_and_update();
    let mut filter = EventFilter {
        after_id: Some(start_after(last_seen, newest_id)),
        ..EventFilter::default()
    };
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.tick().await;
    // Tells the page it is connected before any event comes.
    if send
        .send(SseEvent::default().comment("connected"), &mut stopping)
        .await
        .is_none()
    {
        return;
    }
    let mut caught_up = false;
    loop {
        // Everything after the last event sent.
        loop {
            let page = match store.next_events(&mut filter, PAGE).await {
                Ok(page) if page.is_empty() => break,
                Ok(page) => page,
                Err(err) => {
                    let cause = err.source.as_ref().map(|s| s.to_string());
                    tracing::warn!(error = %err, cause = cause.as_deref().unwrap_or("-"), "the console's event stream could not read events");
                    return;
                }
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
                if send.send(sse, &mut stopping).await.is_none() {
                    return;
                }
            }
        }
        if !caught_up {
            // The past is sent: the page reads the state once now, rather
            // than once per event of the backlog.
            caught_up = true;
            let data = json!({ "last_event_id": filter.after_id.unwrap_or(0) }).to_string();
            let sse = SseEvent::default().event("caught-up").data(data);
            if send.send(sse, &mut stopping).await.is_none() {
                return;
            }
        }
        let next = tokio::select! {
            changed = newest.changed() => match changed {
                Ok(()) => None,
                Err(_) => return,
            },
            call = calls.recv() => match call {
                Ok(call) => Some(call_event(&call)),
                Err(RecvError::Lagged(missed)) => Some(
                    SseEvent::default()
                        .event("lagged")
                        .data(json!({ "missed": missed }).to_string()),
                ),
                Err(RecvError::Closed) => return,
            },
            _ = keep_alive.tick() => Some(SseEvent::default().comment("keep-alive")),
            _ = stopping.wait_for(|s| *s) => return,
            () = send.0.closed() => return,
        };
        if let Some(sse) = next
            && send.send(sse, &mut stopping).await.is_none()
        {
            return;
        }
    }
}

/// A finished call as the page's timeline shows it.
fn call_event(TimedCall { time, call }: &TimedCall) -> SseEvent {
    let data = json!({
        "time": format_time(*time),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_goes_on_from_the_last_event_seen_only_within_reach() {
        // New: the recent past.
        assert_eq!(start_after(None, 500), 300);
        assert_eq!(start_after(None, 50), 0);
        // A reconnection within reach goes on where it stopped.
        assert_eq!(start_after(Some(450), 500), 450);
        assert_eq!(start_after(Some(500), 500), 500);
        // Far behind: the recent past, not the whole log.
        assert_eq!(start_after(Some(3), 10_000), 9_800);
        // Ahead of the log (another database behind the same address).
        assert_eq!(start_after(Some(900), 500), 300);
    }
}
