//! `vpcsim dump`: writes the whole state as a scenario, or draws it as a
//! Graphviz or Mermaid graph.

use std::path::PathBuf;

use anyhow::Context;

use super::Target;
use crate::{
    client::{admin_request, call_error, connect_admin},
    domain::time::parse_time,
    proto,
    scenario::{self, Format, Scenario},
    store::Store,
    topology::{RenderOptions, Topology, dot, mermaid},
};

/// What `dump` writes: a scenario, or a picture of it. Its own list, not
/// `scenario::Format`, which other commands read files in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpFormat {
    /// A scenario, as YAML.
    Yaml,
    /// A scenario, as JSON.
    Json,
    /// A Graphviz graph (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

impl DumpFormat {
    /// The scenario format, for the two that write one.
    fn scenario(self) -> Option<Format> {
        match self {
            DumpFormat::Yaml => Some(Format::Yaml),
            DumpFormat::Json => Some(Format::Json),
            DumpFormat::Dot | DumpFormat::Mermaid => None,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    #[command(flatten)]
    pub target: Target,
    /// Output format: a scenario (yaml, json) or a graph of accounts,
    /// regions, VPCs and peerings (dot, mermaid).
    #[arg(long, value_enum, default_value_t = DumpFormat::Yaml)]
    pub format: DumpFormat,
    /// Leave out the clock line, which moves with real time, so that dumps
    /// taken before and after a change diff cleanly.
    #[arg(long)]
    pub no_clock: bool,
    /// Draw DELETED peerings too, and the deleted VPCs only they name
    /// (dot and mermaid only).
    #[arg(long)]
    pub include_deleted: bool,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

impl DumpArgs {
    /// What clap's attributes cannot say: `--include-deleted` is for the
    /// graph formats, since a scenario always holds everything.
    pub fn check(&self) -> Result<(), clap::Error> {
        if self.include_deleted && self.format.scenario().is_some() {
            use clap::{CommandFactory, ValueEnum, error::ErrorKind};
            let format = self
                .format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned());
            let message = format!(
                "--include-deleted is for --format dot or mermaid, not --format {format}: a scenario always holds deleted peerings"
            );
            let mut cli = super::Cli::command();
            cli.build();
            return Err(match cli.find_subcommand_mut("dump") {
                Some(dump) => dump.error(ErrorKind::ArgumentConflict, message),
                None => cli.error(ErrorKind::ArgumentConflict, message),
            });
        }
        Ok(())
    }
}

pub async fn run(args: DumpArgs) -> anyhow::Result<()> {
    let text = match args.format.scenario() {
        Some(format) => scenario_text(&args, format).await?,
        None => {
            let dump = state(&args).await?;
            let clock = dump.clock.as_deref().unwrap_or_default();
            let now = parse_time(clock)
                .with_context(|| format!("the dump's clock {clock:?} is not a time"))?;
            let topology = Topology::build(&dump, now);
            let options = RenderOptions {
                include_deleted: args.include_deleted,
                clock: !args.no_clock,
            };
            match args.format {
                DumpFormat::Mermaid => mermaid::render(&topology, options),
                _ => dot::render(&topology, options),
            }
        }
    };
    super::write_output(args.output.as_deref(), &text)
}

/// The state as a scenario's text, as the server or the store writes it.
async fn scenario_text(args: &DumpArgs, format: Format) -> anyhow::Result<String> {
    Ok(match &args.target.server {
        Some(server) => {
            let format = match format {
                Format::Yaml => "yaml",
                Format::Json => "json",
            };
            dump_scenario(args, server, format, args.no_clock).await?
        }
        None => {
            let mut dump = read_store(args).await?;
            if args.no_clock {
                dump.clock = None;
            }
            scenario::render(&dump, format)?
        }
    })
}

/// The state, with its clock: a server's dump read back as a scenario, or
/// the store's.
async fn state(args: &DumpArgs) -> anyhow::Result<Scenario> {
    match &args.target.server {
        Some(server) => {
            let text = dump_scenario(args, server, "json", false).await?;
            scenario::parse(&text, Format::Json, "DumpScenario").map_err(|e| {
                anyhow::anyhow!("{server} sent a dump that does not read as a scenario: {e}")
            })
        }
        None => read_store(args).await,
    }
}

async fn dump_scenario(
    args: &DumpArgs,
    server: &str,
    format: &str,
    omit_clock: bool,
) -> anyhow::Result<String> {
    let ca_cert = args.target.ca_cert.as_deref();
    let mut admin = connect_admin(server, ca_cert).await?;
    let request = proto::DumpScenarioRequest {
        format: format.into(),
        omit_clock,
    };
    match admin
        .dump_scenario(admin_request(request, args.target.admin_token.as_deref())?)
        .await
    {
        Ok(response) => Ok(response.into_inner().content),
        Err(status) => Err(call_error(server, ca_cert, status).await),
    }
}

/// Read-only and in one transaction: safe beside a running server.
async fn read_store(args: &DumpArgs) -> anyhow::Result<Scenario> {
    let store = Store::open_read_only(&args.target.db).await?;
    let dump = store.dump().await;
    store.close().await;
    Ok(dump?)
}
