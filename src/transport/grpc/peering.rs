//! `vpcsim.v1.PeeringService`: each method decodes its request into an
//! operation, runs it, and encodes the peering it answers.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::optional;
use crate::{
    action::{
        fields::PageFields,
        peering::{
            ChangePeering, CreatePeering, DescribePeerings, GivenPeering, OrderWords, PeeringFields,
        },
    },
    domain::{
        ApiError, ApiResult, ErrorCode, actions::ActionName, link::LinkOptions,
        peering::PeeringState,
    },
    proto::{self, peering_service_server::PeeringService},
    store::{Peering, PeeringFilter},
    transport::AppState,
};

/// The proto's field names.
const FIELDS: PeeringFields = PeeringFields {
    id: "peering_connection_id",
    vpc: "vpc_id",
    peer_vpc: "peer_vpc_id",
    peer_uin: "peer_uin",
    peer_region: "peer_region",
    name: "peering_connection_name",
    page: PageFields {
        offset: "offset",
        limit: "limit",
    },
    order_field: "order_field",
    order_direction: "order_direction",
};

const ORDER: OrderWords = OrderWords {
    create_time: "createTime",
    name: "peeringConnectionName",
    ascending: "asc",
    descending: "desc",
};

pub struct PeeringApi {
    state: Arc<AppState>,
}

impl PeeringApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// Accept, Reject, Delete, Enable or Modify (with its new name).
    async fn change<T: prost::Message>(
        &self,
        request: Request<T>,
        action: ActionName,
        fields: impl FnOnce(T) -> (String, Option<String>),
    ) -> Result<Option<proto::PeeringConnection>, Status> {
        let change = ChangePeering::action_of(action)
            .ok_or_else(|| ApiError::internal_because(format!("{action} changes no peering")))?;
        let peering: Peering = super::run(&self.state, request, action, |req| {
            let (id, name) = fields(req);
            ChangePeering::decode(change, &id, name, &FIELDS).map(ChangePeering)
        })
        .await?;
        Ok(Some(peering.into()))
    }
}

fn decode_describe(
    req: proto::DescribeVpcPeeringConnectionsRequest,
) -> ApiResult<DescribePeerings> {
    let (offset, limit) = crate::action::fields::page(req.offset, req.limit, 50, FIELDS.page)?;
    let states = match req.state {
        0 => None,
        n => Some(vec![PeeringState::from_i64(n.into()).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "state",
                format!("state {n} is not one of PENDING, ACTIVE, EXPIRED, REJECTED, DELETED"),
            )
        })?]),
    };
    let (order, ascending) = DescribePeerings::order(
        optional(req.order_field).as_deref(),
        optional(req.order_direction).as_deref(),
        &FIELDS,
        &ORDER,
    )?;
    Ok(DescribePeerings(PeeringFilter {
        vpcs: optional(req.vpc_id)
            .map(|id| DescribePeerings::vpcs(&[id], FIELDS.vpc))
            .transpose()?,
        ids: optional(req.peering_connection_id)
            .map(|id| crate::domain::ids::parse_peering_id(&id, FIELDS.id).map(|id| vec![id]))
            .transpose()?,
        names: optional(req.peering_connection_name).map(|name| vec![name]),
        states,
        offset,
        limit,
        order,
        ascending,
    }))
}

#[tonic::async_trait]
impl PeeringService for PeeringApi {
    async fn create_vpc_peering_connection(
        &self,
        request: Request<proto::CreateVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::CreateVpcPeeringConnectionResponse>, Status> {
        let peering = super::run(
            &self.state,
            request,
            ActionName::CreateVpcPeeringConnection,
            |req| {
                CreatePeering::decode(
                    GivenPeering {
                        vpc: &req.vpc_id,
                        peer_vpc: &req.peer_vpc_id,
                        peer_uin: &req.peer_uin,
                        peer_region: req.peer_region.as_deref(),
                        name: &req.peering_connection_name,
                        link: LinkOptions::default(),
                    },
                    &FIELDS,
                )
            },
        )
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
        let peering_connection = self
            .change(request, ActionName::AcceptVpcPeeringConnection, |r| {
                (r.peering_connection_id, None)
            })
            .await?;
        Ok(Response::new(proto::AcceptVpcPeeringConnectionResponse {
            peering_connection,
        }))
    }

    async fn reject_vpc_peering_connection(
        &self,
        request: Request<proto::RejectVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::RejectVpcPeeringConnectionResponse>, Status> {
        let peering_connection = self
            .change(request, ActionName::RejectVpcPeeringConnection, |r| {
                (r.peering_connection_id, None)
            })
            .await?;
        Ok(Response::new(proto::RejectVpcPeeringConnectionResponse {
            peering_connection,
        }))
    }

    async fn delete_vpc_peering_connection(
        &self,
        request: Request<proto::DeleteVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::DeleteVpcPeeringConnectionResponse>, Status> {
        let peering_connection = self
            .change(request, ActionName::DeleteVpcPeeringConnection, |r| {
                (r.peering_connection_id, None)
            })
            .await?;
        Ok(Response::new(proto::DeleteVpcPeeringConnectionResponse {
            peering_connection,
        }))
    }

    async fn modify_vpc_peering_connection(
        &self,
        request: Request<proto::ModifyVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::ModifyVpcPeeringConnectionResponse>, Status> {
        let peering_connection = self
            .change(request, ActionName::ModifyVpcPeeringConnection, |r| {
                (r.peering_connection_id, Some(r.peering_connection_name))
            })
            .await?;
        Ok(Response::new(proto::ModifyVpcPeeringConnectionResponse {
            peering_connection,
        }))
    }

    async fn enable_vpc_peering_connection(
        &self,
        request: Request<proto::EnableVpcPeeringConnectionRequest>,
    ) -> Result<Response<proto::EnableVpcPeeringConnectionResponse>, Status> {
        let peering_connection = self
            .change(request, ActionName::EnableVpcPeeringConnection, |r| {
                (r.peering_connection_id, None)
            })
            .await?;
        Ok(Response::new(proto::EnableVpcPeeringConnectionResponse {
            peering_connection,
        }))
    }

    async fn describe_vpc_peering_connections(
        &self,
        request: Request<proto::DescribeVpcPeeringConnectionsRequest>,
    ) -> Result<Response<proto::DescribeVpcPeeringConnectionsResponse>, Status> {
        let page = super::run(
            &self.state,
            request,
            ActionName::DescribeVpcPeeringConnections,
            decode_describe,
        )
        .await?;
        Ok(Response::new(
            proto::DescribeVpcPeeringConnectionsResponse {
                total_count: page.total,
                data: page.items.into_iter().map(Into::into).collect(),
            },
        ))
    }
}
