//! `vpcsim serve`.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use tokio::net::TcpListener;

use super::{parse_region, read_scenario, seconds};
use crate::{
    action::throttle::RateLimitSetting,
    domain::region::Region,
    scenario::Format,
    server::{self, ServerConfig},
    store::{DbLocation, ScenarioLoad},
    transport::tls::TlsSource,
};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (a name such as localhost:50051, or an
    /// IP); port 0 picks a free one. Beyond loopback an admin token is required.
    #[arg(long, env = "VPCSIM_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: String,
    /// SQLite database file, created if missing; `:memory:` for a throwaway one.
    #[arg(long, env = "VPCSIM_DB", default_value = "vpcsim.db")]
    pub db: DbLocation,
    /// Region of calls without `x-tc-region` metadata.
    #[arg(long, env = "VPCSIM_REGION", default_value = "ap-guangzhou", value_parser = parse_region)]
    pub region: Region,
    /// Token that AdminService calls must present as `authorization: Bearer <token>`.
    #[arg(
        long,
        env = "VPCSIM_ADMIN_TOKEN",
        hide_env_values = true,
        conflicts_with = "admin_token_file"
    )]
    pub admin_token: Option<String>,
    /// File that holds the admin token (a container secret such as
    /// /run/secrets/vpcsim_admin_token); surrounding whitespace is ignored.
    #[arg(long, env = "VPCSIM_ADMIN_TOKEN_FILE", value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// Seed for generated ids, so that they repeat from run to run.
    #[arg(long, env = "VPCSIM_ID_SEED")]
    pub id_seed: Option<u64>,
    /// Scenario to load at start (the database must be empty, or use --reset
    /// or --keep-state); Reset calls load it again.
    #[arg(long, env = "VPCSIM_SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// Format of --scenario; by default from its extension.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Empty the database at start.
    #[arg(long, conflicts_with = "keep_state")]
    pub reset: bool,
    /// Load --scenario only into an empty database: a database that already
    /// holds state keeps it, so a restarted backend carries on where it was.
    #[arg(long, env = "VPCSIM_KEEP_STATE", requires = "scenario")]
    pub keep_state: bool,
    /// Seconds that calls in flight may take to finish after SIGTERM or ctrl-c.
    #[arg(long, env = "VPCSIM_SHUTDOWN_GRACE", default_value_t = 10.0)]
    pub shutdown_grace: f64,
    /// Seconds between folds of the write-ahead log into the database file
    /// while serving (after writes only); 0 leaves it to SQLite. Every clean
    /// stop folds it in any case.
    #[arg(long, env = "VPCSIM_CHECKPOINT_INTERVAL", default_value_t = 60.0)]
    pub checkpoint_interval: f64,
    /// Serve TLS with this PEM certificate (chain); needs --tls-key.
    #[arg(
        long,
        env = "VPCSIM_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(
        long,
        env = "VPCSIM_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Serve TLS with a self-signed certificate for localhost, 127.0.0.1, ::1
    /// and each --tls-name, kept in DIR as cert.pem (what clients trust) and
    /// key.pem, and reused while it covers those names.
    #[arg(long, env = "VPCSIM_TLS_SELF_SIGNED", value_name = "DIR")]
    pub tls_self_signed: Option<PathBuf>,
    /// Another DNS name or IP for the self-signed certificate; repeat it, or
    /// separate names with commas.
    #[arg(
        long = "tls-name",
        env = "VPCSIM_TLS_NAMES",
        value_name = "NAME",
        value_delimiter = ',',
        requires = "tls_self_signed"
    )]
    pub tls_names: Vec<String>,
    /// Throttle like the real API: N requests per second per account and
    /// action (`20`), or for one action (`CreateVpc=5`); repeat it, or
    /// separate limits with commas. Calls over it get RequestLimitExceeded.
    /// Off by default; AdminService SetRateLimit changes it while serving.
    #[arg(
        long = "rate-limit",
        env = "VPCSIM_RATE_LIMIT",
        value_name = "[ACTION=]N",
        value_delimiter = ','
    )]
    pub rate_limits: Vec<RateLimitSetting>,
    /// Serve the web console at /ui on the same port: the network drawn
    /// live, the events and calls, and the clock, snapshot, fault and reset
    /// controls. Beyond loopback it needs the admin token, as AdminService
    /// does.
    #[arg(long, env = "VPCSIM_UI")]
    pub ui: bool,
}

impl ServeArgs {
    pub fn server_config(&self) -> anyhow::Result<ServerConfig> {
        let start_scenario = match &self.scenario {
            None => None,
            Some(path) => {
                let file = read_scenario(path, self.format)?;
                Some(ScenarioLoad {
                    scenario: Arc::new(file.scenario),
                    text: file.text.into(),
                    source: file.source,
                    default_region: self.region,
                    replace: false,
                })
            }
        };
        Ok(ServerConfig {
            db: self.db.clone(),
            default_region: self.region,
            admin_token: self.admin_token()?,
            id_seed: self.id_seed,
            start_scenario,
            reset: self.reset,
            keep_state: self.keep_state,
            shutdown_grace: seconds("--shutdown-grace", self.shutdown_grace, true)?,
            checkpoint_interval: seconds("--checkpoint-interval", self.checkpoint_interval, true)?,
            tls: self.tls_source(),
            rate_limits: self.rate_limits.clone(),
            ui: self.ui,
        })
    }
}

impl ServeArgs {
    /// The admin token, from the flag (or its env) or from the file.
    fn admin_token(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.admin_token_file else {
            return Ok(self.admin_token.clone());
        };
        let text = std::fs::read_to_string(path).map_err(|err| {
            anyhow::anyhow!("reading the admin token file {}: {err}", path.display())
        })?;
        let token = text.trim();
        if token.is_empty() {
            anyhow::bail!("the admin token file {} is empty", path.display());
        }
        Ok(Some(token.to_owned()))
    }

    /// TLS from the flags; clap has made sure they agree.
    fn tls_source(&self) -> Option<TlsSource> {
        match (&self.tls_cert, &self.tls_key, &self.tls_self_signed) {
            (Some(cert), Some(key), _) => Some(TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (_, _, Some(dir)) => Some(TlsSource::SelfSigned {
                dir: dir.clone(),
                names: self.tls_names.clone(),
            }),
            _ => None,
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Before anything can report the server up.
    let shutdown = crate::server::shutdown_signal();
    let config = args.server_config()?;
    let listener = bind(&args.listen, config.admin_token.as_deref()).await?;
    server::run(config, listener, shutdown).await
}

/// Resolves `listen` (a host name or an IP, with a port) and binds the first
/// address that takes, as `TcpListener::bind` would; every address it may
/// resolve to must pass the exposure check, so a name cannot smuggle in a
/// public interface.
async fn bind(listen: &str, admin_token: Option<&str>) -> anyhow::Result<TcpListener> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}; give HOST:PORT, such as 127.0.0.1:50051 or localhost:50051"))?
        .collect();
    for addr in &addrs {
        server::check_exposure(*addr, admin_token)?;
    }
    let mut last_error = None;
    for addr in &addrs {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            // The address tried, unless it is what `listen` says already.
            Err(err) if addr.to_string() == listen => last_error = Some(err.to_string()),
            Err(err) => last_error = Some(format!("{addr}: {err}")),
        }
    }
    anyhow::bail!(
        "cannot listen on {listen}: {}",
        last_error.unwrap_or_else(|| "it resolves to no address".into())
    )
}
