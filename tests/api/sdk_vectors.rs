//! Requests exactly as the official SDKs sign them when only their endpoint
//! points at vpcsim, captured on the wire (`tests/fixtures/tc3/`): Python's
//! `vectors.json`, and one file per SDK under `sdk/`, each saying how it was
//! made. Every one verifies; none verifies with a wrong key, a changed body
//! or query, a changed signed header or a changed service; and every one,
//! replayed byte for byte to a real server, gets past authentication.

use std::collections::BTreeMap;

use serde_json::Value;
use vpcsim::{
    proto,
    transport::signing::{
        ReceivedRequest, SignatureError, V1Method, authenticate_tc3, v1_host_forms,
        verify_v1_request,
    },
};

use crate::helpers::{TestApp, http_exchange};

#[derive(serde::Deserialize)]
struct Fixture {
    sdk: String,
    #[serde(default)]
    produced: Option<String>,
    vectors: Vec<Vector>,
}

#[derive(serde::Deserialize, Clone, Debug)]
struct Vector {
    name: String,
    secret_id: String,
    secret_key: String,
    method: String,
    path: String,
    query: String,
    /// As they arrived, in the sender's case.
    headers: BTreeMap<String, String>,
    body: String,
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tc3");

/// Every fixture: Python's, then each SDK's, by file name.
fn fixtures() -> Vec<(String, Fixture)> {
    let mut paths = vec![std::path::PathBuf::from(FIXTURES).join("vectors.json")];
    let mut sdks: Vec<_> = std::fs::read_dir(format!("{FIXTURES}/sdk"))
        .expect("tests/fixtures/tc3/sdk")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    sdks.sort();
    paths.extend(sdks);
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let fixture: Fixture =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), fixture)
        })
        .collect()
}

fn vectors() -> Vec<Vector> {
    fixtures()
        .into_iter()
        .flat_map(|(_, f)| f.vectors)
        .collect()
}

impl Vector {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn set_header(&mut self, name: &str, value: String) {
        let key = self
            .headers
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()
            .unwrap_or_else(|| name.to_owned());
        self.headers.insert(key, value);
    }

    /// The path the server routes on: a proxied request's target is a
    /// whole URL (absolute form), of which the path is signed.
    fn path(&self) -> &str {
        match self.path.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
            None => &self.path,
        }
    }

    fn is_tc3(&self) -> bool {
        self.header("authorization").is_some()
    }

    /// The older form's parameters: the query (GET) or the form body.
    fn v1_params(&self) -> Vec<(String, String)> {
        let raw = if self.method == "GET" {
            &self.query
        } else {
            &self.body
        };
        form_urlencoded::parse(raw.as_bytes())
            .into_owned()
            .collect()
    }

    fn v1_param(&self, name: &str) -> Option<String> {
        self.v1_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn timestamp(&self) -> i64 {
        let text = match self.header("x-tc-timestamp") {
            Some(t) => t.to_owned(),
            None => self.v1_param("Timestamp").expect("Timestamp"),
        };
        text.parse().expect("Unix seconds")
    }

    fn header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in &self.headers {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                http::HeaderValue::from_str(value).expect("header value"),
            );
        }
        map
    }

    /// Verifies the signature as the server does, at the vector's own time.
    fn verify(&self, secret_key: &str) -> Result<(), SignatureError> {
        let headers = self.header_map();
        if self.is_tc3() {
            let request = ReceivedRequest {
                method: &self.method,
                path: self.path(),
                query: &self.query,
                headers: &headers,
                body: self.body.as_bytes(),
            };
            authenticate_tc3(&request, self.timestamp(), |_| Some(secret_key.to_owned()))
                .map(|_| ())
        } else {
            let params = self.v1_params();
            let method = V1Method::parse(self.v1_param("SignatureMethod").as_deref())?;
            verify_v1_request(
                secret_key,
                method,
                &self.method,
                &v1_host_forms(self.header("host").unwrap_or_default()),
                self.path(),
                &params,
                &self.v1_param("Signature").unwrap_or_default(),
            )
        }
    }

    /// The same request with its body (or, for GET, its query) changed.
    fn with_content_changed(&self) -> Option<Vector> {
        let mut v = self.clone();
        if self.header("x-tc-content-sha256") == Some("UNSIGNED-PAYLOAD") {
            // The body is unsigned by design: only the query could change.
            return None;
        }
        if self.method == "GET" {
            v.query = self.query.replacen("=", "=1", 1);
        } else if self.is_tc3() {
            v.body = format!("{} ", self.body);
        } else {
            v.body = self.body.replacen("Action=", "Action=Delete", 1);
        }
        Some(v)
    }

    /// The same request sent to another host name, on the same port.
    fn with_host_changed(&self) -> Vector {
        let mut v = self.clone();
        let host = self.header("host").expect("Host");
        let port = host
            .rsplit_once(':')
            .filter(|(name, port)| port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':'))
            .map(|(_, port)| format!(":{port}"))
            .unwrap_or_default();
        v.set_header("Host", format!("evil.example{port}"));
        v
    }
}

#[test]
fn every_sdk_has_vectors_and_says_how_they_were_made() {
    let fixtures = fixtures();
    let sdks: Vec<&str> = fixtures.iter().map(|(_, f)| f.sdk.as_str()).collect();
    for sdk in [
        "tencentcloud-sdk-python",
        "tencentcloud-sdk-nodejs",
        "tencentcloud-sdk-go",
        "tencentcloud-sdk-java",
        "tencentcloud-sdk-php",
        "tencentcloud-sdk-dotnet",
        "tencentcloud-sdk-cpp",
        "terraform-provider-tencentcloud",
    ] {
        assert!(
            sdks.iter().any(|s| s.starts_with(sdk)),
            "no vectors from {sdk}: {sdks:?}"
        );
    }
    for (path, fixture) in &fixtures[1..] {
        let produced = fixture.produced.as_deref().unwrap_or_default();
        assert!(
            produced.starts_with("captured from") || produced.starts_with("written from"),
            "{path} must say how its vectors were produced: {produced:?}"
        );
        assert!(!fixture.vectors.is_empty(), "{path} has no vectors");
    }
}

#[test]
fn every_request_an_sdk_signed_verifies() {
    for v in vectors() {
        assert_eq!(v.verify(&v.secret_key), Ok(()), "{}", v.name);
    }
}

#[test]
fn a_wrong_key_is_refused() {
    for v in vectors() {
        assert_eq!(
            v.verify("not-the-secret-key"),
            Err(SignatureError::SignatureFailure),
            "{}",
            v.name
        );
    }
}

#[test]
fn a_changed_body_or_query_is_refused() {
    for v in vectors() {
        let Some(changed) = v.with_content_changed() else {
            continue;
        };
        assert_ne!(
            (&changed.body, &changed.query),
            (&v.body, &v.query),
            "{}",
            v.name
        );
        assert_eq!(
            changed.verify(&v.secret_key),
            Err(SignatureError::SignatureFailure),
            "{} with its body or query changed",
            v.name
        );
    }
}

#[test]
fn a_changed_signed_header_is_refused() {
    for v in vectors() {
        assert_eq!(
            v.with_host_changed().verify(&v.secret_key),
            Err(SignatureError::SignatureFailure),
            "{} sent to another host",
            v.name
        );
        if v.is_tc3() {
            let mut typed = v.clone();
            typed.set_header("Content-Type", "text/plain".into());
            assert_eq!(
                typed.verify(&v.secret_key),
                Err(SignatureError::SignatureFailure),
                "{} with another Content-Type",
                v.name
            );
        }
    }
}

#[test]
fn the_credential_scope_binds_the_service() {
    for v in vectors().into_iter().filter(Vector::is_tc3) {
        let authorization = v.header("authorization").expect("Authorization");
        let service = authorization.split('/').nth(2).expect("a service");
        let other = if service == "cvm" { "vpc" } else { "cvm" };
        let mut moved = v.clone();
        moved.set_header(
            "Authorization",
            authorization.replacen(&format!("/{service}/"), &format!("/{other}/"), 1),
        );
        assert_eq!(
            moved.verify(&v.secret_key),
            Err(SignatureError::SignatureFailure),
            "{} with service {other} for {service}",
            v.name
        );
    }
}

/// `vector` as raw HTTP/1.1, its headers as captured but for the framing
/// ones, which are the connection's own. A proxied request keeps its
/// absolute-form target.
async fn replay(app: &TestApp, v: &Vector) -> Value {
    let target = match v.query.as_str() {
        "" => v.path.clone(),
        query => format!("{}?{query}", v.path),
    };
    let mut raw = format!("{} {target} HTTP/1.1\r\n", v.method);
    for (name, value) in &v.headers {
        let framing = [
            "content-length",
            "connection",
            "transfer-encoding",
            "keep-alive",
        ];
        if !framing.contains(&name.to_ascii_lowercase().as_str()) {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    raw.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        v.body.len(),
        v.body
    ));
    let (head, body) = http_exchange(app.addr, &raw).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{}: {head}", v.name);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: {e}: {body}", v.name))
}

async fn set_clock(app: &TestApp, seconds: i64) {
    let time = chrono::DateTime::from_timestamp(seconds, 0)
        .expect("a time")
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    app.admin()
        .set_clock(app.admin_req(proto::SetClockRequest { time }))
        .await
        .expect("SetClock");
}

#[tokio::test]
async fn every_captured_request_gets_past_authentication_on_a_real_server() {
    let app = TestApp::spawn().await;
    let mut vectors = vectors();
    vectors.sort_by_key(Vector::timestamp);
    // The simulator's clock at each vector's own time, so that the
    // timestamp check passes too. The accounts are made a minute before the
    // earliest vector: the clock keeps running while they are made, and
    // nothing may lie in its future when a vector sets it back to its time.
    set_clock(&app, vectors[0].timestamp() - 60).await;
    let mut keys: Vec<(String, String)> = vectors
        .iter()
        .map(|v| (v.secret_id.clone(), v.secret_key.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    for (n, (secret_id, secret_key)) in keys.into_iter().enumerate() {
        app.admin()
            .create_account(app.admin_req(proto::CreateAccountRequest {
                uin: format!("{}", 200001 + n),
                name: format!("vectors{n}"),
                secret_id,
                secret_key,
                ..Default::default()
            }))
            .await
            .expect("CreateAccount");
    }
    // An older-form Nonce counts once per SecretId for ten minutes: an SDK
    // that captured several requests with one Nonce sees the later ones
    // refused as replays, as the real API would.
    let mut nonces: std::collections::HashMap<(String, String), i64> = Default::default();
    for v in &vectors {
        set_clock(&app, v.timestamp()).await;
        let answer = replay(&app, v).await;
        let response = &answer["Response"];
        assert!(response["RequestId"].is_string(), "{}: {answer}", v.name);
        if let Some(nonce) = v.v1_param("Nonce") {
            let key = (v.secret_id.clone(), nonce);
            if nonces.get(&key).is_some_and(|until| *until > v.timestamp()) {
                let message = response["Error"]["Message"].as_str().unwrap_or_default();
                assert!(message.contains("already used"), "{}: {answer}", v.name);
                continue;
            }
            nonces.insert(key, v.timestamp() + 600);
        }
        let code = response["Error"]["Code"].as_str().unwrap_or_default();
        assert!(
            !code.starts_with("AuthFailure"),
            "{} was refused: {answer}",
            v.name
        );
        // A Describe is answered in full, whatever it came with.
        let action = v
            .header("x-tc-action")
            .map(str::to_owned)
            .or_else(|| v.v1_param("Action"));
        if action.as_deref() == Some("DescribeVpcPeeringConnections") {
            assert_eq!(response["TotalCount"], 0, "{}: {answer}", v.name);
        }
        if let Some(changed) = v.with_content_changed() {
            let refused = replay(&app, &changed).await;
            assert_eq!(
                refused["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure",
                "{} changed: {refused}",
                v.name
            );
        }
    }
    app.stop().await;
}
