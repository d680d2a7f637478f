//! Nothing acknowledged is lost, and shutdown is graceful: mixed write load
//! from many clients against the real binary, stopped mid-load by SIGKILL (or
//! SIGTERM), restarted on the same file. Every call that got an OK answer must
//! be there, and `vpcsim check` must pass. Rounds: VPCSIM_CRASH_ROUNDS
//! (default 3; `.ci/run` runs more).

mod support;

use std::{
    collections::HashMap,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use support::{Server, channel, run, serve_command};
use tonic::{Code, Request};
use vpcsim::proto::{
    self, State, admin_service_client::AdminServiceClient,
    peering_service_client::PeeringServiceClient, vpc_service_client::VpcServiceClient,
};

const CLIENTS: usize = 12;

fn rounds() -> usize {
    std::env::var("VPCSIM_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// `vpcsim serve` on `db`, logging little more than its calls.
fn serve(db: &Path) -> Server {
    Server::start(
        serve_command(&["--db", db.to_str().unwrap()])
            .env("VPCSIM_LOG", "warn,vpcsim::server=info"),
    )
}

fn authed<T>(secret: &str, message: T) -> Request<T> {
    let mut r = Request::new(message);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    r
}

/// What the clients were told, to hold the restarted server to.
#[derive(Default)]
struct Acknowledged {
    /// VPC unique id -> exists.
    vpcs: Vec<String>,
    /// Peering id -> (last acknowledged state, state of a call still in flight).
    peerings: HashMap<String, (State, Option<State>)>,
    writes: usize,
    /// How calls failed once the server went away: code and message.
    failures: Vec<(Code, String)>,
}

/// One client's loop: VPC pair, request, accept, and every other time delete.
async fn client(addr: String, i: usize, stop: Arc<AtomicBool>, acked: Arc<Mutex<Acknowledged>>) {
    let ch = channel(&addr).await;
    let (mut vpcs, mut peering) = (
        VpcServiceClient::new(ch.clone()),
        PeeringServiceClient::new(ch),
    );
    let (a, b) = (format!("AKIDa{i}"), format!("AKIDb{i}"));
    let mut k = 0;
    while !stop.load(Ordering::Relaxed) && k < 120 {
        let make = |secret: &str, third: usize| {
            authed(
                secret,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: format!("c{i}-{k}"),
                    cidr_block: format!("10.{i}.{third}.0/24"),
                },
            )
        };
        let failed = |acked: &Arc<Mutex<Acknowledged>>, status: tonic::Status| {
            acked
                .lock()
                .unwrap()
                .failures
                .push((status.code(), status.message().to_owned()))
        };
        let va = match vpcs.create_vpc(make(&a, 2 * k)).await {
            Ok(r) => r.into_inner().vpc.unwrap(),
            Err(e) => return failed(&acked, e),
        };
        let vb = match vpcs.create_vpc(make(&b, 2 * k + 1)).await {
            Ok(r) => r.into_inner().vpc.unwrap(),
            Err(e) => return failed(&acked, e),
        };
        {
            let mut acked = acked.lock().unwrap();
            acked
                .vpcs
                .extend([va.un_vpc_id.clone(), vb.un_vpc_id.clone()]);
            acked.writes += 2;
        }
        let request = proto::CreateVpcPeeringConnectionRequest {
            vpc_id: va.un_vpc_id.clone(),
            peer_vpc_id: vb.vpc_id.clone(),
            peer_uin: format!("{}", 2000 + i),
            peering_connection_name: format!("p{k}"),
            peer_region: None,
        };
        let id = match peering
            .create_vpc_peering_connection(authed(&a, request))
            .await
        {
            Ok(r) => r.into_inner().peering_connection_id,
            Err(e) => return failed(&acked, e),
        };
        let step =
            |acked: &Arc<Mutex<Acknowledged>>, id: &str, done: State, next: Option<State>| {
                let mut acked = acked.lock().unwrap();
                acked.peerings.insert(id.to_owned(), (done, next));
                acked.writes += 1;
            };
        step(&acked, &id, State::Pending, Some(State::Active));
        let accept = proto::AcceptVpcPeeringConnectionRequest {
            peering_connection_id: id.clone(),
        };
        if let Err(e) = peering
            .accept_vpc_peering_connection(authed(&b, accept))
            .await
        {
            return failed(&acked, e);
        }
        let next = (k % 2 == 0).then_some(State::Deleted);
        step(&acked, &id, State::Active, next);
        if next.is_some() {
            let delete = proto::DeleteVpcPeeringConnectionRequest {
                peering_connection_id: id.clone(),
            };
            if let Err(e) = peering
                .delete_vpc_peering_connection(authed(&a, delete))
                .await
            {
                return failed(&acked, e);
            }
            step(&acked, &id, State::Deleted, None);
        }
        k += 1;
    }
}

async fn setup(addr: &str) {
    let mut admin = AdminServiceClient::new(channel(addr).await);
    for i in 0..CLIENTS {
        for (side, uin) in [("a", 1000 + i), ("b", 2000 + i)] {
            admin
                .create_account(proto::CreateAccountRequest {
                    uin: uin.to_string(),
                    name: format!("{side}{i}"),
                    secret_id: format!("AKID{side}{i}"),
                    ..Default::default()
                })
                .await
                .unwrap();
            admin
                .set_quota(proto::SetQuotaRequest {
                    uin: uin.to_string(),
                    region: String::new(),
                    quota_name: "appid-max-vpcs".into(),
                    limit: 1000,
                })
                .await
                .unwrap();
        }
    }
}

/// Verifies, on a restarted server, everything the clients were told.
async fn verify(addr: &str, acked: &Acknowledged) {
    let ch = channel(addr).await;
    let (mut vpcs, mut peering) = (
        VpcServiceClient::new(ch.clone()),
        PeeringServiceClient::new(ch),
    );
    let mut all_vpcs = std::collections::HashSet::new();
    for i in 0..CLIENTS {
        for secret in [format!("AKIDa{i}"), format!("AKIDb{i}")] {
            let mut offset = 0;
            loop {
                let page = vpcs
                    .describe_vpc_ex(authed(
                        &secret,
                        proto::DescribeVpcExRequest {
                            offset: Some(offset),
                            limit: Some(100),
                            ..Default::default()
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner();
                all_vpcs.extend(page.data.iter().map(|v| v.un_vpc_id.clone()));
                offset += 100;
                if offset >= page.total_count {
                    break;
                }
            }
        }
    }
    for id in &acked.vpcs {
        assert!(all_vpcs.contains(id), "acknowledged vpc {id} was lost");
    }
    for (id, (done, in_flight)) in &acked.peerings {
        // Either party sees it; ask through the requester of its client.
        let mut found = None;
        for c in 0..CLIENTS {
            let page = peering
                .describe_vpc_peering_connections(authed(
                    &format!("AKIDa{c}"),
                    proto::DescribeVpcPeeringConnectionsRequest {
                        peering_connection_id: id.clone(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner();
            if let Some(p) = page.data.first() {
                found = Some(State::try_from(p.state).unwrap());
                break;
            }
        }
        let state = found.unwrap_or_else(|| panic!("acknowledged peering {id} was lost"));
        assert!(
            state == *done || Some(state) == *in_flight,
            "{id}: acknowledged {done:?}, found {state:?}"
        );
    }
}

fn check(db: &Path) {
    let output = run(&["check", "--db", db.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "check failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One round: load, then `signal` mid-load; returns the writes acknowledged.
async fn round(signal: &str, delay: Duration) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let server = serve(&db);
    setup(&server.addr).await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(client(server.addr.clone(), i, stop.clone(), acked.clone())))
        .collect();
    // Not a wait for a state: how long the load runs is where the signal
    // falls, which the rounds vary.
    tokio::time::sleep(delay).await;
    let (status, _) = server.stop(signal).await;
    if signal == "TERM" {
        assert!(
            status.success(),
            "SIGTERM under load must exit 0, got {status:?}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let acked = Arc::try_unwrap(acked).ok().unwrap().into_inner().unwrap();
    assert!(
        acked.writes > 0,
        "no write was acknowledged before the {signal}"
    );
    // Calls cut off by the stop fail as unavailable, never as a rule or an
    // internal error of the server's. (The client's h2 reports a connection
    // cut mid-frame as its own protocol error, with code Internal.)
    for (code, message) in &acked.failures {
        let cut = *code == Code::Internal && message.starts_with("h2 protocol error");
        assert!(
            cut || matches!(code, Code::Unavailable | Code::Unknown | Code::Cancelled),
            "{signal}: a call failed with {code:?}: {message}"
        );
    }
    check(&db);
    let restarted = serve(&db);
    verify(&restarted.addr, &acked).await;
    assert!(restarted.stop("TERM").await.0.success());
    check(&db);
    acked.writes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_load_loses_nothing_acknowledged() {
    let mut total = 0;
    for r in 0..rounds() {
        total += round("KILL", Duration::from_millis(300 + 150 * (r as u64 % 4))).await;
    }
    println!(
        "crash rounds: {}, acknowledged writes checked: {total}",
        rounds()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_load_finishes_calls_and_exits_cleanly() {
    let written = round("TERM", Duration::from_millis(400)).await;
    println!("acknowledged writes before SIGTERM: {written}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vanished_clients_hold_nothing_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vanish.db");
    let server = serve(&db);
    setup(&server.addr).await;
    // Clients that send a write and go away before the answer.
    let mut quitters = Vec::new();
    for i in 0..200 {
        let addr = server.addr.clone();
        quitters.push(tokio::spawn(async move {
            let mut vpcs = VpcServiceClient::new(channel(&addr).await);
            let call = vpcs.create_vpc(authed(
                "AKIDa0",
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: format!("q{i}"),
                    cidr_block: format!("10.200.{}.0/24", i % 250),
                },
            ));
            let _ = tokio::time::timeout(Duration::from_micros(200), call).await;
        }));
    }
    for q in quitters {
        q.await.unwrap();
    }
    // Everyone else still gets through, promptly.
    let mut vpcs = VpcServiceClient::new(channel(&server.addr).await);
    for k in 0..20 {
        let call = vpcs.create_vpc(authed(
            "AKIDb0",
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: format!("ok{k}"),
                cidr_block: format!("10.1.{k}.0/24"),
            },
        ));
        let answer = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("a write is stuck");
        answer.unwrap();
    }
    let mut admin = AdminServiceClient::new(channel(&server.addr).await);
    let clock = admin.get_clock(proto::GetClockRequest {}).await;
    assert!(clock.is_ok() || clock.unwrap_err().code() != Code::Internal);
    assert!(server.stop("TERM").await.0.success());
    check(&db);
}
