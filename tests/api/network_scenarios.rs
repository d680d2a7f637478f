//! Scenarios with subnets, route tables and routes: load, the API's view of
//! them, dump and load again, every rule's error at its place in the file,
//! merges over the database's VPCs and peerings, and snapshots saved before
//! route tables existed.

use sqlx::Executor;
use tonic::transport::Channel;
use vpcsim::{
    proto::{
        self, route_table_service_client::RouteTableServiceClient,
        subnet_service_client::SubnetServiceClient,
    },
    store::Store,
};

use crate::helpers::{TestApp, authed, connect, example};

async fn subnets(app: &TestApp) -> SubnetServiceClient<Channel> {
    SubnetServiceClient::new(connect(app.addr).await)
}

async fn route_tables(app: &TestApp) -> RouteTableServiceClient<Channel> {
    RouteTableServiceClient::new(connect(app.addr).await)
}

/// Every subnet and route table `secret`'s account sees, as Describe
/// answers them, page by page.
async fn describe_network(app: &TestApp, secret: &str) -> String {
    let mut out = String::new();
    let (mut s, mut t) = (subnets(app).await, route_tables(app).await);
    let mut offset = 0;
    loop {
        let page = s
            .describe_subnets(authed(
                secret,
                proto::DescribeSubnetsRequest {
                    offset: Some(offset),
                    limit: Some(100),
                    ..Default::default()
                },
            ))
            .await
            .expect("subnets")
            .into_inner();
        out += &format!("{page:?}\n");
        offset += 100;
        if offset >= page.total_count {
            break;
        }
    }
    let mut offset = 0;
    loop {
        let page = t
            .describe_route_tables(authed(
                secret,
                proto::DescribeRouteTablesRequest {
                    offset: Some(offset),
                    limit: Some(100),
                    ..Default::default()
                },
            ))
            .await
            .expect("route tables")
            .into_inner();
        out += &format!("{page:?}\n");
        offset += 100;
        if offset >= page.total_count {
            break;
        }
    }
    out
}

/// Runs the independent invariant checker on the live database file.
async fn assert_consistent(app: &TestApp, after: &str) {
    let store = Store::open_read_only(&app.db_path).await.expect("open");
    let violations = store.check().await.expect("check");
    store.close().await;
    assert!(violations.is_empty(), "after {after}: {violations:?}");
}

/// A dump without its clock line, which moves with real time.
async fn unclocked(app: &TestApp) -> String {
    app.dump()
        .await
        .lines()
        .filter(|l| !l.starts_with("clock:"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn tables_of(app: &TestApp, secret: &str, vpc: &str) -> Vec<proto::RouteTable> {
    route_tables(app)
        .await
        .describe_route_tables(authed(
            secret,
            proto::DescribeRouteTablesRequest {
                vpc_id: vpc.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("route tables")
        .into_inner()
        .route_tables
}

fn route(destination: &str, gateway_type: &str, gateway_id: &str) -> proto::NewRoute {
    proto::NewRoute {
        destination_cidr_block: destination.into(),
        gateway_type: gateway_type.into(),
        gateway_id: gateway_id.into(),
        route_description: String::new(),
    }
}

#[tokio::test]
async fn the_network_example_loads_as_the_api_shows_it_and_round_trips() {
    let app = TestApp::spawn().await;
    let loaded = app
        .load(
            &example("network-scenario.yaml"),
            "network-scenario.yaml",
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        (loaded.subnets, loaded.route_tables, loaded.routes),
        (3, 3, 4)
    );
    assert_consistent(&app, "the load").await;
    let pcx = app.all_peerings("AKIDshop").await;
    let web_db = pcx
        .iter()
        .find(|p| p.peering_connection_name == "web-db")
        .expect("web-db")
        .peering_connection_id
        .clone();

    // web: its default table (fixed id, routes to db through web-db) and
    // "private", with the private subnet and a disabled NAT route.
    let web = tables_of(&app, "AKIDshop", "vpc-web00022").await;
    assert_eq!(web.len(), 2, "{web:?}");
    let (main, private) = (&web[0], &web[1]);
    assert!(main.main && !private.main);
    assert_eq!(
        (main.route_table_id.as_str(), main.route_table_name.as_str()),
        ("rtb-web00001", "default")
    );
    assert_eq!(main.routes.len(), 1);
    assert_eq!(main.routes[0].gateway_id, web_db);
    assert_eq!(main.routes[0].route_description, "to the database");
    assert_eq!(private.route_table_name, "private");
    assert_eq!(private.subnet_ids, ["subnet-webpriv1"]);
    assert_eq!(
        main.subnet_ids.len(),
        1,
        "web-public is in the default table"
    );
    let nat = &private.routes[1];
    assert_eq!(
        (nat.route_id, nat.gateway_type.as_str(), nat.enabled),
        (100, "NAT", false)
    );
    assert_eq!(private.tags.len(), 1);
    // payments lists no table: it has an empty default one.
    let payments = tables_of(&app, "AKIDpayments", "gz_vpc_3").await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert!(payments[0].main && payments[0].routes.is_empty());
    let all = describe_network(&app, "AKIDpayments").await;
    assert!(all.contains("route_table_name: \"default\""), "{all}");
    assert!(all.contains("main: true"), "{all}");

    // Some history through the API: a subnet, a table with routes, a route
    // deleted (so RouteIds have a gap), one disabled, an association, tags.
    let db = tables_of(&app, "AKIDshop", "gz_vpc_2").await;
    let db_vpc = db[0].vpc_id.clone();
    let subnet = subnets(&app)
        .await
        .create_subnet(authed(
            "AKIDshop",
            proto::CreateSubnetRequest {
                vpc_id: db_vpc.clone(),
                subnet_name: "db-b".into(),
                cidr_block: "10.20.2.0/24".into(),
                zone: "ap-guangzhou-4".into(),
                tags: vec![proto::Tag {
                    key: "tier".into(),
                    value: "data".into(),
                }],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();
    let mut rt = route_tables(&app).await;
    let extra = rt
        .create_route_table(authed(
            "AKIDshop",
            proto::CreateRouteTableRequest {
                vpc_id: db_vpc.clone(),
                route_table_name: "extra".into(),
                tags: Vec::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .route_table
        .unwrap();
    let added = rt
        .create_routes(authed(
            "AKIDshop",
            proto::CreateRoutesRequest {
                route_table_id: extra.route_table_id.clone(),
                routes: vec![
                    route("10.10.1.0/24", "PEERCONNECTION", &web_db),
                    route("8.8.8.0/24", "VPN", "vpngw-abc12345"),
                    route("9.9.9.0/24", "VPN", "vpngw-abc12345"),
                ],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .routes;
    rt.delete_routes(authed(
        "AKIDshop",
        proto::DeleteRoutesRequest {
            route_table_id: extra.route_table_id.clone(),
            routes: vec![proto::RouteRef {
                route_id: added[1].route_id,
                route_item_id: String::new(),
            }],
        },
    ))
    .await
    .unwrap();
    rt.disable_routes(authed(
        "AKIDshop",
        proto::DisableRoutesRequest {
            route_table_id: extra.route_table_id.clone(),
            routes: vec![proto::RouteRef {
                route_id: 0,
                route_item_id: added[2].route_item_id.clone(),
            }],
        },
    ))
    .await
    .unwrap();
    rt.replace_route_table_association(authed(
        "AKIDshop",
        proto::ReplaceRouteTableAssociationRequest {
            subnet_id: subnet.subnet_id.clone(),
            route_table_id: extra.route_table_id.clone(),
        },
    ))
    .await
    .unwrap();
    rt.modify_route_table_attribute(authed(
        "AKIDshop",
        proto::ModifyRouteTableAttributeRequest {
            route_table_id: db[0].route_table_id.clone(),
            route_table_name: "db-main".into(),
        },
    ))
    .await
    .unwrap();
    app.vpcs()
        .modify_vpc_attribute(authed(
            "AKIDshop",
            proto::ModifyVpcAttributeRequest {
                vpc_id: db_vpc,
                vpc_name: None,
                set_tags: vec![proto::Tag {
                    key: "env".into(),
                    value: "prod".into(),
                }],
                delete_tag_keys: Vec::new(),
            },
        ))
        .await
        .unwrap();
    assert_consistent(&app, "the API's changes").await;

    // Dump, load into a fresh server: the same answers, the same dump.
    let dump = app.dump().await;
    assert!(dump.contains("route_table_name: db-main"), "{dump}");
    let answers = (
        app.describe_everything().await,
        describe_network(&app, "AKIDshop").await,
        describe_network(&app, "AKIDpayments").await,
    );
    let fresh = TestApp::spawn().await;
    fresh.load(&dump, "dump.yaml", false).await.unwrap();
    let again = (
        fresh.describe_everything().await,
        describe_network(&fresh, "AKIDshop").await,
        describe_network(&fresh, "AKIDpayments").await,
    );
    assert_eq!(again, answers);
    assert_eq!(unclocked(&fresh).await, unclocked(&app).await);
    assert_consistent(&fresh, "loading the dump").await;
    // RouteIds go on after the loaded ones (1, 2, 3, 100, 101 and 103).
    let next = route_tables(&fresh)
        .await
        .create_routes(authed(
            "AKIDshop",
            proto::CreateRoutesRequest {
                route_table_id: extra.route_table_id.clone(),
                routes: vec![route("7.7.7.0/24", "VPN", "vpngw-abc12345")],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .routes;
    assert_eq!(next[0].route_id, 104);
    app.stop().await;
    fresh.stop().await;
}

/// The start of every bad scenario: accounts 1 and 2; b and c (of 2) and
/// a (of 1, whose lines each case goes on from, at line 14); a and b
/// peered ACTIVE, a and c PENDING, b and c ACTIVE.
const HEAD: &str = "\
accounts:
  - {uin: 1, name: one, secret_id: AKIDone}
  - {uin: 2, name: two, secret_id: AKIDtwo}
peerings:
  - {peering_connection_name: ab, vpc_id: a, peer_vpc_id: b, state: ACTIVE}
  - {peering_connection_name: ac, vpc_id: a, peer_vpc_id: c, state: PENDING}
  - {peering_connection_name: bc, vpc_id: b, peer_vpc_id: c, state: ACTIVE}
vpcs:
  - {uin: 2, vpc_name: b, cidr_block: 10.1.0.0/16}
  - {uin: 2, vpc_name: c, cidr_block: 10.2.0.0/16}
  - uin: 1
    vpc_name: a
    cidr_block: 10.0.0.0/16
";

/// A's one table with `routes` (YAML flow items, one per line from 17).
fn with_routes(routes: &[&str]) -> String {
    let mut text = format!("{HEAD}    route_tables:\n      - main: true\n        routes:\n");
    for r in routes {
        text += &format!("          - {r}\n");
    }
    text
}

#[tokio::test]
async fn every_network_rule_is_reported_at_its_place_and_loads_nothing() {
    let app = TestApp::spawn().await;
    app.load(
        &example("network-scenario.yaml"),
        "network-scenario.yaml",
        false,
    )
    .await
    .unwrap();
    let before = unclocked(&app).await;
    // The head alone is valid, and so is a route through an ACTIVE
    // peering into the peer; a disabled route may share a destination.
    let valid = with_routes(&[
        "{destination_cidr_block: 10.1.0.0/24, gateway_type: PEERCONNECTION, gateway_id: ab}",
        "{destination_cidr_block: 10.1.0.0/24, gateway_type: NAT, gateway_id: nat-00000001, enabled: false}",
    ]);
    let check = TestApp::spawn().await;
    check.load(&valid, "valid.yaml", false).await.unwrap();
    assert_consistent(&check, "the valid head").await;
    check.stop().await;

    let subnet = |s: &str| format!("{HEAD}    subnets:\n      - {s}\n");
    let two_subnets = |a: &str, b: &str| format!("{HEAD}    subnets:\n      - {a}\n      - {b}\n");
    let long = "x".repeat(101);
    // (scenario, line, path, words of the message)
    let cases: Vec<(String, usize, &str, String)> = vec![
        // Subnets: zone, block, overlap, table, id, tags, quota.
        (
            subnet("{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-shanghai-2}"),
            15,
            "vpcs[2].subnets[0].zone",
            "zone \"ap-shanghai-2\" is not a zone of ap-guangzhou".into(),
        ),
        (
            subnet("{subnet_name: s, cidr_block: 10.1.0.0/24, zone: ap-guangzhou-3}"),
            15,
            "vpcs[2].subnets[0].cidr_block",
            "10.1.0.0/24 is not inside a block of vpc vpcs[2] (a) (10.0.0.0/16)".into(),
        ),
        (
            subnet("{subnet_name: s, cidr_block: 10.0.0.0/15, zone: ap-guangzhou-3}"),
            15,
            "vpcs[2].subnets[0].cidr_block",
            "a subnet's prefix must be from /16 to /28".into(),
        ),
        (
            two_subnets(
                "{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3}",
                "{subnet_name: t, cidr_block: 10.0.1.128/25, zone: ap-guangzhou-3}",
            ),
            16,
            "vpcs[2].subnets[1].cidr_block",
            "overlaps 10.0.1.0/24 of subnet subnets[0] (s) in vpc vpcs[2] (a)".into(),
        ),
        (
            subnet(
                "{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3, route_table: nope}",
            ),
            15,
            "vpcs[2].subnets[0].route_table",
            "route table nope is not one of this vpc's".into(),
        ),
        (
            two_subnets(
                "{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3, subnet_id: subnet-twice000}",
                "{subnet_name: t, cidr_block: 10.0.2.0/24, zone: ap-guangzhou-3, subnet_id: subnet-twice000}",
            ),
            16,
            "vpcs[2].subnets[1].subnet_id",
            "subnet subnet-twice000 is defined twice".into(),
        ),
        (
            subnet(
                "{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3, subnet_id: subnet-webpriv1}",
            ),
            15,
            "vpcs[2].subnets[0].subnet_id",
            "subnet subnet-webpriv1 is already in the database".into(),
        ),
        (
            subnet(
                "{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3, tags: [{key: ''}]}",
            ),
            15,
            "vpcs[2].subnets[0].tags",
            "tags[0].Key must be 1 to 127 characters".into(),
        ),
        (
            format!(
                "{}quotas: [{{uin: 1, quota_name: vpc-max-subnets, limit: 1}}]\n",
                two_subnets(
                    "{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3}",
                    "{subnet_name: t, cidr_block: 10.0.2.0/24, zone: ap-guangzhou-3}",
                )
            ),
            15,
            "vpcs[2].subnets",
            "quota vpc-max-subnets of 1".into(),
        ),
        // Route tables: one default, names, quota.
        (
            format!(
                "{HEAD}    route_tables:\n      - {{main: true}}\n      - {{main: true, route_table_name: other}}\n"
            ),
            16,
            "vpcs[2].route_tables[1].main",
            "a vpc has one default route table, and route_tables[0] is it".into(),
        ),
        (
            format!("{HEAD}    route_tables:\n      - {{tags: []}}\n"),
            15,
            "vpcs[2].route_tables[0].route_table_name",
            "route_table_name is missing".into(),
        ),
        (
            format!(
                "{HEAD}    route_tables:\n      - {{route_table_name: x}}\n      - {{route_table_name: y}}\nquotas: [{{uin: 1, quota_name: vpc-max-route-tables, limit: 2}}]\n"
            ),
            16,
            "vpcs[2].route_tables[1]",
            "vpc vpcs[2] (a) has 2 of 2 route tables allowed by quota vpc-max-route-tables".into(),
        ),
        // Routes through peerings: ACTIVE, joining the vpc, into the peer.
        (
            with_routes(&[
                "{destination_cidr_block: 10.2.0.0/24, gateway_type: PEERCONNECTION, gateway_id: ac}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].gateway_id",
            "peering connection ac is PENDING; only an ACTIVE one carries routes".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 10.2.0.0/24, gateway_type: PEERCONNECTION, gateway_id: bc}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].gateway_id",
            "peering connection bc does not connect vpc vpcs[2] (a)".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 10.2.0.0/24, gateway_type: PEERCONNECTION, gateway_id: ab}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].destination_cidr_block",
            "10.2.0.0/24 is not inside a block of the peer vpc vpcs[0] (b) (10.1.0.0/16)".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 10.1.0.0/24, gateway_type: PEERCONNECTION, gateway_id: nope}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].gateway_id",
            "peering nope is not defined".into(),
        ),
        // No ECMP through a peering; not into the vpc itself.
        (
            with_routes(&[
                "{destination_cidr_block: 10.1.0.0/24, gateway_type: NAT, gateway_id: nat-00000001}",
                "{destination_cidr_block: 10.1.0.0/24, gateway_type: PEERCONNECTION, gateway_id: ab}",
            ]),
            18,
            "vpcs[2].route_tables[0].routes[1].destination_cidr_block",
            "route routes[0] of route_tables[0] (default) already goes there".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 10.0.5.0/24, gateway_type: NAT, gateway_id: nat-00000001}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].destination_cidr_block",
            "overlaps 10.0.0.0/16 of vpc vpcs[2] (a); traffic inside the vpc is routed locally"
                .into(),
        ),
        // Each field of a route as the API reads it.
        (
            with_routes(&[
                "{destination_cidr_block: 8.8.8.0/24, gateway_type: WORMHOLE, gateway_id: x}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].gateway_type",
            "gateway_type \"WORMHOLE\" is not one of".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 8.8.8.0/24, gateway_type: NAT, gateway_id: nat-1}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].gateway_id",
            "is not a NAT gateway id".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 8.8.8.1/24, gateway_type: NAT, gateway_id: nat-00000001}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].destination_cidr_block",
            "is not written as 8.8.8.0/24".into(),
        ),
        (
            with_routes(&[&format!(
                "{{destination_cidr_block: 8.8.8.0/24, gateway_type: NAT, gateway_id: nat-00000001, route_description: {long}}}"
            )]),
            17,
            "vpcs[2].route_tables[0].routes[0].route_description",
            "has 101 characters, at most 60".into(),
        ),
        (
            with_routes(&[
                "{destination_cidr_block: 8.8.8.0/24, gateway_type: NAT, gateway_id: nat-00000001, route_id: 100}",
            ]),
            17,
            "vpcs[2].route_tables[0].routes[0].route_id",
            "route 100 is already in the database".into(),
        ),
        (
            format!(
                "{}quotas: [{{uin: 1, quota_name: route-table-max-policies, limit: 1}}]\n",
                with_routes(&[
                    "{destination_cidr_block: 8.8.8.0/24, gateway_type: NAT, gateway_id: nat-00000001}",
                    "{destination_cidr_block: 8.8.4.0/24, gateway_type: NAT, gateway_id: nat-00000001}",
                ])
            ),
            17,
            "vpcs[2].route_tables[0].routes",
            "quota route-table-max-policies of 1".into(),
        ),
        // A deleted vpc has neither.
        (
            format!(
                "{}    deleted: true\n",
                subnet("{subnet_name: s, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3}")
            ),
            15,
            "vpcs[2].subnets",
            "a deleted vpc has no subnets".into(),
        ),
        // Vpc tags.
        (
            format!("{HEAD}    tags: [{{key: a}}, {{key: a}}]\n"),
            14,
            "vpcs[2].tags",
            "tags[1].Key \"a\" is given twice".into(),
        ),
    ];
    for (text, line, path, words) in cases {
        let err = app.load(&text, "bad.yaml", false).await.unwrap_err();
        let message = err.message();
        let wanted = format!("bad.yaml:{line}:");
        assert!(
            message.lines().any(|l| l.contains(&wanted)
                && l.contains(&format!(": {path}: "))
                && l.contains(&words)),
            "no line at {wanted} {path} saying {words:?} in\n{message}\nfor\n{text}"
        );
        assert_eq!(unclocked(&app).await, before, "state changed by\n{text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_merge_routes_through_its_own_peering_to_a_vpc_of_the_database() {
    let app = TestApp::spawn().await;
    app.load(
        &example("network-scenario.yaml"),
        "network-scenario.yaml",
        false,
    )
    .await
    .unwrap();
    // A new VPC of payments', peered with db (of the database) by the
    // file, routes into db; a route through a peering of the database
    // (web-db, which joins two of its VPCs) is refused.
    let pcx = app.all_peerings("AKIDshop").await;
    let web_db = &pcx
        .iter()
        .find(|p| p.peering_connection_name == "web-db")
        .unwrap()
        .peering_connection_id;
    let merge = |via: &str| {
        format!(
            "vpcs:
  - uin: 300002
    vpc_name: ledger
    cidr_block: 192.168.0.0/16
    route_tables:
      - route_table_name: default
        routes:
          - {{destination_cidr_block: 10.20.1.0/24, gateway_type: PEERCONNECTION, gateway_id: {via}}}
peerings:
  - {{peering_connection_name: ledger-db, vpc_id: ledger, peer_vpc_id: gz_vpc_2, state: ACTIVE}}
"
        )
    };
    let err = app.load(&merge(web_db), "m.yaml", false).await.unwrap_err();
    assert!(
        err.message().contains(&format!(
            "m.yaml:8:94: vpcs[0].route_tables[0].routes[0].gateway_id: peering connection {web_db} does not connect vpc vpcs[0] (ledger)"
        )),
        "{}",
        err.message()
    );
    let loaded = app
        .load(&merge("ledger-db"), "m.yaml", false)
        .await
        .unwrap();
    assert_eq!((loaded.route_tables, loaded.routes), (1, 1));
    assert_consistent(&app, "the merge").await;
    let network = describe_network(&app, "AKIDpayments").await;
    assert!(network.contains("10.20.1.0/24"), "{network}");
    // Merging RouteIds go on after the database's.
    assert!(network.contains("route_id: 101"), "{network}");
    app.stop().await;
}

#[tokio::test]
async fn a_snapshot_saved_before_route_tables_existed_restores_with_default_tables() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest { name: "old".into() }))
        .await
        .expect("save");
    // The snapshot as migration 0008 found it: no network tables, no tags.
    let mut db = app.raw_db().await;
    for table in ["route_tables", "subnets", "routes"] {
        db.execute(sqlx::AssertSqlSafe(format!(
            "DROP TABLE snapshot_1_{table}"
        )))
        .await
        .expect("drop a snapshot table");
    }
    db.execute("ALTER TABLE snapshot_1_vpcs DROP COLUMN tags")
        .await
        .expect("drop a snapshot column");
    drop(db);
    // Something to take back: a subnet and a table of alice's.
    let alice_vpc = tables_of(&app, "AKIDalice", "gz_vpc_1").await[0]
        .vpc_id
        .clone();
    subnets(&app)
        .await
        .create_subnet(authed(
            "AKIDalice",
            proto::CreateSubnetRequest {
                vpc_id: alice_vpc.clone(),
                subnet_name: "s".into(),
                cidr_block: "10.0.1.0/24".into(),
                zone: "ap-guangzhou-3".into(),
                tags: Vec::new(),
            },
        ))
        .await
        .unwrap();
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest { name: "old".into() }))
        .await
        .expect("restore an old snapshot");
    assert_consistent(&app, "restoring an old snapshot").await;
    for (secret, vpc) in [("AKIDalice", "gz_vpc_1"), ("AKIDbob", "gz_vpc_2")] {
        let tables = tables_of(&app, secret, vpc).await;
        assert_eq!(tables.len(), 1, "{tables:?}");
        assert!(tables[0].main && tables[0].route_table_name == "default");
        assert!(tables[0].subnet_ids.is_empty() && tables[0].routes.is_empty());
    }
    // The VPC takes subnets again, into its new default table.
    let subnet = subnets(&app)
        .await
        .create_subnet(authed(
            "AKIDalice",
            proto::CreateSubnetRequest {
                vpc_id: alice_vpc,
                subnet_name: "s".into(),
                cidr_block: "10.0.1.0/24".into(),
                zone: "ap-guangzhou-3".into(),
                tags: Vec::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();
    let tables = tables_of(&app, "AKIDalice", "gz_vpc_1").await;
    assert_eq!(subnet.route_table_id, tables[0].route_table_id);
    // A snapshot saved now restores its tables as they were.
    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest { name: "new".into() }))
        .await
        .expect("save");
    let before = unclocked(&app).await;
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest { name: "new".into() }))
        .await
        .expect("restore");
    assert_eq!(unclocked(&app).await, before);
    app.stop().await;
}
