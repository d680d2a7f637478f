//! `vpcsim dump`: writes the whole state as a scenario.

use std::path::PathBuf;

use super::Target;
use crate::{
    client::{admin_request, call_error, connect_admin},
    proto,
    scenario::{self, Format},
    store::Store,
};

#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    #[command(flatten)]
    pub target: Target,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Leave out the clock line, which moves with real time, so that dumps
    /// taken before and after a change diff cleanly.
    #[arg(long)]
    pub no_clock: bool,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub async fn run(args: DumpArgs) -> anyhow::Result<()> {
    let text = match &args.target.server {
        Some(server) => {
            let mut admin = connect_admin(server, args.target.ca_cert.as_deref()).await?;
            let format = match args.format {
                Format::Yaml => "yaml",
                Format::Json => "json",
            };
            let request = proto::DumpScenarioRequest {
                format: format.into(),
                omit_clock: args.no_clock,
            };
            let ca_cert = args.target.ca_cert.as_deref();
            match admin
                .dump_scenario(admin_request(request, args.target.admin_token.as_deref())?)
                .await
            {
                Ok(response) => response.into_inner().content,
                Err(status) => return Err(call_error(server, ca_cert, status).await),
            }
        }
        None => {
            // Read-only and in one transaction: safe beside a running server.
            let store = Store::open_read_only(&args.target.db).await?;
            let mut dump = store.dump().await?;
            store.close().await;
            if args.no_clock {
                dump.clock = None;
            }
            scenario::render(&dump, args.format)?
        }
    };
    super::write_output(args.output.as_deref(), &text)
}
