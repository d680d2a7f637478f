//! The calls the server answered, as they end: what the console's
//! timeline shows beside the events. Only API calls go in (gRPC, API 3.0,
//! legacy, AdminService, the console's controls), never the page's own
//! reads or probes.
//!
//! A broadcast channel: nothing is kept for a console that connects later,
//! and a console that falls behind misses calls rather than holding the
//! server back. With no console connected, publishing is one atomic read.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::domain::{
    ErrorCode,
    time::{Clock, Timestamp},
};

/// How many calls a slow console may fall behind by before it misses some.
const CAPACITY: usize = 1024;

/// One finished call.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub request_id: String,
    /// `grpc`, `api3`, `legacy`, or `console` for the console's controls.
    pub front_end: &'static str,
    /// The action as its caller named it: vpcsim's name over gRPC
    /// (`CreateVpcPeeringConnection`), the HTTP API's own (`DescribeVpcs`),
    /// or the AdminService method (`AdvanceClock`).
    pub action: String,
    /// The caller's uin, `admin`, or `-` before authentication.
    pub caller: String,
    /// `Ok`, or the error table's code where the front end knows it.
    pub code: String,
    pub latency_ms: f64,
}

impl CallRecord {
    /// Refused by the rate limit (`serve --rate-limit`, SetRateLimit).
    pub fn throttled(&self) -> bool {
        self.code == ErrorCode::RequestLimitExceeded.as_str()
    }
}

/// A published call and when it ended, on the simulator's clock.
#[derive(Debug)]
pub struct TimedCall {
    pub time: Timestamp,
    pub call: CallRecord,
}

/// Where finished calls are published; cheap to clone.
#[derive(Debug, Clone)]
pub struct CallFeed {
    sender: broadcast::Sender<Arc<TimedCall>>,
    clock: Arc<Clock>,
}

impl CallFeed {
    /// A feed that stamps calls with `clock`, the simulator's.
    pub fn new(clock: Arc<Clock>) -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            clock,
        }
    }

    /// Whether anyone listens: the request layer builds no record otherwise.
    pub fn has_listeners(&self) -> bool {
        self.sender.receiver_count() > 0
    }

    /// Publishes a call as it ends, at the simulator's time now.
    pub fn publish(&self, call: CallRecord) {
        let time = self.clock.now();
        // An error only means that nobody listens any more.
        let _ = self.sender.send(Arc::new(TimedCall { time, call }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<TimedCall>> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(code: &str) -> CallRecord {
        CallRecord {
            request_id: "r".into(),
            front_end: "grpc",
            action: "CreateVpc".into(),
            caller: "100001".into(),
            code: code.into(),
            latency_ms: 1.0,
        }
    }

    #[test]
    fn only_listeners_receive_and_a_throttled_call_reads_as_one() {
        let clock = Arc::new(Clock::new(3600));
        let feed = CallFeed::new(clock.clone());
        assert!(!feed.has_listeners());
        feed.publish(record("Ok"));
        let mut calls = feed.subscribe();
        assert!(feed.has_listeners());
        feed.publish(record("RequestLimitExceeded"));
        let got = calls
            .try_recv()
            .expect("the call published after subscribing");
        assert!(got.call.throttled());
        let now = clock.now();
        assert!(
            (now - 1..=now).contains(&got.time),
            "stamped on the simulator's clock, an hour ahead"
        );
        assert!(!record("Ok").throttled());
        assert!(
            calls.try_recv().is_err(),
            "the earlier call is not replayed"
        );
    }
}
