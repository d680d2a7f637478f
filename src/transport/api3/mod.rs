//! Tencent Cloud API 3.0 (`vpc`, version 2017-03-12) over HTTP, on the port
//! that serves gRPC: `POST /` with a JSON body (or the SDKs' `GET /?...`
//! form), signed with TC3-HMAC-SHA256, answered with the API's envelope.
//! The same store, rules and state as the gRPC services: only the wire
//! differs. The envelope follows what the SDKs require (TENCENT-WIRE.md
//! 2.5): HTTP 200 for every API error, `Content-Type: application/json`
//! exactly, and the error under `Response.Error`.
//!
//! This endpoint is being built up: it answers the peering actions that
//! `actions` lists; any other action is `InvalidAction`.

mod actions;
mod params;
mod vpcs;

use std::sync::Arc;

use axum::{
    Router,
    extract::{Request, State},
    response::Response,
    routing::any,
};
use http::Method;
use serde_json::{Map, Value, json};

use super::{
    auth::{AppState, CLIENT_TOKEN_HEADER, client_token_text},
    context::CallInfo,
    faults::FaultCall,
    http_json,
    signing::{
        ReceivedRequest, RequestClock, SignatureError, V1Method, authenticate_tc3, check_timestamp,
        parse_tc3_authorization, v1_host_forms, verify_v1_request,
    },
};
use crate::{
    domain::{ApiError, error::ErrorSource, faults::canonical_action, region::Region},
    store::{Account, Actor, ClientToken},
};

/// The service name the SDKs sign for at the real endpoint
/// (`vpc.tencentcloudapi.com`). vpcsim accepts any: see `authenticate_tc3`.
pub const SERVICE: &str = "vpc";
/// The one API version served.
pub const VERSION: &str = "2017-03-12";
/// The largest request body read: the real API's limit for a JSON request.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// An API 3.0 error: its code and message, as `Response.Error` carries them.
#[derive(Debug, Clone)]
pub struct Api3Error {
    pub code: &'static str,
    pub message: String,
    /// The hidden cause of an internal error, for the call's log line.
    pub source: Option<ErrorSource>,
}

impl Api3Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            source: None,
        }
    }
}

impl From<ApiError> for Api3Error {
    fn from(err: ApiError) -> Self {
        Self {
            code: err.api3_code(),
            message: err.message,
            source: err.source,
        }
    }
}

/// Who is calling, and where, once authenticated.
pub struct Call {
    pub actor: Actor,
    pub region: Region,
}

/// The routes of the API 3.0 endpoint, to merge beside the gRPC ones.
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new().route("/", any(handle)).with_state(state)
}

async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (info, request_id) = http_json::call_info(&request);
    let (parts, body) = request.into_parts();
    let outcome = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => serve(&state, &parts, &body, info.as_deref(), &request_id).await,
        Err(_) => Err(Api3Error::new(
            "RequestSizeLimitExceeded",
            format!("the request body is over {MAX_BODY_BYTES} bytes"),
        )),
    };
    let response = match outcome {
        Ok(mut fields) => {
            fields.insert("RequestId".into(), Value::String(request_id));
            json!({ "Response": fields })
        }
        Err(err) => {
            if let Some(info) = &info {
                info.set_error(err.code, err.source);
            }
            tracing::debug!(code = err.code, message = %err.message, request_id = %request_id, "api3 error");
            json!({ "Response": {
                "Error": { "Code": err.code, "Message": err.message },
                "RequestId": request_id,
            }})
        }
    };
    http_json::json_answer(&response)
}

/// A request whose signature holds: who sent it and what it asks.
struct Signed {
    account: Account,
    action: String,
    version: Option<String>,
    region: Option<String>,
    params: Map<String, Value>,
}

/// Parameters of the older signature form that are not the action's own.
const V1_COMMON: [&str; 11] = [
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Signature",
    "RequestClient",
    "Language",
    "Token",
];

/// Checks the signature, TC3 (an `Authorization` header) or the older form
/// (`Signature` among the parameters), and reads the request.
async fn authenticate(
    state: &AppState,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Signed, Api3Error> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let query = parts.uri.query().unwrap_or("");
    let now = RequestClock::of(&state.store.clock);
    let auth_error = |err: SignatureError| Api3Error::new(err.api3_code(), err.to_string());
    if header("authorization").is_some() || header("x-tc-action").is_some() {
        let headers = http_json::headers_with_host(parts);
        let received = ReceivedRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query,
            headers: &headers,
            body,
        };
        // The account first (a read), then the signature check, which is pure.
        let secret_id = header("authorization")
            .and_then(|a| parse_tc3_authorization(a).ok())
            .map(|a| a.secret_id);
        let account = match &secret_id {
            Some(id) => state.store.account_by_secret_id(id).await?,
            None => None,
        };
        authenticate_tc3(&received, now, |_| {
            account.as_ref().map(|a| a.secret_key.clone())
        })
        .map_err(auth_error)?;
        let account = account.ok_or_else(|| auth_error(SignatureError::SignatureFailure))?;
        let action = header("x-tc-action")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Api3Error::new("MissingParameter", "the X-TC-Action header is missing"))?
            .to_owned();
        let params = if parts.method == Method::GET {
            params::from_query(query)?
        } else {
            params::from_json(body)?
        };
        return Ok(Signed {
            account,
            action,
            version: header("x-tc-version").map(str::to_owned),
            region: header("x-tc-region").map(str::to_owned),
            params,
        });
    }

    // The older form: every parameter, the common ones included, in the
    // query (GET) or a form body (POST), signed with HmacSHA1 or HmacSHA256.
    let raw = if parts.method == Method::GET {
        query.as_bytes()
    } else {
        body
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid = |what: &str| auth_error(SignatureError::InvalidAuthorization(what.to_owned()));
    let signature = param("Signature").ok_or_else(|| {
        invalid("the request is not signed: no TC3 Authorization header and no Signature parameter")
    })?;
    let secret_id =
        param("SecretId").ok_or_else(|| invalid("the SecretId parameter is missing"))?;
    let timestamp: i64 = param("Timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| invalid("the Timestamp parameter must be Unix seconds"))?;
    let method = V1Method::parse(param("SignatureMethod")).map_err(auth_error)?;
    let account = state
        .store
        .account_by_secret_id(secret_id)
        .await?
        .ok_or_else(|| auth_error(SignatureError::SecretIdNotFound(secret_id.to_owned())))?;
    verify_v1_request(
        &account.secret_key,
        method,
        parts.method.as_str(),
        &v1_host_forms(http_json::signed_host(parts)),
        parts.uri.path(),
        &pairs,
        signature,
    )
    .map_err(auth_error)?;
    check_timestamp(timestamp, now).map_err(auth_error)?;
    let action = param("Action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Api3Error::new("MissingParameter", "the Action parameter is missing"))?
        .to_owned();
    let version = param("Version").map(str::to_owned);
    let region = param("Region").map(str::to_owned);
    let own = pairs
        .iter()
        .filter(|(k, _)| !V1_COMMON.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()));
    Ok(Signed {
        account,
        action,
        version,
        region,
        params: params::from_pairs(own)?,
    })
}

/// The call's `X-Client-Token`, with the action, region and parameters it
/// came with: gRPC's `x-client-token` on this endpoint. None of the actions
/// served here has a `ClientToken` field in its SDK model (the VPC models
/// that do are EIP, ENI, HaVip and IPv6 actions), so vpcsim takes the token
/// from a header, which every SDK can add, and never from the body.
fn client_token(
    parts: &http::request::Parts,
    action: &str,
    region: Region,
    params: &Map<String, Value>,
) -> Result<Option<ClientToken>, Api3Error> {
    let Some(value) = parts.headers.get(CLIENT_TOKEN_HEADER) else {
        return Ok(None);
    };
    let token = client_token_text(value.as_bytes())?.to_owned();
    // The parameters as parsed, keys sorted: the same request with its JSON
    // keys in another order is the same request.
    let mut fingerprint = format!("api3\n{action}\n{}\n", region.name).into_bytes();
    serde_json::to_writer(&mut fingerprint, params).map_err(|_| ApiError::internal())?;
    Ok(Some(ClientToken { token, fingerprint }))
}

async fn serve(
    state: &AppState,
    parts: &http::request::Parts,
    body: &[u8],
    info: Option<&CallInfo>,
    request_id: &str,
) -> Result<Map<String, Value>, Api3Error> {
    state.store.check_writer()?;
    if parts.method != Method::POST && parts.method != Method::GET {
        return Err(Api3Error::new(
            "UnsupportedProtocol",
            format!("method {} is not POST or GET", parts.method),
        ));
    }
    let signed = authenticate(state, parts, body).await?;
    if let Some(info) = info {
        info.set_caller(&signed.account.uin);
    }
    match signed.version.as_deref() {
        Some(VERSION) => {}
        Some(other) => {
            return Err(Api3Error::new(
                "NoSuchVersion",
                format!("version {other:?} of vpc is not served; use {VERSION}"),
            ));
        }
        None => return Err(Api3Error::new("MissingParameter", "the version is missing")),
    }
    let region = match signed.region.as_deref().filter(|r| !r.is_empty()) {
        None => state.default_region,
        Some(name) => Region::parse(name)?,
    };
    let client_token = client_token(parts, &signed.action, region, &signed.params)?;
    let call = Call {
        actor: Actor {
            uin: signed.account.uin.clone(),
            request_id: request_id.to_owned(),
            client_token,
        },
        region,
    };
    let work = actions::run(state, &call, &signed.action, signed.params);
    // Only an action this endpoint answers meets rules and limits (an
    // unknown one is refused as it is), and only while some are set.
    let intercepted =
        state.intercepts_calls() && actions::ANSWERED.contains(&signed.action.as_str());
    match canonical_action(&signed.action).filter(|_| intercepted) {
        Some(action) => {
            let fault_call = FaultCall {
                action,
                uin: signed.account.uin,
                region,
                request_id: request_id.to_owned(),
            };
            state.with_faults(&fault_call, work).await
        }
        None => work.await,
    }
}
