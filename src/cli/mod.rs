//! The `vpcsim` command line: one file per subcommand, each parsing its
//! arguments and running.

pub mod check;
pub mod dump;
pub mod generate;
pub mod health;
pub mod seed;
pub mod serve;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::{
    domain::region::Region,
    proto::admin_service_client::AdminServiceClient,
    scenario::{self, Format, Scenario, ScenarioErrors},
};

#[derive(Debug, Parser)]
#[command(
    name = "vpcsim",
    version,
    about = "A persistent simulator of Tencent Cloud's VPC peering API, over gRPC"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, env = "VPCSIM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the gRPC API.
    Serve(serve::ServeArgs),
    /// Load a scenario file into a database or a running server.
    Seed(seed::SeedArgs),
    /// Write the whole state as a scenario.
    Dump(dump::DumpArgs),
    /// Write a large, valid, deterministic scenario for load tests.
    Generate(generate::GenerateArgs),
    /// Verify every invariant of the rules over a database; exits 1 on violations.
    Check(check::CheckArgs),
    /// Measure throughput and latency over real gRPC and API 3.0 (see BENCHMARKS.md).
    Bench(crate::bench::BenchArgs),
    /// Ask a running server whether it serves; exits 0 only when it does
    /// (for container health checks: no shell or curl needed).
    Health(health::HealthArgs),
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Seed(args) => seed::run(args).await,
        Command::Dump(args) => dump::run(args).await,
        Command::Generate(args) => generate::run(args),
        Command::Check(args) => check::run(args).await,
        Command::Bench(args) => crate::bench::run(args).await,
        Command::Health(args) => health::run(args).await,
    }
}

/// A flag's number of seconds as a duration: finite, not negative, and
/// above zero unless `zero` is allowed.
pub fn seconds(flag: &str, value: f64, zero: bool) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| zero || !d.is_zero())
        .ok_or_else(|| {
            let least = if zero { "0 or more" } else { "above 0" };
            anyhow::anyhow!("{flag} must be a number of seconds, {least} (got {value})")
        })
}

pub fn parse_region(text: &str) -> Result<Region, String> {
    Region::parse(text).map_err(|e| e.message)
}

/// A scenario read from a file (or `-` for stdin), with its text for error
/// positions.
pub struct ScenarioFile {
    pub scenario: Scenario,
    pub text: String,
    pub source: String,
    pub format: Format,
}

/// Reads and parses a scenario; errors carry file, line and column.
pub fn read_scenario(path: &Path, format: Option<Format>) -> anyhow::Result<ScenarioFile> {
    let (text, source) = if path == Path::new("-") {
        (
            std::io::read_to_string(std::io::stdin()).context("reading the scenario from stdin")?,
            "<stdin>".to_owned(),
        )
    } else {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        (text, path.display().to_string())
    };
    let format = format.unwrap_or_else(|| Format::from_path(path));
    let scenario = scenario::parse(&text, format, &source)
        .map_err(|e: ScenarioErrors| anyhow::anyhow!("{e}"))?;
    Ok(ScenarioFile {
        scenario,
        text,
        source,
        format,
    })
}

/// Where a command finds the state: a database file or a running server.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// SQLite database file.
    #[arg(
        long,
        env = "VPCSIM_DB",
        default_value = "vpcsim.db",
        conflicts_with = "server",
        value_parser = crate::store::parse_db_file
    )]
    pub db: PathBuf,
    /// A running server, such as 127.0.0.1:50051, reached through AdminService;
    /// https://localhost:50051 for one that serves TLS.
    #[arg(long)]
    pub server: Option<String>,
    /// Certificate to trust for a server that serves TLS (the cert.pem that
    /// `serve --tls-self-signed DIR` writes); implies https.
    #[arg(long, env = "VPCSIM_CA_CERT", requires = "server")]
    pub ca_cert: Option<PathBuf>,
    /// Admin token of the server, when it has one.
    #[arg(long, env = "VPCSIM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

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

/// Writes a command's result to `path`, or to stdout. A reader that went
/// away (`vpcsim dump | head`) is not an error: it had what it wanted.
pub fn write_output(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match path {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(err).context("writing to stdout")
                }
                _ => Ok(()),
            }
        }
    }
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
