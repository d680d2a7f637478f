//! Tencent Cloud's legacy API (`https://vpc.api.qcloud.com/v2/index.php`)
//! on the port that serves gRPC and API 3.0: `GET /v2/index.php?...` or a
//! form `POST`, every parameter (common and the action's) in the query or
//! body, signed with HmacSHA1 or HmacSHA256 over `METHOD + host + path + ?`
//! and the sorted parameters (TENCENT-WIRE.md 4.1, checked in `http::v1`),
//! answered with `{"code", "message", "codeDesc", ...}`.

mod actions;
mod network;
mod params;

use std::{
    borrow::Cow,
    sync::atomic::{AtomicU64, Ordering},
};

use http::Method;
use serde_json::{Map, Value, json};

use super::{Fields, HttpApi, Received, v1};
use crate::{
    action::Caller,
    domain::{ApiError, ErrorCode, actions::ActionName, region::Region},
    transport::AppState,
};

/// The path the legacy API serves.
pub const PATH: &str = "/v2/index.php";
/// The legacy endpoint, and the task ids of its `...Ex` actions, which
/// vpcsim completes at once.
#[derive(Default)]
pub struct Legacy {
    next_task: AtomicU64,
}

impl HttpApi for Legacy {
    const PATH: &'static str = PATH;
    /// A legacy request is a query string or a small form.
    const MAX_BODY_BYTES: usize = 1024 * 1024;

    async fn serve(&self, app: &AppState, request: Received<'_>) -> Result<Fields, ApiError> {
        self.serve_request(app, request).await
    }

    fn success(mut fields: Fields, _request_id: &str) -> Value {
        let mut out = Map::new();
        out.insert("code".into(), json!(0));
        out.insert("message".into(), json!(""));
        out.insert("codeDesc".into(), json!("Success"));
        out.append(&mut fields);
        Value::Object(out)
    }

    fn failure(err: &ApiError, _request_id: &str) -> Value {
        json!({
            "code": err.code.legacy_code(),
            "message": err.message,
            "codeDesc": err.code.as_str(),
        })
    }
}

/// The common parameters, which are not the action's own.
const COMMON: [&str; 10] = [
    "Action",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Token",
    "RequestClient",
    "Version",
];

impl Legacy {
    async fn serve_request(
        &self,
        app: &AppState,
        request: Received<'_>,
    ) -> Result<Fields, ApiError> {
        let Received { parts, body, log } = request;
        let raw = match parts.method {
            Method::GET => parts.uri.query().unwrap_or("").as_bytes(),
            Method::POST => body,
            ref other => {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedProtocol,
                    format!("method {other} is not GET or POST"),
                ));
            }
        };
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
        let param = |name: &str| v1::param(&pairs, name);
        // For the log line, before anything can fail.
        if let Some(action) = param("Action") {
            log.set_legacy_action(action);
        }
        // The legacy endpoint signs the host exactly as sent.
        let hosts = [Cow::Borrowed(super::signed_host(parts))];
        let account = v1::authenticate(app, parts, &pairs, &hosts).await?;
        log.set_caller(&account.uin);
        let missing = |name: &str| {
            ApiError::new(
                ErrorCode::MissingParameter,
                format!("the common parameter {name} is missing"),
            )
        };
        let wire_action = param("Action")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| missing("Action"))?;
        let region = Region::parse(
            param("Region")
                .filter(|r| !r.is_empty())
                .ok_or_else(|| missing("Region"))?,
        )?;
        let action = ActionName::from_legacy(wire_action).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidAction,
                format!("{wire_action} is not an action the legacy vpc API of vpcsim answers"),
            )
        })?;
        log.set_action(action.0);
        let own = pairs
            .iter()
            .filter(|(k, _)| !COMMON.contains(&k.as_str()))
            .cloned()
            .collect();
        let caller = Caller {
            uin: account.uin,
            region,
            request_id: log.request_id.clone(),
            client_token: None,
        };
        let task = || self.next_task.fetch_add(1, Ordering::Relaxed) + 1;
        let params = params::Params::new(wire_action, own);
        actions::dispatch(app, &caller, action, params, task).await
    }
}
