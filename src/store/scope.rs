//! A VPC that a call names beside the subnets and route tables it acts on,
//! as every legacy call does (`vpcId` with `subnetId` or `routeTableId`).
//! A store seen through [`Store::in_vpc`] checks that scope inside the
//! transaction of each write, before the write's own checks: the VPC is the
//! caller's, and each subnet and table named is one of its own. So the
//! check and the change see one state.

use std::sync::Arc;

use super::{
    Store,
    lookup::{owned_vpc, subnet_not_found, table_not_found},
    model::Model,
};
use crate::domain::{ApiError, ApiResult, ids::VpcRef, region::Region};

/// The VPC a call names, and the subnets and route tables it names in it.
#[derive(Debug, Clone)]
pub struct VpcScope {
    /// The caller, who must own the VPC.
    pub owner: String,
    pub region: Region,
    pub vpc: VpcRef,
    pub subnets: Vec<String>,
    pub route_tables: Vec<String>,
}

/// Checks `scope` on the model: the VPC first (`InvalidVpc.NotFound`),
/// then each subnet and table, which reads as not found unless it is in
/// that VPC.
pub(super) fn check_scope(model: &Model, scope: &VpcScope) -> ApiResult<()> {
    let vpc = owned_vpc(model, &scope.owner, &scope.vpc, scope.region)?;
    let region = scope.region;
    // Found, but in another VPC: not found, saying where it was looked for.
    let elsewhere = |id: &str, not_found: ApiError| ApiError {
        message: format!("{id} is not in vpc {}", scope.vpc.as_str()),
        ..not_found
    };
    for id in &scope.subnets {
        match model.owned_subnet(&scope.owner, region.name, id) {
            Some(subnet) if subnet.vpc == vpc => {}
            Some(_) => return Err(elsewhere(id, subnet_not_found(id, region))),
            None => return Err(subnet_not_found(id, region)),
        }
    }
    for id in &scope.route_tables {
        match model.owned_table(&scope.owner, region.name, id) {
            Some(table) if table.vpc == vpc => {}
            Some(_) => return Err(elsewhere(id, table_not_found(id, region))),
            None => return Err(table_not_found(id, region)),
        }
    }
    Ok(())
}

impl Store {
    /// The same store, whose every write (`Store::write`, which every
    /// subnet, route table and route change goes through) first checks
    /// `scope` in its own transaction, and fails as its first broken part
    /// before it changes anything.
    pub fn in_vpc(&self, scope: VpcScope) -> Store {
        Store {
            guard: Some(Arc::new(move |model: &Model| check_scope(model, &scope))),
            ..self.clone()
        }
    }
}
