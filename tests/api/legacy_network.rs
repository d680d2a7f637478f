//! The legacy API's subnet, route-table and route actions and
//! ModifyVpcAttribute (`/v2/index.php`), signed and sent as the legacy SDK
//! sends them, on the same state as gRPC: the legacy parameter names
//! (`vpcId`, `subnetSet.n.zoneId`, `routeSet.n.nextType`), answers and
//! codes, and refusals that change nothing.

use serde_json::Value;
use vpcsim::proto::{
    self, route_table_service_client::RouteTableServiceClient,
    subnet_service_client::SubnetServiceClient,
};

use crate::{
    helpers::{TestApp, authed, connect},
    legacy::{Legacy, call, code_of},
};

const ALICE: &str = "AKID100001";

/// A refused call: what it tries, its action and parameters, and the
/// legacy `code` and `codeDesc` it gets.
type Case<'a> = (&'a str, &'a str, Vec<(String, String)>, i64, &'a str);

fn alice() -> Legacy<'static> {
    Legacy::new(ALICE, "alice-key")
}

/// Calls `action` as alice, expecting success; its answer.
async fn ok(app: &TestApp, action: &str, params: &[(&str, &str)]) -> Value {
    let answer = call(app, &alice(), action, params).await;
    assert_eq!(code_of(&answer), (0, "Success"), "{action}: {answer}");
    answer
}

/// `key.n.field` for each item's fields, as the legacy SDK spells arrays.
fn array(key: &str, items: &[&[(&str, &str)]]) -> Vec<(String, String)> {
    items
        .iter()
        .enumerate()
        .flat_map(|(n, fields)| {
            fields
                .iter()
                .map(move |(f, v)| (format!("{key}.{n}.{f}"), v.to_string()))
        })
        .collect()
}

/// `params` with owned pairs borrowed, for `call`.
fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Alice's subnets, over gRPC.
async fn grpc_subnets(app: &TestApp, vpc: &str) -> Vec<proto::Subnet> {
    SubnetServiceClient::new(connect(app.addr).await)
        .describe_subnets(authed(
            ALICE,
            proto::DescribeSubnetsRequest {
                vpc_id: vpc.into(),
                limit: Some(100),
                ..Default::default()
            },
        ))
        .await
        .expect("describe subnets")
        .into_inner()
        .subnets
}

/// Alice's route tables, over gRPC.
async fn grpc_tables(app: &TestApp, vpc: &str) -> Vec<proto::RouteTable> {
    RouteTableServiceClient::new(connect(app.addr).await)
        .describe_route_tables(authed(
            ALICE,
            proto::DescribeRouteTablesRequest {
                vpc_id: vpc.into(),
                limit: Some(100),
                ..Default::default()
            },
        ))
        .await
        .expect("describe route tables")
        .into_inner()
        .route_tables
}

/// Makes subnets of `vpc` over the legacy API: (name, block, zoneId).
async fn subnets(app: &TestApp, vpc: &str, wanted: &[(&str, &str, &str)]) -> Vec<Value> {
    let items: Vec<Vec<(&str, &str)>> = wanted
        .iter()
        .map(|(name, cidr, zone)| {
            vec![
                ("subnetName", *name),
                ("cidrBlock", *cidr),
                ("zoneId", *zone),
            ]
        })
        .collect();
    let items: Vec<&[(&str, &str)]> = items.iter().map(Vec::as_slice).collect();
    let mut params = vec![("vpcId".to_owned(), vpc.to_owned())];
    params.extend(array("subnetSet", &items));
    let made = ok(app, "CreateSubnet", &borrowed(&params)).await;
    made["subnetSet"].as_array().expect("subnetSet").clone()
}

/// The ids of a legacy list's `data`, by `field`.
fn ids(answer: &Value, field: &str) -> Vec<String> {
    answer["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data in {answer}"))
        .iter()
        .map(|d| d[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A route as the legacy answers print it: (destination, nextType, nextHub).
fn routes_of(table: &Value) -> Vec<(String, i64, String)> {
    table["routeSet"]
        .as_array()
        .unwrap_or_else(|| panic!("no routeSet in {table}"))
        .iter()
        .map(|r| {
            (
                r["destinationCidrBlock"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                r["nextType"].as_i64().unwrap_or(-100),
                r["nextHub"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn route(dest: &str, next_type: i64, hub: &str) -> (String, i64, String) {
    (dest.to_owned(), next_type, hub.to_owned())
}

/// An ACTIVE peering between two of alice's VPCs, over the legacy API.
async fn peering(app: &TestApp, vpc: &str, peer: &str) -> String {
    let made = ok(
        app,
        "CreateVpcPeeringConnection",
        &[
            ("vpcId", vpc),
            ("peerVpcId", peer),
            ("peerUin", "100001"),
            ("peeringConnectionName", "web-web2"),
        ],
    )
    .await;
    made["peeringConnectionId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn subnets_over_the_legacy_api_share_state_with_grpc() {
    let app = TestApp::spawn().await;
    let (_, web, _) = crate::api3::two_accounts(&app).await;

    // Two subnets in one call: a numeric zone id, and a zone's name (as
    // Terraform's legacy provider sent it).
    let made = subnets(
        &app,
        &web.vpc_id,
        &[
            ("app", "10.0.1.0/24", "100003"),
            ("db", "10.0.2.0/24", "ap-guangzhou-4"),
        ],
    )
    .await;
    assert_eq!(made.len(), 2, "{made:?}");
    let default_table = grpc_tables(&app, &web.un_vpc_id).await[0].clone();
    assert!(default_table.main);
    for (item, (name, cidr, zone)) in made.iter().zip([
        ("app", "10.0.1.0/24", 100_003),
        ("db", "10.0.2.0/24", 100_004),
    ]) {
        assert_eq!(item["subnetName"], name, "{item}");
        assert_eq!(item["cidrBlock"], cidr, "{item}");
        assert_eq!(item["zoneId"], zone, "{item}");
        assert_eq!(item["routeTableId"], default_table.route_table_id.as_str());
        assert_eq!(
            item["unRouteTableId"],
            default_table.route_table_id.as_str()
        );
        let id = item["unSubnetId"].as_str().unwrap();
        assert!(id.starts_with("subnet-") && id.len() == 15, "{item}");
        assert_eq!(item["subnetId"], id, "one id, in both fields");
    }
    let app_id = made[0]["unSubnetId"].as_str().unwrap().to_owned();
    let db_id = made[1]["unSubnetId"].as_str().unwrap().to_owned();

    // gRPC sees them, in their zones.
    let seen = grpc_subnets(&app, &web.un_vpc_id).await;
    let zones: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.subnet_id.as_str(), s.zone.as_str()))
        .collect();
    assert_eq!(
        zones,
        [
            (app_id.as_str(), "ap-guangzhou-3"),
            (db_id.as_str(), "ap-guangzhou-4")
        ]
    );

    // DescribeSubnetEx: the legacy fields, newest first by default (the two
    // were made at once, so the later one first).
    let listed = ok(&app, "DescribeSubnetEx", &[("vpcId", &web.un_vpc_id)]).await;
    assert_eq!(listed["totalCount"], 2, "{listed}");
    assert_eq!(ids(&listed, "unSubnetId"), [db_id.clone(), app_id.clone()]);
    let item = &listed["data"][1];
    for (field, want) in [
        ("vpcId", Value::from(web.vpc_id.as_str())),
        ("unVpcId", web.un_vpc_id.as_str().into()),
        ("vpcName", web.vpc_name.as_str().into()),
        ("vpcCidrBlock", "10.0.0.0/16".into()),
        ("subnetId", app_id.as_str().into()),
        ("subnetName", "app".into()),
        ("cidrBlock", "10.0.1.0/24".into()),
        ("zoneId", 100_003.into()),
        ("zone", "ap-guangzhou-3".into()),
        ("routeTableId", default_table.route_table_id.as_str().into()),
        ("totalIPNum", 256.into()),
        ("availableIPNum", 253.into()),
        ("networkAclId", 0.into()),
        ("broadcast", false.into()),
    ] {
        assert_eq!(item[field], want, "{field} in {item}");
    }
    assert!(
        item["subnetCreateTime"]
            .as_str()
            .is_some_and(|t| t.len() == 19)
    );

    // Filters, order and pages.
    let by = |params: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move { ids(&ok(app, "DescribeSubnetEx", params).await, "subnetName") }
    };
    assert_eq!(
        by(&[("orderField", "subnetName"), ("orderDirection", "asc")]).await,
        ["app", "db"]
    );
    assert_eq!(by(&[("orderField", "subnetName")]).await, ["db", "app"]);
    assert_eq!(by(&[("zoneIds.0", "100004")]).await, ["db"]);
    assert_eq!(
        by(&[("zoneIds.0", "100003"), ("zoneIds.1", "100004")])
            .await
            .len(),
        2
    );
    assert_eq!(by(&[("subnetName", "p")]).await, ["app"]);
    assert_eq!(
        by(&[("orderDirection", "asc"), ("offset", "1"), ("limit", "1")]).await,
        ["db"]
    );
    let one = ok(&app, "DescribeSubnetEx", &[("subnetId", &app_id)]).await;
    assert_eq!(ids(&one, "subnetName"), ["app"]);

    // DescribeSubnet: one subnet, by its VPC and id, flat.
    let detail = ok(
        &app,
        "DescribeSubnet",
        &[("vpcId", &web.vpc_id), ("subnetId", &db_id)],
    )
    .await;
    assert_eq!(
        (
            &detail["subnetName"],
            &detail["cidrBlock"],
            &detail["zoneId"]
        ),
        (
            &Value::from("db"),
            &Value::from("10.0.2.0/24"),
            &Value::from(100_004)
        ),
        "{detail}"
    );

    // Rename, delete.
    ok(
        &app,
        "ModifySubnetAttribute",
        &[
            ("vpcId", &web.un_vpc_id),
            ("subnetId", &db_id),
            ("subnetName", "db-renamed"),
        ],
    )
    .await;
    let seen = grpc_subnets(&app, &web.un_vpc_id).await;
    assert_eq!(seen[1].subnet_name, "db-renamed");
    ok(
        &app,
        "DeleteSubnet",
        &[("vpcId", &web.vpc_id), ("subnetId", &db_id)],
    )
    .await;
    let seen = grpc_subnets(&app, &web.un_vpc_id).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].subnet_id, app_id);
    app.stop().await;
}

#[tokio::test]
async fn route_tables_and_routes_through_a_peering() {
    let app = TestApp::spawn().await;
    let (_, web, _) = crate::api3::two_accounts(&app).await;
    let web2 = app.vpc(ALICE, "10.2.0.0/16").await;
    let pcx = peering(&app, &web.vpc_id, &web2.un_vpc_id).await;
    let made = subnets(
        &app,
        &web.vpc_id,
        &[
            ("a", "10.0.1.0/24", "100003"),
            ("b", "10.0.2.0/24", "100003"),
        ],
    )
    .await;
    let (a, b) = (
        made[0]["unSubnetId"].as_str().unwrap().to_owned(),
        made[1]["unSubnetId"].as_str().unwrap().to_owned(),
    );

    // A table with its first route, through the peering.
    let mut params = vec![
        ("vpcId".to_owned(), web.vpc_id.clone()),
        ("routeTableName".to_owned(), "to-web2".to_owned()),
    ];
    params.extend(array(
        "routeSet",
        &[&[
            ("destinationCidrBlock", "10.2.0.0/24"),
            ("nextType", "4"),
            ("nextHub", &pcx),
            ("description", "web2 first block"),
        ]],
    ));
    let created = ok(&app, "CreateRouteTable", &borrowed(&params)).await;
    let rtb = created["unRouteTableId"].as_str().unwrap().to_owned();
    assert!(rtb.starts_with("rtb-"), "{created}");
    assert_eq!(created["routeTableId"], rtb.as_str());
    assert_eq!(created["routeTableSet"][0]["nextType"], 4, "{created}");
    assert_eq!(created["routeTableSet"][0]["nextHub"], pcx.as_str());

    // More routes: another through the peering, one through a VPN gateway.
    let mut params = vec![
        ("vpcId".to_owned(), web.un_vpc_id.clone()),
        ("routeTableId".to_owned(), rtb.clone()),
    ];
    params.extend(array(
        "routeSet",
        &[
            &[
                ("destinationCidrBlock", "10.2.1.0/24"),
                ("nextType", "4"),
                ("nextHub", &pcx),
            ],
            &[
                ("destinationCidrBlock", "192.168.0.0/16"),
                ("nextType", "1"),
                ("nextHub", "vpngw-abcd1234"),
            ],
        ],
    ));
    ok(&app, "CreateRoute", &borrowed(&params)).await;
    let first_item_id = grpc_tables(&app, &web.un_vpc_id).await[1].routes[0]
        .route_item_id
        .clone();

    // Both subnets to the new table, in one call.
    ok(
        &app,
        "AssociateRouteTable",
        &[
            ("vpcId", &web.vpc_id),
            ("routeTableId", &rtb),
            ("subnetId.0", &a),
            ("subnetId.1", &b),
        ],
    )
    .await;
    let seen = grpc_subnets(&app, &web.un_vpc_id).await;
    assert!(seen.iter().all(|s| s.route_table_id == rtb), "{seen:?}");

    // DescribeRouteTable: newest first, the Local route first in each.
    let listed = ok(&app, "DescribeRouteTable", &[("vpcId", &web.vpc_id)]).await;
    assert_eq!(listed["totalCount"], 2, "{listed}");
    let table = &listed["data"][0];
    for (field, want) in [
        ("vpcId", Value::from(web.vpc_id.as_str())),
        ("unVpcId", web.un_vpc_id.as_str().into()),
        ("routeTableId", rtb.as_str().into()),
        ("unRouteTableId", rtb.as_str().into()),
        ("routeTableName", "to-web2".into()),
        ("routeTableType", 0.into()),
        ("subnetNum", 2.into()),
    ] {
        assert_eq!(table[field], want, "{field} in {table}");
    }
    assert_eq!(
        routes_of(table),
        [
            route("Local", 2, "Local"),
            route("10.2.0.0/24", 4, &pcx),
            route("10.2.1.0/24", 4, &pcx),
            route("192.168.0.0/16", 1, "vpngw-abcd1234"),
        ]
    );
    assert_eq!(table["routeSet"][1]["description"], "web2 first block");
    assert_eq!(table["routeSet"][1]["unNextHub"], pcx.as_str());
    let default = &listed["data"][1];
    assert_eq!(
        (&default["routeTableType"], &default["subnetNum"]),
        (&1.into(), &0.into())
    );
    assert_eq!(routes_of(default), [route("Local", 2, "Local")]);
    let by_name = ok(
        &app,
        "DescribeRouteTable",
        &[("routeTableName", "web2"), ("orderField", "routeTableName")],
    )
    .await;
    assert_eq!(ids(&by_name, "routeTableId"), [rtb.as_str()]);

    // ModifyRouteTableAttribute replaces the whole list, sent back as
    // Describe showed it (the Local route included): the first route
    // stays (its id too) with a new description, 10.2.1.0/24 and the VPN
    // route go, 10.2.2.0/24 comes; and the table is renamed.
    let mut params = vec![
        ("vpcId".to_owned(), web.vpc_id.clone()),
        ("routeTableId".to_owned(), rtb.clone()),
        ("routeTableName".to_owned(), "web2-only".to_owned()),
    ];
    params.extend(array(
        "routeSet",
        &[
            &[
                ("destinationCidrBlock", "Local"),
                ("nextType", "2"),
                ("nextHub", "Local"),
            ],
            &[
                ("destinationCidrBlock", "10.2.0.0/24"),
                ("nextType", "4"),
                ("nextHub", &pcx),
                ("description", "kept"),
            ],
            &[
                ("destinationCidrBlock", "10.2.2.0/24"),
                ("nextType", "4"),
                ("nextHub", &pcx),
            ],
        ],
    ));
    ok(&app, "ModifyRouteTableAttribute", &borrowed(&params)).await;
    let tables = grpc_tables(&app, &web.un_vpc_id).await;
    let now: Vec<(&str, &str, &str)> = tables[1]
        .routes
        .iter()
        .map(|r| {
            (
                r.destination_cidr_block.as_str(),
                r.route_description.as_str(),
                r.route_item_id.as_str(),
            )
        })
        .collect();
    assert_eq!(now.len(), 2, "{now:?}");
    assert_eq!(now[0], ("10.2.0.0/24", "kept", first_item_id.as_str()));
    assert_eq!(now[1].0, "10.2.2.0/24");
    assert_eq!(tables[1].route_table_name, "web2-only");

    // A name alone renames and leaves the routes.
    ok(
        &app,
        "ModifyRouteTableAttribute",
        &[
            ("vpcId", &web.vpc_id),
            ("routeTableId", &rtb),
            ("routeTableName", "renamed"),
        ],
    )
    .await;
    let listed = ok(&app, "DescribeRouteTable", &[("routeTableId", &rtb)]).await;
    assert_eq!(listed["data"][0]["routeTableName"], "renamed");
    assert_eq!(routes_of(&listed["data"][0]).len(), 3, "{listed}");

    // DeleteRoute names a route by where it goes and through what.
    let mut params = vec![
        ("vpcId".to_owned(), web.vpc_id.clone()),
        ("routeTableId".to_owned(), rtb.clone()),
    ];
    params.extend(array(
        "routeSet",
        &[&[
            ("destinationCidrBlock", "10.2.2.0/24"),
            ("nextType", "4"),
            ("nextHub", &pcx),
        ]],
    ));
    ok(&app, "DeleteRoute", &borrowed(&params)).await;
    let listed = ok(&app, "DescribeRouteTable", &[("routeTableId", &rtb)]).await;
    assert_eq!(
        routes_of(&listed["data"][0]),
        [route("Local", 2, "Local"), route("10.2.0.0/24", 4, &pcx)]
    );

    // A table with subnets stays; back to the default table, it goes. The
    // default table always stays.
    let in_use = call(
        &app,
        &alice(),
        "DeleteRouteTable",
        &[("vpcId", &web.vpc_id), ("routeTableId", &rtb)],
    )
    .await;
    assert_eq!(
        code_of(&in_use),
        (5100, "UnsupportedOperation.DelRouteWithSubnet"),
        "{in_use}"
    );
    let default_id = tables[0].route_table_id.clone();
    ok(
        &app,
        "AssociateRouteTable",
        &[
            ("vpcId", &web.vpc_id),
            ("routeTableId", &default_id),
            ("subnetId", &a),
        ],
    )
    .await;
    ok(
        &app,
        "AssociateRouteTable",
        &[
            ("vpcId", &web.vpc_id),
            ("routeTableId", &default_id),
            ("subnetId.0", &b),
        ],
    )
    .await;
    ok(
        &app,
        "DeleteRouteTable",
        &[("vpcId", &web.vpc_id), ("routeTableId", &rtb)],
    )
    .await;
    let main = call(
        &app,
        &alice(),
        "DeleteRouteTable",
        &[("vpcId", &web.vpc_id), ("routeTableId", &default_id)],
    )
    .await;
    assert_eq!(
        code_of(&main),
        (5100, "UnsupportedOperation.DelDefaultRoute"),
        "{main}"
    );
    assert_eq!(grpc_tables(&app, &web.un_vpc_id).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn modify_vpc_attribute_renames_a_vpc() {
    let app = TestApp::spawn().await;
    let (_, web, _) = crate::api3::two_accounts(&app).await;
    ok(
        &app,
        "ModifyVpcAttribute",
        &[("vpcId", &web.vpc_id), ("vpcName", "renamed")],
    )
    .await;
    let listed = ok(&app, "DescribeVpcEx", &[("vpcId", &web.un_vpc_id)]).await;
    assert_eq!(listed["data"][0]["vpcName"], "renamed", "{listed}");
    let long = "x".repeat(61);
    for (params, code, desc) in [
        (
            vec![("vpcId", web.vpc_id.as_str())],
            4000,
            "MissingParameter",
        ),
        (
            vec![("vpcId", "vpc-nothere1"), ("vpcName", "n")],
            5000,
            "InvalidVpc.NotFound",
        ),
        (
            vec![("vpcId", web.vpc_id.as_str()), ("vpcName", &long)],
            4000,
            "InvalidParameterValue",
        ),
    ] {
        let answer = call(&app, &alice(), "ModifyVpcAttribute", &params).await;
        assert_eq!(code_of(&answer), (code, desc), "{params:?}: {answer}");
    }
    let listed = ok(&app, "DescribeVpcEx", &[("vpcId", &web.un_vpc_id)]).await;
    assert_eq!(listed["data"][0]["vpcName"], "renamed");
    app.stop().await;
}

/// Everything alice can see over the legacy API and gRPC, and how many
/// events were recorded: equal before and after a refused call.
async fn everything(app: &TestApp, vpcs: &[&str]) -> String {
    let mut out = String::new();
    for (action, params) in [
        ("DescribeVpcEx", vec![("limit", "100")]),
        ("DescribeSubnetEx", vec![("limit", "100")]),
        ("DescribeRouteTable", vec![("limit", "50")]),
        ("DescribeVpcPeeringConnections", vec![("limit", "50")]),
    ] {
        out += &ok(app, action, &params).await.to_string();
        out.push('\n');
    }
    for vpc in vpcs {
        out += &format!("{:?}\n", grpc_subnets(app, vpc).await);
        out += &format!("{:?}\n", grpc_tables(app, vpc).await);
    }
    let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
        .fetch_one(&mut app.raw_db().await)
        .await
        .expect("events");
    out + &format!("{events} events\n")
}

#[tokio::test]
async fn refusals_carry_legacy_codes_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (_, web, db) = crate::api3::two_accounts(&app).await;
    let web2 = app.vpc(ALICE, "10.2.0.0/16").await;
    let pcx = peering(&app, &web.vpc_id, &web2.un_vpc_id).await;
    let made = subnets(&app, &web.vpc_id, &[("a", "10.0.1.0/24", "100003")]).await;
    let a = made[0]["unSubnetId"].as_str().unwrap().to_owned();
    let other = subnets(&app, &web2.vpc_id, &[("x", "10.2.9.0/24", "100003")]).await;
    let other = other[0]["unSubnetId"].as_str().unwrap().to_owned();
    let mut params = vec![
        ("vpcId".to_owned(), web.vpc_id.clone()),
        ("routeTableName".to_owned(), "t".to_owned()),
    ];
    params.extend(array(
        "routeSet",
        &[&[
            ("destinationCidrBlock", "10.2.0.0/24"),
            ("nextType", "4"),
            ("nextHub", &pcx),
        ]],
    ));
    let rtb = ok(&app, "CreateRouteTable", &borrowed(&params)).await["unRouteTableId"]
        .as_str()
        .unwrap()
        .to_owned();
    let default_rtb = grpc_tables(&app, &web.un_vpc_id).await[0]
        .route_table_id
        .clone();
    let other_rtb = grpc_tables(&app, &web2.un_vpc_id).await[0]
        .route_table_id
        .clone();
    app.set_quota("100001", "vpc-max-route-tables", 2).await;
    let vpcs = [web.un_vpc_id.as_str(), web2.un_vpc_id.as_str()];
    let before = everything(&app, &vpcs).await;

    let subnet = |name: &str, cidr: &str, zone: &str| {
        let mut p = vec![("vpcId".to_owned(), web.vpc_id.clone())];
        p.extend(array(
            "subnetSet",
            &[&[("subnetName", name), ("cidrBlock", cidr), ("zoneId", zone)]],
        ));
        p
    };
    let in_vpc = |vpc: &str, p: Vec<(String, String)>| {
        let mut p = p;
        p[0].1 = vpc.to_owned();
        p
    };
    let without = |p: Vec<(String, String)>, tail: &str| {
        let mut p = p;
        p.retain(|(k, _)| !k.ends_with(tail));
        p
    };
    let with = |p: Vec<(String, String)>, k: &str, v: &str| {
        let mut p = p;
        p.push((k.to_owned(), v.to_owned()));
        p
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let routes = |table: &str, routes: &[[&str; 3]]| {
        let items: Vec<Vec<(&str, &str)>> = routes
            .iter()
            .map(|[dest, kind, hub]| {
                vec![
                    ("destinationCidrBlock", *dest),
                    ("nextType", *kind),
                    ("nextHub", *hub),
                ]
            })
            .collect();
        let items: Vec<&[(&str, &str)]> = items.iter().map(Vec::as_slice).collect();
        let mut p = vec![
            ("vpcId".to_owned(), web.vpc_id.clone()),
            ("routeTableId".to_owned(), table.to_owned()),
        ];
        p.extend(array("routeSet", &items));
        p
    };
    let two_subnets = {
        let mut p = vec![("vpcId".to_owned(), web.vpc_id.clone())];
        p.extend(array(
            "subnetSet",
            &[
                &[
                    ("subnetName", "ok"),
                    ("cidrBlock", "10.0.5.0/24"),
                    ("zoneId", "100003"),
                ],
                &[
                    ("subnetName", "clash"),
                    ("cidrBlock", "10.0.5.128/25"),
                    ("zoneId", "100003"),
                ],
            ],
        ));
        p
    };
    let (w, p) = (web.vpc_id.as_str(), pcx.as_str());
    let vpn = "vpngw-abcd1234";
    let long = "n".repeat(61);

    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        // Subnets.
        ("no such vpc", "CreateSubnet", in_vpc("vpc-nothere1", subnet("s", "10.0.7.0/24", "100003")), 5000, "InvalidVpc.NotFound"),
        ("bob's vpc", "CreateSubnet", in_vpc(&db.un_vpc_id, subnet("s", "10.1.7.0/24", "100003")), 5000, "InvalidVpc.NotFound"),
        ("outside the vpc", "CreateSubnet", subnet("s", "10.9.0.0/24", "100003"), 4000, "InvalidParameterValue.SubnetRange"),
        ("over another subnet", "CreateSubnet", subnet("s", "10.0.1.0/25", "100003"), 4000, "InvalidParameterValue.SubnetConflict"),
        ("the second of two overlaps the first", "CreateSubnet", two_subnets, 4000, "InvalidParameterValue.SubnetConflict"),
        ("no such zone id", "CreateSubnet", subnet("s", "10.0.7.0/24", "999999"), 4000, "InvalidParameterValue"),
        ("another region's zone", "CreateSubnet", subnet("s", "10.0.7.0/24", "200002"), 4000, "InvalidParameterValue"),
        ("a name too long", "CreateSubnet", subnet(&long, "10.0.7.0/24", "100003"), 4000, "InvalidParameterValue"),
        ("a malformed block", "CreateSubnet", subnet("s", "10.0.7.1/24", "100003"), 4000, "InvalidParameterValue.Malformed"),
        ("no cidrBlock", "CreateSubnet", without(subnet("s", "10.0.7.0/24", "100003"), "cidrBlock"), 4000, "MissingParameter"),
        ("no subnetSet", "CreateSubnet", pairs(&[("vpcId", w)]), 4000, "MissingParameter"),
        ("a field CreateSubnet lacks", "CreateSubnet", with(subnet("s", "10.0.7.0/24", "100003"), "subnetSet.0.colour", "red"), 4000, "InvalidParameter"),
        ("a subnet of another vpc", "DeleteSubnet", pairs(&[("vpcId", w), ("subnetId", &other)]), 5000, "InvalidSubnet.NotFound"),
        ("no such subnet", "DeleteSubnet", pairs(&[("vpcId", w), ("subnetId", "subnet-nothere1")]), 5000, "InvalidSubnet.NotFound"),
        ("no vpcId", "DeleteSubnet", pairs(&[("subnetId", &a)]), 4000, "MissingParameter"),
        ("bob's vpc named", "DeleteSubnet", pairs(&[("vpcId", &db.vpc_id), ("subnetId", &a)]), 5000, "InvalidVpc.NotFound"),
        ("a legacy-form subnet id", "DeleteSubnet", pairs(&[("vpcId", w), ("subnetId", "gz_subnet_1")]), 4000, "InvalidParameterValue.Malformed"),
        ("a name too long", "ModifySubnetAttribute", pairs(&[("vpcId", w), ("subnetId", &a), ("subnetName", &long)]), 4000, "InvalidParameterValue"),
        ("a subnet of another vpc", "ModifySubnetAttribute", pairs(&[("vpcId", w), ("subnetId", &other), ("subnetName", "n")]), 5000, "InvalidSubnet.NotFound"),
        ("a subnet of another vpc", "DescribeSubnet", pairs(&[("vpcId", w), ("subnetId", &other)]), 5000, "InvalidSubnet.NotFound"),
        ("no such vpc", "DescribeSubnet", pairs(&[("vpcId", "vpc-nothere1"), ("subnetId", &a)]), 5000, "InvalidVpc.NotFound"),
        ("no such vpc", "DescribeSubnetEx", pairs(&[("vpcId", "vpc-nothere1")]), 5000, "InvalidVpc.NotFound"),
        ("limit 101", "DescribeSubnetEx", pairs(&[("limit", "101")]), 4000, "InvalidParameterValue.Range"),
        ("an order of no field", "DescribeSubnetEx", pairs(&[("orderField", "colour")]), 4000, "InvalidParameterValue.Range"),
        // Route tables.
        ("over the quota of tables", "CreateRouteTable", pairs(&[("vpcId", w), ("routeTableName", "third")]), 4400, "LimitExceeded"),
        ("no name", "CreateRouteTable", pairs(&[("vpcId", w)]), 4000, "MissingParameter"),
        ("no such vpc", "DescribeRouteTable", pairs(&[("vpcId", "vpc-nothere1")]), 5000, "InvalidVpc.NotFound"),
        ("limit 51", "DescribeRouteTable", pairs(&[("limit", "51")]), 4000, "InvalidParameterValue.Range"),
        ("the default table", "DeleteRouteTable", pairs(&[("vpcId", w), ("routeTableId", &default_rtb)]), 5100, "UnsupportedOperation.DelDefaultRoute"),
        ("a table of another vpc", "DeleteRouteTable", pairs(&[("vpcId", w), ("routeTableId", &other_rtb)]), 5000, "InvalidRouteTable.NotFound"),
        ("neither a name nor routes", "ModifyRouteTableAttribute", pairs(&[("vpcId", w), ("routeTableId", &rtb)]), 4000, "MissingParameter"),
        ("the same route twice", "ModifyRouteTableAttribute", routes(&rtb, &[["10.2.3.0/24", "4", p], ["10.2.3.0/24", "4", p]]), 4000, "InvalidParameterValue.Duplicate"),
        ("one route outside the peer", "ModifyRouteTableAttribute", routes(&rtb, &[["10.2.3.0/24", "4", p], ["10.7.0.0/24", "4", p]]), 4000, "InvalidParameterValue.CidrNotInPeerVpc"),
        ("a subnet of another vpc", "AssociateRouteTable", pairs(&[("vpcId", w), ("routeTableId", &rtb), ("subnetId", &other)]), 5000, "InvalidSubnet.NotFound"),
        ("a good subnet and one of another vpc", "AssociateRouteTable", pairs(&[("vpcId", w), ("routeTableId", &rtb), ("subnetId.0", &a), ("subnetId.1", &other)]), 5000, "InvalidSubnet.NotFound"),
        ("a table of another vpc", "AssociateRouteTable", pairs(&[("vpcId", w), ("routeTableId", &other_rtb), ("subnetId", &a)]), 5000, "InvalidRouteTable.NotFound"),
        ("subnetId and subnetId.0", "AssociateRouteTable", pairs(&[("vpcId", w), ("routeTableId", &rtb), ("subnetId", &a), ("subnetId.0", &a)]), 4000, "InvalidParameter.Coexist"),
        // Routes.
        ("into the vpc's own block", "CreateRoute", routes(&rtb, &[["10.0.3.0/24", "1", vpn]]), 4000, "InvalidParameterValue.Overlap"),
        ("outside the peer vpc", "CreateRoute", routes(&rtb, &[["10.3.0.0/24", "4", p]]), 4000, "InvalidParameterValue.CidrNotInPeerVpc"),
        ("a destination the peering has already", "CreateRoute", routes(&rtb, &[["10.2.0.0/24", "4", p]]), 5100, "UnsupportedOperation.EcmpWithUserRoute"),
        ("a good route and a bad one", "CreateRoute", routes(&rtb, &[["10.2.4.0/24", "4", p], ["10.3.0.0/24", "4", p]]), 4000, "InvalidParameterValue.CidrNotInPeerVpc"),
        ("no such peering", "CreateRoute", routes(&rtb, &[["10.2.5.0/24", "4", "pcx-nothere1"]]), 5000, "InvalidPeeringConnection.NotFound"),
        ("nextType 2, the Local route", "CreateRoute", routes(&rtb, &[["10.5.0.0/24", "2", "Local"]]), 4000, "InvalidParameterValue"),
        ("nextType 7, an SSL VPN", "CreateRoute", routes(&rtb, &[["10.5.0.0/24", "7", vpn]]), 4000, "UnsupportedOperation"),
        ("nextType 6", "CreateRoute", routes(&rtb, &[["10.5.0.0/24", "6", "x"]]), 4000, "InvalidParameterValue.Range"),
        ("a hub of another type", "CreateRoute", routes(&rtb, &[["10.5.0.0/24", "1", p]]), 4000, "InvalidParameterValue.Malformed"),
        ("no routeSet", "CreateRoute", pairs(&[("vpcId", w), ("routeTableId", &rtb)]), 4000, "MissingParameter"),
        ("a table of another vpc", "CreateRoute", routes(&other_rtb, &[["10.0.0.0/24", "4", p]]), 5000, "InvalidRouteTable.NotFound"),
        ("a route the table lacks", "DeleteRoute", routes(&rtb, &[["10.2.8.0/24", "4", p]]), 5000, "InvalidRoute.NotFound"),
        ("a description, which DeleteRoute lacks", "DeleteRoute", with(routes(&rtb, &[["10.2.0.0/24", "4", p]]), "routeSet.0.description", "d"), 4000, "InvalidParameter"),
        ("a parameter no action has", "DescribeRouteTable", pairs(&[("colour", "red")]), 4000, "InvalidParameter"),
    ];
    let mut wrong = Vec::new();
    for (what, action, params, code, desc) in &cases {
        let answer = call(&app, &alice(), action, &borrowed(params)).await;
        if code_of(&answer) != (*code, *desc)
            || answer["message"].as_str().is_none_or(str::is_empty)
        {
            wrong.push(format!("{action} ({what}): {answer}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(
        everything(&app, &vpcs).await,
        before,
        "a refused call changed something"
    );
    app.stop().await;
}
