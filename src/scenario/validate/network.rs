//! The network inside the file's VPCs: route tables (one default table per
//! live VPC; one is made for a VPC that lists none), subnets (in a zone of
//! the VPC's region, inside its blocks, clear of each other, associated
//! with one of its tables) and routes (through an ACTIVE peering of the
//! VPC's into the peer, no ECMP through a peering), each checked with the
//! API's own rules (`domain::subnet`, `domain::route`). Checked after the
//! peerings, which routes name.

use std::collections::HashSet;

use super::{
    Checker, ExistingState, PlannedRoute, PlannedSubnet, PlannedTable, Planner,
    accounts::Limits,
    creation_time_or,
    peerings::{FilePeerings, NamedPeering},
    vpcs::{Node, NodeRef, Vpcs},
};
use crate::{
    domain::{
        ErrorCode,
        cidr::CidrBlock,
        ids::{IdGenerator, parse_prefixed_id},
        link::check_tags,
        names::validate_name,
        peering::PeeringState,
        quota::QuotaName,
        route::{
            DEFAULT_TABLE_NAME, ExistingRoute, GatewayType, PeeringHop, RouteInTable,
            check_destination, check_peering_hop, check_route_count, check_route_description,
            check_route_table_count, parse_destination,
        },
        subnet::{check_subnet_block, check_subnet_count, check_zone},
        time::Timestamp,
    },
    scenario::{RouteSpec, RouteTableSpec, Scenario, SubnetSpec, VpcSpec},
};

/// One kind of `prefix-xxxxxxxx` id: the ones the file fixes, so that
/// generated ones never take them, and the ones it took.
struct IdSpace<'s> {
    prefix: &'static str,
    /// What messages call the resource.
    what: &'static str,
    field: &'static str,
    fixed: HashSet<&'s str>,
    taken: HashSet<String>,
}

impl<'s> IdSpace<'s> {
    fn new(
        prefix: &'static str,
        what: &'static str,
        field: &'static str,
        fixed: impl Iterator<Item = &'s str>,
    ) -> Self {
        IdSpace {
            prefix,
            what,
            field,
            fixed: fixed.collect(),
            taken: HashSet::new(),
        }
    }

    /// The id `given`, checked, or a generated one that nothing has.
    fn take(
        &mut self,
        given: Option<&str>,
        in_database: &dyn Fn(&str) -> bool,
        generate: &mut dyn FnMut() -> String,
        path: String,
        check: &mut Checker,
    ) -> String {
        match given {
            Some(id) => {
                if let Err(err) = parse_prefixed_id(id, self.prefix, self.field) {
                    check.error(path, err.message);
                } else if in_database(id) {
                    check.error(
                        path,
                        format!("{} {id} is already in the database", self.what),
                    );
                } else if !self.taken.insert(id.to_owned()) {
                    check.error(path, format!("{} {id} is defined twice", self.what));
                }
                id.to_owned()
            }
            None => loop {
                let id = generate();
                if !self.fixed.contains(id.as_str())
                    && !self.taken.contains(&id)
                    && !in_database(&id)
                {
                    self.taken.insert(id.clone());
                    break id;
                }
            },
        }
    }
}

/// The ids the network section takes, and the rows it numbers.
struct NetworkIds<'s> {
    tables: IdSpace<'s>,
    subnets: IdSpace<'s>,
    items: IdSpace<'s>,
    fixed_routes: HashSet<i64>,
    taken_routes: HashSet<i64>,
    next_route: i64,
    next_table_row: i64,
}

impl<'s> NetworkIds<'s> {
    fn new<S: ExistingState>(existing: &S, scenario: &'s Scenario) -> Self {
        let tables = || scenario.vpcs.iter().flat_map(|v| &v.route_tables);
        let routes = || tables().flat_map(|t| &t.routes);
        NetworkIds {
            tables: IdSpace::new(
                "rtb-",
                "route table",
                "route_table_id",
                tables().filter_map(|t| t.route_table_id.as_deref()),
            ),
            subnets: IdSpace::new(
                "subnet-",
                "subnet",
                "subnet_id",
                scenario
                    .vpcs
                    .iter()
                    .flat_map(|v| &v.subnets)
                    .filter_map(|s| s.subnet_id.as_deref()),
            ),
            items: IdSpace::new(
                "rti-",
                "route",
                "route_item_id",
                routes().filter_map(|r| r.route_item_id.as_deref()),
            ),
            fixed_routes: routes().filter_map(|r| r.route_id).collect(),
            taken_routes: HashSet::new(),
            next_route: existing.next_route_id().max(1),
            next_table_row: existing.last_route_table_row() + 1,
        }
    }

    /// The row of the next table.
    fn take_table_row(&mut self) -> i64 {
        let row = self.next_table_row;
        self.next_table_row += 1;
        row
    }

    /// The `RouteId` `given`, checked, or the next free one.
    fn route_id<S: ExistingState>(
        &mut self,
        existing: &S,
        given: Option<i64>,
        path: String,
        check: &mut Checker,
    ) -> i64 {
        match given {
            Some(id) => {
                if id <= 0 {
                    check.error(path, format!("route_id {id} must be a positive route id"));
                } else if existing.route_id_in_use(id) {
                    check.error(path, format!("route {id} is already in the database"));
                } else if !self.taken_routes.insert(id) {
                    check.error(path, format!("route_id {id} is defined twice"));
                }
                id
            }
            None => loop {
                let id = self.next_route;
                self.next_route += 1;
                if !self.fixed_routes.contains(&id)
                    && !self.taken_routes.contains(&id)
                    && !existing.route_id_in_use(id)
                {
                    self.taken_routes.insert(id);
                    break id;
                }
            },
        }
    }
}

/// A route table of the VPC being planned, as its subnets and routes name it.
struct Table {
    row: i64,
    id: String,
    name: String,
    /// How messages name it: by the id the file fixes, or by its place.
    label: String,
    /// Its index in the VPC's `route_tables`; `None` for a default table
    /// the load made.
    spec: Option<usize>,
    create_time: Timestamp,
}

/// The table of `tables` that `text` names: its id, or a name only one of
/// them has.
fn find_table<'t>(
    tables: &'t [Table],
    text: &str,
    path: String,
    check: &mut Checker,
) -> Option<&'t Table> {
    if let Some(table) = tables.iter().find(|t| t.id == text) {
        return Some(table);
    }
    let named: Vec<&Table> = tables.iter().filter(|t| t.name == text).collect();
    match named.as_slice() {
        [table] => Some(table),
        [] => {
            check.error(
                path,
                format!(
                    "route table {text} is not one of this vpc's: give the id or the name of a table of its route_tables"
                ),
            );
            None
        }
        many => {
            let holders: Vec<String> = many
                .iter()
                .map(|t| match t.spec {
                    Some(j) => format!("route_tables[{j}]"),
                    None => "its default table".to_owned(),
                })
                .collect();
            check.error(
                path,
                format!(
                    "{text} names {}: give the route_table_id of the one meant",
                    holders.join(" and ")
                ),
            );
            None
        }
    }
}

/// The peering a route of the file's VPC `n` goes through, as
/// `check_peering_hop` sees it at `now`; `text` is how the file names it.
fn hop<'h, S: ExistingState>(
    existing: &'h S,
    vpcs: &'h Vpcs<S::Vpc>,
    n: usize,
    named: NamedPeering<'h, S::Vpc>,
    text: &'h str,
    now: Timestamp,
) -> PeeringHop<'h> {
    match named {
        // A peering of the database joins two VPCs of the database.
        NamedPeering::Existing => PeeringHop {
            peering_id: text,
            state: PeeringState::Active,
            joins_vpc: false,
            peer_vpc: "",
            peer_blocks: &[],
        },
        NamedPeering::File(p) => {
            let me = NodeRef::New(n);
            let other = if p.a == me { p.b } else { p.a };
            let (peer_vpc, peer_blocks) = match other {
                NodeRef::Existing(v) => (existing.label(v), existing.blocks(v)),
                NodeRef::New(m) => (vpcs.nodes[m].label.as_str(), &vpcs.nodes[m].blocks[..]),
            };
            PeeringHop {
                peering_id: text,
                state: p.state.effective(p.expire_time, now),
                joins_vpc: p.a == me || p.b == me,
                peer_vpc,
                peer_blocks,
            }
        }
    }
}

impl<'a, S: ExistingState> Planner<'a, S> {
    /// Checks and plans the route tables, subnets and routes of the file's
    /// VPCs, and a default route table for each live VPC that lists none.
    pub(super) fn network(
        &mut self,
        vpcs: &Vpcs<S::Vpc>,
        peerings: &FilePeerings<S::Vpc>,
        limits: &Limits<'_, S>,
    ) {
        let scenario = self.scenario;
        let mut ids = NetworkIds::new(self.existing, scenario);
        for (n, node) in vpcs.nodes.iter().enumerate() {
            if self.check.full() {
                break;
            }
            let spec = &scenario.vpcs[node.spec];
            if node.deleted {
                self.deleted_vpc(node.spec, spec);
                continue;
            }
            let tables = self.route_tables(node, spec, limits, &mut ids);
            self.subnets(node, spec, &tables, limits, &mut ids);
            for table in &tables {
                if let Some(j) = table.spec {
                    let routes = RoutesOf {
                        n,
                        j,
                        spec: &spec.route_tables[j],
                        table,
                    };
                    self.routes(vpcs, &routes, peerings, limits, &mut ids);
                }
            }
        }
    }

    /// A deleted VPC has neither subnets nor route tables: DeleteVpc
    /// deletes its tables, and is refused while it has subnets.
    fn deleted_vpc(&mut self, i: usize, spec: &VpcSpec) {
        for (field, listed) in [
            ("subnets", !spec.subnets.is_empty()),
            ("route_tables", !spec.route_tables.is_empty()),
        ] {
            if listed {
                self.check.error(
                    format!("vpcs[{i}].{field}"),
                    format!(
                        "a deleted vpc has no {}: a vpc's route tables are deleted with it, and its subnets before it",
                        field.replace('_', " ")
                    ),
                );
            }
        }
    }

    /// The VPC's route tables, its default one first: the one marked
    /// `main: true`, or else the one named `default`, or else one made as
    /// CreateVpc makes it. Each is planned; returns them, for the subnets
    /// and routes to name.
    fn route_tables(
        &mut self,
        node: &Node<S::Vpc>,
        spec: &'a VpcSpec,
        limits: &Limits<'_, S>,
        ids: &mut NetworkIds<'a>,
    ) -> Vec<Table> {
        let i = node.spec;
        let marked: Vec<usize> = (0..spec.route_tables.len())
            .filter(|&j| spec.route_tables[j].main == Some(true))
            .collect();
        for &j in marked.iter().skip(1) {
            self.check.error(
                format!("vpcs[{i}].route_tables[{j}].main"),
                format!(
                    "a vpc has one default route table, and route_tables[{}] is it",
                    marked[0]
                ),
            );
        }
        let main = marked.first().copied().or_else(|| {
            spec.route_tables.iter().position(|t| {
                t.main.is_none() && t.route_table_name.as_deref() == Some(DEFAULT_TABLE_NAME)
            })
        });
        let order = std::iter::once(main).chain(
            (0..spec.route_tables.len())
                .filter(|&j| Some(j) != main)
                .map(Some),
        );
        let limit = limits.of(&node.uin, node.region, QuotaName::MaxRouteTables);
        let mut tables = Vec::with_capacity(spec.route_tables.len().max(1));
        for j in order {
            let table = match j {
                Some(j) => {
                    let is_main = Some(j) == main;
                    if !is_main
                        && let Err(err) = check_route_table_count(&node.label, tables.len(), limit)
                    {
                        self.check
                            .error(format!("vpcs[{i}].route_tables[{j}]"), err.message);
                    }
                    self.route_table(node, j, &spec.route_tables[j], is_main, ids)
                }
                None => self.default_table(node, ids),
            };
            tables.push(table);
        }
        tables
    }

    /// A default table for a VPC that lists none, as CreateVpc makes it.
    /// Its id is the VPC's own suffix (`vpc-web00001` gets `rtb-web00001`)
    /// while that is free, so loading the same file again (a reset to the
    /// server's scenario) gives the same ids.
    fn default_table(&mut self, node: &Node<S::Vpc>, ids: &mut NetworkIds<'a>) -> Table {
        let existing = self.existing;
        let mut derived = self
            .plan
            .vpcs
            .iter()
            .find(|v| v.row_id == node.row_id)
            .and_then(|v| v.un_vpc_id.strip_prefix("vpc-"))
            .map(|suffix| format!("rtb-{suffix}"));
        let generator: &mut IdGenerator = &mut *self.ids;
        let id = ids.tables.take(
            None,
            &|id| existing.route_table_id_in_use(id),
            &mut || derived.take().unwrap_or_else(|| generator.route_table_id()),
            String::new(),
            &mut self.check,
        );
        let planned = PlannedTable {
            row_id: ids.take_table_row(),
            route_table_id: id,
            vpc_row: node.row_id,
            name: DEFAULT_TABLE_NAME.to_owned(),
            main: true,
            tags: Vec::new(),
            create_time: node.create_time,
        };
        self.plan_table(planned, None, "its default table".to_owned())
    }

    /// Checks and plans table `j` of the VPC.
    fn route_table(
        &mut self,
        node: &Node<S::Vpc>,
        j: usize,
        spec: &'a RouteTableSpec,
        main: bool,
        ids: &mut NetworkIds<'a>,
    ) -> Table {
        let i = node.spec;
        let at = |field: &str| format!("vpcs[{i}].route_tables[{j}].{field}");
        let name = match (&spec.route_table_name, main) {
            (Some(name), _) => {
                if let Err(err) =
                    validate_name(name, "route_table_name", ErrorCode::InvalidParameterValue)
                {
                    self.check.error(at("route_table_name"), err.message);
                }
                name.clone()
            }
            (None, true) => DEFAULT_TABLE_NAME.to_owned(),
            (None, false) => {
                self.check.error(
                    at("route_table_name"),
                    "route_table_name is missing: every route table but the default one (main: true) needs a name",
                );
                String::new()
            }
        };
        if let Err(err) = check_tags(&spec.tags, "tags") {
            self.check.error(at("tags"), err.message);
        }
        let existing = self.existing;
        let generator: &mut IdGenerator = &mut *self.ids;
        let id = ids.tables.take(
            spec.route_table_id.as_deref(),
            &|id| existing.route_table_id_in_use(id),
            &mut || generator.route_table_id(),
            at("route_table_id"),
            &mut self.check,
        );
        let create_time = creation_time_or(
            &spec.create_time,
            node.create_time,
            self.now,
            at("create_time"),
            &mut self.check,
        );
        let label = match &spec.route_table_id {
            Some(id) => id.clone(),
            None => format!("route_tables[{j}] ({name})"),
        };
        let planned = PlannedTable {
            row_id: ids.take_table_row(),
            route_table_id: id,
            vpc_row: node.row_id,
            name,
            main,
            tags: spec.tags.clone(),
            create_time,
        };
        self.plan_table(planned, Some(j), label)
    }

    /// Adds a table to the plan; returns it as its subnets and routes see it.
    fn plan_table(&mut self, planned: PlannedTable, spec: Option<usize>, label: String) -> Table {
        let table = Table {
            row: planned.row_id,
            id: planned.route_table_id.clone(),
            name: planned.name.clone(),
            label,
            spec,
            create_time: planned.create_time,
        };
        if spec.is_some() {
            self.plan.listed_route_tables += 1;
        }
        self.plan.route_tables.push(planned);
        table
    }

    /// Checks and plans the VPC's subnets: its quota, then each one's name,
    /// id, zone, block (against the VPC and the subnets before it), tags
    /// and table.
    fn subnets(
        &mut self,
        node: &Node<S::Vpc>,
        spec: &'a VpcSpec,
        tables: &[Table],
        limits: &Limits<'_, S>,
        ids: &mut NetworkIds<'a>,
    ) {
        let i = node.spec;
        if spec.subnets.is_empty() {
            return;
        }
        let limit = limits.of(&node.uin, node.region, QuotaName::MaxSubnets);
        if let Err(err) = check_subnet_count(&node.label, 0, spec.subnets.len(), limit) {
            self.check.error(format!("vpcs[{i}].subnets"), err.message);
        }
        let mut siblings: Vec<(String, CidrBlock)> = Vec::with_capacity(spec.subnets.len());
        for (k, subnet) in spec.subnets.iter().enumerate() {
            if self.check.full() {
                return;
            }
            if let Some(planned) = self.subnet(node, k, subnet, tables, &mut siblings, ids) {
                self.plan.subnets.push(planned);
            }
        }
    }

    /// Checks subnet `k` of the VPC; its row if it breaks no rule. Its
    /// block joins `siblings` if it is a good one, whatever else is wrong
    /// with the subnet: one mistake hides no overlap.
    fn subnet(
        &mut self,
        node: &Node<S::Vpc>,
        k: usize,
        spec: &'a SubnetSpec,
        tables: &[Table],
        siblings: &mut Vec<(String, CidrBlock)>,
        ids: &mut NetworkIds<'a>,
    ) -> Option<PlannedSubnet> {
        let i = node.spec;
        let at = |field: &str| format!("vpcs[{i}].subnets[{k}].{field}");
        let errors_before = self.check.errors.len();
        if let Err(err) = validate_name(
            &spec.subnet_name,
            "subnet_name",
            ErrorCode::InvalidParameterValue,
        ) {
            self.check.error(at("subnet_name"), err.message);
        }
        let existing = self.existing;
        let generator: &mut IdGenerator = &mut *self.ids;
        let id = ids.subnets.take(
            spec.subnet_id.as_deref(),
            &|id| existing.subnet_id_in_use(id),
            &mut || generator.subnet_id(),
            at("subnet_id"),
            &mut self.check,
        );
        if let Err(err) = check_zone(node.region, &spec.zone, "zone") {
            self.check.error(at("zone"), err.message);
        }
        let block = match CidrBlock::parse(&spec.cidr_block, "cidr_block") {
            Ok(block) => {
                let others: Vec<(&str, CidrBlock)> =
                    siblings.iter().map(|(l, b)| (l.as_str(), *b)).collect();
                match check_subnet_block(&node.label, &node.blocks, &others, block, "cidr_block") {
                    Ok(()) => {
                        let label = match &spec.subnet_id {
                            Some(id) => id.clone(),
                            None => format!("subnets[{k}] ({})", spec.subnet_name),
                        };
                        siblings.push((label, block));
                    }
                    Err(err) => self.check.error(at("cidr_block"), err.message),
                }
                Some(block)
            }
            Err(err) => {
                self.check.error(at("cidr_block"), err.message);
                None
            }
        };
        if let Err(err) = check_tags(&spec.tags, "tags") {
            self.check.error(at("tags"), err.message);
        }
        let table = match &spec.route_table_id {
            None => tables.first(),
            Some(text) => find_table(tables, text, at("route_table_id"), &mut self.check),
        };
        let create_time = creation_time_or(
            &spec.create_time,
            node.create_time,
            self.now,
            at("create_time"),
            &mut self.check,
        );
        let (Some(block), Some(table)) = (block, table) else {
            return None;
        };
        (self.check.errors.len() == errors_before).then(|| PlannedSubnet {
            subnet_id: id,
            vpc_row: node.row_id,
            name: spec.subnet_name.clone(),
            cidr_block: block.to_string(),
            zone: spec.zone.clone(),
            table_row: table.row,
            tags: spec.tags.clone(),
            create_time,
        })
    }

    /// Checks and plans the routes of one table: its quota, then each
    /// route as CreateRoutes checks it, against the table's enabled routes
    /// before it.
    fn routes(
        &mut self,
        vpcs: &Vpcs<S::Vpc>,
        of: &RoutesOf<'a, '_>,
        peerings: &FilePeerings<S::Vpc>,
        limits: &Limits<'_, S>,
        ids: &mut NetworkIds<'a>,
    ) {
        let node = &vpcs.nodes[of.n];
        let (i, j) = (node.spec, of.j);
        if of.spec.routes.is_empty() {
            return;
        }
        let limit = limits.of(&node.uin, node.region, QuotaName::MaxRoutes);
        if let Err(err) = check_route_count(&of.table.label, 0, of.spec.routes.len(), limit) {
            self.check
                .error(format!("vpcs[{i}].route_tables[{j}].routes"), err.message);
        }
        // The enabled routes so far: how messages name each, its
        // destination, and whether it goes through a peering.
        let mut enabled: Vec<(String, CidrBlock, bool)> = Vec::new();
        for (k, spec) in of.spec.routes.iter().enumerate() {
            if self.check.full() {
                return;
            }
            if let Some(planned) = self.route(vpcs, of, k, spec, &mut enabled, peerings, ids) {
                self.plan.routes.push(planned);
            }
        }
    }

    /// Checks route `k` of a table; its row if it breaks no rule. An
    /// enabled route whose destination the table takes joins `enabled`,
    /// whatever else is wrong with it: one mistake hides no conflict.
    #[allow(clippy::too_many_arguments)]
    fn route(
        &mut self,
        vpcs: &Vpcs<S::Vpc>,
        of: &RoutesOf<'a, '_>,
        k: usize,
        spec: &'a RouteSpec,
        enabled: &mut Vec<(String, CidrBlock, bool)>,
        peerings: &FilePeerings<S::Vpc>,
        ids: &mut NetworkIds<'a>,
    ) -> Option<PlannedRoute> {
        let node = &vpcs.nodes[of.n];
        let (i, j) = (node.spec, of.j);
        let at = |field: &str| format!("vpcs[{i}].route_tables[{j}].routes[{k}].{field}");
        let errors_before = self.check.errors.len();
        let existing = self.existing;
        let generator: &mut IdGenerator = &mut *self.ids;
        let item_id = ids.items.take(
            spec.route_item_id.as_deref(),
            &|id| existing.route_item_id_in_use(id),
            &mut || generator.route_item_id(),
            at("route_item_id"),
            &mut self.check,
        );
        let route_id = ids.route_id(existing, spec.route_id, at("route_id"), &mut self.check);
        let description = spec.route_description.clone().unwrap_or_default();
        if let Err(err) = check_route_description(&description, "route_description") {
            self.check.error(at("route_description"), err.message);
        }
        let create_time = creation_time_or(
            &spec.create_time,
            of.table.create_time,
            self.now,
            at("create_time"),
            &mut self.check,
        );
        let gateway_type = GatewayType::parse(&spec.gateway_type, "gateway_type")
            .map_err(|err| self.check.error(at("gateway_type"), err.message))
            .ok();
        let destination = parse_destination(&spec.destination_cidr_block, "destination_cidr_block")
            .map_err(|err| self.check.error(at("destination_cidr_block"), err.message))
            .ok();
        let (Some(gateway_type), Some(destination)) = (gateway_type, destination) else {
            return None;
        };
        let peering = gateway_type == GatewayType::PeerConnection;
        // The next hop: a peering the file or the database has, or an id of
        // the gateway type's form.
        let named = if peering {
            Some(peerings.find(
                existing,
                &spec.gateway_id,
                at("gateway_id"),
                &mut self.check,
            )?)
        } else {
            if let Err(err) = gateway_type.check_id(&spec.gateway_id, "gateway_id") {
                self.check.error(at("gateway_id"), err.message);
                return None;
            }
            None
        };
        let is_enabled = spec.enabled.unwrap_or(true);
        // A disabled route meets the table's other routes when it is enabled.
        let others: Vec<ExistingRoute<'_>> = if is_enabled {
            enabled
                .iter()
                .map(|(label, destination, via_peering)| ExistingRoute {
                    item_id: label,
                    destination: *destination,
                    via_peering: *via_peering,
                })
                .collect()
        } else {
            Vec::new()
        };
        let in_table = RouteInTable {
            table: &of.table.label,
            vpc: &node.label,
            vpc_blocks: &node.blocks,
            destination,
            existing: &others,
        };
        if let Err(err) = check_destination(&in_table, peering, "destination_cidr_block") {
            self.check.error(at("destination_cidr_block"), err.message);
            return None;
        }
        if is_enabled {
            let label = spec
                .route_item_id
                .clone()
                .unwrap_or_else(|| format!("routes[{k}]"));
            enabled.push((label, destination, peering));
        }
        let gateway_id = match named {
            None => spec.gateway_id.clone(),
            Some(named) => {
                let resolved = match &named {
                    NamedPeering::File(p) => p.id.clone(),
                    NamedPeering::Existing => spec.gateway_id.clone(),
                };
                let hop = hop(existing, vpcs, of.n, named, &spec.gateway_id, self.now);
                if let Err(err) =
                    check_peering_hop(&hop, &node.label, destination, "destination_cidr_block")
                {
                    let field = match err.field {
                        Some("destination_cidr_block") => "destination_cidr_block",
                        _ => "gateway_id",
                    };
                    self.check.error(at(field), err.message);
                    return None;
                }
                resolved
            }
        };
        (self.check.errors.len() == errors_before).then(|| PlannedRoute {
            route_id,
            route_item_id: item_id,
            table_row: of.table.row,
            destination: destination.to_string(),
            gateway_type: gateway_type.as_str(),
            gateway_id,
            description,
            enabled: is_enabled,
            create_time,
        })
    }
}

/// The routes of one table of the file's VPC `n`: table `j` of its
/// `route_tables`.
struct RoutesOf<'a, 't> {
    n: usize,
    j: usize,
    spec: &'a RouteTableSpec,
    table: &'t Table,
}
