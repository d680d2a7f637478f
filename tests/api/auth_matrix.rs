//! Who may call what: every RPC without a token, with a bad token, with
//! another account's token; every admin RPC without the admin token.

use tonic::{Code, Request, Status, metadata::MetadataMap};
use vpcsim::proto;

use crate::helpers::{Options, TestApp, assert_error, authed};

fn request<T>(metadata: &MetadataMap, message: T) -> Request<T> {
    let mut request = Request::new(message);
    *request.metadata_mut() = metadata.clone();
    request
}

/// Calls every Peering and Vpc RPC with default messages and `metadata`.
async fn every_account_rpc(app: &TestApp, metadata: &MetadataMap) -> Vec<(&'static str, Status)> {
    let (mut p, mut v) = (app.peering(), app.vpcs());
    let m = metadata;
    vec![
        (
            "CreateVpcPeeringConnection",
            p.create_vpc_peering_connection(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "AcceptVpcPeeringConnection",
            p.accept_vpc_peering_connection(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "RejectVpcPeeringConnection",
            p.reject_vpc_peering_connection(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "DeleteVpcPeeringConnection",
            p.delete_vpc_peering_connection(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "ModifyVpcPeeringConnection",
            p.modify_vpc_peering_connection(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "EnableVpcPeeringConnection",
            p.enable_vpc_peering_connection(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "DescribeVpcPeeringConnections",
            p.describe_vpc_peering_connections(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "CreateVpc",
            v.create_vpc(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "DescribeVpcEx",
            v.describe_vpc_ex(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "DeleteVpc",
            v.delete_vpc(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "CreateAssistantCidr",
            v.create_assistant_cidr(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
        (
            "DeleteAssistantCidr",
            v.delete_assistant_cidr(request(m, Default::default()))
                .await
                .unwrap_err(),
        ),
    ]
}

/// Calls every AdminService RPC with default messages and `metadata`.
async fn every_admin_rpc(app: &TestApp, metadata: &MetadataMap) -> Vec<(&'static str, Status)> {
    let mut a = app.admin();
    let m = metadata;
    vec![
        (
            "CreateAccount",
            err(a.create_account(request(m, Default::default())).await),
        ),
        (
            "DescribeAccounts",
            err(a.describe_accounts(request(m, Default::default())).await),
        ),
        (
            "SetQuota",
            err(a.set_quota(request(m, Default::default())).await),
        ),
        (
            "DescribeQuotas",
            err(a.describe_quotas(request(m, Default::default())).await),
        ),
        (
            "LoadScenario",
            err(a.load_scenario(request(m, Default::default())).await),
        ),
        (
            "DumpScenario",
            err(a.dump_scenario(request(m, Default::default())).await),
        ),
        ("Reset", err(a.reset(request(m, Default::default())).await)),
        (
            "SaveSnapshot",
            err(a.save_snapshot(request(m, Default::default())).await),
        ),
        (
            "RestoreSnapshot",
            err(a.restore_snapshot(request(m, Default::default())).await),
        ),
        (
            "ListSnapshots",
            err(a.list_snapshots(request(m, Default::default())).await),
        ),
        (
            "DeleteSnapshot",
            err(a.delete_snapshot(request(m, Default::default())).await),
        ),
        (
            "GetClock",
            err(a.get_clock(request(m, Default::default())).await),
        ),
        (
            "AdvanceClock",
            err(a.advance_clock(request(m, Default::default())).await),
        ),
        (
            "SetClock",
            err(a.set_clock(request(m, Default::default())).await),
        ),
        (
            "DescribeEvents",
            err(a.describe_events(request(m, Default::default())).await),
        ),
        (
            "WatchEvents",
            err(a.watch_events(request(m, Default::default())).await),
        ),
    ]
}

fn err<T>(result: Result<tonic::Response<T>, Status>) -> Status {
    result.err().expect("the call is refused")
}

fn bearer(token: &str) -> MetadataMap {
    let mut m = MetadataMap::new();
    m.insert("authorization", format!("Bearer {token}").parse().unwrap());
    m
}

#[tokio::test]
async fn every_account_rpc_needs_a_known_secret_id() {
    let app = TestApp::spawn().await;
    app.account("100001").await;
    let cases = [
        (MetadataMap::new(), "AuthFailure.InvalidAuthorization"),
        (bearer(""), "AuthFailure.InvalidAuthorization"),
        (
            {
                let mut m = MetadataMap::new();
                m.insert("authorization", "Basic AKID100001".parse().unwrap());
                m
            },
            "AuthFailure.InvalidAuthorization",
        ),
        (bearer("AKIDnobody"), "AuthFailure.SecretIdNotFound"),
        // An account's secret key is not its SecretId.
        (bearer("key"), "AuthFailure.SecretIdNotFound"),
    ];
    for (metadata, code) in cases {
        for (rpc, status) in every_account_rpc(&app, &metadata).await {
            assert_eq!(
                status.code(),
                Code::Unauthenticated,
                "{rpc} with {metadata:?}: {status:?}"
            );
            assert!(
                status.message().starts_with(code),
                "{rpc}: {}",
                status.message()
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn every_admin_rpc_needs_the_admin_token_when_one_is_set() {
    let app = TestApp::spawn_with(Options {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    app.account("100001").await;
    let cases = [
        (MetadataMap::new(), "AuthFailure.InvalidAuthorization"),
        (bearer("wrong"), "AuthFailure.InvalidAdminToken"),
        (bearer("s3cre"), "AuthFailure.InvalidAdminToken"),
        // An account's SecretId opens no admin call.
        (bearer("AKID100001"), "AuthFailure.InvalidAdminToken"),
    ];
    for (metadata, code) in cases {
        for (rpc, status) in every_admin_rpc(&app, &metadata).await {
            assert_eq!(status.code(), Code::Unauthenticated, "{rpc}: {status:?}");
            assert!(
                status.message().starts_with(code),
                "{rpc}: {}",
                status.message()
            );
        }
    }
    // And nothing changed: one account, as before.
    let accounts = app
        .admin()
        .describe_accounts(app.admin_req(proto::DescribeAccountsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accounts.accounts.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn another_accounts_resources_read_as_not_found_everywhere() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let carol = app.account("100003").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let own = app.vpc(&carol, "10.2.0.0/16").await;
    let pcx = app
        .create_peering(&alice, &web, &db, "web-db")
        .await
        .unwrap()
        .peering_connection_id;
    let id = || pcx.clone();
    let (mut p, mut v) = (app.peering(), app.vpcs());
    let c = carol.as_str();
    let not_found: Vec<(&str, Status, &str)> = vec![
        (
            "Accept",
            p.accept_vpc_peering_connection(authed(
                c,
                proto::AcceptVpcPeeringConnectionRequest {
                    peering_connection_id: id(),
                },
            ))
            .await
            .unwrap_err(),
            "InvalidPeeringConnection.NotFound",
        ),
        (
            "Reject",
            p.reject_vpc_peering_connection(authed(
                c,
                proto::RejectVpcPeeringConnectionRequest {
                    peering_connection_id: id(),
                },
            ))
            .await
            .unwrap_err(),
            "InvalidPeeringConnection.NotFound",
        ),
        (
            "Delete",
            p.delete_vpc_peering_connection(authed(
                c,
                proto::DeleteVpcPeeringConnectionRequest {
                    peering_connection_id: id(),
                },
            ))
            .await
            .unwrap_err(),
            "InvalidPeeringConnection.NotFound",
        ),
        (
            "Modify",
            p.modify_vpc_peering_connection(authed(
                c,
                proto::ModifyVpcPeeringConnectionRequest {
                    peering_connection_id: id(),
                    peering_connection_name: "x".into(),
                },
            ))
            .await
            .unwrap_err(),
            "InvalidPeeringConnection.NotFound",
        ),
        (
            "Enable",
            p.enable_vpc_peering_connection(authed(
                c,
                proto::EnableVpcPeeringConnectionRequest {
                    peering_connection_id: id(),
                },
            ))
            .await
            .unwrap_err(),
            "InvalidPeeringConnection.NotFound",
        ),
        (
            "Create from another's VPC",
            p.create_vpc_peering_connection(authed(
                c,
                proto::CreateVpcPeeringConnectionRequest {
                    vpc_id: web.un_vpc_id.clone(),
                    peer_vpc_id: own.un_vpc_id.clone(),
                    peer_uin: "100003".into(),
                    peering_connection_name: "x".into(),
                    peer_region: None,
                },
            ))
            .await
            .unwrap_err(),
            "InvalidVpc.NotFound",
        ),
        (
            "DeleteVpc",
            v.delete_vpc(authed(
                c,
                proto::DeleteVpcRequest {
                    vpc_id: web.vpc_id.clone(),
                },
            ))
            .await
            .unwrap_err(),
            "InvalidVpc.NotFound",
        ),
        (
            "CreateAssistantCidr",
            v.create_assistant_cidr(authed(
                c,
                proto::CreateAssistantCidrRequest {
                    vpc_id: web.vpc_id.clone(),
                    cidr_blocks: vec!["172.16.0.0/16".into()],
                },
            ))
            .await
            .unwrap_err(),
            "InvalidVpc.NotFound",
        ),
        (
            "DeleteAssistantCidr",
            v.delete_assistant_cidr(authed(
                c,
                proto::DeleteAssistantCidrRequest {
                    vpc_id: web.vpc_id.clone(),
                    cidr_blocks: vec!["172.16.0.0/16".into()],
                },
            ))
            .await
            .unwrap_err(),
            "InvalidVpc.NotFound",
        ),
    ];
    for (what, status, code) in not_found {
        assert_error(&status, Code::NotFound, code);
        // The message names only what the caller sent.
        assert!(
            !status.message().contains("100001") && !status.message().contains("100002"),
            "{what}: {}",
            status.message()
        );
    }
    // Reads show nothing of it.
    let page = app
        .describe(
            c,
            proto::DescribeVpcPeeringConnectionsRequest {
                peering_connection_id: id(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, 0);
    let page = app
        .describe(
            c,
            proto::DescribeVpcPeeringConnectionsRequest {
                vpc_id: web.vpc_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, 0);
    let vpcs = v
        .describe_vpc_ex(authed(
            c,
            proto::DescribeVpcExRequest {
                vpc_id: web.un_vpc_id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(vpcs.total_count, 0);
    app.stop().await;
}
