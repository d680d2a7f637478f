//! Concurrent calls racing for something only some of them may get. Each
//! race runs several rounds; afterwards the database passes `check`.

use std::{future::Future, sync::Arc};

use tonic::{Code, Status};
use vpcsim::{
    proto::{self, State},
    store::Store,
};

use crate::helpers::{Act, TestApp, assert_error, authed, state};

const ROUNDS: usize = 4;

/// Runs all the calls at once on the multi-threaded runtime.
async fn race<F, T>(calls: Vec<F>) -> Vec<Result<T, Status>>
where
    F: Future<Output = Result<T, Status>> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.expect("call task"));
    }
    results
}

/// Stops the server and checks every invariant on its file.
async fn stop_and_check(app: TestApp) {
    let path = app.db_path.clone();
    let _dir = app.dir.clone();
    app.stop().await;
    let store = Store::open_read_only(&path).await.unwrap();
    let violations = store.check().await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}

fn split<T>(results: Vec<Result<T, Status>>) -> (Vec<T>, Vec<Status>) {
    let mut ok = Vec::new();
    let mut err = Vec::new();
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => err.push(e),
        }
    }
    (ok, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_vpcs_racing_to_one_hub_exactly_one_wins() {
    for _ in 0..ROUNDS {
        let app = Arc::new(TestApp::spawn().await);
        let hub_owner = app.account("1").await;
        let hub = app.vpc(&hub_owner, "10.0.0.0/16").await;
        let mut calls = Vec::new();
        for i in 0..12 {
            let secret = app.account(&format!("{}", 100 + i)).await;
            let vpc = app.vpc(&secret, "172.16.0.0/16").await; // all the same block
            let (app, hub) = (app.clone(), hub.clone());
            calls.push(async move { app.create_peering(&secret, &vpc, &hub, "to-hub").await });
        }
        let (ok, errors) = split(race(calls).await);
        assert_eq!(ok.len(), 1);
        for e in &errors {
            assert_error(e, Code::FailedPrecondition, "PeeringConnectionVpcConflict");
        }
        stop_and_check(Arc::into_inner(app).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepts_racing_for_one_active_slot_exactly_one_wins() {
    for _ in 0..ROUNDS {
        let app = Arc::new(TestApp::spawn().await);
        let hub_owner = app.account("1").await;
        app.set_quota("1", "vpc-max-available-vpcpeers", 1).await;
        let hub = app.vpc(&hub_owner, "10.0.0.0/16").await;
        let mut ids = Vec::new();
        for i in 0..8 {
            let secret = app.account(&format!("{}", 100 + i)).await;
            let vpc = app.vpc(&secret, &format!("172.16.{i}.0/24")).await;
            ids.push(
                app.create_peering(&secret, &vpc, &hub, "to-hub")
                    .await
                    .unwrap()
                    .peering_connection_id,
            );
        }
        let calls = ids
            .into_iter()
            .map(|id| {
                let (app, secret) = (app.clone(), hub_owner.clone());
                async move { app.act(Act::Accept, &secret, &id).await }
            })
            .collect();
        let (ok, errors) = split(race(calls).await);
        assert_eq!(ok.len(), 1);
        for e in &errors {
            assert_error(e, Code::ResourceExhausted, "PeeringConnectionLimitExceeded");
        }
        let active = app
            .all_peerings(&hub_owner)
            .await
            .iter()
            .filter(|p| state(p) == State::Active)
            .count();
        assert_eq!(active, 1);
        stop_and_check(Arc::into_inner(app).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_accepted_many_times_at_once_succeeds_once() {
    for _ in 0..ROUNDS {
        let app = Arc::new(TestApp::spawn().await);
        let alice = app.account("1").await;
        let bob = app.account("2").await;
        let a = app.vpc(&alice, "10.0.0.0/16").await;
        let b = app.vpc(&bob, "10.1.0.0/16").await;
        let id = app
            .create_peering(&alice, &a, &b, "p")
            .await
            .unwrap()
            .peering_connection_id;
        let calls = (0..10)
            .map(|_| {
                let (app, bob, id) = (app.clone(), bob.clone(), id.clone());
                async move { app.act(Act::Accept, &bob, &id).await }
            })
            .collect();
        let (ok, errors) = split(race(calls).await);
        assert_eq!(ok.len(), 1);
        for e in &errors {
            assert_error(
                e,
                Code::FailedPrecondition,
                "UnsupportedOperation.VpcPeerInvalidStateChange",
            );
        }
        stop_and_check(Arc::into_inner(app).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_against_delete_ends_deleted_either_way() {
    for _ in 0..ROUNDS * 2 {
        let app = Arc::new(TestApp::spawn().await);
        let alice = app.account("1").await;
        let bob = app.account("2").await;
        let a = app.vpc(&alice, "10.0.0.0/16").await;
        let b = app.vpc(&bob, "10.1.0.0/16").await;
        let id = app
            .create_peering(&alice, &a, &b, "p")
            .await
            .unwrap()
            .peering_connection_id;
        let accept = {
            let (app, bob, id) = (app.clone(), bob.clone(), id.clone());
            tokio::spawn(async move { app.act(Act::Accept, &bob, &id).await })
        };
        let delete = {
            let (app, alice, id) = (app.clone(), alice.clone(), id.clone());
            tokio::spawn(async move { app.act(Act::Delete, &alice, &id).await })
        };
        let (accepted, deleted) = (accept.await.unwrap(), delete.await.unwrap());
        deleted.expect("delete works from PENDING and from ACTIVE");
        if let Err(e) = accepted {
            assert_error(
                &e,
                Code::FailedPrecondition,
                "UnsupportedOperation.VpcPeerInvalidStateChange",
            );
        }
        assert_eq!(state(&app.all_peerings(&alice).await[0]), State::Deleted);
        stop_and_check(Arc::into_inner(app).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_restore_against_writes_leaves_a_whole_state() {
    for _ in 0..ROUNDS {
        let app = Arc::new(TestApp::spawn().await);
        let alice = app.account("1").await;
        app.set_quota("1", "appid-max-vpcs", 100).await;
        app.vpc(&alice, "10.0.0.0/16").await;
        app.admin()
            .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
                name: "base".into(),
            }))
            .await
            .unwrap();
        let mut writers = Vec::new();
        for i in 1..=20 {
            let (app, alice) = (app.clone(), alice.clone());
            writers.push(tokio::spawn(async move {
                app.vpcs()
                    .create_vpc(authed(
                        &alice,
                        proto::CreateVpcRequest {
                            tags: Vec::new(),
                            vpc_name: format!("v{i}"),
                            cidr_block: format!("10.{i}.0.0/16"),
                        },
                    ))
                    .await
                    .map(|r| r.into_inner().vpc.unwrap().un_vpc_id)
            }));
        }
        let restore = {
            let app = app.clone();
            tokio::spawn(async move {
                app.admin()
                    .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
                        name: "base".into(),
                    }))
                    .await
            })
        };
        let mut created = Vec::new();
        for w in writers {
            created.push(
                w.await
                    .unwrap()
                    .expect("no write fails, before or after the restore"),
            );
        }
        restore.await.unwrap().expect("restore");
        // Every VPC is either gone with the restore, or was made after it:
        // the listing is the base VPC plus a subset of the created ones.
        let listed = app
            .vpcs()
            .describe_vpc_ex(authed(
                &alice,
                proto::DescribeVpcExRequest {
                    limit: Some(100),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(listed.total_count >= 1 && listed.total_count <= 21);
        for vpc in &listed.data[1..] {
            assert!(created.contains(&vpc.un_vpc_id));
        }
        stop_and_check(Arc::into_inner(app).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_race_repeated() {
    for _ in 0..ROUNDS {
        let app = Arc::new(TestApp::spawn().await);
        let alice = app.account("1").await;
        app.set_quota("1", "appid-max-vpcs", 40).await;
        app.set_quota("1", "vpc-max-vpcpeers", 5).await;
        let hub = app.vpc(&alice, "10.0.0.0/16").await;
        let mut calls = Vec::new();
        for i in 1..=24 {
            let spoke = app.vpc(&alice, &format!("10.{i}.0.0/16")).await;
            let (app, alice, hub) = (app.clone(), alice.clone(), hub.clone());
            calls.push(async move { app.create_peering(&alice, &spoke, &hub, "s").await });
        }
        let (ok, errors) = split(race(calls).await);
        assert_eq!((ok.len(), errors.len()), (5, 19));
        for e in &errors {
            assert_error(e, Code::ResourceExhausted, "PeeringConnectionLimitExceeded");
        }
        stop_and_check(Arc::into_inner(app).unwrap()).await;
    }
}
