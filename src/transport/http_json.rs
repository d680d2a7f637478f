//! What Tencent Cloud's HTTP APIs (API 3.0 and the legacy API) share on the
//! wire: every answer, error or not, is HTTP 200 with a JSON body, and the
//! call's context (request id, log fields) comes from the request layer;
//! both sign the host the client addressed.

use std::{borrow::Cow, sync::Arc};

use axum::{body::Body, extract::Request, response::Response};
use http::{
    HeaderMap, HeaderValue, StatusCode, header::CONTENT_TYPE, header::HOST, request::Parts,
};
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
