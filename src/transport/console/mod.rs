//! The web console (`serve --ui`): a page at `GET /ui`, built from `ui/`
//! and embedded in the binary, that draws the network and follows it live.
//!
//! - `GET /ui`, `GET /ui/assets/<file>`: the page ([`assets`]);
//! - `GET /ui/api/topology`: the state as the page draws it
//!   ([`crate::topology`], the same rules as `dump --format dot`);
//! - `GET /ui/api/stream`: server-sent events, the store's events (those
//!   WatchEvents streams) and the calls as they end ([`stream`]);
//! - `POST /ui/api/admin/<Method>`: AdminService calls as JSON ([`admin`]),
//!   for the page's controls; the admin API does the work.
//!
//! Access is the admin API's: a server with an admin token (any server
//! listening beyond loopback has one) lets the console in only with it,
//! as a bearer header or a session cookie set by the sign-in form; a
//! server without one is reached only by a loopback `Host`, so that a web
//! page elsewhere cannot rebind a name to it. State-changing requests from
//! another origin are refused, and every answer forbids framing and
//! anything but the server's own origin.

pub mod admin;
mod assets;
mod stream;

use std::sync::Arc;

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{AppState, grpc::auth::constant_time_eq};
use crate::{domain::time::parse_time, topology::Topology};

/// The session cookie's name.
const COOKIE: &str = "vpcsim_console";

/// What every console answer carries: the page may load and call only its
/// own origin, and nothing may frame it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// The console's routes, to merge beside the APIs when it is enabled.
pub fn routes(state: Arc<AppState>) -> Router {
    let bridge = Arc::new(admin::Bridge::new(state.clone()));
    Router::new()
        .route("/ui", get(page))
        .route("/ui/", get(page))
        .route("/ui/login", post(login))
        .route("/ui/assets/{file}", get(asset))
        .route("/ui/api/topology", get(topology))
        .route("/ui/api/stream", get(stream::events))
        .route(
            "/ui/api/admin/{method}",
            post(
                move |state: State<Arc<AppState>>,
                      method: axum::extract::Path<String>,
                      request: Request| {
                    admin::call(state, method, bridge.clone(), request)
                },
            ),
        )
        .with_state(state)
}

/// Why a request may not use the console.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: &'static str,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refusal(self.status, self.code, self.message)
    }
}

/// Whether a request may use the console, or why not.
fn check_access(state: &AppState, headers: &HeaderMap, method: &Method) -> Result<(), Refusal> {
    match &state.admin_token {
        Some(token) => {
            if !signed_in(headers, token) {
                return Err(Refusal {
                    status: StatusCode::UNAUTHORIZED,
                    code: "AuthFailure.InvalidAuthorization",
                    message: "the console of this server needs its admin token: sign in at /ui, or send \
                     header Authorization: Bearer <admin token>",
                });
            }
        }
        None => {
            if !loopback_host(headers) {
                return Err(Refusal {
                    status: StatusCode::FORBIDDEN,
                    code: "AuthFailure.UnauthorizedOperation",
                    message: "this server has no admin token, so its console answers only on a loopback \
                     address (127.0.0.1, [::1] or localhost); start it with --admin-token to \
                     reach it by another name",
                });
            }
        }
    }
    if method != Method::GET && !same_origin(headers) {
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            code: "AuthFailure.UnauthorizedOperation",
            message: "the console takes changes only from its own page (the request's Origin is another \
             site's)",
        });
    }
    Ok(())
}

/// The session cookie's value for `token`: derived from it, so that the
/// cookie (which a browser keeps) is not the admin token itself.
fn session_value(token: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(token.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"vpcsim console session");
    hex::encode(mac.finalize().into_bytes())
}

/// Whether the request carries the admin token, or the session cookie
/// made from it.
fn signed_in(headers: &HeaderMap, token: &str) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, value) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
        });
    if bearer.is_some_and(|b| constant_time_eq(b.as_bytes(), token.as_bytes())) {
        return true;
    }
    let expected = session_value(token);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            name == COOKIE && constant_time_eq(value.as_bytes(), expected.as_bytes())
        })
}

/// The request's `Host` without its port.
fn host_name(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    Some(match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    })
}

fn loopback_host(headers: &HeaderMap) -> bool {
    match host_name(headers) {
        Some(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// Whether a browser sent the request from the console's own origin. A
/// client that is not a browser sends neither header, and is let through
/// to the token check.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return host.is_some() && origin_host == host;
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

/// A JSON error, as the console's API answers it.
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "code": code, "message": message }).to_string();
    with_headers(status, "application/json", Body::from(body))
}

/// An answer with the console's security headers.
fn with_headers(status: StatusCode, content_type: &'static str, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn page(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match check_access(&state, request.headers(), request.method()) {
        Ok(()) => assets::index(),
        // A browser without a session gets the sign-in form instead.
        Err(_) if state.admin_token.is_some() => assets::sign_in(StatusCode::UNAUTHORIZED, None),
        Err(refused) => refused.into_response(),
    }
}

/// The sign-in form's POST: a right token sets the session cookie.
async fn login(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let Some(token) = state.admin_token.as_deref() else {
        return see_other("/ui");
    };
    if !same_origin(request.headers()) {
        return assets::sign_in(
            StatusCode::FORBIDDEN,
            Some("sign in from the console's own page"),
        );
    }
    let secure = state.tls;
    let body = match axum::body::to_bytes(request.into_body(), 4096).await {
        Ok(body) => body,
        Err(_) => return assets::sign_in(StatusCode::BAD_REQUEST, Some("the form is too large")),
    };
    let given = form_urlencoded::parse(&body)
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if !constant_time_eq(given.trim().as_bytes(), token.as_bytes()) {
        return assets::sign_in(
            StatusCode::UNAUTHORIZED,
            Some("that is not this server's admin token"),
        );
    }
    let mut response = see_other("/ui");
    let cookie = format!(
        "{COOKIE}={}; Path=/ui; HttpOnly; SameSite=Strict{}",
        session_value(token),
        if secure { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn see_other(location: &'static str) -> Response {
    let mut response = with_headers(StatusCode::SEE_OTHER, "text/plain", Body::empty());
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
}

async fn asset(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = check_access(&state, &headers, &Method::GET) {
        return refused.into_response();
    }
    assets::file(&file)
}

/// The whole state as the page draws it: one consistent read, without
/// secrets.
async fn topology(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(refused) = check_access(&state, &headers, &Method::GET) {
        return refused.into_response();
    }
    let store = state.store();
    let dump = match store.dump().await {
        Ok(dump) => dump,
        Err(err) => {
            let status = tonic::Status::from(err);
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "InternalError",
                status.message(),
            );
        }
    };
    let now = dump
        .clock
        .as_deref()
        .and_then(parse_time)
        .unwrap_or_else(|| store.clock_reading().0);
    let topology = Topology::build(&dump, now);
    match serde_json::to_vec(&topology) {
        Ok(body) => with_headers(
            StatusCode::OK,
            "application/json",
            Body::from(Bytes::from(body)),
        ),
        Err(_) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the topology could not be written",
        ),
    }
}

impl IntoResponse for admin::Answer {
    fn into_response(self) -> Response {
        with_headers(self.status, "application/json", Body::from(self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_loopback_names_reach_a_server_without_a_token() {
        for host in [
            "127.0.0.1:8080",
            "localhost:1",
            "[::1]:50051",
            "127.0.0.2",
            "LOCALHOST",
        ] {
            assert!(loopback_host(&headers(&[("host", host)])), "{host}");
        }
        for host in [
            "evil.example:50051",
            "10.0.0.1:80",
            "[2001:db8::1]:80",
            "localhost.evil",
        ] {
            assert!(!loopback_host(&headers(&[("host", host)])), "{host}");
        }
        assert!(!loopback_host(&HeaderMap::new()));
    }

    #[test]
    fn changes_come_only_from_the_pages_own_origin() {
        let host = ("host", "127.0.0.1:50051");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:50051")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://127.0.0.1:50051")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        // curl and scripts send neither; the token check still applies.
        assert!(same_origin(&headers(&[host])));
    }

    #[test]
    fn the_token_or_its_session_cookie_signs_in_and_nothing_else() {
        let token = "s3cret-token";
        let cookie = format!("a=b; {COOKIE}={}", session_value(token));
        assert!(signed_in(&headers(&[("cookie", &cookie)]), token));
        assert!(signed_in(
            &headers(&[("authorization", "Bearer s3cret-token")]),
            token
        ));
        assert!(!signed_in(
            &headers(&[("authorization", "Bearer nope")]),
            token
        ));
        let forged = format!("{COOKIE}={token}");
        assert!(
            !signed_in(&headers(&[("cookie", &forged)]), token),
            "the cookie holds a value derived from the token, not the token"
        );
        assert!(!signed_in(&HeaderMap::new(), token));
        assert_ne!(session_value(token), session_value("other"));
    }
}
