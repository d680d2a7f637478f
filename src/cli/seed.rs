//! `vpcsim seed FILE`: loads a scenario into a database file, or into a
//! running server through `AdminService.LoadScenario`.

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressStyle};

use super::{
    ScenarioFile, Target, admin_request, connect_admin, parse_region, read_scenario, status_error,
};
use crate::{
    domain::region::{DEFAULT_REGION, Region},
    proto,
    scenario::Format,
    store::{Actor, DbLocation, DbLock, LoadSummary, Owner, ScenarioLoad, Store},
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
            let response = admin
                .load_scenario(admin_request(request, args.target.admin_token.as_deref())?)
                .await
                .map_err(status_error)?
                .into_inner();
            LoadSummary {
                accounts: response.accounts as u64,
                quotas: response.quotas as u64,
                vpcs: response.vpcs as u64,
                peerings: response.peerings as u64,
                faults: response.faults as u64,
            }
        }
        None => {
            let db = &args.target.db;
            let lock = DbLock::acquire(
                &DbLocation::File(db.clone()),
                Owner::Command {
                    name: "seed".into(),
                },
            )?;
            // Only once the lock is held: before, another seed may still be
            // creating the file.
            let created = !db.exists();
            let seeded = seed_file(&lock, &args, file, rows).await;
            // A seed that fails leaves no trace, not even a new empty file;
            // removed while the lock still keeps everyone else out.
            if seeded.is_err() && created {
                remove_database(db);
            }
            lock.release();
            seeded?
        }
    };
    let faults = match summary.faults {
        0 => String::new(),
        n => format!(", {n} fault rules"),
    };
    eprintln!(
        "seeded {} accounts, {} quotas, {} vpcs, {} peerings{faults} in {:.2} s",
        summary.accounts,
        summary.quotas,
        summary.vpcs,
        summary.peerings,
        started.elapsed().as_secs_f64()
    );
    Ok(())
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

/// Loads `file` straight into the database file its caller holds.
async fn seed_file(
    lock: &DbLock,
    args: &SeedArgs,
    file: ScenarioFile,
    rows: u64,
) -> anyhow::Result<LoadSummary> {
    let (store, writer) = Store::open(lock, None).await?;
    let writer = writer.spawn();
    let load = ScenarioLoad {
        scenario: Arc::new(file.scenario),
        text: file.text.into(),
        source: file.source,
        default_region: args.region.unwrap_or(DEFAULT_REGION),
        replace: args.replace,
    };
    let progress = Arc::new(AtomicU64::new(0));
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
                bar.set_position(progress.load(Ordering::Relaxed));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let actor = Actor {
        uin: "admin".into(),
        request_id: "seed".into(),
        client_token: None,
    };
    let result = store.load_scenario(actor, load, progress).await;
    ticker.abort();
    bar.finish_and_clear();
    writer.stop().await?;
    store.close().await;
    Ok(result?)
}
