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
mod topology;

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{
    AppState,
    grpc::auth::{self, constant_time_eq},
};

/// The session cookies' names start so (see `cookie_name`).
const COOKIE: &str = "vpcsim_console";
/// How long a session lasts: a working day.
const SESSION_SECS: u32 = 12 * 60 * 60;

/// What every console answer carries: the page may load and call only its
/// own origin, and nothing may frame it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// What the console's routes share.
pub struct Console {
    app: Arc<AppState>,
    /// Signs the session cookies: new at every start, so that a cookie
    /// outlives neither the server nor a change of token.
    session_key: [u8; 32],
    bridge: admin::Bridge,
    topology: topology::Cache,
}

/// The console's routes, to merge beside the APIs when it is enabled.
pub fn routes(app: Arc<AppState>) -> Router {
    let console = Arc::new(Console {
        session_key: rand::random(),
        bridge: admin::Bridge::new(app.clone()),
        topology: topology::Cache::default(),
        app,
    });
    Router::new()
        .route("/ui", get(page))
        .route("/ui/", get(page))
        .route("/ui/login", post(login))
        .route("/ui/assets/{file}", get(asset))
        .route("/ui/api/topology", get(topology::answer))
        .route("/ui/api/stream", get(stream::events))
        .route("/ui/api/admin/{method}", post(admin::call))
        .with_state(console)
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
fn check_access(console: &Console, headers: &HeaderMap, method: &Method) -> Result<(), Refusal> {
    match &console.app.admin_token {
        Some(token) => {
            if !signed_in(headers, token, &console.session_key) {
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

/// The session cookie's value for `token`: signed with the server's
/// session key, so that the cookie (which a browser keeps) is neither the
/// admin token nor valid after a restart.
fn session_value(token: &str, key: &[u8; 32]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"vpcsim console session\0");
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The session cookie's name: one per port, since browsers share cookies
/// between the ports of a host, and two servers on one machine would
/// otherwise sign each other's consoles out.
fn cookie_name(headers: &HeaderMap) -> String {
    let port = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, port)| port)
        .filter(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("default");
    format!("{COOKIE}_{port}")
}

/// Whether the request carries the admin token, or a session cookie made
/// from it.
fn signed_in(headers: &HeaderMap, token: &str, key: &[u8; 32]) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::bearer);
    if bearer.is_some_and(|b| constant_time_eq(b.as_bytes(), token.as_bytes())) {
        return true;
    }
    let expected = session_value(token, key);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            name.starts_with(COOKIE) && constant_time_eq(value.as_bytes(), expected.as_bytes())
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
/// to the token check. `Origin: null` (a sandboxed frame, or a page whose
/// referrer policy hides its origin) says nothing: then the browser's
/// `Sec-Fetch-Site` must say same-origin.
fn same_origin(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if headers
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() == b"null")
    {
        return fetch_site == Some("same-origin");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return host.is_some() && origin_host == host;
    }
    match fetch_site {
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
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    with_security_headers(response)
}

/// `response` with the console's security headers: only its own origin,
/// no framing, no sniffing, no referrer beyond it.
fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not no-referrer: under it a browser sends the sign-in form's POST
    // with `Origin: null`, which reads as another site's.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn page(State(console): State<Arc<Console>>, request: Request) -> Response {
    match check_access(&console, request.headers(), request.method()) {
        Ok(()) => assets::index(),
        // A browser without a session gets the sign-in form instead.
        Err(_) if console.app.admin_token.is_some() => {
            assets::sign_in(StatusCode::UNAUTHORIZED, None)
        }
        Err(refused) => refused.into_response(),
    }
}

/// The sign-in form's POST: a right token sets the session cookie.
async fn login(State(console): State<Arc<Console>>, request: Request) -> Response {
    let Some(token) = console.app.admin_token.as_deref() else {
        return see_other("/ui");
    };
    if !same_origin(request.headers()) {
        return assets::sign_in(
            StatusCode::FORBIDDEN,
            Some("sign in from the console's own page"),
        );
    }
    let secure = console.app.tls;
    let name = cookie_name(request.headers());
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
        "{name}={}; Path=/ui; Max-Age={SESSION_SECS}; HttpOnly; SameSite=Strict{}",
        session_value(token, &console.session_key),
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
    State(console): State<Arc<Console>>,
    axum::extract::Path(file): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = check_access(&console, &headers, &Method::GET) {
        return refused.into_response();
    }
    assets::file(&file)
}

impl IntoResponse for admin::Answer {
    fn into_response(self) -> Response {
        let mut response = with_headers(self.status, "application/json", Body::from(self.body));
        if let Some(status) = self.failure {
            response.extensions_mut().insert(status);
        }
        response
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
        // A form posted from a page that hides its origin: Sec-Fetch-Site
        // decides.
        assert!(same_origin(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "null"),
            ("sec-fetch-site", "cross-site")
        ])));
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
        let key = [7u8; 32];
        let cookie = format!("a=b; {COOKIE}_50051={}", session_value(token, &key));
        assert!(signed_in(&headers(&[("cookie", &cookie)]), token, &key));
        let bearer = headers(&[("authorization", "Bearer s3cret-token")]);
        assert!(signed_in(&bearer, token, &key));
        let wrong = headers(&[("authorization", "Bearer nope")]);
        assert!(!signed_in(&wrong, token, &key));
        let forged = format!("{COOKIE}_50051={token}");
        assert!(
            !signed_in(&headers(&[("cookie", &forged)]), token, &key),
            "the cookie holds a value derived from the token, not the token"
        );
        assert!(
            !signed_in(&headers(&[("cookie", &cookie)]), token, &[8u8; 32]),
            "another start's key: the session ended with its server"
        );
        assert!(!signed_in(&HeaderMap::new(), token, &key));
        assert_ne!(session_value(token, &key), session_value("other", &key));
    }

    #[test]
    fn each_port_has_its_own_session_cookie() {
        let name = |host: &str| cookie_name(&headers(&[("host", host)]));
        assert_eq!(name("127.0.0.1:50051"), "vpcsim_console_50051");
        assert_eq!(name("[::1]:8080"), "vpcsim_console_8080");
        assert_eq!(name("vpcsim.internal"), "vpcsim_console_default");
        assert_eq!(name("[::1]"), "vpcsim_console_default");
        assert_eq!(name("x:1;a=b"), "vpcsim_console_default");
    }
}
