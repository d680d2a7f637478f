//! `vpcsim.v1.VpcService`.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::{
    auth::AppState,
    convert::{optional, page},
};
use crate::{
    domain::{ApiError, ErrorCode, cidr::CidrBlock, ids::VpcRef, names::validate_name},
    proto::{self, vpc_service_server::VpcService},
    store::VpcFilter,
};

pub struct VpcApi {
    state: Arc<AppState>,
}

impl VpcApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

fn parse_blocks(blocks: &[String]) -> Result<Vec<CidrBlock>, ApiError> {
    if blocks.is_empty() {
        return Err(ApiError::missing("cidr_blocks"));
    }
    blocks
        .iter()
        .map(|b| CidrBlock::parse(b, "cidr_blocks"))
        .collect()
}

#[tonic::async_trait]
impl VpcService for VpcApi {
    async fn create_vpc(
        &self,
        request: Request<proto::CreateVpcRequest>,
    ) -> Result<Response<proto::CreateVpcResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let req = request.into_inner();
        validate_name(&req.vpc_name, "vpc_name", ErrorCode::InvalidParameterValue)?;
        let cidr = CidrBlock::parse(&req.cidr_block, "cidr_block")?;
        let vpc = self
            .state
            .store
            .create_vpc(caller.actor, caller.region, req.vpc_name, cidr)
            .await?;
        Ok(Response::new(proto::CreateVpcResponse {
            vpc: Some(vpc.into()),
        }))
    }

    async fn describe_vpc_ex(
        &self,
        request: Request<proto::DescribeVpcExRequest>,
    ) -> Result<Response<proto::DescribeVpcExResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let req = request.into_inner();
        let (offset, limit) = page(req.offset, req.limit, 100)?;
        let vpc = optional(req.vpc_id)
            .map(|id| VpcRef::parse(&id, "vpc_id"))
            .transpose()?;
        let filter = VpcFilter {
            vpc,
            vpc_name: optional(req.vpc_name),
            offset,
            limit,
        };
        let (total_count, page) = self
            .state
            .store
            .describe_vpcs(&caller.uin, caller.region, filter)
            .await?;
        Ok(Response::new(proto::DescribeVpcExResponse {
            total_count,
            data: page.into_iter().map(Into::into).collect(),
        }))
    }

    async fn delete_vpc(
        &self,
        request: Request<proto::DeleteVpcRequest>,
    ) -> Result<Response<proto::DeleteVpcResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let vpc = VpcRef::parse(&request.into_inner().vpc_id, "vpc_id")?;
        self.state
            .store
            .delete_vpc(caller.actor, caller.region, vpc)
            .await?;
        Ok(Response::new(proto::DeleteVpcResponse {}))
    }

    async fn create_assistant_cidr(
        &self,
        request: Request<proto::CreateAssistantCidrRequest>,
    ) -> Result<Response<proto::CreateAssistantCidrResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let req = request.into_inner();
        let vpc = VpcRef::parse(&req.vpc_id, "vpc_id")?;
        let blocks = parse_blocks(&req.cidr_blocks)?;
        let vpc = self
            .state
            .store
            .create_assistant_cidr(caller.actor, caller.region, vpc, blocks)
            .await?;
        Ok(Response::new(proto::CreateAssistantCidrResponse {
            vpc: Some(vpc.into()),
        }))
    }

    async fn delete_assistant_cidr(
        &self,
        request: Request<proto::DeleteAssistantCidrRequest>,
    ) -> Result<Response<proto::DeleteAssistantCidrResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let req = request.into_inner();
        let vpc = VpcRef::parse(&req.vpc_id, "vpc_id")?;
        let blocks = parse_blocks(&req.cidr_blocks)?;
        let vpc = self
            .state
            .store
            .delete_assistant_cidr(caller.actor, caller.region, vpc, blocks)
            .await?;
        Ok(Response::new(proto::DeleteAssistantCidrResponse {
            vpc: Some(vpc.into()),
        }))
    }
}
