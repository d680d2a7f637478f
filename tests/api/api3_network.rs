//! Subnets, route tables, routes and VPC tags over Tencent Cloud API 3.0:
//! real signed HTTP calls, the SDK models' fields and JSON types, the API
//! 3.0 codes of every refusal, and a refused call changing nothing.

use serde_json::{Value, json};

use crate::{
    api3::{Answer, Send, call, two_accounts},
    helpers::TestApp,
};

/// One account's API 3.0 client.
struct Api<'a> {
    app: &'a TestApp,
    send: Send<'a>,
}

impl<'a> Api<'a> {
    fn new(app: &'a TestApp, secret_id: &'a str, secret_key: &'a str) -> Self {
        Api {
            app,
            send: Send::as_account(secret_id, secret_key),
        }
    }

    async fn call(&self, action: &str, body: Value) -> Answer {
        call(self.app, &self.send, action, &body.to_string()).await
    }

    /// The `Response` of a call that must succeed.
    async fn ok(&self, action: &str, body: Value) -> Value {
        let answer = self.call(action, body.clone()).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.error_code(),
            None,
            "{action} {body}: {}",
            answer.body
        );
        answer.body["Response"].clone()
    }

    /// The API 3.0 code of a call that must fail.
    async fn code(&self, action: &str, body: Value) -> String {
        let answer = self.call(action, body.clone()).await;
        assert_eq!(answer.status, 200);
        assert!(answer.body["Response"]["Error"]["Message"].is_string());
        answer
            .error_code()
            .unwrap_or_else(|| panic!("{action} {body} succeeded: {}", answer.body))
            .to_owned()
    }

    /// Everything this account's Describe calls answer, as text.
    async fn snapshot(&self) -> String {
        let mut out = String::new();
        for (action, set) in [
            ("DescribeVpcs", "VpcSet"),
            ("DescribeSubnets", "SubnetSet"),
            ("DescribeRouteTables", "RouteTableSet"),
            ("DescribeVpcPeeringConnections", "PeerConnectionSet"),
        ] {
            let listed = self.ok(action, json!({"Limit": "100"})).await;
            out += &format!("{action}: {} {}\n", listed["TotalCount"], listed[set]);
        }
        out
    }

    async fn create_subnet(&self, vpc: &str, name: &str, cidr: &str) -> Value {
        self.ok(
            "CreateSubnet",
            json!({"VpcId": vpc, "SubnetName": name, "CidrBlock": cidr, "Zone": "ap-guangzhou-3"}),
        )
        .await["Subnet"]
            .clone()
    }

    /// The VPC's default route table.
    async fn main_table(&self, vpc: &str) -> Value {
        let listed = self
            .ok(
                "DescribeRouteTables",
                json!({"Filters": [{"Name": "vpc-id", "Values": [vpc]},
                                   {"Name": "association.main", "Values": ["true"]}]}),
            )
            .await;
        assert_eq!(listed["TotalCount"], 1, "{listed}");
        listed["RouteTableSet"][0].clone()
    }

    async fn table(&self, id: &str) -> Value {
        let listed = self
            .ok("DescribeRouteTables", json!({"RouteTableIds": [id]}))
            .await;
        assert_eq!(listed["TotalCount"], 1, "{listed}");
        listed["RouteTableSet"][0].clone()
    }
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string"))
        .to_owned()
}

/// The ids of a Describe's set, by `field`.
fn ids(listed: &Value, set: &str, field: &str) -> Vec<String> {
    listed[set]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|item| text(&item[field]))
        .collect()
}

fn keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("{v} is not an object"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn subnets_over_api3_print_every_field_of_the_model() {
    let app = TestApp::spawn().await;
    let (_, web, _) = two_accounts(&app).await;
    let alice = Api::new(&app, "AKID100001", "alice-key");
    let vpc = web.un_vpc_id.as_str();
    let main = alice.main_table(vpc).await;

    let made = alice
        .ok(
            "CreateSubnet",
            json!({"VpcId": vpc, "SubnetName": "app-a", "CidrBlock": "10.0.1.0/24",
                   "Zone": "ap-guangzhou-3", "Tags": [{"Key": "env", "Value": "dev"}]}),
        )
        .await["Subnet"]
        .clone();
    // Every field of the SDK's Subnet model, with its JSON type.
    assert_eq!(
        keys(&made),
        sorted(&[
            "VpcId",
            "SubnetId",
            "SubnetName",
            "CidrBlock",
            "IsDefault",
            "EnableBroadcast",
            "Zone",
            "RouteTableId",
            "CreatedTime",
            "AvailableIpAddressCount",
            "Ipv6CidrBlock",
            "NetworkAclId",
            "IsRemoteVpcSnat",
            "TotalIpAddressCount",
            "TagSet",
            "CdcId",
            "IsCdcSubnet",
            "StackType",
        ])
    );
    let id = text(&made["SubnetId"]);
    assert!(id.starts_with("subnet-") && id.len() == 15, "{id}");
    assert_eq!(made["VpcId"], vpc);
    assert_eq!(made["SubnetName"], "app-a");
    assert_eq!(made["CidrBlock"], "10.0.1.0/24");
    assert_eq!(made["Zone"], "ap-guangzhou-3");
    assert_eq!(made["RouteTableId"], main["RouteTableId"]);
    assert_eq!(made["TotalIpAddressCount"], 256);
    assert_eq!(made["AvailableIpAddressCount"], 253);
    assert_eq!(
        (
            &made["IsDefault"],
            &made["EnableBroadcast"],
            &made["IsRemoteVpcSnat"]
        ),
        (&json!(false), &json!(false), &json!(false))
    );
    assert_eq!(
        (
            &made["Ipv6CidrBlock"],
            &made["NetworkAclId"],
            &made["CdcId"]
        ),
        (&json!(""), &json!(""), &json!(""))
    );
    assert_eq!(made["IsCdcSubnet"], 0);
    assert_eq!(made["TagSet"], json!([{"Key": "env", "Value": "dev"}]));
    let created = text(&made["CreatedTime"]);
    assert!(
        chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{created}"
    );

    // CreateSubnets: Tags go to every subnet of the call.
    let set = alice
        .ok(
            "CreateSubnets",
            json!({"VpcId": vpc, "Tags": [{"Key": "team", "Value": "db"}],
            "Subnets": [
                {"SubnetName": "db-a", "CidrBlock": "10.0.2.0/24", "Zone": "ap-guangzhou-3"},
                {"SubnetName": "db-b", "CidrBlock": "10.0.3.0/28", "Zone": "ap-guangzhou-4"},
            ]}),
        )
        .await["SubnetSet"]
        .clone();
    assert_eq!(set.as_array().map(Vec::len), Some(2), "{set}");
    for subnet in set.as_array().unwrap() {
        assert_eq!(subnet["TagSet"], json!([{"Key": "team", "Value": "db"}]));
        assert_eq!(subnet["RouteTableId"], main["RouteTableId"]);
    }
    assert_eq!(set[1]["TotalIpAddressCount"], 16);
    let db_b = text(&set[1]["SubnetId"]);

    // DescribeSubnets: ids, each filter, pages with Offset and Limit as
    // the model's strings.
    let describe = |body: Value| alice.ok("DescribeSubnets", body);
    let all = describe(json!({})).await;
    assert_eq!(all["TotalCount"], 3);
    assert_eq!(all["SubnetSet"][0], made, "the same model in a Describe");
    let by_ids = describe(json!({"SubnetIds": [id, db_b]})).await;
    assert_eq!(
        ids(&by_ids, "SubnetSet", "SubnetId"),
        [id.clone(), db_b.clone()]
    );
    for (filter, values, want) in [
        ("subnet-id", json!([db_b]), 1),
        ("vpc-id", json!([vpc]), 3),
        ("subnet-name", json!(["db-"]), 2),
        ("subnet-name", json!(["app-a"]), 1),
        ("zone", json!(["ap-guangzhou-4"]), 1),
        ("cidr-block", json!(["10.0.2.0/24"]), 1),
        ("tag-key", json!(["team", "nothing"]), 2),
        ("tag:env", json!(["dev"]), 1),
        ("tag:env", json!(["prod"]), 0),
        ("is-default", json!(["TRUE"]), 0),
        ("is-default", json!(["false"]), 3),
    ] {
        let listed = describe(json!({"Filters": [{"Name": filter, "Values": values}]})).await;
        assert_eq!(listed["TotalCount"], want, "{filter} {values}: {listed}");
    }
    let both = describe(json!({"Filters": [
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "tag-key", "Values": ["team"]},
        {"Name": "zone", "Values": ["ap-guangzhou-3"]}]}))
    .await;
    assert_eq!(ids(&both, "SubnetSet", "SubnetName"), ["db-a"]);
    let page = describe(json!({"Offset": "1", "Limit": "1"})).await;
    assert_eq!(page["TotalCount"], 3);
    assert_eq!(ids(&page, "SubnetSet", "SubnetName"), ["db-a"]);

    // ModifySubnetAttribute renames; EnableBroadcast as shown is taken.
    let renamed = json!({"SubnetId": id, "SubnetName": "app-renamed", "EnableBroadcast": "false"});
    let answer = alice.ok("ModifySubnetAttribute", renamed).await;
    assert_eq!(keys(&answer), ["RequestId"]);
    let listed = describe(json!({"SubnetIds": [id]})).await;
    assert_eq!(listed["SubnetSet"][0]["SubnetName"], "app-renamed");

    // DeleteSubnet; a VPC with subnets stays.
    assert_eq!(
        alice.code("DeleteVpc", json!({"VpcId": vpc})).await,
        "ResourceInUse"
    );
    for subnet in [&id, &db_b, &text(&set[0]["SubnetId"])] {
        let answer = alice.ok("DeleteSubnet", json!({"SubnetId": subnet})).await;
        assert_eq!(keys(&answer), ["RequestId"]);
    }
    assert_eq!(describe(json!({})).await["TotalCount"], 0);
    assert_eq!(
        alice.code("DeleteSubnet", json!({"SubnetId": id})).await,
        "ResourceNotFound"
    );
    alice.ok("DeleteVpc", json!({"VpcId": vpc})).await;
    app.stop().await;
}

#[tokio::test]
async fn refused_subnet_calls_get_the_api3_codes_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (_, web, db) = two_accounts(&app).await;
    let alice = Api::new(&app, "AKID100001", "alice-key");
    let vpc = web.un_vpc_id.as_str();
    let kept = alice.create_subnet(vpc, "kept", "10.0.1.0/24").await;
    let kept_id = text(&kept["SubnetId"]);
    let before = alice.snapshot().await;
    let subnet = |name: &str, cidr: &str, zone: &str| json!({"VpcId": vpc, "SubnetName": name, "CidrBlock": cidr, "Zone": zone});
    let with = |mut body: Value, extra: Value| {
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "CreateSubnet",
            subnet("out", "10.9.0.0/24", "ap-guangzhou-3"),
            "InvalidParameterValue.SubnetRange",
        ),
        (
            "CreateSubnet",
            subnet("tiny", "10.0.9.0/29", "ap-guangzhou-3"),
            // Smaller than a subnet may be.
            "InvalidParameterValue.SubnetRange",
        ),
        (
            "CreateSubnet",
            subnet("clash", "10.0.1.128/25", "ap-guangzhou-3"),
            "InvalidParameterValue.SubnetConflict",
        ),
        (
            "CreateSubnet",
            subnet("zone", "10.0.9.0/24", "ap-shanghai-2"),
            "InvalidParameterValue",
        ),
        (
            "CreateSubnet",
            subnet("bad", "10.0.9.1/24", "ap-guangzhou-3"),
            "InvalidParameterValue.Malformed",
        ),
        (
            "CreateSubnet",
            json!({"VpcId": vpc, "SubnetName": "x", "Zone": "ap-guangzhou-3"}),
            "MissingParameter",
        ),
        (
            "CreateSubnet",
            with(
                subnet("v6", "10.0.9.0/24", "ap-guangzhou-3"),
                json!({"Ipv6CidrBlock": "fd00::/64"}),
            ),
            "UnsupportedOperation",
        ),
        (
            "CreateSubnet",
            with(
                subnet("x", "10.0.9.0/24", "ap-guangzhou-3"),
                json!({"Colour": "red"}),
            ),
            "UnknownParameter",
        ),
        (
            "CreateSubnet",
            with(
                subnet("x", "10.0.9.0/24", "ap-guangzhou-3"),
                json!({"Tags": [{"Key": "a"}, {"Key": "a"}]}),
            ),
            "InvalidParameterValue",
        ),
        (
            "CreateSubnet",
            with(
                subnet("x", "10.0.9.0/24", "ap-guangzhou-3"),
                json!({"VpcId": "vpc-00000000"}),
            ),
            "ResourceNotFound",
        ),
        // Bob's VPC is not alice's.
        (
            "CreateSubnet",
            with(
                subnet("x", "10.1.9.0/24", "ap-guangzhou-3"),
                json!({"VpcId": db.un_vpc_id}),
            ),
            "ResourceNotFound",
        ),
        // All of CreateSubnets or none: the second overlaps the first.
        (
            "CreateSubnets",
            json!({"VpcId": vpc, "Subnets": [
                {"SubnetName": "a", "CidrBlock": "10.0.4.0/24", "Zone": "ap-guangzhou-3"},
                {"SubnetName": "b", "CidrBlock": "10.0.4.0/25", "Zone": "ap-guangzhou-3"}]}),
            "InvalidParameterValue.SubnetConflict",
        ),
        (
            "CreateSubnets",
            json!({"VpcId": vpc, "Subnets": []}),
            "MissingParameter",
        ),
        (
            "CreateSubnets",
            json!({"VpcId": vpc, "Subnets": [{"SubnetName": "a", "CidrBlock": "10.0.4.0/24",
                "Zone": "ap-guangzhou-3", "RouteTableId": "rtb-12345678"}]}),
            "UnsupportedOperation",
        ),
        (
            "DescribeSubnets",
            json!({"SubnetIds": [kept_id], "Filters": []}),
            "InvalidParameter.Coexist",
        ),
        (
            "DescribeSubnets",
            json!({"Filters": [{"Name": "colour", "Values": ["red"]}]}),
            "InvalidParameterValue",
        ),
        (
            "DescribeSubnets",
            json!({"Filters": [{"Name": "is-default", "Values": ["maybe"]}]}),
            "InvalidParameterValue",
        ),
        (
            "DescribeSubnets",
            json!({"SubnetIds": ["subnet-nope"]}),
            "InvalidParameterValue.Malformed",
        ),
        (
            "DescribeSubnets",
            json!({"Limit": "101"}),
            "InvalidParameterValue.Range",
        ),
        (
            "DescribeSubnets",
            json!({"MaxResults": 10}),
            "UnsupportedOperation",
        ),
        (
            "ModifySubnetAttribute",
            json!({"SubnetId": kept_id, "SubnetName": "x", "EnableBroadcast": "true"}),
            "UnsupportedOperation",
        ),
        (
            "ModifySubnetAttribute",
            json!({"SubnetId": kept_id, "SubnetName": "x".repeat(61)}),
            "InvalidParameterValue",
        ),
        (
            "ModifySubnetAttribute",
            json!({"SubnetId": "subnet-00000000", "SubnetName": "x"}),
            "ResourceNotFound",
        ),
        (
            "DeleteSubnet",
            json!({"SubnetId": "subnet-00000000"}),
            "ResourceNotFound",
        ),
        (
            "DeleteSubnet",
            json!({"SubnetId": "rtb-12345678"}),
            "InvalidParameterValue.Malformed",
        ),
        ("DeleteSubnet", json!({}), "MissingParameter"),
        ("DeleteVpc", json!({"VpcId": vpc}), "ResourceInUse"),
    ];
    for (action, body, want) in &cases {
        assert_eq!(
            alice.code(action, body.clone()).await,
            *want,
            "{action} {body}"
        );
    }
    assert_eq!(
        alice.snapshot().await,
        before,
        "a refused call changed something"
    );
    // Bob sees none of alice's subnets, and cannot delete them.
    let bob = Api::new(&app, "AKID100002", "bob-key");
    assert_eq!(bob.ok("DescribeSubnets", json!({})).await["TotalCount"], 0);
    assert_eq!(
        bob.code("DeleteSubnet", json!({"SubnetId": kept_id})).await,
        "ResourceNotFound"
    );
    app.stop().await;
}

#[tokio::test]
async fn routes_through_a_cross_account_peering_over_api3() {
    let app = TestApp::spawn().await;
    let (_, web, db) = two_accounts(&app).await;
    let alice = Api::new(&app, "AKID100001", "alice-key");
    let bob = Api::new(&app, "AKID100002", "bob-key");
    let (web_id, db_id) = (web.un_vpc_id.as_str(), db.un_vpc_id.as_str());
    let web_subnet = text(&alice.create_subnet(web_id, "web-a", "10.0.1.0/24").await["SubnetId"]);
    let db_subnet = text(&bob.create_subnet(db_id, "db-a", "10.1.1.0/24").await["SubnetId"]);

    // The default table: Main, the subnet associated, no routes.
    let main = alice.main_table(web_id).await;
    assert_eq!(
        keys(&main),
        sorted(&[
            "VpcId",
            "RouteTableId",
            "RouteTableName",
            "AssociationSet",
            "RouteSet",
            "Main",
            "CreatedTime",
            "TagSet",
            "LocalCidrForCcn",
        ])
    );
    let main_id = text(&main["RouteTableId"]);
    assert_eq!(main["Main"], true);
    assert_eq!(main["VpcId"], web_id);
    assert_eq!(
        main["AssociationSet"],
        json!([{"SubnetId": web_subnet, "RouteTableId": main_id}])
    );
    assert_eq!(main["RouteSet"], json!([]));
    assert_eq!(main["LocalCidrForCcn"], json!([]));
    assert_eq!(main["TagSet"], json!([]));

    // A peering still PENDING carries no route.
    let pcx = alice
        .ok(
            "CreateVpcPeeringConnection",
            json!({"SourceVpcId": web_id, "PeeringConnectionName": "web-db",
                   "DestinationVpcId": db_id, "DestinationUin": "100002",
                   "DestinationRegion": "ap-guangzhou"}),
        )
        .await["PeeringConnectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let via = |table: &str, destination: &str| {
        json!({"RouteTableId": table, "Routes": [{"DestinationCidrBlock": destination,
            "GatewayType": "PEERCONNECTION", "GatewayId": pcx, "RouteDescription": "to db"}]})
    };
    let before = alice.snapshot().await;
    assert_eq!(
        alice
            .code("CreateRoutes", via(&main_id, "10.1.0.0/16"))
            .await,
        "InvalidParameterValue.RouteNextHopInvalid"
    );
    assert_eq!(alice.snapshot().await, before);
    bob.ok(
        "AcceptVpcPeeringConnection",
        json!({"PeeringConnectionId": pcx}),
    )
    .await;

    // Through the ACTIVE peering: the answer lists the table with only the
    // route made, as Terraform needs.
    let made = alice.ok("CreateRoutes", via(&main_id, "10.1.0.0/16")).await;
    assert_eq!(made["TotalCount"], 1, "{made}");
    let tables = made["RouteTableSet"].as_array().unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0]["RouteTableId"], main_id.as_str());
    assert_eq!(tables[0]["Main"], true);
    let route = tables[0]["RouteSet"][0].clone();
    assert_eq!(tables[0]["RouteSet"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        keys(&route),
        sorted(&[
            "DestinationCidrBlock",
            "GatewayType",
            "GatewayId",
            "RouteId",
            "RouteDescription",
            "Enabled",
            "RouteType",
            "RouteTableId",
            "DestinationIpv6CidrBlock",
            "RouteItemId",
            "PublishedToVbc",
            "CreatedTime",
            "CdcId",
        ])
    );
    assert_eq!(route["DestinationCidrBlock"], "10.1.0.0/16");
    assert_eq!(route["GatewayType"], "PEERCONNECTION");
    assert_eq!(route["GatewayId"], pcx.as_str());
    assert_eq!(route["RouteDescription"], "to db");
    assert_eq!(route["Enabled"], true);
    assert_eq!(route["RouteType"], "USER");
    assert_eq!(route["RouteTableId"], main_id.as_str());
    assert_eq!(route["DestinationIpv6CidrBlock"], "");
    assert_eq!(route["PublishedToVbc"], false);
    assert!(
        route["RouteId"].as_i64().is_some_and(|id| id > 0),
        "{route}"
    );
    let item = text(&route["RouteItemId"]);
    assert!(item.starts_with("rti-"), "{item}");
    let route_id = route["RouteId"].as_i64().unwrap();

    // Bob routes back through the same peering.
    let bob_main = text(&bob.main_table(db_id).await["RouteTableId"]);
    let back = bob.ok("CreateRoutes", via(&bob_main, "10.0.0.0/16")).await;
    assert_eq!(back["TotalCount"], 1);
    assert_eq!(
        bob.table(&bob_main).await["AssociationSet"],
        json!([{"SubnetId": db_subnet, "RouteTableId": bob_main}])
    );

    // The refusals of a route, each with its API 3.0 code.
    for (body, want) in [
        (
            via(&main_id, "10.2.0.0/16"),
            "InvalidParameterValue.CidrNotInPeerVpc",
        ),
        (
            via(&main_id, "10.0.5.0/24"),
            "InvalidParameterValue.VpcCidrConflict",
        ),
        (
            via(&main_id, "10.1.0.0/16"),
            "UnsupportedOperation.EcmpWithUserRoute",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": [
                {"DestinationCidrBlock": "192.168.0.0/16", "GatewayType": "NAT", "GatewayId": "nat-12345678"},
                {"DestinationCidrBlock": "192.168.0.0/16", "GatewayType": "VPN", "GatewayId": "vpngw-12345678"}]}),
            "InvalidParameterValue.Duplicate",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": [{"DestinationCidrBlock": "192.168.0.0/16",
                "GatewayType": "PEERCONNECTION", "GatewayId": "pcx-00000000"}]}),
            "ResourceNotFound",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": [{"DestinationCidrBlock": "192.168.0.0/16",
                "GatewayType": "WORMHOLE", "GatewayId": "x"}]}),
            "InvalidParameterValue",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": [{"DestinationCidrBlock": "192.168.0.0/16",
                "GatewayType": "NAT", "GatewayId": "nat-12345678", "Enabled": false}]}),
            "UnsupportedOperation",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": [{"DestinationIpv6CidrBlock": "fd00::/64",
                "GatewayType": "NAT", "GatewayId": "nat-12345678"}]}),
            "UnsupportedOperation",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": [{"DestinationCidrBlock": "192.168.0.0/16",
                "GatewayType": "NAT", "GatewayId": "nat-12345678", "Bogus": 1}]}),
            "UnknownParameter",
        ),
        (
            json!({"RouteTableId": main_id, "Routes": []}),
            "MissingParameter",
        ),
        (
            json!({"RouteTableId": "rtb-00000000", "Routes": [{"DestinationCidrBlock": "192.168.0.0/16",
                "GatewayType": "NAT", "GatewayId": "nat-12345678"}]}),
            "ResourceNotFound",
        ),
    ] {
        assert_eq!(
            alice.code("CreateRoutes", body.clone()).await,
            want,
            "{body}"
        );
    }

    // A second call's answer lists only its own route; the table has both.
    let nat = json!({"RouteTableId": main_id, "Routes": [{"DestinationCidrBlock": "192.168.0.0/16",
        "GatewayType": "NAT", "GatewayId": "nat-12345678", "Enabled": true, "RouteType": "USER"}]});
    let second = alice.ok("CreateRoutes", nat).await;
    let nat_route = second["RouteTableSet"][0]["RouteSet"].clone();
    assert_eq!(nat_route.as_array().map(Vec::len), Some(1), "{second}");
    let nat_id = nat_route[0]["RouteId"].as_i64().unwrap();
    assert_ne!(nat_id, route_id);
    let table = alice.table(&main_id).await;
    assert_eq!(
        ids(&table, "RouteSet", "RouteItemId"),
        [item.clone(), text(&nat_route[0]["RouteItemId"])]
    );
    let without = alice
        .ok(
            "DescribeRouteTables",
            json!({"RouteTableIds": [main_id], "NeedRouterInfo": false}),
        )
        .await;
    assert_eq!(without["RouteTableSet"][0]["RouteSet"], json!([]));

    // DisableRoutes by RouteIds, EnableRoutes by RouteItemIds.
    let answer = alice
        .ok(
            "DisableRoutes",
            json!({"RouteTableId": main_id, "RouteIds": [route_id]}),
        )
        .await;
    assert_eq!(keys(&answer), ["RequestId"]);
    assert_eq!(alice.table(&main_id).await["RouteSet"][0]["Enabled"], false);
    alice
        .ok(
            "EnableRoutes",
            json!({"RouteTableId": main_id, "RouteItemIds": [item]}),
        )
        .await;
    assert_eq!(alice.table(&main_id).await["RouteSet"][0]["Enabled"], true);
    let hundred_one: Vec<i64> = (1..=101).collect();
    for (body, want) in [
        (
            json!({"RouteTableId": main_id, "RouteIds": [route_id], "RouteItemIds": [item]}),
            "InvalidParameter.Coexist",
        ),
        (json!({"RouteTableId": main_id}), "MissingParameter"),
        (
            json!({"RouteTableId": main_id, "RouteIds": hundred_one}),
            "InvalidParameterValue.LimitExceeded",
        ),
        (
            json!({"RouteTableId": main_id, "RouteIds": [999999]}),
            "ResourceNotFound",
        ),
        (
            json!({"RouteTableId": main_id, "RouteIds": ["many"]}),
            "InvalidParameter",
        ),
    ] {
        assert_eq!(
            alice.code("EnableRoutes", body.clone()).await,
            want,
            "{body}"
        );
    }

    // ReplaceRoutes names the route by RouteItemId; the answer has it
    // before and after.
    let replaced = alice
        .ok(
            "ReplaceRoutes",
            json!({"RouteTableId": main_id, "Routes": [{"RouteItemId": item,
                "DestinationCidrBlock": "10.1.1.0/24", "GatewayType": "PEERCONNECTION",
                "GatewayId": pcx, "RouteDescription": "narrower"}]}),
        )
        .await;
    assert_eq!(
        replaced["OldRouteSet"][0]["DestinationCidrBlock"],
        "10.1.0.0/16"
    );
    assert_eq!(
        replaced["NewRouteSet"][0]["DestinationCidrBlock"],
        "10.1.1.0/24"
    );
    assert_eq!(replaced["NewRouteSet"][0]["RouteDescription"], "narrower");
    assert_eq!(replaced["NewRouteSet"][0]["RouteId"], route_id);
    assert_eq!(
        alice
            .code(
                "ReplaceRoutes",
                json!({"RouteTableId": main_id, "Routes": [{"RouteId": route_id,
                    "DestinationCidrBlock": "10.3.0.0/16", "GatewayType": "PEERCONNECTION",
                    "GatewayId": pcx}]}),
            )
            .await,
        "InvalidParameterValue.CidrNotInPeerVpc"
    );

    // A table of its own, with tags; a subnet moved to it.
    let custom = alice
        .ok(
            "CreateRouteTable",
            json!({"VpcId": web_id, "RouteTableName": "custom",
                   "Tags": [{"Key": "tier", "Value": "web"}]}),
        )
        .await["RouteTable"]
        .clone();
    let custom_id = text(&custom["RouteTableId"]);
    assert!(custom_id.starts_with("rtb-"), "{custom}");
    assert_eq!(custom["Main"], false);
    assert_eq!(custom["RouteSet"], json!([]));
    assert_eq!(custom["AssociationSet"], json!([]));
    assert_eq!(custom["TagSet"], json!([{"Key": "tier", "Value": "web"}]));
    alice
        .ok(
            "ModifyRouteTableAttribute",
            json!({"RouteTableId": custom_id, "RouteTableName": "custom-renamed"}),
        )
        .await;
    let answer = alice
        .ok(
            "ReplaceRouteTableAssociation",
            json!({"RouteTableId": custom_id, "SubnetId": web_subnet}),
        )
        .await;
    assert_eq!(keys(&answer), ["RequestId"]);
    let moved = alice.table(&custom_id).await;
    assert_eq!(moved["RouteTableName"], "custom-renamed");
    assert_eq!(
        moved["AssociationSet"],
        json!([{"SubnetId": web_subnet, "RouteTableId": custom_id}])
    );
    assert_eq!(alice.table(&main_id).await["AssociationSet"], json!([]));
    let subnet = alice
        .ok("DescribeSubnets", json!({"SubnetIds": [web_subnet]}))
        .await;
    assert_eq!(subnet["SubnetSet"][0]["RouteTableId"], custom_id.as_str());
    for (filters, want) in [
        (json!([{"Name": "vpc-id", "Values": [web_id]}]), 2),
        (
            json!([{"Name": "association.main", "Values": ["FALSE"]}]),
            1,
        ),
        (
            json!([{"Name": "association.main", "Values": ["true", "false"]}]),
            2,
        ),
        (
            json!([{"Name": "route-table-name", "Values": ["renamed"]}]),
            1,
        ),
        (
            json!([{"Name": "route-table-id", "Values": [custom_id]}]),
            1,
        ),
        (json!([{"Name": "tag-key", "Values": ["tier"]}]), 1),
        (json!([{"Name": "tag:tier", "Values": ["db"]}]), 0),
    ] {
        let listed = alice
            .ok("DescribeRouteTables", json!({"Filters": filters}))
            .await;
        assert_eq!(listed["TotalCount"], want, "{filters}: {listed}");
    }
    let refusals = [
        (
            "DeleteRouteTable",
            json!({"RouteTableId": main_id}),
            "UnsupportedOperation.DelDefaultRoute",
        ),
        (
            "DeleteRouteTable",
            json!({"RouteTableId": custom_id}),
            "UnsupportedOperation.DelRouteWithSubnet",
        ),
        (
            "ReplaceRouteTableAssociation",
            json!({"RouteTableId": bob_main, "SubnetId": web_subnet}),
            "ResourceNotFound",
        ),
        (
            "ReplaceRouteTableAssociation",
            json!({"RouteTableId": custom_id}),
            "MissingParameter",
        ),
        (
            "DescribeRouteTables",
            json!({"RouteTableIds": [main_id], "Filters": []}),
            "InvalidParameter.Coexist",
        ),
        (
            "DescribeRouteTables",
            json!({"Filters": [{"Name": "next-hop-type", "Values": ["NAT"]}]}),
            "InvalidParameterValue",
        ),
        (
            "ModifyRouteTableAttribute",
            json!({"RouteTableId": custom_id, "RouteTableName": ""}),
            "InvalidParameterValue",
        ),
        (
            "CreateRouteTable",
            json!({"VpcId": db_id, "RouteTableName": "not mine"}),
            "ResourceNotFound",
        ),
    ];
    for (action, body, want) in &refusals {
        assert_eq!(
            alice.code(action, body.clone()).await,
            *want,
            "{action} {body}"
        );
    }
    // Another VPC of alice's: its table takes no subnet of web's.
    let other = alice
        .ok(
            "CreateVpc",
            json!({"VpcName": "other", "CidrBlock": "172.16.0.0/16"}),
        )
        .await;
    let other_main = alice.main_table(&text(&other["Vpc"]["VpcId"])).await["RouteTableId"].clone();
    assert_eq!(
        alice
            .code(
                "ReplaceRouteTableAssociation",
                json!({"RouteTableId": other_main, "SubnetId": web_subnet}),
            )
            .await,
        "UnsupportedOperation.VpcMismatch"
    );

    // DeleteRoutes by RouteId only, as Terraform sends it; the answer has
    // the route deleted.
    let deleted = alice
        .ok(
            "DeleteRoutes",
            json!({"RouteTableId": main_id, "Routes": [{"RouteId": nat_id}]}),
        )
        .await;
    assert_eq!(
        deleted["RouteSet"][0]["GatewayId"], "nat-12345678",
        "{deleted}"
    );
    assert_eq!(
        alice
            .code(
                "DeleteRoutes",
                json!({"RouteTableId": main_id, "Routes": [{"RouteId": nat_id}]}),
            )
            .await,
        "ResourceNotFound"
    );

    // Deleting the ACTIVE peering takes its routes, on both sides.
    alice
        .ok(
            "DeleteVpcPeeringConnection",
            json!({"PeeringConnectionId": pcx}),
        )
        .await;
    assert_eq!(alice.table(&main_id).await["RouteSet"], json!([]));
    assert_eq!(bob.table(&bob_main).await["RouteSet"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_refused_route_call_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, web, db) = two_accounts(&app).await;
    let alice = Api::new(&app, "AKID100001", "alice-key");
    let bob = Api::new(&app, "AKID100002", "bob-key");
    let pcx = alice
        .ok(
            "CreateVpcPeeringConnection",
            json!({"SourceVpcId": web.un_vpc_id, "PeeringConnectionName": "p",
                   "DestinationVpcId": db.un_vpc_id, "DestinationUin": "100002",
                   "DestinationRegion": "ap-guangzhou"}),
        )
        .await["PeeringConnectionId"]
        .clone();
    bob.ok(
        "AcceptVpcPeeringConnection",
        json!({"PeeringConnectionId": pcx}),
    )
    .await;
    let main_id = text(&alice.main_table(&web.un_vpc_id).await["RouteTableId"]);
    let route = |dest: &str| json!({"DestinationCidrBlock": dest, "GatewayType": "PEERCONNECTION", "GatewayId": pcx});
    let made = alice
        .ok(
            "CreateRoutes",
            json!({"RouteTableId": main_id, "Routes": [route("10.1.0.0/24")]}),
        )
        .await;
    let item = text(&made["RouteTableSet"][0]["RouteSet"][0]["RouteItemId"]);
    let before = alice.snapshot().await;
    // Each call's first route is fine, its second is not: none of it lands.
    for (action, body, want) in [
        (
            "CreateRoutes",
            json!({"RouteTableId": main_id, "Routes": [route("10.1.1.0/24"), route("10.7.0.0/16")]}),
            "InvalidParameterValue.CidrNotInPeerVpc",
        ),
        (
            "ReplaceRoutes",
            json!({"RouteTableId": main_id, "Routes": [
                {"RouteItemId": item, "DestinationCidrBlock": "10.1.2.0/24",
                 "GatewayType": "PEERCONNECTION", "GatewayId": pcx},
                {"RouteItemId": "rti-00000000", "DestinationCidrBlock": "10.1.3.0/24",
                 "GatewayType": "PEERCONNECTION", "GatewayId": pcx}]}),
            "ResourceNotFound",
        ),
        (
            "DeleteRoutes",
            json!({"RouteTableId": main_id, "Routes": [{"RouteItemId": item}, {"RouteId": 424242}]}),
            "ResourceNotFound",
        ),
        (
            "DisableRoutes",
            json!({"RouteTableId": main_id, "RouteItemIds": [item, "rti-00000000"]}),
            "ResourceNotFound",
        ),
        (
            "DeleteRoutes",
            json!({"RouteTableId": main_id, "Routes": [{"RouteId": 0}]}),
            "MissingParameter",
        ),
    ] {
        assert_eq!(
            alice.code(action, body.clone()).await,
            want,
            "{action} {body}"
        );
    }
    assert_eq!(
        alice.snapshot().await,
        before,
        "a refused call changed something"
    );
    app.stop().await;
}

#[tokio::test]
async fn vpc_tags_filters_and_modify_vpc_attribute_over_api3() {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let alice = Api::new(&app, "AKID100001", "alice-key");
    let made = alice
        .ok(
            "CreateVpc",
            json!({"VpcName": "tagged", "CidrBlock": "10.40.0.0/16",
                   "Tags": [{"Key": "city", "Value": "shanghai"}, {"Key": "env"}]}),
        )
        .await["Vpc"]
        .clone();
    let id = text(&made["VpcId"]);
    assert_eq!(
        made["TagSet"],
        json!([{"Key": "city", "Value": "shanghai"}, {"Key": "env", "Value": ""}])
    );
    let describe = |filters: Value| alice.ok("DescribeVpcs", json!({"Filters": filters}));
    for (filters, want) in [
        (json!([{"Name": "tag-key", "Values": ["city"]}]), 1),
        (json!([{"Name": "tag-key", "Values": ["nope", "env"]}]), 1),
        (
            json!([{"Name": "tag:city", "Values": ["shanghai", "beijing"]}]),
            1,
        ),
        (json!([{"Name": "tag:city", "Values": ["beijing"]}]), 0),
        (
            json!([{"Name": "tag:city", "Values": ["shanghai"]},
                   {"Name": "tag-key", "Values": ["team"]}]),
            0,
        ),
        (json!([{"Name": "vpc-name", "Values": ["tag"]}]), 1),
    ] {
        let listed = describe(filters.clone()).await;
        assert_eq!(listed["TotalCount"], want, "{filters}: {listed}");
    }
    let listed = describe(json!([{"Name": "tag:env", "Values": [""]}])).await;
    assert_eq!(listed["VpcSet"][0]["TagSet"], made["TagSet"]);

    // ModifyVpcAttribute renames; what vpcsim shows of the rest is taken,
    // as Terraform sends it, and a change of it refused.
    let answer = alice
        .ok(
            "ModifyVpcAttribute",
            json!({"VpcId": id, "VpcName": "renamed", "EnableMulticast": "false",
                   "EnableRouteVpcPublish": false, "EnableRouteVpcPublishIpv6": false,
                   "DnsServers": [], "DomainName": ""}),
        )
        .await;
    assert_eq!(keys(&answer), ["RequestId"]);
    let listed = alice.ok("DescribeVpcs", json!({"VpcIds": [id]})).await;
    assert_eq!(listed["VpcSet"][0]["VpcName"], "renamed");
    assert_eq!(listed["VpcSet"][0]["TagSet"], made["TagSet"]);
    let before = alice.snapshot().await;
    for (body, want) in [
        (
            json!({"VpcId": id, "VpcName": "x", "EnableMulticast": "true"}),
            "UnsupportedOperation",
        ),
        (
            json!({"VpcId": id, "DnsServers": ["1.1.1.1"]}),
            "UnsupportedOperation",
        ),
        (
            json!({"VpcId": id, "DomainName": "corp"}),
            "UnsupportedOperation",
        ),
        (
            json!({"VpcId": id, "EnableRouteVpcPublish": true}),
            "UnsupportedOperation",
        ),
        (json!({"VpcId": id, "Tags": []}), "UnknownParameter"),
        (
            json!({"VpcId": id, "VpcName": "x".repeat(61)}),
            "InvalidParameterValue",
        ),
        (
            json!({"VpcId": "vpc-00000000", "VpcName": "x"}),
            "ResourceNotFound",
        ),
        (json!({"VpcName": "x"}), "MissingParameter"),
    ] {
        assert_eq!(
            alice.code("ModifyVpcAttribute", body.clone()).await,
            want,
            "{body}"
        );
    }
    for (body, want) in [
        (
            json!({"VpcName": "t", "CidrBlock": "10.41.0.0/16", "Tags": [{"Key": ""}]}),
            "InvalidParameterValue",
        ),
        (
            json!({"VpcName": "t", "CidrBlock": "10.41.0.0/16", "Tags": [{"Key": "a"}, {"Key": "a"}]}),
            "InvalidParameterValue",
        ),
    ] {
        assert_eq!(alice.code("CreateVpc", body.clone()).await, want, "{body}");
    }
    assert_eq!(
        alice
            .code(
                "DescribeVpcs",
                json!({"Filters": [{"Name": "tag:", "Values": ["x"]}]}),
            )
            .await,
        "InvalidParameterValue"
    );
    assert_eq!(
        alice.snapshot().await,
        before,
        "a refused call changed something"
    );
    app.stop().await;
}
