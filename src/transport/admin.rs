//! `vpcsim.v1.AdminService`: accounts and quotas.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::{
    auth::AppState,
    convert::{account_with_secret, account_without_secret, optional},
};
use crate::{
    domain::{
        ApiError, ErrorCode,
        ids::parse_uin,
        names::validate_name,
        quota::{QuotaName, validate_limit},
        region::Region,
    },
    proto::{self, admin_service_server::AdminService},
    store::{NewAccount, QuotaUpdate},
};

pub struct AdminApi {
    state: Arc<AppState>,
}

impl AdminApi {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }

    /// The region a request field names, or else the call's region.
    fn region_field<T>(&self, request: &Request<T>, field: &str) -> Result<Region, ApiError> {
        if field.is_empty() {
            self.state.region(request)
        } else {
            Region::parse(field)
        }
    }
}

/// A secret given by the caller: printable ASCII without spaces, up to 128
/// characters, so that it fits an `authorization` header.
fn parse_secret(text: String, field: &'static str) -> Result<Option<String>, ApiError> {
    let Some(text) = optional(text) else {
        return Ok(None);
    };
    if text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(Some(text))
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameterValue,
            field,
            format!("{field} must be 1 to 128 printable ASCII characters without spaces"),
        ))
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn create_account(
        &self,
        request: Request<proto::CreateAccountRequest>,
    ) -> Result<Response<proto::CreateAccountResponse>, Status> {
        let actor = self.state.admin(&request)?;
        let req = request.into_inner();
        let uin = parse_uin(&req.uin, "uin")?;
        validate_name(&req.name, "name", ErrorCode::InvalidParameterValue)?;
        if let Some(app_id) = req.app_id.filter(|id| *id <= 0) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "app_id",
                format!("app_id {app_id} must be positive"),
            )
            .into());
        }
        let new = NewAccount {
            uin,
            name: req.name,
            app_id: req.app_id,
            secret_id: parse_secret(req.secret_id, "secret_id")?,
            secret_key: parse_secret(req.secret_key, "secret_key")?,
        };
        let account = self.state.store.create_account(actor, new).await?;
        Ok(Response::new(proto::CreateAccountResponse {
            account: Some(account_with_secret(account)),
        }))
    }

    async fn describe_accounts(
        &self,
        request: Request<proto::DescribeAccountsRequest>,
    ) -> Result<Response<proto::DescribeAccountsResponse>, Status> {
        self.state.admin(&request)?;
        let accounts = self.state.store.describe_accounts().await?;
        Ok(Response::new(proto::DescribeAccountsResponse {
            accounts: accounts.into_iter().map(account_without_secret).collect(),
        }))
    }

    async fn set_quota(
        &self,
        request: Request<proto::SetQuotaRequest>,
    ) -> Result<Response<proto::SetQuotaResponse>, Status> {
        let actor = self.state.admin(&request)?;
        let region = self.region_field(&request, &request.get_ref().region)?;
        let req = request.into_inner();
        let update = QuotaUpdate {
            uin: parse_uin(&req.uin, "uin")?,
            region,
            quota: QuotaName::parse(&req.quota_name, "quota_name")?,
            limit: {
                validate_limit(req.limit, "limit")?;
                req.limit
            },
        };
        let quota = self.state.store.set_quota(actor, update).await?;
        Ok(Response::new(proto::SetQuotaResponse {
            quota: Some(quota.into()),
        }))
    }

    async fn describe_quotas(
        &self,
        request: Request<proto::DescribeQuotasRequest>,
    ) -> Result<Response<proto::DescribeQuotasResponse>, Status> {
        self.state.admin(&request)?;
        let region = self.region_field(&request, &request.get_ref().region)?;
        let uin = parse_uin(&request.get_ref().uin, "uin")?;
        let quotas = self.state.store.describe_quotas(&uin, region).await?;
        Ok(Response::new(proto::DescribeQuotasResponse {
            quotas: quotas.into_iter().map(Into::into).collect(),
        }))
    }
}
