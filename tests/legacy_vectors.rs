//! The legacy API's signature (`/v2/index.php`), checked against requests
//! the legacy Python SDK itself signed: `tests/fixtures/legacy/vectors.json`,
//! written by `make_vectors.py` beside it with qcloudapi-sdk-python's own
//! signer (`QcloudApi.common.sign.Sign`). Each vector is a request as the
//! server receives it (method, Host, path, the query string or form body)
//! and the exact string the SDK HMACed, caught inside the SDK.

use base64::Engine as _;
use vpcsim::transport::signing::{SignatureError, V1Method, v1_string_to_sign, verify_v1};

#[derive(serde::Deserialize)]
struct Fixture {
    sdk: String,
    vectors: Vec<Vector>,
}

#[derive(serde::Deserialize)]
struct Vector {
    name: String,
    method: String,
    host: String,
    path: String,
    /// The query string (GET) or form body (POST), as sent.
    wire: String,
    /// `wire` decoded, in its order, Signature included.
    params: Vec<(String, String)>,
    secret_key: String,
    signature_method: String,
    string_to_sign: String,
    signature: String,
    /// Parameters sent but left out of the string to sign by the SDK.
    #[serde(default)]
    sdk_leaves_out: Vec<String>,
}

fn fixture() -> Fixture {
    let fixture: Fixture =
        serde_json::from_str(include_str!("fixtures/legacy/vectors.json")).expect("vectors.json");
    assert!(
        fixture.sdk.starts_with("qcloudapi-sdk-python "),
        "{}",
        fixture.sdk
    );
    assert!(fixture.vectors.len() >= 10, "vectors.json lost vectors");
    fixture
}

fn param<'a>(v: &'a Vector, name: &str) -> Option<&'a str> {
    v.params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, value)| value.as_str())
}

/// The parameters the SDK's signer puts in the string to sign. Over POST it
/// skips every parameter whose value starts with `@` (sign.py: `if method ==
/// 'POST' and str(params[k])[0:1] == '@': continue`, a leftover of PHP's
/// `@file` uploads), though the request still carries it; `v1_string_to_sign`
/// signs whatever it is given, so a server verifying the SDK's POSTs leaves
/// those out first, as here.
fn sdk_signed_params(v: &Vector) -> Vec<(String, String)> {
    v.params
        .iter()
        .filter(|(_, value)| !(v.method == "POST" && value.starts_with('@')))
        .cloned()
        .collect()
}

fn method_of(v: &Vector) -> V1Method {
    let method = V1Method::parse(param(v, "SignatureMethod")).expect("SignatureMethod");
    let named = match v.signature_method.as_str() {
        "HmacSHA1" => V1Method::HmacSha1,
        "HmacSHA256" => V1Method::HmacSha256,
        other => panic!("{}: signature_method {other}", v.name),
    };
    assert_eq!(method, named, "{}", v.name);
    method
}

#[test]
fn the_wire_decodes_to_the_params_the_sdk_sent() {
    for v in fixture().vectors {
        let decoded: Vec<(String, String)> = form_urlencoded::parse(v.wire.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(decoded, v.params, "{}", v.name);
    }
}

#[test]
fn v1_string_to_sign_is_the_sdks_string() {
    for v in fixture().vectors {
        let text = v1_string_to_sign(&v.method, &v.host, &v.path, &sdk_signed_params(&v));
        assert_eq!(text, v.string_to_sign, "{}", v.name);
    }
}

#[test]
fn every_signature_the_sdk_made_verifies() {
    for v in fixture().vectors {
        assert_eq!(
            param(&v, "Signature"),
            Some(v.signature.as_str()),
            "{}",
            v.name
        );
        let text = v1_string_to_sign(&v.method, &v.host, &v.path, &sdk_signed_params(&v));
        assert_eq!(
            verify_v1(&v.secret_key, method_of(&v), &text, &v.signature),
            Ok(()),
            "{}",
            v.name
        );
    }
}

#[test]
fn the_fixture_covers_what_the_sdk_does() {
    let vectors = fixture().vectors;
    let has = |what: &str, f: &dyn Fn(&Vector) -> bool| {
        assert!(vectors.iter().any(f), "no vector with {what}");
    };
    has("GET", &|v| v.method == "GET");
    has("POST", &|v| v.method == "POST");
    has("HmacSHA1", &|v| v.signature_method == "HmacSHA1");
    has("HmacSHA256", &|v| v.signature_method == "HmacSHA256");
    has("a port in the host", &|v| v.host.starts_with("localhost:"));
    has("the legacy path", &|v| v.path == "/v2/index.php");
    has("_ in a name, signed as .", &|v| {
        v.params.iter().any(|(k, _)| k.contains('_'))
            && v.string_to_sign.contains("peeringConnectionIds.0=")
    });
    has("non-ASCII, space, &, = and + in a value", &|v| {
        v.params.iter().any(|(_, value)| {
            !value.is_ascii() && ["&", "=", "+", " "].iter().all(|c| value.contains(c))
        })
    });
    has("a POST value starting with @", &|v| {
        v.method == "POST" && !v.sdk_leaves_out.is_empty()
    });
    has("a GET value starting with @", &|v| {
        v.method == "GET" && v.params.iter().any(|(_, value)| value.starts_with('@'))
    });
}

#[test]
fn the_sdk_leaves_at_values_out_of_post_signatures_only() {
    for v in fixture().vectors {
        for name in &v.sdk_leaves_out {
            assert_eq!(v.method, "POST", "{}", v.name);
            let value = param(&v, name).expect("the left-out parameter is still sent");
            assert!(value.starts_with('@'), "{}", v.name);
            assert!(
                !v.string_to_sign.contains(&format!("{name}=")),
                "{}: {name} is in the SDK's string",
                v.name
            );
        }
        if v.method == "GET" {
            for (name, value) in &v.params {
                if value.starts_with('@') {
                    assert!(
                        v.string_to_sign.contains(&format!("{name}={value}")),
                        "{}: a GET signs {name}",
                        v.name
                    );
                }
            }
        }
    }
}

#[test]
fn tampered_requests_are_refused() {
    for v in fixture().vectors {
        let method = method_of(&v);
        let params = sdk_signed_params(&v);
        let refused = |key: &str, m: V1Method, text: &str, signature: &str| {
            assert_eq!(
                verify_v1(key, m, text, signature),
                Err(SignatureError::SignatureFailure),
                "{}",
                v.name
            );
        };
        // One bit of the signature.
        let mut mac = base64::engine::general_purpose::STANDARD
            .decode(&v.signature)
            .expect("base64");
        mac[0] ^= 1;
        let flipped = base64::engine::general_purpose::STANDARD.encode(&mac);
        refused(&v.secret_key, method, &v.string_to_sign, &flipped);
        // Another SecretKey.
        refused(
            &format!("{}x", v.secret_key),
            method,
            &v.string_to_sign,
            &v.signature,
        );
        // The other HTTP method in the string to sign.
        let other = if v.method == "GET" { "POST" } else { "GET" };
        let text = v1_string_to_sign(other, &v.host, &v.path, &params);
        refused(&v.secret_key, method, &text, &v.signature);
        // Another host or path.
        let text = v1_string_to_sign(&v.method, "vpcsim.invalid", &v.path, &params);
        refused(&v.secret_key, method, &text, &v.signature);
        let text = v1_string_to_sign(&v.method, &v.host, "/", &params);
        refused(&v.secret_key, method, &text, &v.signature);
        // The other algorithm.
        let other = match method {
            V1Method::HmacSha1 => V1Method::HmacSha256,
            V1Method::HmacSha256 => V1Method::HmacSha1,
        };
        refused(&v.secret_key, other, &v.string_to_sign, &v.signature);
        // A parameter changed after signing (a replayed Nonce made new).
        let changed: Vec<(String, String)> = params
            .iter()
            .map(|(k, value)| {
                let value = if k == "Nonce" {
                    format!("{value}1")
                } else {
                    value.clone()
                };
                (k.clone(), value)
            })
            .collect();
        let text = v1_string_to_sign(&v.method, &v.host, &v.path, &changed);
        refused(&v.secret_key, method, &text, &v.signature);
    }
}
