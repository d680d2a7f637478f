//! `vpcsim.v1.AdminService`: accounts, quotas, state, clock, events, fault
//! rules and rate limits.

use std::sync::Arc;

use tonic::{Request, Response, Status};

mod control;

use control::{EventStream, clock_message, parse_snapshot_name};

use super::{
    auth,
    convert::{account_with_secret, account_without_secret, optional},
};
use crate::{
    action::{
        fields::{PageFields, page},
        throttle::RateLimitSetting,
    },
    domain::{
        ApiError, ErrorCode,
        faults::{FaultKind, FaultRequest, FaultRule},
        ids::parse_uin,
        names::validate_name,
        quota::{QuotaName, validate_limit},
        region::Region,
        time::{format_time, parse_time},
    },
    proto::{self, admin_service_server::AdminService},
    store::{NewAccount, QuotaUpdate},
    transport::AppState,
    version,
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
            auth::region(&self.state, request)
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
        let actor = auth::admin(&self.state, &request)?;
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
        let account = self.state.store().create_account(actor, new).await?;
        Ok(Response::new(proto::CreateAccountResponse {
            account: Some(account_with_secret(account)),
        }))
    }

    async fn describe_accounts(
        &self,
        request: Request<proto::DescribeAccountsRequest>,
    ) -> Result<Response<proto::DescribeAccountsResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let accounts = self.state.store().describe_accounts().await?;
        Ok(Response::new(proto::DescribeAccountsResponse {
            accounts: accounts.into_iter().map(account_without_secret).collect(),
        }))
    }

    async fn set_quota(
        &self,
        request: Request<proto::SetQuotaRequest>,
    ) -> Result<Response<proto::SetQuotaResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
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
        let quota = self.state.store().set_quota(actor, update).await?;
        Ok(Response::new(proto::SetQuotaResponse {
            quota: Some(quota.into()),
        }))
    }

    async fn describe_quotas(
        &self,
        request: Request<proto::DescribeQuotasRequest>,
    ) -> Result<Response<proto::DescribeQuotasResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let region = self.region_field(&request, &request.get_ref().region)?;
        let uin = parse_uin(&request.get_ref().uin, "uin")?;
        let quotas = self.state.store().describe_quotas(&uin, region).await?;
        Ok(Response::new(proto::DescribeQuotasResponse {
            quotas: quotas.into_iter().map(Into::into).collect(),
        }))
    }

    async fn load_scenario(
        &self,
        request: Request<proto::LoadScenarioRequest>,
    ) -> Result<Response<proto::LoadScenarioResponse>, Status> {
        self.do_load_scenario(request).await
    }

    async fn dump_scenario(
        &self,
        request: Request<proto::DumpScenarioRequest>,
    ) -> Result<Response<proto::DumpScenarioResponse>, Status> {
        self.do_dump_scenario(request).await
    }

    async fn reset(
        &self,
        request: Request<proto::ResetRequest>,
    ) -> Result<Response<proto::ResetResponse>, Status> {
        self.do_reset(request).await
    }

    async fn save_snapshot(
        &self,
        request: Request<proto::SaveSnapshotRequest>,
    ) -> Result<Response<proto::SaveSnapshotResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let name = parse_snapshot_name(&request.get_ref().name)?;
        let snapshot = self.state.store().save_snapshot(actor, name).await?;
        Ok(Response::new(proto::SaveSnapshotResponse {
            snapshot: Some(snapshot.into()),
        }))
    }

    async fn restore_snapshot(
        &self,
        request: Request<proto::RestoreSnapshotRequest>,
    ) -> Result<Response<proto::RestoreSnapshotResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let name = parse_snapshot_name(&request.get_ref().name)?;
        let snapshot = self.state.store().restore_snapshot(actor, name).await?;
        Ok(Response::new(proto::RestoreSnapshotResponse {
            snapshot: Some(snapshot.into()),
        }))
    }

    async fn list_snapshots(
        &self,
        request: Request<proto::ListSnapshotsRequest>,
    ) -> Result<Response<proto::ListSnapshotsResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let snapshots = self.state.store().list_snapshots().await?;
        Ok(Response::new(proto::ListSnapshotsResponse {
            snapshots: snapshots.into_iter().map(Into::into).collect(),
        }))
    }

    async fn delete_snapshot(
        &self,
        request: Request<proto::DeleteSnapshotRequest>,
    ) -> Result<Response<proto::DeleteSnapshotResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let name = parse_snapshot_name(&request.get_ref().name)?;
        self.state.store().delete_snapshot(actor, name).await?;
        Ok(Response::new(proto::DeleteSnapshotResponse {}))
    }

    async fn get_clock(
        &self,
        request: Request<proto::GetClockRequest>,
    ) -> Result<Response<proto::GetClockResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let (now, offset) = self.state.store().clock_reading();
        Ok(Response::new(proto::GetClockResponse {
            clock: Some(clock_message(now, offset)),
        }))
    }

    async fn advance_clock(
        &self,
        request: Request<proto::AdvanceClockRequest>,
    ) -> Result<Response<proto::AdvanceClockResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let seconds = request.get_ref().seconds;
        if !(0..=MAX_CLOCK_STEP).contains(&seconds) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "seconds",
                format!("seconds {seconds} must be from 0 to {MAX_CLOCK_STEP}; SetClock moves the clock back"),
            )
            .into());
        }
        // The time it moved to, as SetClock answers the time it set.
        let now = self.state.store().advance_clock(actor, seconds).await?;
        let (_, offset) = self.state.store().clock_reading();
        Ok(Response::new(proto::AdvanceClockResponse {
            clock: Some(clock_message(now, offset)),
        }))
    }

    async fn set_clock(
        &self,
        request: Request<proto::SetClockRequest>,
    ) -> Result<Response<proto::SetClockResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let text = &request.get_ref().time;
        if text.is_empty() {
            return Err(ApiError::missing("time").into());
        }
        let time = parse_time(text).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameterValueMalformed,
                "time",
                format!("time {text:?} is not a time such as 2026-01-06 20:56:07"),
            )
        })?;
        // The time it was set to, not a later reading that a second
        // boundary may have passed.
        let now = self.state.store().set_clock(actor, time).await?;
        let (_, offset) = self.state.store().clock_reading();
        Ok(Response::new(proto::SetClockResponse {
            clock: Some(clock_message(now, offset)),
        }))
    }

    async fn describe_events(
        &self,
        request: Request<proto::DescribeEventsRequest>,
    ) -> Result<Response<proto::DescribeEventsResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let req = request.into_inner();
        let (offset, limit) = page(
            req.offset,
            req.limit,
            1000,
            PageFields {
                offset: "offset",
                limit: "limit",
            },
        )?;
        let filter = Self::event_filter(&req)?;
        let (total_count, events) = self
            .state
            .store()
            .describe_events(&filter, offset, limit)
            .await?;
        Ok(Response::new(proto::DescribeEventsResponse {
            total_count,
            events: events.into_iter().map(Into::into).collect(),
        }))
    }

    type WatchEventsStream = EventStream;

    async fn watch_events(
        &self,
        request: Request<proto::WatchEventsRequest>,
    ) -> Result<Response<Self::WatchEventsStream>, Status> {
        self.do_watch_events(request).await
    }

    async fn add_fault(
        &self,
        request: Request<proto::AddFaultRequest>,
    ) -> Result<Response<proto::AddFaultResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let spec = fault_request(request.get_ref())?.check()?;
        let rule = self.state.store().add_fault(actor, spec).await?;
        Ok(Response::new(proto::AddFaultResponse {
            fault: Some(fault_message(&rule)),
        }))
    }

    async fn list_faults(
        &self,
        request: Request<proto::ListFaultsRequest>,
    ) -> Result<Response<proto::ListFaultsResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let rules = self.state.store().list_faults().await?;
        Ok(Response::new(proto::ListFaultsResponse {
            faults: rules.iter().map(fault_message).collect(),
        }))
    }

    async fn delete_fault(
        &self,
        request: Request<proto::DeleteFaultRequest>,
    ) -> Result<Response<proto::DeleteFaultResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let fault_id = request.into_inner().fault_id;
        if fault_id.is_empty() {
            return Err(ApiError::missing("fault_id").into());
        }
        let rule = self.state.store().delete_fault(actor, fault_id).await?;
        Ok(Response::new(proto::DeleteFaultResponse {
            fault: Some(fault_message(&rule)),
        }))
    }

    async fn clear_faults(
        &self,
        request: Request<proto::ClearFaultsRequest>,
    ) -> Result<Response<proto::ClearFaultsResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let deleted = self.state.store().clear_faults(actor).await?;
        Ok(Response::new(proto::ClearFaultsResponse {
            deleted: deleted as i64,
        }))
    }

    async fn set_rate_limit(
        &self,
        request: Request<proto::SetRateLimitRequest>,
    ) -> Result<Response<proto::SetRateLimitResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let req = request.get_ref();
        let setting = RateLimitSetting::new(&req.action, req.requests_per_second)?;
        let limits = self.state.actions.throttle.set(setting);
        tracing::info!(limit = %setting, "rate limit set");
        Ok(Response::new(proto::SetRateLimitResponse {
            limits: limits
                .into_iter()
                .map(|l| proto::RateLimit {
                    action: l.action.to_owned(),
                    requests_per_second: l.per_second.into(),
                })
                .collect(),
        }))
    }

    async fn get_server_info(
        &self,
        request: Request<proto::GetServerInfoRequest>,
    ) -> Result<Response<proto::GetServerInfoResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let counts = self.state.store().counts().await?;
        Ok(Response::new(proto::GetServerInfoResponse {
            version: version::VERSION.into(),
            commit: version::COMMIT.into(),
            build_date: version::BUILD_DATE.into(),
            uptime_seconds: self.state.started.elapsed().as_secs() as i64,
            db_path: self.state.db_path.clone(),
            accounts: counts.accounts,
            vpcs: counts.vpcs,
            peerings: counts.peerings,
            front_ends: FRONT_ENDS.map(String::from).into(),
            tls: self.state.tls,
        }))
    }
}

/// What one port serves, as GetServerInfo names it.
const FRONT_ENDS: [&str; 3] = ["grpc", "api3", "legacy"];

/// An AddFault request as the domain checks it.
fn fault_request(req: &proto::AddFaultRequest) -> Result<FaultRequest<'_>, ApiError> {
    let kind = match proto::FaultKind::try_from(req.kind) {
        Ok(proto::FaultKind::Unspecified) => None,
        Ok(kind) => FaultKind::parse(kind.as_str_name()),
        Err(_) => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "kind",
                format!(
                    "kind {} is not one of {}",
                    req.kind,
                    FaultKind::ALL.map(FaultKind::as_str).join(", ")
                ),
            ));
        }
    };
    Ok(FaultRequest {
        fault_id: &req.fault_id,
        action: &req.action,
        uin: &req.uin,
        region: &req.region,
        kind,
        error_code: &req.error_code,
        message: &req.message,
        delay_ms: req.delay_ms,
        times: req.times,
        probability: req.probability,
        seed: req.seed,
    })
}

fn fault_message(rule: &FaultRule) -> proto::FaultRule {
    let spec = &rule.spec;
    proto::FaultRule {
        fault_id: rule.fault_id.clone(),
        action: spec.action.to_owned(),
        uin: spec.uin.clone().unwrap_or_default(),
        region: spec.region.map(|r| r.name.to_owned()).unwrap_or_default(),
        kind: proto::FaultKind::from_str_name(spec.kind.as_str())
            .unwrap_or_default()
            .into(),
        error_code: spec
            .error
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        message: spec.message.clone().unwrap_or_default(),
        delay_ms: spec.delay.as_millis() as i64,
        times: spec.times.map(|n| n as i64),
        probability: spec.probability,
        seed: spec.seed as i64,
        matched: rule.matched as i64,
        fired: rule.fired as i64,
        create_time: format_time(rule.create_time),
    }
}

/// The largest AdvanceClock step: 100 years, far from timestamp overflow.
const MAX_CLOCK_STEP: i64 = 100 * 366 * 24 * 3600;
