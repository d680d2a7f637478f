//! The legacy subnet, route-table and route actions, and
//! ModifyVpcAttribute (wire.md 6): each decodes its legacy parameters into
//! an operation of the action layer and encodes its answer with the legacy
//! field names.
//!
//! Every legacy call on a subnet or a table names its VPC too (`vpcId`):
//! the change runs inside that VPC ([`InVpc`]), so a subnet or table of
//! another VPC reads as not found, as a VPC that is not the caller's is
//! `InvalidVpc.NotFound`. vpcsim gives subnets and route tables one id, the
//! unique one (`subnet-…`, `rtb-…`): the legacy answers print it as both
//! the old id (`subnetId`) and the unique one (`unSubnetId`). Routes have no
//! id in the legacy API: a route is where it goes (`destinationCidrBlock`)
//! and through what (`nextType`, `nextHub`).

use serde_json::{Value, json};

use super::{
    super::{Fields, answer},
    params::{Item, Params},
};
use crate::{
    action::{
        Caller, Operation,
        fields::{self, NotAnInteger, PageFields},
        network::{
            self as ops, AssociateSubnets, CreateRouteTable, CreateRouteTableWithRoutes,
            CreateRoutes, CreateSubnets, DeleteRouteTable, DeleteRoutes, DeleteSubnet,
            DescribeRouteTablesAndVpcs, DescribeSubnetsAndVpcs, InVpc, RenameRouteTable,
            RenameSubnet, ResetRoutes, RouteFields, SubnetFields,
        },
        vpc::ModifyVpc,
    },
    domain::{
        ApiError, ApiResult, ErrorCode,
        actions::ActionName,
        ids::VpcRef,
        route::GatewayType,
        subnet::{zone_id, zone_of_id},
        time::format_time,
    },
    store::{
        NameMatch, NewRoute, Route, RouteRef, RouteTable, RouteTableFilter, Store, Subnet,
        SubnetFilter, Vpc,
    },
    transport::AppState,
};

/// The legacy `nextType` of each gateway type: 0 公网网关 (a CVM as public
/// gateway), 1 VPN, 3 Direct Connect, 4 peering, 8 NAT and 9 an ordinary
/// CVM from the legacy DescribeRouteTable page (`查询路由表.md`); 5 HAVIP,
/// 10 EIP, 11 local gateway, 12 private NAT and 13 CCN from the Terraform provider's
/// table (`resource_tc_route_entry.go`), which goes on where the legacy
/// docs stop.
const NEXT_TYPES: [(i64, GatewayType); 11] = [
    (0, GatewayType::Cvm),
    (1, GatewayType::Vpn),
    (3, GatewayType::DirectConnect),
    (4, GatewayType::PeerConnection),
    (5, GatewayType::Havip),
    (8, GatewayType::Nat),
    (9, GatewayType::NormalCvm),
    (10, GatewayType::Eip),
    (11, GatewayType::LocalGateway),
    (12, GatewayType::IntraNat),
    (13, GatewayType::UserCcn),
];

/// `nextType` 2: the route of the VPC's own blocks, which every table has
/// and the legacy DescribeRouteTable lists first
/// (`{"destinationCidrBlock": "Local", "nextType": 2, "nextHub": "Local"}`).
const LOCAL_TYPE: i64 = 2;
const LOCAL: &str = "Local";

/// Next-hop types of the legacy API whose gateways vpcsim does not
/// simulate at all.
const UNSIMULATED_TYPES: [(i64, &str); 2] = [
    (7, "an SSL VPN gateway"),
    (14, "a gateway load balancer endpoint"),
];

fn legacy_next_type(gateway: GatewayType) -> i64 {
    NEXT_TYPES
        .iter()
        .find(|(_, g)| *g == gateway)
        .map_or(-1, |(n, _)| *n)
}

const SUBNET_FIELDS: SubnetFields = SubnetFields {
    name: "subnetSet.n.subnetName",
    cidr: "subnetSet.n.cidrBlock",
    zone: "subnetSet.n.zoneId",
};

const ROUTE_FIELDS: RouteFields = RouteFields {
    destination: "routeSet.n.destinationCidrBlock",
    gateway_type: "routeSet.n.nextType",
    gateway_id: "routeSet.n.nextHub",
    description: "routeSet.n.description",
};

const PAGE: PageFields = PageFields {
    offset: "offset",
    limit: "limit",
};

/// Whether the actions here answer `action`.
pub fn answers(action: ActionName) -> bool {
    matches!(
        action,
        ActionName::CreateSubnet
            | ActionName::DescribeSubnets
            | ActionName::DeleteSubnet
            | ActionName::ModifySubnetAttribute
            | ActionName::CreateRouteTable
            | ActionName::DescribeRouteTables
            | ActionName::DeleteRouteTable
            | ActionName::ModifyRouteTableAttribute
            | ActionName::ReplaceRouteTableAssociation
            | ActionName::CreateRoutes
            | ActionName::DeleteRoutes
            | ActionName::ModifyVpcAttribute
    )
}

/// Runs `action` (of [`answers`]) in its legacy `form` for `caller`.
pub async fn dispatch(
    app: &AppState,
    caller: &Caller,
    action: ActionName,
    form: usize,
    mut p: Params,
) -> ApiResult<Fields> {
    let run = &app.actions;
    let done = Fields::new();
    Ok(match action {
        ActionName::CreateSubnet => {
            let created = run.run(caller, action, create_subnets(p)).await?;
            answer([("subnetSet", created.iter().map(created_subnet).collect())])
        }
        ActionName::DescribeSubnets if form == 0 => {
            let (page, vpcs) = run.run(caller, action, describe_subnets(p)).await?;
            let data = page.items.iter().map(|s| subnet_item(s, &vpcs));
            answer([("totalCount", json!(page.total)), ("data", data.collect())])
        }
        ActionName::DescribeSubnets => {
            let op = one_subnet(&mut p).and_then(|op| p.finish().map(|()| op));
            let named = op.as_ref().ok().map(|DescribeSubnetsAndVpcs(f)| {
                let id = f.ids.iter().flatten().next().cloned().unwrap_or_default();
                let vpc = f
                    .vpcs
                    .iter()
                    .flatten()
                    .next()
                    .map(|v| v.as_str().to_owned());
                (id, vpc.unwrap_or_default())
            });
            let (page, vpcs) = run.run(caller, action, op).await?;
            let subnet = page.items.first().ok_or_else(|| {
                let (id, vpc) = named.unwrap_or_default();
                ApiError::new(
                    ErrorCode::InvalidSubnetNotFound,
                    format!(
                        "{id} is not a subnet of vpc {vpc} in {}",
                        caller.region.name
                    ),
                )
            })?;
            match subnet_item(subnet, &vpcs) {
                Value::Object(fields) => fields,
                _ => Fields::new(),
            }
        }
        ActionName::DeleteSubnet => {
            let op = Scope::of(&mut p).and_then(|mut scope| {
                let subnet = scope.subnet(&mut p, "subnetId")?;
                p.finish()?;
                Ok(scope.with(DeleteSubnet(subnet)))
            });
            run.run(caller, action, op).await?;
            done
        }
        ActionName::ModifySubnetAttribute => {
            let op = Scope::of(&mut p).and_then(|mut scope| {
                let subnet = scope.subnet(&mut p, "subnetId")?;
                let name = ops::name(&p.required("subnetName")?, "subnetName")?;
                p.finish()?;
                Ok(scope.with(RenameSubnet { subnet, name }))
            });
            run.run(caller, action, op).await?;
            done
        }
        ActionName::CreateRouteTable => {
            let table = run.run(caller, action, create_route_table(p)).await?;
            answer([
                ("routeTableId", json!(table.route_table_id)),
                ("unRouteTableId", json!(table.route_table_id)),
                (
                    "routeTableSet",
                    table.routes.iter().map(|r| route_item(r, false)).collect(),
                ),
            ])
        }
        ActionName::DescribeRouteTables => {
            let (page, vpcs) = run.run(caller, action, describe_route_tables(p)).await?;
            let data = page.items.iter().map(|t| table_item(t, &vpcs));
            answer([("totalCount", json!(page.total)), ("data", data.collect())])
        }
        ActionName::DeleteRouteTable => {
            let op = Scope::of(&mut p).and_then(|mut scope| {
                let table = scope.table(&mut p, "routeTableId")?;
                p.finish()?;
                Ok(scope.with(DeleteRouteTable(table)))
            });
            run.run(caller, action, op).await?;
            done
        }
        ActionName::ModifyRouteTableAttribute => {
            let op = modify_route_table(&mut p).and_then(|op| p.finish().map(|()| op));
            run.run(caller, action, op).await?;
            done
        }
        ActionName::ReplaceRouteTableAssociation => {
            let op = associate(&mut p).and_then(|op| p.finish().map(|()| op));
            run.run(caller, action, op).await?;
            done
        }
        ActionName::CreateRoutes => {
            let op = Scope::of(&mut p).and_then(|mut scope| {
                let route_table = scope.table(&mut p, "routeTableId")?;
                let routes = routes(&mut p, true, false)?;
                p.finish()?;
                Ok(scope.with(CreateRoutes {
                    route_table,
                    routes,
                }))
            });
            run.run(caller, action, op).await?;
            done
        }
        ActionName::DeleteRoutes => {
            let op = Scope::of(&mut p).and_then(|mut scope| {
                let route_table = scope.table(&mut p, "routeTableId")?;
                let routes = route_matches(&mut p)?;
                p.finish()?;
                Ok(scope.with(DeleteRoutes {
                    route_table,
                    routes,
                }))
            });
            run.run(caller, action, op).await?;
            done
        }
        ActionName::ModifyVpcAttribute => {
            let op = p.required("vpcId").and_then(|id| {
                let name = p.required("vpcName")?;
                p.finish()?;
                ModifyVpc::decode(
                    VpcRef::parse(&id, "vpcId")?,
                    Some(&name),
                    "vpcName",
                    Vec::new(),
                    Vec::new(),
                )
            });
            run.run(caller, action, op).await?;
            done
        }
        other => {
            return Err(ApiError::internal_because(format!(
                "the legacy network actions do not answer {other}"
            )));
        }
    })
}

// ---- decoding ----

/// The VPC a call names (`vpcId`, required), and the subnets and table it
/// names in it: the scope its change runs in.
struct Scope {
    vpc: VpcRef,
    subnets: Vec<String>,
    route_tables: Vec<String>,
}

impl Scope {
    fn of(p: &mut Params) -> ApiResult<Scope> {
        Ok(Scope {
            vpc: VpcRef::parse(&p.required("vpcId")?, "vpcId")?,
            subnets: Vec::new(),
            route_tables: Vec::new(),
        })
    }

    /// The subnet of required parameter `param`, which must be in the VPC.
    fn subnet(&mut self, p: &mut Params, param: &'static str) -> ApiResult<String> {
        let id = ops::subnet_id(&p.required(param)?, param)?;
        self.subnets.push(id.clone());
        Ok(id)
    }

    /// The table of required parameter `param`, which must be in the VPC.
    fn table(&mut self, p: &mut Params, param: &'static str) -> ApiResult<String> {
        let id = ops::route_table_id(&p.required(param)?, param)?;
        self.route_tables.push(id.clone());
        Ok(id)
    }

    fn with<O>(self, op: O) -> InVpc<O> {
        InVpc {
            vpc: self.vpc,
            subnets: self.subnets,
            route_tables: self.route_tables,
            op,
        }
    }
}

/// A legacy `zoneId`: a numeric zone id (`100003`), or a zone's name
/// (Terraform's legacy provider sent `ap-guangzhou-3` there).
fn zone(text: &str, field: &'static str) -> ApiResult<String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(text.to_owned());
    }
    text.parse()
        .ok()
        .and_then(zone_of_id)
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameterValue,
                field,
                format!("{field} {text} is not the id of a zone vpcsim serves (ap-guangzhou-3 is 100003)"),
            )
        })
}

/// The value of field `at` of an item, which must be there.
fn required<'a>(item: &'a Item, at: usize, field: &'static str) -> ApiResult<&'a str> {
    if item.given(at) {
        Ok(item.get(at))
    } else {
        Err(ApiError::missing(field))
    }
}

/// CreateSubnet: `vpcId` and `subnetSet.n.{subnetName, cidrBlock,
/// zoneId}`, one subnet or many, made together or not at all.
fn create_subnets(mut p: Params) -> ApiResult<CreateSubnets> {
    let vpc = VpcRef::parse(&p.required("vpcId")?, "vpcId")?;
    let items = p.items("subnetSet", &["subnetName", "cidrBlock", "zoneId"])?;
    p.finish()?;
    ops::check_items(items.len(), "subnetSet")?;
    let subnets = items
        .iter()
        .map(|item| {
            let name = required(item, 0, SUBNET_FIELDS.name)?;
            let cidr = required(item, 1, SUBNET_FIELDS.cidr)?;
            let zone = zone(required(item, 2, SUBNET_FIELDS.zone)?, SUBNET_FIELDS.zone)?;
            ops::new_subnet(name, cidr, &zone, Vec::new(), SUBNET_FIELDS)
        })
        .collect::<ApiResult<_>>()?;
    Ok(CreateSubnets { vpc, subnets })
}

/// `orderField` and `orderDirection`: by name or creation, newest first
/// unless `asc` (the legacy default is `desc`).
fn order(p: &mut Params, name_field: &'static str) -> ApiResult<(bool, bool)> {
    let field = p.string("orderField")?;
    let direction = p.string("orderDirection")?;
    let by_name = fields::choose(
        field.as_deref(),
        "orderField",
        &[("createTime", false), (name_field, true)],
        false,
    )?;
    let descending = fields::choose(
        direction.as_deref(),
        "orderDirection",
        &[("asc", false), ("desc", true)],
        true,
    )?;
    Ok((by_name, descending))
}

/// DescribeSubnetEx: `vpcId`, `subnetId`, `subnetName` (a part of it),
/// `zoneIds.n`, `offset`, `limit` (1 to 100, 20), `orderField`
/// (`createTime` or `subnetName`), `orderDirection` (`desc` by default),
/// `getAclIdFlag` (0 or 1: vpcsim has no ACLs, every subnet shows 0).
fn describe_subnets(mut p: Params) -> ApiResult<DescribeSubnetsAndVpcs> {
    let vpc = p.string("vpcId")?;
    let id = p.string("subnetId")?;
    let name = p.string("subnetName")?;
    let zones = p.list("zoneIds")?;
    let offset = p.integer("offset", 0..=i64::MAX)?;
    let limit = p.integer("limit", 1..=100)?;
    p.integer("getAclIdFlag", 0..=1)?;
    let (by_name, descending) = order(&mut p, "subnetName")?;
    p.finish()?;
    let (offset, limit) = fields::page(offset, limit, 100, PAGE)?;
    let zones = zones
        .iter()
        .map(|z| zone(z, "zoneIds"))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(DescribeSubnetsAndVpcs(SubnetFilter {
        ids: id
            .map(|id| ops::subnet_id(&id, "subnetId").map(|s| vec![s]))
            .transpose()?,
        vpcs: vpc
            .map(|v| VpcRef::parse(&v, "vpcId").map(|r| vec![r]))
            .transpose()?,
        names: name.map(|n| vec![n]),
        name_match: NameMatch::Contains,
        zones: (!zones.is_empty()).then_some(zones),
        by_name,
        descending,
        offset,
        limit,
        ..SubnetFilter::default()
    }))
}

/// DescribeSubnet: `vpcId` and `subnetId`, both required.
fn one_subnet(p: &mut Params) -> ApiResult<DescribeSubnetsAndVpcs> {
    let vpc = VpcRef::parse(&p.required("vpcId")?, "vpcId")?;
    let id = ops::subnet_id(&p.required("subnetId")?, "subnetId")?;
    Ok(DescribeSubnetsAndVpcs(SubnetFilter {
        ids: Some(vec![id]),
        vpcs: Some(vec![vpc]),
        offset: 0,
        limit: 1,
        ..SubnetFilter::default()
    }))
}

/// A legacy `nextType`: an integer of [`NEXT_TYPES`].
fn next_type(text: &str, field: &'static str) -> ApiResult<GatewayType> {
    if text.is_empty() {
        return Err(ApiError::missing(field));
    }
    let number = fields::integer(text).map_err(|why| match why {
        NotAnInteger::OutOfRange => fields::integer_out_of_range(field, text),
        NotAnInteger::Malformed => ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!("{field} must be an integer, not {text:?}"),
        ),
    })?;
    if let Some((_, gateway)) = NEXT_TYPES.iter().find(|(n, _)| *n == number) {
        return Ok(*gateway);
    }
    if number == LOCAL_TYPE {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValue,
            field,
            format!(
                "{field} 2 is the Local route of the vpc's own blocks, which every route table has; it is not added or deleted"
            ),
        ));
    }
    if let Some((_, what)) = UNSIMULATED_TYPES.iter().find(|(n, _)| *n == number) {
        return Err(ApiError::field(
            ErrorCode::UnsupportedOperation,
            field,
            format!("{field} {number}, a route through {what}, is not simulated by vpcsim"),
        ));
    }
    let choices: Vec<String> = NEXT_TYPES.iter().map(|(n, _)| n.to_string()).collect();
    Err(fields::out_of_choices(
        field,
        text,
        choices.iter().map(String::as_str),
    ))
}

const ROUTE_PARAMS: [&str; 4] = ["destinationCidrBlock", "nextType", "nextHub", "description"];

/// One route of a `routeSet`: `None` for the Local route where
/// `local_allowed` (a whole table sent back as DescribeRouteTable shows it).
fn route(item: &Item, local_allowed: bool) -> ApiResult<Option<NewRoute>> {
    let destination = required(item, 0, ROUTE_FIELDS.destination)?;
    let next_type_text = required(item, 1, ROUTE_FIELDS.gateway_type)?;
    let hub = required(item, 2, ROUTE_FIELDS.gateway_id)?;
    if local_allowed
        && destination == LOCAL
        && next_type_text == LOCAL_TYPE.to_string()
        && hub == LOCAL
    {
        return Ok(None);
    }
    let gateway = next_type(next_type_text, ROUTE_FIELDS.gateway_type)?;
    ops::new_route(
        destination,
        gateway.as_str(),
        hub,
        item.get(3),
        ROUTE_FIELDS,
    )
    .map(Some)
}

/// `routeSet.n.{destinationCidrBlock, nextType, nextHub, description}`:
/// at least one route where `required`, at most 100.
fn routes(p: &mut Params, required: bool, local_allowed: bool) -> ApiResult<Vec<NewRoute>> {
    let items = p.items("routeSet", &ROUTE_PARAMS)?;
    if items.is_empty() && !required {
        return Ok(Vec::new());
    }
    ops::check_items(items.len(), "routeSet")?;
    let mut routes = Vec::with_capacity(items.len());
    for item in &items {
        if let Some(route) = route(item, local_allowed)? {
            routes.push(route);
        }
    }
    Ok(routes)
}

/// DeleteRoute's `routeSet.n.{destinationCidrBlock, nextType, nextHub}`:
/// each route by where it goes and through what.
fn route_matches(p: &mut Params) -> ApiResult<Vec<RouteRef>> {
    let items = p.items("routeSet", &ROUTE_PARAMS[..3])?;
    ops::check_items(items.len(), "routeSet")?;
    items
        .iter()
        .map(|item| {
            let route = route(item, false)?.ok_or_else(|| ApiError::missing("routeSet"))?;
            Ok(RouteRef::Match {
                destination: route.destination,
                gateway_type: route.gateway_type,
                gateway_id: route.gateway_id,
            })
        })
        .collect()
}

/// CreateRouteTable: `vpcId`, `routeTableName`, optional `routeSet.n`.
fn create_route_table(mut p: Params) -> ApiResult<CreateRouteTableWithRoutes> {
    let vpc = VpcRef::parse(&p.required("vpcId")?, "vpcId")?;
    let name = ops::name(&p.required("routeTableName")?, "routeTableName")?;
    let routes = routes(&mut p, false, false)?;
    p.finish()?;
    Ok(CreateRouteTableWithRoutes {
        table: CreateRouteTable {
            vpc,
            name,
            tags: Vec::new(),
        },
        routes,
    })
}

/// What a legacy ModifyRouteTableAttribute does.
enum TableChange {
    /// `routeTableName` alone: a new name.
    Rename(InVpc<RenameRouteTable>),
    /// `routeSet.n` (and maybe `routeTableName`): the table's routes become
    /// those sent, as one change.
    Reset(InVpc<ResetRoutes>),
}

impl Operation for TableChange {
    type Output = RouteTable;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<RouteTable> {
        match self {
            TableChange::Rename(op) => op.apply(store, caller).await,
            TableChange::Reset(op) => op.apply(store, caller).await,
        }
    }
}

/// ModifyRouteTableAttribute: `vpcId`, `routeTableId`, and
/// `routeTableName`, `routeSet.n` or both. The routes sent replace the
/// table's (the Local route, sent back as DescribeRouteTable lists it, is
/// passed over); without `routeSet` they stay as they are.
fn modify_route_table(p: &mut Params) -> ApiResult<TableChange> {
    let mut scope = Scope::of(p)?;
    let route_table = scope.table(p, "routeTableId")?;
    let name = p
        .string("routeTableName")?
        .map(|n| ops::name(&n, "routeTableName"))
        .transpose()?;
    if !p.has("routeSet") {
        let name = name.ok_or_else(|| ApiError::missing("routeTableName"))?;
        return Ok(TableChange::Rename(
            scope.with(RenameRouteTable { route_table, name }),
        ));
    }
    let routes = routes(p, true, true)?;
    Ok(TableChange::Reset(scope.with(ResetRoutes {
        route_table,
        name,
        routes,
    })))
}

/// AssociateRouteTable: `vpcId`, `routeTableId`, and `subnetId` or a list
/// `subnetId.n`, each associated with the table, all or none.
fn associate(p: &mut Params) -> ApiResult<InVpc<AssociateSubnets>> {
    let mut scope = Scope::of(p)?;
    let route_table = scope.table(p, "routeTableId")?;
    let one = p.string("subnetId")?;
    let many = p.list("subnetId")?;
    let given = match (one, many.is_empty()) {
        (Some(_), false) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterCoexist,
                "give subnetId or subnetId.n, not both",
            ));
        }
        (Some(one), true) => vec![one],
        (None, false) => many,
        (None, true) => return Err(ApiError::missing("subnetId")),
    };
    ops::check_items(given.len(), "subnetId")?;
    let subnets = given
        .iter()
        .map(|id| ops::subnet_id(id, "subnetId"))
        .collect::<ApiResult<Vec<_>>>()?;
    scope.subnets.clone_from(&subnets);
    Ok(scope.with(AssociateSubnets {
        subnets,
        route_table,
    }))
}

/// DescribeRouteTable: `vpcId`, `routeTableId`, `routeTableName` (a part
/// of it), `offset`, `limit` (1 to 50, 20), `orderField` (`createTime` or
/// `routeTableName`), `orderDirection` (`desc` by default).
fn describe_route_tables(mut p: Params) -> ApiResult<DescribeRouteTablesAndVpcs> {
    let vpc = p.string("vpcId")?;
    let id = p.string("routeTableId")?;
    let name = p.string("routeTableName")?;
    let offset = p.integer("offset", 0..=i64::MAX)?;
    let limit = p.integer("limit", 1..=50)?;
    let (by_name, descending) = order(&mut p, "routeTableName")?;
    p.finish()?;
    let (offset, limit) = fields::page(offset, limit, 50, PAGE)?;
    Ok(DescribeRouteTablesAndVpcs(RouteTableFilter {
        ids: id
            .map(|id| ops::route_table_id(&id, "routeTableId").map(|t| vec![t]))
            .transpose()?,
        vpcs: vpc
            .map(|v| VpcRef::parse(&v, "vpcId").map(|r| vec![r]))
            .transpose()?,
        names: name.map(|n| vec![n]),
        name_match: NameMatch::Contains,
        by_name,
        descending,
        offset,
        limit,
        ..RouteTableFilter::default()
    }))
}

// ---- encoding ----

/// The VPC of `unique_id` among `vpcs`.
fn vpc_of<'a>(vpcs: &'a [Vpc], unique_id: &str) -> Option<&'a Vpc> {
    vpcs.iter().find(|v| v.un_vpc_id == unique_id)
}

/// The VPC fields of a subnet or table: its two ids, name and block.
fn vpc_fields(vpcs: &[Vpc], unique_id: &str) -> [(&'static str, Value); 4] {
    let vpc = vpc_of(vpcs, unique_id);
    [
        ("vpcId", json!(vpc.map_or(unique_id, |v| v.vpc_id.as_str()))),
        ("unVpcId", json!(unique_id)),
        ("vpcName", json!(vpc.map_or("", |v| v.vpc_name.as_str()))),
        (
            "vpcCidrBlock",
            json!(vpc.map_or("", |v| v.cidr_block.as_str())),
        ),
    ]
}

/// A subnet made by CreateSubnet.
fn created_subnet(s: &Subnet) -> Value {
    json!({
        "subnetId": s.subnet_id,
        "unSubnetId": s.subnet_id,
        "subnetName": s.subnet_name,
        "cidrBlock": s.cidr_block,
        "zoneId": zone_id(&s.zone),
        "routeTableId": s.route_table_id,
        "unRouteTableId": s.route_table_id,
    })
}

/// A subnet as DescribeSubnetEx lists it (and DescribeSubnet shows it).
fn subnet_item(s: &Subnet, vpcs: &[Vpc]) -> Value {
    let mut item: Fields = vpc_fields(vpcs, &s.vpc_id)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    item.append(&mut answer([
        ("subnetId", json!(s.subnet_id)),
        ("unSubnetId", json!(s.subnet_id)),
        ("subnetName", json!(s.subnet_name)),
        ("subnetCreateTime", json!(format_time(s.create_time))),
        ("cidrBlock", json!(s.cidr_block)),
        ("zoneId", json!(zone_id(&s.zone))),
        ("zone", json!(s.zone)),
        ("routeTableId", json!(s.route_table_id)),
        ("unRouteTableId", json!(s.route_table_id)),
        ("networkAclId", json!(0)),
        ("vpcDevices", json!(0)),
        ("totalIPNum", json!(s.total_ip_address_count)),
        ("availableIPNum", json!(s.available_ip_address_count)),
        ("broadcast", json!(false)),
        ("isDefault", json!(false)),
    ]));
    Value::Object(item)
}

/// A route with the legacy names; `unNextHub` too where `un` (Describe).
fn route_item(r: &Route, un: bool) -> Value {
    let next_type =
        GatewayType::parse(&r.gateway_type, "gateway_type").map_or(-1, legacy_next_type);
    let mut item = answer([
        ("destinationCidrBlock", json!(r.destination_cidr_block)),
        ("nextType", json!(next_type)),
        ("nextHub", json!(r.gateway_id)),
        ("description", json!(r.route_description)),
    ]);
    if un {
        item.insert("unNextHub".into(), json!(r.gateway_id));
    }
    Value::Object(item)
}

/// A table as DescribeRouteTable lists it: the Local route first, then
/// its own routes, oldest first.
fn table_item(t: &RouteTable, vpcs: &[Vpc]) -> Value {
    let local = json!({
        "destinationCidrBlock": LOCAL,
        "nextType": LOCAL_TYPE,
        "nextHub": LOCAL,
        "unNextHub": LOCAL,
        "description": "",
    });
    let routes: Vec<Value> = std::iter::once(local)
        .chain(t.routes.iter().map(|r| route_item(r, true)))
        .collect();
    let mut item: Fields = vpc_fields(vpcs, &t.vpc_id)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    item.append(&mut answer([
        ("routeTableId", json!(t.route_table_id)),
        ("unRouteTableId", json!(t.route_table_id)),
        ("routeTableName", json!(t.route_table_name)),
        ("routeTableType", json!(i64::from(t.main))),
        ("routeTableCreateTime", json!(format_time(t.create_time))),
        ("subnetNum", json!(t.subnet_ids.len())),
        ("routeSet", Value::Array(routes)),
    ]));
    Value::Object(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_types_map_both_ways() {
        for (number, gateway) in NEXT_TYPES {
            assert_eq!(next_type(&number.to_string(), "t"), Ok(gateway));
            assert_eq!(legacy_next_type(gateway), number);
        }
        assert_eq!(
            NEXT_TYPES.len(),
            GatewayType::ALL.len(),
            "every type has its number"
        );
        let code = |t: &str| next_type(t, "t").map_err(|e| e.code);
        assert_eq!(code("2"), Err(ErrorCode::InvalidParameterValue));
        assert_eq!(code("7"), Err(ErrorCode::UnsupportedOperation));
        assert_eq!(code("6"), Err(ErrorCode::InvalidParameterValueRange));
        assert_eq!(
            code("PEERCONNECTION"),
            Err(ErrorCode::InvalidParameterValueMalformed)
        );
        assert_eq!(code(""), Err(ErrorCode::MissingParameter));
    }

    #[test]
    fn zone_ids_or_names() {
        assert_eq!(zone("100003", "z").unwrap(), "ap-guangzhou-3");
        assert_eq!(zone("ap-guangzhou-4", "z").unwrap(), "ap-guangzhou-4");
        assert_eq!(
            zone("100005", "z").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterValue)
        );
    }
}
