//! `vpcsim.v1.RouteTableService`: each method decodes its request into an
//! operation, runs it, and encodes the tables and routes it answers.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::convert::optional;
use crate::{
    action::{
        fields::{self, PageFields},
        network::{
            self as ops, CreateRouteTable, CreateRoutes, DeleteRouteTable, DeleteRoutes,
            DescribeRouteTables, RenameRouteTable, ReplaceRoutes, RouteFields, SetRoutesEnabled,
        },
    },
    domain::{ApiResult, actions::ActionName, ids::VpcRef},
    proto::{self, route_table_service_server::RouteTableService},
    store::{NewRoute, RouteRef, RouteTableFilter},
    transport::AppState,
};

pub struct RouteTableApi {
    state: Arc<AppState>,
}

impl RouteTableApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

const FIELDS: RouteFields = RouteFields {
    destination: "destination_cidr_block",
    gateway_type: "gateway_type",
    gateway_id: "gateway_id",
    description: "route_description",
};

fn new_route(route: &proto::NewRoute) -> ApiResult<NewRoute> {
    ops::new_route(
        &route.destination_cidr_block,
        &route.gateway_type,
        &route.gateway_id,
        &route.route_description,
        FIELDS,
    )
}

fn route_ref(route: &proto::RouteRef) -> ApiResult<RouteRef> {
    ops::route_ref(
        Some(route.route_id),
        &route.route_item_id,
        "route_id",
        "route_item_id",
    )
}

fn route_refs(routes: &[proto::RouteRef]) -> ApiResult<Vec<RouteRef>> {
    ops::check_items(routes.len(), "routes")?;
    routes.iter().map(route_ref).collect()
}

fn table(id: &str) -> ApiResult<String> {
    ops::route_table_id(id, "route_table_id")
}

#[tonic::async_trait]
impl RouteTableService for RouteTableApi {
    async fn create_route_table(
        &self,
        request: Request<proto::CreateRouteTableRequest>,
    ) -> Result<Response<proto::CreateRouteTableResponse>, Status> {
        let created = super::run(&self.state, request, ActionName::CreateRouteTable, |req| {
            Ok(CreateRouteTable {
                vpc: VpcRef::parse(&req.vpc_id, "vpc_id")?,
                name: ops::name(&req.route_table_name, "route_table_name")?,
                tags: req.tags.into_iter().map(Into::into).collect(),
            })
        })
        .await?;
        Ok(Response::new(proto::CreateRouteTableResponse {
            route_table: Some(created.into()),
        }))
    }

    async fn describe_route_tables(
        &self,
        request: Request<proto::DescribeRouteTablesRequest>,
    ) -> Result<Response<proto::DescribeRouteTablesResponse>, Status> {
        let page = super::run(
            &self.state,
            request,
            ActionName::DescribeRouteTables,
            |req| {
                let names = PageFields {
                    offset: "offset",
                    limit: "limit",
                };
                let (offset, limit) = fields::page(req.offset, req.limit, 100, names)?;
                let ids = if req.route_table_ids.is_empty() {
                    None
                } else {
                    Some(
                        req.route_table_ids
                            .iter()
                            .map(|id| ops::route_table_id(id, "route_table_ids"))
                            .collect::<ApiResult<Vec<_>>>()?,
                    )
                };
                Ok(DescribeRouteTables(RouteTableFilter {
                    ids,
                    vpcs: optional(req.vpc_id)
                        .map(|id| VpcRef::parse(&id, "vpc_id").map(|r| vec![r]))
                        .transpose()?,
                    names: optional(req.route_table_name).map(|n| vec![n]),
                    main: req.main,
                    offset,
                    limit,
                    ..RouteTableFilter::default()
                }))
            },
        )
        .await?;
        Ok(Response::new(proto::DescribeRouteTablesResponse {
            total_count: page.total,
            route_tables: page.items.into_iter().map(Into::into).collect(),
        }))
    }

    async fn delete_route_table(
        &self,
        request: Request<proto::DeleteRouteTableRequest>,
    ) -> Result<Response<proto::DeleteRouteTableResponse>, Status> {
        super::run(&self.state, request, ActionName::DeleteRouteTable, |req| {
            Ok(DeleteRouteTable(table(&req.route_table_id)?))
        })
        .await?;
        Ok(Response::new(proto::DeleteRouteTableResponse {}))
    }

    async fn modify_route_table_attribute(
        &self,
        request: Request<proto::ModifyRouteTableAttributeRequest>,
    ) -> Result<Response<proto::ModifyRouteTableAttributeResponse>, Status> {
        let renamed = super::run(
            &self.state,
            request,
            ActionName::ModifyRouteTableAttribute,
            |req| {
                Ok(RenameRouteTable {
                    route_table: table(&req.route_table_id)?,
                    name: ops::name(&req.route_table_name, "route_table_name")?,
                })
            },
        )
        .await?;
        Ok(Response::new(proto::ModifyRouteTableAttributeResponse {
            route_table: Some(renamed.into()),
        }))
    }

    async fn replace_route_table_association(
        &self,
        request: Request<proto::ReplaceRouteTableAssociationRequest>,
    ) -> Result<Response<proto::ReplaceRouteTableAssociationResponse>, Status> {
        let subnet = super::run(
            &self.state,
            request,
            ActionName::ReplaceRouteTableAssociation,
            |req| super::subnet::association(&req.subnet_id, &req.route_table_id),
        )
        .await?;
        Ok(Response::new(proto::ReplaceRouteTableAssociationResponse {
            subnet: Some(subnet.into()),
        }))
    }

    async fn create_routes(
        &self,
        request: Request<proto::CreateRoutesRequest>,
    ) -> Result<Response<proto::CreateRoutesResponse>, Status> {
        let (routes, table) = super::run(&self.state, request, ActionName::CreateRoutes, |req| {
            ops::check_items(req.routes.len(), "routes")?;
            Ok(CreateRoutes {
                route_table: table(&req.route_table_id)?,
                routes: req.routes.iter().map(new_route).collect::<ApiResult<_>>()?,
            })
        })
        .await?;
        Ok(Response::new(proto::CreateRoutesResponse {
            routes: routes.into_iter().map(Into::into).collect(),
            route_table: Some(table.into()),
        }))
    }

    async fn delete_routes(
        &self,
        request: Request<proto::DeleteRoutesRequest>,
    ) -> Result<Response<proto::DeleteRoutesResponse>, Status> {
        let deleted = super::run(&self.state, request, ActionName::DeleteRoutes, |req| {
            Ok(DeleteRoutes {
                route_table: table(&req.route_table_id)?,
                routes: route_refs(&req.routes)?,
            })
        })
        .await?;
        Ok(Response::new(proto::DeleteRoutesResponse {
            routes: deleted.into_iter().map(Into::into).collect(),
        }))
    }

    async fn replace_routes(
        &self,
        request: Request<proto::ReplaceRoutesRequest>,
    ) -> Result<Response<proto::ReplaceRoutesResponse>, Status> {
        let (old, new) = super::run(&self.state, request, ActionName::ReplaceRoutes, |req| {
            ops::check_items(req.routes.len(), "routes")?;
            let routes = req
                .routes
                .iter()
                .map(|r| {
                    let which = r
                        .route
                        .as_ref()
                        .ok_or_else(|| crate::domain::ApiError::missing("route"))?;
                    let new = r
                        .new_route
                        .as_ref()
                        .ok_or_else(|| crate::domain::ApiError::missing("new_route"))?;
                    Ok((route_ref(which)?, new_route(new)?))
                })
                .collect::<ApiResult<_>>()?;
            Ok(ReplaceRoutes {
                route_table: table(&req.route_table_id)?,
                routes,
            })
        })
        .await?;
        Ok(Response::new(proto::ReplaceRoutesResponse {
            old_routes: old.into_iter().map(Into::into).collect(),
            new_routes: new.into_iter().map(Into::into).collect(),
        }))
    }

    async fn enable_routes(
        &self,
        request: Request<proto::EnableRoutesRequest>,
    ) -> Result<Response<proto::EnableRoutesResponse>, Status> {
        super::run(&self.state, request, ActionName::EnableRoutes, |req| {
            Ok(SetRoutesEnabled {
                route_table: table(&req.route_table_id)?,
                routes: route_refs(&req.routes)?,
                enabled: true,
            })
        })
        .await?;
        Ok(Response::new(proto::EnableRoutesResponse {}))
    }

    async fn disable_routes(
        &self,
        request: Request<proto::DisableRoutesRequest>,
    ) -> Result<Response<proto::DisableRoutesResponse>, Status> {
        super::run(&self.state, request, ActionName::DisableRoutes, |req| {
            Ok(SetRoutesEnabled {
                route_table: table(&req.route_table_id)?,
                routes: route_refs(&req.routes)?,
                enabled: false,
            })
        })
        .await?;
        Ok(Response::new(proto::DisableRoutesResponse {}))
    }
}
