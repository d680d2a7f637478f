//! The `vpcsim` command line.

use std::{net::SocketAddr, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};

use crate::{domain::region::Region, server::ServerConfig, store::DbLocation};

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
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. Beyond loopback an admin token is required.
    #[arg(long, env = "VPCSIM_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// SQLite database file, created if missing; `:memory:` for a throwaway one.
    #[arg(long, env = "VPCSIM_DB", default_value = "vpcsim.db")]
    pub db: DbLocation,
    /// Region of calls without `x-tc-region` metadata.
    #[arg(long, env = "VPCSIM_REGION", default_value = "ap-guangzhou", value_parser = parse_region)]
    pub region: Region,
    /// Token that AdminService calls must present as `authorization: Bearer <token>`.
    #[arg(long, env = "VPCSIM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Seed for generated ids, so that they repeat from run to run.
    #[arg(long, env = "VPCSIM_ID_SEED")]
    pub id_seed: Option<u64>,
    /// Seconds that calls in flight may take to finish after SIGTERM or ctrl-c.
    #[arg(long, env = "VPCSIM_SHUTDOWN_GRACE", default_value_t = 10.0)]
    pub shutdown_grace: f64,
}

fn parse_region(text: &str) -> Result<Region, String> {
    Region::parse(text).map_err(|e| e.message)
}

impl ServeArgs {
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            db: self.db.clone(),
            default_region: self.region,
            admin_token: self.admin_token.clone(),
            id_seed: self.id_seed,
            shutdown_grace: Duration::from_secs_f64(self.shutdown_grace.max(0.0)),
        }
    }
}
