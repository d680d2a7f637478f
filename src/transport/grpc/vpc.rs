//! `vpcsim.v1.VpcService`: each method decodes its request into an
//! operation, runs it, and encodes the VPC it answers.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::optional;
use crate::{
    action::{
        fields::{self, PageFields},
        vpc::{self as ops, ChangeAssistantCidrs, CreateVpc, DeleteVpc, DescribeVpcs, ModifyVpc},
    },
    domain::{ApiResult, actions::ActionName, ids::VpcRef},
    proto::{self, vpc_service_server::VpcService},
    store::{TagMatch, VpcFilter},
    transport::AppState,
};

pub struct VpcApi {
    state: Arc<AppState>,
}

impl VpcApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

fn change_blocks(vpc_id: &str, blocks: &[String], add: bool) -> ApiResult<ChangeAssistantCidrs> {
    Ok(ChangeAssistantCidrs {
        vpc: VpcRef::parse(vpc_id, "vpc_id")?,
        blocks: ops::blocks(blocks, "cidr_blocks")?,
        add,
    })
}

#[tonic::async_trait]
impl VpcService for VpcApi {
    async fn create_vpc(
        &self,
        request: Request<proto::CreateVpcRequest>,
    ) -> Result<Response<proto::CreateVpcResponse>, Status> {
        let vpc = super::run(&self.state, request, ActionName::CreateVpc, |req| {
            let vpc = CreateVpc::decode(&req.vpc_name, &req.cidr_block, "vpc_name", "cidr_block")?;
            Ok(CreateVpc {
                tags: req.tags.into_iter().map(Into::into).collect(),
                ..vpc
            })
        })
        .await?;
        Ok(Response::new(proto::CreateVpcResponse {
            vpc: Some(vpc.into()),
        }))
    }

    async fn describe_vpc_ex(
        &self,
        request: Request<proto::DescribeVpcExRequest>,
    ) -> Result<Response<proto::DescribeVpcExResponse>, Status> {
        let page = super::run(&self.state, request, ActionName::DescribeVpcEx, |req| {
            let names = PageFields {
                offset: "offset",
                limit: "limit",
            };
            let (offset, limit) = fields::page(req.offset, req.limit, 100, names)?;
            Ok(DescribeVpcs(VpcFilter {
                ids: optional(req.vpc_id)
                    .map(|id| VpcRef::parse(&id, "vpc_id").map(|r| vec![r]))
                    .transpose()?,
                names: optional(req.vpc_name).map(|name| vec![name]),
                tags: optional(req.tag_key)
                    .map(|key| TagMatch {
                        keys: vec![key],
                        values: optional(req.tag_value).map(|v| vec![v]),
                    })
                    .into_iter()
                    .collect(),
                offset,
                limit,
                ..VpcFilter::default()
            }))
        })
        .await?;
        Ok(Response::new(proto::DescribeVpcExResponse {
            total_count: page.total,
            data: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    async fn delete_vpc(
        &self,
        request: Request<proto::DeleteVpcRequest>,
    ) -> Result<Response<proto::DeleteVpcResponse>, Status> {
        super::run(&self.state, request, ActionName::DeleteVpc, |req| {
            Ok(DeleteVpc(VpcRef::parse(&req.vpc_id, "vpc_id")?))
        })
        .await?;
        Ok(Response::new(proto::DeleteVpcResponse {}))
    }

    async fn create_assistant_cidr(
        &self,
        request: Request<proto::CreateAssistantCidrRequest>,
    ) -> Result<Response<proto::CreateAssistantCidrResponse>, Status> {
        let vpc = super::run(
            &self.state,
            request,
            ActionName::CreateAssistantCidr,
            |req| change_blocks(&req.vpc_id, &req.cidr_blocks, true),
        )
        .await?;
        Ok(Response::new(proto::CreateAssistantCidrResponse {
            vpc: Some(vpc.into()),
        }))
    }

    async fn delete_assistant_cidr(
        &self,
        request: Request<proto::DeleteAssistantCidrRequest>,
    ) -> Result<Response<proto::DeleteAssistantCidrResponse>, Status> {
        let vpc = super::run(
            &self.state,
            request,
            ActionName::DeleteAssistantCidr,
            |req| change_blocks(&req.vpc_id, &req.cidr_blocks, false),
        )
        .await?;
        Ok(Response::new(proto::DeleteAssistantCidrResponse {
            vpc: Some(vpc.into()),
        }))
    }

    async fn modify_vpc_attribute(
        &self,
        request: Request<proto::ModifyVpcAttributeRequest>,
    ) -> Result<Response<proto::ModifyVpcAttributeResponse>, Status> {
        let vpc = super::run(
            &self.state,
            request,
            ActionName::ModifyVpcAttribute,
            |req| {
                ModifyVpc::decode(
                    VpcRef::parse(&req.vpc_id, "vpc_id")?,
                    req.vpc_name.as_deref(),
                    "vpc_name",
                    req.set_tags.into_iter().map(Into::into).collect(),
                    req.delete_tag_keys,
                )
            },
        )
        .await?;
        Ok(Response::new(proto::ModifyVpcAttributeResponse {
            vpc: Some(vpc.into()),
        }))
    }
}
