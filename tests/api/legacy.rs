//! The legacy API (`/v2/index.php`) on the gRPC port: real HTTP/1.1
//! requests, GET and form POST, signed as the legacy SDK signs them, on the
//! same state as gRPC and API 3.0.

use serde_json::Value;
use tonic::Code;
use vpcsim::{
    proto,
    transport::signing::{V1Method, v1_signature, v1_string_to_sign},
};

use crate::helpers::{TestApp, assert_error, authed, http_exchange, state};

/// How to sign and send one legacy call.
#[derive(Clone)]
pub(crate) struct Legacy<'a> {
    secret_id: &'a str,
    secret_key: &'a str,
    method: &'static str,
    signature_method: V1Method,
    region: &'a str,
    timestamp: i64,
    nonce: Option<String>,
    /// Sign as this method while sending `method`.
    signed_as: Option<&'static str>,
}

impl<'a> Legacy<'a> {
    pub fn new(secret_id: &'a str, secret_key: &'a str) -> Self {
        Legacy {
            secret_id,
            secret_key,
            method: "GET",
            signature_method: V1Method::HmacSha1,
            region: "gz",
            timestamp: chrono::Utc::now().timestamp(),
            nonce: None,
            signed_as: None,
        }
    }
}

/// Calls `action` with `params`; the answer's JSON.
pub(crate) async fn call(
    app: &TestApp,
    send: &Legacy<'_>,
    action: &str,
    params: &[(&str, &str)],
) -> Value {
    let host = app.addr.to_string();
    let nonce = send
        .nonce
        .clone()
        .unwrap_or_else(|| rand::random::<u32>().to_string());
    let mut pairs: Vec<(String, String)> = vec![
        ("Action".into(), action.into()),
        ("Region".into(), send.region.into()),
        ("Timestamp".into(), send.timestamp.to_string()),
        ("Nonce".into(), nonce),
        ("SecretId".into(), send.secret_id.into()),
        ("RequestClient".into(), "vpcsim-test".into()),
    ];
    if send.signature_method == V1Method::HmacSha256 {
        pairs.push(("SignatureMethod".into(), "HmacSHA256".into()));
    }
    pairs.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let text = v1_string_to_sign(
        send.signed_as.unwrap_or(send.method),
        &host,
        "/v2/index.php",
        &pairs,
    );
    pairs.push((
        "Signature".into(),
        v1_signature(send.secret_key, send.signature_method, &text),
    ));
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let raw = if send.method == "GET" {
        format!("GET /v2/index.php?{encoded} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    } else {
        format!(
            "POST /v2/index.php HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{encoded}",
            encoded.len()
        )
    };
    let (head, body) = http_exchange(app.addr, &raw).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

pub(crate) fn code_of(answer: &Value) -> (i64, &str) {
    (
        answer["code"].as_i64().unwrap_or(-1),
        answer["codeDesc"].as_str().unwrap_or(""),
    )
}

/// Alice (100001, `alice-key`) and Bob (100002, `bob-key`), a VPC each.
async fn two_accounts(app: &TestApp) -> (proto::Vpc, proto::Vpc) {
    let (_, web, db) = crate::api3::two_accounts(app).await;
    (web, db)
}

fn describe_state(answer: &Value, id: &str) -> i64 {
    answer["data"]
        .as_array()
        .and_then(|d| d.iter().find(|p| p["peeringConnectionId"] == id))
        .and_then(|p| p["state"].as_i64())
        .unwrap_or_else(|| panic!("{id} not in {answer}"))
}

#[tokio::test]
async fn the_seeds_create_and_the_lifecycle_share_state_with_grpc() {
    let app = TestApp::spawn().await;
    let (web, db) = two_accounts(&app).await;
    let alice = Legacy::new("AKID100001", "alice-key");
    let bob_post = Legacy {
        method: "POST",
        signature_method: V1Method::HmacSha256,
        ..Legacy::new("AKID100002", "bob-key")
    };

    // The seed's four parameters, exactly; legacy ids work as well.
    let created = call(
        &app,
        &alice,
        "CreateVpcPeeringConnection",
        &[
            ("vpcId", &web.vpc_id),
            ("peerVpcId", &db.un_vpc_id),
            ("peerUin", "100002"),
            ("peeringConnectionName", "web-db"),
        ],
    )
    .await;
    assert_eq!(code_of(&created), (0, "Success"), "{created}");
    assert_eq!(created["message"], "");
    let id = created["peeringConnectionId"].as_str().unwrap().to_owned();

    // gRPC sees it PENDING; bob accepts over the legacy API, with a form
    // POST signed HmacSHA256; gRPC sees it ACTIVE.
    let seen = app.all_peerings("AKID100002").await;
    assert_eq!(state(&seen[0]), proto::State::Pending);
    let listed = call(&app, &bob_post, "DescribeVpcPeeringConnections", &[]).await;
    assert_eq!(describe_state(&listed, &id), 0);
    let accepted = call(
        &app,
        &bob_post,
        "AcceptVpcPeeringConnection",
        &[("peeringConnectionId", &id)],
    )
    .await;
    assert_eq!(code_of(&accepted), (0, "Success"), "{accepted}");
    assert_eq!(
        state(&app.all_peerings("AKID100001").await[0]),
        proto::State::Active
    );

    // Describe with the legacy field names and types.
    let listed = call(
        &app,
        &alice,
        "DescribeVpcPeeringConnections",
        &[("vpcId", &db.vpc_id), ("state", "1")],
    )
    .await;
    assert_eq!(listed["totalCount"], 1, "{listed}");
    let item = &listed["data"][0];
    for (field, want) in [
        ("vpcId", web.vpc_id.as_str()),
        ("unVpcId", web.un_vpc_id.as_str()),
        ("peerVpcId", db.vpc_id.as_str()),
        ("unPeerVpcId", db.un_vpc_id.as_str()),
        ("uin", "100001"),
        ("peerUin", "100002"),
        ("peeringConnectionName", "web-db"),
        ("region", "gz"),
        ("peerRegion", "gz"),
        ("expireTime", ""),
    ] {
        assert_eq!(item[field], want, "{field} in {item}");
    }
    assert_eq!(item["state"], 1);
    assert!(
        item["appId"].is_i64() && item["peerAppId"].is_i64(),
        "{item}"
    );

    // Rename, delete; a peering made over gRPC is renamed over legacy.
    let renamed = call(
        &app,
        &bob_post,
        "ModifyVpcPeeringConnection",
        &[
            ("peeringConnectionId", &id),
            ("peeringConnectionName", "renamed"),
        ],
    )
    .await;
    assert_eq!(code_of(&renamed).0, 0, "{renamed}");
    let by_name = call(
        &app,
        &alice,
        "DescribeVpcPeeringConnections",
        &[("peeringConnectionName", "renamed")],
    )
    .await;
    assert_eq!(by_name["totalCount"], 1, "{by_name}");
    let deleted = call(
        &app,
        &alice,
        "DeleteVpcPeeringConnection",
        &[("peeringConnectionId", &id)],
    )
    .await;
    assert_eq!(code_of(&deleted).0, 0, "{deleted}");
    let listed = call(&app, &alice, "DescribeVpcPeeringConnections", &[]).await;
    assert_eq!(describe_state(&listed, &id), 4);
    app.stop().await;
}

#[tokio::test]
async fn the_seeds_error_codes_come_with_their_numeric_codes_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (web, db) = two_accounts(&app).await;
    let clash = app.vpc("AKID100002", "10.0.0.0/24").await;
    let alice = Legacy::new("AKID100001", "alice-key");
    let long = "x".repeat(61);
    let create = |vpc: &str, peer: &str, name: &str| {
        vec![
            ("vpcId", vpc.to_owned()),
            ("peerVpcId", peer.to_owned()),
            ("peerUin", "100002".to_owned()),
            ("peeringConnectionName", name.to_owned()),
        ]
    };
    app.set_quota("100002", "vpc-max-vpcpeers", 0).await;
    let cases = [
        (
            create(&web.un_vpc_id, &db.un_vpc_id, &long),
            4000,
            "InvalidPeeringConnectionName",
        ),
        (
            create(&web.un_vpc_id, &clash.un_vpc_id, "clash"),
            5100,
            "PeeringConnectionVpcConflict",
        ),
        (
            create(&web.un_vpc_id, &db.un_vpc_id, "full"),
            4400,
            "PeeringConnectionLimitExceeded",
        ),
        (
            create(&web.un_vpc_id, "vpc-nothere1", "missing"),
            5000,
            "InvalidVpc.NotFound",
        ),
    ];
    for (params, code, desc) in cases {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = call(&app, &alice, "CreateVpcPeeringConnection", &params).await;
        assert_eq!(code_of(&answer), (code, desc), "{answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    assert!(app.all_peerings("AKID100001").await.is_empty());

    for (action, params, code, desc) in [
        ("NoSuchAction", vec![], 4000, "InvalidAction"),
        (
            "AcceptVpcPeeringConnection",
            vec![("peeringConnectionId", "pcx-00000000")],
            5000,
            "InvalidPeeringConnection.NotFound",
        ),
        (
            "DescribeVpcPeeringConnections",
            vec![("colour", "red")],
            4000,
            "InvalidParameter",
        ),
        (
            "DescribeVpcPeeringConnections",
            vec![("limit", "51")],
            4000,
            "InvalidParameterValue.Range",
        ),
        (
            "CreateVpcPeeringConnection",
            vec![("vpcId", "vpc-x")],
            4000,
            "MissingParameter",
        ),
    ] {
        let answer = call(&app, &alice, action, &params).await;
        assert_eq!(code_of(&answer), (code, desc), "{action}: {answer}");
    }
    app.stop().await;
}

#[tokio::test]
async fn signatures_nonces_and_timestamps_are_checked() {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let alice = Legacy::new("AKID100001", "alice-key");
    let ok = |answer: &Value| code_of(answer).0 == 0;

    let cases: Vec<(&str, Legacy, i64, &str)> = vec![
        (
            "a wrong SecretKey",
            Legacy::new("AKID100001", "wrong"),
            4100,
            "AuthFailure.SignatureFailure",
        ),
        (
            "an unknown SecretId",
            Legacy::new("AKIDnobody", "x"),
            4100,
            "AuthFailure.SecretIdNotFound",
        ),
        (
            "signed as POST, sent as GET",
            Legacy {
                signed_as: Some("POST"),
                ..alice.clone()
            },
            4100,
            "AuthFailure.SignatureFailure",
        ),
        (
            "a stale Timestamp",
            Legacy {
                timestamp: alice.timestamp - 600,
                ..alice.clone()
            },
            4500,
            "AuthFailure.SignatureExpire",
        ),
        (
            "no Region",
            Legacy {
                region: "",
                ..alice.clone()
            },
            4000,
            "MissingParameter",
        ),
        (
            "an unknown Region",
            Legacy {
                region: "mars",
                ..alice.clone()
            },
            4000,
            "UnsupportedRegion",
        ),
    ];
    for (what, send, code, desc) in cases {
        let answer = call(&app, &send, "DescribeVpcPeeringConnections", &[]).await;
        assert_eq!(code_of(&answer), (code, desc), "{what}: {answer}");
    }

    // A Nonce is good once per SecretId within the window.
    let once = Legacy {
        nonce: Some("4242".into()),
        ..alice.clone()
    };
    assert!(ok(
        &call(&app, &once, "DescribeVpcPeeringConnections", &[]).await
    ));
    let replayed = call(&app, &once, "DescribeVpcPeeringConnections", &[]).await;
    assert_eq!(
        code_of(&replayed),
        (4500, "AuthFailure.RequestReplayed"),
        "{replayed}"
    );
    let bob = Legacy {
        nonce: Some("4242".into()),
        ..Legacy::new("AKID100002", "bob-key")
    };
    assert!(ok(
        &call(&app, &bob, "DescribeVpcPeeringConnections", &[]).await
    ));

    // Both methods and both ways of sending work; the full region name too.
    for (method, signature_method) in [("GET", V1Method::HmacSha256), ("POST", V1Method::HmacSha1)]
    {
        let send = Legacy {
            method,
            signature_method,
            region: "ap-guangzhou",
            ..alice.clone()
        };
        let answer = call(&app, &send, "DescribeVpcPeeringConnections", &[]).await;
        assert!(ok(&answer), "{method} {signature_method:?}: {answer}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_expired_request_is_enabled_again_after_the_clock_moves() {
    let app = TestApp::spawn().await;
    let (web, db) = two_accounts(&app).await;
    let alice = Legacy::new("AKID100001", "alice-key");
    let created = call(
        &app,
        &alice,
        "CreateVpcPeeringConnection",
        &[
            ("vpcId", &web.un_vpc_id),
            ("peerVpcId", &db.un_vpc_id),
            ("peerUin", "100002"),
            ("peeringConnectionName", "waits"),
        ],
    )
    .await;
    let id = created["peeringConnectionId"].as_str().unwrap().to_owned();
    app.admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest {
            seconds: 8 * 86_400,
        }))
        .await
        .unwrap();
    // The client still stamps its requests with real time, which is
    // accepted beside the simulator's clock: moving the clock does not lock
    // the SDKs out.
    let listed = call(&app, &alice, "DescribeVpcPeeringConnections", &[]).await;
    assert_eq!(describe_state(&listed, &id), 2, "{listed}");
    assert!(
        listed["data"][0]["expireTime"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let bob = Legacy::new("AKID100002", "bob-key");
    let refused = call(
        &app,
        &bob,
        "EnableVpcPeeringConnection",
        &[("peeringConnectionId", &id)],
    )
    .await;
    assert_eq!(
        code_of(&refused),
        (4300, "UnsupportedOperation.VpcPeerPurviewError"),
        "{refused}"
    );
    let enabled = call(
        &app,
        &alice,
        "EnableVpcPeeringConnection",
        &[("peeringConnectionId", &id)],
    )
    .await;
    assert_eq!(code_of(&enabled).0, 0, "{enabled}");
    let listed = call(&app, &alice, "DescribeVpcPeeringConnections", &[]).await;
    assert_eq!(describe_state(&listed, &id), 0);
    // The simulator's clock counts too: a request stamped with it passes.
    let clock = app.clock().await;
    let on_clock = Legacy {
        timestamp: chrono::Utc::now().timestamp() + clock.offset_seconds,
        ..alice.clone()
    };
    let answer = call(&app, &on_clock, "DescribeVpcPeeringConnections", &[]).await;
    assert_eq!(code_of(&answer).0, 0, "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn vpcs_and_cross_region_peerings_over_the_legacy_api() {
    let app = TestApp::spawn().await;
    let (web, _) = two_accounts(&app).await;
    let alice = Legacy::new("AKID100001", "alice-key");
    let bob_sh = Legacy {
        region: "sh",
        ..Legacy::new("AKID100002", "bob-key")
    };
    let made = call(
        &app,
        &bob_sh,
        "CreateVpc",
        &[("vpcName", "db-sh"), ("cidrBlock", "10.9.0.0/16")],
    )
    .await;
    assert_eq!(code_of(&made).0, 0, "{made}");
    let legacy_id = made["vpcId"].as_str().unwrap().to_owned();
    assert!(legacy_id.starts_with("sh_vpc_"), "{made}");
    let listed = call(&app, &bob_sh, "DescribeVpcEx", &[("vpcName", "sh")]).await;
    assert_eq!(listed["totalCount"], 1, "{listed}");
    assert_eq!(listed["data"][0]["unVpcId"], made["unVpcId"]);
    assert_eq!(listed["data"][0]["cidrBlock"], "10.9.0.0/16");

    let created = call(
        &app,
        &alice,
        "CreateVpcPeeringConnectionEx",
        &[
            ("vpcId", &web.un_vpc_id),
            ("peerVpcId", &legacy_id),
            ("peerUin", "100002"),
            ("peerRegion", "sh"),
            ("bandwidth", "10"),
            ("peeringConnectionName", "far"),
        ],
    )
    .await;
    assert_eq!(code_of(&created).0, 0, "{created}");
    assert!(created["taskId"].is_u64(), "{created}");
    let id = created["peeringConnectionId"].as_str().unwrap().to_owned();
    let seen = call(&app, &bob_sh, "DescribeVpcPeeringConnections", &[]).await;
    let item = &seen["data"][0];
    assert_eq!(
        (
            &item["peeringConnectionId"],
            &item["region"],
            &item["peerRegion"],
            &item["bandwidth"]
        ),
        (
            &Value::from(id.as_str()),
            &Value::from("gz"),
            &Value::from("sh"),
            &Value::from(10)
        ),
        "{seen}"
    );
    let in_use = call(&app, &bob_sh, "DeleteVpc", &[("vpcId", &legacy_id)]).await;
    assert_eq!(code_of(&in_use), (5100, "ResourceInUse"), "{in_use}");
    let rejected = call(
        &app,
        &bob_sh,
        "RejectVpcPeeringConnectionEx",
        &[("peeringConnectionId", &id)],
    )
    .await;
    assert!(rejected["taskId"].is_u64(), "{rejected}");
    let deleted = call(&app, &bob_sh, "DeleteVpc", &[("vpcId", &legacy_id)]).await;
    assert_eq!(code_of(&deleted).0, 0, "{deleted}");
    // gRPC agrees that it is gone.
    let gone = app
        .vpcs()
        .delete_vpc(authed(
            "AKID100002",
            proto::DeleteVpcRequest {
                vpc_id: made["unVpcId"].as_str().unwrap().into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&gone, Code::NotFound, "InvalidVpc.NotFound");
    app.stop().await;
}
