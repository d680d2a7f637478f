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
                tags: Vec::new(),
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

/// A scenario of one account with `pairs` peered pairs of VPCs (ACTIVE, one
/// peering each) and `spare` unpeered pairs: 10.0.0.0/16 on one side and
/// 172.16.0.0/16 on the other, which overlap nothing they are peered with.
fn many_pairs(pairs: usize, spare: usize) -> String {
    let mut yaml = String::from(
        "accounts:\n  - {uin: 100001, name: alice, secret_id: AKIDalice, secret_key: alice-key}\n\
         quotas:\n  - {uin: 100001, quota_name: appid-max-vpcs, limit: 100000}\nvpcs:\n",
    );
    for i in 0..pairs + spare {
        yaml += &format!(
            "  - {{uin: 100001, vpc_name: a{i}, cidr_block: 10.0.0.0/16}}\n  - {{uin: 100001, vpc_name: b{i}, cidr_block: 172.16.0.0/16}}\n"
        );
    }
    yaml += "peerings:\n";
    for i in 0..pairs {
        yaml += &format!(
            "  - {{peering_connection_name: p{i}, vpc_id: a{i}, peer_vpc_id: b{i}, state: ACTIVE}}\n"
        );
    }
    yaml
}

/// One API 3.0 Describe answers from one consistent state, however many
/// peerings the caller has: pages read while peerings are being created
/// never show a row twice. (vpcsim used to collect an API 3.0 caller's
/// peerings 1,000 at a time, a read each, so a create landing between two
/// reads shifted the rows under it.)
#[tokio::test]
async fn api3_describe_pages_stay_consistent_while_writes_land() {
    use crate::api3::{Send, call};
    const PAIRS: usize = 2100;
    const SPARE: usize = 400;
    let app = TestApp::spawn().await;
    app.load(&many_pairs(PAIRS, SPARE), "many.yaml", false)
        .await
        .expect("the scenario loads");
    let mut ids = std::collections::HashMap::new();
    let mut vpcs = app.vpcs();
    let mut offset = 0;
    loop {
        let page = vpcs
            .describe_vpc_ex(authed(
                "AKIDalice",
                proto::DescribeVpcExRequest {
                    offset: Some(offset),
                    limit: Some(100),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.data.into_iter().map(|v| (v.vpc_name, v.vpc_id)));
        offset += 100;
        if offset >= page.total_count {
            break;
        }
    }
    let spares: Vec<(String, String)> = (PAIRS..PAIRS + SPARE)
        .map(|i| (ids[&format!("a{i}")].clone(), ids[&format!("b{i}")].clone()))
        .collect();

    // Creates peerings, newest first in the default order, while the
    // reader pages across the boundaries of the old 1,000-row reads.
    let writer = {
        let app_peering = app.peering();
        tokio::spawn(async move {
            let mut client = app_peering;
            for (i, (a, b)) in spares.into_iter().enumerate() {
                client
                    .create_vpc_peering_connection(authed(
                        "AKIDalice",
                        proto::CreateVpcPeeringConnectionRequest {
                            vpc_id: a,
                            peer_vpc_id: b,
                            peer_uin: "100001".into(),
                            peering_connection_name: format!("new{i}"),
                            ..Default::default()
                        },
                    ))
                    .await
                    .expect("create");
            }
        })
    };
    let send = Send::as_account("AKIDalice", "alice-key");
    let mut reads = 0;
    while !writer.is_finished() || reads < 20 {
        for offset in [990, 1990] {
            let answer = call(
                &app,
                &send,
                "DescribeVpcPeeringConnections",
                &format!(r#"{{"Offset": {offset}, "Limit": 20}}"#),
            )
            .await;
            let set = answer.body["Response"]["PeerConnectionSet"]
                .as_array()
                .unwrap_or_else(|| panic!("{}", answer.body))
                .clone();
            assert_eq!(set.len(), 20, "{}", answer.body);
            let ids: Vec<&str> = set
                .iter()
                .map(|p| p["PeeringConnectionId"].as_str().unwrap())
                .collect();
            let distinct: HashSet<&&str> = ids.iter().collect();
            assert_eq!(distinct.len(), 20, "a row shown twice in one page: {ids:?}");
            // Newest first: each row is no newer than the one before it.
            let times: Vec<&str> = set
                .iter()
                .map(|p| p["CreateTime"].as_str().unwrap())
                .collect();
            assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
        }
        reads += 1;
    }
    writer.await.unwrap();
    app.stop().await;
}
