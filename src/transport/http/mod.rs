//! Tencent Cloud's own HTTP APIs on the gRPC port: API 3.0 ([`api3`]) and
//! the legacy API ([`legacy`]), and what they share: every answer, error
//! or not, is HTTP 200 with a JSON body in the API's envelope; both sign
//! the host the client addressed; both take the older signature form
//! ([`v1`]), Nonces and all. [`HttpApi`] is the one difference between
//! them, and [`handle`] the rest.

pub mod api3;
pub mod legacy;
pub mod v1;

use std::{borrow::Cow, future::Future, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    response::Response,
    routing::any,
};
use http::{
    HeaderMap, HeaderValue, StatusCode, header::CONTENT_TYPE, header::HOST, request::Parts,
};
use serde_json::{Map, Value};

use super::{AppState, request_log::RequestLog};
use crate::domain::{ApiError, ErrorCode};

/// The fields of a successful answer, before its envelope.
pub type Fields = Map<String, Value>;

/// What one HTTP API is: its path, its size limit, how it serves a
/// request, and its envelope.
pub trait HttpApi: Send + Sync + 'static {
    /// The path it answers on.
    const PATH: &'static str;
    /// The largest request body it reads.
    const MAX_BODY_BYTES: usize;

    /// Serves one request whose body was read.
    fn serve(
        &self,
        app: &AppState,
        request: Received<'_>,
    ) -> impl Future<Output = Result<Fields, ApiError>> + Send;

    /// The envelope of a success.
    fn success(fields: Fields, request_id: &str) -> Value;

    /// The envelope of an error.
    fn failure(err: &ApiError, request_id: &str) -> Value;
}

/// A request as an HTTP API serves it: its head, its body, and its log.
#[derive(Clone, Copy)]
pub struct Received<'a> {
    pub parts: &'a Parts,
    pub body: &'a [u8],
    pub log: &'a RequestLog,
}

/// The fields of one answer, in order.
pub fn answer<const N: usize>(pairs: [(&str, Value); N]) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The route of `api`, to merge beside the others.
pub fn routes<A: HttpApi>(app: Arc<AppState>, api: A) -> Router {
    Router::new()
        .route(A::PATH, any(handle::<A>))
        .with_state((app, Arc::new(api)))
}

/// One request to `A`: its body read within the limit, served, and
/// answered in the envelope; an error's code goes to the call's log line.
async fn handle<A: HttpApi>(
    State((app, api)): State<(Arc<AppState>, Arc<A>)>,
    request: Request,
) -> Response {
    let log = request
        .extensions()
        .get::<Arc<RequestLog>>()
        .cloned()
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let outcome = match axum::body::to_bytes(body, A::MAX_BODY_BYTES).await {
        Ok(body) => {
            let received = Received {
                parts: &parts,
                body: &body,
                log: &log,
            };
            api.serve(&app, received).await
        }
        Err(_) => Err(ApiError::new(
            ErrorCode::RequestSizeLimitExceeded,
            format!("the request body is over {} bytes", A::MAX_BODY_BYTES),
        )),
    };
    let answer = match outcome {
        Ok(fields) => A::success(fields, &log.request_id),
        Err(err) => {
            log.set_error(err.code.as_str(), err.source.clone());
            tracing::debug!(code = %err.code, message = %err.message, request_id = %log.request_id, "http api error");
            A::failure(&err, &log.request_id)
        }
    };
    json_answer(&answer)
}

/// `answer` as HTTP 200 with `Content-Type: application/json`, exactly: the
/// Python SDK reads an error only from a body served that way (no charset),
/// and a non-200 status loses the error's code.
pub fn json_answer(answer: &Value) -> Response {
    let mut out = Response::new(Body::from(answer.to_string()));
    *out.status_mut() = StatusCode::OK;
    out.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    out
}

/// The host the client signed: the `Host` header, or over HTTP/2, where
/// the host travels as the `:authority` pseudo-header, that.
pub fn signed_host(parts: &Parts) -> &str {
    parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or_default()
}

/// The headers as the client signed them, with `host` as `signed_host`
/// finds it (TC3 signs it as a header).
pub fn headers_with_host(parts: &Parts) -> Cow<'_, HeaderMap> {
    if parts.headers.contains_key(HOST) {
        return Cow::Borrowed(&parts.headers);
    }
    match HeaderValue::from_str(signed_host(parts)) {
        Ok(host) if !host.is_empty() => {
            let mut headers = parts.headers.clone();
            headers.insert(HOST, host);
            Cow::Owned(headers)
        }
        _ => Cow::Borrowed(&parts.headers),
    }
}
