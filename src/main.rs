//! The `vpcsim` binary: parses the command line, sets up logging, runs the
//! subcommand.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::{EnvFilter, fmt};
use vpcsim::cli::{self, Cli, LogFormat};

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("VPCSIM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = cli.check() {
        err.exit();
    }
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("vpcsim: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("vpcsim: {}", cli::error_text(&err));
            match err.downcast_ref::<cli::seed::SeedStopped>() {
                Some(stopped) => ExitCode::from(stopped.signal.exit_status()),
                None => ExitCode::FAILURE,
            }
        }
    }
}
