//! The operator's endpoints, on the port that serves everything else:
//! `GET /healthz` (liveness: 200 while the process answers), `GET /readyz`
//! (200 only while the store takes writes, else 503 with the cause),
//! `GET /metrics` (Prometheus text format) and `GET /version`. Each answers
//! a small JSON body (metrics aside) with real HTTP status codes, so that
//! `curl -f`, a container health check or a Kubernetes probe can use them.
//! Any other path a plain HTTP client asks for is 404.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use super::AppState;

/// The media type of Prometheus' text format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `value` as a JSON answer with `status`.
fn json_answer(status: StatusCode, value: Value) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The probe routes, to merge beside the APIs.
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/version", get(version))
        .with_state(state)
}

async fn healthz() -> Response {
    json_answer(StatusCode::OK, json!({ "status": "ok" }))
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.store().readiness() {
        Ok(()) => json_answer(StatusCode::OK, json!({ "status": "ready" })),
        Err(cause) => json_answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "not ready", "cause": cause }),
        ),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let store = state.store();
    let sample = store.metrics_sample().await;
    let mut response = store.metrics().render(&sample).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(METRICS_CONTENT_TYPE));
    response
}

async fn version() -> Response {
    let info = serde_json::to_value(crate::version::build_info()).unwrap_or_default();
    json_answer(StatusCode::OK, info)
}

/// What answers a path nothing else serves: a gRPC client gets gRPC's
/// UNIMPLEMENTED, as it expects; anyone else HTTP 404.
pub async fn not_found(request: Request) -> Response {
    let grpc = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    if grpc {
        let status = tonic::Status::unimplemented(format!(
            "{} is not a method vpcsim serves",
            request.uri().path()
        ));
        return status.into_http();
    }
    json_answer(
        StatusCode::NOT_FOUND,
        json!({
            "error": "not found",
            "path": request.uri().path(),
            "hint": "vpcsim serves gRPC, API 3.0 at POST /, the legacy API at /v2/index.php, \
                     and GET /healthz, /readyz, /metrics and /version",
        }),
    )
}
