//! Peerings between VPCs of two regions: created with `peer_region`, seen
//! from either end's region by either party, under the same rules, and kept
//! by scenarios, dumps and snapshots.

use tonic::Code;
use vpcsim::proto;

use crate::helpers::{TestApp, api3_code, assert_error, authed_in, bad_field, state};

const GZ: &str = "ap-guangzhou";
const SH: &str = "ap-shanghai";
const BJ: &str = "ap-beijing";

async fn create_in(
    app: &TestApp,
    secret: &str,
    region: &str,
    vpc: &proto::Vpc,
    peer: &proto::Vpc,
    peer_region: Option<&str>,
) -> Result<proto::PeeringConnection, tonic::Status> {
    app.peering()
        .create_vpc_peering_connection(authed_in(
            secret,
            region,
            proto::CreateVpcPeeringConnectionRequest {
                vpc_id: vpc.un_vpc_id.clone(),
                peer_vpc_id: peer.un_vpc_id.clone(),
                peer_uin: peer.uin.clone(),
                peering_connection_name: "cross".into(),
                peer_region: peer_region.map(str::to_owned),
            },
        ))
        .await
        .map(|r| r.into_inner().peering_connection.expect("peering"))
}

/// The ids of the peerings `secret` sees from `region`, and the filter by VPC.
async fn seen_from(
    app: &TestApp,
    secret: &str,
    region: &str,
    vpc_id: &str,
) -> Vec<proto::PeeringConnection> {
    app.peering()
        .describe_vpc_peering_connections(authed_in(
            secret,
            region,
            proto::DescribeVpcPeeringConnectionsRequest {
                vpc_id: vpc_id.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("describe")
        .into_inner()
        .data
}

async fn change_in(
    app: &TestApp,
    secret: &str,
    region: &str,
    id: &str,
    accept: bool,
) -> Result<proto::PeeringConnection, tonic::Status> {
    let mut client = app.peering();
    let answer = if accept {
        client
            .accept_vpc_peering_connection(authed_in(
                secret,
                region,
                proto::AcceptVpcPeeringConnectionRequest {
                    peering_connection_id: id.into(),
                },
            ))
            .await
            .map(|r| r.into_inner().peering_connection)
    } else {
        client
            .delete_vpc_peering_connection(authed_in(
                secret,
                region,
                proto::DeleteVpcPeeringConnectionRequest {
                    peering_connection_id: id.into(),
                },
            ))
            .await
            .map(|r| r.into_inner().peering_connection)
    };
    answer.map(|p| p.expect("peering"))
}

#[tokio::test]
async fn a_peering_joins_two_regions_and_shows_in_both() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc_in(&alice, GZ, "10.0.0.0/16").await;
    let db = app.vpc_in(&bob, SH, "10.1.0.0/16").await;

    // Without peer_region the peer VPC is looked for in the call's region.
    let missing = create_in(&app, &alice, GZ, &web, &db, None)
        .await
        .unwrap_err();
    assert_error(&missing, Code::NotFound, "InvalidVpc.NotFound");
    assert!(missing.message().contains(GZ), "{}", missing.message());
    let unknown = create_in(&app, &alice, GZ, &web, &db, Some("mars"))
        .await
        .unwrap_err();
    assert_error(&unknown, Code::InvalidArgument, "UnsupportedRegion");
    assert_eq!(bad_field(&unknown).as_deref(), Some("peer_region"));
    assert!(app.all_peerings(&alice).await.is_empty());

    // Either name form of the region.
    let created = create_in(&app, &alice, GZ, &web, &db, Some("sh"))
        .await
        .expect("cross-region create");
    assert_eq!(state(&created), proto::State::Pending);
    assert_eq!(
        (created.region.as_str(), created.peer_region.as_str()),
        (GZ, SH)
    );
    let id = created.peering_connection_id.clone();

    // Both parties see it from both regions, by either VPC; nobody sees it
    // from a third region.
    for (who, region) in [(&alice, GZ), (&alice, SH), (&bob, SH), (&bob, GZ)] {
        for vpc_id in ["", web.vpc_id.as_str(), db.un_vpc_id.as_str()] {
            let seen = seen_from(&app, who, region, vpc_id).await;
            assert_eq!(seen.len(), 1, "{who} in {region} by {vpc_id:?}");
            assert_eq!(seen[0].peering_connection_id, id);
            assert_eq!(seen[0].peer_region, SH);
        }
    }
    assert!(seen_from(&app, &alice, BJ, "").await.is_empty());
    // ... and a third region cannot act on it: it reads as not found.
    let elsewhere = change_in(&app, &bob, BJ, &id, true).await.unwrap_err();
    assert_error(
        &elsewhere,
        Code::NotFound,
        "InvalidPeeringConnection.NotFound",
    );

    // The accepter accepts from its own region.
    let accepted = change_in(&app, &bob, SH, &id, true).await.expect("accept");
    assert_eq!(state(&accepted), proto::State::Active);

    // The overlap rules span regions: a Beijing VPC that overlaps web may
    // not join db, web's peer in Shanghai.
    let crowding = app.vpc_in(&alice, BJ, "10.0.128.0/24").await;
    let refused = create_in(&app, &alice, BJ, &crowding, &db, Some(SH))
        .await
        .unwrap_err();
    assert_error(
        &refused,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert_eq!(
        api3_code(&refused),
        "UnauthorizedOperation.VpcPeerCidrConflict"
    );

    // Quotas are each end's, in its own region: bob's Shanghai quota stops
    // a second peer of db; his Guangzhou quota has nothing to say.
    app.admin()
        .set_quota(app.admin_req(proto::SetQuotaRequest {
            uin: "100002".into(),
            region: SH.into(),
            quota_name: "vpc-max-vpcpeers".into(),
            limit: 1,
        }))
        .await
        .expect("set quota");
    let other = app.vpc_in(&alice, GZ, "172.16.0.0/16").await;
    let full = create_in(&app, &alice, GZ, &other, &db, Some(SH))
        .await
        .unwrap_err();
    assert_eq!(api3_code(&full), "LimitExceeded.VpcPeerTotalLimitExceeded");
    assert_eq!(app.all_peerings(&alice).await.len(), 1);

    // Either party deletes it from either region.
    let deleted = change_in(&app, &bob, GZ, &id, false).await.expect("delete");
    assert_eq!(state(&deleted), proto::State::Deleted);
    create_in(&app, &alice, GZ, &other, &db, Some(SH))
        .await
        .expect("db has room again");
    app.stop().await;
}

/// The dump without its clock line, which moves with real time.
async fn unclocked(app: &TestApp) -> String {
    app.dump()
        .await
        .lines()
        .filter(|l| !l.starts_with("clock:"))
        .collect::<Vec<_>>()
        .join("\n")
}

const SCENARIO: &str = "
accounts:
  - {uin: 100001, name: alice, secret_id: AKIDalice}
  - {uin: 100002, name: bob, secret_id: AKIDbob}
vpcs:
  - {uin: 100001, region: ap-guangzhou, vpc_name: web, cidr_block: 10.0.0.0/16, un_vpc_id: vpc-web00001}
  - {uin: 100002, region: ap-shanghai, vpc_name: db, cidr_block: 10.1.0.0/16, un_vpc_id: vpc-db000001}
peerings:
  - peering_connection_id: pcx-cross001
    peering_connection_name: web-db
    vpc_id: web
    peer_vpc_id: db
    state: ACTIVE
    bandwidth: 50
    charge_type: POSTPAID_BY_MONTH_95
    qos_level: PT
    tags: [{key: team, value: qa}]
";

#[tokio::test]
async fn cross_region_peerings_and_their_options_survive_dump_and_snapshots() {
    let app = TestApp::spawn().await;
    app.load(SCENARIO, "cross.yaml", false)
        .await
        .expect("load a cross-region scenario");
    let seen = seen_from(&app, "AKIDbob", SH, "").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].region.as_str(), seen[0].peer_region.as_str()),
        (GZ, SH)
    );

    // The dump keeps what the file said, and loads back as it was.
    let dump = app.dump().await;
    for line in [
        "bandwidth: 50",
        "charge_type: POSTPAID_BY_MONTH_95",
        "qos_level: PT",
        "key: team",
        "peer_vpc_id: vpc-db000001",
    ] {
        assert!(dump.contains(line), "{line} missing from\n{dump}");
    }
    // Options at their defaults stay out of the dump.
    assert!(!dump.contains("\n  type:"), "{dump}");
    let before = app.describe_everything().await;
    let dump_unclocked = unclocked(&app).await;
    app.load(&dump, "dump.yaml", true)
        .await
        .expect("load the dump");
    assert_eq!(app.describe_everything().await, before);
    assert_eq!(unclocked(&app).await, dump_unclocked);

    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest {
            name: "cross".into(),
        }))
        .await
        .expect("save");
    change_in(&app, "AKIDalice", GZ, "pcx-cross001", false)
        .await
        .expect("delete");
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest {
            name: "cross".into(),
        }))
        .await
        .expect("restore");
    assert_eq!(unclocked(&app).await, dump_unclocked);

    // A bad option is reported where it is written, and loads nothing.
    let bad = SCENARIO.replace("qos_level: PT", "qos_level: GOLD");
    let err = app.load(&bad, "bad.yaml", true).await.unwrap_err();
    assert!(
        err.message().contains("peerings[0].qos_level") && err.message().contains("PT, AU, AG"),
        "{}",
        err.message()
    );
    assert_eq!(unclocked(&app).await, dump_unclocked);
    app.stop().await;
}

#[tokio::test]
async fn a_snapshot_saved_before_link_options_existed_restores_with_defaults() {
    use sqlx::Executor;
    let app = TestApp::spawn().await;
    app.load(SCENARIO, "cross.yaml", false).await.expect("load");
    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest { name: "old".into() }))
        .await
        .expect("save");
    // The snapshot's table as migration 0004 found it: without the options.
    let mut db = app.raw_db().await;
    for column in ["bandwidth", "charge_type", "link_type", "qos_level", "tags"] {
        db.execute(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE snapshot_1_peerings DROP COLUMN {column}"
        )))
        .await
        .expect("drop a snapshot column");
    }
    drop(db);
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest { name: "old".into() }))
        .await
        .expect("restore an old snapshot");
    let dump = app.dump().await;
    assert!(dump.contains("pcx-cross001"), "{dump}");
    assert!(
        !dump.contains("bandwidth") && !dump.contains("tags"),
        "{dump}"
    );
    app.stop().await;
}
