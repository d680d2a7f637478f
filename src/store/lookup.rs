//! Finding what a call names, as the caller may see it: anything another
//! account owns, or that is in another region, reads as not found. A leaf
//! of the store, so every resource's module may use it.

use super::model::{Model, VpcIx};
use crate::domain::{ApiError, ApiResult, ErrorCode, ids::VpcRef, region::Region};

/// The VPC if `owner` owns it in `region`; any other VPC reads as not found.
pub(super) fn owned_vpc(
    model: &Model,
    owner: &str,
    vpc: &VpcRef,
    region: Region,
) -> ApiResult<VpcIx> {
    model
        .find_vpc(vpc.as_str(), region.name)
        .filter(|&ix| model.owner_of(ix) == owner)
        .ok_or_else(|| vpc_not_found(vpc.as_str(), region))
}

pub(super) fn vpc_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidVpcNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}

pub(super) fn table_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRouteTableNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}

pub(super) fn subnet_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidSubnetNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}

pub(super) fn peering_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidPeeringConnectionNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}
