//! One rule for the same bad input, whichever front end it comes through:
//! each row sends one mistake to gRPC, API 3.0 and the legacy API, and all
//! three answer with the same code of the one error table (its gRPC reason,
//! its API 3.0 code, its legacy numeric code and `codeDesc`). Nothing is
//! created by any of them.

use tonic::Status;
use vpcsim::{domain::ErrorCode, proto};

use crate::{
    api3::{self, Send},
    helpers::{TestApp, authed},
    legacy::{self, Legacy},
};

/// The code a gRPC error carries in its `ErrorInfo`.
fn grpc_reason(status: &Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .error_info()
        .map(|i| i.reason.clone())
        .unwrap_or_default()
}

/// One mistake, as each front end spells it.
struct Row {
    what: &'static str,
    code: ErrorCode,
    /// `None` where gRPC cannot carry the mistake (see the rows).
    grpc: Option<Result<(), Status>>,
    api3: (&'static str, String),
    legacy: (&'static str, Vec<(&'static str, String)>),
}

#[tokio::test]
async fn every_front_end_gives_the_same_bad_input_the_same_code() {
    let app = TestApp::spawn().await;
    let (_, web, db) = api3::two_accounts(&app).await;
    let alice = "AKID100001";
    let peer = |name: &str| proto::CreateVpcPeeringConnectionRequest {
        vpc_id: web.vpc_id.clone(),
        peer_vpc_id: db.vpc_id.clone(),
        peer_uin: "100002".into(),
        peering_connection_name: name.into(),
        ..Default::default()
    };
    let describe = |req: proto::DescribeVpcPeeringConnectionsRequest| {
        let mut client = app.peering();
        async move {
            client
                .describe_vpc_peering_connections(authed(alice, req))
                .await
                .map(drop)
        }
    };
    let huge = "99999999999999999999999".to_owned();

    let rows = vec![
        Row {
            what: "an empty VPC name",
            code: ErrorCode::InvalidParameterValue,
            grpc: Some(
                app.vpcs()
                    .create_vpc(authed(
                        alice,
                        proto::CreateVpcRequest {
                            tags: Vec::new(),
                            vpc_name: String::new(),
                            cidr_block: "10.9.0.0/16".into(),
                        },
                    ))
                    .await
                    .map(drop),
            ),
            api3: (
                "CreateVpc",
                r#"{"VpcName": "", "CidrBlock": "10.9.0.0/16"}"#.into(),
            ),
            legacy: (
                "CreateVpc",
                vec![
                    ("vpcName", String::new()),
                    ("cidrBlock", "10.9.0.0/16".into()),
                ],
            ),
        },
        Row {
            what: "an empty peering name",
            code: ErrorCode::InvalidPeeringConnectionName,
            grpc: Some(
                app.peering()
                    .create_vpc_peering_connection(authed(alice, peer("")))
                    .await
                    .map(drop),
            ),
            api3: (
                "CreateVpcPeeringConnection",
                format!(
                    r#"{{"SourceVpcId": "{}", "DestinationVpcId": "{}", "DestinationUin": "100002",
                        "DestinationRegion": "ap-guangzhou", "PeeringConnectionName": ""}}"#,
                    web.un_vpc_id, db.un_vpc_id
                ),
            ),
            legacy: (
                "CreateVpcPeeringConnection",
                vec![
                    ("vpcId", web.un_vpc_id.clone()),
                    ("peerVpcId", db.un_vpc_id.clone()),
                    ("peerUin", "100002".into()),
                    ("peeringConnectionName", String::new()),
                ],
            ),
        },
        Row {
            what: "a state filter no peering can be in",
            code: ErrorCode::InvalidParameterValueRange,
            grpc: Some(
                describe(proto::DescribeVpcPeeringConnectionsRequest {
                    state: 99,
                    ..Default::default()
                })
                .await,
            ),
            api3: (
                "DescribeVpcPeeringConnections",
                r#"{"Filters": [{"Name": "state", "Values": ["active"]}]}"#.into(),
            ),
            legacy: ("DescribeVpcPeeringConnections", vec![("state", "9".into())]),
        },
        Row {
            what: "an order direction that is neither way",
            code: ErrorCode::InvalidParameterValueRange,
            grpc: Some(
                describe(proto::DescribeVpcPeeringConnectionsRequest {
                    order_direction: "up".into(),
                    ..Default::default()
                })
                .await,
            ),
            api3: (
                "DescribeVpcPeeringConnections",
                r#"{"OrderDirection": "up"}"#.into(),
            ),
            legacy: (
                "DescribeVpcPeeringConnections",
                vec![("orderDirection", "up".into())],
            ),
        },
        Row {
            what: "a limit over the most a page holds",
            code: ErrorCode::InvalidParameterValueRange,
            grpc: Some(
                describe(proto::DescribeVpcPeeringConnectionsRequest {
                    limit: Some(1000),
                    ..Default::default()
                })
                .await,
            ),
            api3: ("DescribeVpcPeeringConnections", r#"{"Limit": 1000}"#.into()),
            legacy: (
                "DescribeVpcPeeringConnections",
                vec![("limit", "1000".into())],
            ),
        },
        // gRPC's int64 cannot hold the number at all.
        Row {
            what: "an offset beyond any integer",
            code: ErrorCode::InvalidParameterValueRange,
            grpc: None,
            api3: (
                "DescribeVpcPeeringConnections",
                format!(r#"{{"Offset": "{huge}"}}"#),
            ),
            legacy: (
                "DescribeVpcPeeringConnections",
                vec![("offset", huge.clone())],
            ),
        },
        Row {
            what: "an offset beyond any integer, as a JSON number",
            code: ErrorCode::InvalidParameterValueRange,
            grpc: None,
            api3: (
                "DescribeVpcPeeringConnections",
                format!(r#"{{"Offset": {huge}}}"#),
            ),
            legacy: (
                "DescribeVpcPeeringConnections",
                vec![("offset", huge.clone())],
            ),
        },
        // Protobuf defines a field sent twice as its last value (see
        // below), so only the two HTTP front ends can refuse it.
        Row {
            what: "a parameter given twice",
            code: ErrorCode::InvalidParameter,
            grpc: None,
            api3: (
                "DescribeVpcPeeringConnections",
                r#"{"Limit": 5, "Limit": 6}"#.into(),
            ),
            legacy: (
                "DescribeVpcPeeringConnections",
                vec![("limit", "5".into()), ("limit", "6".into())],
            ),
        },
    ];

    let send = Send::as_account(alice, "alice-key");
    let legacy_send = Legacy::new(alice, "alice-key");
    let mut wrong = Vec::new();
    for row in rows {
        let code = row.code;
        if let Some(grpc) = &row.grpc {
            match grpc {
                Err(status) if grpc_reason(status) == code.as_str() => {}
                other => wrong.push(format!("{}: gRPC answered {other:?}", row.what)),
            }
        }
        let answer = api3::call(&app, &send, row.api3.0, &row.api3.1).await;
        if answer.error_code() != Some(code.api3_code()) {
            wrong.push(format!("{}: API 3.0 answered {}", row.what, answer.body));
        }
        let params: Vec<(&str, &str)> =
            row.legacy.1.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = legacy::call(&app, &legacy_send, row.legacy.0, &params).await;
        if legacy::code_of(&answer) != (i64::from(code.legacy_code()), code.as_str()) {
            wrong.push(format!("{}: legacy answered {answer}", row.what));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Nothing was made: one VPC each, no peering.
    let vpcs = app
        .vpcs()
        .describe_vpc_ex(authed(alice, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(vpcs.total_count, 1);
    assert!(app.all_peerings(alice).await.is_empty());

    // gRPC: a field sent twice is its last value, as protobuf defines
    // (DescribeVpcExRequest.limit, field 4, as 5 and then as 1).
    app.vpc(alice, "10.9.0.0/16").await;
    let twice = vec![0x20, 5, 0x20, 1];
    let answer = app
        .call_raw("/vpcsim.v1.VpcService/DescribeVpcEx", authed(alice, twice))
        .await
        .expect("a repeated field is valid protobuf");
    let answer: proto::DescribeVpcExResponse =
        prost::Message::decode(answer.into_inner().as_slice()).unwrap();
    assert_eq!((answer.total_count, answer.data.len()), (2, 1));
    app.stop().await;
}
