//! Concurrent writers: exactly the quota wins, nothing else fails.

use std::sync::Arc;

use tonic::Code;

use crate::helpers::{TestApp, assert_error};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_creates_into_a_vpc_with_quota_ten() {
    let app = Arc::new(TestApp::spawn().await);
    let alice = app.account("100001").await;
    app.set_quota("100001", "appid-max-vpcs", 40).await;
    let hub = app.vpc(&alice, "10.0.0.0/16").await;
    let mut spokes = Vec::new();
    for i in 1..=32 {
        spokes.push(app.vpc(&alice, &format!("10.{i}.0.0/16")).await);
    }
    let mut calls = Vec::new();
    for (i, spoke) in spokes.into_iter().enumerate() {
        let (app, alice, hub) = (app.clone(), alice.clone(), hub.clone());
        calls.push(tokio::spawn(async move {
            // A client of its own, as 32 separate processes would have.
            let channel = crate::helpers::connect(app.addr).await;
            let mut client =
                vpcsim::proto::peering_service_client::PeeringServiceClient::new(channel);
            client
                .create_vpc_peering_connection(crate::helpers::authed(
                    &alice,
                    vpcsim::proto::CreateVpcPeeringConnectionRequest {
                        vpc_id: spoke.un_vpc_id.clone(),
                        peer_vpc_id: hub.un_vpc_id.clone(),
                        peer_uin: hub.uin.clone(),
                        peering_connection_name: format!("spoke-{i}"),
                        peer_region: None,
                    },
                ))
                .await
        }));
    }
    let mut ok = 0;
    let mut limited = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => ok += 1,
            Err(status) => {
                assert_error(
                    &status,
                    Code::ResourceExhausted,
                    "PeeringConnectionLimitExceeded",
                );
                limited += 1;
            }
        }
    }
    assert_eq!((ok, limited), (10, 22));
    let live = app.all_peerings(&alice).await;
    assert_eq!(live.len(), 10);
}
