use super::*;
use crate::domain::{ids::VpcRef, rules::StateView};

const GZ: &str = "ap-guangzhou";
const SH: &str = "ap-shanghai";

fn account(uin: &str, app_id: i64) -> Account {
    Account {
        uin: uin.into(),
        name: format!("account {uin}"),
        app_id,
        secret_id: format!("AKID{uin}"),
        secret_key: "key".into(),
        create_time: 0,
    }
}

fn block(text: &str) -> CidrBlock {
    CidrBlock::parse(text, "cidr_block").expect("a block")
}

/// Adds VPC `n` (`gz_vpc_<n>`, `vpc-0000000<n>`) of `uin` in `region`.
fn vpc(model: &mut Model, n: i64, uin: &str, region: &str, cidr: &str) -> VpcIx {
    model.insert_vpc(NewVpc {
        row: n,
        vpc_id: &format!("gz_vpc_{n}"),
        un_vpc_id: &format!("vpc-{n:08}"),
        uin,
        region,
        name: &format!("v{n}"),
        blocks: vec![block(cidr)],
        create_time: n,
        deleted: false,
    })
}

fn peering(
    model: &mut Model,
    n: i64,
    (vpc, peer): (VpcIx, VpcIx),
    state: PeeringState,
    create_time: Timestamp,
    expire_time: Option<Timestamp>,
) -> PeeringIx {
    model.insert_peering(NewPeeringRow {
        row: n,
        id: &format!("pcx-{n:08}"),
        name: &format!("p{}", 10 - n),
        vpc,
        peer,
        state,
        create_time,
        expire_time,
        link: StoredLink::new(&LinkOptions::default()),
        tags: Vec::new(),
    })
}

/// Alice (two VPCs in gz, one in sh) and bob (one in gz), with four
/// peerings: 1 alice-alice ACTIVE, 2 alice-bob PENDING until 100,
/// 3 alice(sh)-bob DELETED, 4 alice-bob REJECTED.
fn small() -> (Model, [VpcIx; 4]) {
    let mut model = Model::default();
    model.insert_account(account("1", 11));
    model.insert_account(account("2", 22));
    let a1 = vpc(&mut model, 1, "1", GZ, "10.0.0.0/16");
    let a2 = vpc(&mut model, 2, "1", GZ, "10.1.0.0/16");
    let a3 = vpc(&mut model, 3, "1", SH, "10.2.0.0/16");
    let b1 = vpc(&mut model, 4, "2", GZ, "10.3.0.0/16");
    peering(&mut model, 1, (a1, a2), PeeringState::Active, 10, None);
    peering(
        &mut model,
        2,
        (a1, b1),
        PeeringState::Pending,
        20,
        Some(100),
    );
    peering(&mut model, 3, (a3, b1), PeeringState::Deleted, 30, None);
    peering(&mut model, 4, (a2, b1), PeeringState::Rejected, 40, None);
    (model, [a1, a2, a3, b1])
}

fn ids(page: &[Peering]) -> Vec<&str> {
    page.iter()
        .map(|p| p.peering_connection_id.as_str())
        .collect()
}

fn filter() -> PeeringFilter {
    PeeringFilter {
        limit: 20,
        ..Default::default()
    }
}

#[test]
fn vpcs_are_found_by_either_id_only_in_their_region_and_until_deleted() {
    let (mut model, [a1, _, a3, _]) = small();
    assert_eq!(model.vpc_by_id("gz_vpc_1"), Some(a1));
    assert_eq!(model.vpc_by_id("vpc-00000001"), Some(a1));
    assert_eq!(model.vpc_by_id("vpc-00000099"), None);
    assert_eq!(model.find_vpc("gz_vpc_3", SH), Some(a3));
    assert_eq!(model.find_vpc("gz_vpc_3", GZ), None);
    model.set_vpc_deleted(a3);
    assert_eq!(model.find_vpc("gz_vpc_3", SH), None);
    assert_eq!(model.vpc_by_id("gz_vpc_3"), Some(a3), "ids stay taken");
    assert_eq!(model.vpc_count("1", GZ), 2);
    assert_eq!(model.vpc_count("1", SH), 0);
    let record = model.vpc_record(a1);
    assert_eq!(
        (record.uin.as_str(), record.cidr_block.as_str()),
        ("1", "10.0.0.0/16")
    );
}

#[test]
fn the_rules_see_live_peerings_at_the_views_clock() {
    let (model, [a1, a2, _, b1]) = small();
    let live = |now| {
        let view = model.view(now);
        let mut others: Vec<_> = view.live_links(a1).iter().map(|l| l.other).collect();
        others.sort_unstable();
        others
    };
    assert_eq!(live(50), vec![a2, b1]);
    // Request 2 expires at 100.
    assert_eq!(live(100), vec![a2]);
    // Rejected and deleted peerings are never live.
    assert_eq!(model.view(0).live_links(b1).len(), 1);
}

#[test]
fn changes_keep_the_links_in_step() {
    let (mut model, [a1, a2, _, b1]) = small();
    let two = model.peering_by_id("pcx-00000002").expect("peering 2");
    let link = model.peering(two).link;
    model.update_peering(two, PeeringState::Deleted, None, "gone", link);
    assert_eq!(model.view(0).live_links(b1).len(), 0);
    assert_eq!(model.text(model.peering(two).name), "gone");
    model.update_peering(two, PeeringState::Pending, Some(500), "back", link);
    assert_eq!(model.view(0).live_links(b1).len(), 1);
    // Expiring mirrors the rows: stored EXPIRED, and no longer linked.
    model.expire_overdue(500);
    assert_eq!(model.peering(two).state, PeeringState::Expired);
    assert_eq!(model.view(0).live_links(b1).len(), 0);
    assert_eq!(model.view(0).live_links(a1).len(), 1);
    assert_eq!(model.view(0).live_links(a2).len(), 1);
}

#[test]
fn describe_shows_a_callers_peerings_of_either_end_and_region() {
    let (model, _) = small();
    let (total, page) = model.describe_peerings("2", GZ, &filter(), 50);
    assert_eq!(total, 3);
    // Newest first by default; bob sees the Shanghai one in Guangzhou
    // through his own end.
    assert_eq!(ids(&page), ["pcx-00000004", "pcx-00000003", "pcx-00000002"]);
    let (total, page) = model.describe_peerings("1", SH, &filter(), 50);
    assert_eq!((total, ids(&page)), (1, vec!["pcx-00000003"]));
    assert_eq!(model.describe_peerings("3", GZ, &filter(), 50).0, 0);
    assert_eq!(
        model.describe_peerings("1", "ap-nowhere", &filter(), 50).0,
        0
    );
    let shown = &model.describe_peerings("2", GZ, &filter(), 50).1[2];
    assert_eq!((shown.app_id, shown.peer_app_id), (11, 22));
    assert_eq!(shown.state, PeeringState::Pending);
    let later = &model.describe_peerings("2", GZ, &filter(), 150).1[2];
    assert_eq!(later.state, PeeringState::Expired);
}

#[test]
fn describe_filters_orders_and_pages() {
    let (model, _) = small();
    let by = |f: PeeringFilter| {
        let (total, page) = model.describe_peerings("1", GZ, &f, 150);
        (total, ids(&page).join(" "))
    };
    let vpc = |id: &str| Some(vec![VpcRef::parse(id, "vpc_id").expect("an id")]);
    assert_eq!(
        by(PeeringFilter {
            vpcs: vpc("vpc-00000002"),
            ..filter()
        }),
        (2, "pcx-00000004 pcx-00000001".into())
    );
    assert_eq!(
        by(PeeringFilter {
            vpcs: vpc("gz_vpc_99"),
            ..filter()
        })
        .0,
        0
    );
    assert_eq!(
        by(PeeringFilter {
            states: Some(vec![PeeringState::Expired]),
            ..filter()
        }),
        (1, "pcx-00000002".into())
    );
    assert_eq!(
        by(PeeringFilter {
            names: Some(vec!["p9".into()]),
            ..filter()
        }),
        (1, "pcx-00000001".into())
    );
    // Any value of a set matches; an empty set matches nothing.
    assert_eq!(
        by(PeeringFilter {
            names: Some(vec!["p9".into(), "p6".into(), "nope".into()]),
            ..filter()
        }),
        (2, "pcx-00000004 pcx-00000001".into())
    );
    assert_eq!(
        by(PeeringFilter {
            ids: Some(Vec::new()),
            ..filter()
        })
        .0,
        0
    );
    // Names are p9, p8, p7, p6 for rows 1..4.
    assert_eq!(
        by(PeeringFilter {
            order: PeeringOrder::Name,
            ascending: true,
            offset: 1,
            limit: 2,
            ..filter()
        }),
        (4, "pcx-00000003 pcx-00000002".into())
    );
    // A page past the end still counts every match.
    assert_eq!(
        by(PeeringFilter {
            offset: 10,
            ..filter()
        }),
        (4, String::new())
    );
}

#[test]
fn vpcs_and_quotas_read_from_the_model() {
    let (mut model, [_, a2, _, _]) = small();
    model.set_vpc_deleted(a2);
    let (total, page) = model.describe_vpcs(
        "1",
        GZ,
        &VpcFilter {
            limit: 10,
            ..Default::default()
        },
    );
    assert_eq!((total, page[0].vpc_id.as_str()), (1, "gz_vpc_1"));
    model.set_limit("1", GZ, QuotaName::MaxVpcs, 7);
    let quotas = model.quotas("1", GZ, 50);
    let find = |name: QuotaName| {
        quotas
            .iter()
            .find(|q| q.quota_name == name.as_str())
            .map(|q| (q.limit, q.used))
    };
    assert_eq!(find(QuotaName::MaxVpcs), Some((7, 1)));
    // gz_vpc_1 has peerings 1 (ACTIVE) and 2 (PENDING at 50).
    assert_eq!(find(QuotaName::MaxVpcPeers), Some((10, 2)));
    assert_eq!(find(QuotaName::MaxAvailableVpcPeers), Some((10, 1)));
    assert_eq!(model.limit("1", SH, QuotaName::MaxVpcs), 20);
}

#[test]
fn accounts_are_found_by_uin_and_secret_id() {
    let (model, _) = small();
    assert_eq!(model.account("2").map(|a| a.app_id), Some(22));
    assert_eq!(
        model.account_by_secret("AKID1").map(|a| a.uin.as_str()),
        Some("1")
    );
    assert!(model.account_by_secret("AKID3").is_none());
    assert!(model.app_id_in_use(11) && !model.app_id_in_use(33));
    assert_eq!(model.max_app_id(), Some(22));
}

#[test]
fn link_options_keep_what_the_rules_allow() {
    let link = LinkOptions {
        bandwidth: 100,
        charge_type: "POSTPAID_BY_MONTH_95".into(),
        link_type: "VPC_BM_PEER".into(),
        qos_level: "PT".into(),
        tags: vec![Tag {
            key: "team".into(),
            value: "qa".into(),
        }],
    };
    assert_eq!(StoredLink::new(&link).options(&link.tags), link);
    assert_eq!(
        StoredLink::new(&LinkOptions::default()).options(&[]),
        LinkOptions::default()
    );
}

#[test]
fn vpcs_are_found_by_row_in_and_out_of_order() {
    let mut model = Model::default();
    let ten = vpc(&mut model, 10, "1", GZ, "10.0.0.0/16");
    let twenty = vpc(&mut model, 20, "1", GZ, "10.1.0.0/16");
    assert_eq!(model.vpc_at_row(10), Some(ten));
    assert_eq!(model.vpc_at_row(20), Some(twenty));
    assert_eq!(model.vpc_at_row(15), None);
    // A row below the last one, which SQLite never hands out but a
    // hand-edited database may hold.
    let five = vpc(&mut model, 5, "1", GZ, "10.2.0.0/16");
    let thirty = vpc(&mut model, 30, "1", GZ, "10.3.0.0/16");
    for (row, ix) in [(5, five), (10, ten), (20, twenty), (30, thirty)] {
        assert_eq!(model.vpc_at_row(row), Some(ix), "row {row}");
    }
}
