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
    let url = url(server, ca_cert);
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

/// The URL `connect` dials for `server`: as given with a scheme, else
/// https with a certificate to trust and plain http without.
fn url(server: &str, ca_cert: Option<&Path>) -> String {
    match (server.contains("://"), ca_cert) {
        (true, _) => server.to_owned(),
        (false, None) => format!("http://{server}"),
        (false, Some(_)) => format!("https://{server}"),
    }
}

/// A connection to the server that ended before the server answered: it
/// stopped, crashed, or is not a gRPC server. Whatever the call asked may
/// or may not have been done; a command that wrote says so.
#[derive(Debug, thiserror::Error)]
#[error(
    "{server} closed the connection before it answered ({cause}); check that it is a vpcsim \
     server and still running (its log says why it stopped)"
)]
pub struct ConnectionLost {
    pub server: String,
    /// The innermost cause the transport gave, such as `connection reset`.
    pub cause: String,
}

/// Turns the failure of an AdminService call to `server` into a message
/// for the terminal. A call that failed in the transport, not in the
/// server, is told apart: plain gRPC sent to a server that serves TLS gets
/// how to reach it over TLS; any other is a [`ConnectionLost`]. Errors the
/// server answered go through [`status_error`].
pub async fn call_error(
    server: &str,
    ca_cert: Option<&Path>,
    status: tonic::Status,
) -> anyhow::Error {
    use std::error::Error;
    let mut source = status.source();
    let mut transport = false;
    let mut cause = status.message().to_owned();
    while let Some(err) = source {
        transport |= err.is::<tonic::transport::Error>();
        cause = err.to_string();
        source = err.source();
    }
    if !transport {
        return status_error(status);
    }
    let url = url(server, ca_cert);
    if let Some(authority) = url.strip_prefix("http://")
        && serves_tls(authority.trim_end_matches('/')).await
    {
        return anyhow::anyhow!(
            "{server} did not answer plain gRPC: it serves TLS; call it as https://{} with \
             --ca-cert FILE (the cert.pem that `vpcsim serve --tls-self-signed DIR` wrote, or \
             the certificate of its --tls-cert)",
            authority.trim_end_matches('/')
        );
    }
    ConnectionLost {
        server: server.to_owned(),
        cause,
    }
    .into()
}

/// Whether `authority` (HOST:PORT) answers plain text as a TLS server
/// does: vpcsim's own answer to plain text on its TLS port, another
/// server's "HTTP request to an HTTPS server", or a TLS record.
async fn serves_tls(authority: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await.ok()?;
        // What a gRPC client without TLS sends first.
        stream
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .ok()?;
        let mut answer = Vec::new();
        let _ = (&mut stream).take(1024).read_to_end(&mut answer).await;
        Some(answer)
    };
    let Ok(Some(answer)) = tokio::time::timeout(std::time::Duration::from_secs(2), probe).await
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&answer);
    matches!(answer.as_slice(), [0x15 | 0x16, 0x03, ..])
        || text.contains("serves TLS")
        || text.contains("HTTPS server")
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
