//! Test-harness controls: snapshots, the clock, events.

use std::time::Duration;

use tonic::Code;
use vpcsim::proto::{self, State};

use crate::helpers::{Act, TestApp, assert_error, authed, bad_field, example, state};

#[tokio::test]
async fn snapshots_save_restore_list_delete() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let saved = app
        .admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
            name: "clean".into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .snapshot
        .unwrap();
    assert_eq!(
        (
            saved.name.as_str(),
            saved.accounts,
            saved.vpcs,
            saved.peerings
        ),
        ("clean", 2, 2, 1)
    );
    let before = app.describe_everything().await;
    // Change everything a test might change.
    app.act(Act::Accept, "AKIDbob", "pcx-quick001")
        .await
        .unwrap();
    app.account("100003").await;
    app.vpc("AKIDalice", "10.9.0.0/16").await;
    app.admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest { seconds: 86400 }))
        .await
        .unwrap();
    assert_ne!(app.describe_everything().await, before);

    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
            name: "clean".into(),
        }))
        .await
        .unwrap();
    assert_eq!(app.describe_everything().await, before);
    assert_eq!(
        app.clock().await.offset_seconds,
        0,
        "the clock comes back too"
    );
    // Restoring twice works: the snapshot is unchanged by the restore.
    app.vpc("AKIDalice", "10.9.0.0/16").await;
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
            name: "clean".into(),
        }))
        .await
        .unwrap();
    assert_eq!(app.describe_everything().await, before);

    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
            name: "second".into(),
        }))
        .await
        .unwrap();
    let names: Vec<_> = app
        .admin()
        .list_snapshots(app.admin_req(proto::ListSnapshotsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .snapshots
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["clean", "second"]);
    app.admin()
        .delete_snapshot(app.admin_req(proto::DeleteSnapshotRequest {
            name: "clean".into(),
        }))
        .await
        .unwrap();
    let err = app
        .admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
            name: "clean".into(),
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidSnapshot.NotFound");
    let err = app
        .admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
            name: "no spaces; please".into(),
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    app.stop().await;
}

#[tokio::test]
async fn snapshots_survive_a_restart() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
            name: "kept".into(),
        }))
        .await
        .unwrap();
    let before = app.describe_everything().await;
    app.admin()
        .reset(app.admin_req(proto::ResetRequest { empty: true }))
        .await
        .unwrap();
    let dir = app.dir.clone();
    app.stop().await;
    let app = TestApp::spawn_with(crate::helpers::Options {
        dir: Some(dir),
        ..Default::default()
    })
    .await;
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
            name: "kept".into(),
        }))
        .await
        .unwrap();
    assert_eq!(app.describe_everything().await, before);
    app.stop().await;
}

#[tokio::test]
async fn clock_moves_expire_requests_and_stamp_times() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let set = app
        .admin()
        .set_clock(app.admin_req(proto::SetClockRequest {
            time: "2030-06-01 00:00:00".into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .clock
        .unwrap();
    assert!(set.now.starts_with("2030-06-01 00:00"), "{}", set.now);
    // New resources carry the simulator's time.
    let vpc = app.vpc("AKIDalice", "10.9.0.0/16").await;
    assert!(
        vpc.create_time.starts_with("2030-06-01 00:00"),
        "{}",
        vpc.create_time
    );
    // The quickstart request was made "now" at load: far in the past by now.
    assert_eq!(
        state(&app.all_peerings("AKIDalice").await[0]),
        State::Expired
    );
    let err = app
        .admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest { seconds: -1 }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    let err = app
        .admin()
        .set_clock(app.admin_req(proto::SetClockRequest {
            time: "tomorrow".into(),
        }))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameterValue.Malformed",
    );
    // The expiry was recorded as an event by the system.
    let events = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            resource_id: "pcx-quick001".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .events;
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.actor.as_str(), e.new_state.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("seeded", "admin", "PENDING"),
            ("expired", "system", "EXPIRED")
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn events_record_every_change_with_actor_and_request_id() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let created = app
        .peering()
        .create_vpc_peering_connection(authed(
            &alice,
            proto::CreateVpcPeeringConnectionRequest {
                vpc_id: web.vpc_id.clone(),
                peer_vpc_id: db.vpc_id.clone(),
                peer_uin: "100002".into(),
                peering_connection_name: "web-db".into(),
                peer_region: None,
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
    let id = created.into_inner().peering_connection_id;
    app.act(Act::Accept, &bob, &id).await.unwrap();
    let all = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            limit: Some(1000),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let summary: Vec<_> = all
        .events
        .iter()
        .map(|e| (e.resource_type.as_str(), e.kind.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("account", "created", "admin"),
            ("account", "created", "admin"),
            ("vpc", "created", "100001"),
            ("vpc", "created", "100002"),
            ("peering", "created", "100001"),
            ("peering", "accepted", "100002"),
        ]
    );
    let create = &all.events[4];
    assert_eq!(
        (
            create.resource_id.as_str(),
            create.request_id.as_str(),
            create.new_state.as_str()
        ),
        (id.as_str(), request_id.as_str(), "PENDING")
    );
    assert_eq!(
        (
            all.events[5].old_state.as_str(),
            all.events[5].new_state.as_str()
        ),
        ("PENDING", "ACTIVE")
    );
    // Filters and paging.
    let page = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            resource_type: "vpc".into(),
            limit: Some(1),
            offset: Some(1),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            page.total_count,
            page.events.len(),
            page.events[0].actor.as_str()
        ),
        (2, 1, "100002")
    );
    let none = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            since: "2999-01-01 00:00:00".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(none.total_count, 0);
    app.stop().await;
}

#[tokio::test]
async fn watch_events_waits_for_a_peering_to_become_active() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let mut stream = app
        .admin()
        .watch_events(app.admin_req(proto::WatchEventsRequest {
            resource_id: "pcx-quick001".into(),
            kind: "accepted".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    // Nothing yet: the watch only sees changes from now on.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), stream.message())
            .await
            .is_err()
    );
    app.vpc("AKIDalice", "10.5.0.0/16").await; // an event that does not match
    app.act(Act::Accept, "AKIDbob", "pcx-quick001")
        .await
        .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            event.resource_id.as_str(),
            event.new_state.as_str(),
            event.actor.as_str()
        ),
        ("pcx-quick001", "ACTIVE", "100002")
    );
    // Replay from an event id.
    let mut replay = app
        .admin()
        .watch_events(app.admin_req(proto::WatchEventsRequest {
            resource_type: "peering".into(),
            after_event_id: 1,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), replay.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.kind.as_str(), first.new_state.as_str()),
        ("seeded", "PENDING")
    );
    app.stop().await;
}

#[tokio::test]
async fn event_filters_refuse_what_can_never_match() {
    let app = TestApp::spawn().await;
    app.account("100001").await;
    let describe = |req: proto::DescribeEventsRequest| {
        let app = &app;
        async move {
            app.admin()
                .describe_events(app.admin_req(req))
                .await
                .map(|r| r.into_inner())
        }
    };
    let err = describe(proto::DescribeEventsRequest {
        after_event_id: -5,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    assert_eq!(bad_field(&err).as_deref(), Some("after_event_id"));
    let err = describe(proto::DescribeEventsRequest {
        resource_type: "nonsense".into(),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    assert_eq!(bad_field(&err).as_deref(), Some("resource_type"));
    assert!(
        err.message().contains(
            "account, quota, vpc, peering, subnet, route_table, route, snapshot, clock, state"
        ),
        "{err:?}"
    );
    let err = describe(proto::DescribeEventsRequest {
        kind: "approved".into(),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    assert_eq!(bad_field(&err).as_deref(), Some("kind"));
    assert!(err.message().contains("accepted"), "{err:?}");
    // Every known value is a valid filter, matching or not.
    let found = describe(proto::DescribeEventsRequest {
        resource_type: "snapshot".into(),
        kind: "expired".into(),
        after_event_id: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(found.total_count, 0);
    let found = describe(proto::DescribeEventsRequest {
        resource_type: "account".into(),
        kind: "created".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(found.total_count, 1);
    // WatchEvents refuses the same, before it starts streaming.
    for (req, code, field) in [
        (
            proto::WatchEventsRequest {
                after_event_id: -1,
                ..Default::default()
            },
            "InvalidParameterValue.Range",
            "after_event_id",
        ),
        (
            proto::WatchEventsRequest {
                resource_type: "nonsense".into(),
                ..Default::default()
            },
            "InvalidParameterValue",
            "resource_type",
        ),
        (
            proto::WatchEventsRequest {
                kind: "nonsense".into(),
                ..Default::default()
            },
            "InvalidParameterValue",
            "kind",
        ),
    ] {
        let err = app
            .admin()
            .watch_events(app.admin_req(req))
            .await
            .map(|_| ())
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, code);
        assert_eq!(bad_field(&err).as_deref(), Some(field));
    }
    app.stop().await;
}

#[tokio::test]
async fn watch_events_ends_with_unavailable_when_the_server_stops() {
    let app = TestApp::spawn().await;
    let mut stream = app
        .admin()
        .watch_events(app.admin_req(proto::WatchEventsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    app.account("100001").await;
    let first = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.kind, "created");
    let stopped = tokio::spawn(app.stop());
    let end = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("the stream ends when the server stops");
    let status = end.expect_err("the stream ends with an error, not OK");
    assert_error(&status, Code::Unavailable, "ServiceUnavailable");
    assert!(status.message().contains("shutting down"), "{status:?}");
    tokio::time::timeout(Duration::from_secs(20), stopped)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn watch_events_goes_on_after_a_reset_empties_the_log() {
    let app = TestApp::spawn().await;
    for uin in ["100001", "100002", "100003"] {
        app.account(uin).await;
    }
    let mut stream = app
        .admin()
        .watch_events(app.admin_req(proto::WatchEventsRequest {
            resource_type: "account".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    app.admin()
        .reset(app.admin_req(proto::ResetRequest { empty: true }))
        .await
        .unwrap();
    // Event ids never go back: after the log is emptied, the next account's
    // event still comes after the last one this watch saw.
    app.account("100009").await;
    let event = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("the watch goes on after Reset")
        .unwrap()
        .unwrap();
    assert_eq!(event.resource_id, "100009");
    assert!(
        event.event_id > 3,
        "ids go on from before the reset: {}",
        event.event_id
    );
    app.stop().await;
}
