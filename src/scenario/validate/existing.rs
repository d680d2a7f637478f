//! The state a scenario loads on top of, as the planner asks about it: the
//! store's model answers (`store::model`), and [`EmptyState`] is a state
//! with nothing in it (a replacing load, or a file checked on its own).

use std::{convert::Infallible, hash::Hash};

use crate::domain::{
    cidr::CidrBlock,
    quota::QuotaName,
    region::Region,
    rules::{LiveLink, StateView},
};

/// What the planner needs to know of the existing state. As a
/// [`StateView`], its VPCs and their live peerings at the clock reading the
/// load started at (before a scenario's own clock applies).
pub trait ExistingState: StateView<Vpc: Hash> {
    fn has_account(&self, uin: &str) -> bool;
    fn secret_id_in_use(&self, secret_id: &str) -> bool;
    fn app_id_in_use(&self, app_id: i64) -> bool;
    fn max_app_id(&self) -> Option<i64>;
    /// The limit set for an account's quota in a region, or its default.
    fn quota_limit(&self, uin: &str, region: Region, quota: QuotaName) -> i64;
    /// A VPC by its legacy or unique id, deleted or not.
    fn vpc_by_id(&self, id: &str) -> Option<Self::Vpc>;
    fn vpc_owner(&self, vpc: Self::Vpc) -> &str;
    /// `None` for a region vpcsim does not serve (a hand-edited database;
    /// `vpcsim check` reports it): such a VPC cannot be named.
    fn vpc_region(&self, vpc: Self::Vpc) -> Option<Region>;
    /// The VPC's row, which the file's peerings refer to it by.
    fn vpc_row(&self, vpc: Self::Vpc) -> i64;
    /// The account's VPCs in the region that are not deleted.
    fn live_vpc_count(&self, uin: &str, region: Region) -> i64;
    /// The highest VPC row, 0 for none: new VPCs are numbered after it.
    fn last_vpc_row(&self) -> i64;
    /// The next legacy VPC number of the region, if any was taken.
    fn legacy_next(&self, region: Region) -> Option<i64>;
    fn peering_id_in_use(&self, id: &str) -> bool;
    fn fault_id_in_use(&self, id: &str) -> bool;
    fn subnet_id_in_use(&self, id: &str) -> bool;
    fn route_table_id_in_use(&self, id: &str) -> bool;
    /// A route's `rti-...` id.
    fn route_item_id_in_use(&self, id: &str) -> bool;
    /// A route's numeric `RouteId`.
    fn route_id_in_use(&self, id: i64) -> bool;
    /// The highest route table row, 0 for none: new tables are numbered
    /// after it.
    fn last_route_table_row(&self) -> i64;
    /// The `RouteId` the next new route gets: ids are never reused.
    fn next_route_id(&self) -> i64;
}

/// A state with nothing in it: it has no VPC to name, so its VPC handle
/// has no value.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmptyState;

impl StateView for EmptyState {
    type Vpc = Infallible;

    fn label(&self, vpc: Infallible) -> &str {
        match vpc {}
    }

    fn blocks(&self, vpc: Infallible) -> &[CidrBlock] {
        match vpc {}
    }

    fn deleted(&self, vpc: Infallible) -> bool {
        match vpc {}
    }

    fn limit(&self, vpc: Infallible, _: QuotaName) -> i64 {
        match vpc {}
    }

    fn live_links(&self, vpc: Infallible) -> Vec<LiveLink<'_, Infallible>> {
        match vpc {}
    }
}

impl ExistingState for EmptyState {
    fn has_account(&self, _: &str) -> bool {
        false
    }

    fn secret_id_in_use(&self, _: &str) -> bool {
        false
    }

    fn app_id_in_use(&self, _: i64) -> bool {
        false
    }

    fn max_app_id(&self) -> Option<i64> {
        None
    }

    fn quota_limit(&self, _: &str, _: Region, quota: QuotaName) -> i64 {
        quota.default_limit()
    }

    fn vpc_by_id(&self, _: &str) -> Option<Infallible> {
        None
    }

    fn vpc_owner(&self, vpc: Infallible) -> &str {
        match vpc {}
    }

    fn vpc_region(&self, vpc: Infallible) -> Option<Region> {
        match vpc {}
    }

    fn vpc_row(&self, vpc: Infallible) -> i64 {
        match vpc {}
    }

    fn live_vpc_count(&self, _: &str, _: Region) -> i64 {
        0
    }

    fn last_vpc_row(&self) -> i64 {
        0
    }

    fn legacy_next(&self, _: Region) -> Option<i64> {
        None
    }

    fn peering_id_in_use(&self, _: &str) -> bool {
        false
    }

    fn fault_id_in_use(&self, _: &str) -> bool {
        false
    }

    fn subnet_id_in_use(&self, _: &str) -> bool {
        false
    }

    fn route_table_id_in_use(&self, _: &str) -> bool {
        false
    }

    fn route_item_id_in_use(&self, _: &str) -> bool {
        false
    }

    fn route_id_in_use(&self, _: i64) -> bool {
        false
    }

    fn last_route_table_row(&self) -> i64 {
        0
    }

    fn next_route_id(&self) -> i64 {
        1
    }
}
