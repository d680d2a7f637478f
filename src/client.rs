//! How the vpcsim commands reach a running server: a gRPC channel (plain
//! or TLS), an AdminService client with the admin token, and gRPC errors
//! turned into messages for the terminal. `cli` and `bench` both use it.

use std::path::Path;

use anyhow::Context;

use crate::proto::admin_service_client::AdminServiceClient;

/// A request to AdminService carrying the admin token, if any.
pub fn admin_request<T>(message: T, token: Option<&str>) -> anyhow::Result<tonic::Request<T>> {
    let mut request = tonic::Request::new(message);
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        let value = format!("Bearer {token}")
            .parse()
            .context("the admin token is not a valid header value")?;
        request.metadata_mut().insert("authorization", value);
    }
    Ok(request)
}

/// An AdminService client for `server`: plain http, or https (an
/// `https://` address, or any address with `ca_cert`) trusting `ca_cert`.
pub async fn connect_admin(
    server: &str,
    ca_cert: Option<&Path>,
) -> anyhow::Result<AdminServiceClient<tonic::transport::Channel>> {
    let channel = connect(server, ca_cert).await?;
    // Scenarios of 100,000 peerings run to tens of megabytes.
    Ok(AdminServiceClient::new(channel)
        .max_decoding_message_size(crate::server::MAX_SCENARIO_BYTES)
        .max_encoding_message_size(crate::server::MAX_SCENARIO_BYTES))
}

/// A gRPC channel to `server`, as `connect_admin` reaches it.
pub async fn connect(
    server: &str,
    ca_cert: Option<&Path>,
) -> anyhow::Result<tonic::transport::Channel> {
    let url = match (server.contains("://"), ca_cert) {
        (true, _) => server.to_owned(),
        (false, None) => format!("http://{server}"),
        (false, Some(_)) => format!("https://{server}"),
    };
    let mut endpoint = tonic::transport::Endpoint::from_shared(url.clone())
        .with_context(|| format!("{server} is not a server address"))?;
    if url.starts_with("https://") {
        let mut tls = tonic::transport::ClientTlsConfig::new();
        match ca_cert {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("reading the certificate {}", path.display()))?;
                tls = tls.ca_certificate(tonic::transport::Certificate::from_pem(pem));
            }
            None => anyhow::bail!(
                "{server} is https: give the certificate to trust with --ca-cert (the cert.pem \
                 that `vpcsim serve --tls-self-signed DIR` wrote)"
            ),
        }
        endpoint = endpoint
            .tls_config(tls)
            .with_context(|| format!("setting up TLS for {server}"))?;
    }
    endpoint
        .connect()
        .await
        .with_context(|| format!("cannot reach vpcsim at {server}"))
}

/// Turns a gRPC error of an AdminService call into a message for the
/// terminal; a refused admin token also gets a hint on how to give one.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    use tonic_types::StatusExt;
    // An account's SecretId is not this command's business; any other
    // refusal of an admin call is about the admin token.
    let reason = status
        .get_error_details()
        .error_info()
        .map(|i| i.reason.clone());
    let token_refused = status.code() == tonic::Code::Unauthenticated
        && reason.as_deref() != Some(crate::domain::ErrorCode::AuthSecretIdNotFound.as_str());
    if token_refused {
        anyhow::anyhow!(
            "{}\nhint: give this command the server's admin token with --admin-token or the \
             VPCSIM_ADMIN_TOKEN environment variable",
            status.message()
        )
    } else {
        anyhow::anyhow!("{}", status.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApiError, ErrorCode};

    #[test]
    fn a_refused_admin_token_gets_a_hint_and_other_errors_do_not() {
        for code in [
            ErrorCode::AuthInvalidAuthorization,
            ErrorCode::AuthInvalidAdminToken,
        ] {
            let message = status_error(ApiError::new(code, "refused").into()).to_string();
            assert!(message.contains("\nhint: "), "{message}");
            assert!(message.contains("--admin-token") && message.contains("VPCSIM_ADMIN_TOKEN"));
        }
        // A server too old to send details still gets the hint.
        let bare = status_error(tonic::Status::unauthenticated("no")).to_string();
        assert!(bare.contains("hint: "), "{bare}");
        for code in [
            ErrorCode::AuthSecretIdNotFound,
            ErrorCode::InvalidParameterValue,
        ] {
            let message = status_error(ApiError::new(code, "refused").into()).to_string();
            assert_eq!(message, format!("{code}: refused"));
        }
    }
}
