//! The model's subnets, route tables and routes, and the tags of VPCs.
//!
//! Far fewer and far less read than VPCs and peerings, so they are plain
//! records (owned strings) in row order, with an index by id and lists per
//! VPC and per table, rather than packed into the arenas.

use std::collections::BTreeMap;

use hashbrown::HashMap;

use super::{Model, VpcIx};
use crate::{
    domain::{
        cidr::CidrBlock,
        link::Tag,
        route::{ExistingRoute, GatewayType, PeeringHop, RouteInTable},
        subnet::address_counts,
        time::Timestamp,
    },
    store::records::{Route, RouteTable, Subnet},
};

#[derive(Debug, Clone)]
pub(in crate::store) struct SubnetEntry {
    pub row: i64,
    pub id: String,
    pub vpc: VpcIx,
    pub name: String,
    pub block: CidrBlock,
    pub zone: String,
    /// The row of the route table it is associated with.
    pub table: i64,
    pub create_time: Timestamp,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub(in crate::store) struct TableEntry {
    pub row: i64,
    pub id: String,
    pub vpc: VpcIx,
    pub name: String,
    pub main: bool,
    pub create_time: Timestamp,
    pub tags: Vec<Tag>,
    /// Its routes' rows, oldest first.
    pub routes: Vec<i64>,
}

#[derive(Debug, Clone)]
pub(in crate::store) struct RouteEntry {
    /// Also its `RouteId`.
    pub row: i64,
    pub item_id: String,
    pub table: i64,
    pub destination: CidrBlock,
    pub gateway_type: GatewayType,
    pub gateway_id: String,
    pub description: String,
    pub enabled: bool,
    pub create_time: Timestamp,
}

/// Subnets, route tables and routes, and VPC tags.
#[derive(Debug, Default, Clone)]
pub(in crate::store) struct Network {
    subnets: BTreeMap<i64, SubnetEntry>,
    subnet_ids: HashMap<String, i64>,
    tables: BTreeMap<i64, TableEntry>,
    table_ids: HashMap<String, i64>,
    routes: BTreeMap<i64, RouteEntry>,
    route_items: HashMap<String, i64>,
    /// Each VPC's subnets and tables, by row.
    subnets_of: HashMap<VpcIx, Vec<i64>>,
    tables_of: HashMap<VpcIx, Vec<i64>>,
    /// The tags of the VPCs that have any.
    vpc_tags: HashMap<VpcIx, Vec<Tag>>,
    /// The row the next route gets: route ids are never reused.
    next_route_row: i64,
}

impl Network {
    // ---- subnets ----

    pub fn insert_subnet(&mut self, subnet: SubnetEntry) {
        self.subnet_ids.insert(subnet.id.clone(), subnet.row);
        let of = self.subnets_of.entry(subnet.vpc).or_default();
        of.push(subnet.row);
        of.sort_unstable();
        self.subnets.insert(subnet.row, subnet);
    }

    pub fn remove_subnet(&mut self, row: i64) -> Option<SubnetEntry> {
        let subnet = self.subnets.remove(&row)?;
        self.subnet_ids.remove(&subnet.id);
        if let Some(of) = self.subnets_of.get_mut(&subnet.vpc) {
            of.retain(|&r| r != row);
        }
        Some(subnet)
    }

    pub fn subnet(&self, row: i64) -> Option<&SubnetEntry> {
        self.subnets.get(&row)
    }

    pub fn subnet_mut(&mut self, row: i64) -> Option<&mut SubnetEntry> {
        self.subnets.get_mut(&row)
    }

    pub fn subnet_by_id(&self, id: &str) -> Option<&SubnetEntry> {
        self.subnets.get(self.subnet_ids.get(id)?)
    }

    /// A VPC's subnets, oldest first.
    pub fn subnets_of(&self, vpc: VpcIx) -> impl Iterator<Item = &SubnetEntry> {
        self.subnets_of
            .get(&vpc)
            .into_iter()
            .flatten()
            .filter_map(|row| self.subnets.get(row))
    }

    pub fn subnets(&self) -> impl Iterator<Item = &SubnetEntry> {
        self.subnets.values()
    }

    // ---- route tables ----

    pub fn insert_table(&mut self, table: TableEntry) {
        self.table_ids.insert(table.id.clone(), table.row);
        let of = self.tables_of.entry(table.vpc).or_default();
        of.push(table.row);
        of.sort_unstable();
        self.tables.insert(table.row, table);
    }

    /// Removes a table and its routes.
    pub fn remove_table(&mut self, row: i64) -> Option<TableEntry> {
        let table = self.tables.remove(&row)?;
        self.table_ids.remove(&table.id);
        if let Some(of) = self.tables_of.get_mut(&table.vpc) {
            of.retain(|&r| r != row);
        }
        for route in &table.routes {
            if let Some(route) = self.routes.remove(route) {
                self.route_items.remove(&route.item_id);
            }
        }
        Some(table)
    }

    pub fn table(&self, row: i64) -> Option<&TableEntry> {
        self.tables.get(&row)
    }

    pub fn table_mut(&mut self, row: i64) -> Option<&mut TableEntry> {
        self.tables.get_mut(&row)
    }

    pub fn table_by_id(&self, id: &str) -> Option<&TableEntry> {
        self.tables.get(self.table_ids.get(id)?)
    }

    /// A VPC's route tables, oldest (its default one) first.
    pub fn tables_of(&self, vpc: VpcIx) -> impl Iterator<Item = &TableEntry> {
        self.tables_of
            .get(&vpc)
            .into_iter()
            .flatten()
            .filter_map(|row| self.tables.get(row))
    }

    /// A VPC's default route table.
    pub fn main_table(&self, vpc: VpcIx) -> Option<&TableEntry> {
        self.tables_of(vpc).find(|t| t.main)
    }

    pub fn tables(&self) -> impl Iterator<Item = &TableEntry> {
        self.tables.values()
    }

    pub fn last_table_row(&self) -> i64 {
        self.tables.keys().next_back().copied().unwrap_or(0)
    }

    /// The subnets associated with a table.
    pub fn subnets_in_table(&self, table: &TableEntry) -> impl Iterator<Item = &SubnetEntry> {
        let row = table.row;
        self.subnets_of(table.vpc).filter(move |s| s.table == row)
    }

    // ---- routes ----

    pub fn next_route_row(&self) -> i64 {
        self.next_route_row.max(1)
    }

    /// Keeps route ids from being reused: SQLite's counter for the table
    /// may be past every row left.
    pub fn raise_next_route_row(&mut self, next: i64) {
        self.next_route_row = self.next_route_row.max(next);
    }

    pub fn insert_route(&mut self, route: RouteEntry) {
        self.next_route_row = self.next_route_row.max(route.row + 1);
        self.route_items.insert(route.item_id.clone(), route.row);
        if let Some(table) = self.tables.get_mut(&route.table) {
            table.routes.push(route.row);
        }
        self.routes.insert(route.row, route);
    }

    pub fn remove_route(&mut self, row: i64) -> Option<RouteEntry> {
        let route = self.routes.remove(&row)?;
        self.route_items.remove(&route.item_id);
        if let Some(table) = self.tables.get_mut(&route.table) {
            table.routes.retain(|&r| r != row);
        }
        Some(route)
    }

    pub fn route(&self, row: i64) -> Option<&RouteEntry> {
        self.routes.get(&row)
    }

    pub fn route_mut(&mut self, row: i64) -> Option<&mut RouteEntry> {
        self.routes.get_mut(&row)
    }

    pub fn route_by_item(&self, item_id: &str) -> Option<&RouteEntry> {
        self.routes.get(self.route_items.get(item_id)?)
    }

    /// A table's routes, oldest first.
    pub fn routes_of<'a>(&'a self, table: &'a TableEntry) -> impl Iterator<Item = &'a RouteEntry> {
        table.routes.iter().filter_map(|row| self.routes.get(row))
    }

    /// The rows of every route whose next hop is this peering.
    pub fn routes_via(&self, peering_id: &str) -> Vec<i64> {
        self.routes
            .values()
            .filter(|r| r.gateway_type == GatewayType::PeerConnection && r.gateway_id == peering_id)
            .map(|r| r.row)
            .collect()
    }

    // ---- VPC tags ----

    pub fn vpc_tags(&self, vpc: VpcIx) -> &[Tag] {
        self.vpc_tags.get(&vpc).map_or(&[], Vec::as_slice)
    }

    pub fn set_vpc_tags(&mut self, vpc: VpcIx, tags: Vec<Tag>) {
        if tags.is_empty() {
            self.vpc_tags.remove(&vpc);
        } else {
            self.vpc_tags.insert(vpc, tags);
        }
    }
}

impl Model {
    pub(in crate::store) fn network(&self) -> &Network {
        &self.network
    }

    pub(in crate::store) fn network_mut(&mut self) -> &mut Network {
        &mut self.network
    }

    /// The subnet as the API shows it.
    pub(in crate::store) fn subnet_record(&self, subnet: &SubnetEntry) -> Subnet {
        let (total, available) = address_counts(subnet.block);
        Subnet {
            subnet_id: subnet.id.clone(),
            subnet_name: subnet.name.clone(),
            vpc_id: self.text(self.vpc(subnet.vpc).un_vpc_id).to_owned(),
            cidr_block: subnet.block.to_string(),
            zone: subnet.zone.clone(),
            route_table_id: self
                .network
                .table(subnet.table)
                .map(|t| t.id.clone())
                .unwrap_or_default(),
            total_ip_address_count: total,
            available_ip_address_count: available,
            create_time: subnet.create_time,
            tags: subnet.tags.clone(),
        }
    }

    /// The route as the API shows it.
    pub(in crate::store) fn route_record(&self, route: &RouteEntry) -> Route {
        Route {
            route_id: route.row,
            route_item_id: route.item_id.clone(),
            destination_cidr_block: route.destination.to_string(),
            gateway_type: route.gateway_type.as_str().to_owned(),
            gateway_id: route.gateway_id.clone(),
            route_description: route.description.clone(),
            enabled: route.enabled,
            route_table_id: self
                .network
                .table(route.table)
                .map(|t| t.id.clone())
                .unwrap_or_default(),
            create_time: route.create_time,
        }
    }

    /// The route table as the API shows it, with its routes and subnets.
    pub(in crate::store) fn table_record(&self, table: &TableEntry) -> RouteTable {
        RouteTable {
            route_table_id: table.id.clone(),
            route_table_name: table.name.clone(),
            vpc_id: self.text(self.vpc(table.vpc).un_vpc_id).to_owned(),
            main: table.main,
            subnet_ids: self
                .network
                .subnets_in_table(table)
                .map(|s| s.id.clone())
                .collect(),
            routes: self
                .network
                .routes_of(table)
                .map(|r| self.route_record(r))
                .collect(),
            create_time: table.create_time,
            tags: table.tags.clone(),
        }
    }

    /// The subnet if `owner` owns its VPC in `region`; any other reads as
    /// not found.
    pub(in crate::store) fn owned_subnet(
        &self,
        owner: &str,
        region: &str,
        id: &str,
    ) -> Option<&SubnetEntry> {
        self.network
            .subnet_by_id(id)
            .filter(|s| self.owns_live(owner, region, s.vpc))
    }

    /// The route table if `owner` owns its VPC in `region`.
    pub(in crate::store) fn owned_table(
        &self,
        owner: &str,
        region: &str,
        id: &str,
    ) -> Option<&TableEntry> {
        self.network
            .table_by_id(id)
            .filter(|t| self.owns_live(owner, region, t.vpc))
    }

    fn owns_live(&self, owner: &str, region: &str, vpc: VpcIx) -> bool {
        let entry = self.vpc(vpc);
        !entry.deleted && self.owner_of(vpc) == owner && self.region_of(vpc) == region
    }

    /// The enabled routes a table already has but those in `except`, as
    /// `domain::route` meets them.
    pub(in crate::store) fn enabled_routes<'a>(
        &'a self,
        table: &'a TableEntry,
        except: &[i64],
    ) -> Vec<ExistingRoute<'a>> {
        self.network
            .routes_of(table)
            .filter(|r| r.enabled && !except.contains(&r.row))
            .map(|r| ExistingRoute {
                item_id: &r.item_id,
                destination: r.destination,
                via_peering: r.gateway_type == GatewayType::PeerConnection,
            })
            .collect()
    }

    /// The peering a route names, as the route's table sees it at `now`:
    /// `None` when the caller may not see it (it reads as not found).
    pub(in crate::store) fn peering_hop(
        &self,
        caller: &str,
        vpc: VpcIx,
        peering_id: &str,
        now: Timestamp,
    ) -> Option<PeeringHop<'_>> {
        let ix = self.peering_by_id(peering_id)?;
        let p = self.peering(ix);
        let (requester, accepter) = (self.owner_of(p.vpc), self.owner_of(p.peer));
        if requester != caller && accepter != caller {
            return None;
        }
        let state = p.effective_state(now);
        if state == crate::domain::peering::PeeringState::Deleted {
            return None;
        }
        let other = if p.vpc == vpc { p.peer } else { p.vpc };
        Some(PeeringHop {
            peering_id: self.text(p.id),
            state,
            joins_vpc: p.vpc == vpc || p.peer == vpc,
            peer_vpc: self.text(self.vpc(other).un_vpc_id),
            peer_blocks: self.blocks(other),
        })
    }

    /// Every route of the VPC's own tables, enabled or not: item id and
    /// destination.
    pub(in crate::store) fn own_destinations(&self, vpc: VpcIx) -> Vec<(String, CidrBlock)> {
        self.network
            .tables_of(vpc)
            .flat_map(|t| self.network.routes_of(t))
            .map(|r| (r.item_id.clone(), r.destination))
            .collect()
    }

    /// Every route of another VPC's tables that leads into this one
    /// through a peering: item id and destination.
    pub(in crate::store) fn routes_into(&self, vpc: VpcIx) -> Vec<(String, CidrBlock)> {
        let mut found = Vec::new();
        for peering in &self.peerings {
            if peering.vpc != vpc && peering.peer != vpc {
                continue;
            }
            for row in self.network.routes_via(self.text(peering.id)) {
                let Some(route) = self.network.route(row) else {
                    continue;
                };
                let into_this = self
                    .network
                    .table(route.table)
                    .is_some_and(|t| t.vpc != vpc);
                if into_this {
                    found.push((route.item_id.clone(), route.destination));
                }
            }
        }
        found
    }

    /// The route-in-table view of a new destination.
    pub(in crate::store) fn route_in_table<'a>(
        &'a self,
        table: &'a TableEntry,
        destination: CidrBlock,
        existing: &'a [ExistingRoute<'a>],
    ) -> RouteInTable<'a> {
        RouteInTable {
            table: &table.id,
            vpc: self.text(self.vpc(table.vpc).un_vpc_id),
            vpc_blocks: self.blocks(table.vpc),
            destination,
            existing,
        }
    }
}
