//! `vpcsim health`: the gRPC health check of a running server, as a command
//! that exits 0 only when the server reports SERVING. A container's
//! HEALTHCHECK runs it; it needs no shell, curl or grpcurl.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use super::seconds;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    /// The server to ask, such as 127.0.0.1:50051 (https://localhost:50051
    /// for one that serves TLS) [default: where `serve` would listen, from
    /// VPCSIM_LISTEN, with 0.0.0.0 or :: read as loopback]
    #[arg(long)]
    pub server: Option<String>,
    /// Certificate to trust for a server that serves TLS; implies https.
    #[arg(long, env = "VPCSIM_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    /// Keep asking, for up to this many seconds, until the server serves:
    /// for scripts and services that start beside it.
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<f64>,
}

/// Where a server started with the same environment listens, as a client
/// reaches it: an address that means "every interface" becomes loopback.
fn default_server() -> String {
    let listen = std::env::var("VPCSIM_LISTEN").unwrap_or_else(|_| "127.0.0.1:50051".into());
    match listen.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => {
            let loopback = match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            };
            SocketAddr::new(loopback, addr.port()).to_string()
        }
        _ => listen,
    }
}

pub async fn run(args: HealthArgs) -> anyhow::Result<()> {
    let server = args.server.clone().unwrap_or_else(default_server);
    let timeout = seconds("--timeout", args.timeout, false)?;
    let deadline = match args.wait {
        Some(wait) => Some(tokio::time::Instant::now() + seconds("--wait", wait, false)?),
        None => None,
    };
    loop {
        let asked = tokio::time::timeout(timeout, ask(&server, args.ca_cert.as_deref())).await;
        let outcome = match asked {
            Ok(Ok(ServingStatus::Serving)) => {
                println!("{server}: SERVING");
                return Ok(());
            }
            Ok(Ok(other)) => Err(anyhow::anyhow!(
                "{server}: {} (the server's log says why)",
                other.as_str_name()
            )),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(anyhow::anyhow!(
                "{server} did not answer within {timeout:?}"
            )),
        };
        match deadline {
            Some(deadline) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => return outcome,
        }
    }
}

/// The server's health as a whole (the service named "").
async fn ask(server: &str, ca_cert: Option<&std::path::Path>) -> anyhow::Result<ServingStatus> {
    let channel = crate::client::connect(server, ca_cert).await?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(|status| anyhow::anyhow!("{server} answered {}", status.message()))?;
    Ok(answer.into_inner().status())
}
