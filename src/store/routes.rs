//! Route tables and their routes: each VPC's default table (made with the
//! VPC, deleted with it), tables of the caller's own, routes added,
//! replaced, switched on and off, deleted, and the routes that go with a
//! peering when it is deleted. Rules are checked on the model
//! (`domain::route`) before anything changes.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    lookup::{owned_vpc, peering_not_found, table_not_found},
    model::{Model, RouteEntry, TableEntry, VpcIx},
    records::{Route, RouteTable, Vpc, tags_to_json},
    writer::{BoxFuture, BulkRow},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    cidr::CidrBlock,
    ids::VpcRef,
    link::{Tag, check_tags},
    quota::QuotaName,
    region::Region,
    route::{
        GatewayType, check_destination, check_distinct_destinations, check_peering_hop,
        check_route_count, check_route_table_count, check_route_table_deletable,
    },
    time::Timestamp,
};

/// The name of every VPC's default route table.
pub use crate::domain::route::DEFAULT_TABLE_NAME;

/// A validated route of a CreateRoutes or ReplaceRoutes request.
#[derive(Debug, Clone)]
pub struct NewRoute {
    pub destination: CidrBlock,
    pub gateway_type: GatewayType,
    pub gateway_id: String,
    pub description: String,
}

/// A route of a table, as a request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteRef {
    /// Its numeric `RouteId`.
    Id(i64),
    /// Its `RouteItemId`, `rti-...`.
    Item(String),
    /// Where it goes and through what, as the legacy API names routes
    /// (they have no id there): the first such route not named before.
    Match {
        destination: CidrBlock,
        gateway_type: GatewayType,
        gateway_id: String,
    },
}

impl RouteRef {
    fn label(&self) -> String {
        match self {
            RouteRef::Id(id) => id.to_string(),
            RouteRef::Item(item) => item.clone(),
            RouteRef::Match {
                destination,
                gateway_type,
                gateway_id,
            } => format!("{destination} via {gateway_type} {gateway_id}"),
        }
    }

    fn names(&self, route: &RouteEntry) -> bool {
        match self {
            RouteRef::Id(id) => route.row == *id,
            RouteRef::Item(item) => route.item_id == *item,
            RouteRef::Match {
                destination,
                gateway_type,
                gateway_id,
            } => {
                route.destination == *destination
                    && route.gateway_type == *gateway_type
                    && route.gateway_id == *gateway_id
            }
        }
    }
}

/// DescribeRouteTables filters and page, validated.
#[derive(Debug, Clone, Default)]
pub struct RouteTableFilter {
    pub ids: Option<Vec<String>>,
    pub vpcs: Option<Vec<VpcRef>>,
    pub names: Option<Vec<String>>,
    pub name_match: super::NameMatch,
    pub main: Option<bool>,
    /// Tables with a route through any of these peerings (or gateways).
    pub gateway_ids: Option<Vec<String>>,
    /// Tags the table must have, every one of them.
    pub tags: Vec<super::TagMatch>,
    /// By name rather than oldest first; newest (or last by name) first.
    pub by_name: bool,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

fn owned_table_row(model: &Model, actor: &Actor, region: Region, id: &str) -> ApiResult<i64> {
    model
        .owned_table(&actor.uin, region.name, id)
        .map(|t| t.row)
        .ok_or_else(|| table_not_found(id, region))
}

fn table_of(model: &Model, row: i64, id: &str, region: Region) -> ApiResult<TableEntry> {
    model
        .network()
        .table(row)
        .cloned()
        .ok_or_else(|| table_not_found(id, region))
}

/// Adds VPC `vpc`'s default route table, in the rows and the model.
pub(super) async fn add_default_table(tx: &mut Tx, vpc: VpcIx) -> ApiResult<()> {
    add_table(tx, vpc, DEFAULT_TABLE_NAME, true, Vec::new()).await?;
    Ok(())
}

async fn add_table(
    tx: &mut Tx,
    vpc: VpcIx,
    name: &str,
    main: bool,
    tags: Vec<Tag>,
) -> ApiResult<TableEntry> {
    let id = loop {
        let id = tx.ids.route_table_id();
        if tx.model().await?.network().table_by_id(&id).is_none() {
            break id;
        }
    };
    let vpc_row = tx.model().await?.vpc(vpc).row;
    let (row,): (i64,) = sqlx::query_as(
        "INSERT INTO route_tables (route_table_id, vpc, route_table_name, main, tags, create_time)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&id)
    .bind(vpc_row)
    .bind(name)
    .bind(main)
    .bind(tags_to_json(&tags))
    .bind(tx.now)
    .fetch_one(&mut tx.conn)
    .await?;
    let entry = TableEntry {
        row,
        id,
        vpc,
        name: name.to_owned(),
        main,
        create_time: tx.now,
        tags,
        routes: Vec::new(),
    };
    tx.model().await?.network_mut().insert_table(entry.clone());
    Ok(entry)
}

/// Deletes every route table of VPC `vpc` and their routes: the VPC is
/// being deleted.
pub(super) async fn delete_tables_of(tx: &mut Tx, vpc: VpcIx) -> ApiResult<()> {
    let vpc_row = tx.model().await?.vpc(vpc).row;
    sqlx::query(
        "DELETE FROM routes WHERE route_table IN (SELECT id FROM route_tables WHERE vpc = ?)",
    )
    .bind(vpc_row)
    .execute(&mut tx.conn)
    .await?;
    sqlx::query("DELETE FROM route_tables WHERE vpc = ?")
        .bind(vpc_row)
        .execute(&mut tx.conn)
        .await?;
    let model = tx.model().await?;
    let rows: Vec<i64> = model.network().tables_of(vpc).map(|t| t.row).collect();
    for row in rows {
        model.network_mut().remove_table(row);
    }
    Ok(())
}

/// CreateRouteTable: a table of the caller's VPC, with `routes` (the
/// legacy API's `routeSet`; API 3.0 adds none), all checked first.
pub async fn create_route_table_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    name: String,
    tags: Vec<Tag>,
    routes: Vec<NewRoute>,
) -> ApiResult<RouteTable> {
    let now = tx.now;
    let model = tx.model().await?;
    let ix = owned_vpc(model, &actor.uin, &vpc, region)?;
    check_tags(&tags, "Tags")?;
    let count = model.network().tables_of(ix).count();
    let limit = model.limit(&actor.uin, region.name, QuotaName::MaxRouteTables);
    check_route_table_count(model.text(model.vpc(ix).un_vpc_id), count, limit)?;
    if !routes.is_empty() {
        // The routes meet the table they will be in, empty as yet.
        let new_table = TableEntry {
            row: 0,
            id: format!("the new route table {name:?}"),
            vpc: ix,
            name: name.clone(),
            main: false,
            create_time: now,
            tags: Vec::new(),
            routes: Vec::new(),
        };
        let limit = model.limit(&actor.uin, region.name, QuotaName::MaxRoutes);
        check_route_count(&new_table.id, 0, routes.len(), limit)?;
        check_new_routes(model, &actor.uin, now, &new_table, &routes, &[])?;
    }
    let table = add_table(tx, ix, &name, false, tags).await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "route_table",
            resource_id: &table.id,
            kind: "created",
            old_state: None,
            new_state: None,
        },
    );
    for route in routes {
        let entry = insert_route(tx, &table, route).await?;
        let record = tx.model().await?.route_record(&entry);
        record_route(tx, actor, &record, "created");
    }
    let model = tx.model().await?;
    let table = table_of(model, table.row, &table.id, region)?;
    Ok(model.table_record(&table))
}

pub async fn delete_route_table_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    id: String,
) -> ApiResult<()> {
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &id)?;
    let table = table_of(model, row, &id, region)?;
    let subnets: Vec<&str> = model
        .network()
        .subnets_in_table(&table)
        .map(|s| s.id.as_str())
        .collect();
    check_route_table_deletable(&id, table.main, &subnets)?;
    sqlx::query("DELETE FROM routes WHERE route_table = ?")
        .bind(row)
        .execute(&mut tx.conn)
        .await?;
    sqlx::query("DELETE FROM route_tables WHERE id = ?")
        .bind(row)
        .execute(&mut tx.conn)
        .await?;
    tx.model().await?.network_mut().remove_table(row);
    events::record(
        tx,
        actor,
        Change {
            resource_type: "route_table",
            resource_id: &id,
            kind: "deleted",
            old_state: None,
            new_state: None,
        },
    );
    Ok(())
}

pub async fn rename_route_table_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    id: String,
    name: String,
) -> ApiResult<RouteTable> {
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &id)?;
    sqlx::query("UPDATE route_tables SET route_table_name = ? WHERE id = ?")
        .bind(&name)
        .bind(row)
        .execute(&mut tx.conn)
        .await?;
    let model = tx.model().await?;
    let old = model
        .network_mut()
        .table_mut(row)
        .map(|t| std::mem::replace(&mut t.name, name.clone()))
        .unwrap_or_default();
    let table = table_of(model, row, &id, region)?;
    let record = model.table_record(&table);
    events::record(
        tx,
        actor,
        Change {
            resource_type: "route_table",
            resource_id: &id,
            kind: "renamed",
            old_state: Some(&old),
            new_state: Some(&name),
        },
    );
    Ok(record)
}

/// Checks `routes` as additions to `table`, each against the table's
/// enabled routes (but `replacing`) and the ones before it.
fn check_new_routes(
    model: &Model,
    caller: &str,
    now: Timestamp,
    table: &TableEntry,
    routes: &[NewRoute],
    replacing: &[i64],
) -> ApiResult<()> {
    let field = "destination_cidr_block";
    let destinations: Vec<CidrBlock> = routes.iter().map(|r| r.destination).collect();
    check_distinct_destinations(&destinations, field)?;
    let existing = model.enabled_routes(table, replacing);
    let vpc = model.text(model.vpc(table.vpc).un_vpc_id);
    for route in routes {
        route
            .gateway_type
            .check_id(&route.gateway_id, "gateway_id")?;
        let peering = route.gateway_type == GatewayType::PeerConnection;
        check_destination(
            &model.route_in_table(table, route.destination, &existing),
            peering,
            field,
        )?;
        if route.gateway_type == GatewayType::PeerConnection {
            let hop = model
                .peering_hop(caller, table.vpc, &route.gateway_id, now)
                .ok_or_else(|| {
                    let region = crate::domain::region::Region::parse(model.region_of(table.vpc))
                        .unwrap_or(crate::domain::region::DEFAULT_REGION);
                    ApiError {
                        field: Some("gateway_id"),
                        ..peering_not_found(&route.gateway_id, region)
                    }
                })?;
            check_peering_hop(&hop, vpc, route.destination, field)?;
        }
    }
    Ok(())
}

/// The rows of the routes `refs` names in `table`, in order.
fn find_routes(model: &Model, table: &TableEntry, refs: &[RouteRef]) -> ApiResult<Vec<i64>> {
    let mut rows = Vec::with_capacity(refs.len());
    for r in refs {
        let found = match r {
            // Routes alike (ECMP to one hop) are named one by one.
            RouteRef::Match { .. } => model
                .network()
                .routes_of(table)
                .find(|route| r.names(route) && !rows.contains(&route.row))
                .or_else(|| {
                    model
                        .network()
                        .routes_of(table)
                        .find(|route| r.names(route))
                }),
            _ => model
                .network()
                .routes_of(table)
                .find(|route| r.names(route)),
        };
        match found {
            Some(route) if !rows.contains(&route.row) => rows.push(route.row),
            Some(_) => {
                return Err(ApiError::field(
                    ErrorCode::InvalidParameterValue,
                    "routes",
                    format!("route {} is named twice", r.label()),
                ));
            }
            None => {
                return Err(ApiError::new(
                    ErrorCode::InvalidRouteNotFound,
                    format!("route {} is not in route table {}", r.label(), table.id),
                ));
            }
        }
    }
    Ok(rows)
}

async fn insert_route(tx: &mut Tx, table: &TableEntry, route: NewRoute) -> ApiResult<RouteEntry> {
    let item_id = loop {
        let id = tx.ids.route_item_id();
        if tx.model().await?.network().route_by_item(&id).is_none() {
            break id;
        }
    };
    let row = tx.model().await?.network().next_route_row();
    sqlx::query(
        "INSERT INTO routes (id, route_item_id, route_table, destination, gateway_type, gateway_id, description, enabled, create_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
    )
    .bind(row)
    .bind(&item_id)
    .bind(table.row)
    .bind(route.destination.to_string())
    .bind(route.gateway_type.as_str())
    .bind(&route.gateway_id)
    .bind(&route.description)
    .bind(tx.now)
    .execute(&mut tx.conn)
    .await?;
    let entry = RouteEntry {
        row,
        item_id,
        table: table.row,
        destination: route.destination,
        gateway_type: route.gateway_type,
        gateway_id: route.gateway_id,
        description: route.description,
        enabled: true,
        create_time: tx.now,
    };
    tx.model().await?.network_mut().insert_route(entry.clone());
    Ok(entry)
}

fn record_route(tx: &mut Tx, actor: &Actor, route: &Route, kind: &'static str) {
    let target = format!(
        "{} via {} {}",
        route.destination_cidr_block, route.gateway_type, route.gateway_id
    );
    events::record(
        tx,
        actor,
        Change {
            resource_type: "route",
            resource_id: &route.route_item_id,
            kind,
            old_state: None,
            new_state: Some(&target),
        },
    );
}

pub async fn create_routes_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    table_id: String,
    routes: Vec<NewRoute>,
) -> ApiResult<(Vec<Route>, RouteTable)> {
    let now = tx.now;
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &table_id)?;
    let table = table_of(model, row, &table_id, region)?;
    let limit = model.limit(&actor.uin, region.name, QuotaName::MaxRoutes);
    check_route_count(&table_id, table.routes.len(), routes.len(), limit)?;
    check_new_routes(model, &actor.uin, now, &table, &routes, &[])?;
    let mut added = Vec::with_capacity(routes.len());
    for route in routes {
        let entry = insert_route(tx, &table, route).await?;
        let record = tx.model().await?.route_record(&entry);
        record_route(tx, actor, &record, "created");
        added.push(record);
    }
    let model = tx.model().await?;
    let table = table_of(model, row, &table_id, region)?;
    Ok((added, model.table_record(&table)))
}

pub async fn delete_routes_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    table_id: String,
    refs: Vec<RouteRef>,
) -> ApiResult<Vec<Route>> {
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &table_id)?;
    let table = table_of(model, row, &table_id, region)?;
    let rows = find_routes(model, &table, &refs)?;
    let mut deleted = Vec::with_capacity(rows.len());
    for route in rows {
        sqlx::query("DELETE FROM routes WHERE id = ?")
            .bind(route)
            .execute(&mut tx.conn)
            .await?;
        let model = tx.model().await?;
        if let Some(entry) = model.network_mut().remove_route(route) {
            let mut record = model.route_record(&entry);
            record.route_table_id.clone_from(&table_id);
            record_route(tx, actor, &record, "deleted");
            deleted.push(record);
        }
    }
    Ok(deleted)
}

pub async fn replace_routes_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    table_id: String,
    replacements: Vec<(RouteRef, NewRoute)>,
) -> ApiResult<(Vec<Route>, Vec<Route>)> {
    let now = tx.now;
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &table_id)?;
    let table = table_of(model, row, &table_id, region)?;
    let refs: Vec<RouteRef> = replacements.iter().map(|(r, _)| r.clone()).collect();
    let rows = find_routes(model, &table, &refs)?;
    let new_routes: Vec<NewRoute> = replacements.into_iter().map(|(_, n)| n).collect();
    check_new_routes(model, &actor.uin, now, &table, &new_routes, &rows)?;
    let mut old = Vec::with_capacity(rows.len());
    let mut new = Vec::with_capacity(rows.len());
    for (route, replacement) in rows.into_iter().zip(new_routes) {
        sqlx::query(
            "UPDATE routes SET destination = ?, gateway_type = ?, gateway_id = ?, description = ?, enabled = 1 WHERE id = ?",
        )
        .bind(replacement.destination.to_string())
        .bind(replacement.gateway_type.as_str())
        .bind(&replacement.gateway_id)
        .bind(&replacement.description)
        .bind(route)
        .execute(&mut tx.conn)
        .await?;
        let model = tx.model().await?;
        let Some(entry) = model.network().route(route).cloned() else {
            continue;
        };
        old.push(model.route_record(&entry));
        if let Some(entry) = model.network_mut().route_mut(route) {
            entry.destination = replacement.destination;
            entry.gateway_type = replacement.gateway_type;
            entry.gateway_id = replacement.gateway_id;
            entry.description = replacement.description;
            entry.enabled = true;
        }
        let Some(record) = model.network().route(route).map(|r| model.route_record(r)) else {
            continue;
        };
        record_route(tx, actor, &record, "replaced");
        new.push(record);
    }
    Ok((old, new))
}

/// Refuses a route given twice in one request: the same destination,
/// through the same gateway.
fn check_distinct_routes(routes: &[NewRoute]) -> ApiResult<()> {
    for (i, route) in routes.iter().enumerate() {
        let same = routes[..i].iter().any(|r| {
            r.destination == route.destination
                && r.gateway_type == route.gateway_type
                && r.gateway_id == route.gateway_id
        });
        if same {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueDuplicate,
                "routes",
                format!(
                    "the route to {} via {} {} is given twice in this request",
                    route.destination, route.gateway_type, route.gateway_id
                ),
            ));
        }
    }
    Ok(())
}

/// ResetRoutes (and the legacy ModifyRouteTableAttribute): the table's
/// routes become `routes`, and its name `name` if given. A route the table
/// has already (the same destination through the same gateway) stays, with
/// its ids, its state and the description given; the others go, and the
/// new ones are checked as CreateRoutes checks them, against the routes
/// that stay. Every check comes first: it changes all of it or nothing.
pub async fn reset_routes_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    table_id: String,
    name: Option<String>,
    routes: Vec<NewRoute>,
) -> ApiResult<RouteTable> {
    let now = tx.now;
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &table_id)?;
    let table = table_of(model, row, &table_id, region)?;
    check_distinct_routes(&routes)?;
    let mut kept: Vec<(i64, String)> = Vec::new();
    let mut adding: Vec<NewRoute> = Vec::new();
    for route in routes {
        let same = RouteRef::Match {
            destination: route.destination,
            gateway_type: route.gateway_type,
            gateway_id: route.gateway_id.clone(),
        };
        match model.network().routes_of(&table).find(|r| same.names(r)) {
            Some(existing) => kept.push((existing.row, route.description)),
            None => adding.push(route),
        }
    }
    let removing: Vec<i64> = table
        .routes
        .iter()
        .copied()
        .filter(|r| !kept.iter().any(|(k, _)| k == r))
        .collect();
    let limit = model.limit(&actor.uin, region.name, QuotaName::MaxRoutes);
    check_route_count(&table_id, kept.len(), adding.len(), limit)?;
    check_new_routes(model, &actor.uin, now, &table, &adding, &removing)?;

    for route in removing {
        sqlx::query("DELETE FROM routes WHERE id = ?")
            .bind(route)
            .execute(&mut tx.conn)
            .await?;
        let model = tx.model().await?;
        if let Some(entry) = model.network_mut().remove_route(route) {
            let mut record = model.route_record(&entry);
            record.route_table_id.clone_from(&table_id);
            record_route(tx, actor, &record, "deleted");
        }
    }
    for (route, description) in kept {
        let model = tx.model().await?;
        let unchanged = model
            .network()
            .route(route)
            .is_none_or(|r| r.description == description);
        if unchanged {
            continue;
        }
        sqlx::query("UPDATE routes SET description = ? WHERE id = ?")
            .bind(&description)
            .bind(route)
            .execute(&mut tx.conn)
            .await?;
        let model = tx.model().await?;
        if let Some(entry) = model.network_mut().route_mut(route) {
            entry.description = description;
        }
        if let Some(record) = model.network().route(route).map(|r| model.route_record(r)) {
            record_route(tx, actor, &record, "replaced");
        }
    }
    for route in adding {
        let entry = insert_route(tx, &table, route).await?;
        let record = tx.model().await?.route_record(&entry);
        record_route(tx, actor, &record, "created");
    }
    if let Some(name) = name.filter(|n| *n != table.name) {
        sqlx::query("UPDATE route_tables SET route_table_name = ? WHERE id = ?")
            .bind(&name)
            .bind(row)
            .execute(&mut tx.conn)
            .await?;
        if let Some(t) = tx.model().await?.network_mut().table_mut(row) {
            t.name.clone_from(&name);
        }
        events::record(
            tx,
            actor,
            Change {
                resource_type: "route_table",
                resource_id: &table_id,
                kind: "renamed",
                old_state: Some(&table.name),
                new_state: Some(&name),
            },
        );
    }
    let model = tx.model().await?;
    let table = table_of(model, row, &table_id, region)?;
    Ok(model.table_record(&table))
}

/// EnableRoutes and DisableRoutes. Enabling checks the route against the
/// table's other enabled routes, as a new one is.
pub async fn set_routes_enabled_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    table_id: String,
    refs: Vec<RouteRef>,
    enabled: bool,
) -> ApiResult<()> {
    let now = tx.now;
    let model = tx.model().await?;
    let row = owned_table_row(model, actor, region, &table_id)?;
    let table = table_of(model, row, &table_id, region)?;
    let rows = find_routes(model, &table, &refs)?;
    if enabled {
        let changing: Vec<NewRoute> = rows
            .iter()
            .filter_map(|r| model.network().route(*r))
            .filter(|r| !r.enabled)
            .map(|r| NewRoute {
                destination: r.destination,
                gateway_type: r.gateway_type,
                gateway_id: r.gateway_id.clone(),
                description: r.description.clone(),
            })
            .collect();
        check_new_routes(model, &actor.uin, now, &table, &changing, &rows)?;
    }
    for route in rows {
        sqlx::query("UPDATE routes SET enabled = ? WHERE id = ?")
            .bind(enabled)
            .bind(route)
            .execute(&mut tx.conn)
            .await?;
        let model = tx.model().await?;
        let changed = match model.network_mut().route_mut(route) {
            Some(entry) if entry.enabled != enabled => {
                entry.enabled = enabled;
                true
            }
            _ => false,
        };
        if changed && let Some(record) = model.network().route(route).map(|r| model.route_record(r))
        {
            let kind = if enabled {
                "enabled_routes"
            } else {
                "disabled_routes"
            };
            record_route(tx, actor, &record, kind);
        }
    }
    Ok(())
}

/// A route deleted with its peering, written with the batch: the peering
/// change it goes with writes no SQL itself.
pub(super) struct RouteRemoval(i64);

impl BulkRow for RouteRemoval {
    fn write_all(
        rows: Vec<Self>,
        conn: &mut SqliteConnection,
    ) -> BoxFuture<'_, Result<(), sqlx::Error>> {
        Box::pin(async move {
            for chunk in rows.chunks(1000) {
                let mut q = QueryBuilder::<Sqlite>::new("DELETE FROM routes WHERE id IN (");
                let mut ids = q.separated(", ");
                for row in chunk {
                    ids.push_bind(row.0);
                }
                q.push(")");
                q.build().execute(&mut *conn).await?;
            }
            Ok(())
        })
    }
}

/// Removes every route through `peering_id`, which is being deleted: the
/// cloud takes them away with it.
pub(super) async fn remove_routes_via(
    tx: &mut Tx,
    actor: &Actor,
    peering_id: &str,
) -> Result<(), sqlx::Error> {
    let model = tx.model().await?;
    let rows = model.network().routes_via(peering_id);
    let mut removed = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(entry) = model.network_mut().remove_route(row) {
            removed.push(entry);
        }
    }
    for entry in removed {
        tx.rows::<RouteRemoval>().push(RouteRemoval(entry.row));
        let target = format!(
            "{} via {} {}",
            entry.destination,
            entry.gateway_type.as_str(),
            entry.gateway_id
        );
        events::record(
            tx,
            actor,
            Change {
                resource_type: "route",
                resource_id: &entry.item_id,
                kind: "deleted",
                old_state: Some(&target),
                new_state: None,
            },
        );
    }
    Ok(())
}

impl Model {
    /// The owner's route tables in `region` that match, oldest first, one
    /// page of them, and how many match in all.
    pub(super) fn describe_route_tables(
        &self,
        owner: &str,
        region: &str,
        filter: &RouteTableFilter,
    ) -> (i64, Vec<RouteTable>) {
        let vpcs: Option<Vec<VpcIx>> = filter.vpcs.as_ref().map(|refs| {
            refs.iter()
                .filter_map(|r| self.vpc_by_id(r.as_str()))
                .collect()
        });
        let any = super::model::any_of;
        let name_matches = |name: &str| filter.name_match.any(&filter.names, name);
        let mut matches: Vec<&TableEntry> = self
            .network()
            .tables()
            .filter(|t| {
                let vpc = self.vpc(t.vpc);
                !vpc.deleted
                    && self.owner_of(t.vpc) == owner
                    && self.region_of(t.vpc) == region
                    && vpcs.as_ref().is_none_or(|v| v.contains(&t.vpc))
                    && any(&filter.ids, &t.id)
                    && name_matches(&t.name)
                    && filter.main.is_none_or(|main| main == t.main)
                    && super::TagMatch::all_found_in(&filter.tags, &t.tags)
                    && filter.gateway_ids.as_ref().is_none_or(|ids| {
                        self.network()
                            .routes_of(t)
                            .any(|r| ids.contains(&r.gateway_id))
                    })
            })
            .collect();
        // Oldest first, as stored; a stable sort keeps that among equal names.
        if filter.by_name {
            matches.sort_by(|a, b| a.name.cmp(&b.name));
        }
        if filter.descending {
            matches.reverse();
        }
        let total = matches.len() as i64;
        let shown = super::model::page(matches, filter.offset, filter.limit)
            .map(|t| self.table_record(t))
            .collect();
        (total, shown)
    }
}

impl Store {
    pub async fn describe_route_tables(
        &self,
        owner: &str,
        region: Region,
        filter: RouteTableFilter,
    ) -> ApiResult<(i64, Vec<RouteTable>)> {
        self.with_model(|model| model.describe_route_tables(owner, region.name, &filter))
            .await
    }

    /// DescribeRouteTables, and the VPCs of the page's tables, from one
    /// read; a VPC the filter names must be the owner's
    /// (`InvalidVpc.NotFound`).
    pub async fn describe_route_tables_and_vpcs(
        &self,
        owner: &str,
        region: Region,
        filter: RouteTableFilter,
    ) -> ApiResult<(i64, Vec<RouteTable>, Vec<Vpc>)> {
        self.with_model(|model| {
            model.check_vpcs_named(owner, region, filter.vpcs.as_deref())?;
            let (total, tables) = model.describe_route_tables(owner, region.name, &filter);
            let vpcs = model.vpcs_of(tables.iter().map(|t| t.vpc_id.clone()));
            Ok((total, tables, vpcs))
        })
        .await?
    }

    /// A new table, with `routes` in it (none over gRPC and API 3.0).
    pub async fn create_route_table(
        &self,
        actor: Actor,
        region: Region,
        vpc: VpcRef,
        name: String,
        tags: Vec<Tag>,
        routes: Vec<NewRoute>,
    ) -> ApiResult<RouteTable> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move {
                create_route_table_in(tx, &actor, region, vpc, name, tags, routes).await
            })
        })
        .await
    }

    /// Replaces every route of a table, and its name if given: one change.
    pub async fn reset_routes(
        &self,
        actor: Actor,
        region: Region,
        table: String,
        name: Option<String>,
        routes: Vec<NewRoute>,
    ) -> ApiResult<RouteTable> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { reset_routes_in(tx, &actor, region, table, name, routes).await })
        })
        .await
    }

    pub async fn delete_route_table(
        &self,
        actor: Actor,
        region: Region,
        id: String,
    ) -> ApiResult<()> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_route_table_in(tx, &actor, region, id).await })
        })
        .await
    }

    pub async fn rename_route_table(
        &self,
        actor: Actor,
        region: Region,
        id: String,
        name: String,
    ) -> ApiResult<RouteTable> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { rename_route_table_in(tx, &actor, region, id, name).await })
        })
        .await
    }

    pub async fn create_routes(
        &self,
        actor: Actor,
        region: Region,
        table: String,
        routes: Vec<NewRoute>,
    ) -> ApiResult<(Vec<Route>, RouteTable)> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_routes_in(tx, &actor, region, table, routes).await })
        })
        .await
    }

    pub async fn delete_routes(
        &self,
        actor: Actor,
        region: Region,
        table: String,
        routes: Vec<RouteRef>,
    ) -> ApiResult<Vec<Route>> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_routes_in(tx, &actor, region, table, routes).await })
        })
        .await
    }

    pub async fn replace_routes(
        &self,
        actor: Actor,
        region: Region,
        table: String,
        routes: Vec<(RouteRef, NewRoute)>,
    ) -> ApiResult<(Vec<Route>, Vec<Route>)> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { replace_routes_in(tx, &actor, region, table, routes).await })
        })
        .await
    }

    pub async fn set_routes_enabled(
        &self,
        actor: Actor,
        region: Region,
        table: String,
        routes: Vec<RouteRef>,
        enabled: bool,
    ) -> ApiResult<()> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move {
                set_routes_enabled_in(tx, &actor, region, table, routes, enabled).await
            })
        })
        .await
    }
}
