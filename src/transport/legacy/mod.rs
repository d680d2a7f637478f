//! Tencent Cloud's legacy API (`https://vpc.api.qcloud.com/v2/index.php`)
//! on the port that serves gRPC and API 3.0: `GET /v2/index.php?...` or a
//! form `POST`, every parameter (common and the action's) in the query or
//! body, signed with HmacSHA1 or HmacSHA256 over `METHOD + host + path + ?`
//! and the sorted parameters (TENCENT-WIRE.md 4.1), answered with
//! `{"code", "message", "codeDesc", ...}`. The same store and rules as the
//! other front ends; only the wire differs.

mod actions;
mod params;

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    extract::{Request, State},
    response::Response,
    routing::any,
};
use http::Method;
use serde_json::{Map, Value, json};

use super::{
    auth::AppState,
    context::CallInfo,
    faults::FaultCall,
    http_json,
    signing::{RequestClock, SignatureError, V1Method, check_timestamp, verify_v1_request},
};
use crate::{
    domain::{
        ApiError, ErrorCode, error::ErrorSource, faults::canonical_action, region::Region,
        time::Timestamp,
    },
    store::Actor,
};

/// The path the legacy API serves.
pub const PATH: &str = "/v2/index.php";
/// The largest request read: a legacy request is a query string or a small
/// form.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How long a Nonce is remembered: as long as its Timestamp is accepted.
const NONCE_WINDOW_SECS: i64 = 300;

/// A legacy error: its numeric `code`, its symbolic `codeDesc`, a message.
#[derive(Debug, Clone)]
pub struct LegacyError {
    pub code: u32,
    pub desc: &'static str,
    pub message: String,
    /// The hidden cause of an internal error, for the call's log line.
    pub source: Option<ErrorSource>,
}

impl LegacyError {
    fn new(code: u32, desc: &'static str, message: impl Into<String>) -> Self {
        LegacyError {
            code,
            desc,
            message: message.into(),
            source: None,
        }
    }
}

impl From<ApiError> for LegacyError {
    fn from(err: ApiError) -> Self {
        LegacyError {
            source: err.source,
            ..LegacyError::new(err.code.legacy_code(), err.code.as_str(), err.message)
        }
    }
}

impl From<SignatureError> for LegacyError {
    fn from(err: SignatureError) -> Self {
        // 4500 is the legacy family's class for requests outside their
        // time window or replayed; every other signature fault is 4100.
        let code = match err {
            SignatureError::SignatureExpire { .. } => 4500,
            _ => 4100,
        };
        LegacyError::new(code, err.api3_code(), err.to_string())
    }
}

/// What the endpoint keeps between calls.
struct LegacyState {
    app: Arc<AppState>,
    /// (SecretId, Nonce) seen, until when they count as a replay.
    nonces: Mutex<HashMap<(String, String), Timestamp>>,
    /// Task ids of the `...Ex` actions, which vpcsim completes at once.
    next_task: AtomicU64,
}

impl LegacyState {
    /// Records a Nonce; false if the same SecretId sent it within the
    /// window. Entries past the window are dropped as the map grows.
    fn first_use(&self, secret_id: &str, nonce: &str, now: Timestamp) -> bool {
        let mut seen = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= 4096 {
            seen.retain(|_, until| *until > now);
        }
        let key = (secret_id.to_owned(), nonce.to_owned());
        match seen.get(&key) {
            Some(until) if *until > now => false,
            _ => {
                seen.insert(key, now + 2 * NONCE_WINDOW_SECS);
                true
            }
        }
    }
}

/// The routes of the legacy endpoint, to merge beside the others.
pub fn routes(app: Arc<AppState>) -> Router {
    let state = Arc::new(LegacyState {
        app,
        nonces: Mutex::new(HashMap::new()),
        next_task: AtomicU64::new(1),
    });
    Router::new().route(PATH, any(handle)).with_state(state)
}

async fn handle(State(state): State<Arc<LegacyState>>, request: Request) -> Response {
    let (info, request_id) = http_json::call_info(&request);
    let (parts, body) = request.into_parts();
    let outcome = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => serve(&state, &parts, &body, info.as_deref(), &request_id).await,
        Err(_) => Err(LegacyError::from(ApiError::new(
            ErrorCode::RequestSizeLimitExceeded,
            format!("the request is over {MAX_BODY_BYTES} bytes"),
        ))),
    };
    let answer = match outcome {
        Ok(mut fields) => {
            let mut out = Map::new();
            out.insert("code".into(), json!(0));
            out.insert("message".into(), json!(""));
            out.insert("codeDesc".into(), json!("Success"));
            out.append(&mut fields);
            Value::Object(out)
        }
        Err(err) => {
            if let Some(info) = &info {
                info.set_error(err.desc, err.source);
            }
            tracing::debug!(code = err.code, code_desc = err.desc, message = %err.message, request_id = %request_id, "legacy error");
            json!({ "code": err.code, "message": err.message, "codeDesc": err.desc })
        }
    };
    http_json::json_answer(&answer)
}

/// Who is calling, and where, once authenticated.
pub struct Call {
    pub actor: Actor,
    pub region: Region,
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

async fn serve(
    state: &LegacyState,
    parts: &http::request::Parts,
    body: &[u8],
    info: Option<&CallInfo>,
    request_id: &str,
) -> Result<Map<String, Value>, LegacyError> {
    state.app.store.check_writer()?;
    let raw = match parts.method {
        Method::GET => parts.uri.query().unwrap_or("").as_bytes(),
        Method::POST => body,
        ref other => {
            return Err(LegacyError::new(
                4600,
                "UnsupportedProtocol",
                format!("method {other} is not GET or POST"),
            ));
        }
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // For the log line, before anything can fail.
    if let (Some(info), Some(action)) = (info, param("Action")) {
        info.set_action(&action.chars().take(64).collect::<String>());
    }
    let missing = |name: &str| {
        LegacyError::from(ApiError::new(
            ErrorCode::MissingParameter,
            format!("the common parameter {name} is missing"),
        ))
    };

    // The signature first: nothing about the request is trusted before it.
    let signature = param("Signature").ok_or_else(|| missing("Signature"))?;
    let secret_id = param("SecretId").ok_or_else(|| missing("SecretId"))?;
    let method = V1Method::parse(param("SignatureMethod"))?;
    let account = state
        .app
        .store
        .account_by_secret_id(secret_id)
        .await?
        .ok_or_else(|| SignatureError::SecretIdNotFound(secret_id.to_owned()))?;
    // The legacy SDK leaves a POST value that starts with `@` (a file, in
    // its curl days) out of what it signs, and sends it all the same.
    let signed: Vec<(String, String)> = if parts.method == Method::POST {
        pairs
            .iter()
            .filter(|(_, v)| !v.starts_with('@'))
            .cloned()
            .collect()
    } else {
        pairs.clone()
    };
    verify_v1_request(
        &account.secret_key,
        method,
        parts.method.as_str(),
        &[Cow::Borrowed(http_json::signed_host(parts))],
        parts.uri.path(),
        &signed,
        signature,
    )?;
    if let Some(info) = info {
        info.set_caller(&account.uin);
    }

    let clock = RequestClock::of(&state.app.store.clock);
    let now = clock.simulated;
    let timestamp: i64 = param("Timestamp")
        .ok_or_else(|| missing("Timestamp"))?
        .parse()
        .map_err(|_| {
            LegacyError::from(ApiError::new(
                ErrorCode::InvalidParameterValueMalformed,
                "Timestamp must be Unix seconds",
            ))
        })?;
    check_timestamp(timestamp, clock)?;
    let nonce = param("Nonce")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| missing("Nonce"))?;
    if !state.first_use(secret_id, nonce, now) {
        return Err(LegacyError::new(
            4500,
            "AuthFailure.RequestReplayed",
            format!(
                "Nonce {nonce} was already used with this SecretId in the last {} minutes: \
                 every request needs a fresh Nonce",
                NONCE_WINDOW_SECS / 60
            ),
        ));
    }

    let action = param("Action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| missing("Action"))?
        .to_owned();
    let region = Region::parse(
        param("Region")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| missing("Region"))?,
    )?;
    let own = pairs
        .iter()
        .filter(|(k, _)| !COMMON.contains(&k.as_str()))
        .cloned()
        .collect();
    let call = Call {
        actor: Actor {
            uin: account.uin,
            request_id: request_id.to_owned(),
            client_token: None,
        },
        region,
    };
    let task = || state.next_task.fetch_add(1, Ordering::Relaxed);
    let work = actions::run(
        &state.app,
        &call,
        &action,
        params::Params::new(&action, own),
        task,
    );
    // Only an action this endpoint answers meets rules and limits (an
    // unknown one is refused as it is), and only while some are set.
    let intercepted = state.app.intercepts_calls() && actions::ANSWERED.contains(&action.as_str());
    match canonical_action(&action).filter(|_| intercepted) {
        Some(canonical) => {
            let fault_call = FaultCall {
                action: canonical,
                uin: call.actor.uin.clone(),
                region,
                request_id: request_id.to_owned(),
            };
            state.app.with_faults(&fault_call, work).await
        }
        None => work.await,
    }
}
