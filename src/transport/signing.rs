//! Request signatures of Tencent Cloud's HTTP APIs, verified the way the
//! official SDKs compute them: TC3-HMAC-SHA256 (API 3.0), and the older
//! HmacSHA1/HmacSHA256 form the SDKs can still send (and the legacy API
//! uses). Pure functions over the request as received: the body's raw
//! bytes and the headers as sent are hashed, never re-serialised, because
//! the Python SDK signs `json.dumps` output and the Go SDK compact JSON.
//!
//! `tests/fixtures/tc3/vectors.json` holds requests the Python SDK itself
//! signed; the tests below verify every one of them.

use std::borrow::Cow;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::domain::{ErrorCode, time::Timestamp};

type HmacSha256 = Hmac<Sha256>;
type HmacSha1 = Hmac<sha1::Sha1>;

/// The algorithm name that starts a TC3 `Authorization` header.
pub const TC3_ALGORITHM: &str = "TC3-HMAC-SHA256";

/// How far a request's timestamp may stray from the clock, as the real API
/// allows: five minutes either way.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Why a signature does not hold. Each maps to an `AuthFailure.*` code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The `Authorization` header (or the v1 parameters) cannot be read.
    #[error("{0}")]
    InvalidAuthorization(String),
    /// Well formed, but not what the SecretKey gives.
    #[error(
        "the request signature does not match; check the SecretKey and that the signed headers and body are sent as signed"
    )]
    SignatureFailure,
    /// The timestamp is too far from the server's clock.
    #[error(
        "the request timestamp {timestamp} is more than five minutes from the simulator's clock ({now}) and from real time"
    )]
    SignatureExpire { timestamp: i64, now: i64 },
    /// No account has this SecretId.
    #[error("no account has SecretId {0}")]
    SecretIdNotFound(String),
    /// Not something any SecretId could be.
    #[error("the SecretId is not 1 to 128 printable characters without spaces")]
    InvalidSecretId,
}

impl SignatureError {
    /// The code of this failure in the one error table.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidAuthorization(_) => ErrorCode::AuthInvalidAuthorization,
            Self::SignatureFailure => ErrorCode::AuthSignatureFailure,
            Self::SignatureExpire { .. } => ErrorCode::AuthSignatureExpire,
            Self::SecretIdNotFound(_) => ErrorCode::AuthSecretIdNotFound,
            Self::InvalidSecretId => ErrorCode::AuthInvalidSecretId,
        }
    }

    /// The API 3.0 code of this failure.
    pub fn api3_code(&self) -> &'static str {
        self.code().api3_code()
    }
}

/// A request as received, for signature checks.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    /// The path, such as `/`.
    pub path: &'a str,
    /// The raw query string (without `?`), empty when there is none.
    pub query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

impl ReceivedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The parts of `Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=..., Signature=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Authorization {
    pub secret_id: String,
    /// The date the client signed: `YYYY-MM-DD`, the UTC date of the
    /// request's timestamp, or that date in another calendar (.NET).
    pub date: String,
    pub service: String,
    /// Lower-case header names, in the order signed.
    pub signed_headers: Vec<String>,
    /// Lower-case hex.
    pub signature: String,
}

fn invalid(message: impl Into<String>) -> SignatureError {
    SignatureError::InvalidAuthorization(message.into())
}

/// Reads a TC3 `Authorization` header.
pub fn parse_tc3_authorization(value: &str) -> Result<Tc3Authorization, SignatureError> {
    let rest = value
        .strip_prefix(TC3_ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| invalid(format!("Authorization must start with {TC3_ALGORITHM}")))?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| invalid("Authorization parts are Key=Value, separated by commas"))?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => return Err(invalid(format!("unknown Authorization part {other:?}"))),
        };
        if slot.replace(value.to_owned()).is_some() {
            return Err(invalid(format!("Authorization names {key} twice")));
        }
    }
    let credential = credential.ok_or_else(|| invalid("Authorization lacks Credential"))?;
    let signed_headers =
        signed_headers.ok_or_else(|| invalid("Authorization lacks SignedHeaders"))?;
    let signature = signature.ok_or_else(|| invalid("Authorization lacks Signature"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [secret_id, date, service, "tc3_request"] = scope.as_slice() else {
        return Err(invalid(
            "Credential must be <SecretId>/<YYYY-MM-DD>/<service>/tc3_request",
        ));
    };
    if secret_id.is_empty() {
        return Err(invalid("Credential names no SecretId"));
    }
    if date.is_empty() || service.is_empty() {
        return Err(invalid("Credential names no date or no service"));
    }
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(invalid("SignedHeaders has an empty name"));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("Signature must be 64 hex digits"));
    }
    Ok(Tc3Authorization {
        secret_id: (*secret_id).to_owned(),
        date: (*date).to_owned(),
        service: (*service).to_owned(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// The times a request's timestamp is checked against: the simulator's
/// clock, and real time. A client stamps its requests with real time; once
/// a test has moved the simulator's clock (to see a request expire), its
/// SDK must still get through, so either time will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestClock {
    pub simulated: Timestamp,
    pub real: Timestamp,
}

impl RequestClock {
    pub fn of(clock: &crate::domain::time::Clock) -> Self {
        RequestClock {
            simulated: clock.now(),
            real: clock.now_with_offset(0),
        }
    }
}

/// One time for both: a clock that was never moved.
impl From<Timestamp> for RequestClock {
    fn from(now: Timestamp) -> Self {
        RequestClock {
            simulated: now,
            real: now,
        }
    }
}

/// Refuses a timestamp more than five minutes from both the simulator's
/// clock and real time.
pub fn check_timestamp(
    timestamp: i64,
    clock: impl Into<RequestClock>,
) -> Result<(), SignatureError> {
    let clock = clock.into();
    let near = |now: Timestamp| timestamp.abs_diff(now) <= MAX_CLOCK_SKEW_SECS as u64;
    if near(clock.simulated) || near(clock.real) {
        Ok(())
    } else {
        Err(SignatureError::SignatureExpire {
            timestamp,
            now: clock.simulated,
        })
    }
}

/// An HMAC of `message`. HMAC takes keys of any length, so the error case
/// cannot happen; were it to, the empty result matches no signature.
fn hmac<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
    match <M as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::<HmacSha256>(key, message)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// How the verifier reads the signed headers: which host the client signed
/// (see `tc3_host_forms`) and whether it lower-cased the values.
#[derive(Debug, Clone, Copy)]
struct Reading<'a> {
    /// What stands for the `host` header; `None` when the request has none.
    host: Option<&'a str>,
    /// The API's documentation lower-cases the values; the SDKs send
    /// lower-case values, so the two agree for them.
    lower_case_values: bool,
}

/// The canonical headers block of `request` as `reading` reads it.
fn canonical_headers(
    request: &ReceivedRequest<'_>,
    auth: &Tc3Authorization,
    reading: Reading<'_>,
) -> Result<String, SignatureError> {
    let mut canonical = String::new();
    for name in &auth.signed_headers {
        let value = match name.as_str() {
            "host" => reading.host,
            _ => request.header(name),
        }
        .ok_or_else(|| invalid(format!("signed header {name} is not in the request")))?
        .trim();
        canonical.push_str(name);
        canonical.push(':');
        if reading.lower_case_values {
            canonical.push_str(&value.to_ascii_lowercase());
        } else {
            canonical.push_str(value);
        }
        canonical.push('\n');
    }
    Ok(canonical)
}

/// The TC3 signature of `request` under `secret_key`, over the given
/// canonical headers.
fn tc3_signature(
    secret_key: &str,
    request: &ReceivedRequest<'_>,
    auth: &Tc3Authorization,
    timestamp: &str,
    canonical_headers: &str,
) -> String {
    let payload_hash = match request.header("x-tc-content-sha256") {
        Some("UNSIGNED-PAYLOAD") => sha256_hex(b"UNSIGNED-PAYLOAD"),
        _ => sha256_hex(request.body),
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        request.path,
        request.query,
        canonical_headers,
        auth.signed_headers.join(";"),
        payload_hash
    );
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let string_to_sign = format!(
        "{TC3_ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), auth.date.as_bytes());
    let k_service = hmac_sha256(&k_date, auth.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"tc3_request");
    hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes()))
}

/// The host strings a TC3 client may have signed for the host it sent (the
/// `Host` header, or HTTP/2's `:authority`): the value as sent (Python,
/// tccli, Go, Java, PHP, .NET, C++), and, when it ends in a port, the name
/// without it: Node.js signs `URL.hostname` (`[::1]` keeps its brackets)
/// while sending `Host: name:port`. The signature still binds the name; the
/// port is where the request arrived anyway.
pub fn tc3_host_forms(host: &str) -> Vec<Cow<'_, str>> {
    let mut forms = vec![Cow::Borrowed(host)];
    if let Some((name, _)) = split_port(host) {
        forms.push(Cow::Borrowed(name));
    }
    forms
}

/// The host strings an older-form (HmacSHA1/HmacSHA256) client may have
/// signed for the host it sent: the value as sent, and, when it names no
/// port, the name with a default one. Java signs the endpoint as written
/// (`127.0.0.1:80`) while its HTTP client leaves a default port out of
/// `Host`.
pub fn v1_host_forms(host: &str) -> Vec<Cow<'_, str>> {
    let mut forms = vec![Cow::Borrowed(host)];
    let bare_name = !host.is_empty() && !host.contains(':');
    let bare_address = host.starts_with('[') && host.ends_with(']');
    if bare_name || bare_address {
        forms.extend([80, 443].map(|port| Cow::Owned(format!("{host}:{port}"))));
    }
    forms
}

/// `name` and `port` of `name:port`; `None` when `host` names no port
/// (`::1` is an address, not `:` and port 1; `[::1]:80` has a port).
fn split_port(host: &str) -> Option<(&str, &str)> {
    let (name, port) = host.rsplit_once(':')?;
    let is_port = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    let is_name = !name.is_empty() && (!name.contains(':') || name.ends_with(']'));
    (is_port && is_name).then_some((name, port))
}

/// The `Authorization` header a client sends for `request`: what the SDKs
/// compute, for vpcsim's own tests and load generator.
pub fn tc3_authorization(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    request: &ReceivedRequest<'_>,
    timestamp: i64,
) -> Result<String, SignatureError> {
    let date = utc_date(timestamp).ok_or_else(|| invalid("timestamp out of range"))?;
    let auth = Tc3Authorization {
        secret_id: secret_id.to_owned(),
        date,
        service: service.to_owned(),
        signed_headers: vec!["content-type".into(), "host".into()],
        signature: String::new(),
    };
    let reading = Reading {
        host: request.header("host"),
        lower_case_values: false,
    };
    let canonical = canonical_headers(request, &auth, reading)?;
    let signature = tc3_signature(
        secret_key,
        request,
        &auth,
        &timestamp.to_string(),
        &canonical,
    );
    Ok(format!(
        "{TC3_ALGORITHM} Credential={secret_id}/{}/{service}/tc3_request, SignedHeaders=content-type;host, Signature={signature}",
        auth.date
    ))
}

/// `X-TC-Timestamp`: Unix seconds.
fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    text.parse()
        .map_err(|_| invalid("X-TC-Timestamp must be Unix seconds"))
}

/// The UTC date of `seconds`, as a TC3 credential scope writes it.
fn utc_date(seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(seconds, 0).map(|d| d.format("%Y-%m-%d").to_string())
}

/// Verifies a TC3 signature, and returns the time it was signed at.
/// `timestamp` is the `X-TC-Timestamp` header as sent. The credential's date is taken as signed: the SDKs write the
/// timestamp's UTC date, but .NET formats it in the machine's calendar (a
/// Thai locale signs `2569-12-06`), and the signature binds the date as it
/// binds the timestamp. The clock is checked separately
/// (`check_timestamp`), after the signature, so that a stale but genuine
/// request is told it is stale, and a forged one only that it fails.
pub fn verify_tc3(
    secret_key: &str,
    request: &ReceivedRequest<'_>,
    auth: &Tc3Authorization,
    timestamp: &str,
) -> Result<i64, SignatureError> {
    let signed_at = parse_timestamp(timestamp)?;
    // Each reading of the signed headers that differs from those before it.
    let hosts: Vec<Option<Cow<'_, str>>> = match request.header("host") {
        Some(host) => tc3_host_forms(host).into_iter().map(Some).collect(),
        None => vec![None],
    };
    let mut tried: Vec<String> = Vec::with_capacity(2 * hosts.len());
    for host in &hosts {
        for lower_case_values in [false, true] {
            let reading = Reading {
                host: host.as_deref(),
                lower_case_values,
            };
            let canonical = canonical_headers(request, auth, reading)?;
            if tried.contains(&canonical) {
                continue;
            }
            let expected = tc3_signature(secret_key, request, auth, timestamp, &canonical);
            if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
                return Ok(signed_at);
            }
            tried.push(canonical);
        }
    }
    Err(SignatureError::SignatureFailure)
}

/// Authenticates a TC3-signed API 3.0 request as the real API does, in
/// this order: a readable `Authorization`, a SecretId that could be one, an
/// account that has it (`secret_key_of` gives its SecretKey), the
/// signature, and last the timestamp against `now` (see `check_timestamp`).
/// Returns the SecretId.
///
/// The service is whatever the Credential scope names: an SDK pointed at
/// vpcsim may derive it from the endpoint (Node.js signs `127` for
/// `127.0.0.1:PORT`). The signature binds it like every other part, and
/// vpcsim serves one service, so no request can be moved to another.
pub fn authenticate_tc3(
    request: &ReceivedRequest<'_>,
    now: impl Into<RequestClock>,
    secret_key_of: impl FnOnce(&str) -> Option<String>,
) -> Result<String, SignatureError> {
    let header = request
        .header("authorization")
        .ok_or_else(|| invalid("the Authorization header is missing"))?;
    let auth = parse_tc3_authorization(header)?;
    let timestamp = request
        .header("x-tc-timestamp")
        .ok_or_else(|| invalid("the X-TC-Timestamp header is missing"))?;
    let id = &auth.secret_id;
    if id.chars().count() > 128 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SignatureError::InvalidSecretId);
    }
    let secret_key =
        secret_key_of(id).ok_or_else(|| SignatureError::SecretIdNotFound(id.clone()))?;
    let signed_at = verify_tc3(&secret_key, request, &auth, timestamp)?;
    check_timestamp(signed_at, now)?;
    Ok(auth.secret_id)
}

/// The signature methods of the older form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V1Method {
    HmacSha1,
    HmacSha256,
}

impl V1Method {
    /// `SignatureMethod`'s value; absent means HmacSHA1.
    pub fn parse(value: Option<&str>) -> Result<V1Method, SignatureError> {
        match value {
            None | Some("HmacSHA1") => Ok(V1Method::HmacSha1),
            Some("HmacSHA256") => Ok(V1Method::HmacSha256),
            Some(other) => Err(invalid(format!(
                "SignatureMethod {other:?} is not HmacSHA1 or HmacSHA256"
            ))),
        }
    }
}

/// The string the older form signs: `METHOD + host + path + "?" +` every
/// parameter but `Signature`, sorted by name with `_` written as `.`, as
/// `name=value` joined by `&`, values decoded.
pub fn v1_string_to_sign(
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> String {
    let mut pairs: Vec<(String, &str)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.replace('_', "."), v.as_str()))
        .collect();
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{method}{host}{path}?{}", joined.join("&"))
}

/// The older-form signature (base64) of `string_to_sign`, as a client
/// computes it: for tests and the bench.
pub fn v1_signature(secret_key: &str, method: V1Method, string_to_sign: &str) -> String {
    let mac = match method {
        V1Method::HmacSha1 => hmac::<HmacSha1>(secret_key.as_bytes(), string_to_sign.as_bytes()),
        V1Method::HmacSha256 => hmac_sha256(secret_key.as_bytes(), string_to_sign.as_bytes()),
    };
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// Verifies an older-form `signature` (base64) of `string_to_sign`.
pub fn verify_v1(
    secret_key: &str,
    method: V1Method,
    string_to_sign: &str,
    signature: &str,
) -> Result<(), SignatureError> {
    let given = decode_v1_signature(signature)?;
    if v1_matches(secret_key, method, string_to_sign, &given) {
        Ok(())
    } else {
        Err(SignatureError::SignatureFailure)
    }
}

/// Verifies an older-form request: `signature` over `params`, sent with
/// `http_method` to `path`, where the client signed one of `hosts` (the
/// API 3.0 endpoint passes `v1_host_forms`, the legacy one the host as
/// sent).
pub fn verify_v1_request(
    secret_key: &str,
    method: V1Method,
    http_method: &str,
    hosts: &[Cow<'_, str>],
    path: &str,
    params: &[(String, String)],
    signature: &str,
) -> Result<(), SignatureError> {
    let given = decode_v1_signature(signature)?;
    let signed_over = |host: &str| v1_string_to_sign(http_method, host, path, params);
    if hosts
        .iter()
        .any(|host| v1_matches(secret_key, method, &signed_over(host), &given))
    {
        Ok(())
    } else {
        Err(SignatureError::SignatureFailure)
    }
}

fn decode_v1_signature(signature: &str) -> Result<Vec<u8>, SignatureError> {
    base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| invalid("Signature is not base64"))
}

fn v1_matches(secret_key: &str, method: V1Method, string_to_sign: &str, given: &[u8]) -> bool {
    let expected = match method {
        V1Method::HmacSha1 => hmac::<HmacSha1>(secret_key.as_bytes(), string_to_sign.as_bytes()),
        V1Method::HmacSha256 => hmac_sha256(secret_key.as_bytes(), string_to_sign.as_bytes()),
    };
    constant_time_eq(&expected, given)
}

/// Compares without stopping at the first difference, so timing does not
/// reveal how much of a forged signature was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Fixture {
        timestamp: i64,
        vectors: Vec<Vector>,
    }

    #[derive(serde::Deserialize, Clone)]
    struct Vector {
        name: String,
        secret_key: String,
        method: String,
        path: String,
        query: String,
        headers: std::collections::BTreeMap<String, String>,
        body: String,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(include_str!("../../tests/fixtures/tc3/vectors.json"))
            .expect("vectors.json")
    }

    fn header_map(v: &Vector) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in &v.headers {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                http::HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    /// Verifies `v` as the server would: TC3 from the Authorization header,
    /// v1 from the form parameters.
    fn verify(v: &Vector, secret_key: &str) -> Result<(), SignatureError> {
        let headers = header_map(v);
        let request = ReceivedRequest {
            method: &v.method,
            path: &v.path,
            query: &v.query,
            headers: &headers,
            body: v.body.as_bytes(),
        };
        match v.headers.get("Authorization") {
            Some(value) => {
                let auth = parse_tc3_authorization(value)?;
                verify_tc3(secret_key, &request, &auth, &v.headers["X-TC-Timestamp"]).map(|_| ())
            }
            None => {
                let params: Vec<(String, String)> = form_urlencoded::parse(v.body.as_bytes())
                    .into_owned()
                    .collect();
                let param = |name: &str| {
                    params
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.as_str())
                };
                let method = V1Method::parse(param("SignatureMethod"))?;
                let text = v1_string_to_sign(&v.method, &v.headers["Host"], &v.path, &params);
                verify_v1(
                    secret_key,
                    method,
                    &text,
                    param("Signature").unwrap_or_default(),
                )
            }
        }
    }

    #[test]
    fn every_request_the_python_sdk_signed_verifies() {
        let fixture = fixture();
        assert!(fixture.vectors.len() >= 7);
        for v in &fixture.vectors {
            assert_eq!(verify(v, &v.secret_key), Ok(()), "{}", v.name);
            assert_eq!(
                verify(v, "another-secret-key"),
                Err(SignatureError::SignatureFailure),
                "{} with a wrong key",
                v.name
            );
        }
        assert!(check_timestamp(fixture.timestamp, fixture.timestamp + 300).is_ok());
    }

    #[test]
    fn tampering_with_a_signed_part_fails() {
        for v in fixture()
            .vectors
            .iter()
            .filter(|v| v.headers.contains_key("Authorization"))
        {
            let unsigned = v.headers.contains_key("X-TC-Content-SHA256");
            let mut body = v.clone();
            body.body.push(' ');
            let mut host = v.clone();
            host.headers.insert("Host".into(), "evil.example:1".into());
            let mut time = v.clone();
            let ts: i64 = v.headers["X-TC-Timestamp"].parse().unwrap();
            time.headers
                .insert("X-TC-Timestamp".into(), (ts + 1).to_string());
            let mut query = v.clone();
            query.query.push_str("&Limit=100");
            for (what, tampered) in [("host", host), ("timestamp", time), ("query", query)]
                .into_iter()
                .chain((!unsigned).then_some(("body", body)))
            {
                assert_eq!(
                    verify(&tampered, &v.secret_key),
                    Err(SignatureError::SignatureFailure),
                    "{} with its {what} changed",
                    v.name
                );
            }
        }
    }

    #[test]
    fn matches_the_documented_tc3_vector() {
        // TENCENT-WIRE.md 2.2, made with the Python SDK with time pinned.
        let body = br#"{"PeeringConnectionId": "pcx-abcdefgh"}"#;
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("host", "vpc.tencentcloudapi.com".parse().unwrap());
        let request = ReceivedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body,
        };
        let auth = parse_tc3_authorization(
            "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/vpc/tc3_request, SignedHeaders=content-type;host, Signature=3538f2c64187c76f06721bc8193acbda9f2e9aa80e2eb94541f09c8223dd8f10",
        )
        .unwrap();
        assert_eq!(auth.secret_id, "AKIDEXAMPLE");
        assert_eq!(auth.signed_headers, ["content-type", "host"]);
        assert_eq!(
            verify_tc3(
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                &request,
                &auth,
                "1551113065"
            ),
            Ok(1551113065)
        );
        // The signature binds the credential's date.
        let next_day = Tc3Authorization {
            date: "2019-02-26".into(),
            ..auth
        };
        assert_eq!(
            verify_tc3(
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                &request,
                &next_day,
                "1551113065"
            ),
            Err(SignatureError::SignatureFailure)
        );
        // .NET on a Thai-locale machine writes the Buddhist year; signed
        // that way, it verifies (written from AbstractClient.cs: the scope
        // date is DateTime.ToString("yyyy-MM-dd") in the current culture).
        let mut thai = Tc3Authorization {
            date: "1562-02-25".into(),
            ..next_day
        };
        let reading = Reading {
            host: Some("vpc.tencentcloudapi.com"),
            lower_case_values: false,
        };
        let canonical = canonical_headers(&request, &thai, reading).unwrap();
        let key = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
        thai.signature = tc3_signature(key, &request, &thai, "1551113065", &canonical);
        assert_eq!(
            verify_tc3(key, &request, &thai, "1551113065"),
            Ok(1551113065)
        );
        thai.date = "2019-02-25".into();
        assert_eq!(
            verify_tc3(key, &request, &thai, "1551113065"),
            Err(SignatureError::SignatureFailure)
        );
    }

    #[test]
    fn matches_the_documented_v1_vectors() {
        // The legacy API's signing page (TENCENT-WIRE.md 2.3).
        let params: Vec<(String, String)> = [
            ("Action", "DescribeInstances"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Nonce", "11886"),
            ("Region", "ap-guangzhou"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"),
            ("SignatureMethod", "HmacSHA256"),
            ("Timestamp", "1465185768"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let text = v1_string_to_sign("GET", "cvm.api.qcloud.com", "/v2/index.php", &params);
        assert_eq!(
            text,
            "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA256&Timestamp=1465185768"
        );
        let key = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";
        assert_eq!(
            verify_v1(
                key,
                V1Method::HmacSha256,
                &text,
                "0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s="
            ),
            Ok(())
        );
        let sha1_text = text.replace("HmacSHA256", "HmacSHA1");
        assert_eq!(
            verify_v1(
                key,
                V1Method::HmacSha1,
                &sha1_text,
                "nPVnY6njQmwQ8ciqbPl5Qe+Oru4="
            ),
            Ok(())
        );
        assert_eq!(
            verify_v1(
                key,
                V1Method::HmacSha1,
                &text,
                "nPVnY6njQmwQ8ciqbPl5Qe+Oru4="
            ),
            Err(SignatureError::SignatureFailure)
        );
        assert!(matches!(
            verify_v1(key, V1Method::HmacSha1, &text, "not base64!"),
            Err(SignatureError::InvalidAuthorization(_))
        ));
        assert!(V1Method::parse(Some("MD5")).is_err());
    }

    #[test]
    fn malformed_authorization_headers_say_what_is_wrong() {
        let good = "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/vpc/tc3_request, SignedHeaders=content-type;host, Signature=3538f2c64187c76f06721bc8193acbda9f2e9aa80e2eb94541f09c8223dd8f10";
        assert!(parse_tc3_authorization(good).is_ok());
        for (bad, says) in [
            ("Bearer AKIDalice", "must start with"),
            (&good.replace("/tc3_request", ""), "Credential must be"),
            (
                &good.replace(", Signature=", ", Nonce=1, Signature="),
                "unknown Authorization part",
            ),
            (
                &good.replace("Signature=3538", "Signature=zz38"),
                "64 hex digits",
            ),
            (
                &good.replace("Credential=AKID/", "Credential=/"),
                "no SecretId",
            ),
            (&good.replace("/vpc/", "//"), "no service"),
            (&good.replace("/2019-02-25/", "//"), "no date"),
            (
                &good.replace(", SignedHeaders=content-type;host", ""),
                "lacks SignedHeaders",
            ),
        ] {
            match parse_tc3_authorization(bad) {
                Err(SignatureError::InvalidAuthorization(message)) => {
                    assert!(message.contains(says), "{bad}: {message}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn authentication_reports_each_failure_with_its_api3_code() {
        let fixture = fixture();
        let v = &fixture.vectors[0];
        let headers = header_map(v);
        let request = ReceivedRequest {
            method: &v.method,
            path: &v.path,
            query: &v.query,
            headers: &headers,
            body: v.body.as_bytes(),
        };
        let now = fixture.timestamp;
        let right = |_: &str| Some(v.secret_key.clone());
        let code =
            |request: &ReceivedRequest<'_>, now: i64, key: &dyn Fn(&str) -> Option<String>| {
                authenticate_tc3(request, now, key).map_err(|e| e.api3_code())
            };
        assert_eq!(
            code(&request, now, &right),
            Ok("AKIDvectors0000000000000000000000001".to_owned())
        );
        assert_eq!(
            code(&request, now + 301, &right),
            Err("AuthFailure.SignatureExpire")
        );
        assert_eq!(
            code(&request, now, &|_| None),
            Err("AuthFailure.SecretIdNotFound")
        );
        assert_eq!(
            code(&request, now, &|_| Some("wrong".into())),
            Err("AuthFailure.SignatureFailure")
        );
        let mut bad_id = headers.clone();
        bad_id.insert(
            "authorization",
            v.headers["Authorization"]
                .replace("AKIDvectors", "AKID\tvectors")
                .parse()
                .unwrap(),
        );
        let with_bad_id = ReceivedRequest {
            headers: &bad_id,
            ..request
        };
        assert_eq!(
            code(&with_bad_id, now, &right),
            Err("AuthFailure.InvalidSecretId")
        );
        let mut unsigned = headers.clone();
        unsigned.remove("authorization");
        let without = ReceivedRequest {
            headers: &unsigned,
            ..request
        };
        assert_eq!(
            code(&without, now, &right),
            Err("AuthFailure.InvalidAuthorization")
        );
    }

    #[test]
    fn each_form_tries_the_hosts_its_clients_sign() {
        let owned = |forms: Vec<Cow<'_, str>>| -> Vec<String> {
            forms.into_iter().map(Cow::into_owned).collect()
        };
        let tc3 = |host| owned(tc3_host_forms(host));
        assert_eq!(tc3("127.0.0.1:8080"), ["127.0.0.1:8080", "127.0.0.1"]);
        assert_eq!(tc3("[::1]:8080"), ["[::1]:8080", "[::1]"]);
        assert_eq!(tc3("localhost:1"), ["localhost:1", "localhost"]);
        assert_eq!(tc3("vpc.tencentcloudapi.com"), ["vpc.tencentcloudapi.com"]);
        // An address, not a port; a scheme is kept as sent.
        assert_eq!(tc3("::1"), ["::1"]);
        assert_eq!(tc3("http://127.0.0.1:50051"), ["http://127.0.0.1:50051"]);
        assert_eq!(tc3("host:"), ["host:"]);
        assert_eq!(tc3(""), [""]);

        let v1 = |host| owned(v1_host_forms(host));
        assert_eq!(
            v1("127.0.0.1"),
            ["127.0.0.1", "127.0.0.1:80", "127.0.0.1:443"]
        );
        assert_eq!(v1("[::1]"), ["[::1]", "[::1]:80", "[::1]:443"]);
        assert_eq!(v1("127.0.0.1:8080"), ["127.0.0.1:8080"]);
        assert_eq!(v1("::1"), ["::1"]);
        assert_eq!(v1(""), [""]);
    }

    #[test]
    fn the_clock_may_be_five_minutes_off_either_way() {
        assert!(check_timestamp(1000, 1300).is_ok());
        assert!(check_timestamp(1300, 1000).is_ok());
        assert_eq!(
            check_timestamp(1000, 1301),
            Err(SignatureError::SignatureExpire {
                timestamp: 1000,
                now: 1301
            })
        );
        assert!(check_timestamp(i64::MIN, i64::MAX).is_err());
    }
}
