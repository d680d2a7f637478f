//! What Tencent Cloud's HTTP APIs (API 3.0 and the legacy API) share on the
//! wire: every answer, error or not, is HTTP 200 with a JSON body, and the
//! call's context (request id, log fields) comes from the request layer.

use std::sync::Arc;

use axum::{body::Body, extract::Request, response::Response};
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use serde_json::Value;

use super::context::CallInfo;

/// The request layer's record of this call, and its request id.
pub fn call_info(request: &Request) -> (Option<Arc<CallInfo>>, String) {
    let info = request.extensions().get::<Arc<CallInfo>>().cloned();
    let request_id = info
        .as_ref()
        .map(|i| i.request_id.clone())
        .unwrap_or_default();
    (info, request_id)
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
