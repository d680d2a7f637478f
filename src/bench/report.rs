//! The bench's results: text for a terminal, JSON for tools, Markdown for
//! BENCHMARKS.md, each with the targets and whether they are met.

use std::fmt::Write;

use serde::Serialize;

use super::{
    BenchArgs,
    setup::{Restoring, Seeding, Startup},
};

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub workload: String,
    pub clients: usize,
    pub ops: u64,
    pub seconds: f64,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Clients that ran out of prepared VPC pairs before the end.
    pub exhausted_clients: usize,
    pub ratio_to_baseline: Option<f64>,
    pub server_peak_rss_mib: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: String,
    pub wanted: String,
    pub measured: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: String,
    pub command: String,
    pub clients: usize,
    pub duration_seconds: f64,
    pub describe_peerings: usize,
    pub rows: Vec<Row>,
    pub startup: Option<Startup>,
    pub seeding: Option<Seeding>,
    pub restoring: Option<Restoring>,
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown cpu".into());
    format!(
        "{cpus} cpus, {model}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn minimum(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A row's throughput as a share of the baseline's.
fn vs_baseline(r: &Row) -> String {
    r.ratio_to_baseline
        .map_or("-".into(), |x| format!("{:.1}%", x * 100.0))
}

impl Report {
    pub fn new(args: &BenchArgs) -> Report {
        Report {
            machine: machine(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
            clients: args.clients,
            duration_seconds: args.duration,
            describe_peerings: args.describe_peerings,
            rows: Vec::new(),
            startup: None,
            seeding: None,
            restoring: None,
        }
    }

    pub fn baseline(&mut self, mut row: Row) {
        row.ratio_to_baseline = Some(1.0);
        self.rows.push(row);
    }

    pub fn add(&mut self, mut row: Row) {
        if let Some(base) = self.rows.first().filter(|r| r.workload == "baseline") {
            row.ratio_to_baseline = Some(row.ops_per_sec / base.ops_per_sec);
        }
        self.rows.push(row);
    }

    fn row(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.workload == name)
    }

    /// The targets, with what this run measured.
    pub fn targets(&self) -> Vec<Target> {
        let mut t = Vec::new();
        if let Some(r) = self.row("create") {
            let ratio = r.ratio_to_baseline.unwrap_or(0.0);
            t.push(Target {
                name: format!("create at {} clients", r.clients),
                wanted: ">= 50% of baseline, p99 < 20 ms".into(),
                measured: format!("{:.1}% of baseline, p99 {:.2} ms", ratio * 100.0, r.p99_ms),
                met: ratio >= 0.5 && r.p99_ms < 20.0 && r.errors == 0,
            });
        }
        if let Some(r) = self.row("describe") {
            let ratio = r.ratio_to_baseline.unwrap_or(0.0);
            t.push(Target {
                name: format!("describe on {} peerings", self.describe_peerings),
                wanted: ">= 70% of baseline, p99 < 10 ms (target stated for 1,000,000 peerings)"
                    .into(),
                measured: format!("{:.1}% of baseline, p99 {:.2} ms", ratio * 100.0, r.p99_ms),
                met: ratio >= 0.7 && r.p99_ms < 10.0 && r.errors == 0,
            });
        }
        if let Some(r) = self.row("cross") {
            let ratio = r.ratio_to_baseline.unwrap_or(0.0);
            t.push(Target {
                name: "cross (create + accept)".into(),
                wanted: ">= 25% of baseline".into(),
                measured: format!("{:.1}% of baseline", ratio * 100.0),
                met: ratio >= 0.25 && r.errors == 0,
            });
        }
        if let Some(s) = &self.startup {
            let (empty, small, large) = (
                median(&s.empty_ms),
                median(&s.peerings_100k_ms),
                median(&s.peerings_1m_ms),
            );
            t.push(Target {
                name: "start-up to SERVING, empty / 100,000 / 1,000,000 peerings".into(),
                wanted: "< 100 ms / <= 300 ms / <= 3 s".into(),
                measured: format!("medians {empty:.1} ms / {small:.0} ms / {large:.0} ms"),
                met: empty < 100.0 && small <= 300.0 && large <= 3000.0,
            });
            if let Some(rss) = s.loaded_1m_rss_mib {
                t.push(Target {
                    name: "peak RSS, 1M VPCs + 1M peerings loaded".into(),
                    wanted: "<= 400 MiB".into(),
                    measured: format!("{rss:.0} MiB"),
                    met: rss <= 400.0,
                });
            }
        }
        if let Some(s) = &self.seeding {
            let ratio = s.seed_rows_per_sec / s.bare_rows_per_sec;
            t.push(Target {
                name: format!("seeding {} rows, every rule checked", s.rows),
                wanted: ">= 50% of a bare INSERT of the same rows".into(),
                measured: format!(
                    "{:.0} rows/s, {:.0}% of bare {:.0} rows/s",
                    s.seed_rows_per_sec,
                    ratio * 100.0,
                    s.bare_rows_per_sec
                ),
                met: ratio >= 0.5,
            });
        }
        if let Some(r) = &self.restoring {
            let (restore, reset, bare) = (
                median(&r.restore_ms),
                median(&r.reset_ms),
                median(&r.bare_ms),
            );
            t.push(Target {
                name: format!("RestoreSnapshot and Reset, {} rows", r.rows),
                wanted: "<= 300 ms, within 2x of a bare INSERT ... SELECT".into(),
                measured: format!(
                    "restore median {restore:.0} ms ({:.1}x bare {bare:.0} ms), reset median {reset:.0} ms",
                    restore / bare
                ),
                met: restore <= 300.0 && reset <= 300.0 && restore <= 2.0 * bare,
            });
        }
        if let (Some(one), Some(many)) = (self.row("hub-1"), self.row("hub-1000")) {
            let ratio = many.p50_ms / one.p50_ms;
            t.push(Target {
                name: "create latency, 1 vs 1,000 live peers on the hub".into(),
                wanted: "within 2x".into(),
                measured: format!(
                    "p50 {:.3} ms vs {:.3} ms ({ratio:.2}x)",
                    one.p50_ms, many.p50_ms
                ),
                met: ratio <= 2.0,
            });
        }
        t
    }

    fn rows_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "| workload | clients | ops/s | p50 ms | p99 ms | p99.9 ms | vs baseline | errors | server peak RSS MiB |"
        );
        let _ = writeln!(
            out,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.3} | {:.3} | {:.3} | {} | {} | {} |",
                r.workload,
                r.clients,
                r.ops_per_sec,
                r.p50_ms,
                r.p99_ms,
                r.p999_ms,
                vs_baseline(r),
                r.errors + r.exhausted_clients as u64,
                r.server_peak_rss_mib
                    .map_or("-".into(), |m| format!("{m:.1}")),
            );
        }
    }

    fn extras(&self, out: &mut String) {
        if let Some(s) = &self.startup {
            let _ = writeln!(
                out,
                "\nStart-up to health SERVING (process start included): empty database median {:.1} ms (min {:.1}, 5 runs); 100,000-peering database median {:.1} ms (min {:.1}, 5 runs); 1,000,000-VPC / 1,000,000-peering database median {:.1} ms (min {:.1}, 3 runs). Peak RSS of the server: idle {} MiB; with the 1,000,000 / 1,000,000 state loaded {} MiB.",
                median(&s.empty_ms),
                minimum(&s.empty_ms),
                median(&s.peerings_100k_ms),
                minimum(&s.peerings_100k_ms),
                median(&s.peerings_1m_ms),
                minimum(&s.peerings_1m_ms),
                s.idle_rss_mib.map_or("-".into(), |m| format!("{m:.1}")),
                s.loaded_1m_rss_mib
                    .map_or("-".into(), |m| format!("{m:.1}")),
            );
        }
        if let Some(s) = &self.seeding {
            let _ = writeln!(
                out,
                "\nSeeding the generated 10,000 accounts / 100,000 VPCs / 100,000 peerings ({} rows): {:.2} s, {:.0} rows/s with every rule checked and an event per row; a bare multi-row INSERT of the same rows (no rules, no events) {:.2} s, {:.0} rows/s; ratio {:.2}.",
                s.rows,
                s.seed_seconds,
                s.seed_rows_per_sec,
                s.bare_seconds,
                s.bare_rows_per_sec,
                s.seed_rows_per_sec / s.bare_rows_per_sec,
            );
        }
        if let Some(r) = &self.restoring {
            let _ = writeln!(
                out,
                "\nRestoreSnapshot of the generated 10,000 / 100,000 / 100,000 state ({} rows) through a server, each after a Reset emptied it, {} runs: median {:.0} ms (min {:.0}); Reset to empty median {:.0} ms (min {:.0}); the bare SQL of the same copy (DELETE every state table, INSERT ... SELECT the snapshot's rows, one transaction, no server) median {:.0} ms (min {:.0}).",
                r.rows,
                r.restore_ms.len(),
                median(&r.restore_ms),
                r.restore_ms.iter().copied().fold(f64::INFINITY, f64::min),
                median(&r.reset_ms),
                r.reset_ms.iter().copied().fold(f64::INFINITY, f64::min),
                median(&r.bare_ms),
                r.bare_ms.iter().copied().fold(f64::INFINITY, f64::min),
            );
        }
        if let (Some(grpc), Some(api3)) = (self.row("create"), self.row("api3-create")) {
            let _ = writeln!(
                out,
                "\nThe same create over API 3.0 (signed JSON, HTTP/1.1 keep-alive) against gRPC: {:.0} ops/s ({} of baseline), p50 {:.3} ms, p99 {:.3} ms; gRPC {:.0} ops/s ({} of baseline), p50 {:.3} ms, p99 {:.3} ms. API 3.0 runs at {:.0}% of gRPC's throughput.",
                api3.ops_per_sec,
                vs_baseline(api3),
                api3.p50_ms,
                api3.p99_ms,
                grpc.ops_per_sec,
                vs_baseline(grpc),
                grpc.p50_ms,
                grpc.p99_ms,
                api3.ops_per_sec / grpc.ops_per_sec * 100.0,
            );
        }
        for r in self.rows.iter().filter(|r| r.first_error.is_some()) {
            let _ = writeln!(
                out,
                "\n{}: first error: {}",
                r.workload,
                r.first_error.as_deref().unwrap_or_default()
            );
        }
    }

    fn targets_table(&self, out: &mut String) {
        let _ = writeln!(out, "| target | wanted | measured | met |");
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for t in self.targets() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t.name,
                t.wanted,
                t.measured,
                if t.met { "yes" } else { "no" }
            );
        }
    }

    pub fn text(&self) -> String {
        let mut out = format!("machine: {}\n\n", self.machine);
        self.rows_table(&mut out);
        self.extras(&mut out);
        out.push('\n');
        self.targets_table(&mut out);
        out
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from(include_str!("method.md"));
        let _ = writeln!(
            out,
            "\n## Results\n\nMachine: {}. Command: `{}`.\n",
            self.machine, self.command
        );
        self.rows_table(&mut out);
        self.extras(&mut out);
        out.push_str("\n## Targets\n\n");
        self.targets_table(&mut out);
        out
    }
}
