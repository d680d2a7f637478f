//! The whole life of peerings, across accounts and within one.

use tonic::Code;
use vpcsim::proto::{self, State};

use crate::helpers::{Act, TestApp, assert_error, authed, state};

#[tokio::test]
async fn cross_account_peering_lives_its_whole_life() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;

    // Request: PENDING with a 7-day expiry, seen by both parties.
    let created = app
        .create_peering(&alice, &web, &db, "web-db")
        .await
        .unwrap();
    assert_eq!(state(&created), State::Pending);
    assert!(created.peering_connection_id.starts_with("pcx-"));
    assert_eq!(
        (created.uin.as_str(), created.peer_uin.as_str()),
        ("100001", "100002")
    );
    assert_eq!(
        (created.vpc_id.as_str(), created.un_vpc_id.as_str()),
        (web.vpc_id.as_str(), web.un_vpc_id.as_str())
    );
    assert_eq!(created.un_peer_vpc_id, db.un_vpc_id);
    assert_eq!(created.region, "ap-guangzhou");
    assert_ne!(created.app_id, created.peer_app_id);
    let created_at = vpcsim::domain::time::parse_time(&created.create_time).unwrap();
    let expires_at = vpcsim::domain::time::parse_time(&created.expire_time).unwrap();
    assert_eq!(expires_at - created_at, 7 * 24 * 3600);
    for secret in [&alice, &bob] {
        let seen = app.all_peerings(secret).await;
        assert_eq!(seen, vec![created.clone()]);
    }

    // Accept by the peer: ACTIVE, no expiry any more.
    let id = created.peering_connection_id.clone();
    let accepted = app.act(Act::Accept, &bob, &id).await.unwrap();
    assert_eq!(state(&accepted), State::Active);
    assert_eq!(accepted.expire_time, "");

    // Rename by either party.
    let renamed = app
        .peering()
        .modify_vpc_peering_connection(authed(
            &bob,
            proto::ModifyVpcPeeringConnectionRequest {
                peering_connection_id: id.clone(),
                peering_connection_name: "web-to-db".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .peering_connection
        .unwrap();
    assert_eq!(renamed.peering_connection_name, "web-to-db");
    assert_eq!(state(&renamed), State::Active);

    // Delete by the requester: DELETED, still listed, no longer live.
    let deleted = app.act(Act::Delete, &alice, &id).await.unwrap();
    assert_eq!(state(&deleted), State::Deleted);
    assert_eq!(state(&app.all_peerings(&bob).await[0]), State::Deleted);

    // Deleted is final: no rename, no second delete.
    let err = app
        .peering()
        .modify_vpc_peering_connection(authed(
            &alice,
            proto::ModifyVpcPeeringConnectionRequest {
                peering_connection_id: id.clone(),
                peering_connection_name: "again".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );

    // The pair may peer again once the old peering is gone.
    let again = app.create_peering(&bob, &db, &web, "db-web").await.unwrap();
    assert_eq!(state(&again), State::Pending);
    assert_ne!(again.peering_connection_id, id);
    app.stop().await;
}

#[tokio::test]
async fn same_account_peering_is_active_at_once() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let a = app.vpc(&alice, "10.0.0.0/16").await;
    let b = app.vpc(&alice, "192.168.0.0/16").await;
    let p = app.create_peering(&alice, &a, &b, "a-b").await.unwrap();
    assert_eq!(state(&p), State::Active);
    assert_eq!(p.expire_time, "");
    app.stop().await;
}

#[tokio::test]
async fn rejected_request_ends_rejected_and_can_be_deleted() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let p = app
        .create_peering(&alice, &web, &db, "web-db")
        .await
        .unwrap();
    let id = p.peering_connection_id;
    let rejected = app.act(Act::Reject, &bob, &id).await.unwrap();
    assert_eq!(state(&rejected), State::Rejected);
    let err = app.act(Act::Accept, &bob, &id).await.unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );
    let deleted = app.act(Act::Delete, &bob, &id).await.unwrap();
    assert_eq!(state(&deleted), State::Deleted);
    app.stop().await;
}

/// Lets 8 days pass on the simulator's clock: every request made so far
/// is overdue.
async fn let_eight_days_pass(app: &TestApp) {
    app.admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest { seconds: 8 * 86400 }))
        .await
        .unwrap();
}

#[tokio::test]
async fn unanswered_request_expires_and_the_requester_can_enable_it() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let p = app
        .create_peering(&alice, &web, &db, "web-db")
        .await
        .unwrap();
    let id = p.peering_connection_id.clone();
    let_eight_days_pass(&app).await;

    // Every read sees it EXPIRED, and the state filter agrees.
    assert_eq!(state(&app.all_peerings(&bob).await[0]), State::Expired);
    let expired = app
        .describe(
            &alice,
            proto::DescribeVpcPeeringConnectionsRequest {
                state: State::Expired as i32,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(expired.total_count, 1);
    let pending = app
        .describe(
            &alice,
            proto::DescribeVpcPeeringConnectionsRequest {
                state: State::Pending as i32,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pending.total_count, 0);

    // Every write too: too late to accept.
    let err = app.act(Act::Accept, &bob, &id).await.unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );

    // Only the requester may enable it.
    let err = app.act(Act::Enable, &bob, &id).await.unwrap_err();
    assert_error(
        &err,
        Code::PermissionDenied,
        "UnsupportedOperation.VpcPeerPurviewError",
    );
    let enabled = app.act(Act::Enable, &alice, &id).await.unwrap();
    assert_eq!(state(&enabled), State::Pending);
    let now = vpcsim::domain::time::parse_time(&app.clock().await.now).unwrap();
    let expires = vpcsim::domain::time::parse_time(&enabled.expire_time).unwrap();
    assert!(
        (expires - now - 7 * 86400).abs() <= 5,
        "a fresh 7 days: {}",
        enabled.expire_time
    );

    // Enabling a PENDING request is not a valid change.
    let err = app.act(Act::Enable, &alice, &id).await.unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcPeerInvalidStateChange",
    );
    // And now the peer can accept it.
    let accepted = app.act(Act::Accept, &bob, &id).await.unwrap();
    assert_eq!(state(&accepted), State::Active);
    app.stop().await;
}

#[tokio::test]
async fn enable_runs_the_create_checks_again() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let old = app.create_peering(&alice, &web, &db, "old").await.unwrap();
    let_eight_days_pass(&app).await;
    // The expired request is not live, so a new one between the pair is fine...
    app.create_peering(&alice, &web, &db, "new").await.unwrap();
    // ...and the old one cannot come back beside it.
    let err = app
        .act(Act::Enable, &alice, &old.peering_connection_id)
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::AlreadyExists,
        "UnsupportedOperation.VpcPeerAlreadyExist",
    );
    let after = app.all_peerings(&alice).await;
    let old_now = after
        .iter()
        .find(|p| p.peering_connection_id == old.peering_connection_id)
        .unwrap();
    assert_eq!(
        state(old_now),
        State::Expired,
        "a refused enable changes nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_expired_request_whose_vpc_was_deleted_cannot_be_enabled() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let old = app.create_peering(&alice, &web, &db, "old").await.unwrap();
    let_eight_days_pass(&app).await;
    // No live peering holds db any more, so bob may delete it...
    app.vpcs()
        .delete_vpc(authed(
            &bob,
            proto::DeleteVpcRequest {
                vpc_id: db.un_vpc_id.clone(),
            },
        ))
        .await
        .unwrap();
    // ...and the request cannot come back live to a VPC that is gone.
    let err = app
        .act(Act::Enable, &alice, &old.peering_connection_id)
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidVpc.NotFound");
    assert!(err.message().contains("is deleted"), "{}", err.message());
    let after = app.all_peerings(&alice).await;
    assert_eq!(
        state(&after[0]),
        State::Expired,
        "a refused enable changes nothing"
    );
    app.stop().await;
}
