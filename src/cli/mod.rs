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
    scenario::{self, Format, Scenario, ScenarioErrors},
};

#[derive(Debug, Parser)]
#[command(
    name = "vpcsim",
    version = crate::version::LONG,
    about = "A persistent simulator of Tencent Cloud's VPC peering API, over gRPC and its own HTTP APIs"
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
    /// Serve gRPC, Tencent Cloud API 3.0 and the legacy API on one port.
    Serve(serve::ServeArgs),
    /// Load a scenario file into a database or a running server.
    Seed(seed::SeedArgs),
    /// Write the whole state as a scenario, or draw it (Graphviz, Mermaid).
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

impl Cli {
    /// Rules between flags that clap's attributes cannot say, reported as
    /// clap reports its own (usage, exit status 2).
    pub fn check(&self) -> Result<(), clap::Error> {
        match &self.command {
            Command::Dump(args) => args.check(),
            _ => Ok(()),
        }
    }
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

/// An error as the terminal shows it: each cause after the message, as
/// `{:#}` prints them, but not one whose text is already there, since many
/// errors quote their cause (`cannot lock …: Permission denied (os error
/// 13)`, sqlx's `error returned from database: …`) and also return it as
/// their source.
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot lock database x.db: {source}")]
    struct Quoting {
        source: std::io::Error,
    }

    #[test]
    fn error_text_prints_each_cause_once() {
        let io = || std::io::Error::from_raw_os_error(30);
        let quoting = anyhow::Error::from(Quoting { source: io() });
        let text = error_text(&quoting);
        assert_eq!(text, format!("cannot lock database x.db: {}", io()));
        // Causes that the messages do not quote still show, in order.
        let plain = anyhow::Error::from(io())
            .context("opening x.db")
            .context("seeding");
        assert_eq!(
            error_text(&plain),
            format!("seeding: opening x.db: {}", io())
        );
    }
}
