//! The workloads: N clients, each on its own connection, calling as fast as
//! they are answered for a fixed time.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng, rngs::SmallRng};
use tonic::{
    Request,
    transport::{Channel, Endpoint},
};

use super::{
    api3::Api3Client,
    report::Row,
    setup::{
        self, Target, accepter_secret, legacy, pair, requester_key, requester_secret, requester_uin,
    },
};
use crate::{
    proto::{self, peering_service_client::PeeringServiceClient},
    scenario::Scenario,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// grpc.health.v1.Health/Check: the ceiling.
    Baseline,
    /// Same-account CreateVpcPeeringConnection, every rule checked.
    Create,
    /// The same create through API 3.0: signed JSON over HTTP/1.1 keep-alive.
    #[serde(rename = "api3-create")]
    Api3Create,
    /// Create across accounts, then accept: one op is both calls.
    Cross,
    /// DescribeVpcPeeringConnections, a page of 20 filtered by VPC.
    Describe,
    /// Three describes to one create.
    Mixed,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Baseline => "baseline",
            Workload::Create => "create",
            Workload::Api3Create => "api3-create",
            Workload::Cross => "cross",
            Workload::Describe => "describe",
            Workload::Mixed => "mixed",
        }
    }
}

pub struct Runtime {
    pub clients: usize,
    pub duration: Duration,
    pub warmup: Duration,
}

/// What a client needs to build its calls.
struct Plan {
    workload: Workload,
    /// VPC pairs per client, and the legacy number of the first pair VPC.
    pool: usize,
    first_pair_vpc: usize,
    /// Accounts of the describe state (10 VPCs each).
    describe_accounts: usize,
}

fn authed<T>(secret: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    if let Ok(value) = format!("Bearer {secret}").parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

struct ClientResult {
    latencies: Histogram<u64>,
    ops: u64,
    errors: u64,
    first_error: Option<String>,
    exhausted: bool,
}

fn message(status: tonic::Status) -> String {
    status.message().to_owned()
}

fn endpoint(addr: &str) -> anyhow::Result<Endpoint> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?)
}

async fn connect(addr: &str) -> anyhow::Result<Channel> {
    Ok(endpoint(addr)?.connect().await?)
}

async fn client(
    addr: String,
    c: usize,
    plan: Arc<Plan>,
    measure_from: Instant,
    end: Instant,
) -> anyhow::Result<ClientResult> {
    // API 3.0 clients call over HTTP/1.1 only; their gRPC channel is never
    // used, so never connected.
    let (channel, mut api3) = if plan.workload == Workload::Api3Create {
        let api3 = Api3Client::connect(&addr, requester_secret(c), requester_key(c)).await?;
        (endpoint(&addr)?.connect_lazy(), Some(api3))
    } else {
        (connect(&addr).await?, None)
    };
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let mut peering = PeeringServiceClient::new(channel);
    let mut rng = SmallRng::seed_from_u64(c as u64 + 1);
    let mut result = ClientResult {
        latencies: Histogram::new(3)?,
        ops: 0,
        errors: 0,
        first_error: None,
        exhausted: false,
    };
    let mut next_pair = 0;
    let (a, b) = (requester_secret(c), accepter_secret(c));
    while Instant::now() < end {
        let create = match plan.workload {
            Workload::Create | Workload::Api3Create | Workload::Cross => true,
            Workload::Mixed => rng.random_range(0..4) == 0,
            _ => false,
        };
        if create && next_pair >= plan.pool {
            result.exhausted = true;
            break;
        }
        let started = Instant::now();
        let outcome: Result<(), String> = match plan.workload {
            Workload::Baseline => health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(drop)
                .map_err(message),
            _ if create => {
                let (x, y) = pair(plan.first_pair_vpc, plan.pool, c, next_pair);
                next_pair += 1;
                let peer_uin = if plan.workload == Workload::Cross {
                    setup::accepter_uin(c)
                } else {
                    requester_uin(c)
                };
                let request = proto::CreateVpcPeeringConnectionRequest {
                    vpc_id: legacy(x),
                    peer_vpc_id: legacy(y),
                    peer_uin,
                    peering_connection_name: format!("bench-{x}"),
                    peer_region: None,
                };
                if let Some(api3) = &mut api3 {
                    // Built per call, as an SDK serialises its request.
                    let body = serde_json::json!({
                        "SourceVpcId": request.vpc_id,
                        "DestinationVpcId": request.peer_vpc_id,
                        "DestinationUin": request.peer_uin,
                        "DestinationRegion": "ap-guangzhou",
                        "PeeringConnectionName": request.peering_connection_name,
                    });
                    api3.call("CreateVpcPeeringConnection", body.to_string())
                        .await
                        .map(drop)
                } else {
                    match peering
                        .create_vpc_peering_connection(authed(&a, request))
                        .await
                    {
                        Ok(created) if plan.workload == Workload::Cross => {
                            let id = created.into_inner().peering_connection_id;
                            let accept = proto::AcceptVpcPeeringConnectionRequest {
                                peering_connection_id: id,
                            };
                            peering
                                .accept_vpc_peering_connection(authed(&b, accept))
                                .await
                                .map(drop)
                        }
                        other => other.map(drop),
                    }
                    .map_err(message)
                }
            }
            _ => {
                let account = rng.random_range(0..plan.describe_accounts);
                let vpc = account * 10 + rng.random_range(0..10) + 1;
                let request = proto::DescribeVpcPeeringConnectionsRequest {
                    vpc_id: legacy(vpc),
                    limit: Some(20),
                    ..Default::default()
                };
                peering
                    .describe_vpc_peering_connections(authed(&format!("AKIDgen{account}"), request))
                    .await
                    .map(drop)
                    .map_err(message)
            }
        };
        let finished = Instant::now();
        if started < measure_from {
            continue;
        }
        match outcome {
            Ok(()) => {
                result.ops += 1;
                result
                    .latencies
                    .record(finished.duration_since(started).as_micros() as u64)?;
            }
            Err(error) => {
                result.errors += 1;
                result.first_error.get_or_insert(error);
            }
        }
    }
    Ok(result)
}

/// Runs `clients` clients against `addr` and sums up.
async fn drive(
    name: String,
    addr: &str,
    clients: usize,
    plan: Plan,
    runtime: &Runtime,
) -> anyhow::Result<Row> {
    let plan = Arc::new(plan);
    let measure_from = Instant::now() + runtime.warmup;
    let end = measure_from + runtime.duration;
    let tasks: Vec<_> = (0..clients)
        .map(|c| tokio::spawn(client(addr.to_owned(), c, plan.clone(), measure_from, end)))
        .collect();
    let mut all = Histogram::<u64>::new(3)?;
    let (mut ops, mut errors, mut exhausted, mut first_error) = (0, 0, 0, None);
    for task in tasks {
        let r = task.await??;
        all.add(&r.latencies)?;
        ops += r.ops;
        errors += r.errors;
        exhausted += usize::from(r.exhausted);
        first_error = first_error.or(r.first_error);
    }
    let seconds = runtime.duration.as_secs_f64();
    let ms = |q: f64| all.value_at_quantile(q) as f64 / 1000.0;
    Ok(Row {
        workload: name,
        clients,
        ops,
        seconds,
        ops_per_sec: ops as f64 / seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        errors,
        first_error,
        exhausted_clients: exhausted,
        ratio_to_baseline: None,
        server_peak_rss_mib: None,
    })
}

/// Pairs enough for every client to create for the whole run at up to
/// 25,000 creates a second in all.
fn pool_for(runtime: &Runtime) -> usize {
    let seconds = (runtime.duration + runtime.warmup).as_secs_f64();
    ((25_000.0 * seconds) / runtime.clients.max(1) as f64).ceil() as usize + 16
}

pub async fn measure(
    target: &Target,
    workload: Workload,
    runtime: &Runtime,
    describe_peerings: usize,
) -> anyhow::Result<Row> {
    let mut scenario = Scenario::default();
    let mut plan = Plan {
        workload,
        pool: 0,
        first_pair_vpc: 1,
        describe_accounts: 0,
    };
    if matches!(workload, Workload::Describe | Workload::Mixed) {
        scenario = setup::describe_state(describe_peerings)?;
        plan.describe_accounts = scenario.accounts.len();
        plan.first_pair_vpc = scenario.vpcs.len() + 1;
    }
    if matches!(
        workload,
        Workload::Create | Workload::Api3Create | Workload::Cross | Workload::Mixed
    ) {
        plan.pool = pool_for(runtime) / if workload == Workload::Mixed { 3 } else { 1 };
        setup::pairs(
            &mut scenario,
            runtime.clients,
            plan.pool,
            workload == Workload::Cross,
            plan.first_pair_vpc,
        );
    }
    let server = target.prepare(scenario).await?;
    let mut row = drive(
        workload.name().to_owned(),
        &server.addr,
        runtime.clients,
        plan,
        runtime,
    )
    .await?;
    row.server_peak_rss_mib = server.spawned.as_ref().and_then(|s| s.peak_rss_mib());
    Ok(row)
}

/// Create latency into a hub VPC that already has `peers` live peerings:
/// one client creates a peering to a spoke and deletes it again; only the
/// create is timed, so the hub keeps `peers` live peerings.
pub async fn hub(target: &Target, peers: usize, runtime: &Runtime) -> anyhow::Result<Row> {
    let server = target.prepare(setup::hub_state(peers)).await?;
    let mut peering = PeeringServiceClient::new(connect(&server.addr).await?);
    let secret = requester_secret(0);
    let mut latencies = Histogram::<u64>::new(3)?;
    let measure_from = Instant::now() + runtime.warmup;
    let end = measure_from + runtime.duration;
    let (mut ops, mut errors, mut first_error) = (0, 0, None);
    while Instant::now() < end {
        let request = proto::CreateVpcPeeringConnectionRequest {
            vpc_id: legacy(1),
            peer_vpc_id: legacy(peers + 2),
            peer_uin: requester_uin(0),
            peering_connection_name: "hub-probe".into(),
            peer_region: None,
        };
        let started = Instant::now();
        let created = peering
            .create_vpc_peering_connection(authed(&secret, request))
            .await;
        let took = started.elapsed();
        match created {
            Ok(created) => {
                if started >= measure_from {
                    ops += 1;
                    latencies.record(took.as_micros() as u64)?;
                }
                let id = created.into_inner().peering_connection_id;
                let delete = proto::DeleteVpcPeeringConnectionRequest {
                    peering_connection_id: id,
                };
                peering
                    .delete_vpc_peering_connection(authed(&secret, delete))
                    .await?;
            }
            Err(status) => {
                errors += 1;
                first_error.get_or_insert_with(|| status.message().to_owned());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    let ms = |q: f64| latencies.value_at_quantile(q) as f64 / 1000.0;
    let seconds = runtime.duration.as_secs_f64();
    Ok(Row {
        workload: format!("hub-{peers}"),
        clients: 1,
        ops,
        seconds,
        ops_per_sec: ops as f64 / seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        errors,
        first_error,
        exhausted_clients: 0,
        ratio_to_baseline: None,
        server_peak_rss_mib: server.spawned.as_ref().and_then(|s| s.peak_rss_mib()),
    })
}
