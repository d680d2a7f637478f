//! Per-call context: every call gets a request id, returned in the
//! `x-request-id` response header whatever the outcome, one log line with
//! its method, action, caller, outcome, code and latency, and its place in
//! the metrics. An internal error adds one more line, at error level, with
//! its hidden cause. A call its client abandons is logged and counted as
//! `Cancelled`; a gRPC call whose `grpc-timeout` passes is answered
//! DEADLINE_EXCEEDED here, with its request id. Errors tonic answers before
//! any handler runs (a request over the size limit, bytes that are not
//! protobuf) get the project's error shape here.

use std::{
    error::Error,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use http::{HeaderMap, HeaderValue, Request, Response};
use tower::{Layer, Service};

use super::{
    call_feed::{CallFeed, CallRecord},
    grpc::status::from_request_read_error,
    request_log::RequestLog,
};
use crate::{
    domain::{ApiError, ErrorCode, actions::ActionName},
    metrics::{CallLabels, Metrics},
    store::BoxFuture,
};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A fresh request id: 128 random bits, written like a UUID.
fn new_request_id() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Replaces a status that tonic answered without running the handler (an
/// error in the headers: trailers-only) by the project's, and logs what
/// tonic said.
fn reshape_request_read_error(headers: &mut HeaderMap, method: &str, request_id: &str) {
    let Some(status) = tonic::Status::from_header_map(headers) else {
        return;
    };
    let Some(ours) = from_request_read_error(&status) else {
        return;
    };
    tracing::warn!(
        method,
        request_id,
        code = ?status.code(),
        error = status.message(),
        "request refused before its handler"
    );
    let mut replacement = HeaderMap::new();
    if ours.add_header(&mut replacement).is_err() {
        return;
    }
    for name in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
        headers.remove(name);
    }
    headers.extend(replacement);
}

/// The request layer: every call's request id, log line and metrics, and
/// its record for a console that follows the calls.
#[derive(Debug, Clone)]
pub struct RequestContextLayer {
    metrics: Arc<Metrics>,
    calls: CallFeed,
}

impl RequestContextLayer {
    pub fn new(metrics: Arc<Metrics>, calls: CallFeed) -> Self {
        Self { metrics, calls }
    }
}

impl<S> Layer<S> for RequestContextLayer {
    type Service = RequestContext<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestContext {
            inner,
            metrics: self.metrics.clone(),
            calls: self.calls.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RequestContext<S> {
    inner: S,
    metrics: Arc<Metrics>,
    calls: CallFeed,
}

/// How much sooner than the client's `grpc-timeout` vpcsim answers
/// DEADLINE_EXCEEDED itself (at most a tenth of the deadline): tonic's own
/// timer, which wraps this layer and started a moment earlier, would
/// otherwise answer CANCELLED without a request id, and the client's own
/// timer would race the answer. A client may also need a moment of its
/// deadline left to read the answer's details (grpcurl resolves the
/// `ErrorInfo` type through reflection within it): 20 ms was not always
/// enough on a loaded machine.
const DEADLINE_MARGIN: Duration = Duration::from_millis(100);

/// A `grpc-timeout` header's duration: up to 8 digits and a unit.
fn grpc_timeout(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Which front end a request reaches, by its path and headers.
fn front_end(path: &str, api3: bool) -> &'static str {
    if api3 {
        "api3"
    } else if path == super::http::legacy::PATH {
        "legacy"
    } else if path.starts_with("/grpc.") || path.starts_with("/vpcsim.") {
        "grpc"
    } else {
        "http"
    }
}

/// The action label of a call that names no action: the service it
/// reached, from a fixed set, so that label values stay bounded.
fn service_label(path: &str) -> &'static str {
    if path.starts_with("/vpcsim.v1.AdminService/") || path.starts_with("/ui/api/admin/") {
        "admin"
    } else if path.starts_with("/grpc.health.") {
        "health"
    } else if path.starts_with("/grpc.reflection.") {
        "reflection"
    } else if matches!(path, "/healthz" | "/readyz" | "/metrics" | "/version") {
        "probe"
    } else if path == "/ui" || path.starts_with("/ui/") {
        "console"
    } else {
        "other"
    }
}

/// A finished call as the console's timeline shows it, or `None` for one
/// it leaves out: the console's own requests but for the controls that
/// change something (its reads would crowd the timeline they feed).
fn timeline_record(
    info: &RequestLog,
    front_end: &'static str,
    method: &str,
    action: &str,
    code: &str,
    latency_us: u64,
) -> Option<CallRecord> {
    let console_method = info.console_method.get().copied();
    let front_end = match front_end {
        "http" => console_method
            .filter(|m| !["Get", "List", "Describe"].iter().any(|r| m.starts_with(r)))
            .map(|_| "console")?,
        api => api,
    };
    // A call by the name its caller used: an HTTP API's own action name
    // (`DescribeVpcs`, not vpcsim's `DescribeVpcEx`), an admin call by its
    // method, which the metrics label leaves out.
    let action: String = match method
        .strip_prefix("api3/")
        .or_else(|| method.strip_prefix("legacy/"))
    {
        Some(named) => named.chars().take(64).collect(),
        None => match console_method {
            Some(console) => console.to_owned(),
            None if action == "admin" => method.rsplit('/').next().unwrap_or(action).to_owned(),
            None => action.to_owned(),
        },
    };
    Some(CallRecord {
        request_id: info.request_id.clone(),
        front_end,
        action,
        caller: info.caller.get().map_or("-", String::as_str).to_owned(),
        code: code.to_owned(),
        latency_ms: latency_us as f64 / 1000.0,
    })
}

/// One call in flight: counted out, and logged if its client abandons it.
struct InFlight {
    log: Arc<RequestLog>,
    metrics: Arc<Metrics>,
    front_end: &'static str,
    started: Instant,
    answered: bool,
}

impl InFlight {
    fn action(&self) -> &'static str {
        self.log
            .action
            .get()
            .map_or_else(|| service_label(&self.log.method), |a| a.as_str())
    }

    fn end(&mut self, code: &'static str) {
        self.answered = true;
        let labels = CallLabels {
            front_end: self.front_end,
            action: self.action(),
            code,
        };
        self.metrics.call_ended(labels, self.started.elapsed());
    }
}

/// A call whose future is dropped before its answer: the client went away
/// or reset the stream.
impl Drop for InFlight {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        self.end("Cancelled");
        let caller = self.log.caller.get().map(String::as_str).unwrap_or("-");
        tracing::info!(
            method = %self.log.method,
            action = self.action(),
            caller,
            request_id = %self.log.request_id,
            status = "Cancelled",
            outcome = "cancelled",
            code = "Cancelled",
            latency_us = self.started.elapsed().as_micros() as u64,
            "call"
        );
    }
}

/// The name of a gRPC status code, as the log and metrics give it.
fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "Ok",
        Cancelled => "Cancelled",
        Unknown => "Unknown",
        InvalidArgument => "InvalidArgument",
        DeadlineExceeded => "DeadlineExceeded",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        PermissionDenied => "PermissionDenied",
        ResourceExhausted => "ResourceExhausted",
        FailedPrecondition => "FailedPrecondition",
        Aborted => "Aborted",
        OutOfRange => "OutOfRange",
        Unimplemented => "Unimplemented",
        Internal => "Internal",
        Unavailable => "Unavailable",
        DataLoss => "DataLoss",
        Unauthenticated => "Unauthenticated",
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestContext<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // An API 3.0 call is named by its action, which travels in a header.
        let api3_action = request
            .headers()
            .get("x-tc-action")
            .filter(|_| request.uri().path() == "/");
        let method = match api3_action {
            Some(action) => format!("api3/{}", action.to_str().unwrap_or("?")),
            None => request.uri().path().to_owned(),
        };
        let front_end = front_end(request.uri().path(), api3_action.is_some());
        let deadline = match front_end {
            "grpc" => grpc_timeout(request.headers()),
            _ => None,
        };
        // A gRPC path asked for by plain HTTP (`curl`, a browser, a probe
        // pointed at the wrong path) gets an HTTP error, not a 200 with a
        // grpc-status header that `curl -f` would take for success.
        let plain_http = front_end == "grpc"
            && (request.method() != http::Method::POST
                || !request
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/grpc")));
        let refusal = plain_http.then(|| {
            if request.method() == http::Method::POST {
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE
            } else {
                http::StatusCode::METHOD_NOT_ALLOWED
            }
        });
        let info = Arc::new(RequestLog {
            request_id: new_request_id(),
            method: method.clone(),
            ..RequestLog::default()
        });
        // Known before authentication, so that a refused call counts
        // under its action too.
        if let Some(action) = api3_action
            .and_then(|a| a.to_str().ok())
            .and_then(ActionName::from_api3)
        {
            info.set_action(action);
        }
        request.extensions_mut().insert(info.clone());
        self.metrics.call_started();
        let mut in_flight = InFlight {
            log: info.clone(),
            metrics: self.metrics.clone(),
            front_end,
            started: Instant::now(),
            answered: false,
        };
        // The ready service goes to this call; a clone stays for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let calls = self.calls.clone();
        Box::pin(async move {
            let mut result = match (refusal, deadline) {
                (Some(status), _) => {
                    let mut response = Response::new(ResBody::default());
                    *response.status_mut() = status;
                    response
                        .headers_mut()
                        .insert(http::header::ALLOW, HeaderValue::from_static("POST"));
                    Ok(response)
                }
                (None, None) => inner.call(request).await,
                (None, Some(deadline)) => {
                    let margin = DEADLINE_MARGIN.min(deadline / 10);
                    let work = inner.call(request);
                    match tokio::time::timeout(deadline.saturating_sub(margin), work).await {
                        Ok(result) => result,
                        Err(_) => {
                            let err = ApiError::new(
                                ErrorCode::DeadlineExceeded,
                                "the call's deadline (grpc-timeout) passed before its answer; \
                                 its work may have been done",
                            );
                            Ok(tonic::Status::from(err).into_http())
                        }
                    }
                }
            };
            let latency_us = in_flight.started.elapsed().as_micros() as u64;
            let caller = info.caller.get().map(String::as_str).unwrap_or("-");
            let method = match info.legacy_action.get() {
                Some(action) => format!("legacy/{action}"),
                None => method,
            };
            let action = in_flight.action();
            match &mut result {
                Ok(response) => {
                    if let Ok(value) = HeaderValue::from_str(&info.request_id) {
                        response.headers_mut().insert(REQUEST_ID_HEADER, value);
                    }
                    reshape_request_read_error(response.headers_mut(), &method, &info.request_id);
                    // Errors of unary calls travel in the headers
                    // (trailers-only); a success has no grpc-status yet.
                    let status = response
                        .headers()
                        .get("grpc-status")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<i32>().ok())
                        .map(tonic::Code::from_i32)
                        .unwrap_or(tonic::Code::Ok);
                    // The cause of an internal error: logged here once, with
                    // the request id, and never sent. A gRPC error carries it
                    // in the status tonic keeps in the response.
                    let source =
                        info.error_source
                            .get()
                            .map(|s| &**s as &dyn Error)
                            .or_else(|| {
                                response
                                    .extensions()
                                    .get::<tonic::Status>()
                                    .and_then(|status| status.source())
                            });
                    if let Some(source) = source {
                        tracing::error!(method, action, caller, request_id = %info.request_id, error = %source, "internal error");
                    }
                    // One field an alert matches on every front end: the
                    // table's code where the front end knows it (HTTP APIs
                    // answer errors with HTTP 200), else gRPC's status.
                    let code = match (info.error_code.get(), status) {
                        (Some(code), _) => *code,
                        (None, tonic::Code::Ok)
                            if response.status().is_client_error()
                                || response.status().is_server_error() =>
                        {
                            "HttpError"
                        }
                        (None, status) => code_name(status),
                    };
                    let outcome = match code {
                        "Ok" => "ok",
                        "DeadlineExceeded" => "deadline_exceeded",
                        _ => "error",
                    };
                    in_flight.end(code);
                    let http = response.status().as_u16();
                    if matches!(action, "health" | "reflection" | "probe" | "console") {
                        tracing::debug!(method, action, caller, request_id = %info.request_id, status = code_name(status), http, outcome, code, latency_us, "call");
                    } else {
                        tracing::info!(method, action, caller, request_id = %info.request_id, status = code_name(status), http, outcome, code, latency_us, "call");
                        if calls.has_listeners()
                            && let Some(record) =
                                timeline_record(&info, front_end, &method, action, code, latency_us)
                        {
                            calls.publish(record);
                        }
                    }
                }
                Err(_) => {
                    in_flight.end("TransportError");
                    tracing::warn!(method, action, caller, request_id = %info.request_id, outcome = "error", latency_us, "call failed in transport")
                }
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_read_as_the_protocol_writes_them() {
        let mut headers = HeaderMap::new();
        for (text, expected) in [
            ("500m", Some(Duration::from_millis(500))),
            ("2S", Some(Duration::from_secs(2))),
            ("1H", Some(Duration::from_secs(3600))),
            ("100u", Some(Duration::from_micros(100))),
            ("123456789m", None),
            ("m", None),
            ("5x", None),
        ] {
            headers.insert("grpc-timeout", HeaderValue::from_static(text));
            assert_eq!(grpc_timeout(&headers), expected, "{text}");
        }
    }
}
