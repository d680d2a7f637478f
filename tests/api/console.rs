//! The web console's server side (`serve --ui`): off unless enabled, the
//! page and its files, the topology it draws, the live stream of events
//! and calls, the controls' JSON bridge to AdminService, and who may use
//! any of it. The page itself is tested in a real browser by `.ci/run`
//! (tests/compat/console).

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tonic_types::StatusExt;
use vpcsim::proto;

use crate::helpers::*;

async fn console(options: Options) -> TestApp {
    TestApp::spawn_with(Options {
        ui: true,
        ..options
    })
    .await
}

/// An answer: status, headers and body.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

async fn send(app: &TestApp, request: http::Request<Full<Bytes>>) -> Answer {
    let stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> http::Request<Full<Bytes>> {
    let mut builder = http::Request::builder().method(method).uri(path);
    if !headers.iter().any(|(name, _)| *name == "host") {
        builder = builder.header("host", "127.0.0.1");
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

async fn get(app: &TestApp, path: &str) -> Answer {
    send(app, request("GET", path, &[], "")).await
}

/// A control, as the page sends it.
async fn control(app: &TestApp, method: &str, body: Value) -> Answer {
    let path = format!("/ui/api/admin/{method}");
    let headers = [
        ("content-type", "application/json"),
        ("origin", &format!("http://{}", "127.0.0.1")),
    ];
    send(app, request("POST", &path, &headers, &body.to_string())).await
}

/// The console's live stream, read message by message.
struct Stream {
    body: hyper::body::Incoming,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp) -> Stream {
        Self::open_with(app, &[]).await
    }

    /// Opens the stream with `headers` (EventSource's `Last-Event-ID`).
    async fn open_with(app: &TestApp, headers: &[(&str, &str)]) -> Stream {
        let stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let response = sender
            .send_request(request("GET", "/ui/api/stream", headers, ""))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "server-sent events"
        );
        let mut stream = Stream {
            body: response.into_body(),
            buffer: String::new(),
        };
        // The first message says the stream is open.
        let first = stream.next_message().await;
        assert_eq!(first, ": connected");
        stream
    }

    /// The next message (the text up to a blank line).
    async fn next_message(&mut self) -> String {
        loop {
            if let Some((message, rest)) = self.buffer.split_once("\n\n") {
                let message = message.to_owned();
                self.buffer = rest.to_owned();
                return message;
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), self.body.frame())
                .await
                .expect("the stream sends within 10 s")
                .expect("the stream is open")
                .expect("a frame");
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// The next message with data: its kind (`event` or `call`) and its
    /// data as JSON. Comments are skipped.
    async fn next_parsed(&mut self) -> (String, Value) {
        loop {
            let message = self.next_message().await;
            let mut event = None;
            let mut data = None;
            for line in message.lines() {
                if let Some(value) = line.strip_prefix("event: ") {
                    event = Some(value.to_owned());
                }
                if let Some(value) = line.strip_prefix("data: ") {
                    data = Some(value.to_owned());
                }
            }
            if let (Some(event), Some(data)) = (event, data) {
                return (event, serde_json::from_str(&data).unwrap());
            }
        }
    }

    /// The first event and the first call that each test accepts, which
    /// travel apart and may come in either order; the rest are skipped.
    async fn event_and_call(
        &mut self,
        event_wanted: impl Fn(&Value) -> bool,
        call_wanted: impl Fn(&Value) -> bool,
    ) -> (Value, Value) {
        let (mut event, mut call) = (None, None);
        while event.is_none() || call.is_none() {
            let (kind, value) = self.next_parsed().await;
            match kind.as_str() {
                "event" if event.is_none() && event_wanted(&value) => event = Some(value),
                "call" if call.is_none() && call_wanted(&value) => call = Some(value),
                _ => {}
            }
        }
        (event.unwrap(), call.unwrap())
    }

    /// The next message of `kind` that `wanted` accepts; earlier ones are
    /// skipped.
    async fn until(&mut self, kind: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let (event, value) = self.next_parsed().await;
            if event == kind && wanted(&value) {
                return value;
            }
        }
    }
}

#[tokio::test]
async fn the_console_is_off_unless_enabled() {
    let app = TestApp::spawn().await;
    for path in [
        "/ui",
        "/ui/api/topology",
        "/ui/api/stream",
        "/ui/assets/app.js",
    ] {
        assert_eq!(get(&app, path).await.status, 404, "{path}");
    }
    let answer = control(&app, "Reset", json!({})).await;
    assert_eq!(answer.status, 404);
    app.stop().await;
}

#[tokio::test]
async fn the_page_and_its_files_come_from_the_binary_with_a_strict_policy() {
    let app = console(Options::default()).await;
    let page = get(&app, "/ui").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains("/ui/assets/app.js"), "{}", page.body);
    let policy = page.header("content-security-policy");
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    for (file, kind) in [("app.js", "text/javascript"), ("app.css", "text/css")] {
        let answer = get(&app, &format!("/ui/assets/{file}")).await;
        assert_eq!(answer.status, 200, "{file}");
        assert!(answer.header("content-type").starts_with(kind), "{file}");
        let built = std::fs::read_to_string(format!(
            "{}/ui/dist/assets/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(answer.body, built, "{file} is the built file");
    }
    let missing = get(&app, "/ui/assets/..%2Fmain.rs").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "ResourceNotFound");
    app.stop().await;
}

#[tokio::test]
async fn the_topology_shows_the_state_and_never_a_secret() {
    let app = console(Options::default()).await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc_in(&bob, "ap-shanghai", "10.1.0.0/16").await;
    let peering = app
        .peering()
        .create_vpc_peering_connection(authed(
            &alice,
            proto::CreateVpcPeeringConnectionRequest {
                vpc_id: web.un_vpc_id.clone(),
                peer_vpc_id: db.un_vpc_id.clone(),
                peer_uin: "100002".into(),
                peering_connection_name: "web-db".into(),
                peer_region: Some("ap-shanghai".into()),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .peering_connection
        .unwrap();
    let answer = get(&app, "/ui/api/topology").await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .starts_with("application/json")
    );
    let topology = answer.json();
    // In creation order, then by id: both were made within one second.
    let mut vpcs: Vec<&str> = topology["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    vpcs.sort();
    let mut made = [web.un_vpc_id.as_str(), db.un_vpc_id.as_str()];
    made.sort();
    assert_eq!(vpcs, made);
    let edge = &topology["peerings"][0];
    assert_eq!(edge["id"], peering.peering_connection_id);
    assert_eq!(edge["state"], "PENDING");
    assert_eq!(edge["cross_account"], true);
    assert_eq!(edge["cross_region"], true);
    assert_eq!(edge["expires_in_secs"], 7 * 24 * 3600);
    assert_eq!(topology["groups"].as_array().unwrap().len(), 2);
    // The accounts' SecretIds and generated SecretKeys appear nowhere.
    let accounts = app
        .admin()
        .describe_accounts(app.admin_req(proto::DescribeAccountsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accounts.accounts.len(), 2);
    for account in &accounts.accounts {
        assert!(!account.secret_id.is_empty());
        assert!(
            !answer.body.contains(&account.secret_id),
            "a SecretId is served"
        );
    }
    assert!(
        !answer.body.to_lowercase().contains("secret"),
        "{}",
        answer.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_stream_carries_each_change_and_each_call_with_its_request_id() {
    let app = console(Options::default()).await;
    app.admin()
        .create_account(app.admin_req(proto::CreateAccountRequest {
            uin: "100001".into(),
            name: "alice".into(),
            secret_id: "AKID100001".into(),
            secret_key: "key-100001".into(),
            ..Default::default()
        }))
        .await
        .unwrap();
    let alice = String::from("AKID100001");
    let mut stream = Stream::open(&app).await;
    let created = app
        .vpcs()
        .create_vpc(authed(
            &alice,
            proto::CreateVpcRequest {
                vpc_name: "web".into(),
                cidr_block: "10.0.0.0/16".into(),
                tags: Vec::new(),
            },
        ))
        .await
        .unwrap();
    let request_id = created
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let vpc_id = created.into_inner().vpc.unwrap().un_vpc_id;
    let (event, call) = stream
        .event_and_call(
            |e| e["resource_type"] == "vpc" && e["kind"] == "created",
            |c| c["action"] == "CreateVpc",
        )
        .await;
    assert_eq!(event["resource_id"], vpc_id);
    assert_eq!(event["request_id"], request_id);
    assert_eq!(event["actor"], "100001");
    assert_eq!(call["request_id"], request_id);
    assert_eq!(call["front_end"], "grpc");
    assert_eq!(call["caller"], "100001");
    assert_eq!(call["code"], "Ok");
    assert_eq!(call["throttled"], false);
    // A refused call comes with the table's code.
    let refused = app
        .vpcs()
        .create_vpc(authed(
            &alice,
            proto::CreateVpcRequest {
                vpc_name: "bad".into(),
                cidr_block: "10.0.0.0/33".into(),
                tags: Vec::new(),
            },
        ))
        .await
        .unwrap_err();
    let call = stream.until("call", |c| c["action"] == "CreateVpc").await;
    let reason = refused
        .get_error_details()
        .error_info()
        .unwrap()
        .reason
        .clone();
    assert_eq!(call["code"], reason);
    // An HTTP API's call goes by the action its caller named.
    let over_api3 = crate::api3::call(
        &app,
        &crate::api3::Send::as_account("AKID100001", "key-100001"),
        "DescribeVpcs",
        "{}",
    )
    .await;
    let call = stream.until("call", |c| c["front_end"] == "api3").await;
    assert_eq!(call["action"], "DescribeVpcs", "not vpcsim's DescribeVpcEx");
    assert_eq!(
        Some(call["request_id"].as_str().unwrap()),
        over_api3.header("x-request-id")
    );
    // The console's own reads are not calls in the timeline; its controls are.
    assert_eq!(control(&app, "GetClock", json!({})).await.status, 200);
    assert_eq!(
        control(&app, "AdvanceClock", json!({ "seconds": 60 }))
            .await
            .status,
        200
    );
    // The change and the call travel apart, in either order.
    let (moved, call) = stream
        .event_and_call(|e| e["resource_type"] == "clock", |_| true)
        .await;
    assert_eq!(call["action"], "AdvanceClock");
    assert_eq!(call["front_end"], "console");
    assert_eq!(moved["kind"], "moved");
    assert_eq!(moved["request_id"], call["request_id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_new_stream_starts_with_the_recent_events_and_a_reconnection_goes_on_after_its_last() {
    let app = console(Options::default()).await;
    app.account("100001").await;
    app.account("100002").await;
    let mut stream = Stream::open(&app).await;
    let first = stream.until("event", |_| true).await;
    assert_eq!(first["resource_id"], "100001");
    let second = stream.until("event", |_| true).await;
    assert_eq!(second["resource_id"], "100002");
    drop(stream);
    // EventSource sends the last id it had when it connects again.
    let first_id = first["event_id"].to_string();
    let mut stream = Stream::open_with(&app, &[("last-event-id", &first_id)]).await;
    let (kind, next) = stream.next_parsed().await;
    assert_eq!(kind, "event");
    assert_eq!(next["resource_id"], "100002", "the one after the last seen");
    let (kind, caught_up) = stream.next_parsed().await;
    assert_eq!(kind, "caught-up", "then the end of the past");
    assert_eq!(caught_up["last_event_id"], next["event_id"]);
    app.stop().await;
}

#[tokio::test]
async fn injected_faults_and_throttled_calls_reach_the_stream() {
    let app = console(Options {
        rate_limits: vec!["CreateVpc=1".parse().unwrap()],
        ..Options::default()
    })
    .await;
    let alice = app.account("100001").await;
    let added = control(
        &app,
        "AddFault",
        json!({
            "fault_id": "fault-console1",
            "action": "DescribeVpcEx",
            "kind": "FAIL_BEFORE",
            "error_code": "InternalError",
            "times": 1
        }),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.json()["fault"]["kind"], "FAIL_BEFORE");
    assert_eq!(added.json()["fault"]["times"], 1);
    let mut stream = Stream::open(&app).await;
    let failed = app
        .vpcs()
        .describe_vpc_ex(authed(&alice, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap_err();
    let request_id = failed
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let (injected, call) = stream
        .event_and_call(
            |e| e["kind"] == "injected",
            |c| c["action"] == "DescribeVpcEx",
        )
        .await;
    assert_eq!(injected["resource_id"], "fault-console1");
    assert_eq!(injected["request_id"], request_id);
    assert_eq!(injected["old_state"], "DescribeVpcEx");
    assert_eq!(call["request_id"], request_id);
    assert_eq!(call["code"], "InternalError");
    // Two creates within a second: the second is over the limit.
    for cidr in ["10.0.0.0/16", "10.1.0.0/16"] {
        let _ = app
            .vpcs()
            .create_vpc(authed(
                &alice,
                proto::CreateVpcRequest {
                    vpc_name: "v".into(),
                    cidr_block: cidr.into(),
                    tags: Vec::new(),
                },
            ))
            .await;
    }
    let throttled = stream.until("call", |c| c["throttled"] == true).await;
    assert_eq!(throttled["action"], "CreateVpc");
    assert_eq!(throttled["code"], "RequestLimitExceeded");
    app.stop().await;
}

#[tokio::test]
async fn the_controls_are_admin_calls_with_the_admin_apis_answers() {
    let app = console(Options::default()).await;
    let before = app.clock().await;
    let moved = control(&app, "AdvanceClock", json!({ "seconds": 3600 })).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let after = app.clock().await;
    assert_eq!(moved.json()["clock"]["now"], after.now);
    assert!(after.now > before.now);
    // An error is the admin API's, with its code, and changes nothing.
    let refused = control(&app, "AdvanceClock", json!({ "seconds": -1 })).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["code"], "InvalidParameterValue.Range");
    assert!(!refused.json()["request_id"].as_str().unwrap().is_empty());
    assert_eq!(app.clock().await.offset_seconds, after.offset_seconds);
    // Snapshots and Reset.
    app.account("100001").await;
    let saved = control(&app, "SaveSnapshot", json!({ "name": "one" })).await;
    assert_eq!(saved.json()["snapshot"]["accounts"], 1, "{}", saved.body);
    assert_eq!(
        control(&app, "Reset", json!({ "empty": true }))
            .await
            .status,
        200
    );
    let info = control(&app, "GetServerInfo", json!({})).await.json();
    assert_eq!(info["accounts"], 0);
    let restored = control(&app, "RestoreSnapshot", json!({ "name": "one" })).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    let listed = control(&app, "ListSnapshots", json!({})).await.json();
    assert_eq!(listed["snapshots"][0]["name"], "one");
    let missing = control(&app, "RestoreSnapshot", json!({ "name": "two" })).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "InvalidSnapshot.NotFound");
    // Fault rules, seen by the gRPC admin API.
    let added = control(
        &app,
        "AddFault",
        json!({ "action": "CreateVpc", "kind": "DELAY_BEFORE", "delay_ms": 5 }),
    )
    .await;
    let fault_id = added.json()["fault"]["fault_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = app
        .admin()
        .list_faults(app.admin_req(proto::ListFaultsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.faults[0].fault_id, fault_id);
    assert_eq!(listed.faults[0].kind, proto::FaultKind::DelayBefore as i32);
    let deleted = control(&app, "DeleteFault", json!({ "fault_id": fault_id })).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        control(&app, "ListFaults", json!({})).await.json()["faults"],
        json!([])
    );
    // Bad bodies and unknown methods.
    let bad_kind = control(
        &app,
        "AddFault",
        json!({ "action": "CreateVpc", "kind": "EXPLODE" }),
    )
    .await;
    assert_eq!(bad_kind.status, 400);
    assert!(
        bad_kind.json()["message"]
            .as_str()
            .unwrap()
            .contains("FAIL_BEFORE")
    );
    let not_json = send(
        &app,
        request(
            "POST",
            "/ui/api/admin/Reset",
            &[("content-type", "text/plain")],
            "{}",
        ),
    )
    .await;
    assert_eq!(not_json.status, 415);
    let unknown = control(&app, "CreateAccount", json!({ "uin": "1" })).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "InvalidAction");
    let info = control(&app, "GetServerInfo", json!({})).await.json();
    assert_eq!(info["accounts"], 1, "nothing above changed the state");
    app.stop().await;
}

#[tokio::test]
async fn another_site_can_neither_change_nor_read_a_console_without_a_token() {
    let app = console(Options::default()).await;
    app.account("100001").await;
    // A page elsewhere posting to the console: refused, nothing changes.
    let forged = send(
        &app,
        request(
            "POST",
            "/ui/api/admin/Reset",
            &[
                ("content-type", "application/json"),
                ("origin", "http://evil.example"),
            ],
            "{\"empty\": true}",
        ),
    )
    .await;
    assert_eq!(forged.status, 403);
    assert_eq!(forged.json()["code"], "AuthFailure.UnauthorizedOperation");
    // A name rebound to 127.0.0.1 by another site's DNS.
    let rebound = send(
        &app,
        request(
            "GET",
            "/ui/api/topology",
            &[("host", "evil.example:50051")],
            "",
        ),
    )
    .await;
    assert_eq!(rebound.status, 403);
    let info = app
        .admin()
        .get_server_info(app.admin_req(proto::GetServerInfoRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.accounts, 1);
    app.stop().await;
}

#[tokio::test]
async fn with_an_admin_token_the_console_needs_it_and_never_puts_it_in_a_cookie() {
    let token = "console-token-1";
    let app = console(Options {
        admin_token: Some(token.into()),
        ..Options::default()
    })
    .await;
    // Without it: the sign-in form, and refusals for the rest.
    let page = get(&app, "/ui").await;
    assert_eq!(page.status, 401);
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/ui/login\"")
    );
    for path in ["/ui/api/topology", "/ui/api/stream", "/ui/assets/app.js"] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, 401, "{path}");
        assert_eq!(answer.json()["code"], "AuthFailure.InvalidAuthorization");
    }
    assert_eq!(control(&app, "Reset", json!({})).await.status, 401);
    // A wrong token signs nobody in.
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let wrong = send(&app, request("POST", "/ui/login", &form, "token=nope")).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_empty());
    // The right one, posted as a browser posts the form (its page's
    // referrer policy hides the origin: `Origin: null`, and Sec-Fetch-Site
    // says whose page it was), sets a session cookie that is not the token.
    let browser_form = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", "null"),
        ("sec-fetch-site", "same-origin"),
    ];
    let elsewhere = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ];
    let forged = send(
        &app,
        request("POST", "/ui/login", &elsewhere, &format!("token={token}")),
    )
    .await;
    assert_eq!(forged.status, 403, "a sign-in posted from another site");
    let signed_in = send(
        &app,
        request(
            "POST",
            "/ui/login",
            &browser_form,
            &format!("token={token}"),
        ),
    )
    .await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.header("location"), "/ui");
    let cookie = signed_in.header("set-cookie").to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        cookie.starts_with("vpcsim_console_"),
        "one cookie per port: {cookie}"
    );
    assert!(cookie.contains("Max-Age="), "{cookie}");
    assert!(!cookie.contains(token), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = [("cookie", session.as_str())];
    let page = send(&app, request("GET", "/ui", &with_cookie, "")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/ui/assets/app.js"));
    let moved = send(
        &app,
        request(
            "POST",
            "/ui/api/admin/AdvanceClock",
            &[
                ("cookie", session.as_str()),
                ("content-type", "application/json"),
            ],
            "{\"seconds\": 5}",
        ),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    // A script may send the token itself.
    let bearer = format!("Bearer {token}");
    let topology = send(
        &app,
        request("GET", "/ui/api/topology", &[("authorization", &bearer)], ""),
    )
    .await;
    assert_eq!(topology.status, 200);
    // With a token the console answers any Host: the token is the guard.
    let other_host = send(
        &app,
        request(
            "GET",
            "/ui/api/topology",
            &[
                ("authorization", &bearer),
                ("host", "vpcsim.internal:50051"),
            ],
            "",
        ),
    )
    .await;
    assert_eq!(other_host.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn the_stream_goes_on_after_a_reset_empties_the_event_log() {
    let app = console(Options::default()).await;
    app.account("100001").await;
    let mut stream = Stream::open(&app).await;
    let before = stream.until("event", |_| true).await;
    assert_eq!(
        control(&app, "Reset", json!({ "empty": true }))
            .await
            .status,
        200
    );
    let reset = stream.until("event", |e| e["kind"] == "reset").await;
    assert!(
        reset["event_id"].as_i64() > before["event_id"].as_i64(),
        "event ids never go back, so a stream following them by id goes on"
    );
    app.account("100002").await;
    let after = stream
        .until("event", |e| e["resource_type"] == "account")
        .await;
    assert_eq!(after["resource_id"], "100002");
    app.stop().await;
}

#[tokio::test]
async fn refused_and_unknown_controls_never_reach_the_timeline() {
    let app = console(Options::default()).await;
    let mut stream = Stream::open(&app).await;
    // Refused before the admin API: nothing to show.
    let long = "X".repeat(2000);
    assert_eq!(control(&app, &long, json!({})).await.status, 404);
    let forged = send(
        &app,
        request(
            "POST",
            "/ui/api/admin/AdvanceClock",
            &[
                ("content-type", "application/json"),
                ("origin", "http://evil.example"),
            ],
            "{\"seconds\": 1}",
        ),
    )
    .await;
    assert_eq!(forged.status, 403);
    // A misspelt field is refused, not ignored.
    let misspelt = control(&app, "Reset", json!({ "emtpy": true })).await;
    assert_eq!(misspelt.status, 400);
    assert!(
        misspelt.json()["message"]
            .as_str()
            .unwrap()
            .contains("emtpy")
    );
    // A control the admin API refuses shows with the table's code.
    let refused = control(&app, "AdvanceClock", json!({ "seconds": -1 })).await;
    assert_eq!(refused.status, 400);
    let call = stream.until("call", |_| true).await;
    assert_eq!(call["action"], "AdvanceClock");
    assert_eq!(call["code"], "InvalidParameterValue.Range");
    assert_eq!(call["request_id"], refused.json()["request_id"]);
    app.stop().await;
}
