//! `vpcsim bench`: a load generator over real gRPC and API 3.0, and the
//! measurements behind BENCHMARKS.md.
//!
//! Method: the bench starts a `vpcsim serve` process of its own (the same
//! binary) on 127.0.0.1:0 with a fresh database in a temporary directory, seeds
//! the state a workload needs, then runs N client tasks, each with its own
//! connection (HTTP/2 for gRPC, HTTP/1.1 keep-alive for API 3.0), for a fixed
//! time after a warm-up. Every call's latency
//! goes into a histogram. Client and server share the machine, so the figure
//! to compare is the ratio to `baseline` (the gRPC health Check on the same
//! server, the cheapest call it answers) measured in the same run.

mod api3;
mod report;
mod setup;
mod workload;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::ValueEnum;

pub use report::{Report, Row};
pub use workload::Workload;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Workloads, comma-separated; `all` runs every one and the start-up and
    /// seeding measurements.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub workload: Vec<Choice>,
    /// Concurrent clients, each with its own connection.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Seconds measured per workload, after the warm-up.
    #[arg(long, default_value_t = 5.0)]
    pub duration: f64,
    /// Seconds run before measuring.
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Peerings in the database that `describe` and `mixed` read.
    #[arg(long, default_value_t = 1_000_000)]
    pub describe_peerings: usize,
    /// Target a running server instead of starting one. Its state is REPLACED
    /// by each workload's setup (through LoadScenario).
    #[arg(long)]
    pub server: Option<String>,
    /// Admin token of the --server, when it has one.
    #[arg(long, env = "VPCSIM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the full report, method included, as Markdown to this file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Choice {
    All,
    Baseline,
    Create,
    /// `create` through API 3.0 (signed JSON, HTTP/1.1 keep-alive).
    Api3Create,
    Cross,
    Describe,
    Mixed,
    /// Create latency with 1 and with 1,000 live peers on the hub VPC.
    Hub,
    /// Time from process start to health SERVING.
    Startup,
    /// Seeding rows per second against a bare SQLite bulk insert.
    Seed,
    /// RestoreSnapshot and Reset of a 310,000-row state against bare SQL.
    Restore,
}

/// A `vpcsim serve` process of the bench's own.
pub struct Spawned {
    child: Child,
    pub addr: String,
}

impl Spawned {
    /// Starts the binary on `db`; returns once it logged its address.
    pub fn start(db: &Path) -> anyhow::Result<(Spawned, Instant)> {
        let exe = std::env::current_exe().context("finding the vpcsim binary")?;
        let started = Instant::now();
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--db",
            ])
            .arg(db)
            // One log line per call would cost more than some calls.
            .env("VPCSIM_LOG", "warn,vpcsim::server=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting vpcsim serve")?;
        let stderr = child.stderr.take().context("server stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                bail!("vpcsim serve exited before serving")
            };
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                && event["message"] == "vpcsim serving"
            {
                break event["addr"].as_str().unwrap_or_default().to_owned();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Ok((Spawned { child, addr }, started))
    }

    /// Peak resident memory of the server so far, in MiB (Linux only).
    pub fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let all = args.workload.contains(&Choice::All);
    let wants = |c: Choice| all || args.workload.contains(&c);
    let mut report = Report::new(&args);
    let duration = Duration::from_secs_f64(args.duration);
    let warmup = Duration::from_secs_f64(args.warmup);
    let runtime = workload::Runtime {
        clients: args.clients,
        duration,
        warmup,
    };
    let target = setup::Target::new(args.server.clone(), args.admin_token.clone())?;

    // The ceiling first: every ratio is against it.
    let baseline = workload::measure(&target, Workload::Baseline, &runtime, 0).await?;
    report.baseline(baseline);
    for (choice, workload) in [
        (Choice::Create, Workload::Create),
        (Choice::Api3Create, Workload::Api3Create),
        (Choice::Cross, Workload::Cross),
        (Choice::Describe, Workload::Describe),
        (Choice::Mixed, Workload::Mixed),
    ] {
        if wants(choice) {
            let row =
                workload::measure(&target, workload, &runtime, args.describe_peerings).await?;
            report.add(row);
        }
    }
    if wants(Choice::Hub) {
        for peers in [1, 1000] {
            let row = workload::hub(&target, peers, &runtime).await?;
            report.add(row);
        }
    }
    if wants(Choice::Startup) && args.server.is_none() {
        report.startup = Some(setup::startup().await?);
    }
    if wants(Choice::Seed) {
        report.seeding = Some(setup::seeding().await?);
    }
    if wants(Choice::Restore) && args.server.is_none() {
        report.restoring = Some(setup::restoring().await?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, report.markdown())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
