//! `vpcsim check` over subnets, route tables and routes, and the tags of
//! VPCs: read with its own SQL and checked with its own code, like the rest
//! of `check` (only the parsers of single values, the zone list and the
//! quota defaults are shared with the rules code).

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::{CLOCK_SLACK, CheckedVpc, Findings, Limits, PeeringRow};
use crate::domain::{
    cidr::CidrBlock,
    link::{Tag, check_tags},
    peering::PeeringState,
    quota::QuotaName,
    region::Region,
    route::{GatewayType, check_route_description},
    subnet::{MAX_SUBNET_PREFIX, MIN_SUBNET_PREFIX, zones},
    time::Timestamp,
};

#[derive(Debug, sqlx::FromRow)]
struct TableRow {
    id: i64,
    route_table_id: String,
    vpc: i64,
    main: i64,
    tags: String,
    create_time: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct SubnetRow {
    subnet_id: String,
    vpc: i64,
    cidr_block: String,
    zone: String,
    route_table: i64,
    tags: String,
    create_time: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct RouteRow {
    route_item_id: String,
    route_table: i64,
    destination: String,
    gateway_type: String,
    gateway_id: String,
    description: String,
    enabled: i64,
    create_time: i64,
}

/// The rows of the network tables, each read whole by one query.
pub(super) struct NetworkRows {
    vpc_tags: Vec<(i64, String)>,
    tables: Vec<TableRow>,
    subnets: Vec<SubnetRow>,
    routes: Vec<RouteRow>,
}

impl NetworkRows {
    pub(super) async fn read(conn: &mut SqliteConnection) -> Result<NetworkRows, sqlx::Error> {
        Ok(NetworkRows {
            vpc_tags: sqlx::query_as("SELECT id, tags FROM vpcs ORDER BY id")
                .fetch_all(&mut *conn)
                .await?,
            tables: sqlx::query_as(
                "SELECT id, route_table_id, vpc, main, tags, create_time FROM route_tables ORDER BY id",
            )
            .fetch_all(&mut *conn)
            .await?,
            subnets: sqlx::query_as(
                "SELECT subnet_id, vpc, cidr_block, zone, route_table, tags, create_time
                 FROM subnets ORDER BY id",
            )
            .fetch_all(&mut *conn)
            .await?,
            routes: sqlx::query_as(
                "SELECT route_item_id, route_table, destination, gateway_type, gateway_id,
                        description, enabled, create_time
                 FROM routes ORDER BY id",
            )
            .fetch_all(&mut *conn)
            .await?,
        })
    }
}

/// What is wrong with stored tags, if anything: not a JSON list of
/// `{key, value}`, or a list the API would refuse.
fn tag_problem(text: &str) -> Option<String> {
    match serde_json::from_str::<Vec<Tag>>(text) {
        Ok(tags) => check_tags(&tags, "tags").err().map(|e| e.message),
        Err(_) => Some(format!(
            "tags {text:?} are not a JSON list of {{key, value}}"
        )),
    }
}

/// Whether `text` is an IPv4 network written the one way the API writes it.
fn canonical_network(text: &str) -> Option<CidrBlock> {
    CidrBlock::parse_stored(text).filter(|b| b.to_string() == text)
}

/// Every check over the network tables.
pub(super) fn check_network(
    rows: &NetworkRows,
    vpcs: &HashMap<i64, CheckedVpc<'_>>,
    peerings: &[PeeringRow],
    limits: &Limits,
    now: Timestamp,
    found: &mut Findings,
) {
    for (vpc, tags) in &rows.vpc_tags {
        if let (Some(problem), Some(v)) = (tag_problem(tags), vpcs.get(vpc)) {
            found.report("tags", format!("vpc {}: {problem}", v.row.vpc.un_vpc_id));
        }
    }
    let tables = check_tables(&rows.tables, vpcs, limits, now, found);
    check_subnets(&rows.subnets, &tables, vpcs, limits, now, found);
    check_routes(&rows.routes, &tables, vpcs, peerings, limits, now, found);
}

/// A route table whose VPC exists, as subnets and routes meet it.
struct Table<'r, 'v> {
    row: &'r TableRow,
    vpc: &'v CheckedVpc<'v>,
}

/// Each table on its own (its VPC, tags, time), then per VPC: one default
/// table for a live VPC, none for a deleted one, and the quota. Returns the
/// tables whose VPC exists, by row.
fn check_tables<'r, 'v>(
    tables: &'r [TableRow],
    vpcs: &'v HashMap<i64, CheckedVpc<'v>>,
    limits: &Limits,
    now: Timestamp,
    found: &mut Findings,
) -> HashMap<i64, Table<'r, 'v>> {
    let mut by_row = HashMap::new();
    // Per VPC row: its tables, and how many are its default one.
    let mut per_vpc: HashMap<i64, (i64, i64)> = HashMap::new();
    for t in tables {
        let id = &t.route_table_id;
        let Some(vpc) = vpcs.get(&t.vpc) else {
            found.report("reference", format!("route table {id} names a missing vpc"));
            continue;
        };
        if vpc.row.deleted {
            found.report(
                "reference",
                format!(
                    "route table {id} belongs to deleted vpc {}",
                    vpc.row.vpc.un_vpc_id
                ),
            );
        }
        if !matches!(t.main, 0 | 1) {
            found.report(
                "route-table",
                format!("route table {id} has main {}, neither 0 nor 1", t.main),
            );
        }
        if let Some(problem) = tag_problem(&t.tags) {
            found.report("tags", format!("route table {id}: {problem}"));
        }
        if t.create_time > now + CLOCK_SLACK {
            found.report(
                "clock",
                format!("route table {id} was created after the clock's now"),
            );
        }
        let counts = per_vpc.entry(t.vpc).or_default();
        counts.0 += 1;
        counts.1 += i64::from(t.main == 1);
        by_row.insert(t.id, Table { row: t, vpc });
    }
    let mut rows: Vec<&i64> = vpcs.keys().collect();
    rows.sort_unstable();
    for row in rows {
        let vpc = &vpcs[row];
        if vpc.row.deleted {
            continue;
        }
        let id = &vpc.row.vpc.un_vpc_id;
        let (count, main) = per_vpc.get(row).copied().unwrap_or_default();
        if main != 1 {
            found.report(
                "route-table",
                format!("vpc {id} has {main} default route tables; a live vpc has exactly one"),
            );
        }
        let max = limits.of(
            &vpc.row.vpc.uin,
            &vpc.row.vpc.region,
            QuotaName::MaxRouteTables,
        );
        if count > max {
            found.report(
                "quota",
                format!("vpc {id} has {count} route tables, quota {max}"),
            );
        }
    }
    by_row
}

/// Each subnet: its VPC (live) and table (of the same VPC), its block (a
/// network of /16 to /28 inside one of the VPC's blocks), its zone (of the
/// VPC's region), tags and time; then per VPC: no two subnets overlap, and
/// the quota.
fn check_subnets(
    subnets: &[SubnetRow],
    tables: &HashMap<i64, Table<'_, '_>>,
    vpcs: &HashMap<i64, CheckedVpc<'_>>,
    limits: &Limits,
    now: Timestamp,
    found: &mut Findings,
) {
    // Per VPC row: its subnets' ids and blocks, in row order.
    let mut per_vpc: HashMap<i64, Vec<(&str, CidrBlock)>> = HashMap::new();
    for s in subnets {
        let id = s.subnet_id.as_str();
        let Some(vpc) = vpcs.get(&s.vpc) else {
            found.report("reference", format!("subnet {id} names a missing vpc"));
            continue;
        };
        let vpc_id = &vpc.row.vpc.un_vpc_id;
        if vpc.row.deleted {
            found.report(
                "reference",
                format!("subnet {id} belongs to deleted vpc {vpc_id}"),
            );
        }
        match tables.get(&s.route_table) {
            None => found.report(
                "reference",
                format!("subnet {id} is associated with a missing route table"),
            ),
            Some(table) if table.row.vpc != s.vpc => found.report(
                "reference",
                format!(
                    "subnet {id} of vpc {vpc_id} is associated with route table {} of vpc {}",
                    table.row.route_table_id, table.vpc.row.vpc.un_vpc_id
                ),
            ),
            Some(_) => {}
        }
        match canonical_network(&s.cidr_block) {
            None => found.report(
                "subnet",
                format!(
                    "subnet {id} has block {:?}, not an IPv4 network as the API writes one",
                    s.cidr_block
                ),
            ),
            Some(block) => {
                let prefix = block.net().prefix_len();
                if !(MIN_SUBNET_PREFIX..=MAX_SUBNET_PREFIX).contains(&prefix) {
                    found.report(
                        "subnet",
                        format!(
                            "subnet {id} is a /{prefix}; a subnet is /{MIN_SUBNET_PREFIX} to /{MAX_SUBNET_PREFIX}"
                        ),
                    );
                }
                if !vpc.blocks.iter().any(|b| b.net().contains(&block.net())) {
                    found.report(
                        "subnet",
                        format!("subnet {id} {block} is not inside a block of vpc {vpc_id}"),
                    );
                }
                per_vpc.entry(s.vpc).or_default().push((id, block));
            }
        }
        match Region::parse(&vpc.row.vpc.region) {
            Ok(region) if zones(region).contains(&s.zone.as_str()) => {}
            _ => found.report(
                "subnet",
                format!(
                    "subnet {id} is in zone {:?}, not a zone of its vpc's region {}",
                    s.zone, vpc.row.vpc.region
                ),
            ),
        }
        if let Some(problem) = tag_problem(&s.tags) {
            found.report("tags", format!("subnet {id}: {problem}"));
        }
        if s.create_time > now + CLOCK_SLACK {
            found.report(
                "clock",
                format!("subnet {id} was created after the clock's now"),
            );
        }
    }
    let mut rows: Vec<_> = per_vpc.keys().copied().collect();
    rows.sort_unstable();
    for row in rows {
        let (of, vpc) = (&per_vpc[&row], &vpcs[&row]);
        let vpc_id = &vpc.row.vpc.un_vpc_id;
        for (i, (a, x)) in of.iter().enumerate() {
            for (b, y) in &of[i + 1..] {
                if x.overlaps(y) {
                    found.report(
                        "subnet-overlap",
                        format!("subnets {a} ({x}) and {b} ({y}) of vpc {vpc_id} overlap"),
                    );
                }
            }
        }
        let count = of.len() as i64;
        let max = limits.of(&vpc.row.vpc.uin, &vpc.row.vpc.region, QuotaName::MaxSubnets);
        if count > max {
            found.report(
                "quota",
                format!("vpc {vpc_id} has {count} subnets, quota {max}"),
            );
        }
    }
}

/// A route that names its next hop, as the checks across a table meet it.
struct TableRoute<'r> {
    id: &'r str,
    destination: CidrBlock,
    via_peering: bool,
}

/// Each route: its table, destination (a network outside the table's VPC),
/// gateway, description and time; a route through a peering goes through
/// an ACTIVE one that joins the table's VPC, into the peer; then per
/// table: no enabled route shares its destination with another where
/// either goes through a peering, and the quota.
fn check_routes(
    routes: &[RouteRow],
    tables: &HashMap<i64, Table<'_, '_>>,
    vpcs: &HashMap<i64, CheckedVpc<'_>>,
    peerings: &[PeeringRow],
    limits: &Limits,
    now: Timestamp,
    found: &mut Findings,
) {
    let by_id: HashMap<&str, &PeeringRow> = peerings
        .iter()
        .map(|p| (p.peering_connection_id.as_str(), p))
        .collect();
    // Per table row: how many routes, and the enabled ones.
    let mut per_table: HashMap<i64, (i64, Vec<TableRoute<'_>>)> = HashMap::new();
    for r in routes {
        let id = r.route_item_id.as_str();
        let Some(table) = tables.get(&r.route_table) else {
            found.report(
                "reference",
                format!("route {id} names a missing route table"),
            );
            continue;
        };
        let vpc = table.vpc;
        let vpc_id = &vpc.row.vpc.un_vpc_id;
        let of = per_table.entry(r.route_table).or_default();
        of.0 += 1;
        if let Err(err) = check_route_description(&r.description, "description") {
            found.report("route", format!("route {id}: {}", err.message));
        }
        if r.create_time > now + CLOCK_SLACK {
            found.report(
                "clock",
                format!("route {id} was created after the clock's now"),
            );
        }
        let Ok(gateway_type) = GatewayType::parse(&r.gateway_type, "gateway_type") else {
            found.report(
                "route",
                format!("route {id} has unknown gateway type {:?}", r.gateway_type),
            );
            continue;
        };
        if let Err(err) = gateway_type.check_id(&r.gateway_id, "gateway_id") {
            found.report("route", format!("route {id}: {}", err.message));
        }
        let Some(destination) = canonical_network(&r.destination) else {
            found.report(
                "route",
                format!(
                    "route {id} has destination {:?}, not an IPv4 network as the API writes one",
                    r.destination
                ),
            );
            continue;
        };
        if let Some(own) = vpc
            .blocks
            .iter()
            .find(|b| b.net().contains(&destination.net()))
        {
            found.report(
                "route",
                format!("route {id} goes to {destination}, inside {own} of its own vpc {vpc_id}"),
            );
        }
        let via_peering = gateway_type == GatewayType::PeerConnection;
        if via_peering {
            check_peering_route(r, destination, table, &by_id, vpcs, now, found);
        }
        if r.enabled != 0 {
            of.1.push(TableRoute {
                id,
                destination,
                via_peering,
            });
        }
    }
    let mut rows: Vec<_> = per_table.keys().copied().collect();
    rows.sort_unstable();
    for row in rows {
        let ((count, enabled), table) = (&per_table[&row], &tables[&row]);
        let table_id = &table.row.route_table_id;
        for (i, a) in enabled.iter().enumerate() {
            for b in &enabled[i + 1..] {
                if a.destination == b.destination && (a.via_peering || b.via_peering) {
                    found.report(
                        "route",
                        format!(
                            "routes {} and {} of route table {table_id} both go to {} and one goes through a peering: no ECMP through a peering",
                            a.id, b.id, a.destination
                        ),
                    );
                }
            }
        }
        let vpc = &table.vpc.row.vpc;
        let max = limits.of(&vpc.uin, &vpc.region, QuotaName::MaxRoutes);
        if *count > max {
            found.report(
                "quota",
                format!("route table {table_id} has {count} routes, quota {max}"),
            );
        }
    }
}

/// A route through a peering: the peering exists, is ACTIVE now, joins the
/// table's VPC, and the destination lies inside the VPC at its other end.
fn check_peering_route(
    r: &RouteRow,
    destination: CidrBlock,
    table: &Table<'_, '_>,
    peerings: &HashMap<&str, &PeeringRow>,
    vpcs: &HashMap<i64, CheckedVpc<'_>>,
    now: Timestamp,
    found: &mut Findings,
) {
    let (id, via) = (&r.route_item_id, &r.gateway_id);
    let Some(p) = peerings.get(via.as_str()) else {
        found.report(
            "reference",
            format!("route {id} goes through missing peering {via}"),
        );
        return;
    };
    let state = PeeringState::from_i64(p.state).map(|s| s.effective(p.expire_time, now));
    if state != Some(PeeringState::Active) {
        let shown = state.map_or_else(|| format!("state {}", p.state), |s| s.as_str().to_owned());
        found.report(
            "route",
            format!("route {id} goes through peering {via}, which is {shown}, not ACTIVE"),
        );
    }
    let table_vpc = table.row.vpc;
    let other = if p.vpc == table_vpc {
        p.peer_vpc
    } else if p.peer_vpc == table_vpc {
        p.vpc
    } else {
        found.report(
            "route",
            format!(
                "route {id} of route table {} goes through peering {via}, which does not join vpc {}",
                table.row.route_table_id, table.vpc.row.vpc.un_vpc_id
            ),
        );
        return;
    };
    if let Some(peer) = vpcs.get(&other)
        && !peer
            .blocks
            .iter()
            .any(|b| b.net().contains(&destination.net()))
    {
        found.report(
            "route",
            format!(
                "route {id} goes to {destination} through peering {via}, outside the peer vpc {}",
                peer.row.vpc.un_vpc_id
            ),
        );
    }
}
