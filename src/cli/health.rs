//! `vpcsim health`: the gRPC health check of a running server, as a command
//! that exits 0 only when the server reports SERVING. A container's
//! HEALTHCHECK runs it; it needs no shell, curl or grpcurl.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

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
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
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
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| anyhow::anyhow!("--timeout must be a number of seconds above 0"))?;
    let ask = async {
        let channel = super::connect(&server, args.ca_cert.as_deref()).await?;
        let answer = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map_err(|status| anyhow::anyhow!("{server} answered {}", status.message()))?;
        anyhow::Ok(answer.into_inner().status())
    };
    let status = tokio::time::timeout(timeout, ask)
        .await
        .map_err(|_| anyhow::anyhow!("{server} did not answer within {timeout:?}"))??;
    match status {
        ServingStatus::Serving => {
            println!("{server}: SERVING");
            Ok(())
        }
        other => anyhow::bail!(
            "{server}: {} (the server's log says why)",
            other.as_str_name()
        ),
    }
}
