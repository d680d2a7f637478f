//! Per-call context: every call gets a request id, returned in the
//! `x-request-id` response header whatever the outcome, and one log line
//! with its method, caller, status and latency; an internal error adds one
//! more, at error level, with its hidden cause. Errors tonic answers before
//! any handler runs (a request over the size limit, bytes that are not
//! protobuf) get the project's error shape here.

use std::{
    error::Error,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use http::{HeaderMap, HeaderValue, Request, Response};
use tower::{Layer, Service};

use super::{grpc::status::from_request_read_error, request_log::RequestLog};
use crate::store::BoxFuture;

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

#[derive(Debug, Clone, Default)]
pub struct RequestContextLayer;

impl<S> Layer<S> for RequestContextLayer {
    type Service = RequestContext<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RequestContext { inner }
    }
}

#[derive(Debug, Clone)]
pub struct RequestContext<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestContext<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // An API 3.0 call is named by its action, which travels in a header.
        let method = match request.headers().get("x-tc-action") {
            Some(action) if request.uri().path() == "/" => {
                format!("api3/{}", action.to_str().unwrap_or("?"))
            }
            _ => request.uri().path().to_owned(),
        };
        let info = Arc::new(RequestLog {
            request_id: new_request_id(),
            method: method.clone(),
            ..RequestLog::default()
        });
        request.extensions_mut().insert(info.clone());
        let started = Instant::now();
        // The ready service goes to this call; a clone stays for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let mut result = inner.call(request).await;
            let latency_us = started.elapsed().as_micros() as u64;
            let caller = info.caller.get().map(String::as_str).unwrap_or("-");
            let method = match info.legacy_action.get() {
                Some(action) => format!("legacy/{action}"),
                None => method,
            };
            let action = info.action.get().map_or("-", |a| a.as_str());
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
                        tracing::error!(method, caller, request_id = %info.request_id, error = %source, "internal error");
                    }
                    match info.error_code.get() {
                        Some(code) => tracing::info!(
                            method,
                            action,
                            caller,
                            request_id = %info.request_id,
                            status = ?status,
                            error = %code,
                            latency_us,
                            "call"
                        ),
                        None => tracing::info!(
                            method,
                            action,
                            caller,
                            request_id = %info.request_id,
                            status = ?status,
                            latency_us,
                            "call"
                        ),
                    }
                }
                Err(_) => {
                    tracing::warn!(method, caller, request_id = %info.request_id, latency_us, "call failed in transport")
                }
            }
            result
        })
    }
}
