//! Tencent Cloud API 3.0 on the gRPC port: real HTTP/1.1 requests, signed
//! with TC3-HMAC-SHA256 (the Python SDK's own signatures are checked in
//! src/transport/signing.rs), on the same state as gRPC.

use serde_json::{Value, json};
use tonic::Code;
use vpcsim::{proto, transport::signing};

use crate::helpers::{TestApp, assert_error, state};

/// One raw HTTP/1.1 exchange.
pub(crate) struct Answer {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The id a successful CreateVpcPeeringConnection answered, in the
    /// envelope the SDKs read (HTTP 200, `application/json`).
    #[track_caller]
    pub fn created_peering_id(&self) -> String {
        assert_eq!(self.status, 200);
        assert_eq!(self.header("content-type"), Some("application/json"));
        self.body["Response"]["PeeringConnectionId"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", self.body))
            .to_owned()
    }

    pub fn error_code(&self) -> Option<&str> {
        self.body["Response"]["Error"]["Code"].as_str()
    }
}

/// What to send besides the action and body.
pub(crate) struct Send<'a> {
    secret_id: &'a str,
    secret_key: &'a str,
    version: &'a str,
    region: &'a str,
    timestamp: i64,
    /// `X-Client-Token`, vpcsim's safe-retry header.
    client_token: Option<&'a str>,
}

impl<'a> Send<'a> {
    pub fn as_account(secret_id: &'a str, secret_key: &'a str) -> Self {
        Send {
            secret_id,
            secret_key,
            version: "2017-03-12",
            region: "ap-guangzhou",
            timestamp: chrono::Utc::now().timestamp(),
            client_token: None,
        }
    }

    pub fn with_client_token(self, token: &'a str) -> Self {
        Send {
            client_token: Some(token),
            ..self
        }
    }
}

pub(crate) async fn call(app: &TestApp, send: &Send<'_>, action: &str, body: &str) -> Answer {
    let stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    call_over(stream, &app.addr.to_string(), send, action, body).await
}

/// A signed API 3.0 call over `stream` (TCP or TLS), naming `host`.
pub(crate) async fn call_over(
    mut stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    host: &str,
    send: &Send<'_>,
    action: &str,
    body: &str,
) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("host", host.parse().unwrap());
    let request = signing::ReceivedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let authorization = signing::tc3_authorization(
        send.secret_id,
        send.secret_key,
        "vpc",
        &request,
        send.timestamp,
    )
    .unwrap();
    let token = send
        .client_token
        .map(|t| format!("X-Client-Token: {t}\r\n"))
        .unwrap_or_default();
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-TC-Action: {action}\r\n\
         X-TC-Version: {}\r\nX-TC-Region: {}\r\nX-TC-Timestamp: {}\r\nAuthorization: {authorization}\r\n\
         {token}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        send.version,
        send.region,
        send.timestamp,
        body.len()
    );
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// Two accounts with one VPC each, made through gRPC.
pub(crate) async fn two_accounts(app: &TestApp) -> (String, proto::Vpc, proto::Vpc) {
    for (uin, key) in [("100001", "alice-key"), ("100002", "bob-key")] {
        app.admin()
            .create_account(app.admin_req(proto::CreateAccountRequest {
                uin: uin.into(),
                name: format!("a{uin}"),
                secret_id: format!("AKID{uin}"),
                secret_key: key.into(),
                ..Default::default()
            }))
            .await
            .unwrap();
    }
    let web = app.vpc("AKID100001", "10.0.0.0/16").await;
    let db = app.vpc("AKID100002", "10.1.0.0/16").await;
    (String::from("AKID100001"), web, db)
}

#[tokio::test]
async fn sdk_shaped_calls_share_state_with_grpc() {
    let app = TestApp::spawn().await;
    let (_, web, db) = two_accounts(&app).await;
    let alice = Send::as_account("AKID100001", "alice-key");
    let bob = Send::as_account("AKID100002", "bob-key");

    let body = json!({
        "SourceVpcId": web.vpc_id, "PeeringConnectionName": "web-db",
        "DestinationVpcId": db.un_vpc_id, "DestinationUin": "100002",
        "DestinationRegion": "ap-guangzhou", "Bandwidth": 0,
    })
    .to_string();
    let created = call(&app, &alice, "CreateVpcPeeringConnection", &body).await;
    let id = created.created_peering_id();
    // RequestId is the call's x-request-id.
    assert_eq!(
        created.body["Response"]["RequestId"].as_str(),
        created.header("x-request-id")
    );

    // gRPC sees the request; bob accepts over HTTP; gRPC sees it ACTIVE.
    let seen = app.all_peerings("AKID100002").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].peering_connection_id, id);
    let accept = json!({"PeeringConnectionId": id}).to_string();
    let accepted = call(&app, &bob, "AcceptVpcPeeringConnection", &accept).await;
    assert_eq!(
        accepted.body["Response"].as_object().map(|o| o.len()),
        Some(1),
        "{}",
        accepted.body
    );
    assert_eq!(
        state(&app.all_peerings("AKID100001").await[0]),
        proto::State::Active
    );

    // Describe with the SDK model's fields and types.
    let described = call(
        &app,
        &alice,
        "DescribeVpcPeeringConnections",
        r#"{"Filters": [{"Name": "state", "Values": ["ACTIVE", "PENDING"]}], "Limit": 5}"#,
    )
    .await;
    let response = &described.body["Response"];
    assert_eq!(response["TotalCount"], 1, "{response}");
    let item = &response["PeerConnectionSet"][0];
    assert_eq!(item["PeeringConnectionId"], id.as_str());
    assert_eq!(item["State"], "ACTIVE");
    assert_eq!(item["SourceVpcId"], web.un_vpc_id.as_str());
    assert_eq!(item["DestinationVpcId"], db.un_vpc_id.as_str());
    assert_eq!(item["SourceUin"], 100001);
    assert_eq!(item["DestinationUin"], 100002);
    assert_eq!(item["SourceRegion"], "gz");
    assert!(
        item["AppId"].is_i64() && item["Bandwidth"].is_i64(),
        "{item}"
    );

    // A rule broken over HTTP gets the API 3.0 code, and changes nothing.
    let overlap = app.vpc("AKID100002", "10.0.0.0/24").await;
    let body = json!({
        "SourceVpcId": web.un_vpc_id, "PeeringConnectionName": "clash",
        "DestinationVpcId": overlap.un_vpc_id, "DestinationUin": "100002",
        "DestinationRegion": "ap-guangzhou",
    })
    .to_string();
    let refused = call(&app, &alice, "CreateVpcPeeringConnection", &body).await;
    assert_eq!(refused.status, 200);
    assert_eq!(
        refused.error_code(),
        Some("UnsupportedOperation.VpcPeerCidrConflict")
    );
    assert_eq!(app.all_peerings("AKID100001").await.len(), 1);
    // A peering another account cannot see reads as not found.
    let carol_key = "carol-key";
    app.admin()
        .create_account(app.admin_req(proto::CreateAccountRequest {
            uin: "100003".into(),
            name: "carol".into(),
            secret_id: "AKID100003".into(),
            secret_key: carol_key.into(),
            ..Default::default()
        }))
        .await
        .unwrap();
    let carol = Send::as_account("AKID100003", carol_key);
    let hidden = call(&app, &carol, "DeleteVpcPeeringConnection", &accept).await;
    assert_eq!(hidden.error_code(), Some("ResourceNotFound"));
    app.stop().await;
}

#[tokio::test]
async fn bad_requests_get_the_real_apis_codes_in_its_envelope() {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let alice = Send::as_account("AKID100001", "alice-key");
    let cases: Vec<(Send, &str, &str, &str)> = vec![
        (
            Send::as_account("AKID100001", "wrong"),
            "DescribeVpcPeeringConnections",
            "{}",
            "AuthFailure.SignatureFailure",
        ),
        (
            Send::as_account("AKIDnobody", "x"),
            "DescribeVpcPeeringConnections",
            "{}",
            "AuthFailure.SecretIdNotFound",
        ),
        (
            Send {
                timestamp: chrono::Utc::now().timestamp() - 600,
                ..Send::as_account("AKID100001", "alice-key")
            },
            "DescribeVpcPeeringConnections",
            "{}",
            "AuthFailure.SignatureExpire",
        ),
        (
            Send {
                version: "2020-01-01",
                ..Send::as_account("AKID100001", "alice-key")
            },
            "DescribeVpcPeeringConnections",
            "{}",
            "NoSuchVersion",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "RunInstances",
            "{}",
            "InvalidAction",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "DescribeVpcPeeringConnections",
            r#"{"Colour": "red"}"#,
            "UnknownParameter",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "DescribeVpcPeeringConnections",
            "{not json",
            "InvalidParameter",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "DescribeVpcPeeringConnections",
            r#"{"Limit": "many"}"#,
            "InvalidParameter",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "DescribeVpcPeeringConnections",
            r#"{"Limit": 0}"#,
            "InvalidParameterValue.Range",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "DescribeVpcPeeringConnections",
            r#"{"PeeringConnectionIds": ["pcx-12345678"], "Filters": []}"#,
            "InvalidParameter.Coexist",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "AcceptVpcPeeringConnection",
            "{}",
            "MissingParameter",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "AcceptVpcPeeringConnection",
            r#"{"PeeringConnectionId": "pcx-12345678"}"#,
            "ResourceNotFound",
        ),
        (
            Send::as_account("AKID100001", "alice-key"),
            "AcceptVpcPeeringConnection",
            r#"{"PeeringConnectionId": "nope"}"#,
            "InvalidParameterValue.Malformed",
        ),
    ];
    for (send, action, body, code) in &cases {
        let answer = call(&app, send, action, body).await;
        assert_eq!(answer.status, 200, "{action} {body}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(
            answer.error_code(),
            Some(*code),
            "{action} {body}: {}",
            answer.body
        );
        assert!(answer.body["Response"]["Error"]["Message"].is_string());
        assert!(answer.body["Response"]["RequestId"].is_string());
    }
    // Nothing of that reached the state; gRPC still answers as before.
    let empty = call(&app, &alice, "DescribeVpcPeeringConnections", "{}").await;
    assert_eq!(empty.body["Response"]["TotalCount"], 0);
    let err = app
        .peering()
        .accept_vpc_peering_connection(crate::helpers::authed(
            "AKID100001",
            proto::AcceptVpcPeeringConnectionRequest {
                peering_connection_id: "pcx-12345678".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidPeeringConnection.NotFound");
    app.stop().await;
}

#[tokio::test]
async fn vpcs_made_over_http_are_the_ones_grpc_lists() {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let alice = Send::as_account("AKID100001", "alice-key");
    let made = call(
        &app,
        &alice,
        "CreateVpc",
        r#"{"VpcName": "from-http", "CidrBlock": "10.30.0.0/16", "EnableMulticast": "false"}"#,
    )
    .await;
    let vpc = &made.body["Response"]["Vpc"];
    let id = vpc["VpcId"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", made.body))
        .to_owned();
    assert_eq!(vpc["CidrBlock"], "10.30.0.0/16");
    let listed = app
        .vpcs()
        .describe_vpc_ex(crate::helpers::authed(
            "AKID100001",
            proto::DescribeVpcExRequest {
                vpc_id: id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_count, 1);
    assert_eq!(listed.data[0].vpc_name, "from-http");
    let by_name = call(
        &app,
        &alice,
        "DescribeVpcs",
        r#"{"Filters": [{"Name": "vpc-name", "Values": ["from"]}], "Offset": "0", "Limit": "20"}"#,
    )
    .await;
    assert_eq!(
        by_name.body["Response"]["TotalCount"], 1,
        "{}",
        by_name.body
    );
    let tagged = call(
        &app,
        &alice,
        "CreateVpc",
        r#"{"VpcName": "t", "CidrBlock": "10.31.0.0/16", "Tags": [{"Key": "a", "Value": "b"}]}"#,
    )
    .await;
    assert_eq!(
        tagged.body["Response"]["Vpc"]["TagSet"],
        json!([{"Key": "a", "Value": "b"}]),
        "{}",
        tagged.body
    );
    let gone = call(
        &app,
        &alice,
        "DeleteVpc",
        &json!({ "VpcId": id }).to_string(),
    )
    .await;
    assert!(gone.error_code().is_none(), "{}", gone.body);
    app.stop().await;
}

#[tokio::test]
async fn cross_region_peerings_and_link_options_over_api3() {
    let app = TestApp::spawn().await;
    let (_, web, _) = two_accounts(&app).await;
    let alice = Send::as_account("AKID100001", "alice-key");
    let bob_sh = Send {
        region: "ap-shanghai",
        ..Send::as_account("AKID100002", "bob-key")
    };
    let created = call(
        &app,
        &bob_sh,
        "CreateVpc",
        r#"{"VpcName": "db-sh", "CidrBlock": "10.9.0.0/16"}"#,
    )
    .await;
    let db_sh = created.body["Response"]["Vpc"]["VpcId"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", created.body))
        .to_owned();

    let create = |extra: Value| {
        let mut body = json!({
            "SourceVpcId": web.un_vpc_id, "PeeringConnectionName": "web-db-sh",
            "DestinationVpcId": db_sh, "DestinationUin": "100002",
            "DestinationRegion": "ap-shanghai",
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body.to_string()
    };
    // Bad options are refused with the API's codes, and create nothing.
    for (extra, code) in [
        (json!({"ChargeType": "MONTHLY"}), "InvalidParameterValue"),
        (json!({"QosLevel": "GOLD"}), "InvalidParameterValue"),
        (json!({"Type": "VPN"}), "InvalidParameterValue"),
        (json!({"Bandwidth": -1}), "InvalidParameterValue.Range"),
        (json!({"Bandwidth": "ten"}), "InvalidParameter"),
        (
            json!({"Tags": [{"Key": "a"}, {"Key": "a"}]}),
            "InvalidParameterValue",
        ),
        (json!({"Tags": [{"Value": "x"}]}), "MissingParameter"),
        (json!({"Tags": {"Key": "a"}}), "InvalidParameter"),
        (json!({"DestinationRegion": "ap-mars"}), "UnsupportedRegion"),
        // The peer VPC is in Shanghai, not in the region named.
        (
            json!({"DestinationRegion": "ap-guangzhou"}),
            "ResourceNotFound",
        ),
    ] {
        let answer = call(
            &app,
            &alice,
            "CreateVpcPeeringConnection",
            &create(extra.clone()),
        )
        .await;
        assert_eq!(answer.error_code(), Some(code), "{extra}: {}", answer.body);
    }
    assert!(app.all_peerings("AKID100001").await.is_empty());

    let created = call(
        &app,
        &alice,
        "CreateVpcPeeringConnection",
        &create(json!({
            "Bandwidth": 100, "ChargeType": "POSTPAID_BY_MONTH_95", "QosLevel": "AG",
            "Type": "VPC_PEER", "Tags": [{"Key": "team", "Value": "qa"}, {"Key": "env"}],
        })),
    )
    .await;
    let id = created.body["Response"]["PeeringConnectionId"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", created.body))
        .to_owned();

    // Listed in both regions with short region codes and the options kept.
    let by_id = json!({"PeeringConnectionIds": [id]}).to_string();
    for send in [&alice, &bob_sh] {
        let listed = call(&app, send, "DescribeVpcPeeringConnections", &by_id).await;
        let item = &listed.body["Response"]["PeerConnectionSet"][0];
        assert_eq!(item["SourceRegion"], "gz", "{}", listed.body);
        assert_eq!(item["DestinationRegion"], "sh");
        assert_eq!(item["State"], "PENDING");
        assert_eq!(item["Bandwidth"], 100);
        assert_eq!(item["ChargeType"], "POSTPAID_BY_MONTH_95");
        assert_eq!(item["QosLevel"], "AG");
        assert_eq!(item["Type"], "VPC_PEER");
        assert_eq!(
            item["TagSet"],
            json!([{"Key": "team", "Value": "qa"}, {"Key": "env", "Value": ""}])
        );
    }

    // Modify sets the bandwidth and billing, and keeps the rest.
    let modify =
        json!({"PeeringConnectionId": id, "Bandwidth": 20, "ChargeType": "POSTPAID_BY_DAY_MAX"});
    let modified = call(
        &app,
        &bob_sh,
        "ModifyVpcPeeringConnection",
        &modify.to_string(),
    )
    .await;
    assert_eq!(modified.error_code(), None, "{}", modified.body);
    let bad = json!({"PeeringConnectionId": id, "ChargeType": "FREE"});
    let refused = call(&app, &alice, "ModifyVpcPeeringConnection", &bad.to_string()).await;
    assert_eq!(refused.error_code(), Some("InvalidParameterValue"));
    let listed = call(&app, &alice, "DescribeVpcPeeringConnections", &by_id).await;
    let item = &listed.body["Response"]["PeerConnectionSet"][0];
    assert_eq!(
        (
            &item["Bandwidth"],
            &item["ChargeType"],
            &item["QosLevel"],
            &item["PeeringConnectionName"]
        ),
        (
            &json!(20),
            &json!("POSTPAID_BY_DAY_MAX"),
            &json!("AG"),
            &json!("web-db-sh")
        )
    );
    // Bob accepts from Shanghai; gRPC sees the same peering.
    let accept = json!({"PeeringConnectionId": id}).to_string();
    let accepted = call(&app, &bob_sh, "AcceptVpcPeeringConnection", &accept).await;
    assert_eq!(accepted.error_code(), None, "{}", accepted.body);
    let grpc = app.all_peerings("AKID100001").await;
    assert_eq!(state(&grpc[0]), proto::State::Active);
    assert_eq!(grpc[0].peer_region, "ap-shanghai");
    // The event log tells a bandwidth or billing change from a rename.
    let events = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            resource_id: id.clone(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let kinds: Vec<&str> = events.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "modified", "accepted"]);
    app.stop().await;
}

#[tokio::test]
async fn api3_answers_over_http2_too() {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let send = Send::as_account("AKID100001", "alice-key");
    let body = r#"{"Limit": 5}"#;
    let host = app.addr.to_string();
    let stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    // Over HTTP/2 the host travels as :authority, which the signature's
    // `host` header stands for: signed with its port (Go, Python) or
    // without it and for the service the endpoint names (Node.js).
    let name = app.addr.ip().to_string();
    for (signed_host, service, refused) in [
        (host.as_str(), "vpc", None),
        (name.as_str(), "127", None),
        ("evil.example", "vpc", Some("AuthFailure.SignatureFailure")),
    ] {
        let mut request = http::Request::builder()
            .method("POST")
            .uri(format!("http://{host}/"))
            .header("content-type", "application/json")
            .header("x-tc-action", "DescribeVpcPeeringConnections")
            .header("x-tc-version", send.version)
            .header("x-tc-region", send.region)
            .header("x-tc-timestamp", send.timestamp)
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let mut signed = request.headers().clone();
        signed.insert("host", signed_host.parse().unwrap());
        let authorization = signing::tc3_authorization(
            send.secret_id,
            send.secret_key,
            service,
            &signing::ReceivedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &signed,
                body: body.as_bytes(),
            },
            send.timestamp,
        )
        .unwrap();
        request
            .headers_mut()
            .insert("authorization", authorization.parse().unwrap());
        let answer = sender.send_request(request).await.unwrap();
        assert_eq!(answer.version(), http::Version::HTTP_2);
        assert_eq!(answer.status(), 200);
        assert_eq!(
            answer.headers().get("content-type").unwrap(),
            "application/json"
        );
        let bytes = answer.into_body().collect().await.unwrap().to_bytes();
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        match refused {
            None => assert_eq!(json["Response"]["TotalCount"], 0, "{signed_host}: {json}"),
            Some(code) => assert_eq!(json["Response"]["Error"]["Code"], code, "{json}"),
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn moving_the_clock_does_not_lock_the_sdks_out() {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    app.admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest {
            seconds: 8 * 86_400,
        }))
        .await
        .unwrap();
    // An SDK stamps its requests with real time; the simulator's clock is
    // eight days ahead. Either time is accepted, nothing else.
    let real = Send::as_account("AKID100001", "alice-key");
    let answer = call(&app, &real, "DescribeVpcPeeringConnections", "{}").await;
    assert_eq!(answer.error_code(), None, "{}", answer.body);
    let simulated = Send {
        timestamp: real.timestamp + 8 * 86_400,
        ..Send::as_account("AKID100001", "alice-key")
    };
    let answer = call(&app, &simulated, "DescribeVpcPeeringConnections", "{}").await;
    assert_eq!(answer.error_code(), None, "{}", answer.body);
    let between = Send {
        timestamp: real.timestamp + 86_400,
        ..Send::as_account("AKID100001", "alice-key")
    };
    let answer = call(&app, &between, "DescribeVpcPeeringConnections", "{}").await;
    assert_eq!(answer.error_code(), Some("AuthFailure.SignatureExpire"));
    app.stop().await;
}

#[tokio::test]
async fn an_x_client_token_makes_an_api3_retry_safe() {
    let app = TestApp::spawn().await;
    let (_, web, db) = two_accounts(&app).await;
    let alice = Send::as_account("AKID100001", "alice-key").with_client_token("create-web-db");
    let body = json!({
        "SourceVpcId": web.un_vpc_id, "PeeringConnectionName": "web-db",
        "DestinationVpcId": db.un_vpc_id, "DestinationUin": "100002",
        "DestinationRegion": "ap-guangzhou",
    });
    let first = call(
        &app,
        &alice,
        "CreateVpcPeeringConnection",
        &body.to_string(),
    )
    .await;
    let id = first.created_peering_id();
    // A retry, its JSON keys in another order: the first answer, no new
    // peering, and not VpcPeerAlreadyExist.
    let reordered = format!(
        r#"{{"DestinationRegion": "ap-guangzhou", "DestinationUin": "100002", "DestinationVpcId": "{}", "PeeringConnectionName": "web-db", "SourceVpcId": "{}"}}"#,
        db.un_vpc_id, web.un_vpc_id
    );
    let retried = call(&app, &alice, "CreateVpcPeeringConnection", &reordered).await;
    assert_eq!(retried.created_peering_id(), id);
    assert_eq!(app.all_peerings("AKID100001").await.len(), 1);
    // Without the token the same request is a second attempt, refused.
    let plain = Send::as_account("AKID100001", "alice-key");
    let again = call(
        &app,
        &plain,
        "CreateVpcPeeringConnection",
        &body.to_string(),
    )
    .await;
    assert_eq!(
        again.error_code(),
        Some("UnsupportedOperation.VpcPeerAlreadyExist")
    );

    // The same token with another request, or another action.
    let renamed = body.to_string().replace("web-db", "other");
    let conflict = call(&app, &alice, "CreateVpcPeeringConnection", &renamed).await;
    assert_eq!(conflict.error_code(), Some("InvalidParameter"));
    let message = conflict.body["Response"]["Error"]["Message"].to_string();
    assert!(
        message.contains("already used with a different request"),
        "{message}"
    );
    let vpc = json!({"VpcName": "made", "CidrBlock": "10.7.0.0/16"}).to_string();
    let other_action = call(&app, &alice, "CreateVpc", &vpc).await;
    assert_eq!(other_action.error_code(), Some("InvalidParameter"));

    // Tokens are the caller's own: bob's "create-web-db" is another token.
    let bob = Send::as_account("AKID100002", "bob-key").with_client_token("create-web-db");
    let made = call(&app, &bob, "CreateVpc", &vpc).await;
    let vpc_id = made.body["Response"]["Vpc"]["VpcId"]
        .as_str()
        .map(str::to_owned);
    assert!(vpc_id.is_some(), "{}", made.body);
    let remade = call(&app, &bob, "CreateVpc", &vpc).await;
    assert_eq!(
        remade.body["Response"]["Vpc"]["VpcId"].as_str(),
        vpc_id.as_deref()
    );

    // The same token and parameters in another region is another request:
    // a conflict, not the first region's answer.
    let bob_sh = Send {
        region: "ap-shanghai",
        ..Send::as_account("AKID100002", "bob-key").with_client_token("create-web-db")
    };
    let elsewhere = call(&app, &bob_sh, "CreateVpc", &vpc).await;
    assert_eq!(
        elsewhere.error_code(),
        Some("InvalidParameter"),
        "{}",
        elsewhere.body
    );

    // A read is never remembered: the second answer is fresh.
    let reader = Send::as_account("AKID100002", "bob-key").with_client_token("reads");
    let before = call(&app, &reader, "DescribeVpcs", "{}").await;
    app.vpc("AKID100002", "10.9.0.0/16").await;
    let after = call(&app, &reader, "DescribeVpcs", "{}").await;
    let total = |a: &Answer| a.body["Response"]["TotalCount"].as_i64();
    assert_eq!(
        (total(&before), total(&after)),
        (Some(2), Some(3)),
        "{}",
        after.body
    );
    // A token that cannot be one changes nothing, on a write or a read.
    for bad in ["has space", &"x".repeat(65)] {
        let send = Send::as_account("AKID100002", "bob-key").with_client_token(bad);
        let other = json!({"VpcName": "bad", "CidrBlock": "10.8.0.0/16"}).to_string();
        let refused = call(&app, &send, "CreateVpc", &other).await;
        assert_eq!(refused.error_code(), Some("InvalidParameterValue"), "{bad}");
        let read = call(&app, &send, "DescribeVpcs", "{}").await;
        assert_eq!(read.error_code(), Some("InvalidParameterValue"), "{bad}");
    }
    let listed = call(
        &app,
        &Send::as_account("AKID100002", "bob-key"),
        "DescribeVpcs",
        "{}",
    )
    .await;
    assert_eq!(listed.body["Response"]["TotalCount"], 3, "{}", listed.body);
    app.stop().await;
}

/// An API 3.0 call signed the older way (HmacSHA256 over the parameters,
/// as the SDKs do with `SignatureMethod` set), form-POSTed with `nonce`.
async fn call_v1(app: &TestApp, action: &str, nonce: &str, own: &[(&str, &str)]) -> Answer {
    let host = app.addr.to_string();
    let mut pairs: Vec<(String, String)> = [
        ("Action", action),
        ("Version", "2017-03-12"),
        ("Region", "ap-guangzhou"),
        ("Timestamp", &chrono::Utc::now().timestamp().to_string()),
        ("Nonce", nonce),
        ("SecretId", "AKID100001"),
        ("SignatureMethod", "HmacSHA256"),
    ]
    .iter()
    .chain(own)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let text = signing::v1_string_to_sign("POST", &host, "/", &pairs);
    pairs.push((
        "Signature".into(),
        signing::v1_signature("alice-key", signing::V1Method::HmacSha256, &text),
    ));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let raw = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (head, body) = crate::helpers::http_exchange(app.addr, &raw).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    Answer {
        status: 200,
        headers: Vec::new(),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    }
}

/// The older signature form carries a Nonce on API 3.0 as on the legacy
/// API, and is held to it the same way: a request sent again as it was
/// (captured, or resent byte for byte) is refused, and changes nothing.
#[tokio::test]
async fn a_replayed_older_form_signature_is_refused_on_api3_too() {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let create = [("VpcName", "replayed"), ("CidrBlock", "192.168.0.0/16")];
    let first = call_v1(&app, "CreateVpc", "31337", &create).await;
    assert!(
        first.body["Response"]["Vpc"]["VpcId"].is_string(),
        "{}",
        first.body
    );
    let again = call_v1(&app, "CreateVpc", "31337", &create).await;
    // The table's API 3.0 code for a replay (API 3.0 has none of its own).
    assert_eq!(
        again.error_code(),
        Some(vpcsim::domain::ErrorCode::AuthRequestReplayed.api3_code()),
        "{}",
        again.body
    );
    let message = again.body["Response"]["Error"]["Message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("Nonce 31337 was already used"),
        "{message}"
    );
    let listed = call_v1(&app, "DescribeVpcs", "31338", &[]).await;
    assert_eq!(listed.body["Response"]["TotalCount"], 2, "{}", listed.body);
    // A fresh Nonce is a new request.
    let other = call_v1(&app, "DescribeVpcs", "31339", &[]).await;
    assert_eq!(other.body["Response"]["TotalCount"], 2, "{}", other.body);
    app.stop().await;
}
