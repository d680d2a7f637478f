//! DescribeVpcPeeringConnections: filters, ordering, paging, visibility.

use std::collections::HashSet;

use tonic::Code;
use vpcsim::proto::{self, DescribeVpcPeeringConnectionsRequest as Req, State};

use crate::helpers::{TestApp, assert_error, authed, authed_in, state};

/// Alice's hub peered with `n` of her own spokes, named in reverse order of
/// creation, plus one cross-account request from Bob.
async fn hub_with_spokes(
    n: usize,
) -> (
    TestApp,
    String,
    String,
    proto::Vpc,
    Vec<proto::PeeringConnection>,
) {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    app.set_quota("100001", "appid-max-vpcs", 100).await;
    app.set_quota("100001", "vpc-max-vpcpeers", 100).await;
    app.set_quota("100001", "vpc-max-available-vpcpeers", 100)
        .await;
    let hub = app.vpc(&alice, "10.0.0.0/16").await;
    let mut made = Vec::new();
    for i in 0..n {
        let spoke = app.vpc(&alice, &format!("10.{}.0.0/16", i + 1)).await;
        made.push(
            app.create_peering(&alice, &hub, &spoke, &format!("spoke-{:02}", n - i))
                .await
                .unwrap(),
        );
    }
    let bobs = app.vpc(&bob, "172.16.0.0/16").await;
    made.push(
        app.create_peering(&bob, &bobs, &hub, "from-bob")
            .await
            .unwrap(),
    );
    (app, alice, bob, hub, made)
}

fn ids(page: &[proto::PeeringConnection]) -> Vec<String> {
    page.iter()
        .map(|p| p.peering_connection_id.clone())
        .collect()
}

#[tokio::test]
async fn pages_cover_everything_once_in_every_order() {
    let (app, alice, _bob, _hub, made) = hub_with_spokes(23).await;
    let all: HashSet<String> = ids(&made).into_iter().collect();
    for order_field in ["", "createTime", "peeringConnectionName"] {
        for order_direction in ["", "asc", "desc"] {
            let mut seen = Vec::new();
            let mut offset = 0;
            loop {
                let page = app
                    .describe(
                        &alice,
                        Req {
                            offset: Some(offset),
                            limit: Some(7),
                            order_field: order_field.into(),
                            order_direction: order_direction.into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(page.total_count, 24);
                if page.data.is_empty() {
                    break;
                }
                assert!(page.data.len() <= 7);
                seen.extend(page.data);
                offset += 7;
            }
            let seen_ids = ids(&seen);
            assert_eq!(
                seen_ids.len(),
                24,
                "{order_field}/{order_direction}: no page overlaps"
            );
            assert_eq!(
                seen_ids.iter().cloned().collect::<HashSet<_>>(),
                all,
                "no page skips"
            );
            // Sorted as asked, ties broken by id in the same direction.
            let key = |p: &proto::PeeringConnection| match order_field {
                "peeringConnectionName" => (
                    p.peering_connection_name.clone(),
                    p.peering_connection_id.clone(),
                ),
                _ => (p.create_time.clone(), p.peering_connection_id.clone()),
            };
            let keys: Vec<_> = seen.iter().map(key).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            if order_direction != "asc" {
                sorted.reverse();
            }
            assert_eq!(keys, sorted, "{order_field}/{order_direction}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn default_page_is_20_and_limit_is_at_most_50() {
    let (app, alice, _bob, _hub, _made) = hub_with_spokes(23).await;
    let page = app.describe(&alice, Req::default()).await.unwrap();
    assert_eq!((page.total_count, page.data.len()), (24, 20));
    let page = app
        .describe(
            &alice,
            Req {
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.data.len(), 24);
    let page = app
        .describe(
            &alice,
            Req {
                offset: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.total_count, page.data.len()), (24, 0));
    for (field, direction) in [("name", ""), ("", "up")] {
        let err = app
            .describe(
                &alice,
                Req {
                    order_field: field.into(),
                    order_direction: direction.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    }
    let err = app
        .describe(
            &alice,
            Req {
                state: 9,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    app.stop().await;
}

#[tokio::test]
async fn filters() {
    let (app, alice, bob, hub, made) = hub_with_spokes(3).await;
    let from_bob = made.last().unwrap().clone();
    // vpc_id matches either end, in either id form.
    for id in [hub.vpc_id.clone(), hub.un_vpc_id.clone()] {
        let page = app
            .describe(
                &alice,
                Req {
                    vpc_id: id,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total_count, 4);
    }
    let page = app
        .describe(
            &alice,
            Req {
                vpc_id: made[0].un_peer_vpc_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&page.data), vec![made[0].peering_connection_id.clone()]);
    // Bob sees only his own peering, even filtering by Alice's hub.
    let page = app
        .describe(
            &bob,
            Req {
                vpc_id: hub.un_vpc_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&page.data),
        vec![from_bob.peering_connection_id.clone()]
    );
    // By id, name and state.
    let page = app
        .describe(
            &alice,
            Req {
                peering_connection_id: made[1].peering_connection_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.data, vec![made[1].clone()]);
    let page = app
        .describe(
            &alice,
            Req {
                peering_connection_name: "from-bob".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&page.data),
        vec![from_bob.peering_connection_id.clone()]
    );
    let page = app
        .describe(
            &alice,
            Req {
                state: State::Pending as i32,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&page.data),
        vec![from_bob.peering_connection_id.clone()]
    );
    let page = app
        .describe(
            &alice,
            Req {
                state: State::Active as i32,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, 3);
    assert!(page.data.iter().all(|p| state(p) == State::Active));
    // Someone else's id reads as nothing at all.
    let carol = app.account("100003").await;
    let page = app
        .describe(
            &carol,
            Req {
                peering_connection_id: from_bob.peering_connection_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, 0);
    // A VPC id that exists nowhere matches nothing; a malformed one is an error.
    let page = app
        .describe(
            &alice,
            Req {
                vpc_id: "vpc-zzzzzzzz".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, 0);
    let err = app
        .describe(
            &alice,
            Req {
                vpc_id: "nonsense".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::InvalidArgument,
        "InvalidParameterValue.Malformed",
    );
    app.stop().await;
}

#[tokio::test]
async fn regions_are_separate_and_short_names_work() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let gz = app.vpc(&alice, "10.0.0.0/16").await;
    let sh = app
        .vpcs()
        .create_vpc(authed_in(
            &alice,
            "sh",
            proto::CreateVpcRequest {
                vpc_name: "sh".into(),
                cidr_block: "10.0.0.0/16".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    assert_eq!(sh.region, "ap-shanghai");
    assert!(sh.vpc_id.starts_with("sh_vpc_"), "{}", sh.vpc_id);
    assert_eq!(gz.region, "ap-guangzhou");
    // Each region lists its own.
    for (region, expected) in [("ap-shanghai", &sh), ("gz", &gz)] {
        let listed = app
            .vpcs()
            .describe_vpc_ex(authed_in(
                &alice,
                region,
                proto::DescribeVpcExRequest::default(),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.data, vec![expected.clone()]);
    }
    let page = app
        .peering()
        .describe_vpc_peering_connections(authed(&alice, Req::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_count, 0);
    app.stop().await;
}
