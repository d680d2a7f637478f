//! What an operator sees of a running `vpcsim serve`, through the binary:
//! health, readiness (turning 503 while the disk is full, and back), the
//! Prometheus metrics, the version, the HTTP errors of wrong paths, and the
//! log lines of calls that end early (abandoned, or past their deadline).

mod support;

use std::{
    io::{Read, Write},
    time::{Duration, Instant},
};

use serde_json::Value;
use support::{channel, serve};
use tonic::{Code, Request};
use vpcsim::proto::{
    self, admin_service_client::AdminServiceClient, vpc_service_client::VpcServiceClient,
};

/// One plain HTTP/1.1 exchange: the status code, the headers and the body.
fn http(addr: &str, method: &str, path: &str, extra: &str) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .write_all(
            format!(
                "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // A chunked body is one chunk here: drop its framing.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.split_once("\r\n")
            .map(|(_, rest)| rest.rsplit_once("\r\n0\r\n").map_or(rest, |(b, _)| b))
            .unwrap_or(body)
            .to_owned()
    } else {
        body.to_owned()
    };
    (status, head.to_ascii_lowercase(), body)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

/// The value of the sample `line` starts with (`name{labels}`), if any.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn authed<T>(secret: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    request
}

#[tokio::test]
async fn probes_metrics_and_version_answer_with_real_http_codes() {
    let server = serve(&[
        "--db",
        ":memory:",
        "--scenario",
        &support::example("quickstart.yaml"),
    ]);
    let addr = server.addr.clone();

    let (status, head, body) = http(&addr, "GET", "/healthz", "");
    assert_eq!((status, json(&body)["status"].clone()), (200, "ok".into()));
    assert!(head.contains("content-type: application/json"), "{head}");
    let (status, _, body) = http(&addr, "GET", "/readyz", "");
    assert_eq!(
        (status, json(&body)["status"].clone()),
        (200, "ready".into())
    );
    let (status, _, body) = http(&addr, "GET", "/version", "");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["version"], env!("CARGO_PKG_VERSION"));
    assert!(json(&body)["commit"].is_string());

    // Wrong paths are HTTP errors, not 200 with a grpc-status header.
    let (status, _, body) = http(&addr, "GET", "/nowhere", "");
    assert_eq!(status, 404, "{body}");
    assert_eq!(json(&body)["path"], "/nowhere");
    let (status, head, _) = http(&addr, "GET", "/vpcsim.v1.VpcService/DescribeVpcEx", "");
    assert_eq!(status, 405);
    assert!(head.contains("allow: post"), "{head}");
    let (status, _, _) = http(
        &addr,
        "POST",
        "/vpcsim.v1.VpcService/DescribeVpcEx",
        "Content-Type: text/plain\r\n",
    );
    assert_eq!(status, 415);

    // Calls through two front ends, then the scrape counts them.
    let channel = channel(&addr).await;
    let mut vpcs = VpcServiceClient::new(channel.clone());
    vpcs.create_vpc(authed(
        "AKIDalice",
        proto::CreateVpcRequest {
            tags: Vec::new(),
            vpc_name: "metrics".into(),
            cidr_block: "10.77.0.0/16".into(),
        },
    ))
    .await
    .expect("create");
    let refused = vpcs
        .create_vpc(authed(
            "AKIDalice",
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: String::new(),
                cidr_block: "10.78.0.0/16".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    let (status, _, _) = http(
        &addr,
        "POST",
        "/",
        "Content-Type: application/json\r\nX-TC-Action: DescribeVpcs\r\n",
    );
    assert_eq!(status, 200);
    let mut admin = AdminServiceClient::new(channel);
    admin
        .set_rate_limit(Request::new(proto::SetRateLimitRequest {
            action: "DeleteVpc".into(),
            requests_per_second: 1,
        }))
        .await
        .expect("rate limit");
    for _ in 0..3 {
        let _ = vpcs
            .delete_vpc(authed(
                "AKIDalice",
                proto::DeleteVpcRequest {
                    vpc_id: "vpc-00000000".into(),
                },
            ))
            .await;
    }

    let (status, head, metrics) = http(&addr, "GET", "/metrics", "");
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let series = |s: &str| sample(&metrics, s).unwrap_or_else(|| panic!("no {s} in\n{metrics}"));
    assert_eq!(
        series(r#"vpcsim_calls_total{front_end="grpc",action="CreateVpc",code="Ok"}"#),
        1.0
    );
    assert_eq!(
        series(
            r#"vpcsim_calls_total{front_end="grpc",action="CreateVpc",code="InvalidParameterValue"}"#
        ),
        1.0
    );
    // API 3.0 answers errors with HTTP 200; they count by their code.
    assert_eq!(
        series(
            r#"vpcsim_calls_total{front_end="api3",action="DescribeVpcEx",code="AuthFailure.InvalidAuthorization"}"#
        ),
        1.0
    );
    assert_eq!(
        series(r#"vpcsim_calls_throttled_total{action="DeleteVpc"}"#),
        2.0
    );
    assert!(
        series(r#"vpcsim_call_duration_seconds_count{front_end="grpc",action="CreateVpc"}"#) >= 2.0
    );
    assert!(series("vpcsim_writer_batch_calls_count") >= 1.0);
    assert!(series("vpcsim_writer_commit_duration_seconds_count") >= 1.0);
    assert_eq!(series("vpcsim_writer_queue_depth"), 0.0);
    assert_eq!(series("vpcsim_calls_in_flight"), 1.0, "the scrape itself");
    assert_eq!(series("vpcsim_accounts"), 2.0);
    assert_eq!(series("vpcsim_vpcs"), 3.0);
    assert_eq!(series(r#"vpcsim_peerings{state="PENDING"}"#), 1.0);
    assert_eq!(series(r#"vpcsim_peerings{state="ACTIVE"}"#), 0.0);
    assert!(series(r#"vpcsim_database_file_bytes{file="database"}"#) > 0.0);
    assert!(
        metrics.contains(&format!(
            "vpcsim_build_info{{version=\"{}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{metrics}"
    );
    // No label names an id.
    assert!(!metrics.contains("vpc-"), "{metrics}");

    let (status, lines) = server.terminate();
    assert!(status.success());
    // Health checks and reflection log at debug: not at the default level.
    assert!(
        !lines.iter().any(|l| l.contains("\"action\":\"probe\"")),
        "probes logged at info"
    );
}

/// Adds a fault rule that delays DescribeVpcEx by `ms` before its work.
async fn delay_describes(admin: &mut AdminServiceClient<tonic::transport::Channel>, ms: i64) {
    admin
        .add_fault(Request::new(proto::AddFaultRequest {
            action: "DescribeVpcEx".into(),
            kind: proto::FaultKind::DelayBefore as i32,
            delay_ms: ms,
            ..Default::default()
        }))
        .await
        .expect("AddFault");
}

#[tokio::test]
async fn a_passed_deadline_and_an_abandoned_call_are_answered_and_logged() {
    let server = serve(&[
        "--db",
        ":memory:",
        "--scenario",
        &support::example("quickstart.yaml"),
    ]);
    let channel = channel(&server.addr).await;
    let mut admin = AdminServiceClient::new(channel.clone());
    delay_describes(&mut admin, 3000).await;
    let mut vpcs = VpcServiceClient::new(channel.clone());

    // The raw header, as any gRPC client sends its deadline.
    let mut request = authed("AKIDalice", proto::DescribeVpcExRequest::default());
    request
        .metadata_mut()
        .insert("grpc-timeout", "500m".parse().unwrap());
    let started = Instant::now();
    let status = vpcs.describe_vpc_ex(request).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        status.message().starts_with("DeadlineExceeded: "),
        "{status:?}"
    );
    let deadline_id = status
        .metadata()
        .get("x-request-id")
        .expect("x-request-id on a passed deadline")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(started.elapsed() < Duration::from_millis(2500));

    let (_, _, metrics) = http(&server.addr, "GET", "/metrics", "");
    assert_eq!(
        sample(
            &metrics,
            r#"vpcsim_faults_fired_total{action="DescribeVpcEx"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"vpcsim_calls_total{front_end="grpc",action="DescribeVpcEx",code="DeadlineExceeded"}"#
        ),
        Some(1.0),
        "{metrics}"
    );

    // A client that gives up without a deadline: the call is abandoned.
    let abandoned = tokio::time::timeout(
        Duration::from_millis(300),
        vpcs.describe_vpc_ex(authed("AKIDalice", proto::DescribeVpcExRequest::default())),
    )
    .await;
    assert!(abandoned.is_err(), "the call outlived its client");
    drop(vpcs);
    drop(admin);
    drop(channel);
    // The server sees the stream reset once the client is gone.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (status, lines) = server.terminate();
    assert!(status.success());
    let calls: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["message"] == "call" && e["action"] == "DescribeVpcEx")
        .collect();
    let deadline = calls
        .iter()
        .find(|c| c["request_id"] == deadline_id.as_str())
        .unwrap_or_else(|| panic!("no line for {deadline_id}: {calls:?}"));
    assert_eq!(deadline["outcome"], "deadline_exceeded", "{deadline}");
    assert_eq!(deadline["code"], "DeadlineExceeded", "{deadline}");
    assert!(
        calls
            .iter()
            .any(|c| c["status"] == "Cancelled" && c["outcome"] == "cancelled"),
        "no cancelled line in {calls:?}"
    );
}

/// A tmpfs of `bytes`, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: usize) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "this test mounts a small tmpfs to fill it (root, or CAP_SYS_ADMIN): mount failed"
        );
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

async fn health_of(channel: tonic::transport::Channel) -> i32 {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "vpcsim.v1.VpcService".into(),
        })
        .await
        .expect("health")
        .into_inner()
        .status
}

#[tokio::test]
async fn readiness_turns_503_while_the_disk_is_full_and_back_when_space_returns() {
    let disk = SmallDisk::mount(4 * 1024 * 1024);
    let db = disk.dir.path().join("vpcsim.db");
    let server = serve(&[
        "--db",
        db.to_str().unwrap(),
        "--scenario",
        &support::example("quickstart.yaml"),
    ]);
    let addr = server.addr.clone();
    let channel = channel(&addr).await;
    let mut vpcs = VpcServiceClient::new(channel.clone());
    assert_eq!(http(&addr, "GET", "/readyz", "").0, 200);

    // Fill the disk, leaving a little room, then write until a commit fails.
    let filler = disk.dir.path().join("filler");
    let free = {
        let out = std::process::Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(disk.dir.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse::<usize>().ok())
            .unwrap()
    };
    std::fs::write(&filler, vec![0u8; free.saturating_sub(64 * 1024)]).unwrap();
    let mut failed = None;
    for i in 0..2000 {
        let answer = vpcs
            .create_vpc(authed(
                "AKIDalice",
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: format!(
                        "filling-the-disk-with-a-long-name-{i:04}-{}",
                        "x".repeat(20)
                    ),
                    cidr_block: format!("10.{}.{}.0/24", 100 + i / 200, i % 200),
                },
            ))
            .await;
        match answer {
            Ok(_) => {}
            Err(status) if status.code() == Code::ResourceExhausted => {
                // The VPC quota: raise it and go on.
                AdminServiceClient::new(channel.clone())
                    .set_quota(Request::new(proto::SetQuotaRequest {
                        uin: "100001".into(),
                        region: String::new(),
                        quota_name: "appid-max-vpcs".into(),
                        limit: 100_000,
                    }))
                    .await
                    .expect("quota");
            }
            Err(status) => {
                failed = Some(status);
                break;
            }
        }
    }
    let failed = failed.expect("a write failed on the full disk");
    assert_eq!(failed.code(), Code::Internal, "{failed:?}");
    let (status, _, body) = http(&addr, "GET", "/readyz", "");
    assert_eq!(status, 503, "{body}");
    let cause = json(&body)["cause"].as_str().unwrap_or_default().to_owned();
    assert!(cause.starts_with("writes failing: "), "{cause}");
    assert!(cause.contains("full"), "{cause}");
    assert_eq!(http(&addr, "GET", "/healthz", "").0, 200, "still alive");
    assert_eq!(health_of(channel.clone()).await, 2, "NOT_SERVING");
    let (_, _, metrics) = http(&addr, "GET", "/metrics", "");
    assert!(
        sample(&metrics, "vpcsim_writer_failed_batches_total").unwrap_or(0.0) >= 1.0,
        "{metrics}"
    );
    assert!(
        sample(&metrics, r#"vpcsim_database_file_bytes{file="wal"}"#).is_some(),
        "{metrics}"
    );

    // Space returns; the next write succeeds, and readiness with it.
    std::fs::remove_file(&filler).unwrap();
    vpcs.create_vpc(authed(
        "AKIDalice",
        proto::CreateVpcRequest {
            tags: Vec::new(),
            vpc_name: "after".into(),
            cidr_block: "192.168.0.0/24".into(),
        },
    ))
    .await
    .expect("a write after space returned");
    let (status, _, body) = http(&addr, "GET", "/readyz", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(health_of(channel).await, 1, "SERVING");
    let (status, lines) = server.terminate();
    assert!(status.success());
    // Health checks log at debug, not at the default level.
    assert!(
        !lines.iter().any(|l| l.contains("\"action\":\"health\"")),
        "health checks logged at info"
    );
}
