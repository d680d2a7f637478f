//! Every documented feature leaves a state that `vpcsim check` passes, and
//! the clock never moves before the newest time the state records.

use tonic::Code;
use vpcsim::{proto, store::Store};

use crate::helpers::{Act, TestApp, assert_error, authed, bad_field, example};

/// Runs the independent invariant checker on the live database file, read
/// only, beside the running server.
async fn assert_consistent(app: &TestApp, after: &str) {
    let store = Store::open_read_only(&app.db_path).await.expect("open");
    let violations = store.check().await.expect("check");
    store.close().await;
    assert!(violations.is_empty(), "after {after}: {violations:?}");
}

async fn set_clock(app: &TestApp, time: &str) -> Result<proto::Clock, tonic::Status> {
    app.admin()
        .set_clock(app.admin_req(proto::SetClockRequest { time: time.into() }))
        .await
        .map(|r| r.into_inner().clock.expect("clock"))
}

async fn advance_clock(app: &TestApp, seconds: i64) -> proto::Clock {
    app.admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest { seconds }))
        .await
        .expect("advance")
        .into_inner()
        .clock
        .expect("clock")
}

async fn snapshot(app: &TestApp, save: bool, name: &str) {
    let mut admin = app.admin();
    if save {
        admin
            .save_snapshot(app.admin_req(proto::SaveSnapshotRequest { name: name.into() }))
            .await
            .expect("save");
    } else {
        admin
            .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest { name: name.into() }))
            .await
            .expect("restore");
    }
}

#[tokio::test]
async fn the_clock_never_moves_before_the_newest_time_in_the_state() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let before = app.clock().await;

    // Back past rows that exist: refused, nothing moves.
    let err = set_clock(&app, "2020-01-01 00:00:00").await.unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    assert_eq!(bad_field(&err).as_deref(), Some("time"));
    assert!(
        err.message().contains("was created at") && err.message().contains("Reset"),
        "{}",
        err.message()
    );
    assert_eq!(app.clock().await.offset_seconds, before.offset_seconds);
    assert_consistent(&app, "a refused SetClock").await;

    // Beyond the printable years: refused.
    for far in ["9999-12-31 23:59:59", "1969-12-31 23:59:59"] {
        let err = set_clock(&app, far).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
        assert!(
            err.message().contains("9999-01-01 00:00:00"),
            "{}",
            err.message()
        );
    }

    // Forward freely, and back as far as the newest record.
    let moved = set_clock(&app, "2100-01-01 00:00:00").await.unwrap();
    assert_eq!(moved.now, "2100-01-01 00:00:00");
    assert_consistent(&app, "SetClock forward").await;
    let vpc = app.vpc("AKIDalice", "10.9.0.0/16").await;
    assert!(vpc.create_time.starts_with("2100-01-01"), "{vpc:?}");
    let err = set_clock(&app, "2099-12-31 00:00:00").await.unwrap_err();
    assert!(
        err.message()
            .contains(&format!("vpc {} was created", vpc.un_vpc_id)),
        "{}",
        err.message()
    );
    set_clock(&app, &vpc.create_time).await.unwrap();
    assert_consistent(&app, "SetClock back to the newest record").await;

    // A scenario's clock may not go back past what is already there.
    let err = app
        .load(&example("expiry.yaml"), "expiry.yaml", false)
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    assert!(
        err.message().contains("expiry.yaml:7:8: clock:")
            && err.message().contains("in the database")
            && err.message().contains("--replace"),
        "{}",
        err.message()
    );
    assert_consistent(&app, "a refused scenario clock").await;

    // An empty state puts no floor under the clock.
    app.admin()
        .reset(app.admin_req(proto::ResetRequest { empty: true }))
        .await
        .unwrap();
    assert_eq!(
        set_clock(&app, "2020-01-01 00:00:00").await.unwrap().now,
        "2020-01-01 00:00:00"
    );
    assert_consistent(&app, "SetClock after Reset").await;
    app.stop().await;
}

#[tokio::test]
async fn a_scenario_cannot_create_anything_after_its_own_clock() {
    let app = TestApp::spawn().await;
    let scenario = "clock: 2026-03-01 12:00:00\n\
        accounts:\n  - {uin: 1, name: one, create_time: 2026-03-02 00:00:00}\n";
    let err = app.load(scenario, "future.yaml", false).await.unwrap_err();
    assert!(
        err.message().contains("accounts[0].create_time")
            && err.message().contains("after the clock"),
        "{}",
        err.message()
    );
    assert_consistent(&app, "a refused future create_time").await;
    app.stop().await;
}

#[tokio::test]
async fn every_documented_feature_leaves_a_state_that_check_passes() {
    let app = TestApp::spawn().await;
    let loaded = app
        .load(&example("expiry.yaml"), "expiry.yaml", false)
        .await
        .unwrap();
    assert!(loaded.peerings > 0);
    assert_consistent(&app, "LoadScenario with a clock").await;
    app.load(&example("hub-and-spoke.yaml"), "hub-and-spoke.yaml", false)
        .await
        .unwrap();
    assert_consistent(&app, "LoadScenario merged").await;

    let alice = app.account("71").await;
    let bob = app.account("72").await;
    let a = app.vpc(&alice, "10.71.0.0/16").await;
    let b = app.vpc(&bob, "10.72.0.0/16").await;
    let c = app.vpc(&bob, "10.73.0.0/16").await;
    assert_consistent(&app, "CreateAccount and CreateVpc").await;
    app.vpcs()
        .create_assistant_cidr(authed(
            &alice,
            proto::CreateAssistantCidrRequest {
                vpc_id: a.un_vpc_id.clone(),
                cidr_blocks: vec!["172.20.0.0/16".into()],
            },
        ))
        .await
        .unwrap();
    assert_consistent(&app, "CreateAssistantCidr").await;
    app.set_quota("71", "vpc-max-vpcpeers", 30).await;
    assert_consistent(&app, "SetQuota").await;

    let accepted = app.create_peering(&alice, &a, &b, "a-b").await.unwrap();
    let rejected = app.create_peering(&alice, &a, &c, "a-c").await.unwrap();
    assert_consistent(&app, "CreateVpcPeeringConnection").await;
    app.act(Act::Accept, &bob, &accepted.peering_connection_id)
        .await
        .unwrap();
    app.act(Act::Reject, &bob, &rejected.peering_connection_id)
        .await
        .unwrap();
    assert_consistent(&app, "Accept and Reject").await;
    app.peering()
        .modify_vpc_peering_connection(authed(
            &alice,
            proto::ModifyVpcPeeringConnectionRequest {
                peering_connection_id: accepted.peering_connection_id.clone(),
                peering_connection_name: "renamed".into(),
            },
        ))
        .await
        .unwrap();
    assert_consistent(&app, "ModifyVpcPeeringConnection").await;

    snapshot(&app, true, "before-expiry").await;
    assert_consistent(&app, "SaveSnapshot").await;
    advance_clock(&app, 8 * 24 * 3600).await;
    assert_consistent(&app, "AdvanceClock past every expiry").await;
    app.act(Act::Delete, &alice, &accepted.peering_connection_id)
        .await
        .unwrap();
    app.vpcs()
        .delete_vpc(authed(
            &bob,
            proto::DeleteVpcRequest {
                vpc_id: c.un_vpc_id.clone(),
            },
        ))
        .await
        .unwrap();
    assert_consistent(&app, "Delete peering and DeleteVpc").await;
    snapshot(&app, false, "before-expiry").await;
    assert_consistent(&app, "RestoreSnapshot (clock back with the state)").await;
    let now = app.clock().await.now;
    set_clock(&app, &now).await.unwrap();
    assert_consistent(&app, "SetClock to now").await;
    app.admin()
        .reset(app.admin_req(proto::ResetRequest { empty: true }))
        .await
        .unwrap();
    assert_consistent(&app, "Reset").await;
    app.stop().await;
}

#[tokio::test]
async fn the_database_refuses_a_peering_state_vpcsim_does_not_know() {
    use sqlx::Executor;
    let app = TestApp::spawn().await;
    app.load(
        &crate::helpers::example("quickstart.yaml"),
        "quickstart.yaml",
        false,
    )
    .await
    .expect("load");
    let mut db = app.raw_db().await;
    let refused = db
        .execute("UPDATE peerings SET state = 9")
        .await
        .expect_err("a state outside PeeringState");
    assert!(refused.to_string().contains("CHECK"), "{refused}");
    db.execute("UPDATE peerings SET state = 5")
        .await
        .expect("DELETED is a state");
    app.stop().await;
}
