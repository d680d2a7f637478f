//! The test-harness part of `AdminService`: scenarios, reset, snapshots, the
//! clock and the event log. The service itself (`super`) holds the account,
//! quota, fault and rate-limit calls, and hands these to this module.

use std::{pin::Pin, sync::Arc};

use tokio::sync::mpsc;
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use super::AdminApi;
use crate::transport::{
    AppState,
    grpc::{auth, convert::optional, status::ERROR_DOMAIN},
};
use crate::{
    domain::{
        ApiError, ErrorCode,
        error::{MAX_MESSAGE_CHARS, truncate_message},
        events::{parse_after_event_id, parse_kind, parse_resource_type},
        region::Region,
        time::{format_time, parse_time},
    },
    proto,
    scenario::{self, Format},
    store::{Event, EventFilter, LoadError, LoadSummary, ScenarioLoad, Snapshot},
};

pub type EventStream = Pin<Box<dyn Stream<Item = Result<proto::Event, Status>> + Send>>;

impl From<LoadError> for Status {
    fn from(err: LoadError) -> Status {
        match err {
            LoadError::Api(err) => err.into(),
            LoadError::Invalid(errors) => {
                use tonic_types::{ErrorDetails, StatusExt};
                let mut details = ErrorDetails::with_error_info(
                    ErrorCode::InvalidParameterValue.as_str(),
                    ERROR_DOMAIN,
                    std::collections::HashMap::new(),
                );
                // Scenario text can hold anything: keep each line and the
                // whole message to a size a response header carries.
                for e in &errors.0 {
                    details.add_bad_request_violation(
                        e.path.clone(),
                        truncate_message(e.to_string(), MAX_MESSAGE_CHARS),
                    );
                }
                let lines: Vec<String> = errors
                    .0
                    .iter()
                    .map(|e| truncate_message(e.to_string(), MAX_MESSAGE_CHARS))
                    .collect();
                Status::with_error_details(
                    tonic::Code::InvalidArgument,
                    format!("{}: {}", ErrorCode::InvalidParameterValue, lines.join("\n")),
                    details,
                )
            }
        }
    }
}

impl From<LoadSummary> for proto::LoadScenarioResponse {
    fn from(s: LoadSummary) -> Self {
        proto::LoadScenarioResponse {
            accounts: s.accounts as i64,
            quotas: s.quotas as i64,
            vpcs: s.vpcs as i64,
            peerings: s.peerings as i64,
            faults: s.faults as i64,
            subnets: s.subnets as i64,
            route_tables: s.route_tables as i64,
            routes: s.routes as i64,
        }
    }
}

impl From<Snapshot> for proto::Snapshot {
    fn from(s: Snapshot) -> Self {
        proto::Snapshot {
            name: s.name,
            create_time: format_time(s.create_time),
            accounts: s.accounts,
            vpcs: s.vpcs,
            peerings: s.peerings,
        }
    }
}

impl From<Event> for proto::Event {
    fn from(e: Event) -> Self {
        proto::Event {
            event_id: e.id,
            time: format_time(e.time),
            actor: e.actor,
            request_id: e.request_id,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            kind: e.kind,
            old_state: e.old_state.unwrap_or_default(),
            new_state: e.new_state.unwrap_or_default(),
        }
    }
}

pub fn clock_message(now: i64, offset: i64) -> proto::Clock {
    proto::Clock {
        now: format_time(now),
        offset_seconds: offset,
    }
}

/// Snapshot names: 1 to 60 letters, digits, '.', '_' or '-'.
pub fn parse_snapshot_name(name: &str) -> Result<String, ApiError> {
    if name.is_empty() {
        return Err(ApiError::missing("name"));
    }
    if name.len() <= 60
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        Ok(name.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameterValue,
            "name",
            "snapshot names are 1 to 60 letters, digits, '.', '_' or '-'",
        ))
    }
}

fn parse_time_field(text: &str, field: &'static str) -> Result<Option<i64>, ApiError> {
    match optional(text.to_owned()) {
        None => Ok(None),
        Some(t) => parse_time(&t).map(Some).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameterValueMalformed,
                field,
                format!("{field} {t:?} is not a time such as 2026-01-06 20:56:07"),
            )
        }),
    }
}

/// A `resource_type` filter: empty for any, else one the log records.
fn resource_type_field(text: &str) -> Result<Option<String>, ApiError> {
    optional(text.to_owned())
        .map(|t| parse_resource_type(&t, "resource_type").map(str::to_owned))
        .transpose()
}

/// A `kind` filter: empty for any, else one the log records.
fn kind_field(text: &str) -> Result<Option<String>, ApiError> {
    optional(text.to_owned())
        .map(|t| parse_kind(&t, "kind").map(str::to_owned))
        .transpose()
}

/// A request's `format` field: `yaml`, `json`, or empty for the default.
fn format_field(text: String) -> Result<Option<Format>, ApiError> {
    optional(text)
        .map(|f| {
            Format::parse(&f).ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameterValueRange,
                    "format",
                    format!("format {f:?} must be yaml or json"),
                )
            })
        })
        .transpose()
}

/// Parses a scenario sent over the API, errors naming `source_name`.
pub fn scenario_load(
    state: &AppState,
    req: proto::LoadScenarioRequest,
) -> Result<ScenarioLoad, Status> {
    let source = optional(req.source_name).unwrap_or_else(|| "scenario".to_owned());
    let format = format_field(req.format)?
        .unwrap_or_else(|| Format::from_path(std::path::Path::new(&source)));
    let default_region = match optional(req.default_region) {
        None => state.default_region,
        Some(text) => Region::parse(&text).map_err(|err| ApiError {
            field: Some("default_region"),
            ..err
        })?,
    };
    let parsed = scenario::parse(&req.content, format, &source).map_err(LoadError::Invalid)?;
    Ok(ScenarioLoad {
        scenario: Arc::new(parsed),
        text: req.content.into(),
        source,
        default_region,
        replace: req.replace,
    })
}

impl AdminApi {
    pub(super) async fn do_load_scenario(
        &self,
        request: Request<proto::LoadScenarioRequest>,
    ) -> Result<Response<proto::LoadScenarioResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let load = scenario_load(&self.state, request.into_inner())?;
        let summary = self
            .state
            .store()
            .load_scenario(actor, load, Arc::default())
            .await?;
        Ok(Response::new(summary.into()))
    }

    pub(super) async fn do_dump_scenario(
        &self,
        request: Request<proto::DumpScenarioRequest>,
    ) -> Result<Response<proto::DumpScenarioResponse>, Status> {
        auth::admin(&self.state, &request)?;
        let request = request.into_inner();
        let format = format_field(request.format)?.unwrap_or(Format::Yaml);
        let mut dump = self.state.store().dump().await?;
        if request.omit_clock {
            dump.clock = None;
        }
        let content = scenario::render(&dump, format)
            .map_err(|err| ApiError::internal_because(format!("rendering a dump: {err}")))?;
        Ok(Response::new(proto::DumpScenarioResponse { content }))
    }

    pub(super) async fn do_reset(
        &self,
        request: Request<proto::ResetRequest>,
    ) -> Result<Response<proto::ResetResponse>, Status> {
        let actor = auth::admin(&self.state, &request)?;
        let scenario = if request.get_ref().empty {
            None
        } else {
            self.state.start_scenario.clone()
        };
        let scenario_loaded = scenario.is_some();
        self.state.store().reset(actor, scenario).await?;
        Ok(Response::new(proto::ResetResponse { scenario_loaded }))
    }

    pub(super) async fn do_watch_events(
        &self,
        request: Request<proto::WatchEventsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        auth::admin(&self.state, &request)?;
        let req = request.into_inner();
        let mut filter = EventFilter {
            resource_type: resource_type_field(&req.resource_type)?,
            resource_id: optional(req.resource_id),
            kind: kind_field(&req.kind)?,
            after_id: parse_after_event_id(req.after_event_id, "after_event_id")?,
            ..Default::default()
        };
        let mut newest = self.state.store().subscribe_events();
        if filter.after_id.is_none() {
            filter.after_id = Some(*newest.borrow_and_update());
        }
        let store = self.state.store().clone();
        let mut stopping = self.state.stopping.clone();
        let (send, receive) = mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                // Catch up on everything after the last event sent.
                loop {
                    let page = match store.next_events(&mut filter, 500).await {
                        Ok(page) if page.is_empty() => break,
                        Ok(page) => page,
                        Err(err) => {
                            let _ = send.send(Err(Status::from(err))).await;
                            return;
                        }
                    };
                    for event in page {
                        if send.send(Ok(event.into())).await.is_err() {
                            return; // the client went away
                        }
                    }
                }
                let stopped = tokio::select! {
                    changed = newest.changed() => changed.is_err(),
                    _ = stopping.wait_for(|s| *s) => true,
                    () = send.closed() => return,
                };
                if stopped {
                    // Ending with OK would read as "no more events"; this
                    // tells the client to watch again once the server is back.
                    let status = ApiError::new(
                        ErrorCode::ServiceUnavailable,
                        "the server is shutting down; watch again, with after_event_id set to \
                         the last event_id received, once it is back",
                    );
                    let _ = send.send(Err(status.into())).await;
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receive))))
    }

    pub(super) fn event_filter(
        req: &proto::DescribeEventsRequest,
    ) -> Result<EventFilter, ApiError> {
        Ok(EventFilter {
            resource_type: resource_type_field(&req.resource_type)?,
            resource_id: optional(req.resource_id.clone()),
            kind: kind_field(&req.kind)?,
            since: parse_time_field(&req.since, "since")?,
            until: parse_time_field(&req.until, "until")?,
            after_id: parse_after_event_id(req.after_event_id, "after_event_id")?,
        })
    }
}
