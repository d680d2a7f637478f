//! The `vpcsim` binary as users run it: start-up, logs, refusal to expose
//! admin calls, graceful stop on SIGTERM.

mod support;

use std::time::{Duration, Instant};

use support::{channel, example, ok, run, serve};
use vpcsim::proto::{self, admin_service_client::AdminServiceClient};

#[tokio::test]
async fn serve_logs_one_json_line_per_call_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let server = serve(&["--db", db.to_str().unwrap()]);
    let serving = logged(&server, "vpcsim serving");
    assert_eq!(serving["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(serving["commit"], vpcsim::version::COMMIT);
    let channel = channel(&server.addr).await;
    let response = AdminServiceClient::new(channel)
        .create_account(proto::CreateAccountRequest {
            uin: "1".into(),
            name: "one".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let request_id = response
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    // Wait off the runtime, so the client's connection task can close.
    let (status, lines) = server.stop("TERM").await;
    assert!(status.success(), "exit status {status:?}");
    let call = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["message"] == "call")
        .expect("a call log line");
    assert_eq!(call["method"], "/vpcsim.v1.AdminService/CreateAccount");
    assert_eq!(call["caller"], "admin");
    assert_eq!(call["request_id"], request_id.as_str());
    assert_eq!(call["status"], "Ok");
    assert!(call["latency_us"].is_u64());
    assert!(db.exists(), "the database file was created");
}

#[test]
fn refuses_to_listen_beyond_loopback_without_an_admin_token() {
    let output = run(&["serve", "--listen", "0.0.0.0:0", "--db", ":memory:"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("admin token"), "{stderr}");
}

#[test]
fn bad_flags_are_reported() {
    let output = run(&["serve", "--region", "mars"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mars"), "{stderr}");
}

#[tokio::test]
async fn idle_connections_do_not_hold_shutdown_past_the_grace_period() {
    let server = serve(&["--db", ":memory:", "--shutdown-grace", "1"]);
    // A client that connects and then says nothing...
    let _silent = std::net::TcpStream::connect(&server.addr).expect("connect");
    // ...and a gRPC client whose HTTP/2 connection stays open, idle.
    let channel = channel(&server.addr).await;
    AdminServiceClient::new(channel.clone())
        .describe_accounts(proto::DescribeAccountsRequest {})
        .await
        .unwrap();
    // No pause needed: the answer means both connections are open in the
    // server, the silent one accepted first, as it was connected first.
    let started = Instant::now();
    let (status, _) = server.stop("TERM").await;
    assert!(status.success(), "exit status {status:?}");
    // The grace period is 1 s; anything near 10 s means a connection held it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    drop(channel);
}

#[tokio::test]
async fn memory_database_serves_a_throwaway_state() {
    let server = serve(&["--db", ":memory:"]);
    let channel = channel(&server.addr).await;
    let mut admin = AdminServiceClient::new(channel);
    admin
        .create_account(proto::CreateAccountRequest {
            uin: "7".into(),
            name: "seven".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let accounts = admin
        .describe_accounts(proto::DescribeAccountsRequest {})
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert_eq!(accounts.len(), 1);
    drop(admin);
    let (status, _) = server.stop("TERM").await;
    assert!(status.success());
}

#[test]
fn seed_and_dump_through_a_running_server() {
    let server = serve(&["--db", ":memory:", "--scenario", &example("expiry.yaml")]);
    let dumped = ok(run(&["dump", "--server", &server.addr]));
    assert!(
        dumped.contains("pcx-expire02"),
        "the start scenario is loaded"
    );
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--server",
        &server.addr,
    ]));
    let dumped = run(&["dump", "--server", &server.addr, "--format", "json"]);
    let text = String::from_utf8_lossy(&dumped.stdout);
    assert!(
        text.contains("pcx-quick001") && text.contains("pcx-expire02"),
        "{text}"
    );
    assert!(text.contains("\"clock\""), "{text}");
    let unclocked = run(&["dump", "--server", &server.addr, "--no-clock"]);
    let text = String::from_utf8_lossy(&unclocked.stdout);
    assert!(
        text.contains("pcx-quick001") && !text.contains("clock"),
        "{text}"
    );
    // Drawn from the server's dump, states on the server's clock, which the
    // drawing reads even when it leaves the clock out.
    let dot = ok(run(&[
        "dump",
        "--server",
        &server.addr,
        "--format",
        "dot",
        "--no-clock",
    ]));
    for drawn in [
        "subgraph cluster_400001 {",
        "subgraph cluster_100002_ap_guangzhou {",
        "label=\"pcx-expire01 PENDING\\ncross-account\", color=\"#d97706\"",
        "label=\"pcx-expire02 EXPIRED\\ncross-account\", color=\"#6b7280\"",
        "pcx-quick001 PENDING",
    ] {
        assert!(dot.contains(drawn), "{drawn} not in\n{dot}");
    }
    assert!(!dot.contains("clock"), "{dot}");
    let mermaid = ok(run(&[
        "dump",
        "--server",
        &server.addr,
        "--format",
        "mermaid",
    ]));
    assert!(
        mermaid.starts_with("flowchart LR\n  %% clock: 2026-03-01 "),
        "{mermaid}"
    );
    // Errors come back with the file's name and line.
    let bad = run(&[
        "seed",
        &example("quickstart.yaml"),
        "--server",
        &server.addr,
    ]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("quickstart.yaml:8:10: accounts[0].uin: account 100001 already exists"),
        "{stderr}"
    );
    let (status, _) = server.terminate();
    assert!(status.success());
}

/// Bob accepts quickstart.yaml's `pcx-quick001` through gRPC.
async fn bob_accepts_the_quickstart_request(addr: &str) {
    let mut bob =
        vpcsim::proto::peering_service_client::PeeringServiceClient::new(channel(addr).await);
    let mut accept = tonic::Request::new(proto::AcceptVpcPeeringConnectionRequest {
        peering_connection_id: "pcx-quick001".into(),
    });
    accept
        .metadata_mut()
        .insert("authorization", "Bearer AKIDbob".parse().unwrap());
    bob.accept_vpc_peering_connection(accept).await.unwrap();
}

#[tokio::test]
async fn a_running_server_owns_its_database_and_a_crashed_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("owned.db");
    let db = db.to_str().unwrap();
    let server = serve(&["--db", db]);
    let addr = server.addr.clone();

    // Writers beside the server are refused at once, naming where to go.
    for args in [
        vec!["seed", &example("quickstart.yaml"), "--db", db],
        vec!["serve", "--listen", "127.0.0.1:0", "--db", db],
        vec!["serve", "--listen", "127.0.0.1:0", "--db", db, "--reset"],
    ] {
        let refused = run(&args);
        assert!(!refused.status.success(), "{args:?} was let in");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!("in use by a vpcsim server at {addr}"))
                && stderr.contains(&format!("--server {addr}")),
            "{args:?}: {stderr}"
        );
    }

    // Through the server, the same scenario goes in, and the server's own
    // state knows every row: Bob accepts the request.
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--server",
        &addr,
    ]));
    bob_accepts_the_quickstart_request(&addr).await;

    // Readers are welcome beside it, and see the committed state.
    let text = ok(run(&["dump", "--db", db]));
    assert!(
        text.contains("pcx-quick001") && text.contains("ACTIVE"),
        "{text}"
    );
    let checked = run(&["check", "--db", db]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );

    // A server killed outright leaves its lock file, but not its lock.
    server.kill();
    assert!(std::path::Path::new(&format!("{db}.lock")).exists());
    ok(run(&[
        "seed",
        &example("expiry.yaml"),
        "--db",
        db,
        "--replace",
    ]));
    let restarted = serve(&["--db", db]);
    let (status, _) = restarted.stop("TERM").await;
    assert!(status.success());
}

#[test]
fn listen_takes_a_host_name() {
    let server = serve(&["--db", ":memory:", "--listen", "localhost:0"]);
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    assert!(addr.ip().is_loopback(), "{addr}");
    let (status, _) = server.terminate();
    assert!(status.success());
    let bad = run(&[
        "serve",
        "--db",
        ":memory:",
        "--listen",
        "no-such-host.invalid:1",
    ]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("cannot listen on no-such-host.invalid:1"),
        "{stderr}"
    );
}

#[test]
fn seed_through_a_server_puts_entries_in_the_region_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, uin: &str| {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!(
                "accounts:\n  - {{uin: {uin}, name: a{uin}}}\n\
                 vpcs:\n  - {{uin: {uin}, vpc_name: v, cidr_block: 10.0.0.0/16, un_vpc_id: vpc-r{uin}0000}}\n"
            ),
        )
        .unwrap();
        file.to_str().unwrap().to_owned()
    };
    let server = serve(&["--db", ":memory:", "--region", "ap-beijing"]);
    let asked = write("asked.yaml", "101");
    let defaulted = write("defaulted.yaml", "102");
    for args in [
        vec![
            "seed",
            &asked,
            "--server",
            &server.addr,
            "--region",
            "ap-shanghai",
        ],
        vec!["seed", &defaulted, "--server", &server.addr],
    ] {
        ok(run(&args));
    }
    let bad = run(&["seed", &asked, "--server", &server.addr, "--region", "mars"]);
    assert!(!bad.status.success());
    let dumped = ok(run(&["dump", "--server", &server.addr, "--format", "json"]));
    let dump: serde_json::Value = serde_json::from_str(&dumped).unwrap();
    let region_of = |id: &str| {
        dump["vpcs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["un_vpc_id"] == id)
            .map(|v| v["region"].clone())
    };
    assert_eq!(region_of("vpc-r1010000"), Some("ap-shanghai".into()));
    assert_eq!(region_of("vpc-r1020000"), Some("ap-beijing".into()));
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[tokio::test]
async fn keep_state_loads_the_scenario_only_into_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("backend.db");
    let db = db.to_str().unwrap();
    let quickstart = example("quickstart.yaml");
    let start = [
        "--db",
        db,
        "--scenario",
        quickstart.as_str(),
        "--keep-state",
    ];
    // First start: the database is empty, so the scenario goes in.
    let server = serve(&start);
    bob_accepts_the_quickstart_request(&server.addr).await;
    let (status, _) = server.stop("TERM").await;
    assert!(status.success());

    // Restarted the same way: the state it had is kept, not reloaded.
    let server = serve(&start);
    let dumped = run(&["dump", "--server", &server.addr]);
    let text = String::from_utf8_lossy(&dumped.stdout);
    assert!(
        text.contains("state: ACTIVE") && !text.contains("PENDING"),
        "{text}"
    );
    let (status, _) = server.stop("TERM").await;
    assert!(status.success());

    // Without it, a scenario over existing state is refused, naming both ways out.
    let refused = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db,
        "--scenario",
        &quickstart,
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--keep-state") && stderr.contains("--reset"),
        "{stderr}"
    );
}

#[test]
fn a_refused_admin_call_says_how_to_pass_the_admin_token() {
    let example = example("quickstart.yaml");
    let server = serve(&["--db", ":memory:", "--admin-token", "s3cret"]);
    let run = |args: &[&str], token: Option<&str>| {
        let mut command = support::command(args);
        if let Some(token) = token {
            command.env("VPCSIM_ADMIN_TOKEN", token);
        }
        command.output().expect("run vpcsim")
    };
    for (args, token) in [
        (vec!["seed", &example, "--server", &server.addr], None),
        (vec!["dump", "--server", &server.addr], None),
        (vec!["dump", "--server", &server.addr], Some("wrong")),
    ] {
        let output = run(&args, token);
        assert!(!output.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("admin token")
                && stderr.contains("hint: ")
                && stderr.contains("--admin-token")
                && stderr.contains("VPCSIM_ADMIN_TOKEN"),
            "{args:?}: {stderr}"
        );
    }
    ok(run(&["dump", "--server", &server.addr], Some("s3cret")));
}

#[tokio::test]
async fn a_request_that_is_not_the_methods_message_is_refused_and_logged() {
    let server = serve(&["--db", ":memory:"]);
    let channel = channel(&server.addr).await;
    // SetQuotaRequest's field 4 is a number; CreateAccountRequest's field 4
    // (secret_id) is a string, so these bytes are no CreateAccountRequest.
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let status = grpc
        .unary(
            tonic::Request::new(proto::SetQuotaRequest {
                limit: 5,
                ..Default::default()
            }),
            http::uri::PathAndQuery::from_static("/vpcsim.v1.AdminService/CreateAccount"),
            tonic_prost::ProstCodec::<proto::SetQuotaRequest, proto::CreateAccountResponse>::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().starts_with(
            "InvalidParameter: the request is not a valid protobuf message: field secret_id: "
        ),
        "{status:?}"
    );
    let request_id = status
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    drop(grpc);
    let (_, lines) = server.stop("TERM").await;
    let events: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["request_id"] == request_id.as_str())
        .collect();
    let refused = events
        .iter()
        .find(|e| e["message"] == "request refused before its handler")
        .unwrap_or_else(|| panic!("no log line for the refusal: {events:?}"));
    assert_eq!(refused["level"], "WARN");
    assert_eq!(refused["method"], "/vpcsim.v1.AdminService/CreateAccount");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("CreateAccountRequest.secret_id")),
        "{refused}"
    );
    let call = events.iter().find(|e| e["message"] == "call").unwrap();
    assert_eq!(call["status"], "InvalidArgument");
}

#[test]
fn bench_runs_the_api3_create_workload_without_errors() {
    let out = ok(run(&[
        "bench",
        "--workload",
        "api3-create",
        "--clients",
        "2",
        "--duration",
        "0.3",
        "--warmup",
        "0.1",
        "--json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).expect("a JSON report");
    let rows = report["rows"].as_array().expect("rows");
    let row = rows
        .iter()
        .find(|r| r["workload"] == "api3-create")
        .expect("an api3-create row");
    assert!(row["ops"].as_u64().unwrap() > 0, "{row}");
    assert_eq!(row["errors"], 0, "{row}");
    assert_eq!(row["exhausted_clients"], 0, "{row}");
    assert!(row["ratio_to_baseline"].as_f64().unwrap() > 0.0, "{row}");
}

/// The start-up line whose message is `message`.
fn logged<'a>(server: &'a support::Server, message: &str) -> &'a serde_json::Value {
    server
        .startup
        .iter()
        .find(|e| e["message"] == message)
        .unwrap_or_else(|| panic!("no {message:?} line in {:?}", server.startup))
}

/// A health check over TLS to `addr`, trusting `cert_pem`, as `localhost`.
async fn health_over_tls(addr: &str, cert_pem: &str) -> i32 {
    use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};
    let port = addr.rsplit(':').next().expect("port");
    let channel = Endpoint::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(cert_pem)))
        .unwrap()
        .connect()
        .await
        .expect("connect over TLS");
    tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health over TLS")
        .into_inner()
        .status
}

#[tokio::test]
async fn tls_self_signed_writes_a_certificate_once_and_keeps_it_across_restarts() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let certs_arg = certs.to_str().unwrap();
    let cert_path = certs.join("cert.pem");
    let args = ["--db", ":memory:", "--tls-self-signed", certs_arg];

    let server = serve(&args);
    assert_eq!(logged(&server, "vpcsim serving")["tls"], true);
    let wrote = logged(&server, "wrote a self-signed certificate");
    assert_eq!(wrote["cert"], cert_path.to_str().unwrap());
    assert_eq!(wrote["names"], "localhost,127.0.0.1,::1");
    let hint = logged(&server, "serving TLS only: https:// and gRPC over TLS")["hint"]
        .as_str()
        .expect("a hint")
        .to_owned();
    assert!(
        hint.contains(&format!("SSL_CERT_FILE={}", cert_path.display())),
        "{hint}"
    );
    let first = std::fs::read_to_string(&cert_path).unwrap();
    let key_mode = std::fs::metadata(certs.join("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(key_mode & 0o777, 0o600);
    let serving = tonic_health::pb::health_check_response::ServingStatus::Serving as i32;
    assert_eq!(health_over_tls(&server.addr, &first).await, serving);
    let (status, _) = server.stop("TERM").await;
    assert!(status.success());

    // Restarted with the same names: the same certificate, so what clients
    // were told to trust still holds.
    let server = serve(&args);
    logged(&server, "reusing the self-signed certificate");
    assert_eq!(std::fs::read_to_string(&cert_path).unwrap(), first);
    assert_eq!(health_over_tls(&server.addr, &first).await, serving);
    drop(server);

    // A name it lacks: a new certificate, holding it too.
    let server = serve(&[&args[..], &["--tls-name", "vpcsim.test"]].concat());
    logged(&server, "replacing the self-signed certificate");
    let second = std::fs::read_to_string(&cert_path).unwrap();
    assert_ne!(second, first);
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let der = CertificateDer::from_pem_slice(second.as_bytes()).unwrap();
    assert!(der.windows(11).any(|w| w == b"vpcsim.test"));
    assert_eq!(health_over_tls(&server.addr, &second).await, serving);
}

#[test]
fn tls_flags_and_files_are_checked_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-cert.pem");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let base = ["serve", "--db", ":memory:", "--listen", "127.0.0.1:0"];
    let fails = |args: &[&str], needle: &str| {
        let output = run(&[&base[..], args].concat());
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    let missing = missing.to_str().unwrap();
    let not_pem = not_pem.to_str().unwrap();
    fails(
        &["--tls-cert", missing, "--tls-key", not_pem],
        &format!("reading the TLS certificate {missing}"),
    );
    fails(
        &["--tls-cert", not_pem, "--tls-key", not_pem],
        "holds no PEM CERTIFICATE block",
    );
    fails(&["--tls-cert", not_pem], "--tls-key");
    fails(&["--tls-key", not_pem], "--tls-cert");
    fails(&["--tls-name", "vpcsim.test"], "--tls-self-signed");
    fails(
        &[
            "--tls-self-signed",
            "d",
            "--tls-cert",
            not_pem,
            "--tls-key",
            not_pem,
        ],
        "cannot be used with",
    );
    let certs = dir.path().join("certs");
    fails(
        &[
            "--tls-self-signed",
            certs.to_str().unwrap(),
            "--tls-name",
            "no such name!",
        ],
        "neither a DNS name nor an IP address",
    );
}

#[test]
fn seed_and_dump_reach_a_server_that_serves_tls() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let server = serve(&[
        "--db",
        ":memory:",
        "--tls-self-signed",
        certs.to_str().unwrap(),
    ]);
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let cert = certs.join("cert.pem");
    let cert = cert.to_str().unwrap();
    let https = format!("https://localhost:{port}");
    let plain = format!("localhost:{port}");

    // An https address, or --ca-cert alone, reaches it.
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--server",
        &https,
        "--ca-cert",
        cert,
    ]));
    let dumped = ok(run(&["dump", "--server", &plain, "--ca-cert", cert]));
    assert!(dumped.contains("pcx-quick001"));

    // Without the certificate: told what to pass, not a TLS trace.
    let refused = run(&["dump", "--server", &https]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--ca-cert"), "{stderr}");
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn http_api_calls_are_logged_by_action_with_their_error() {
    use std::io::{Read, Write};
    let server = serve(&["--db", ":memory:"]);
    let send = |raw: String| {
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    };
    let host = server.addr.clone();
    send(format!(
        "GET /v2/index.php?Action=DescribeVpcEx&Region=gz&SecretId=AKIDnobody&Signature=x \
         HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    ));
    send(format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-TC-Action: DescribeVpcs\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    ));
    let (status, lines) = server.terminate();
    assert!(status.success());
    let calls: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["message"] == "call")
        .collect();
    let logged = |method: &str| {
        calls
            .iter()
            .find(|c| c["method"] == method)
            .unwrap_or_else(|| panic!("no {method} line in {calls:?}"))
    };
    // An HTTP API's error travels in a 200 answer: the line says so the
    // way every front end's does, `outcome=error` and the table's code.
    for (method, code) in [
        ("legacy/DescribeVpcEx", "AuthFailure.SecretIdNotFound"),
        ("api3/DescribeVpcs", "AuthFailure.InvalidAuthorization"),
    ] {
        let line = logged(method);
        assert_eq!(line["outcome"], "error", "{line}");
        assert_eq!(line["code"], code, "{line}");
    }
}

#[test]
fn a_bad_rate_limit_is_reported_before_serving() {
    let output = run(&[
        "serve",
        "--db",
        ":memory:",
        "--rate-limit",
        "CreateSecurityGroup=5",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("CreateSecurityGroup"), "{stderr}");
    let output = run(&["serve", "--db", ":memory:", "--rate-limit", "fast"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ACTION=N"), "{stderr}");
}

/// A fault rule from a scenario file fires, and the log names the rule and
/// the request; `--rate-limit` throttles the second call within a second.
#[tokio::test]
async fn fault_rules_and_rate_limits_reach_the_log_and_the_caller() {
    let server = serve(&[
        "--db",
        ":memory:",
        "--scenario",
        &example("flaky.yaml"),
        "--rate-limit",
        "DescribeVpcEx=1",
    ]);
    let channel = channel(&server.addr).await;
    let mut peering =
        vpcsim::proto::peering_service_client::PeeringServiceClient::new(channel.clone());
    let lost = peering
        .create_vpc_peering_connection(as_alice(proto::CreateVpcPeeringConnectionRequest {
            vpc_id: "gz_vpc_1".into(),
            peer_vpc_id: "gz_vpc_2".into(),
            peer_uin: "100002".into(),
            peering_connection_name: "lost".into(),
            peer_region: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(lost.code(), tonic::Code::Internal, "{lost:?}");
    let request_id = lost
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let mut vpcs = vpcsim::proto::vpc_service_client::VpcServiceClient::new(channel);
    vpcs.describe_vpc_ex(as_alice(proto::DescribeVpcExRequest::default()))
        .await
        .unwrap();
    let throttled = vpcs
        .describe_vpc_ex(as_alice(proto::DescribeVpcExRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(
        throttled.code(),
        tonic::Code::ResourceExhausted,
        "{throttled:?}"
    );
    assert!(throttled.message().starts_with("RequestLimitExceeded: "));
    let (status, lines) = server.stop("TERM").await;
    assert!(status.success());
    let injected = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["message"] == "fault injected")
        .expect("a fault injected line");
    assert_eq!(injected["fault_id"], "lost-create");
    assert_eq!(injected["request_id"], request_id.as_str());
    assert_eq!(injected["effect"], "InternalError");
}

/// `message` from alice (`AKIDalice`).
fn as_alice<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", "Bearer AKIDalice".parse().unwrap());
    request
}

#[test]
fn health_exits_zero_only_while_a_server_serves() {
    let server = serve(&["--db", ":memory:"]);
    let answered = ok(run(&["health", "--server", &server.addr]));
    assert_eq!(answered.trim(), format!("{}: SERVING", server.addr));
    // With no --server, where `serve` would listen under the same
    // environment: every interface reads as loopback.
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let by_env = support::command(&["health"])
        .env("VPCSIM_LISTEN", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(
        by_env.status.success(),
        "{}",
        String::from_utf8_lossy(&by_env.stderr)
    );
    let (status, _) = server.terminate();
    assert!(status.success());
    let gone = run(&[
        "health",
        "--server",
        &format!("127.0.0.1:{port}"),
        "--timeout",
        "2",
    ]);
    assert_eq!(gone.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(stderr.contains("cannot reach vpcsim"), "{stderr}");
}

#[test]
fn health_wait_asks_until_a_server_serves() {
    // Nobody listens yet: --wait keeps asking, then gives up with the cause.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let started = Instant::now();
    let gone = run(&["health", "--server", &addr, "--wait", "0.5"]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("cannot reach vpcsim"));
    // A server that starts while it waits.
    let mut waiting = support::command(&["health", "--server", &addr, "--wait", "30"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = serve(&["--db", ":memory:", "--listen", &addr]);
    let status = waiting.wait().unwrap();
    assert!(status.success());
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn the_admin_token_can_come_from_a_secret_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("token");
    std::fs::write(&secret, "  from-a-file\n").unwrap();
    let secret = secret.to_str().unwrap();
    let server = serve(&["--db", ":memory:", "--admin-token-file", secret]);
    let dump = |token: &str| {
        support::command(&["dump", "--server", &server.addr])
            .env("VPCSIM_ADMIN_TOKEN", token)
            .output()
            .unwrap()
    };
    assert!(
        dump("from-a-file").status.success(),
        "the file's token, trimmed"
    );
    assert!(!dump("wrong").status.success());
    let (status, _) = server.terminate();
    assert!(status.success());

    // A token file that gives no token stops the start, naming the file.
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let missing = dir.path().join("missing");
    for (file, says) in [
        (&empty, "is empty"),
        (&missing, "reading the admin token file"),
    ] {
        let output = run(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--admin-token-file",
            file.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
    // With a token from a file, listening beyond loopback is allowed.
    let exposed = support::command(&[
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--db",
        ":memory:",
        "--admin-token-file",
        secret,
        "--log-format",
        "json",
    ]);
    let server = support::Server::start(&mut { exposed });
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn version_names_the_commit_and_the_build_date() {
    for flag in ["--version", "-V"] {
        let out = ok(run(&[flag]));
        // vpcsim 0.1.0 (commit 1a2b3c4d5e6f, built 2026-12-06)
        let rest = out
            .trim_end()
            .strip_prefix(&format!("vpcsim {} (commit ", env!("CARGO_PKG_VERSION")))
            .unwrap_or_else(|| panic!("{out}"));
        let (commit, rest) = rest
            .split_once(", built ")
            .unwrap_or_else(|| panic!("{out}"));
        assert!(
            commit == "unknown"
                || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{out}"
        );
        let date = rest.strip_suffix(')').unwrap_or_else(|| panic!("{out}"));
        let parts: Vec<&str> = date.split('-').collect();
        assert!(
            parts.len() == 3
                && [4, 2, 2]
                    .iter()
                    .zip(&parts)
                    .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit())),
            "{out}"
        );
    }
}

/// A TCP listener that accepts every connection and closes it at once, as
/// a server that stops (or crashes) in the middle of a call; its address.
fn closing_listener() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    addr
}

#[test]
fn a_server_that_closes_the_connection_mid_load_is_named_with_what_to_do() {
    let addr = closing_listener();
    let seeded = run(&["seed", &example("quickstart.yaml"), "--server", &addr]);
    assert!(!seeded.status.success());
    let stderr = String::from_utf8_lossy(&seeded.stderr);
    assert!(
        stderr.contains(&format!("{addr} closed the connection during the load"))
            && stderr.contains("may or may not have been loaded")
            && stderr.contains("server's log")
            && stderr.contains(&format!("vpcsim dump --server {addr}"))
            && stderr.contains("seed again")
            && !stderr.contains("vpcsim: transport error"),
        "{stderr}"
    );
    // A dump changes nothing: no word of a load, only where to look.
    let dumped = run(&["dump", "--server", &addr]);
    assert!(!dumped.status.success());
    let stderr = String::from_utf8_lossy(&dumped.stderr);
    assert!(
        stderr.contains(&format!("{addr} closed the connection before it answered"))
            && !stderr.contains("load"),
        "{stderr}"
    );
}

#[test]
fn plain_grpc_to_a_server_that_serves_tls_says_to_use_https_and_ca_cert() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let server = serve(&[
        "--db",
        ":memory:",
        "--tls-self-signed",
        certs.to_str().unwrap(),
    ]);
    for args in [
        vec!["dump", "--server", &server.addr],
        vec![
            "seed",
            &example("quickstart.yaml"),
            "--server",
            &server.addr,
        ],
    ] {
        let refused = run(&args);
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!("{} did not answer plain gRPC", server.addr))
                && stderr.contains("serves TLS")
                && stderr.contains(&format!("https://{}", server.addr))
                && stderr.contains("--ca-cert")
                && !stderr.contains("operation was canceled"),
            "{args:?}: {stderr}"
        );
    }
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn a_seed_into_a_file_on_a_full_disk_prints_the_cause_not_the_server_log() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("big.yaml");
    let text = ok(run(&[
        "generate",
        "--accounts",
        "50",
        "--vpcs-per-account",
        "20",
        "--peerings",
        "2000",
    ]));
    std::fs::write(&scenario, text).unwrap();
    let db = dir.path().join("full.db");
    // The file may grow to 800 KiB: enough for the schema, not for the
    // scenario (about 850 KiB), so the load's commit fails as on a full
    // disk. SIGXFSZ ignored: a write past the limit fails (EFBIG) instead
    // of killing vpcsim.
    let mut seed = support::command(&[
        "seed",
        scenario.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    unsafe {
        seed.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 800 * 1024,
                rlim_max: 800 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let output = seed.output().expect("run vpcsim");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr
        .lines()
        .find(|l| l.starts_with("vpcsim: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        message.starts_with(&format!(
            "vpcsim: writing the database {} failed: ",
            db.display()
        )) && (message.contains("disk I/O error") || message.contains("disk is full"))
            && message.contains("nothing was seeded"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: the disk") && stderr.contains("--db PATH"),
        "{stderr}"
    );
    assert!(!stderr.contains("see the server log"), "{stderr}");
    assert!(!db.exists(), "the new file is removed");
}

#[test]
fn a_port_in_use_is_named_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let refused = run(&["serve", "--listen", &addr, "--db", ":memory:"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}: ")),
        "{stderr}"
    );
    assert_eq!(stderr.matches(&addr).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("(os error").count(), 1, "{stderr}");
}

#[test]
fn a_database_that_cannot_be_written_says_why_once() {
    // /proc takes no new files, even from root.
    let db = "/proc/vpcsim.db";
    for args in [
        vec!["seed", &example("quickstart.yaml"), "--db", db],
        vec!["serve", "--listen", "127.0.0.1:0", "--db", db],
    ] {
        let refused = run(&args);
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        let message = stderr
            .lines()
            .find(|l| l.starts_with("vpcsim: "))
            .unwrap_or_else(|| panic!("{stderr}"));
        assert!(message.contains(db), "{message}");
        assert_eq!(message.matches("(os error").count(), 1, "{message}");
        // No part of the message follows itself.
        let parts: Vec<&str> = message.split(": ").collect();
        assert!(parts.windows(2).all(|w| w[0] != w[1]), "{message}");
    }
}
