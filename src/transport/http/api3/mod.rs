//! Tencent Cloud API 3.0 (`vpc`, version 2017-03-12) over HTTP, on the port
//! that serves gRPC: `POST /` with a JSON body (or the SDKs' `GET /?...`
//! form), signed with TC3-HMAC-SHA256 or the older form, answered with the
//! API's envelope. The envelope follows what the SDKs require
//! (TENCENT-WIRE.md 2.5): HTTP 200 for every API error,
//! `Content-Type: application/json` exactly, and the error under
//! `Response.Error`. Any action `ActionName::from_api3` does not know is
//! `InvalidAction`.

mod actions;
mod filters;
mod network;
mod params;

use http::{Method, request::Parts};
use serde_json::{Map, Value, json};

use super::{Fields, HttpApi, Received, v1};
use crate::{
    action::Caller,
    domain::{ApiError, ErrorCode, actions::ActionName, region::Region},
    store::{Account, ClientToken},
    transport::{
        AppState,
        grpc::auth::{CLIENT_TOKEN_HEADER, client_token_text},
        signing::{
            ReceivedRequest, RequestClock, SignatureError, authenticate_tc3,
            parse_tc3_authorization, v1_host_forms,
        },
    },
};

/// The service name the SDKs sign for at the real endpoint
/// (`vpc.tencentcloudapi.com`). vpcsim accepts any: see `authenticate_tc3`.
pub const SERVICE: &str = "vpc";
/// The one API version served.
pub const VERSION: &str = "2017-03-12";

/// The API 3.0 endpoint.
pub struct Api3;

impl HttpApi for Api3 {
    const PATH: &'static str = "/";
    /// The real API's limit for a JSON request.
    const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

    async fn serve(&self, app: &AppState, request: Received<'_>) -> Result<Fields, ApiError> {
        serve(app, request).await
    }

    fn success(mut fields: Fields, request_id: &str) -> Value {
        fields.insert("RequestId".into(), Value::String(request_id.to_owned()));
        json!({ "Response": fields })
    }

    fn failure(err: &ApiError, request_id: &str) -> Value {
        json!({ "Response": {
            "Error": { "Code": err.api3_code(), "Message": err.message },
            "RequestId": request_id,
        }})
    }
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
async fn authenticate(state: &AppState, parts: &Parts, body: &[u8]) -> Result<Signed, ApiError> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let query = parts.uri.query().unwrap_or("");
    let now = RequestClock::of(&state.store().clock);
    if header("authorization").is_some() || header("x-tc-action").is_some() {
        let headers = super::headers_with_host(parts);
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
            Some(id) => state.store().account_by_secret_id(id).await?,
            None => None,
        };
        authenticate_tc3(&received, now, |_| {
            account.as_ref().map(|a| a.secret_key.clone())
        })?;
        let account = account.ok_or(SignatureError::SignatureFailure)?;
        let action = header("x-tc-action")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::MissingParameter,
                    "the X-TC-Action header is missing",
                )
            })?
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
    if v1::param(&pairs, "Signature").is_none() {
        return Err(SignatureError::InvalidAuthorization(
            "the request is not signed: no TC3 Authorization header and no Signature parameter"
                .to_owned(),
        )
        .into());
    }
    let hosts = v1_host_forms(super::signed_host(parts));
    let account = v1::authenticate(state, parts, &pairs, &hosts).await?;
    let param = |name: &str| v1::param(&pairs, name);
    let action = param("Action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingParameter,
                "the Action parameter is missing",
            )
        })?
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
    parts: &Parts,
    action: &str,
    region: Region,
    params: &Map<String, Value>,
) -> Result<Option<ClientToken>, ApiError> {
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

async fn serve(state: &AppState, request: Received<'_>) -> Result<Fields, ApiError> {
    let Received { parts, body, log } = request;
    if parts.method != Method::POST && parts.method != Method::GET {
        return Err(ApiError::new(
            ErrorCode::UnsupportedProtocol,
            format!("method {} is not POST or GET", parts.method),
        ));
    }
    let signed = authenticate(state, parts, body).await?;
    log.set_caller(&signed.account.uin);
    match signed.version.as_deref() {
        Some(VERSION) => {}
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::NoSuchVersion,
                format!("version {other:?} of vpc is not served; use {VERSION}"),
            ));
        }
        None => {
            return Err(ApiError::new(
                ErrorCode::MissingParameter,
                "the version is missing",
            ));
        }
    }
    let region = match signed.region.as_deref().filter(|r| !r.is_empty()) {
        None => state.default_region,
        Some(name) => Region::parse(name)?,
    };
    let client_token = client_token(parts, &signed.action, region, &signed.params)?;
    let action = ActionName::from_api3(&signed.action).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidAction,
            format!("vpc {} is not an action vpcsim answers yet", signed.action),
        )
    })?;
    log.set_action(action);
    let caller = Caller {
        uin: signed.account.uin,
        region,
        request_id: log.request_id.clone(),
        client_token,
    };
    let params = params::Params::new(&signed.action, signed.params);
    actions::dispatch(state, &caller, action, params).await
}
