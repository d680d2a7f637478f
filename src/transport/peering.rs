//! `vpcsim.v1.PeeringService`.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::{
    auth::AppState,
    convert::{optional, page},
};
use crate::{
    domain::{
        ApiError, ErrorCode,
        ids::{VpcRef, parse_peering_id, parse_uin},
        link::LinkOptions,
        names::validate_name,
        peering::{Action, PeeringState},
        region::Region,
    },
    proto::{self, peering_service_server::PeeringService},
    store::{NewPeering, Peering, PeeringChange, PeeringFilter, PeeringOrder},
};

pub struct PeeringApi {
    state: Arc<AppState>,
}

impl PeeringApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// Authenticates, then applies `action` to the peering the request names.
    async fn change<T: prost::Message>(
        &self,
        request: Request<T>,
        action: Action,
        fields: impl FnOnce(T) -> (String, Option<String>),
    ) -> Result<Peering, Status> {
        let caller = self.state.caller(&request).await?;
        let (peering_id, name) = fields(request.into_inner());
        let peering_id = parse_peering_id(&peering_id, "peering_connection_id")?;
        if let Some(name) = &name {
            validate_name(
                name,
                "peering_connection_name",
                ErrorCode::InvalidPeeringConnectionName,
            )?;
        }
        let change = PeeringChange {
            name,
            ..PeeringChange::new(peering_id, action)
        };
        Ok(self
            .state
            .store
            .change_peering(caller.actor, caller.region, change)
            .await?)
    }
}

fn parse_new_peering(
    req: proto::CreateVpcPeeringConnectionRequest,
) -> Result<NewPeering, ApiError> {
    let vpc = VpcRef::parse(&req.vpc_id, "vpc_id")?;
    let peer_vpc = VpcRef::parse(&req.peer_vpc_id, "peer_vpc_id")?;
    let peer_uin = parse_uin(&req.peer_uin, "peer_uin")?;
    let peer_region = req
        .peer_region
        .map(|text| {
            Region::parse(&text).map_err(|err| {
                ApiError::field(
                    err.code,
                    "peer_region",
                    format!("peer_region: {}", err.message),
                )
            })
        })
        .transpose()?;
    let name = req.peering_connection_name;
    validate_name(
        &name,
        "peering_connection_name",
        ErrorCode::InvalidPeeringConnectionName,
    )?;
    Ok(NewPeering {
        vpc,
        peer_vpc,
        peer_uin,
        peer_region,
        name,
        link: LinkOptions::default(),
    })
}

fn parse_filter(
    req: proto::DescribeVpcPeeringConnectionsRequest,
) -> Result<PeeringFilter, ApiError> {
    let (offset, limit) = page(req.offset, req.limit, 50)?;
    let vpc = optional(req.vpc_id)
        .map(|id| VpcRef::parse(&id, "vpc_id"))
        .transpose()?;
    let peering_id = optional(req.peering_connection_id)
        .map(|id| parse_peering_id(&id, "peering_connection_id"))
        .transpose()?;
    let state = match req.state {
        0 => None,
        n => Some(PeeringState::from_i64(n.into()).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "state",
                format!("state {n} is not one of PENDING, ACTIVE, EXPIRED, REJECTED, DELETED"),
            )
        })?),
    };
    let order = match req.order_field.as_str() {
        "" | "createTime" => PeeringOrder::CreateTime,
        "peeringConnectionName" => PeeringOrder::Name,
        other => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "order_field",
                format!("order_field {other:?} must be createTime or peeringConnectionName"),
            ));
        }
    };
    let ascending = match req.order_direction.as_str() {
        "" | "desc" => false,
        "asc" => true,
        other => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "order_direction",
                format!("order_direction {other:?} must be asc or desc"),
            ));
        }
    };
    Ok(PeeringFilter {
        vpc,
        peering_id,
        name: optional(req.peering_connection_name),
        state,
        offset,
        limit,
        order,
        ascending,
    })
}

#[tonic::async_trait]
impl PeeringService for PeeringApi {
    async fn create_vpc_peering_connection(
        &self,
        request: Request<proto::CreateVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::CreateVpcPeeringConnectionResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let new = parse_new_peering(request.into_inner())?;
        let peering = self
            .state
            .store
            .create_peering(caller.actor, caller.region, new)
            .await?;
        Ok(Response::new(proto::CreateVpcPeeringConnectionResponse {
            peering_connection_id: peering.peering_connection_id.clone(),
            peering_connection: Some(peering.into()),
        }))
    }

    async fn accept_vpc_peering_connection(
        &self,
        request: Request<proto::AcceptVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::AcceptVpcPeeringConnectionResponse>, Status> {
        let peering = self
            .change(request, Action::Accept, |r| (r.peering_connection_id, None))
            .await?;
        Ok(Response::new(proto::AcceptVpcPeeringConnectionResponse {
            peering_connection: Some(peering.into()),
        }))
    }

    async fn reject_vpc_peering_connection(
        &self,
        request: Request<proto::RejectVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::RejectVpcPeeringConnectionResponse>, Status> {
        let peering = self
            .change(request, Action::Reject, |r| (r.peering_connection_id, None))
            .await?;
        Ok(Response::new(proto::RejectVpcPeeringConnectionResponse {
            peering_connection: Some(peering.into()),
        }))
    }

    async fn delete_vpc_peering_connection(
        &self,
        request: Request<proto::DeleteVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::DeleteVpcPeeringConnectionResponse>, Status> {
        let peering = self
            .change(request, Action::Delete, |r| (r.peering_connection_id, None))
            .await?;
        Ok(Response::new(proto::DeleteVpcPeeringConnectionResponse {
            peering_connection: Some(peering.into()),
        }))
    }

    async fn modify_vpc_peering_connection(
        &self,
        request: Request<proto::ModifyVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::ModifyVpcPeeringConnectionResponse>, Status> {
        let peering = self
            .change(request, Action::Modify, |r| {
                (r.peering_connection_id, Some(r.peering_connection_name))
            })
            .await?;
        Ok(Response::new(proto::ModifyVpcPeeringConnectionResponse {
            peering_connection: Some(peering.into()),
        }))
    }

    async fn enable_vpc_peering_connection(
        &self,
        request: Request<proto::EnableVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::EnableVpcPeeringConnectionResponse>, Status> {
        let peering = self
            .change(request, Action::Enable, |r| (r.peering_connection_id, None))
            .await?;
        Ok(Response::new(proto::EnableVpcPeeringConnectionResponse {
            peering_connection: Some(peering.into()),
        }))
    }

    async fn describe_vpc_peering_connections(
        &self,
        request: Request<proto::DescribeVpcPeeringConnectionsRequest>,
    ) -> Result<Response<proto::DescribeVpcPeeringConnectionsResponse>, Status> {
        let caller = self.state.caller(&request).await?;
        let filter = parse_filter(request.into_inner())?;
        let (total_count, page) = self
            .state
            .store
            .describe_peerings(&caller.uin, caller.region, filter)
            .await?;
        Ok(Response::new(
            proto::DescribeVpcPeeringConnectionsResponse {
                total_count,
                data: page.into_iter().map(Into::into).collect(),
            },
        ))
    }
}
