//! The subnet, route-table and route operations, and the decoding every
//! front end shares for them: ids, names, blocks, zones, routes. Each front
//! end hands over its raw values and its own field names.

use super::{Caller, Operation, Page};
use crate::{
    domain::{
        ApiError, ApiResult, ErrorCode,
        ids::{VpcRef, parse_prefixed_id},
        link::Tag,
        names::validate_name,
        route::{GatewayType, check_route_description, parse_destination},
    },
    store::{
        NewRoute, NewSubnet, Route, RouteRef, RouteTable, RouteTableFilter, Store, Subnet,
        SubnetFilter, Vpc, VpcScope,
    },
};

/// Most subnets one CreateSubnets call makes, and most routes one call
/// names, as the SDK's docs give them.
pub const MAX_ITEMS_PER_CALL: usize = 100;
/// Longest route description, in characters.
pub use crate::domain::route::MAX_ROUTE_DESCRIPTION_CHARS;

/// Checks an id of the form `prefix` and 8 lowercase letters or digits.
pub fn parse_id(text: &str, prefix: &str, field: &'static str) -> ApiResult<String> {
    parse_prefixed_id(text, prefix, field)
}

pub fn subnet_id(text: &str, field: &'static str) -> ApiResult<String> {
    parse_id(text, "subnet-", field)
}

pub fn route_table_id(text: &str, field: &'static str) -> ApiResult<String> {
    parse_id(text, "rtb-", field)
}

/// A name of a subnet or route table: the rule of every name.
pub fn name(text: &str, field: &'static str) -> ApiResult<String> {
    validate_name(text, field, ErrorCode::InvalidParameterValue)?;
    Ok(text.to_owned())
}

/// A count of items a call names: 1 to [`MAX_ITEMS_PER_CALL`].
pub fn check_items(count: usize, field: &'static str) -> ApiResult<()> {
    if count == 0 {
        return Err(ApiError::missing(field));
    }
    if count > MAX_ITEMS_PER_CALL {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueLimitExceeded,
            field,
            format!("{field} names {count} items; at most {MAX_ITEMS_PER_CALL} are allowed"),
        ));
    }
    Ok(())
}

/// A front end's names for a subnet's fields.
#[derive(Debug, Clone, Copy)]
pub struct SubnetFields {
    pub name: &'static str,
    pub cidr: &'static str,
    pub zone: &'static str,
}

/// One subnet of a create, as a front end read it.
pub fn new_subnet(
    name_text: &str,
    cidr: &str,
    zone: &str,
    tags: Vec<Tag>,
    fields: SubnetFields,
) -> ApiResult<NewSubnet> {
    let name = name(name_text, fields.name)?;
    // Any canonical network: whether it fits its VPC (and the prefixes a
    // subnet may have) is the store's check, `InvalidParameterValue.SubnetRange`.
    let block = parse_destination(cidr, fields.cidr)?;
    if zone.is_empty() {
        return Err(ApiError::missing(fields.zone));
    }
    Ok(NewSubnet {
        name,
        block,
        zone: zone.to_owned(),
        tags,
    })
}

/// A front end's names for a route's fields.
#[derive(Debug, Clone, Copy)]
pub struct RouteFields {
    pub destination: &'static str,
    pub gateway_type: &'static str,
    pub gateway_id: &'static str,
    pub description: &'static str,
}

/// One route of a create or replace, as a front end read it.
pub fn new_route(
    destination: &str,
    gateway_type: &str,
    gateway_id: &str,
    description: &str,
    fields: RouteFields,
) -> ApiResult<NewRoute> {
    let destination = parse_destination(destination, fields.destination)?;
    let gateway_type = GatewayType::parse(gateway_type, fields.gateway_type)?;
    gateway_type.check_id(gateway_id, fields.gateway_id)?;
    check_route_description(description, fields.description)?;
    Ok(NewRoute {
        destination,
        gateway_type,
        gateway_id: gateway_id.to_owned(),
        description: description.to_owned(),
    })
}

/// A route a request names by id (`route_id` > 0) or item id (`rti-...`):
/// exactly one of them.
pub fn route_ref(
    route_id: Option<i64>,
    item_id: &str,
    id_field: &'static str,
    item_field: &'static str,
) -> ApiResult<RouteRef> {
    match (route_id.filter(|id| *id != 0), item_id.is_empty()) {
        (Some(_), false) => Err(ApiError::new(
            ErrorCode::InvalidParameterCoexist,
            format!("give {id_field} or {item_field}, not both"),
        )),
        (Some(id), true) if id > 0 => Ok(RouteRef::Id(id)),
        (Some(id), true) => Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            id_field,
            format!("{id_field} {id} must be a positive route id"),
        )),
        (None, false) => Ok(RouteRef::Item(parse_id(item_id, "rti-", item_field)?)),
        (None, true) => Err(ApiError::missing(id_field)),
    }
}

// ---- subnets ----

/// CreateSubnet and CreateSubnets: all of them or none.
pub struct CreateSubnets {
    pub vpc: VpcRef,
    pub subnets: Vec<NewSubnet>,
}

impl Operation for CreateSubnets {
    type Output = Vec<Subnet>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Vec<Subnet>> {
        store
            .create_subnets(caller.actor(), caller.region, self.vpc, self.subnets)
            .await
    }
}

/// DescribeSubnets with the VPCs of the subnets listed, from one read: the
/// legacy DescribeSubnetEx shows both ids of each subnet's VPC. A VPC the
/// filter names that the caller does not have is `InvalidVpc.NotFound`.
pub struct DescribeSubnetsAndVpcs(pub SubnetFilter);

impl Operation for DescribeSubnetsAndVpcs {
    type Output = (Page<Subnet>, Vec<Vpc>);

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Self::Output> {
        let (total, items, vpcs) = store
            .describe_subnets_and_vpcs(&caller.uin, caller.region, self.0)
            .await?;
        Ok((Page { total, items }, vpcs))
    }
}

pub struct DescribeSubnets(pub SubnetFilter);

impl Operation for DescribeSubnets {
    type Output = Page<Subnet>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Page<Subnet>> {
        let (total, items) = store
            .describe_subnets(&caller.uin, caller.region, self.0)
            .await?;
        Ok(Page { total, items })
    }
}

pub struct DeleteSubnet(pub String);

impl Operation for DeleteSubnet {
    type Output = ();

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<()> {
        store
            .delete_subnet(caller.actor(), caller.region, self.0)
            .await
    }
}

/// ModifySubnetAttribute: a new name.
pub struct RenameSubnet {
    pub subnet: String,
    pub name: String,
}

impl Operation for RenameSubnet {
    type Output = Subnet;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Subnet> {
        store
            .rename_subnet(caller.actor(), caller.region, self.subnet, self.name)
            .await
    }
}

/// ReplaceRouteTableAssociation.
pub struct AssociateSubnet {
    pub subnet: String,
    pub route_table: String,
}

impl Operation for AssociateSubnet {
    type Output = Subnet;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Subnet> {
        store
            .associate_subnet(caller.actor(), caller.region, self.subnet, self.route_table)
            .await
    }
}

/// The legacy AssociateRouteTable: several subnets to one table, all or
/// none.
pub struct AssociateSubnets {
    pub subnets: Vec<String>,
    pub route_table: String,
}

impl Operation for AssociateSubnets {
    type Output = Vec<Subnet>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Vec<Subnet>> {
        store
            .associate_subnets(
                caller.actor(),
                caller.region,
                self.subnets,
                self.route_table,
            )
            .await
    }
}

// ---- route tables ----

pub struct CreateRouteTable {
    pub vpc: VpcRef,
    pub name: String,
    pub tags: Vec<Tag>,
}

impl Operation for CreateRouteTable {
    type Output = RouteTable;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<RouteTable> {
        store
            .create_route_table(
                caller.actor(),
                caller.region,
                self.vpc,
                self.name,
                self.tags,
                Vec::new(),
            )
            .await
    }
}

/// The legacy CreateRouteTable: a table and its first routes, at once.
pub struct CreateRouteTableWithRoutes {
    pub table: CreateRouteTable,
    pub routes: Vec<NewRoute>,
}

impl Operation for CreateRouteTableWithRoutes {
    type Output = RouteTable;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<RouteTable> {
        let CreateRouteTable { vpc, name, tags } = self.table;
        store
            .create_route_table(caller.actor(), caller.region, vpc, name, tags, self.routes)
            .await
    }
}

/// DescribeRouteTables with the VPCs of the tables listed, from one read:
/// the legacy DescribeRouteTable shows both ids of each table's VPC. A VPC
/// the filter names that the caller does not have is `InvalidVpc.NotFound`.
pub struct DescribeRouteTablesAndVpcs(pub RouteTableFilter);

impl Operation for DescribeRouteTablesAndVpcs {
    type Output = (Page<RouteTable>, Vec<Vpc>);

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Self::Output> {
        let (total, items, vpcs) = store
            .describe_route_tables_and_vpcs(&caller.uin, caller.region, self.0)
            .await?;
        Ok((Page { total, items }, vpcs))
    }
}

pub struct DescribeRouteTables(pub RouteTableFilter);

impl Operation for DescribeRouteTables {
    type Output = Page<RouteTable>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Page<RouteTable>> {
        let (total, items) = store
            .describe_route_tables(&caller.uin, caller.region, self.0)
            .await?;
        Ok(Page { total, items })
    }
}

pub struct DeleteRouteTable(pub String);

impl Operation for DeleteRouteTable {
    type Output = ();

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<()> {
        store
            .delete_route_table(caller.actor(), caller.region, self.0)
            .await
    }
}

/// ModifyRouteTableAttribute: a new name.
pub struct RenameRouteTable {
    pub route_table: String,
    pub name: String,
}

impl Operation for RenameRouteTable {
    type Output = RouteTable;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<RouteTable> {
        store
            .rename_route_table(caller.actor(), caller.region, self.route_table, self.name)
            .await
    }
}

// ---- routes ----

/// CreateRoutes: all of them or none. The routes added, and the table.
pub struct CreateRoutes {
    pub route_table: String,
    pub routes: Vec<NewRoute>,
}

impl Operation for CreateRoutes {
    type Output = (Vec<Route>, RouteTable);

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Self::Output> {
        store
            .create_routes(caller.actor(), caller.region, self.route_table, self.routes)
            .await
    }
}

/// DeleteRoutes: the routes deleted.
pub struct DeleteRoutes {
    pub route_table: String,
    pub routes: Vec<RouteRef>,
}

impl Operation for DeleteRoutes {
    type Output = Vec<Route>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Vec<Route>> {
        store
            .delete_routes(caller.actor(), caller.region, self.route_table, self.routes)
            .await
    }
}

/// ReplaceRoutes: the routes as they were and as they are.
pub struct ReplaceRoutes {
    pub route_table: String,
    pub routes: Vec<(RouteRef, NewRoute)>,
}

impl Operation for ReplaceRoutes {
    type Output = (Vec<Route>, Vec<Route>);

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Self::Output> {
        store
            .replace_routes(caller.actor(), caller.region, self.route_table, self.routes)
            .await
    }
}

/// ResetRoutes (the legacy ModifyRouteTableAttribute): the table's routes
/// replaced by `routes` as a whole, and its name if given. The table as it
/// is afterwards.
pub struct ResetRoutes {
    pub route_table: String,
    pub name: Option<String>,
    pub routes: Vec<NewRoute>,
}

impl Operation for ResetRoutes {
    type Output = RouteTable;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<RouteTable> {
        store
            .reset_routes(
                caller.actor(),
                caller.region,
                self.route_table,
                self.name,
                self.routes,
            )
            .await
    }
}

/// EnableRoutes (`enabled`) and DisableRoutes.
pub struct SetRoutesEnabled {
    pub route_table: String,
    pub routes: Vec<RouteRef>,
    pub enabled: bool,
}

impl Operation for SetRoutesEnabled {
    type Output = ();

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<()> {
        store
            .set_routes_enabled(
                caller.actor(),
                caller.region,
                self.route_table,
                self.routes,
                self.enabled,
            )
            .await
    }
}

// ---- the VPC a call names ----

/// A change on subnets and route tables of the VPC the call names beside
/// them, as every legacy call does: `op` runs only if `vpc` is the
/// caller's (`InvalidVpc.NotFound`) and each of `subnets` and
/// `route_tables` is in it (otherwise it reads as not found), checked in
/// the transaction of `op`'s write.
pub struct InVpc<O> {
    pub vpc: VpcRef,
    pub subnets: Vec<String>,
    pub route_tables: Vec<String>,
    pub op: O,
}

impl<O: Operation> Operation for InVpc<O> {
    type Output = O::Output;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<O::Output> {
        let scoped = store.in_vpc(VpcScope {
            owner: caller.uin.clone(),
            region: caller.region,
            vpc: self.vpc,
            subnets: self.subnets,
            route_tables: self.route_tables,
        });
        self.op.apply(&scoped, caller).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_prefix_and_eight_characters() {
        assert!(subnet_id("subnet-abc12345", "f").is_ok());
        assert!(route_table_id("rtb-abc12345", "f").is_ok());
        for bad in [
            "subnet-abc",
            "rtb-abc12345",
            "subnet-ABC12345",
            "subnet-abc123456",
        ] {
            assert_eq!(
                subnet_id(bad, "f").map_err(|e| e.code),
                Err(ErrorCode::InvalidParameterValueMalformed),
                "{bad}"
            );
        }
        assert_eq!(
            subnet_id("", "f").map_err(|e| e.code),
            Err(ErrorCode::MissingParameter)
        );
    }

    #[test]
    fn a_route_is_named_by_one_id() {
        assert_eq!(route_ref(Some(7), "", "i", "t"), Ok(RouteRef::Id(7)));
        assert_eq!(
            route_ref(None, "rti-abc12345", "i", "t"),
            Ok(RouteRef::Item("rti-abc12345".into()))
        );
        assert_eq!(
            route_ref(Some(7), "rti-abc12345", "i", "t").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterCoexist)
        );
        assert_eq!(
            route_ref(None, "", "i", "t").map_err(|e| e.code),
            Err(ErrorCode::MissingParameter)
        );
        assert_eq!(
            route_ref(Some(-1), "", "i", "t").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterValueRange)
        );
    }

    #[test]
    fn route_fields_are_checked_before_the_store() {
        let fields = RouteFields {
            destination: "d",
            gateway_type: "t",
            gateway_id: "g",
            description: "r",
        };
        assert!(new_route("10.1.0.0/16", "PEERCONNECTION", "pcx-abc12345", "", fields).is_ok());
        let code = |d: &str, t: &str, g: &str, r: &str| {
            new_route(d, t, g, r, fields)
                .map(|_| ())
                .map_err(|e| e.code)
        };
        assert_eq!(
            code("10.1.0.1/16", "PEERCONNECTION", "pcx-abc12345", ""),
            Err(ErrorCode::InvalidParameterValueMalformed)
        );
        assert_eq!(
            code("10.1.0.0/16", "PEER", "pcx-abc12345", ""),
            Err(ErrorCode::InvalidParameterValue)
        );
        assert_eq!(
            code("10.1.0.0/16", "PEERCONNECTION", "vpngw-abc12345", ""),
            Err(ErrorCode::InvalidParameterValueMalformed)
        );
        assert_eq!(
            code("10.1.0.0/16", "VPN", "vpngw-abc12345", &"x".repeat(61)),
            Err(ErrorCode::InvalidParameterValue)
        );
        assert_eq!(
            check_items(0, "f").map_err(|e| e.code),
            Err(ErrorCode::MissingParameter)
        );
        assert_eq!(
            check_items(101, "f").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterValueLimitExceeded)
        );
    }
}
