//! What a server counts, for `GET /metrics` in Prometheus' text format
//! (prometheus-client's encoder). One `Metrics` per store: the request
//! layer counts calls, the writer its batches, and a scrape samples what is
//! cheaper to read than to count (model sizes, file sizes, queue depth).
//!
//! Names follow Prometheus' conventions (`vpcsim_` prefix, base units,
//! `_total` for counters); label values are bounded: front ends, action
//! names, error codes and peering states, never ids.

use std::sync::OnceLock;
use std::time::Duration;

use crate::domain::actions::ActionName;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// Labels of a call: which front end, which action, how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub front_end: &'static str,
    pub action: &'static str,
    /// `Ok`, a code of the error table, a gRPC status name for errors
    /// outside it, or `Cancelled`.
    pub code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabels {
    pub front_end: &'static str,
    pub action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OnlyAction {
    action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FileLabel {
    file: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
    commit: &'static str,
}

/// What a scrape samples.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    pub accounts: i64,
    pub vpcs: i64,
    /// Live and ended peerings, by state name.
    pub peerings: Vec<(&'static str, i64)>,
    pub queue_depth: i64,
    pub database_bytes: i64,
    pub wal_bytes: i64,
}

fn histogram_seconds() -> Histogram {
    // 100 µs to about 52 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 20))
}

/// The front ends' labels.
const FRONT_ENDS: [&str; 4] = ["grpc", "api3", "legacy", "http"];
/// The action labels of calls that name no action.
const SERVICES: [&str; 6] = ["admin", "health", "reflection", "probe", "other", "-"];

/// Where the handles of (`front_end`, `action`) are cached, if both are
/// labels of the fixed sets.
fn slot(front_end: &str, action: &str) -> Option<usize> {
    let front = FRONT_ENDS.iter().position(|f| *f == front_end)?;
    let action = ActionName::ALL
        .iter()
        .map(|a| a.as_str())
        .chain(SERVICES)
        .position(|a| a == action)?;
    Some(front * (ActionName::ALL.len() + SERVICES.len()) + action)
}

/// A successful call's two handles, taken from their families once: a
/// call then records without the families' locks and label hashing.
#[derive(Debug)]
struct OkHandles {
    latency: Histogram,
    calls: Counter,
}

/// Every metric of one server.
#[derive(Debug)]
pub struct Metrics {
    ok_handles: Box<[OnceLock<OkHandles>]>,
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    latency: Family<ActionLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    batch_calls: Histogram,
    commit_seconds: Histogram,
    queue_depth: Gauge,
    accounts: Gauge,
    vpcs: Gauge,
    peerings: Family<StateLabel, Gauge>,
    file_bytes: Family<FileLabel, Gauge>,
    faults_fired: Family<OnlyAction, Counter>,
    throttled: Family<OnlyAction, Counter>,
    writes_failed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("vpcsim");
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "calls",
            "Calls answered, by front end, action and code",
            calls.clone(),
        );
        let latency = Family::<ActionLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            histogram_seconds,
        );
        registry.register(
            "call_duration_seconds",
            "Time from a call's arrival to its answer",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("calls_in_flight", "Calls being served", in_flight.clone());
        let batch_calls = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "writer_batch_calls",
            "Calls the writer committed together in one transaction",
            batch_calls.clone(),
        );
        let commit_seconds = histogram_seconds();
        registry.register(
            "writer_commit_duration_seconds",
            "Time the writer took to run and commit one batch",
            commit_seconds.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "writer_queue_depth",
            "Writes waiting for the writer",
            queue_depth.clone(),
        );
        let writes_failed = Counter::default();
        registry.register(
            "writer_failed_batches",
            "Batches the database refused to commit (every call in one fails with InternalError)",
            writes_failed.clone(),
        );
        let accounts = Gauge::default();
        registry.register("accounts", "Accounts in the state", accounts.clone());
        let vpcs = Gauge::default();
        registry.register("vpcs", "Live VPCs in the state", vpcs.clone());
        let peerings = Family::<StateLabel, Gauge>::default();
        registry.register(
            "peerings",
            "Peering connections in the state, by state on the simulator's clock",
            peerings.clone(),
        );
        let file_bytes = Family::<FileLabel, Gauge>::default();
        registry.register_with_unit(
            "database_file",
            "Size of the database file and of its write-ahead log",
            prometheus_client::registry::Unit::Bytes,
            file_bytes.clone(),
        );
        let faults_fired = Family::<OnlyAction, Counter>::default();
        registry.register(
            "faults_fired",
            "Fault rules that acted on a call, by the call's action",
            faults_fired.clone(),
        );
        let throttled = Family::<OnlyAction, Counter>::default();
        registry.register(
            "calls_throttled",
            "Calls refused by a rate limit, by action",
            throttled.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: crate::version::VERSION,
                commit: crate::version::COMMIT,
            })
            .set(1);
        registry.register(
            "build_info",
            "The running build: always 1, with its version and commit",
            build_info,
        );
        let slots = FRONT_ENDS.len() * (ActionName::ALL.len() + SERVICES.len());
        Self {
            ok_handles: (0..slots).map(|_| OnceLock::new()).collect(),
            registry,
            calls,
            latency,
            in_flight,
            batch_calls,
            commit_seconds,
            queue_depth,
            accounts,
            vpcs,
            peerings,
            file_bytes,
            faults_fired,
            throttled,
            writes_failed,
        }
    }

    /// A call began; the guard's end counts it out.
    pub fn call_started(&self) {
        self.in_flight.inc();
    }

    /// A call ended, answered or abandoned.
    pub fn call_ended(&self, labels: CallLabels, took: Duration) {
        self.in_flight.dec();
        let cached = (labels.code == "Ok")
            .then(|| slot(labels.front_end, labels.action))
            .flatten()
            .and_then(|at| self.ok_handles.get(at));
        if let Some(cached) = cached {
            let handles = cached.get_or_init(|| OkHandles {
                latency: self
                    .latency
                    .get_or_create(&ActionLabels {
                        front_end: labels.front_end,
                        action: labels.action,
                    })
                    .clone(),
                calls: self.calls.get_or_create(&labels).clone(),
            });
            handles.latency.observe(took.as_secs_f64());
            handles.calls.inc();
            return;
        }
        self.latency
            .get_or_create(&ActionLabels {
                front_end: labels.front_end,
                action: labels.action,
            })
            .observe(took.as_secs_f64());
        self.calls.get_or_create(&labels).inc();
    }

    /// The writer ran a batch of `calls` in `took`; `committed` if it held.
    pub fn batch(&self, calls: usize, took: Duration, committed: bool) {
        self.batch_calls.observe(calls as f64);
        self.commit_seconds.observe(took.as_secs_f64());
        if !committed {
            self.writes_failed.inc();
        }
    }

    pub fn fault_fired(&self, action: &'static str) {
        self.faults_fired
            .get_or_create(&OnlyAction { action })
            .inc();
    }

    pub fn throttled(&self, action: &'static str) {
        self.throttled.get_or_create(&OnlyAction { action }).inc();
    }

    /// The text exposition of every metric, with `sample` taken just now.
    pub fn render(&self, sample: &Sample) -> String {
        self.queue_depth.set(sample.queue_depth);
        self.accounts.set(sample.accounts);
        self.vpcs.set(sample.vpcs);
        for (state, count) in &sample.peerings {
            self.peerings
                .get_or_create(&StateLabel { state })
                .set(*count);
        }
        self.file_bytes
            .get_or_create(&FileLabel { file: "database" })
            .set(sample.database_bytes);
        self.file_bytes
            .get_or_create(&FileLabel { file: "wal" })
            .set(sample.wal_bytes);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_with_bounded_labels() {
        let metrics = Metrics::new();
        metrics.call_started();
        metrics.call_ended(
            CallLabels {
                front_end: "api3",
                action: "CreateVpc",
                code: "LimitExceeded",
            },
            Duration::from_millis(3),
        );
        for _ in 0..2 {
            metrics.call_started();
            metrics.call_ended(
                CallLabels {
                    front_end: "grpc",
                    action: "CreateVpc",
                    code: "Ok",
                },
                Duration::from_millis(1),
            );
        }
        metrics.batch(4, Duration::from_millis(2), true);
        metrics.fault_fired("CreateVpc");
        metrics.throttled("DescribeVpcEx");
        let text = metrics.render(&Sample {
            accounts: 2,
            vpcs: 3,
            peerings: vec![("ACTIVE", 1), ("PENDING", 0)],
            queue_depth: 0,
            database_bytes: 4096,
            wal_bytes: 0,
        });
        for line in [
            r#"vpcsim_calls_total{front_end="api3",action="CreateVpc",code="LimitExceeded"} 1"#,
            r#"vpcsim_call_duration_seconds_count{front_end="api3",action="CreateVpc"} 1"#,
            // Successes record through the cached handles, into the same series.
            r#"vpcsim_calls_total{front_end="grpc",action="CreateVpc",code="Ok"} 2"#,
            r#"vpcsim_call_duration_seconds_count{front_end="grpc",action="CreateVpc"} 2"#,
            "vpcsim_calls_in_flight 0",
            "vpcsim_writer_batch_calls_count 1",
            "vpcsim_writer_commit_duration_seconds_count 1",
            "vpcsim_accounts 2",
            r#"vpcsim_peerings{state="ACTIVE"} 1"#,
            r#"vpcsim_database_file_bytes{file="database"} 4096"#,
            r#"vpcsim_faults_fired_total{action="CreateVpc"} 1"#,
            r#"vpcsim_calls_throttled_total{action="DescribeVpcEx"} 1"#,
            "vpcsim_writer_failed_batches_total 0",
        ] {
            assert!(text.contains(line), "{line} not in\n{text}");
        }
        assert!(text.contains("vpcsim_build_info{version="), "{text}");
    }
}
