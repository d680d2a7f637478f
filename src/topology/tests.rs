use serde_json::{Value, json};

use super::*;
use crate::scenario::{self, Format};

/// 2026-03-01 12:00:00, the sample's clock.
pub(super) const NOW: Timestamp = 1_772_366_400;

/// A dumped state with two accounts holding VPCs (alice in two regions),
/// one without, deleted VPCs, overlapping blocks and a peering in each
/// state; VPCs listed out of their creation order, as rows may be.
pub(super) fn sample() -> Scenario {
    let text = r#"
clock: 2026-03-01 12:00:00
accounts:
  - {uin: "100002", name: bob, app_id: 2, secret_id: AKIDbob, secret_key: bob-SECRET-key, create_time: 2026-01-01 00:00:00}
  - {uin: "100001", name: alice, app_id: 1, secret_id: AKIDalice, secret_key: alice-SECRET-key, create_time: 2026-01-01 00:00:00}
  - {uin: "100003", name: carol, app_id: 3, secret_id: AKIDcarol, secret_key: carol-SECRET-key, create_time: 2026-01-01 00:00:00}
quotas:
  - {uin: "100001", region: ap-guangzhou, quota_name: appid-max-vpcs, limit: 5}
  - {uin: "100002", region: ap-guangzhou, quota_name: vpc-max-vpcpeers, limit: 3}
vpcs:
  - uin: "100001"
    region: ap-guangzhou
    vpc_name: web
    cidr_block: 10.0.0.0/16
    assistant_cidr_blocks: [10.1.0.0/16]
    vpc_id: gz_vpc_1
    un_vpc_id: vpc-web00001
    create_time: 2026-02-01 00:00:00
    tags: [{key: team, value: web}]
    subnets:
      - {subnet_id: subnet-a0000001, subnet_name: a, cidr_block: 10.0.1.0/24, zone: ap-guangzhou-3}
      - {subnet_id: subnet-a0000002, subnet_name: b, cidr_block: 10.0.2.0/24, zone: ap-guangzhou-3}
    route_tables:
      - route_table_id: rtb-web00001
        route_table_name: default
        main: true
        routes:
          - {route_id: 1, destination_cidr_block: 10.1.0.0/24, gateway_type: PEERCONNECTION, gateway_id: pcx-active01}
          - {route_id: 2, destination_cidr_block: 0.0.0.0/0, gateway_type: NAT, gateway_id: nat-00000001}
  - uin: "100002"
    region: ap-guangzhou
    vpc_name: db
    cidr_block: 10.1.0.0/24
    vpc_id: gz_vpc_2
    un_vpc_id: vpc-db000002
    create_time: 2026-02-01 00:00:00
    route_tables:
      - route_table_id: rtb-db000001
        route_table_name: default
        main: true
        routes:
          - {route_id: 3, destination_cidr_block: 10.0.0.0/16, gateway_type: PEERCONNECTION, gateway_id: pcx-active01, enabled: false}
  - {uin: "100001", region: ap-shanghai, vpc_name: sh, cidr_block: 172.16.0.0/16, vpc_id: sh_vpc_1, un_vpc_id: vpc-sh000001, create_time: 2026-02-02 00:00:00}
  - {uin: "100001", region: ap-guangzhou, vpc_name: old, cidr_block: 192.168.0.0/16, vpc_id: gz_vpc_3, un_vpc_id: vpc-old00001, create_time: 2026-01-01 00:00:00, deleted: true}
  - {uin: "100002", region: ap-guangzhou, vpc_name: gone, cidr_block: 10.0.0.0/16, vpc_id: gz_vpc_4, un_vpc_id: vpc-gone0001, create_time: 2026-01-15 00:00:00, deleted: true}
peerings:
  - {peering_connection_id: pcx-active01, peering_connection_name: web-db, vpc_id: vpc-web00001, peer_vpc_id: vpc-db000002, state: ACTIVE, create_time: 2026-02-10 00:00:00, bandwidth: 100, charge_type: POSTPAID_BY_MONTH_95, qos_level: AG, tags: [{key: k, value: v}]}
  - {peering_connection_id: pcx-pending1, peering_connection_name: web-sh, vpc_id: vpc-web00001, peer_vpc_id: vpc-sh000001, state: PENDING, create_time: 2026-02-28 12:00:00, expire_time: 2026-03-07 12:00:00}
  - {peering_connection_id: pcx-expired1, peering_connection_name: db-sh, vpc_id: vpc-db000002, peer_vpc_id: vpc-sh000001, state: PENDING, create_time: 2026-02-22 11:00:00, expire_time: 2026-03-01 11:00:00}
  - {peering_connection_id: pcx-rejectd1, peering_connection_name: sh-old, vpc_id: vpc-sh000001, peer_vpc_id: vpc-old00001, state: REJECTED, create_time: 2025-12-31 00:00:00}
  - {peering_connection_id: pcx-deleted1, peering_connection_name: db-gone, vpc_id: vpc-db000002, peer_vpc_id: vpc-gone0001, state: DELETED, create_time: 2026-01-20 00:00:00}
"#;
    scenario::parse(text, Format::Yaml, "sample.yaml").unwrap()
}

pub(super) fn sample_topology() -> Topology {
    Topology::build(&sample(), NOW)
}

fn vpc<'t>(topology: &'t Topology, id: &str) -> &'t Vpc {
    topology.vpcs.iter().find(|v| v.id == id).unwrap()
}

fn peering<'t>(topology: &'t Topology, id: &str) -> &'t Peering {
    topology.peerings.iter().find(|p| p.id == id).unwrap()
}

fn quota(quotas: &Quotas, name: QuotaName) -> (i64, i64) {
    let q = quotas[name.as_str()];
    (q.used, q.limit)
}

#[test]
fn the_palette_is_keyed_by_state_in_state_order() {
    for (style, state) in STATES.iter().zip(PeeringState::ALL) {
        assert_eq!(style.state, state);
        assert_eq!(StateStyle::of(state).state, state);
    }
    assert!(!StateStyle::of(PeeringState::Deleted).shown_by_default);
    assert_eq!(
        serde_json::to_value(STATES).unwrap()[0],
        json!({"state": "PENDING", "color": "#d97706", "style": "dashed", "shown_by_default": true})
    );
}

#[test]
fn groups_are_one_per_account_and_region_sorted_with_vpcs_in_creation_order() {
    let t = sample_topology();
    let groups: Vec<(&str, &str, &str, Vec<&str>)> = t
        .groups
        .iter()
        .map(|g| {
            (
                g.id.as_str(),
                g.account_name.as_str(),
                g.region.as_str(),
                g.vpcs.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    // carol has no VPC, so no group.
    assert_eq!(
        groups,
        [
            (
                "100001/ap-guangzhou",
                "alice",
                "ap-guangzhou",
                vec!["vpc-old00001", "vpc-web00001"]
            ),
            (
                "100001/ap-shanghai",
                "alice",
                "ap-shanghai",
                vec!["vpc-sh000001"]
            ),
            (
                "100002/ap-guangzhou",
                "bob",
                "ap-guangzhou",
                vec!["vpc-gone0001", "vpc-db000002"]
            ),
        ]
    );
    // create_time, then id: db and web were made in the same second.
    let order: Vec<&str> = t.vpcs.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        order,
        [
            "vpc-old00001",
            "vpc-gone0001",
            "vpc-db000002",
            "vpc-web00001",
            "vpc-sh000001"
        ]
    );
    assert_eq!(vpc(&t, "vpc-sh000001").group, "100001/ap-shanghai");
    let accounts: Vec<&str> = t.accounts.iter().map(|a| a.uin.as_str()).collect();
    assert_eq!(accounts, ["100001", "100002", "100003"]);
    assert_eq!(t.clock, "2026-03-01 12:00:00");
    assert_eq!(t.now, NOW);
}

#[test]
fn a_vpc_without_a_region_is_in_the_default_one_and_short_names_are_read() {
    let mut scenario = sample();
    scenario.vpcs[0].region = None;
    scenario.vpcs[2].region = Some("sh".into());
    scenario.quotas[0].region = None;
    let t = Topology::build(&scenario, NOW);
    assert_eq!(vpc(&t, "vpc-web00001").region, "ap-guangzhou");
    assert_eq!(vpc(&t, "vpc-sh000001").region, "ap-shanghai");
    assert_eq!(
        quota(&t.groups[0].quota, QuotaName::MaxVpcs),
        (1, 5),
        "the override without a region is the default region's"
    );
}

#[test]
fn secrets_never_reach_the_json() {
    let text = serde_json::to_string(&sample_topology()).unwrap();
    for secret in ["AKID", "SECRET", "secret", "app_id"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let accounts = serde_json::to_value(sample_topology()).unwrap()["accounts"].clone();
    assert_eq!(
        accounts[0],
        json!({"uin": "100001", "name": "alice", "create_time": "2026-01-01 00:00:00"})
    );
}

#[test]
fn the_json_has_the_contracts_fields() {
    let value = serde_json::to_value(sample_topology()).unwrap();
    let keys = |v: &Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let sorted = |names: &[&str]| -> Vec<String> {
        let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(
        keys(&value),
        sorted(&[
            "clock", "now", "states", "accounts", "groups", "vpcs", "peerings"
        ])
    );
    assert_eq!(
        keys(&value["groups"][0]),
        sorted(&["id", "uin", "account_name", "region", "vpcs", "quota"])
    );
    assert_eq!(
        value["groups"][0]["quota"],
        json!({"appid-max-vpcs": {"used": 1, "limit": 5}})
    );
    assert_eq!(
        keys(&value["vpcs"][0]),
        sorted(&[
            "id",
            "legacy_id",
            "name",
            "uin",
            "region",
            "group",
            "cidr_block",
            "assistant_cidr_blocks",
            "create_time",
            "deleted",
            "tags",
            "subnets",
            "route_tables",
            "quota",
            "overlaps",
            "overlap_count"
        ])
    );
    assert_eq!(
        keys(&value["peerings"][0]),
        sorted(&[
            "id",
            "name",
            "state",
            "vpc",
            "peer_vpc",
            "uin",
            "peer_uin",
            "region",
            "peer_region",
            "cross_account",
            "cross_region",
            "create_time",
            "expire_time",
            "expires_in_secs",
            "bandwidth",
            "charge_type",
            "type",
            "qos_level",
            "tags",
            "routes"
        ])
    );
    let web = value["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "vpc-web00001")
        .unwrap();
    assert_eq!(web["tags"], json!([{"key": "team", "value": "web"}]));
    assert_eq!(web["legacy_id"], "gz_vpc_1");
    assert_eq!(
        (web["subnets"].as_u64(), web["route_tables"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        web["quota"],
        json!({"vpc-max-vpcpeers": {"used": 2, "limit": 10},
               "vpc-max-available-vpcpeers": {"used": 1, "limit": 10}})
    );
    assert_eq!(value["peerings"][1]["state"], "PENDING");
    assert_eq!(value["peerings"][1]["bandwidth"], Value::Null);
    assert_eq!(value["peerings"][1]["type"], "VPC_PEER");
}

#[test]
fn quota_use_counts_live_and_active_peerings_and_takes_overrides() {
    let t = sample_topology();
    let groups: Vec<(i64, i64)> = t
        .groups
        .iter()
        .map(|g| quota(&g.quota, QuotaName::MaxVpcs))
        .collect();
    // Deleted VPCs are listed but not counted; alice's limit is overridden
    // in Guangzhou only.
    assert_eq!(groups, [(1, 5), (1, 20), (1, 20)]);
    let peers = |id: &str| {
        let v = vpc(&t, id);
        (
            quota(&v.quota, QuotaName::MaxVpcPeers),
            quota(&v.quota, QuotaName::MaxAvailableVpcPeers),
        )
    };
    // web: ACTIVE to db, PENDING to sh.
    assert_eq!(peers("vpc-web00001"), ((2, 10), (1, 10)));
    // db: ACTIVE to web; its EXPIRED and DELETED ones do not count; bob's
    // live-peering limit is 3 in Guangzhou.
    assert_eq!(peers("vpc-db000002"), ((1, 3), (1, 10)));
    // sh: the PENDING from web; the expired and rejected ones do not count.
    assert_eq!(peers("vpc-sh000001"), ((1, 10), (0, 10)));
    assert_eq!(peers("vpc-old00001"), ((0, 10), (0, 10)));
}

#[test]
fn overlaps_see_assistant_blocks_and_skip_deleted_vpcs() {
    let t = sample_topology();
    let overlaps = |id: &str| {
        let v = vpc(&t, id);
        (v.overlaps.clone(), v.overlap_count)
    };
    // db's 10.1.0.0/24 lies in web's assistant block; deleted gone's
    // 10.0.0.0/16 is web's primary block, but gone is deleted.
    assert_eq!(overlaps("vpc-web00001"), (vec!["vpc-db000002".into()], 1));
    assert_eq!(overlaps("vpc-db000002"), (vec!["vpc-web00001".into()], 1));
    assert_eq!(overlaps("vpc-sh000001"), (vec![], 0));
    assert_eq!(overlaps("vpc-gone0001"), (vec![], 0));
}

#[test]
fn overlaps_list_at_most_twenty_and_count_all() {
    let mut scenario = sample();
    let template = scenario.vpcs[2].clone();
    for i in 0..25 {
        let mut v = template.clone();
        v.un_vpc_id = Some(format!("vpc-same{i:04}"));
        v.vpc_id = None;
        scenario.vpcs.push(v);
    }
    let t = Topology::build(&scenario, NOW);
    let sh = vpc(&t, "vpc-sh000001");
    assert_eq!(sh.overlap_count, 25);
    assert_eq!(sh.overlaps.len(), MAX_LISTED_OVERLAPS);
    assert_eq!(sh.overlaps[0], "vpc-same0000");
    assert_eq!(sh.overlaps[19], "vpc-same0019");
    let same = vpc(&t, "vpc-same0003");
    assert_eq!(same.overlap_count, 25);
    assert!(!same.overlaps.contains(&"vpc-same0003".to_owned()));
    assert_eq!(same.overlaps[3], "vpc-same0004");
}

#[test]
fn pending_requests_count_down_and_expire_on_the_clock() {
    let t = sample_topology();
    let pending = peering(&t, "pcx-pending1");
    assert_eq!(pending.state, PeeringState::Pending);
    assert_eq!(pending.expires_in_secs, Some(6 * 24 * 3600));
    assert_eq!(pending.expire_time.as_deref(), Some("2026-03-07 12:00:00"));
    // Stored PENDING, past its expiry on the clock: EXPIRED, no countdown.
    let expired = peering(&t, "pcx-expired1");
    assert_eq!(expired.state, PeeringState::Expired);
    assert_eq!(expired.expires_in_secs, None);
    assert_eq!(expired.expire_time.as_deref(), Some("2026-03-01 11:00:00"));
    for id in ["pcx-active01", "pcx-rejectd1", "pcx-deleted1"] {
        let p = peering(&t, id);
        assert_eq!(
            (p.expire_time.as_deref(), p.expires_in_secs),
            (None, None),
            "{id}"
        );
    }
    let states: Vec<&str> = t.peerings.iter().map(|p| p.state.as_str()).collect();
    assert_eq!(
        states,
        ["ACTIVE", "PENDING", "EXPIRED", "REJECTED", "DELETED"]
    );

    // Later on the clock the other request has expired too, and no longer
    // counts against the quotas.
    let later = Topology::build(&sample(), NOW + 7 * 24 * 3600);
    assert_eq!(peering(&later, "pcx-pending1").state, PeeringState::Expired);
    assert_eq!(peering(&later, "pcx-pending1").expires_in_secs, None);
    assert_eq!(
        quota(&vpc(&later, "vpc-sh000001").quota, QuotaName::MaxVpcPeers),
        (0, 10)
    );

    // Without an expire_time, a request expires seven days after it was made.
    let mut scenario = sample();
    scenario.peerings[1].expire_time = None;
    let t = Topology::build(&scenario, NOW);
    assert_eq!(
        peering(&t, "pcx-pending1").expires_in_secs,
        Some(7 * 24 * 3600 - 24 * 3600)
    );
}

#[test]
fn ends_owners_and_regions_come_from_the_vpcs() {
    let t = sample_topology();
    let flags = |id: &str| {
        let p = peering(&t, id);
        (
            p.uin.as_str(),
            p.peer_uin.as_str(),
            p.region.as_str(),
            p.peer_region.as_str(),
            p.cross_account,
            p.cross_region,
        )
    };
    assert_eq!(
        flags("pcx-active01"),
        (
            "100001",
            "100002",
            "ap-guangzhou",
            "ap-guangzhou",
            true,
            false
        )
    );
    assert_eq!(
        flags("pcx-pending1"),
        (
            "100001",
            "100001",
            "ap-guangzhou",
            "ap-shanghai",
            false,
            true
        )
    );
    assert_eq!(
        flags("pcx-expired1"),
        (
            "100002",
            "100001",
            "ap-guangzhou",
            "ap-shanghai",
            true,
            true
        )
    );
    let p = peering(&t, "pcx-active01");
    assert_eq!(
        (p.vpc.as_str(), p.peer_vpc.as_str()),
        ("vpc-web00001", "vpc-db000002")
    );
    assert_eq!(p.name, "web-db");
}

#[test]
fn routes_through_each_peering_are_counted_and_link_options_read() {
    let t = sample_topology();
    // One route each side, the disabled one too; the NAT route is not one.
    assert_eq!(peering(&t, "pcx-active01").routes, 2);
    assert_eq!(peering(&t, "pcx-pending1").routes, 0);
    let p = peering(&t, "pcx-active01");
    assert_eq!(p.bandwidth, Some(100));
    assert_eq!(p.charge_type, "POSTPAID_BY_MONTH_95");
    assert_eq!(p.link_type, "VPC_PEER");
    assert_eq!(p.qos_level, "AG");
    assert_eq!(p.tags.len(), 1);
    // 0 is no cap, as stored.
    let mut scenario = sample();
    scenario.peerings[0].bandwidth = Some(0);
    let t = Topology::build(&scenario, NOW);
    assert_eq!(peering(&t, "pcx-active01").bandwidth, None);
}

#[test]
fn an_empty_state_builds() {
    let t = Topology::build(&Scenario::default(), 0);
    assert_eq!(t.clock, "1970-01-01 00:00:00");
    assert!(t.groups.is_empty() && t.vpcs.is_empty() && t.peerings.is_empty());
    assert_eq!(t.states.len(), 5);
    assert!(dot::render(&t, RenderOptions::default()).starts_with("digraph"));
    assert_eq!(
        mermaid::render(&t, RenderOptions::default()),
        "flowchart LR\n"
    );
}

#[test]
fn a_hundred_thousand_vpcs_build_quickly() {
    let n = 100_000;
    let mut scenario = Scenario {
        accounts: (0..100)
            .map(|a| crate::scenario::AccountSpec {
                uin: format!("{}", 200_000 + a),
                name: format!("acct-{a}"),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    for i in 0..n {
        // A tenth on the one block everybody uses, the rest on their own.
        let cidr_block = if i % 10 == 0 {
            "10.0.0.0/16".to_owned()
        } else {
            let start = std::net::Ipv4Addr::from(0xAC10_0000 + 16 * i as u32);
            format!("{start}/28")
        };
        scenario.vpcs.push(crate::scenario::VpcSpec {
            uin: format!("{}", 200_000 + i % 100),
            region: Some(["ap-guangzhou", "ap-shanghai"][i % 2].into()),
            vpc_name: format!("v{i}"),
            cidr_block,
            un_vpc_id: Some(format!("vpc-{i:08}")),
            create_time: Some("2026-01-01 00:00:00".into()),
            ..Default::default()
        });
    }
    for i in 0..n / 2 {
        scenario.peerings.push(crate::scenario::PeeringSpec {
            peering_connection_id: Some(format!("pcx-{i:08}")),
            peering_connection_name: format!("p{i}"),
            vpc: format!("vpc-{:08}", 2 * i),
            peer_vpc: format!("vpc-{:08}", 2 * i + 1),
            state: StateSpec::Active,
            ..Default::default()
        });
    }
    let started = std::time::Instant::now();
    let t = Topology::build(&scenario, NOW);
    let built = started.elapsed();
    let dot = dot::render(&t, RenderOptions::default());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "built in {built:?}, drawn in {:?}",
        started.elapsed() - built
    );
    assert_eq!(t.vpcs.len(), n);
    // Account k's VPCs are all k + 100 j, so all in one region.
    assert_eq!(t.groups.len(), 100);
    assert_eq!(vpc(&t, "vpc-00000001").overlap_count, 0);
    assert_eq!(vpc(&t, "vpc-00000000").overlap_count, n / 10 - 1);
    assert_eq!(vpc(&t, "vpc-00000000").overlaps.len(), MAX_LISTED_OVERLAPS);
    assert_eq!(dot.matches(" -> ").count(), n / 2);
}
