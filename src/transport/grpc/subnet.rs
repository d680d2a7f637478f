//! `vpcsim.v1.SubnetService`: each method decodes its request into an
//! operation, runs it, and encodes the subnets it answers.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::optional;
use crate::{
    action::{
        fields::{self, PageFields},
        network::{
            self as ops, AssociateSubnet, CreateSubnets, DeleteSubnet, DescribeSubnets,
            RenameSubnet, SubnetFields,
        },
    },
    domain::{ApiResult, actions::ActionName, ids::VpcRef},
    proto::{self, subnet_service_server::SubnetService},
    store::SubnetFilter,
    transport::AppState,
};

pub struct SubnetApi {
    state: Arc<AppState>,
}

impl SubnetApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

const FIELDS: SubnetFields = SubnetFields {
    name: "subnet_name",
    cidr: "cidr_block",
    zone: "zone",
};

fn subnets(vpc_id: &str, given: Vec<proto::NewSubnet>) -> ApiResult<CreateSubnets> {
    let vpc = VpcRef::parse(vpc_id, "vpc_id")?;
    ops::check_items(given.len(), "subnets")?;
    let subnets = given
        .into_iter()
        .map(|s| {
            let tags = s.tags.into_iter().map(Into::into).collect();
            ops::new_subnet(&s.subnet_name, &s.cidr_block, &s.zone, tags, FIELDS)
        })
        .collect::<ApiResult<_>>()?;
    Ok(CreateSubnets { vpc, subnets })
}

#[tonic::async_trait]
impl SubnetService for SubnetApi {
    async fn create_subnet(
        &self,
        request: Request<proto::CreateSubnetRequest>,
    ) -> Result<Response<proto::CreateSubnetResponse>, Status> {
        let created = super::run(&self.state, request, ActionName::CreateSubnet, |req| {
            let one = proto::NewSubnet {
                subnet_name: req.subnet_name,
                cidr_block: req.cidr_block,
                zone: req.zone,
                tags: req.tags,
            };
            subnets(&req.vpc_id, vec![one])
        })
        .await?;
        Ok(Response::new(proto::CreateSubnetResponse {
            subnet: created.into_iter().next().map(Into::into),
        }))
    }

    async fn create_subnets(
        &self,
        request: Request<proto::CreateSubnetsRequest>,
    ) -> Result<Response<proto::CreateSubnetsResponse>, Status> {
        let created = super::run(&self.state, request, ActionName::CreateSubnets, |req| {
            subnets(&req.vpc_id, req.subnets)
        })
        .await?;
        Ok(Response::new(proto::CreateSubnetsResponse {
            subnets: created.into_iter().map(Into::into).collect(),
        }))
    }

    async fn describe_subnets(
        &self,
        request: Request<proto::DescribeSubnetsRequest>,
    ) -> Result<Response<proto::DescribeSubnetsResponse>, Status> {
        let page = super::run(&self.state, request, ActionName::DescribeSubnets, |req| {
            let names = PageFields {
                offset: "offset",
                limit: "limit",
            };
            let (offset, limit) = fields::page(req.offset, req.limit, 100, names)?;
            let ids = if req.subnet_ids.is_empty() {
                None
            } else {
                Some(
                    req.subnet_ids
                        .iter()
                        .map(|id| ops::subnet_id(id, "subnet_ids"))
                        .collect::<ApiResult<Vec<_>>>()?,
                )
            };
            Ok(DescribeSubnets(SubnetFilter {
                ids,
                vpcs: optional(req.vpc_id)
                    .map(|id| VpcRef::parse(&id, "vpc_id").map(|r| vec![r]))
                    .transpose()?,
                names: optional(req.subnet_name).map(|n| vec![n]),
                zones: optional(req.zone).map(|z| vec![z]),
                route_tables: optional(req.route_table_id)
                    .map(|id| ops::route_table_id(&id, "route_table_id").map(|t| vec![t]))
                    .transpose()?,
                offset,
                limit,
                ..SubnetFilter::default()
            }))
        })
        .await?;
        Ok(Response::new(proto::DescribeSubnetsResponse {
            total_count: page.total,
            subnets: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    async fn delete_subnet(
        &self,
        request: Request<proto::DeleteSubnetRequest>,
    ) -> Result<Response<proto::DeleteSubnetResponse>, Status> {
        super::run(&self.state, request, ActionName::DeleteSubnet, |req| {
            Ok(DeleteSubnet(ops::subnet_id(&req.subnet_id, "subnet_id")?))
        })
        .await?;
        Ok(Response::new(proto::DeleteSubnetResponse {}))
    }

    async fn modify_subnet_attribute(
        &self,
        request: Request<proto::ModifySubnetAttributeRequest>,
    ) -> Result<Response<proto::ModifySubnetAttributeResponse>, Status> {
        let subnet = super::run(
            &self.state,
            request,
            ActionName::ModifySubnetAttribute,
            |req| {
                Ok(RenameSubnet {
                    subnet: ops::subnet_id(&req.subnet_id, "subnet_id")?,
                    name: ops::name(&req.subnet_name, "subnet_name")?,
                })
            },
        )
        .await?;
        Ok(Response::new(proto::ModifySubnetAttributeResponse {
            subnet: Some(subnet.into()),
        }))
    }
}

/// ReplaceRouteTableAssociation's decoding, shared with the route service.
pub fn association(subnet_id: &str, route_table_id: &str) -> ApiResult<AssociateSubnet> {
    Ok(AssociateSubnet {
        subnet: ops::subnet_id(subnet_id, "subnet_id")?,
        route_table: ops::route_table_id(route_table_id, "route_table_id")?,
    })
}
