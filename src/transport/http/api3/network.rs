//! Subnets, route tables and routes over API 3.0: each action's fields as
//! the SDK models name and type them (`Subnet`, `SubnetInput`, `RouteTable`,
//! `Route`), decoded into the operations of `action::network`, and the
//! models every answer prints in full (Terraform reads each field).

use serde_json::{Value, json};

use super::{
    super::{Fields, answer},
    filters::{ids_or_filters, narrow, tag_filter, tag_set, unknown_filter},
    params::{Params, boolean_word},
};
use crate::{
    action::{
        Caller,
        network::{
            self as ops, AssociateSubnet, CreateRouteTable, CreateRoutes, CreateSubnets,
            DeleteRouteTable, DeleteRoutes, DeleteSubnet, DescribeRouteTables, DescribeSubnets,
            MAX_ITEMS_PER_CALL, RenameRouteTable, RenameSubnet, ReplaceRoutes, RouteFields,
            SetRoutesEnabled, SubnetFields,
        },
    },
    domain::{
        ApiError, ApiResult, ErrorCode, actions::ActionName, ids::VpcRef, link::Tag,
        time::format_time,
    },
    store::{
        NameMatch, NewRoute, Route, RouteRef, RouteTable, RouteTableFilter, Subnet, SubnetFilter,
        TagMatch,
    },
    transport::AppState,
};

const SUBNET_FIELDS: SubnetFields = SubnetFields {
    name: "SubnetName",
    cidr: "CidrBlock",
    zone: "Zone",
};

const SUBNETS_FIELDS: SubnetFields = SubnetFields {
    name: "Subnets.SubnetName",
    cidr: "Subnets.CidrBlock",
    zone: "Subnets.Zone",
};

const ROUTE_FIELDS: RouteFields = RouteFields {
    destination: "Routes.DestinationCidrBlock",
    gateway_type: "Routes.GatewayType",
    gateway_id: "Routes.GatewayId",
    description: "Routes.RouteDescription",
};

/// Runs one of the subnet, route-table and route actions.
pub async fn dispatch(
    app: &AppState,
    caller: &Caller,
    action: ActionName,
    p: Params,
) -> ApiResult<Fields> {
    let run = &app.actions;
    Ok(match action {
        ActionName::CreateSubnet => {
            let created = run.run(caller, action, create_subnet(p)).await?;
            let subnet = created.first().map(subnet_model).unwrap_or(Value::Null);
            answer([("Subnet", subnet)])
        }
        ActionName::CreateSubnets => {
            let created = run.run(caller, action, create_subnets(p)).await?;
            answer([("SubnetSet", created.iter().map(subnet_model).collect())])
        }
        ActionName::DescribeSubnets => {
            let page = run.run(caller, action, describe_subnets(p)).await?;
            answer([
                ("TotalCount", json!(page.total)),
                ("SubnetSet", page.items.iter().map(subnet_model).collect()),
            ])
        }
        ActionName::DeleteSubnet => {
            let op = one_id(p, "SubnetId", ops::subnet_id).map(DeleteSubnet);
            run.run(caller, action, op).await?;
            Fields::new()
        }
        ActionName::ModifySubnetAttribute => {
            run.run(caller, action, rename_subnet(p)).await?;
            Fields::new()
        }
        ActionName::CreateRouteTable => {
            let table = run.run(caller, action, create_route_table(p)).await?;
            answer([("RouteTable", route_table_model(&table, &table.routes))])
        }
        ActionName::DescribeRouteTables => {
            let (op, with_routes) = match describe_route_tables(p) {
                Ok((op, with_routes)) => (Ok(op), with_routes),
                Err(err) => (Err(err), true),
            };
            let page = run.run(caller, action, op).await?;
            let tables = page
                .items
                .iter()
                .map(|t| route_table_model(t, if with_routes { &t.routes } else { &[] }));
            answer([
                ("TotalCount", json!(page.total)),
                ("RouteTableSet", tables.collect()),
            ])
        }
        ActionName::DeleteRouteTable => {
            let op = one_id(p, "RouteTableId", ops::route_table_id).map(DeleteRouteTable);
            run.run(caller, action, op).await?;
            Fields::new()
        }
        ActionName::ModifyRouteTableAttribute => {
            run.run(caller, action, rename_route_table(p)).await?;
            Fields::new()
        }
        ActionName::ReplaceRouteTableAssociation => {
            run.run(caller, action, associate(p)).await?;
            Fields::new()
        }
        ActionName::CreateRoutes => {
            let (added, table) = run.run(caller, action, create_routes(p)).await?;
            // The table with only the routes this call added: Terraform
            // takes the first as the one it made.
            answer([
                ("TotalCount", json!(added.len())),
                ("RouteTableSet", json!([route_table_model(&table, &added)])),
            ])
        }
        ActionName::DeleteRoutes => {
            let deleted = run.run(caller, action, delete_routes(p)).await?;
            answer([("RouteSet", deleted.iter().map(route_model).collect())])
        }
        ActionName::ReplaceRoutes => {
            let (old, new) = run.run(caller, action, replace_routes(p)).await?;
            answer([
                ("OldRouteSet", old.iter().map(route_model).collect()),
                ("NewRouteSet", new.iter().map(route_model).collect()),
            ])
        }
        ActionName::EnableRoutes | ActionName::DisableRoutes => {
            let enabled = action == ActionName::EnableRoutes;
            run.run(caller, action, set_routes_enabled(p, enabled))
                .await?;
            Fields::new()
        }
        other => {
            return Err(ApiError::internal_because(format!(
                "API 3.0's network actions do not include {other}"
            )));
        }
    })
}

/// An action whose one parameter is an id: `DeleteSubnet`, `DeleteRouteTable`.
fn one_id(
    mut p: Params,
    field: &'static str,
    parse: fn(&str, &'static str) -> ApiResult<String>,
) -> ApiResult<String> {
    let id = p.required_string(field)?;
    p.finish()?;
    parse(&id, field)
}

// ---- subnets ----

/// Parameters of the real subnet that vpcsim does not simulate.
fn refuse_unsimulated(p: &mut Params, names: &[&str]) -> ApiResult<()> {
    p.refuse(names, |name| match name {
        "CdcId" => "vpcsim does not simulate CDC (CdcId)".to_owned(),
        other => format!("vpcsim does not simulate IPv6 ({other}) yet"),
    })
}

fn create_subnet(mut p: Params) -> ApiResult<CreateSubnets> {
    let vpc = p.required_string("VpcId")?;
    let name = p.required_string("SubnetName")?;
    let zone = p.required_string("Zone")?;
    let cidr = p.required_string("CidrBlock")?;
    let tags = p.tags()?.unwrap_or_default();
    refuse_unsimulated(&mut p, &["StackType", "Ipv6CidrBlock", "CdcId"])?;
    p.finish()?;
    Ok(CreateSubnets {
        vpc: VpcRef::parse(&vpc, "VpcId")?,
        subnets: vec![ops::new_subnet(&name, &cidr, &zone, tags, SUBNET_FIELDS)?],
    })
}

/// CreateSubnets: `Tags` go to every subnet of the call.
fn create_subnets(mut p: Params) -> ApiResult<CreateSubnets> {
    let vpc = p.required_string("VpcId")?;
    let given = p.objects("Subnets")?.unwrap_or_default();
    let tags = p.tags()?.unwrap_or_default();
    refuse_unsimulated(&mut p, &["CdcId"])?;
    p.finish()?;
    let vpc = VpcRef::parse(&vpc, "VpcId")?;
    ops::check_items(given.len(), "Subnets")?;
    let subnets = given
        .into_iter()
        .map(|s| subnet_input(s, tags.clone()))
        .collect::<ApiResult<_>>()?;
    Ok(CreateSubnets { vpc, subnets })
}

/// One `SubnetInput`.
fn subnet_input(mut s: Params, tags: Vec<Tag>) -> ApiResult<crate::store::NewSubnet> {
    let name = s.required_string("SubnetName")?;
    let zone = s.required_string("Zone")?;
    let cidr = s.required_string("CidrBlock")?;
    // A subnet starts on its VPC's default table; an empty id is none.
    if s.string("RouteTableId")?.is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedOperation,
            "vpcsim associates a new subnet with its VPC's default route table \
             (Subnets.RouteTableId); use ReplaceRouteTableAssociation afterwards",
        ));
    }
    refuse_unsimulated(&mut s, &["StackType", "Ipv6CidrBlock"])?;
    s.finish()?;
    ops::new_subnet(&name, &cidr, &zone, tags, SUBNETS_FIELDS)
}

fn rename_subnet(mut p: Params) -> ApiResult<RenameSubnet> {
    let id = p.required_string("SubnetId")?;
    let name = p.string("SubnetName")?;
    // Terraform sends EnableBroadcast with every change; "false" is what
    // vpcsim shows.
    p.refuse_changes(&[("EnableBroadcast", json!(false))], |_| {
        "vpcsim does not simulate broadcast in subnets (EnableBroadcast)".to_owned()
    })?;
    p.finish()?;
    let subnet = ops::subnet_id(&id, "SubnetId")?;
    let name = name.ok_or_else(|| ApiError::missing("SubnetName"))?;
    Ok(RenameSubnet {
        subnet,
        name: ops::name(&name, "SubnetName")?,
    })
}

/// The most ids one Describe takes (`SubnetIds`, `RouteTableIds`).
fn check_id_count(ids: &Option<Vec<String>>, field: &'static str) -> ApiResult<()> {
    match ids {
        Some(ids) if ids.len() > MAX_ITEMS_PER_CALL => Err(ApiError::field(
            ErrorCode::InvalidParameterValueLimitExceeded,
            field,
            format!(
                "{field} names {} ids; at most {MAX_ITEMS_PER_CALL} are allowed",
                ids.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// Values of a boolean filter (`"true"`, `"FALSE"`): which of the two match.
fn boolean_values(values: &[String], filter: &str) -> ApiResult<Vec<bool>> {
    values
        .iter()
        .map(|v| {
            boolean_word(v).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidParameterValue,
                    format!("filter {filter} takes true or false, not {v:?}"),
                )
            })
        })
        .collect()
}

fn parse_all(
    values: Option<Vec<String>>,
    parse: fn(&str, &'static str) -> ApiResult<String>,
    field: &'static str,
) -> ApiResult<Option<Vec<String>>> {
    values
        .map(|v| v.iter().map(|id| parse(id, field)).collect())
        .transpose()
}

fn vpc_refs(values: Option<Vec<String>>) -> ApiResult<Option<Vec<VpcRef>>> {
    values
        .map(|v| {
            v.iter()
                .map(|id| VpcRef::parse(id, "Filters.vpc-id"))
                .collect()
        })
        .transpose()
}

fn describe_subnets(mut p: Params) -> ApiResult<DescribeSubnets> {
    let ids = p.strings("SubnetIds")?;
    let filters = p.filters()?;
    let (offset, limit) = p.page(100)?;
    p.refuse(&["MaxResults", "NextToken"], |name| {
        format!("vpcsim pages DescribeSubnets with Offset and Limit, not {name}")
    })?;
    p.finish()?;
    check_id_count(&ids, "SubnetIds")?;
    let (mut ids, filters) = ids_or_filters(ids, filters, "SubnetIds")?;
    let (mut vpcs, mut blocks, mut names, mut zones) = (None, None, None, None);
    let mut tags: Vec<TagMatch> = Vec::new();
    for (name, values) in filters {
        let slot = match name.as_str() {
            "subnet-id" => &mut ids,
            "vpc-id" => &mut vpcs,
            "cidr-block" => &mut blocks,
            "subnet-name" => &mut names,
            "zone" => &mut zones,
            // vpcsim makes no default subnets: `false` matches every one.
            "is-default" => {
                if !boolean_values(&values, &name)?.contains(&false) {
                    narrow(&mut ids, Vec::new());
                }
                continue;
            }
            other => match tag_filter(other, values)? {
                Some(tag) => {
                    tags.push(tag);
                    continue;
                }
                None => {
                    return Err(unknown_filter(
                        other,
                        "subnet-id, vpc-id, cidr-block, subnet-name, zone, is-default, tag-key, tag:<key>",
                    ));
                }
            },
        };
        narrow(slot, values);
    }
    Ok(DescribeSubnets(SubnetFilter {
        ids: parse_all(ids, ops::subnet_id, "SubnetIds")?,
        vpcs: vpc_refs(vpcs)?,
        names,
        // As DescribeVpcs' vpc-name, and the legacy API's subnetName.
        name_match: NameMatch::Contains,
        zones,
        cidr_blocks: blocks,
        tags,
        offset,
        limit,
        ..SubnetFilter::default()
    }))
}

/// A subnet as the SDK's `Subnet` model has it: every field, those vpcsim
/// does not model at what a plain IPv4 subnet shows.
pub fn subnet_model(s: &Subnet) -> Value {
    json!({
        "VpcId": s.vpc_id,
        "SubnetId": s.subnet_id,
        "SubnetName": s.subnet_name,
        "CidrBlock": s.cidr_block,
        "IsDefault": false,
        "EnableBroadcast": false,
        "Zone": s.zone,
        "RouteTableId": s.route_table_id,
        "CreatedTime": format_time(s.create_time),
        "AvailableIpAddressCount": s.available_ip_address_count,
        "Ipv6CidrBlock": "",
        "NetworkAclId": "",
        "IsRemoteVpcSnat": false,
        "TotalIpAddressCount": s.total_ip_address_count,
        "TagSet": tag_set(&s.tags),
        "CdcId": "",
        "IsCdcSubnet": 0,
        "StackType": "ipv4",
    })
}

// ---- route tables ----

fn create_route_table(mut p: Params) -> ApiResult<CreateRouteTable> {
    let vpc = p.required_string("VpcId")?;
    let name = p.required_string("RouteTableName")?;
    let tags = p.tags()?.unwrap_or_default();
    p.finish()?;
    Ok(CreateRouteTable {
        vpc: VpcRef::parse(&vpc, "VpcId")?,
        name: ops::name(&name, "RouteTableName")?,
        tags,
    })
}

/// DescribeRouteTables, and whether the answer lists the tables' routes
/// (`NeedRouterInfo`, true unless given false).
fn describe_route_tables(mut p: Params) -> ApiResult<(DescribeRouteTables, bool)> {
    let ids = p.strings("RouteTableIds")?;
    let filters = p.filters()?;
    let (offset, limit) = p.page(100)?;
    let with_routes = p.boolean("NeedRouterInfo")?.unwrap_or(true);
    p.finish()?;
    check_id_count(&ids, "RouteTableIds")?;
    let (mut ids, filters) = ids_or_filters(ids, filters, "RouteTableIds")?;
    let (mut vpcs, mut names) = (None, None);
    let mut main: Option<Vec<bool>> = None;
    let mut tags: Vec<TagMatch> = Vec::new();
    for (name, values) in filters {
        let slot = match name.as_str() {
            "route-table-id" => &mut ids,
            "route-table-name" => &mut names,
            "vpc-id" => &mut vpcs,
            "association.main" => {
                let wanted = boolean_values(&values, &name)?;
                main = Some(match main {
                    None => wanted,
                    Some(before) => before.into_iter().filter(|b| wanted.contains(b)).collect(),
                });
                continue;
            }
            other => match tag_filter(other, values)? {
                Some(tag) => {
                    tags.push(tag);
                    continue;
                }
                None => {
                    return Err(unknown_filter(
                        other,
                        "route-table-id, route-table-name, vpc-id, association.main, tag-key, tag:<key>",
                    ));
                }
            },
        };
        narrow(slot, values);
    }
    let main = match main {
        None => None,
        Some(wanted) if wanted.contains(&true) && wanted.contains(&false) => None,
        Some(wanted) => match wanted.first() {
            Some(only) => Some(*only),
            // No value of association.main left: nothing matches.
            None => {
                narrow(&mut ids, Vec::new());
                None
            }
        },
    };
    let op = DescribeRouteTables(RouteTableFilter {
        ids: parse_all(ids, ops::route_table_id, "RouteTableIds")?,
        vpcs: vpc_refs(vpcs)?,
        names,
        // As the legacy API's routeTableName.
        name_match: NameMatch::Contains,
        main,
        tags,
        offset,
        limit,
        ..RouteTableFilter::default()
    });
    Ok((op, with_routes))
}

fn rename_route_table(mut p: Params) -> ApiResult<RenameRouteTable> {
    let id = p.required_string("RouteTableId")?;
    let name = p.required_string("RouteTableName")?;
    p.finish()?;
    Ok(RenameRouteTable {
        route_table: ops::route_table_id(&id, "RouteTableId")?,
        name: ops::name(&name, "RouteTableName")?,
    })
}

/// ReplaceRouteTableAssociation. The model marks `SubnetId` optional (for
/// subnets without a unique id, which vpcsim does not have): it is required.
fn associate(mut p: Params) -> ApiResult<AssociateSubnet> {
    let table = p.required_string("RouteTableId")?;
    let subnet = p.required_string("SubnetId")?;
    p.finish()?;
    Ok(AssociateSubnet {
        subnet: ops::subnet_id(&subnet, "SubnetId")?,
        route_table: ops::route_table_id(&table, "RouteTableId")?,
    })
}

/// A route table as the SDK's `RouteTable` model has it, listing `routes`.
pub fn route_table_model(t: &RouteTable, routes: &[Route]) -> Value {
    let associations: Vec<Value> = t
        .subnet_ids
        .iter()
        .map(|s| json!({ "SubnetId": s, "RouteTableId": t.route_table_id }))
        .collect();
    json!({
        "VpcId": t.vpc_id,
        "RouteTableId": t.route_table_id,
        "RouteTableName": t.route_table_name,
        "AssociationSet": associations,
        "RouteSet": routes.iter().map(route_model).collect::<Vec<_>>(),
        "Main": t.main,
        "CreatedTime": format_time(t.create_time),
        "TagSet": tag_set(&t.tags),
        "LocalCidrForCcn": [],
    })
}

/// A route as the SDK's `Route` model has it: every route vpcsim keeps is
/// a user's IPv4 route.
pub fn route_model(r: &Route) -> Value {
    json!({
        "DestinationCidrBlock": r.destination_cidr_block,
        "GatewayType": r.gateway_type,
        "GatewayId": r.gateway_id,
        "RouteId": r.route_id,
        "RouteDescription": r.route_description,
        "Enabled": r.enabled,
        "RouteType": "USER",
        "RouteTableId": r.route_table_id,
        "DestinationIpv6CidrBlock": "",
        "RouteItemId": r.route_item_id,
        "PublishedToVbc": false,
        "CreatedTime": format_time(r.create_time),
        "CdcId": "",
    })
}

// ---- routes ----

/// One `Route` of a request, every field of the model read; which of them
/// count depends on the action.
struct GivenRoute {
    route_id: Option<i64>,
    item_id: String,
    destination: String,
    gateway_type: String,
    gateway_id: String,
    description: String,
    enabled: Option<bool>,
    route_type: String,
    ipv6_destination: String,
    cdc: String,
}

fn given_route(mut r: Params) -> ApiResult<GivenRoute> {
    let mut text = |name: &str| r.string(name).map(Option::unwrap_or_default);
    let route = GivenRoute {
        item_id: text("RouteItemId")?,
        destination: text("DestinationCidrBlock")?,
        gateway_type: text("GatewayType")?,
        gateway_id: text("GatewayId")?,
        description: text("RouteDescription")?,
        route_type: text("RouteType")?,
        ipv6_destination: text("DestinationIpv6CidrBlock")?,
        cdc: text("CdcId")?,
        route_id: r.integer("RouteId")?,
        enabled: r.boolean("Enabled")?,
    };
    // What the API prints and ignores as input (a Route read back and sent
    // again carries them).
    r.ignore(&["RouteTableId", "PublishedToVbc", "CreatedTime"]);
    r.finish()?;
    Ok(route)
}

/// The `Routes` of a request, 1 to 100 of them.
fn given_routes(p: &mut Params) -> ApiResult<Vec<GivenRoute>> {
    let routes = p.objects("Routes")?.unwrap_or_default();
    ops::check_items(routes.len(), "Routes")?;
    routes.into_iter().map(given_route).collect()
}

/// The route a request names: by `RouteItemId` when it has one (the id the
/// API prefers), else by `RouteId` (what Terraform sends).
fn route_ref(route: &GivenRoute) -> ApiResult<RouteRef> {
    let (id, item) = if route.item_id.is_empty() {
        (route.route_id, "")
    } else {
        (None, route.item_id.as_str())
    };
    ops::route_ref(id, item, "Routes.RouteId", "Routes.RouteItemId")
}

/// The new content of a route: a user's enabled IPv4 route.
fn new_route(route: &GivenRoute) -> ApiResult<NewRoute> {
    let unsupported = |message: &str| ApiError::new(ErrorCode::UnsupportedOperation, message);
    if !route.ipv6_destination.is_empty() {
        return Err(unsupported(
            "vpcsim does not simulate IPv6 (Routes.DestinationIpv6CidrBlock) yet",
        ));
    }
    if !route.cdc.is_empty() {
        return Err(unsupported("vpcsim does not simulate CDC (Routes.CdcId)"));
    }
    if !(route.route_type.is_empty() || route.route_type == "USER") {
        return Err(unsupported(&format!(
            "Routes.RouteType {:?}: only USER routes are made by a call",
            route.route_type
        )));
    }
    if route.enabled == Some(false) {
        return Err(unsupported(
            "vpcsim makes routes enabled (Routes.Enabled); disable them with DisableRoutes",
        ));
    }
    ops::new_route(
        &route.destination,
        &route.gateway_type,
        &route.gateway_id,
        &route.description,
        ROUTE_FIELDS,
    )
}

fn create_routes(mut p: Params) -> ApiResult<CreateRoutes> {
    let table = p.required_string("RouteTableId")?;
    let routes = given_routes(&mut p)?;
    p.finish()?;
    Ok(CreateRoutes {
        route_table: ops::route_table_id(&table, "RouteTableId")?,
        routes: routes.iter().map(new_route).collect::<ApiResult<_>>()?,
    })
}

fn delete_routes(mut p: Params) -> ApiResult<DeleteRoutes> {
    let table = p.required_string("RouteTableId")?;
    let routes = given_routes(&mut p)?;
    p.finish()?;
    Ok(DeleteRoutes {
        route_table: ops::route_table_id(&table, "RouteTableId")?,
        routes: routes.iter().map(route_ref).collect::<ApiResult<_>>()?,
    })
}

fn replace_routes(mut p: Params) -> ApiResult<ReplaceRoutes> {
    let table = p.required_string("RouteTableId")?;
    let routes = given_routes(&mut p)?;
    p.finish()?;
    Ok(ReplaceRoutes {
        route_table: ops::route_table_id(&table, "RouteTableId")?,
        routes: routes
            .iter()
            .map(|r| Ok((route_ref(r)?, new_route(r)?)))
            .collect::<ApiResult<_>>()?,
    })
}

/// EnableRoutes and DisableRoutes: `RouteIds` or `RouteItemIds`, not both.
fn set_routes_enabled(mut p: Params, enabled: bool) -> ApiResult<SetRoutesEnabled> {
    let table = p.required_string("RouteTableId")?;
    let ids = p.integers("RouteIds")?;
    let items = p.strings("RouteItemIds")?;
    p.finish()?;
    let routes = match (ids, items) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterCoexist,
                "RouteIds and RouteItemIds cannot be given together",
            ));
        }
        (Some(ids), None) => {
            ops::check_items(ids.len(), "RouteIds")?;
            ids.into_iter()
                .map(|id| match id {
                    1.. => Ok(RouteRef::Id(id)),
                    _ => Err(ApiError::field(
                        ErrorCode::InvalidParameterValueRange,
                        "RouteIds",
                        format!("RouteIds {id} is not a route id, which is positive"),
                    )),
                })
                .collect::<ApiResult<Vec<_>>>()?
        }
        (None, Some(items)) => {
            ops::check_items(items.len(), "RouteItemIds")?;
            items
                .iter()
                .map(|item| ops::route_ref(None, item, "RouteIds", "RouteItemIds"))
                .collect::<ApiResult<Vec<_>>>()?
        }
        (None, None) => return Err(ApiError::missing("RouteIds")),
    };
    Ok(SetRoutesEnabled {
        route_table: ops::route_table_id(&table, "RouteTableId")?,
        routes,
        enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(action: &str, json: &str) -> Params {
        Params::new(
            action,
            super::super::params::from_json(json.as_bytes()).unwrap(),
        )
    }

    #[test]
    fn a_route_is_named_by_its_item_id_first_then_its_route_id() {
        let op = delete_routes(params(
            "DeleteRoutes",
            r#"{"RouteTableId": "rtb-12345678", "Routes": [
                {"RouteId": 7, "RouteItemId": "rti-abcdefgh", "DestinationCidrBlock": "10.1.0.0/16",
                 "GatewayType": "NAT", "GatewayId": "nat-12345678", "RouteType": "USER",
                 "CreatedTime": "2024-01-01 00:00:00", "PublishedToVbc": false,
                 "RouteTableId": "rtb-12345678", "Enabled": true},
                {"RouteId": "8", "RouteItemId": ""}]}"#,
        ))
        .unwrap();
        assert_eq!(
            op.routes,
            [RouteRef::Item("rti-abcdefgh".into()), RouteRef::Id(8)]
        );
        let code = |json: &str| {
            delete_routes(params("DeleteRoutes", json))
                .err()
                .map(|e| e.code)
        };
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "Routes": [{"RouteId": 0}]}"#),
            Some(ErrorCode::MissingParameter)
        );
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "Routes": [{"Colour": "red"}]}"#),
            Some(ErrorCode::UnknownParameter)
        );
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "Routes": {"RouteId": 1}}"#),
            Some(ErrorCode::InvalidParameter)
        );
    }

    #[test]
    fn association_main_takes_either_word_in_any_case() {
        let main = |values: &str| {
            let json =
                format!(r#"{{"Filters": [{{"Name": "association.main", "Values": {values}}}]}}"#);
            let (op, _) = describe_route_tables(params("DescribeRouteTables", &json)).unwrap();
            (op.0.main, op.0.ids)
        };
        assert_eq!(main(r#"["TRUE"]"#), (Some(true), None));
        assert_eq!(main(r#"["false"]"#), (Some(false), None));
        assert_eq!(main(r#"["true", "False"]"#), (None, None));
        assert_eq!(main("[]"), (None, Some(Vec::new())));
        let (_, with_routes) = describe_route_tables(params(
            "DescribeRouteTables",
            r#"{"NeedRouterInfo": "False"}"#,
        ))
        .unwrap();
        assert!(!with_routes);
    }

    #[test]
    fn enable_routes_takes_one_kind_of_id() {
        let code = |json: &str| {
            set_routes_enabled(params("EnableRoutes", json), true)
                .err()
                .map(|e| e.code)
        };
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "RouteIds": ["3", 4]}"#),
            None
        );
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "RouteIds": [1], "RouteItemIds": []}"#),
            Some(ErrorCode::InvalidParameterCoexist)
        );
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "RouteIds": [-1]}"#),
            Some(ErrorCode::InvalidParameterValueRange)
        );
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "RouteIds": []}"#),
            Some(ErrorCode::MissingParameter)
        );
        assert_eq!(
            code(r#"{"RouteTableId": "rtb-12345678", "RouteItemIds": ["rti-1"]}"#),
            Some(ErrorCode::InvalidParameterValueMalformed)
        );
    }
}
