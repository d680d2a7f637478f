//! One test per error code of the API contract, each checking the gRPC status,
//! the code in the message and details, and that nothing changed.

use tonic::{Code, Request};
use vpcsim::proto::{self, State};

use crate::helpers::{Act, TestApp, api3_code, assert_error, authed, authed_in, bad_field, state};

/// Two accounts with one VPC each, ready to peer.
struct World {
    app: TestApp,
    alice: String,
    bob: String,
    web: proto::Vpc,
    db: proto::Vpc,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    World {
        app,
        alice,
        bob,
        web,
        db,
    }
}

fn create_req(
    vpc: &proto::Vpc,
    peer: &proto::Vpc,
    name: &str,
) -> proto::CreateVpcPeeringConnectionRequest {
    proto::CreateVpcPeeringConnectionRequest {
        vpc_id: vpc.un_vpc_id.clone(),
        peer_vpc_id: peer.un_vpc_id.clone(),
        peer_uin: peer.uin.clone(),
        peering_connection_name: name.into(),
        peer_region: None,
    }
}

#[tokio::test]
async fn invalid_peering_connection_name() {
    let w = world().await;
    let mut peering = w.app.peering();
    let blank_or_padded = ["   ", "\u{3000}", " web-db", "web-db "].map(String::from);
    for name in ["".to_owned(), "对".repeat(61), "tab\there".to_owned()]
        .into_iter()
        .chain(blank_or_padded)
    {
        let err = peering
            .create_vpc_peering_connection(authed(&w.alice, create_req(&w.web, &w.db, &name)))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidPeeringConnectionName");
        assert_eq!(bad_field(&err).as_deref(), Some("peering_connection_name"));
    }
    // 60 CJK characters are fine (characters, not bytes).
    let ok = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, &"对".repeat(60))
        .await
        .unwrap();
    let err = peering
        .modify_vpc_peering_connection(authed(
            &w.alice,
            proto::ModifyVpcPeeringConnectionRequest {
                peering_connection_id: ok.peering_connection_id.clone(),
                peering_connection_name: "x".repeat(61),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidPeeringConnectionName");
    assert_eq!(w.app.all_peerings(&w.alice).await, vec![ok]);
}

#[tokio::test]
async fn invalid_parameter_value_for_names_and_quota_names() {
    let w = world().await;
    let err = w
        .app
        .vpcs()
        .create_vpc(authed(
            &w.alice,
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "n".repeat(61),
                cidr_block: "10.2.0.0/16".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    assert_eq!(bad_field(&err).as_deref(), Some("vpc_name"));
    // Blank names, and names padded with spaces, look like other names.
    for name in ["   ", " web", "web\u{a0}"] {
        let err = w
            .app
            .vpcs()
            .create_vpc(authed(
                &w.alice,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: name.into(),
                    cidr_block: "10.2.0.0/16".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
        assert_eq!(bad_field(&err).as_deref(), Some("vpc_name"), "{name:?}");
        assert!(err.message().contains("whitespace"), "{err:?}");
    }
    let err = w
        .app
        .admin()
        .create_account(w.app.admin_req(proto::CreateAccountRequest {
            uin: "100003".into(),
            name: " ".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    assert_eq!(bad_field(&err).as_deref(), Some("name"));
    let err = w
        .app
        .admin()
        .set_quota(w.app.admin_req(proto::SetQuotaRequest {
            uin: "100001".into(),
            region: String::new(),
            quota_name: "vpc-max-everything".into(),
            limit: 5,
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
}

#[tokio::test]
async fn invalid_parameter_value_malformed() {
    let w = world().await;
    let err = w
        .app
        .vpcs()
        .create_vpc(authed(
            &w.alice,
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "v".into(),
                cidr_block: "10.2.0.1/16".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameterValue.Malformed",
    );
    assert_eq!(bad_field(&err).as_deref(), Some("cidr_block"));
    let mut req = create_req(&w.web, &w.db, "x");
    req.peer_vpc_id = "vpc-NOTVALID".into();
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed(&w.alice, req))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameterValue.Malformed",
    );
    assert_eq!(bad_field(&err).as_deref(), Some("peer_vpc_id"));
    let mut req = create_req(&w.web, &w.db, "x");
    req.peer_uin = "bob".into();
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed(&w.alice, req))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameterValue.Malformed",
    );
    assert!(w.app.all_peerings(&w.alice).await.is_empty());
}

#[tokio::test]
async fn invalid_parameter_value_range() {
    let w = world().await;
    // 10.0.0.0/8 itself: inside it, prefixes run from /12 (the API text).
    for cidr in [
        "11.0.0.0/16",
        "10.0.0.0/29",
        "192.168.0.0/15",
        "10.0.0.0/8",
        "10.0.0.0/11",
    ] {
        let err = w
            .app
            .vpcs()
            .create_vpc(authed(
                &w.alice,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: "v".into(),
                    cidr_block: cidr.into(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    }
    for (offset, limit, field) in [
        (Some(-1), None, "offset"),
        (None, Some(0), "limit"),
        (None, Some(51), "limit"),
    ] {
        let err = w
            .app
            .describe(
                &w.alice,
                proto::DescribeVpcPeeringConnectionsRequest {
                    offset,
                    limit,
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
        assert_eq!(bad_field(&err).as_deref(), Some(field));
    }
}

#[tokio::test]
async fn invalid_parameter_value_overlap() {
    let w = world().await;
    for blocks in [vec!["10.0.1.0/24"], vec!["172.16.0.0/16", "172.16.1.0/24"]] {
        let err = w
            .app
            .vpcs()
            .create_assistant_cidr(authed(
                &w.alice,
                proto::CreateAssistantCidrRequest {
                    vpc_id: w.web.vpc_id.clone(),
                    cidr_blocks: blocks.iter().map(|b| b.to_string()).collect(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Overlap");
    }
}

#[tokio::test]
async fn missing_parameter() {
    let w = world().await;
    let mut req = create_req(&w.web, &w.db, "x");
    req.vpc_id.clear();
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed(&w.alice, req))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "MissingParameter");
    assert_eq!(bad_field(&err).as_deref(), Some("vpc_id"));
    let err = w
        .app
        .peering()
        .accept_vpc_peering_connection(authed(
            &w.bob,
            proto::AcceptVpcPeeringConnectionRequest::default(),
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "MissingParameter");
}

#[tokio::test]
async fn unsupported_region() {
    let w = world().await;
    let err = w
        .app
        .peering()
        .describe_vpc_peering_connections(authed_in(
            &w.alice,
            "mars-north-1",
            proto::DescribeVpcPeeringConnectionsRequest::default(),
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "UnsupportedRegion");
    // The message lists what would have worked, both name forms.
    for region in ["mars-north-1", "ap-guangzhou (gz)", "eu-frankfurt (de)"] {
        assert!(err.message().contains(region), "{region}: {err:?}");
    }
    let err = w
        .app
        .admin()
        .describe_quotas(w.app.admin_req(proto::DescribeQuotasRequest {
            uin: "100001".into(),
            region: "x".repeat(10_000),
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "UnsupportedRegion");
    assert!(err.message().contains("na-siliconvalley (usw)"), "{err:?}");
}

#[tokio::test]
async fn invalid_vpc_not_found() {
    let w = world().await;
    // Bob's VPC named as Alice's own: not found, not forbidden.
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed(&w.alice, create_req(&w.db, &w.web, "x")))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidVpc.NotFound");
    // The peer VPC with the wrong owner.
    let mut req = create_req(&w.web, &w.db, "x");
    req.peer_uin = "100001".into();
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed(&w.alice, req))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidVpc.NotFound");
    // Both VPCs exist, but in ap-guangzhou, not the call's region.
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed_in(&w.alice, "sh", create_req(&w.web, &w.db, "x")))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidVpc.NotFound");
    // Another account's VPC cannot be deleted or described either.
    let err = w
        .app
        .vpcs()
        .delete_vpc(authed(
            &w.alice,
            proto::DeleteVpcRequest {
                vpc_id: w.db.vpc_id.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidVpc.NotFound");
    assert!(err.message().contains(&w.db.vpc_id));
    assert!(w.app.all_peerings(&w.alice).await.is_empty());
}

#[tokio::test]
async fn invalid_peering_connection_not_found() {
    let w = world().await;
    let carol = w.app.account("100003").await;
    let p = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "web-db")
        .await
        .unwrap();
    // A third account sees nothing of it, in reads and in writes.
    let err = w
        .app
        .act(Act::Delete, &carol, &p.peering_connection_id)
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidPeeringConnection.NotFound");
    assert!(w.app.all_peerings(&carol).await.is_empty());
    let err = w
        .app
        .act(Act::Accept, &w.bob, "pcx-00000000")
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidPeeringConnection.NotFound");
    assert_eq!(
        state(&w.app.all_peerings(&w.alice).await[0]),
        State::Pending
    );
}

#[tokio::test]
async fn invalid_account_not_found() {
    let w = world().await;
    let err = w
        .app
        .admin()
        .set_quota(w.app.admin_req(proto::SetQuotaRequest {
            uin: "999".into(),
            region: String::new(),
            quota_name: "vpc-max-vpcpeers".into(),
            limit: 5,
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidAccount.NotFound");
    let err = w
        .app
        .admin()
        .describe_quotas(w.app.admin_req(proto::DescribeQuotasRequest {
            uin: "999".into(),
            region: String::new(),
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidAccount.NotFound");
}

#[tokio::test]
async fn peering_connection_vpc_conflict() {
    let w = world().await;
    // A VPC peering itself.
    let err = w
        .app
        .create_peering(&w.alice, &w.web, &w.web, "self")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    // Overlapping primaries.
    let web2 = w.app.vpc(&w.bob, "10.0.128.0/17").await;
    let err = w
        .app
        .create_peering(&w.alice, &w.web, &web2, "overlap")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert_eq!(api3_code(&err), "UnsupportedOperation.VpcPeerCidrConflict");
    // An assistant block overlapping the other VPC's primary.
    let side = w.app.vpc(&w.bob, "192.168.0.0/16").await;
    w.app
        .vpcs()
        .create_assistant_cidr(authed(
            &w.alice,
            proto::CreateAssistantCidrRequest {
                vpc_id: w.web.un_vpc_id.clone(),
                cidr_blocks: vec!["192.168.5.0/24".into()],
            },
        ))
        .await
        .unwrap();
    let err = w
        .app
        .create_peering(&w.alice, &w.web, &side, "assistant")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert!(w.app.all_peerings(&w.alice).await.is_empty());
}

#[tokio::test]
async fn live_peers_of_one_vpc_must_not_overlap() {
    let w = world().await;
    let first = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "first")
        .await
        .unwrap();
    // A second peer of web that overlaps web's live peer db.
    let db_twin = w.app.vpc(&w.bob, "10.1.0.0/24").await;
    let err = w
        .app
        .create_peering(&w.alice, &w.web, &db_twin, "twin")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert!(
        err.message().contains(&first.peering_connection_id),
        "{}",
        err.message()
    );
    assert_eq!(api3_code(&err), "UnauthorizedOperation.VpcPeerCidrConflict");
    // From the other side: a VPC overlapping web cannot join db's peers.
    let carol = w.app.account("100003").await;
    let web_twin = w.app.vpc(&carol, "10.0.0.0/24").await;
    let err = w
        .app
        .create_peering(&carol, &web_twin, &w.db, "twin")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    // Once the first peering is rejected, it no longer counts.
    w.app
        .act(Act::Reject, &w.bob, &first.peering_connection_id)
        .await
        .unwrap();
    w.app
        .create_peering(&w.alice, &w.web, &db_twin, "twin")
        .await
        .unwrap();
}

#[tokio::test]
async fn pending_requests_count_as_live_peers() {
    let w = world().await;
    let carol = w.app.account("100003").await;
    let hub = w.app.vpc(&carol, "172.16.0.0/16").await;
    // A pending request already counts: a second request into the hub from
    // a VPC that overlaps the first requester is refused at once.
    let other = w.app.vpc(&w.bob, "10.0.0.0/24").await;
    let a = w
        .app
        .create_peering(&w.alice, &w.web, &hub, "a")
        .await
        .unwrap();
    let err = w
        .app
        .create_peering(&w.bob, &other, &hub, "b")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    w.app
        .act(Act::Accept, &carol, &a.peering_connection_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn vpc_peer_invalid_state_change() {
    let w = world().await;
    let p = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "web-db")
        .await
        .unwrap();
    let accept = || proto::AcceptVpcPeeringConnectionRequest {
        peering_connection_id: p.peering_connection_id.clone(),
    };
    w.app
        .peering()
        .accept_vpc_peering_connection(authed(&w.bob, accept()))
        .await
        .unwrap();
    let err = w
        .app
        .peering()
        .accept_vpc_peering_connection(authed(&w.bob, accept()))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );
    let err = w
        .app
        .act(Act::Reject, &w.bob, &p.peering_connection_id)
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );
    assert_eq!(state(&w.app.all_peerings(&w.alice).await[0]), State::Active);
}

#[tokio::test]
async fn resource_in_use() {
    let w = world().await;
    let p = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "web-db")
        .await
        .unwrap();
    for (secret, vpc) in [(&w.alice, &w.web), (&w.bob, &w.db)] {
        let err = w
            .app
            .vpcs()
            .delete_vpc(authed(
                secret,
                proto::DeleteVpcRequest {
                    vpc_id: vpc.vpc_id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "ResourceInUse");
    }
    w.app
        .act(Act::Delete, &w.bob, &p.peering_connection_id)
        .await
        .unwrap();
    w.app
        .vpcs()
        .delete_vpc(authed(
            &w.alice,
            proto::DeleteVpcRequest {
                vpc_id: w.web.vpc_id.clone(),
            },
        ))
        .await
        .unwrap();
    // The deleted peering still shows the ids of the VPC that is gone.
    let seen = w.app.all_peerings(&w.alice).await;
    assert_eq!(seen[0].vpc_id, w.web.vpc_id);
    assert_eq!(state(&seen[0]), State::Deleted);
}

#[tokio::test]
async fn vpc_peer_already_exist_in_either_direction() {
    let w = world().await;
    w.app
        .create_peering(&w.alice, &w.web, &w.db, "one")
        .await
        .unwrap();
    let err = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "two")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::AlreadyExists,
        "UnsupportedOperation.VpcPeerAlreadyExist",
    );
    let err = w
        .app
        .create_peering(&w.bob, &w.db, &w.web, "reverse")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::AlreadyExists,
        "UnsupportedOperation.VpcPeerAlreadyExist",
    );
    // Legacy ids name the same VPCs.
    let mut req = create_req(&w.web, &w.db, "legacy");
    req.vpc_id = w.web.vpc_id.clone();
    req.peer_vpc_id = w.db.vpc_id.clone();
    let err = w
        .app
        .peering()
        .create_vpc_peering_connection(authed(&w.alice, req))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::AlreadyExists,
        "UnsupportedOperation.VpcPeerAlreadyExist",
    );
    assert_eq!(w.app.all_peerings(&w.alice).await.len(), 1);
}

#[tokio::test]
async fn invalid_account_already_exists() {
    let w = world().await;
    for (uin, secret_id) in [("100001", ""), ("100009", "AKID100002")] {
        let err = w
            .app
            .admin()
            .create_account(w.app.admin_req(proto::CreateAccountRequest {
                uin: uin.into(),
                name: "again".into(),
                secret_id: secret_id.into(),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_error(&err, Code::AlreadyExists, "InvalidAccount.AlreadyExists");
    }
    let accounts = w
        .app
        .admin()
        .describe_accounts(w.app.admin_req(proto::DescribeAccountsRequest {}))
        .await
        .unwrap();
    assert_eq!(accounts.into_inner().accounts.len(), 2);
}

#[tokio::test]
async fn peering_connection_limit_exceeded() {
    let w = world().await;
    w.app.set_quota("100002", "vpc-max-vpcpeers", 1).await;
    w.app
        .create_peering(&w.alice, &w.web, &w.db, "one")
        .await
        .unwrap();
    // db is at its owner's quota: a second request into it is refused.
    let web2 = w.app.vpc(&w.alice, "10.2.0.0/16").await;
    let err = w
        .app
        .create_peering(&w.alice, &web2, &w.db, "two")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::ResourceExhausted,
        "PeeringConnectionLimitExceeded",
    );
    assert_eq!(api3_code(&err), "LimitExceeded.VpcPeerTotalLimitExceeded");
    // The active quota: same-account peerings count at once.
    w.app
        .set_quota("100001", "vpc-max-available-vpcpeers", 1)
        .await;
    let web3 = w.app.vpc(&w.alice, "10.3.0.0/16").await;
    let web4 = w.app.vpc(&w.alice, "10.4.0.0/16").await;
    w.app
        .create_peering(&w.alice, &web3, &web2, "active")
        .await
        .unwrap();
    let err = w
        .app
        .create_peering(&w.alice, &web4, &web2, "active too")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::ResourceExhausted,
        "PeeringConnectionLimitExceeded",
    );
    assert_eq!(api3_code(&err), "LimitExceeded.VpcPeerAvaLimitExceeded");
    assert_eq!(w.app.all_peerings(&w.alice).await.len(), 2);
}

#[tokio::test]
async fn accept_checks_the_active_quota() {
    let w = world().await;
    let carol = w.app.account("100003").await;
    let other = w.app.vpc(&carol, "10.9.0.0/16").await;
    w.app
        .set_quota("100002", "vpc-max-available-vpcpeers", 1)
        .await;
    let a = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "a")
        .await
        .unwrap();
    let b = w
        .app
        .create_peering(&carol, &other, &w.db, "b")
        .await
        .unwrap();
    let accept = |id: &str| {
        authed(
            &w.bob,
            proto::AcceptVpcPeeringConnectionRequest {
                peering_connection_id: id.into(),
            },
        )
    };
    w.app
        .peering()
        .accept_vpc_peering_connection(accept(&a.peering_connection_id))
        .await
        .unwrap();
    let err = w
        .app
        .peering()
        .accept_vpc_peering_connection(accept(&b.peering_connection_id))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::ResourceExhausted,
        "PeeringConnectionLimitExceeded",
    );
    let states: Vec<_> = w.app.all_peerings(&w.bob).await.iter().map(state).collect();
    assert!(states.contains(&State::Pending) && states.contains(&State::Active));
}

#[tokio::test]
async fn limit_exceeded() {
    let w = world().await;
    w.app.set_quota("100001", "appid-max-vpcs", 2).await;
    w.app.vpc(&w.alice, "10.2.0.0/16").await;
    let err = w
        .app
        .vpcs()
        .create_vpc(authed(
            &w.alice,
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "third".into(),
                cidr_block: "10.3.0.0/16".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    w.app
        .set_quota("100001", "vpc-max-assistant_cidrs", 1)
        .await;
    let err = w
        .app
        .vpcs()
        .create_assistant_cidr(authed(
            &w.alice,
            proto::CreateAssistantCidrRequest {
                vpc_id: w.web.vpc_id.clone(),
                cidr_blocks: vec!["172.16.0.0/16".into(), "172.17.0.0/16".into()],
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    let vpcs = w
        .app
        .vpcs()
        .describe_vpc_ex(authed(
            &w.alice,
            proto::DescribeVpcExRequest {
                vpc_id: w.web.vpc_id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        vpcs.data[0].assistant_cidr_blocks.is_empty(),
        "all or nothing"
    );
}

#[tokio::test]
async fn vpc_peer_purview_error() {
    let w = world().await;
    let p = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "web-db")
        .await
        .unwrap();
    let err = w
        .app
        .act(Act::Accept, &w.alice, &p.peering_connection_id)
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::PermissionDenied,
        "UnsupportedOperation.VpcPeerPurviewError",
    );
    let err = w
        .app
        .act(Act::Reject, &w.alice, &p.peering_connection_id)
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::PermissionDenied,
        "UnsupportedOperation.VpcPeerPurviewError",
    );
    assert_eq!(
        state(&w.app.all_peerings(&w.alice).await[0]),
        State::Pending
    );
}

#[tokio::test]
async fn auth_failures() {
    let w = world().await;
    let err = w
        .app
        .peering()
        .describe_vpc_peering_connections(Request::new(
            proto::DescribeVpcPeeringConnectionsRequest::default(),
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::Unauthenticated,
        "AuthFailure.InvalidAuthorization",
    );
    let mut request = Request::new(proto::DescribeVpcExRequest::default());
    request
        .metadata_mut()
        .insert("authorization", "AKID100001".parse().unwrap());
    let err = w.app.vpcs().describe_vpc_ex(request).await.unwrap_err();
    assert_error(
        &err,
        Code::Unauthenticated,
        "AuthFailure.InvalidAuthorization",
    );
    let err = w
        .app
        .vpcs()
        .create_vpc(authed(
            "AKIDnobody",
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "v".into(),
                cidr_block: "10.5.0.0/16".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::Unauthenticated, "AuthFailure.SecretIdNotFound");
}

#[tokio::test]
async fn admin_token_is_required_when_set() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    let err = app
        .admin()
        .describe_accounts(Request::new(proto::DescribeAccountsRequest {}))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::Unauthenticated,
        "AuthFailure.InvalidAuthorization",
    );
    // Both refusals say what is needed and where it comes from.
    let says_how = |err: &tonic::Status| {
        for hint in [
            "admin token",
            "Bearer",
            "--admin-token",
            "VPCSIM_ADMIN_TOKEN",
        ] {
            assert!(err.message().contains(hint), "{hint}: {err:?}");
        }
    };
    says_how(&err);
    let err = app
        .admin()
        .describe_accounts(authed("wrong", proto::DescribeAccountsRequest {}))
        .await
        .unwrap_err();
    assert_error(&err, Code::Unauthenticated, "AuthFailure.InvalidAdminToken");
    says_how(&err);
    // An account's SecretId is no admin token.
    app.account("100001").await;
    let err = app
        .admin()
        .create_account(authed(
            "AKID100001",
            proto::CreateAccountRequest {
                uin: "2".into(),
                name: "x".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::Unauthenticated, "AuthFailure.InvalidAdminToken");
    let accounts = app
        .admin()
        .describe_accounts(app.admin_req(proto::DescribeAccountsRequest {}))
        .await
        .unwrap();
    assert_eq!(accounts.into_inner().accounts.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn internal_error_hides_its_cause() {
    let w = world().await;
    // Break the database behind the server's back.
    let mut db = w.app.raw_db().await;
    sqlx::query("DROP TABLE events")
        .execute(&mut db)
        .await
        .unwrap();
    let err = w
        .app
        .create_peering(&w.alice, &w.web, &w.db, "web-db")
        .await
        .unwrap_err();
    assert_error(&err, Code::Internal, "InternalError");
    let message = err.message().to_lowercase();
    for leak in ["sql", "events", "table", ".db", "/tmp", "panick"] {
        assert!(!message.contains(leak), "{message:?} leaks {leak:?}");
    }
    // The refused write left nothing behind.
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM peerings")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let w = world().await;
    let ok = w
        .app
        .peering()
        .describe_vpc_peering_connections(authed(
            &w.alice,
            proto::DescribeVpcPeeringConnectionsRequest::default(),
        ))
        .await
        .unwrap();
    let ok_id = ok
        .metadata()
        .get("x-request-id")
        .expect("x-request-id on success")
        .to_str()
        .unwrap()
        .to_owned();
    let err = w
        .app
        .peering()
        .describe_vpc_peering_connections(Request::new(
            proto::DescribeVpcPeeringConnectionsRequest::default(),
        ))
        .await
        .unwrap_err();
    let err_id = err
        .metadata()
        .get("x-request-id")
        .expect("x-request-id on error")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ok_id.len(), 36);
    assert_ne!(ok_id, err_id);
}

#[tokio::test]
async fn invalid_parameter_for_a_request_that_is_not_protobuf() {
    let w = world().await;
    let create_vpc = "/vpcsim.v1.VpcService/CreateVpc";
    // Field 1 (vpc_name) holding the byte 0xff, which is not UTF-8.
    let not_utf8 = vec![0x0a, 0x01, 0xff];
    let err = w
        .app
        .call_raw(create_vpc, authed(&w.alice, not_utf8.clone()))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameter");
    assert_eq!(bad_field(&err).as_deref(), Some("vpc_name"));
    assert!(
        err.message()
            .starts_with("InvalidParameter: the request is not a valid protobuf message"),
        "{err:?}"
    );
    assert!(err.message().contains("UTF-8"), "{err:?}");
    assert!(err.metadata().get("x-request-id").is_some());
    // The same in an admin call, against its own field.
    let err = w
        .app
        .call_raw(
            "/vpcsim.v1.AdminService/CreateAccount",
            w.app.admin_req(not_utf8),
        )
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameter");
    assert_eq!(bad_field(&err).as_deref(), Some("uin"));
    // Wire type 7 does not exist; field 15, unknown, holds a varint that
    // stops halfway.
    for bytes in [vec![0x0f], vec![0x78, 0x80]] {
        let err = w
            .app
            .call_raw(create_vpc, authed(&w.alice, bytes.clone()))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameter");
        assert_eq!(bad_field(&err), None, "{bytes:?}");
    }
    // No message at all.
    let err = w
        .app
        .call_without_message("/vpcsim.v1.PeeringService/DescribeVpcPeeringConnections")
        .await;
    assert_error(&err, Code::InvalidArgument, "InvalidParameter");
    assert!(err.metadata().get("x-request-id").is_some());
    // Nothing was created.
    let vpcs = w
        .app
        .vpcs()
        .describe_vpc_ex(authed(&w.alice, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(vpcs.total_count, 1);
}

#[tokio::test]
async fn request_size_limit_exceeded() {
    let w = world().await;
    let over_8_mib = vec![0u8; 8 * 1024 * 1024 + 1];
    let err = w
        .app
        .call_raw(
            "/vpcsim.v1.VpcService/CreateVpc",
            authed(&w.alice, over_8_mib.clone()),
        )
        .await
        .unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "RequestSizeLimitExceeded");
    assert!(
        err.message().contains("8388609") && err.message().contains("8388608"),
        "{err:?}"
    );
    assert!(err.metadata().get("x-request-id").is_some());
    // AdminService takes scenarios up to 64 MiB: there the same bytes are
    // read, and are no valid message.
    let err = w
        .app
        .call_raw(
            "/vpcsim.v1.AdminService/CreateAccount",
            w.app.admin_req(over_8_mib),
        )
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameter");
}

#[tokio::test]
async fn conflict_messages_name_vpcs_as_the_caller_did() {
    let app = TestApp::spawn().await;
    let alice = app.account("81").await;
    let bob = app.account("82").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.0.0.0/24").await;
    let create = |vpc_id: String, peer_vpc_id: String, peer_uin: &str| {
        authed(
            &alice,
            proto::CreateVpcPeeringConnectionRequest {
                vpc_id,
                peer_vpc_id,
                peer_uin: peer_uin.into(),
                peering_connection_name: "p".into(),
                peer_region: None,
            },
        )
    };
    // Legacy ids in, legacy ids out.
    let err = app
        .peering()
        .create_vpc_peering_connection(create(web.vpc_id.clone(), db.vpc_id.clone(), "82"))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert_eq!(
        err.message(),
        format!(
            "PeeringConnectionVpcConflict: 10.0.0.0/16 of {} overlaps 10.0.0.0/24 of {}",
            web.vpc_id, db.vpc_id
        )
    );
    // One VPC by both its ids is still one VPC.
    let err = app
        .peering()
        .create_vpc_peering_connection(create(web.vpc_id.clone(), web.un_vpc_id.clone(), "81"))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert!(
        err.message()
            .contains(&format!("vpc {} cannot peer with itself", web.vpc_id)),
        "{}",
        err.message()
    );
    app.stop().await;
}
