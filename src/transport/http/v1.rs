//! The older signature form (HmacSHA1 or HmacSHA256 over the sorted
//! parameters), checked once for both HTTP APIs that take it: the legacy
//! API, and API 3.0 when a request carries `Signature` instead of a TC3
//! `Authorization` header. Decided here, for both:
//!
//! - the common parameters `Signature`, `SecretId`, `Timestamp` and
//!   `Nonce` are required (`MissingParameter`);
//! - the signature covers every parameter, or, on a POST, every one but
//!   the values that start with `@`: the legacy SDK leaves those (files,
//!   in its curl days) out of what it signs, and sends them all the same;
//! - the timestamp is within five minutes of the simulator's clock or of
//!   real time;
//! - a Nonce counts once per SecretId within that window: a request sent
//!   again as it was is `AuthFailure.RequestReplayed`, over either API.

use std::borrow::Cow;

use http::{Method, request::Parts};

use super::super::{
    AppState,
    signing::{RequestClock, SignatureError, V1Method, check_timestamp, verify_v1_request},
    state::NONCE_WINDOW_SECS,
};
use crate::{
    action::fields::{NotAnInteger, integer},
    domain::{ApiError, ErrorCode},
    store::Account,
};

impl From<SignatureError> for ApiError {
    fn from(err: SignatureError) -> Self {
        ApiError::new(err.code(), err.to_string())
    }
}

/// The value of the first parameter called `name`.
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        ErrorCode::MissingParameter,
        format!("the common parameter {name} is missing"),
    )
}

/// Checks the older-form signature of a request whose parameters are
/// `pairs`, sent as `parts`; the client may have signed any of `hosts`
/// (each API says which forms of the host its clients sign). Answers the
/// account that signed it.
pub async fn authenticate(
    app: &AppState,
    parts: &Parts,
    pairs: &[(String, String)],
    hosts: &[Cow<'_, str>],
) -> Result<Account, ApiError> {
    // The signature first: nothing about the request is trusted before it.
    let signature = param(pairs, "Signature").ok_or_else(|| missing("Signature"))?;
    let secret_id = param(pairs, "SecretId").ok_or_else(|| missing("SecretId"))?;
    let method = V1Method::parse(param(pairs, "SignatureMethod"))?;
    let account = app
        .store()
        .account_by_secret_id(secret_id)
        .await?
        .ok_or_else(|| SignatureError::SecretIdNotFound(secret_id.to_owned()))?;
    let verify = |signed: &[(String, String)]| {
        verify_v1_request(
            &account.secret_key,
            method,
            parts.method.as_str(),
            hosts,
            parts.uri.path(),
            signed,
            signature,
        )
    };
    let without_files = || -> Vec<(String, String)> {
        pairs
            .iter()
            .filter(|(_, v)| !v.starts_with('@'))
            .cloned()
            .collect()
    };
    let has_files = parts.method == Method::POST && pairs.iter().any(|(_, v)| v.starts_with('@'));
    match verify(pairs) {
        Err(SignatureError::SignatureFailure) if has_files => verify(&without_files())?,
        other => other?,
    }

    let clock = RequestClock::of(&app.store().clock);
    let timestamp = param(pairs, "Timestamp").ok_or_else(|| missing("Timestamp"))?;
    let timestamp = integer(timestamp).map_err(|why| {
        let code = match why {
            NotAnInteger::Malformed => ErrorCode::InvalidParameterValueMalformed,
            NotAnInteger::OutOfRange => ErrorCode::InvalidParameterValueRange,
        };
        ApiError::new(code, "Timestamp must be Unix seconds")
    })?;
    check_timestamp(timestamp, clock)?;
    let nonce = param(pairs, "Nonce")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| missing("Nonce"))?;
    if !app.nonces.first_use(secret_id, nonce, clock.simulated) {
        return Err(ApiError::new(
            ErrorCode::AuthRequestReplayed,
            format!(
                "Nonce {nonce} was already used with this SecretId in the last {} minutes: \
                 every request needs a fresh Nonce",
                NONCE_WINDOW_SECS / 60
            ),
        ));
    }
    Ok(account)
}
