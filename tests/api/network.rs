//! Subnets, route tables and routes over gRPC: a whole peering setup, and
//! each rule that refuses a step of it. Every refusal changes nothing.

use tonic::{Code, Status};
use vpcsim::proto::{self, State};

use crate::helpers::{Act, TestApp, assert_error, authed, bad_field, state};

const ZONE: &str = "ap-guangzhou-3";

impl TestApp {
    async fn subnet(
        &self,
        secret: &str,
        vpc: &proto::Vpc,
        name: &str,
        cidr: &str,
    ) -> Result<proto::Subnet, Status> {
        self.subnets()
            .create_subnet(authed(
                secret,
                proto::CreateSubnetRequest {
                    vpc_id: vpc.un_vpc_id.clone(),
                    subnet_name: name.into(),
                    cidr_block: cidr.into(),
                    zone: ZONE.into(),
                    tags: Vec::new(),
                },
            ))
            .await
            .map(|r| r.into_inner().subnet.expect("subnet"))
    }

    /// The VPC's default route table.
    async fn main_table(&self, secret: &str, vpc: &proto::Vpc) -> proto::RouteTable {
        let tables = self
            .routes()
            .describe_route_tables(authed(
                secret,
                proto::DescribeRouteTablesRequest {
                    vpc_id: vpc.un_vpc_id.clone(),
                    main: Some(true),
                    ..Default::default()
                },
            ))
            .await
            .expect("describe route tables")
            .into_inner();
        assert_eq!(tables.total_count, 1, "one default table per vpc");
        tables.route_tables.into_iter().next().expect("a table")
    }

    async fn table(&self, secret: &str, id: &str) -> proto::RouteTable {
        self.routes()
            .describe_route_tables(authed(
                secret,
                proto::DescribeRouteTablesRequest {
                    route_table_ids: vec![id.into()],
                    ..Default::default()
                },
            ))
            .await
            .expect("describe route tables")
            .into_inner()
            .route_tables
            .into_iter()
            .next()
            .expect("the table")
    }

    async fn add_routes(
        &self,
        secret: &str,
        table: &str,
        routes: Vec<proto::NewRoute>,
    ) -> Result<proto::CreateRoutesResponse, Status> {
        self.routes()
            .create_routes(authed(
                secret,
                proto::CreateRoutesRequest {
                    route_table_id: table.into(),
                    routes,
                },
            ))
            .await
            .map(|r| r.into_inner())
    }

    /// Two accounts, a VPC each with a subnet, an ACTIVE peering between
    /// them: what every route test starts from.
    async fn peered(&self) -> Peered {
        let alice = self.account("100001").await;
        let bob = self.account("100002").await;
        let web = self.vpc(&alice, "10.0.0.0/16").await;
        let db = self.vpc(&bob, "10.1.0.0/16").await;
        self.subnet(&alice, &web, "web-a", "10.0.1.0/24")
            .await
            .expect("web subnet");
        self.subnet(&bob, &db, "db-a", "10.1.1.0/24")
            .await
            .expect("db subnet");
        let pcx = self
            .create_peering(&alice, &web, &db, "web-db")
            .await
            .expect("peering")
            .peering_connection_id;
        self.act(Act::Accept, &bob, &pcx).await.expect("accept");
        let web_table = self.main_table(&alice, &web).await.route_table_id;
        let db_table = self.main_table(&bob, &db).await.route_table_id;
        Peered {
            alice,
            bob,
            web,
            db,
            pcx,
            web_table,
            db_table,
        }
    }
}

struct Peered {
    alice: String,
    bob: String,
    web: proto::Vpc,
    db: proto::Vpc,
    pcx: String,
    web_table: String,
    db_table: String,
}

fn via(pcx: &str, destination: &str) -> proto::NewRoute {
    proto::NewRoute {
        destination_cidr_block: destination.into(),
        gateway_type: "PEERCONNECTION".into(),
        gateway_id: pcx.into(),
        route_description: String::new(),
    }
}

fn via_vpn(destination: &str) -> proto::NewRoute {
    proto::NewRoute {
        destination_cidr_block: destination.into(),
        gateway_type: "VPN".into(),
        gateway_id: "vpngw-abcd1234".into(),
        route_description: "to the office".into(),
    }
}

#[tokio::test]
async fn a_whole_peering_setup_routes_both_ways_and_tears_down() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;

    // A subnet is made in the default table of its VPC, with the
    // addresses the cloud leaves for resources.
    let subnets = app.all_subnets(&p.alice).await;
    assert_eq!(subnets.len(), 1);
    let web_subnet = &subnets[0];
    assert!(web_subnet.subnet_id.starts_with("subnet-"));
    assert_eq!(web_subnet.vpc_id, p.web.un_vpc_id);
    assert_eq!(web_subnet.zone, ZONE);
    assert_eq!(web_subnet.route_table_id, p.web_table);
    assert_eq!(
        (
            web_subnet.total_ip_address_count,
            web_subnet.available_ip_address_count
        ),
        (256, 253)
    );

    // A route on each side through the peering.
    let added = app
        .add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.0.0/16")])
        .await
        .expect("web route");
    assert_eq!(added.routes.len(), 1);
    let route = &added.routes[0];
    assert!(route.route_id > 0);
    assert!(route.route_item_id.starts_with("rti-"));
    assert!(route.enabled);
    assert_eq!(route.route_table_id, p.web_table);
    app.add_routes(&p.bob, &p.db_table, vec![via(&p.pcx, "10.1.0.0/16")])
        .await
        .map(|_| ())
        .expect_err("bob routes to his own vpc");
    app.add_routes(&p.bob, &p.db_table, vec![via(&p.pcx, "10.0.1.0/24")])
        .await
        .expect("db route");
    let web_table = app.table(&p.alice, &p.web_table).await;
    assert!(web_table.main);
    assert_eq!(web_table.route_table_name, "default");
    assert_eq!(web_table.subnet_ids, vec![web_subnet.subnet_id.clone()]);
    assert_eq!(web_table.routes, added.route_table.unwrap().routes);

    // Tear down in the order the cloud requires: the peering (its routes
    // go with it), the subnets, the VPCs (their tables go with them).
    let deleted = app.act(Act::Delete, &p.bob, &p.pcx).await.expect("delete");
    assert_eq!(state(&deleted), State::Deleted);
    assert!(app.table(&p.alice, &p.web_table).await.routes.is_empty());
    assert!(app.table(&p.bob, &p.db_table).await.routes.is_empty());
    for (secret, vpc) in [(&p.alice, &p.web), (&p.bob, &p.db)] {
        let refused = app
            .vpcs()
            .delete_vpc(authed(
                secret,
                proto::DeleteVpcRequest {
                    vpc_id: vpc.un_vpc_id.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&refused, Code::FailedPrecondition, "ResourceInUse");
        assert!(refused.message().contains("subnet-"), "{refused:?}");
        for subnet in app.all_subnets(secret).await {
            app.subnets()
                .delete_subnet(authed(
                    secret,
                    proto::DeleteSubnetRequest {
                        subnet_id: subnet.subnet_id,
                    },
                ))
                .await
                .expect("delete subnet");
        }
        app.vpcs()
            .delete_vpc(authed(
                secret,
                proto::DeleteVpcRequest {
                    vpc_id: vpc.un_vpc_id.clone(),
                },
            ))
            .await
            .expect("delete vpc");
        assert!(app.all_route_tables(secret).await.is_empty());
    }

    // The event log tells the story, routes included.
    let events = app
        .admin()
        .describe_events(app.admin_req(proto::DescribeEventsRequest {
            resource_type: "route".into(),
            ..Default::default()
        }))
        .await
        .expect("events")
        .into_inner()
        .events;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "created", "deleted", "deleted"]);
    app.stop().await;
}

#[tokio::test]
async fn subnet_blocks_stay_inside_their_vpc_and_apart() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let vpc = app.vpc(&alice, "10.0.0.0/16").await;
    app.vpcs()
        .create_assistant_cidr(authed(
            &alice,
            proto::CreateAssistantCidrRequest {
                vpc_id: vpc.un_vpc_id.clone(),
                cidr_blocks: vec!["172.16.0.0/24".into()],
            },
        ))
        .await
        .expect("assistant block");
    app.subnet(&alice, &vpc, "a", "10.0.1.0/24")
        .await
        .expect("a subnet");
    app.subnet(&alice, &vpc, "b", "172.16.0.0/25")
        .await
        .expect("inside an assistant block");
    let before = app.describe_everything().await;
    let cases = [
        (
            "10.1.0.0/24",
            "InvalidParameterValue.SubnetRange",
            "outside",
        ),
        ("10.0.0.0/15", "InvalidParameterValue.SubnetRange", "wider"),
        ("10.0.2.0/29", "InvalidParameterValue.SubnetRange", "/29"),
        (
            "10.0.1.128/25",
            "InvalidParameterValue.SubnetConflict",
            "inside a",
        ),
        (
            "10.0.0.0/20",
            "InvalidParameterValue.SubnetConflict",
            "around a",
        ),
        (
            "10.0.2.1/24",
            "InvalidParameterValue.Malformed",
            "host bits",
        ),
    ];
    for (cidr, code, why) in cases {
        let err = app.subnet(&alice, &vpc, "x", cidr).await.unwrap_err();
        assert_eq!(
            err.message().split(':').next(),
            Some(code),
            "{why}: {err:?}"
        );
        assert_eq!(bad_field(&err).as_deref(), Some("cidr_block"), "{why}");
    }
    let conflict = app
        .subnet(&alice, &vpc, "x", "10.0.1.0/26")
        .await
        .unwrap_err();
    assert!(
        conflict.message().contains("subnet-"),
        "names the subnet it overlaps: {conflict:?}"
    );

    // A zone of another region, and none.
    for (zone, code) in [
        ("ap-shanghai-2", "InvalidParameterValue"),
        ("", "MissingParameter"),
    ] {
        let err = app
            .subnets()
            .create_subnet(authed(
                &alice,
                proto::CreateSubnetRequest {
                    vpc_id: vpc.un_vpc_id.clone(),
                    subnet_name: "z".into(),
                    cidr_block: "10.0.9.0/24".into(),
                    zone: zone.into(),
                    tags: Vec::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&err, Code::InvalidArgument, code);
        assert_eq!(bad_field(&err).as_deref(), Some("zone"));
    }

    // CreateSubnets is all or none: the third overlaps the first.
    let batch = app
        .subnets()
        .create_subnets(authed(
            &alice,
            proto::CreateSubnetsRequest {
                vpc_id: vpc.un_vpc_id.clone(),
                subnets: ["10.0.5.0/24", "10.0.6.0/24", "10.0.5.0/25"]
                    .into_iter()
                    .map(|cidr| proto::NewSubnet {
                        subnet_name: cidr.into(),
                        cidr_block: cidr.into(),
                        zone: ZONE.into(),
                        tags: Vec::new(),
                    })
                    .collect(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(
        &batch,
        Code::InvalidArgument,
        "InvalidParameterValue.SubnetConflict",
    );
    assert_eq!(app.describe_everything().await, before, "nothing changed");
    app.stop().await;
}

#[tokio::test]
async fn the_subnet_quota_binds_each_vpc() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    app.set_quota("100001", "vpc-max-subnets", 2).await;
    let vpc = app.vpc(&alice, "10.0.0.0/16").await;
    let other = app.vpc(&alice, "10.1.0.0/16").await;
    app.subnet(&alice, &vpc, "a", "10.0.1.0/24").await.unwrap();
    app.subnet(&alice, &vpc, "b", "10.0.2.0/24").await.unwrap();
    let err = app
        .subnet(&alice, &vpc, "c", "10.0.3.0/24")
        .await
        .unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    assert!(err.message().contains("vpc-max-subnets"), "{err:?}");
    app.subnet(&alice, &other, "c", "10.1.3.0/24")
        .await
        .expect("another vpc has its own quota");
    app.stop().await;
}

#[tokio::test]
async fn subnets_are_renamed_moved_between_tables_and_only_their_owners_see_them() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    let subnet = app.all_subnets(&p.alice).await.remove(0);

    let renamed = app
        .subnets()
        .modify_subnet_attribute(authed(
            &p.alice,
            proto::ModifySubnetAttributeRequest {
                subnet_id: subnet.subnet_id.clone(),
                subnet_name: "web-frontends".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();
    assert_eq!(renamed.subnet_name, "web-frontends");

    // A table of the caller's own, and the subnet moved into it.
    let custom = app
        .routes()
        .create_route_table(authed(
            &p.alice,
            proto::CreateRouteTableRequest {
                vpc_id: p.web.un_vpc_id.clone(),
                route_table_name: "to-db".into(),
                tags: Vec::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .route_table
        .unwrap();
    assert!(!custom.main);
    let moved = app
        .routes()
        .replace_route_table_association(authed(
            &p.alice,
            proto::ReplaceRouteTableAssociationRequest {
                subnet_id: subnet.subnet_id.clone(),
                route_table_id: custom.route_table_id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();
    assert_eq!(moved.route_table_id, custom.route_table_id);
    let in_custom = app
        .subnets()
        .describe_subnets(authed(
            &p.alice,
            proto::DescribeSubnetsRequest {
                route_table_id: custom.route_table_id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(in_custom.total_count, 1);

    // A table in use, and the default table, are not deleted.
    for (table, code) in [
        (
            &custom.route_table_id,
            "UnsupportedOperation.DelRouteWithSubnet",
        ),
        (&p.web_table, "UnsupportedOperation.DelDefaultRoute"),
    ] {
        let err = app
            .routes()
            .delete_route_table(authed(
                &p.alice,
                proto::DeleteRouteTableRequest {
                    route_table_id: table.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_error(&err, Code::FailedPrecondition, code);
    }

    // Bob's table is another VPC's, and Bob's ids read as not found to
    // Alice whatever she tries.
    let bob_subnet = app.all_subnets(&p.bob).await.remove(0);
    let before = app.describe_everything().await;
    let mismatch = app
        .routes()
        .replace_route_table_association(authed(
            &p.alice,
            proto::ReplaceRouteTableAssociationRequest {
                subnet_id: subnet.subnet_id.clone(),
                route_table_id: p.db_table.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&mismatch, Code::NotFound, "InvalidRouteTable.NotFound");
    let err = app
        .subnets()
        .delete_subnet(authed(
            &p.alice,
            proto::DeleteSubnetRequest {
                subnet_id: bob_subnet.subnet_id.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidSubnet.NotFound");
    let listed = app
        .subnets()
        .describe_subnets(authed(
            &p.alice,
            proto::DescribeSubnetsRequest {
                subnet_ids: vec![bob_subnet.subnet_id.clone()],
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_count, 0);
    assert_eq!(app.describe_everything().await, before);

    // Across Alice's own VPCs: the table must be of the subnet's VPC.
    let other = app.vpc(&p.alice, "10.9.0.0/16").await;
    let other_table = app.main_table(&p.alice, &other).await;
    let err = app
        .routes()
        .replace_route_table_association(authed(
            &p.alice,
            proto::ReplaceRouteTableAssociationRequest {
                subnet_id: subnet.subnet_id.clone(),
                route_table_id: other_table.route_table_id,
            },
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.VpcMismatch",
    );

    // Moved back, the custom table goes.
    app.routes()
        .replace_route_table_association(authed(
            &p.alice,
            proto::ReplaceRouteTableAssociationRequest {
                subnet_id: subnet.subnet_id.clone(),
                route_table_id: p.web_table.clone(),
            },
        ))
        .await
        .unwrap();
    app.routes()
        .delete_route_table(authed(
            &p.alice,
            proto::DeleteRouteTableRequest {
                route_table_id: custom.route_table_id,
            },
        ))
        .await
        .expect("delete the emptied table");
    app.stop().await;
}

#[tokio::test]
async fn the_route_table_quota_counts_the_default_table() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    app.set_quota("100001", "vpc-max-route-tables", 2).await;
    let vpc = app.vpc(&alice, "10.0.0.0/16").await;
    let create = || {
        let mut routes = app.routes();
        let request = authed(
            &alice,
            proto::CreateRouteTableRequest {
                vpc_id: vpc.un_vpc_id.clone(),
                route_table_name: "extra".into(),
                tags: Vec::new(),
            },
        );
        async move { routes.create_route_table(request).await }
    };
    create().await.expect("the second table");
    let err = create().await.unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    assert!(err.message().contains("vpc-max-route-tables"), "{err:?}");
    app.stop().await;
}

#[tokio::test]
async fn routes_through_a_peering_keep_the_real_rules() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    // A third account's VPC, peered with Alice but still PENDING.
    let carol = app.account("100003").await;
    let cache = app.vpc(&carol, "10.2.0.0/16").await;
    let pending = app
        .create_peering(&p.alice, &p.web, &cache, "web-cache")
        .await
        .unwrap()
        .peering_connection_id;
    // A peering of Bob's and Carol's, which Alice cannot see.
    let hidden = app
        .create_peering(&carol, &cache, &p.db, "cache-db")
        .await
        .unwrap()
        .peering_connection_id;
    // Alice's own second VPC, peered with Bob: active, but not joining web.
    let web2 = app.vpc(&p.alice, "10.3.0.0/16").await;
    let other = app
        .create_peering(&p.alice, &web2, &p.db, "web2-db")
        .await
        .unwrap()
        .peering_connection_id;
    app.act(Act::Accept, &p.bob, &other).await.unwrap();
    app.add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.0.0/24")])
        .await
        .expect("a first route");

    let before = app.describe_everything().await;
    let cases: Vec<(Vec<proto::NewRoute>, Code, &str)> = vec![
        (
            vec![via(&pending, "10.2.0.0/16")],
            Code::InvalidArgument,
            "InvalidParameterValue.RouteNextHopInvalid",
        ),
        (
            vec![via(&other, "10.1.0.0/16")],
            Code::InvalidArgument,
            "InvalidParameterValue.RouteNextHopInvalid",
        ),
        (
            vec![via(&hidden, "10.1.0.0/16")],
            Code::NotFound,
            "InvalidPeeringConnection.NotFound",
        ),
        (
            vec![via(&p.pcx, "10.5.0.0/16")],
            Code::InvalidArgument,
            "InvalidParameterValue.CidrNotInPeerVpc",
        ),
        (
            vec![via(&p.pcx, "10.0.0.0/8")],
            Code::InvalidArgument,
            "InvalidParameterValue.CidrNotInPeerVpc",
        ),
        (
            vec![via_vpn("10.0.3.0/24")],
            Code::InvalidArgument,
            "InvalidParameterValue.Overlap",
        ),
        (
            vec![via(&p.pcx, "10.1.0.0/24")],
            Code::FailedPrecondition,
            "UnsupportedOperation.EcmpWithUserRoute",
        ),
        (
            vec![via_vpn("10.1.0.0/24")],
            Code::FailedPrecondition,
            "UnsupportedOperation.EcmpWithUserRoute",
        ),
        (
            vec![via(&p.pcx, "10.1.2.0/24"), via(&p.pcx, "10.1.2.0/24")],
            Code::InvalidArgument,
            "InvalidParameterValue.Duplicate",
        ),
        (
            vec![via(&p.pcx, "10.1.2.0/24"), via(&pending, "10.2.0.0/16")],
            Code::InvalidArgument,
            "InvalidParameterValue.RouteNextHopInvalid",
        ),
        (
            vec![proto::NewRoute {
                gateway_id: "vpngw-abcd1234".into(),
                ..via(&p.pcx, "10.1.2.0/24")
            }],
            Code::InvalidArgument,
            "InvalidParameterValue.Malformed",
        ),
        (
            vec![proto::NewRoute {
                gateway_type: "WORMHOLE".into(),
                ..via(&p.pcx, "10.1.2.0/24")
            }],
            Code::InvalidArgument,
            "InvalidParameterValue",
        ),
        (vec![], Code::InvalidArgument, "MissingParameter"),
    ];
    for (routes, code, tencent) in cases {
        let err = app
            .add_routes(&p.alice, &p.web_table, routes.clone())
            .await
            .unwrap_err();
        assert_error(&err, code, tencent);
        assert_eq!(app.describe_everything().await, before, "{routes:?}");
    }

    // Accepted, the pending peering carries routes too; other gateway
    // types may share a destination (ECMP) with each other.
    app.act(Act::Accept, &carol, &pending).await.unwrap();
    let both = app
        .add_routes(
            &p.alice,
            &p.web_table,
            vec![via(&pending, "10.2.0.0/16"), via_vpn("192.168.0.0/24")],
        )
        .await
        .expect("two routes");
    assert_eq!(both.routes.len(), 2);
    app.add_routes(
        &p.alice,
        &p.web_table,
        vec![proto::NewRoute {
            gateway_type: "NAT".into(),
            gateway_id: "nat-abcd1234".into(),
            ..via_vpn("192.168.0.0/24")
        }],
    )
    .await
    .expect("ECMP between a VPN and a NAT gateway");
    app.stop().await;
}

#[tokio::test]
async fn the_route_quota_binds_each_table() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    app.set_quota("100001", "route-table-max-policies", 2).await;
    app.add_routes(
        &p.alice,
        &p.web_table,
        vec![via(&p.pcx, "10.1.0.0/24"), via(&p.pcx, "10.1.1.0/24")],
    )
    .await
    .expect("two routes");
    let err = app
        .add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.2.0/24")])
        .await
        .unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    assert!(err.message().contains("route-table-max-policies"));
    app.stop().await;
}

#[tokio::test]
async fn routes_are_replaced_switched_and_deleted_by_either_id() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    let added = app
        .add_routes(
            &p.alice,
            &p.web_table,
            vec![via(&p.pcx, "10.1.0.0/24"), via_vpn("192.168.0.0/24")],
        )
        .await
        .unwrap()
        .routes;
    let (peer_route, vpn_route) = (&added[0], &added[1]);
    let by_id = |route: &proto::Route| proto::RouteRef {
        route_id: route.route_id,
        route_item_id: String::new(),
    };
    let by_item = |route: &proto::Route| proto::RouteRef {
        route_id: 0,
        route_item_id: route.route_item_id.clone(),
    };

    // Replaced in place: the same ids, a new target.
    let replaced = app
        .routes()
        .replace_routes(authed(
            &p.alice,
            proto::ReplaceRoutesRequest {
                route_table_id: p.web_table.clone(),
                routes: vec![proto::RouteReplacement {
                    route: Some(by_item(peer_route)),
                    new_route: Some(via(&p.pcx, "10.1.1.0/24")),
                }],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replaced.old_routes[0].destination_cidr_block, "10.1.0.0/24");
    assert_eq!(replaced.new_routes[0].destination_cidr_block, "10.1.1.0/24");
    assert_eq!(replaced.new_routes[0].route_id, peer_route.route_id);

    // Disabled, a route's destination is free; enabled again, it meets the
    // route that took it.
    app.routes()
        .disable_routes(authed(
            &p.alice,
            proto::DisableRoutesRequest {
                route_table_id: p.web_table.clone(),
                routes: vec![by_id(peer_route)],
            },
        ))
        .await
        .unwrap();
    let table = app.table(&p.alice, &p.web_table).await;
    assert!(!table.routes[0].enabled);
    app.add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.1.0/24")])
        .await
        .expect("the destination of a disabled route");
    let err = app
        .routes()
        .enable_routes(authed(
            &p.alice,
            proto::EnableRoutesRequest {
                route_table_id: p.web_table.clone(),
                routes: vec![by_id(peer_route)],
            },
        ))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "UnsupportedOperation.EcmpWithUserRoute",
    );

    // Deleted by either id; a route not in the table is not found, and
    // naming a route both ways at once is refused.
    let deleted = app
        .routes()
        .delete_routes(authed(
            &p.alice,
            proto::DeleteRoutesRequest {
                route_table_id: p.web_table.clone(),
                routes: vec![by_id(peer_route), by_item(vpn_route)],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .routes;
    assert_eq!(deleted.len(), 2);
    let before = app.describe_everything().await;
    let err = app
        .routes()
        .delete_routes(authed(
            &p.alice,
            proto::DeleteRoutesRequest {
                route_table_id: p.web_table.clone(),
                routes: vec![by_id(peer_route)],
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidRoute.NotFound");
    let err = app
        .routes()
        .delete_routes(authed(
            &p.alice,
            proto::DeleteRoutesRequest {
                route_table_id: p.web_table.clone(),
                routes: vec![proto::RouteRef {
                    route_id: 7,
                    route_item_id: "rti-abcd1234".into(),
                }],
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameter.Coexist");
    assert_eq!(app.describe_everything().await, before);

    // Route ids are never handed out twice.
    let again = app
        .add_routes(&p.alice, &p.web_table, vec![via_vpn("192.168.0.0/24")])
        .await
        .unwrap()
        .routes;
    assert!(again[0].route_id > vpn_route.route_id);
    app.stop().await;
}

#[tokio::test]
async fn vpc_tags_are_set_at_create_filtered_and_changed() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let tag = |key: &str, value: &str| proto::Tag {
        key: key.into(),
        value: value.into(),
    };
    let tagged = app
        .vpcs()
        .create_vpc(authed(
            &alice,
            proto::CreateVpcRequest {
                vpc_name: "prod".into(),
                cidr_block: "10.0.0.0/16".into(),
                tags: vec![tag("env", "prod"), tag("team", "web")],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    assert_eq!(tagged.tags, vec![tag("env", "prod"), tag("team", "web")]);
    app.vpc(&alice, "10.1.0.0/16").await;
    let with = |key: &str, value: &str| proto::DescribeVpcExRequest {
        tag_key: key.into(),
        tag_value: value.into(),
        ..Default::default()
    };
    let count = |request| {
        let mut vpcs = app.vpcs();
        let alice = alice.clone();
        async move {
            vpcs.describe_vpc_ex(authed(&alice, request))
                .await
                .unwrap()
                .into_inner()
                .total_count
        }
    };
    assert_eq!(count(with("env", "")).await, 1);
    assert_eq!(count(with("env", "prod")).await, 1);
    assert_eq!(count(with("env", "dev")).await, 0);
    assert_eq!(count(with("owner", "")).await, 0);

    // Duplicate keys are refused, on create and on change.
    let err = app
        .vpcs()
        .create_vpc(authed(
            &alice,
            proto::CreateVpcRequest {
                vpc_name: "twice".into(),
                cidr_block: "10.2.0.0/16".into(),
                tags: vec![tag("env", "a"), tag("env", "b")],
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");

    let changed = app
        .vpcs()
        .modify_vpc_attribute(authed(
            &alice,
            proto::ModifyVpcAttributeRequest {
                vpc_id: tagged.un_vpc_id.clone(),
                vpc_name: Some("production".into()),
                set_tags: vec![tag("env", "staging"), tag("owner", "qa")],
                delete_tag_keys: vec!["team".into()],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    assert_eq!(changed.vpc_name, "production");
    assert_eq!(
        changed.tags,
        vec![tag("env", "staging"), tag("owner", "qa")]
    );
    assert_eq!(count(with("owner", "qa")).await, 1);
    assert_eq!(count(with("team", "")).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn snapshots_and_reset_cover_the_whole_setup() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    app.add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.0.0/16")])
        .await
        .unwrap();
    let saved = app.describe_everything().await;
    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
            name: "peered".into(),
        }))
        .await
        .unwrap();
    app.act(Act::Delete, &p.alice, &p.pcx).await.unwrap();
    for subnet in app.all_subnets(&p.alice).await {
        app.subnets()
            .delete_subnet(authed(
                &p.alice,
                proto::DeleteSubnetRequest {
                    subnet_id: subnet.subnet_id,
                },
            ))
            .await
            .unwrap();
    }
    assert_ne!(app.describe_everything().await, saved);
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
            name: "peered".into(),
        }))
        .await
        .unwrap();
    assert_eq!(app.describe_everything().await, saved);
    // The restored state takes new routes with fresh ids, as before.
    let more = app
        .add_routes(&p.bob, &p.db_table, vec![via(&p.pcx, "10.0.0.0/16")])
        .await
        .expect("a route after the restore");
    assert_eq!(more.route_table.unwrap().routes.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn fault_rules_and_client_tokens_reach_the_new_actions() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    app.admin()
        .add_fault(app.admin_req(proto::AddFaultRequest {
            action: "CreateRoutes".into(),
            kind: proto::FaultKind::FailBefore.into(),
            error_code: "ResourceUnavailable".into(),
            times: Some(1),
            ..Default::default()
        }))
        .await
        .expect("a rule on CreateRoutes");
    let err = app
        .add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.0.0/16")])
        .await
        .unwrap_err();
    assert_error(&err, Code::Unavailable, "ResourceUnavailable");
    app.add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "10.1.0.0/16")])
        .await
        .expect("the rule fired once");

    // A retried CreateSubnet with the same client token makes one subnet.
    let request = || {
        crate::helpers::with_token(
            authed(
                &p.alice,
                proto::CreateSubnetRequest {
                    vpc_id: p.web.un_vpc_id.clone(),
                    subnet_name: "retried".into(),
                    cidr_block: "10.0.7.0/24".into(),
                    zone: ZONE.into(),
                    tags: Vec::new(),
                },
            ),
            "create-retried-subnet",
        )
    };
    let first = app.subnets().create_subnet(request()).await.unwrap();
    let second = app.subnets().create_subnet(request()).await.unwrap();
    assert_eq!(first.into_inner(), second.into_inner());
    assert_eq!(app.all_subnets(&p.alice).await.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn the_state_survives_a_restart() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    app.add_routes(
        &p.alice,
        &p.web_table,
        vec![via(&p.pcx, "10.1.0.0/16"), via_vpn("192.168.0.0/24")],
    )
    .await
    .unwrap();
    let before = app.describe_everything().await;
    let dir = app.dir.clone();
    app.stop().await;
    let app = TestApp::spawn_with(crate::helpers::Options {
        dir: Some(dir),
        ..Default::default()
    })
    .await;
    assert_eq!(app.describe_everything().await, before);
    let _ = (&p.bob, &p.db, &p.db_table);
    app.stop().await;
}

#[tokio::test]
async fn assistant_blocks_in_use_by_subnets_or_routes_stay() {
    let app = TestApp::spawn().await;
    let p = app.peered().await;
    let change = |secret: &str, vpc: &proto::Vpc, block: &str, add: bool| {
        let mut vpcs = app.vpcs();
        let (secret, vpc_id, block) = (secret.to_owned(), vpc.un_vpc_id.clone(), block.to_owned());
        async move {
            if add {
                vpcs.create_assistant_cidr(authed(
                    &secret,
                    proto::CreateAssistantCidrRequest {
                        vpc_id,
                        cidr_blocks: vec![block],
                    },
                ))
                .await
                .map(|_| ())
            } else {
                vpcs.delete_assistant_cidr(authed(
                    &secret,
                    proto::DeleteAssistantCidrRequest {
                        vpc_id,
                        cidr_blocks: vec![block],
                    },
                ))
                .await
                .map(|_| ())
            }
        }
    };
    // Bob's VPC grows a block; Alice routes into it; Bob puts a subnet in
    // another.
    change(&p.bob, &p.db, "172.16.0.0/24", true).await.unwrap();
    change(&p.bob, &p.db, "172.17.0.0/24", true).await.unwrap();
    app.add_routes(&p.alice, &p.web_table, vec![via(&p.pcx, "172.16.0.0/25")])
        .await
        .expect("a route into the peer's assistant block");
    app.subnet(&p.bob, &p.db, "extra", "172.17.0.0/26")
        .await
        .unwrap();
    // A VPN route of Alice's to a network her VPC does not have yet.
    app.add_routes(&p.alice, &p.web_table, vec![via_vpn("192.168.4.0/24")])
        .await
        .unwrap();

    let before = app.describe_everything().await;
    for block in ["172.16.0.0/24", "172.17.0.0/24"] {
        let err = change(&p.bob, &p.db, block, false).await.unwrap_err();
        assert_error(&err, Code::FailedPrecondition, "ResourceInUse");
    }
    let err = change(&p.alice, &p.web, "192.168.4.0/22", true)
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Overlap");
    assert_eq!(
        crate::helpers::api3_code(&err),
        "InvalidParameterValue.VpcCidrOverlapRoute"
    );
    assert_eq!(app.describe_everything().await, before);
    app.stop().await;
}
