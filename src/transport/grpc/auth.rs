//! Who is calling a gRPC method and where: the caller's account from
//! `authorization: Bearer <SecretId>`, the region from `x-tc-region`, the
//! client token from `x-client-token`, and the admin check.

use std::sync::Arc;

use tonic::{Request, metadata::MetadataMap};

use crate::{
    action::Caller,
    domain::{
        ApiError, ErrorCode,
        actions::ActionName,
        region::{self, Region},
    },
    store::{Actor, ClientToken},
    transport::{AppState, request_log::RequestLog},
};

pub const REGION_HEADER: &str = "x-tc-region";
pub const CLIENT_TOKEN_HEADER: &str = "x-client-token";

fn request_log<T>(request: &Request<T>) -> Option<Arc<RequestLog>> {
    request.extensions().get::<Arc<RequestLog>>().cloned()
}

fn request_id<T>(request: &Request<T>) -> String {
    request_log(request)
        .map(|log| log.request_id.clone())
        .unwrap_or_default()
}

/// A client token as sent (gRPC metadata or an HTTP header): 1 to 64
/// printable ASCII characters without spaces.
pub fn client_token_text(value: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(value)
        .ok()
        .filter(|t| (1..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameterValue,
                CLIENT_TOKEN_HEADER,
                "x-client-token must be 1 to 64 printable ASCII characters without spaces",
            )
        })
}

/// The call's `x-client-token`, with the method, region (for a caller's
/// call; admin calls have none) and request it came with: the same token
/// and message sent to another region is another request.
fn client_token<T: prost::Message>(
    request: &Request<T>,
    region: Option<Region>,
) -> Result<Option<ClientToken>, ApiError> {
    let Some(value) = request.metadata().get(CLIENT_TOKEN_HEADER) else {
        return Ok(None);
    };
    let token = client_token_text(value.as_bytes())?;
    let method = request_log(request)
        .map(|log| log.method.clone())
        .unwrap_or_default();
    let mut fingerprint = method.into_bytes();
    fingerprint.push(b'\n');
    if let Some(region) = region {
        fingerprint.extend_from_slice(region.name.as_bytes());
        fingerprint.push(b'\n');
    }
    request
        .get_ref()
        .encode(&mut fingerprint)
        .map_err(|_| ApiError::internal())?;
    Ok(Some(ClientToken {
        token: token.to_owned(),
        fingerprint,
    }))
}

/// The token after `Bearer `, if the header is there and well formed.
fn bearer_token(metadata: &MetadataMap) -> Result<&str, ApiError> {
    let malformed = || {
        ApiError::new(
            ErrorCode::AuthInvalidAuthorization,
            "metadata authorization must be \"Bearer <SecretId>\"",
        )
    };
    let value = metadata.get("authorization").ok_or_else(malformed)?;
    let text = value.to_str().map_err(|_| malformed())?;
    bearer(text).ok_or_else(malformed)
}

/// The token of an `authorization` value `Bearer <token>` (any case,
/// surrounding spaces ignored), if it is one.
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The end of every refused admin call's message.
const HOW_TO_SEND_THE_ADMIN_TOKEN: &str = "send metadata authorization \"Bearer <admin token>\" \
     with the token the server was given by --admin-token or VPCSIM_ADMIN_TOKEN \
     (vpcsim seed, dump and bench take the same flag and variable)";

/// Compares secrets in time that does not depend on where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The region of a call: `x-tc-region`, or the server's default.
pub fn region<T>(state: &AppState, request: &Request<T>) -> Result<Region, ApiError> {
    match request.metadata().get(REGION_HEADER) {
        None => Ok(state.default_region),
        Some(value) => match value.to_str() {
            Ok(text) if !text.is_empty() => Region::parse(text),
            _ => Err(region::unsupported(
                "metadata x-tc-region must name a region",
            )),
        },
    }
}

/// Authenticates the caller of a Peering or Vpc call of `action`.
pub async fn caller<T: prost::Message>(
    state: &AppState,
    request: &Request<T>,
    action: ActionName,
) -> Result<Caller, ApiError> {
    let log = request_log(request);
    if let Some(log) = &log {
        log.set_action(action);
    }
    let secret_id = bearer_token(request.metadata())?;
    let account = state
        .store()
        .account_by_secret_id(secret_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::AuthSecretIdNotFound,
                "the SecretId in authorization is not known",
            )
        })?;
    if let Some(log) = &log {
        log.set_caller(&account.uin);
    }
    let region = region(state, request)?;
    Ok(Caller {
        client_token: client_token(request, Some(region))?,
        request_id: request_id(request),
        uin: account.uin,
        region,
    })
}

/// Lets an admin call through: with an admin token set, only callers who
/// present it; without one the server listens on loopback only. Fails
/// at once with InternalError once the writer has failed.
pub fn admin<T: prost::Message>(state: &AppState, request: &Request<T>) -> Result<Actor, ApiError> {
    state.store().check_writer()?;
    if let Some(expected) = &state.admin_token {
        // Say what is needed and where it comes from: the caller may not
        // know that this server was started with a token.
        let token = bearer_token(request.metadata()).map_err(|_| {
            ApiError::new(
                ErrorCode::AuthInvalidAuthorization,
                format!(
                    "admin calls to this server need its admin token: {HOW_TO_SEND_THE_ADMIN_TOKEN}"
                ),
            )
        })?;
        if !constant_time_eq(token.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::new(
                ErrorCode::AuthInvalidAdminToken,
                format!("the admin token is not valid: {HOW_TO_SEND_THE_ADMIN_TOKEN}"),
            ));
        }
    }
    if let Some(log) = request_log(request) {
        log.set_caller("admin");
    }
    Ok(Actor {
        uin: "admin".to_owned(),
        request_id: request_id(request),
        client_token: client_token(request, None)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let mut md = MetadataMap::new();
        assert!(bearer_token(&md).is_err());
        md.insert("authorization", "Bearer AKIDabc".parse().unwrap());
        assert_eq!(bearer_token(&md).unwrap(), "AKIDabc");
        md.insert("authorization", "bearer  AKIDabc ".parse().unwrap());
        assert_eq!(bearer_token(&md).unwrap(), "AKIDabc");
        md.insert("authorization", "Basic AKIDabc".parse().unwrap());
        assert_eq!(
            bearer_token(&md).unwrap_err().code,
            ErrorCode::AuthInvalidAuthorization
        );
        md.insert("authorization", "Bearer".parse().unwrap());
        assert!(bearer_token(&md).is_err());
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
