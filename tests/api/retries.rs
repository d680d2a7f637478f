//! x-client-token: a retry returns the first answer and changes nothing more.

use tonic::Code;
use vpcsim::proto;

use crate::helpers::{TestApp, assert_error, authed, authed_in, with_token};

#[tokio::test]
async fn a_retried_create_returns_the_first_answer_once() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let create_vpc = |cidr: &str| proto::CreateVpcRequest {
        tags: Vec::new(),
        vpc_name: "web".into(),
        cidr_block: cidr.into(),
    };
    let first = app
        .vpcs()
        .create_vpc(with_token(
            authed(&alice, create_vpc("10.0.0.0/16")),
            "vpc-1",
        ))
        .await
        .unwrap()
        .into_inner();
    let retry = app
        .vpcs()
        .create_vpc(with_token(
            authed(&alice, create_vpc("10.0.0.0/16")),
            "vpc-1",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, retry);
    let listed = app
        .vpcs()
        .describe_vpc_ex(authed(&alice, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_count, 1, "the retry created nothing");
    // Same token, different request.
    let err = app
        .vpcs()
        .create_vpc(with_token(
            authed(&alice, create_vpc("10.1.0.0/16")),
            "vpc-1",
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameter.ClientTokenConflict",
    );
    // The same message in another region is another request.
    let err = app
        .vpcs()
        .create_vpc(with_token(
            authed_in(&alice, "ap-shanghai", create_vpc("10.0.0.0/16")),
            "vpc-1",
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameter.ClientTokenConflict",
    );
    // Tokens belong to their caller: Bob's "vpc-1" is his own.
    let bobs = app
        .vpcs()
        .create_vpc(with_token(authed(&bob, create_vpc("10.1.0.0/16")), "vpc-1"))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(
        bobs.vpc.as_ref().unwrap().un_vpc_id,
        first.vpc.as_ref().unwrap().un_vpc_id
    );

    // A peering request and its acceptance, each retried.
    let web = first.vpc.unwrap();
    let db = bobs.vpc.unwrap();
    let request = || proto::CreateVpcPeeringConnectionRequest {
        vpc_id: web.vpc_id.clone(),
        peer_vpc_id: db.vpc_id.clone(),
        peer_uin: "100002".into(),
        peering_connection_name: "web-db".into(),
        peer_region: None,
    };
    let a = app
        .peering()
        .create_vpc_peering_connection(with_token(authed(&alice, request()), "p-1"))
        .await
        .unwrap()
        .into_inner();
    let b = app
        .peering()
        .create_vpc_peering_connection(with_token(authed(&alice, request()), "p-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(a, b);
    let accept = || proto::AcceptVpcPeeringConnectionRequest {
        peering_connection_id: a.peering_connection_id.clone(),
    };
    let once = app
        .peering()
        .accept_vpc_peering_connection(with_token(authed(&bob, accept()), "acc"))
        .await
        .unwrap()
        .into_inner();
    let twice = app
        .peering()
        .accept_vpc_peering_connection(with_token(authed(&bob, accept()), "acc"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        once, twice,
        "the retry answers like the first accept instead of failing"
    );
    let events = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            resource_type: "peering".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        events.total_count, 2,
        "one create and one accept were recorded"
    );
    // Without the token the second accept is what it is.
    let err = app
        .peering()
        .accept_vpc_peering_connection(authed(&bob, accept()))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_call_is_not_remembered_and_bad_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    app.set_quota("100001", "appid-max-vpcs", 1).await;
    app.vpc(&alice, "10.0.0.0/16").await;
    let create = || {
        with_token(
            authed(
                &alice,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: "b".into(),
                    cidr_block: "10.1.0.0/16".into(),
                },
            ),
            "t",
        )
    };
    let err = app.vpcs().create_vpc(create()).await.unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    // Room made: the same token and request now run and succeed.
    app.set_quota("100001", "appid-max-vpcs", 2).await;
    app.vpcs().create_vpc(create()).await.unwrap();
    for bad in ["has space", &"x".repeat(65)] {
        let request = authed(
            &alice,
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "c".into(),
                cidr_block: "10.2.0.0/16".into(),
            },
        );
        let err = app
            .vpcs()
            .create_vpc(with_token(request, bad))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    }
    app.stop().await;
}
