//! `vpcsim seed FILE`: loads a scenario into a database file, or into a
//! running server through `AdminService.LoadScenario`.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressStyle};

use super::{ScenarioFile, Target, parse_region, read_scenario};
use crate::{
    client::{ConnectionLost, admin_request, call_error, connect_admin},
    domain::{
        ErrorCode,
        region::{DEFAULT_REGION, Region},
    },
    proto,
    scenario::Format,
    server::{StopSignal, stop_signal},
    store::{
        Actor, DbLocation, DbLock, LoadError, LoadProgress, LoadSummary, OpenFailed, OpenStore,
        Owner, ScenarioLoad, StartOptions, WriterFailure,
    },
};

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Scenario file (YAML or JSON); `-` reads stdin.
    pub file: PathBuf,
    #[command(flatten)]
    pub target: Target,
    /// Empty the state first; by default the scenario merges, refusing ids that exist.
    #[arg(long)]
    pub replace: bool,
    /// Format of the file; by default from its extension (stdin: yaml).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Region of scenario entries that name none [default: the server's
    /// region with --server, else ap-guangzhou].
    #[arg(long, env = "VPCSIM_REGION", value_parser = parse_region)]
    pub region: Option<Region>,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = read_scenario(&args.file, args.format)?;
    let rows = (file.scenario.accounts.len()
        + file.scenario.quotas.len()
        + file.scenario.vpcs.len()
        + file.scenario.peerings.len()) as u64;
    let summary = match &args.target.server {
        Some(server) => {
            let mut admin = connect_admin(server, args.target.ca_cert.as_deref()).await?;
            let request = proto::LoadScenarioRequest {
                content: file.text,
                format: match file.format {
                    Format::Yaml => "yaml".into(),
                    Format::Json => "json".into(),
                },
                source_name: file.source,
                replace: args.replace,
                default_region: args.region.map(|r| r.name.to_owned()).unwrap_or_default(),
            };
            let response = match admin
                .load_scenario(admin_request(request, args.target.admin_token.as_deref())?)
                .await
            {
                Ok(response) => response.into_inner(),
                Err(status) => {
                    let ca_cert = args.target.ca_cert.as_deref();
                    return Err(lost_during_load(call_error(server, ca_cert, status).await));
                }
            };
            LoadSummary {
                accounts: response.accounts as u64,
                quotas: response.quotas as u64,
                vpcs: response.vpcs as u64,
                peerings: response.peerings as u64,
                faults: response.faults as u64,
                subnets: response.subnets as u64,
                route_tables: response.route_tables as u64,
                routes: response.routes as u64,
            }
        }
        None => seed_database(&args, file, rows).await?,
    };
    let faults = match summary.faults {
        0 => String::new(),
        n => format!(", {n} fault rules"),
    };
    // Only a scenario with a network says so: the others print as before.
    let network = if summary.subnets + summary.route_tables + summary.routes > 0 {
        format!(
            ", {} subnets, {} route tables, {} routes",
            summary.subnets, summary.route_tables, summary.routes
        )
    } else {
        String::new()
    };
    eprintln!(
        "seeded {} accounts, {} quotas, {} vpcs, {} peerings{network}{faults} in {:.2} s",
        summary.accounts,
        summary.quotas,
        summary.vpcs,
        summary.peerings,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A connection lost during a load through a server, said as what it
/// means for the state: the load may or may not have been applied.
fn lost_during_load(err: anyhow::Error) -> anyhow::Error {
    let Some(lost) = err.downcast_ref::<ConnectionLost>() else {
        return err;
    };
    let server = &lost.server;
    anyhow::anyhow!(
        "{server} closed the connection during the load, before it answered ({}): the scenario \
         may or may not have been loaded (all or nothing). Check the server's log, see the state \
         with `vpcsim dump --server {server}`, and seed again if it is not there",
        lost.cause
    )
}

/// Why a seed into a file stopped early: a signal, with the one line that
/// says what became of the file. `main` exits with the signal's status.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}: {outcome}", signal.name())]
pub struct SeedStopped {
    pub signal: StopSignal,
    outcome: String,
}

/// Loads `file` straight into the database file: all of it, or nothing.
/// A seed that fails, or that SIGINT or SIGTERM stops, leaves a new file
/// removed and an existing one as it was, and its file is whole either way
/// (the write-ahead log folded in and removed).
async fn seed_database(
    args: &SeedArgs,
    file: ScenarioFile,
    rows: u64,
) -> anyhow::Result<LoadSummary> {
    let db = &args.target.db;
    // From here on a signal stops the seed through the loader, not by
    // killing it in the middle of its transaction.
    let signal = stop_signal();
    let lock = DbLock::acquire(
        &DbLocation::File(db.clone()),
        Owner::Command {
            name: "seed".into(),
        },
    )?;
    let created = lock.created_database();
    let progress = Arc::<LoadProgress>::default();
    let (seeded, stopped_by) = {
        let seeding = seed_file(lock, args, file, rows, progress.clone());
        tokio::pin!(seeding, signal);
        tokio::select! {
            seeded = &mut seeding => (seeded, None),
            stop = &mut signal => {
                progress.stop();
                // A second signal does not wait for the load to stop.
                let again = stop_signal();
                tokio::select! {
                    seeded = &mut seeding => (seeded, Some(stop)),
                    again = again => {
                        eprintln!(
                            "vpcsim: stopped by a second {}: leaving at once; nothing was \
                             committed, and {} may keep -wal and .lock files until it is next opened",
                            again.name(),
                            db.display()
                        );
                        std::process::exit(again.exit_status().into());
                    }
                }
            }
        }
    };
    let (seeded, lock) = seeded;
    // A seed that fails leaves no trace, not even a new empty file;
    // removed while the lock still keeps everyone else out.
    if seeded.is_err() && created {
        remove_database(db);
    }
    lock.release();
    // Stopped, if the load failed as a stopped load does; a scenario error
    // found first is still reported as what it is.
    let stopped = |err: &anyhow::Error| {
        progress.is_stopped() && matches!(err.downcast_ref::<LoadError>(), Some(LoadError::Api(_)))
    };
    match (seeded, stopped_by) {
        (Err(err), Some(signal)) if stopped(&err) => Err(SeedStopped {
            signal,
            outcome: if created {
                format!(
                    "nothing was seeded; {} was new and is removed",
                    db.display()
                )
            } else {
                format!("nothing was seeded; {} is as it was", db.display())
            },
        }
        .into()),
        // Done before the stop took effect: the seed is whole.
        (seeded, _) => seeded.map_err(|err| explain_write_failure(err, db)),
    }
}

/// An error of a seed into a file, said for whoever runs it: there is no
/// server whose log holds the cause of an internal error, so the cause is
/// the message, with what to do when the disk is full.
fn explain_write_failure(err: anyhow::Error, db: &std::path::Path) -> anyhow::Error {
    let cause = match (
        err.downcast_ref::<LoadError>(),
        err.downcast_ref::<WriterFailure>(),
    ) {
        (Some(LoadError::Api(api)), _) if api.code == ErrorCode::InternalError => {
            match &api.source {
                Some(source) => source.to_string(),
                None => return err,
            }
        }
        (_, Some(failure @ WriterFailure::Database(_))) => failure.to_string(),
        _ => return err,
    };
    // SQLITE_FULL (13), and the write errors of a file that cannot grow.
    let full = [
        "(code: 13)",
        "disk is full",
        "disk I/O error",
        "(code: 778)",
    ]
    .iter()
    .any(|sign| cause.contains(sign));
    let hint = if full {
        "\nhint: the disk (or the file size limit) may be full: free some space, or seed into a \
         file on another disk with --db PATH"
    } else {
        ""
    };
    anyhow::anyhow!(
        "writing the database {} failed: {cause}; nothing was seeded{hint}",
        db.display()
    )
}

/// Removes a database file and its companions, for a seed that created it
/// and then failed. The lock file goes with `DbLock::release`.
fn remove_database(db: &std::path::Path) {
    let mut files = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        files.push(name.into());
    }
    for file in files {
        let _ = std::fs::remove_file(file);
    }
}

/// Loads `file` into the database file `lock` holds, and closes it; the
/// lock comes back still held, however the seed went, for its caller to
/// remove a file the seed made before letting go.
async fn seed_file(
    lock: DbLock,
    args: &SeedArgs,
    file: ScenarioFile,
    rows: u64,
    progress: Arc<LoadProgress>,
) -> (anyhow::Result<LoadSummary>, DbLock) {
    let open = match OpenStore::open(lock, StartOptions::default()).await {
        Ok(open) => open,
        Err(OpenFailed { error, lock }) => return (Err(error), lock),
    };
    let load = ScenarioLoad {
        scenario: Arc::new(file.scenario),
        text: file.text.into(),
        source: file.source,
        default_region: args.region.unwrap_or(DEFAULT_REGION),
        replace: args.replace,
    };
    let bar = ProgressBar::new(rows).with_style(
        ProgressStyle::with_template(
            "{spinner} seeding [{bar:40}] {pos}/{len} rows ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                bar.set_position(progress.rows());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let actor = Actor {
        uin: "admin".into(),
        request_id: "seed".into(),
        client_token: None,
    };
    tracing::debug!(rows, db = %args.target.db.display(), "loading the scenario");
    let result = open.store.load_scenario(actor, load, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    // A writer that failed to close says so before the load's own error;
    // but a log left unfolded after a failed load is no news: the load's
    // error says why (often the same full disk).
    let (closed, lock) = open.close().await;
    let unfolded = closed
        .as_ref()
        .is_err_and(|e| matches!(e.downcast_ref(), Some(WriterFailure::Unfolded)));
    let closed = if unfolded && result.is_err() {
        Ok(())
    } else {
        closed
    };
    (closed.and(result.map_err(anyhow::Error::from)), lock)
}
