//! The state each workload starts from, the servers it runs on, and the
//! start-up and seeding measurements.

use std::{
    net::Ipv4Addr,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use serde::Serialize;
use sqlx::{ConnectOptions, Connection, QueryBuilder, Sqlite, sqlite::SqliteConnectOptions};

use super::Spawned;
use crate::{
    client::{admin_request, connect_admin, status_error},
    domain::region::Region,
    proto,
    scenario::{
        AccountSpec, PeeringSpec, QuotaSpec, Scenario, StateSpec, VpcSpec,
        generate::{GenerateOptions, generate},
    },
    store::{Actor, DbLocation, Owner, ScenarioLoad, StartOptions, Store},
};

/// Where workloads run: servers of the bench's own, or one given.
pub struct Target {
    server: Option<String>,
    admin_token: Option<String>,
}

/// A server holding a workload's state.
pub struct Prepared {
    pub addr: String,
    pub spawned: Option<Spawned>,
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    pub fn new(server: Option<String>, admin_token: Option<String>) -> anyhow::Result<Target> {
        Ok(Target {
            server,
            admin_token,
        })
    }

    /// A server whose state is exactly `scenario`.
    pub async fn prepare(&self, scenario: Scenario) -> anyhow::Result<Prepared> {
        match &self.server {
            Some(addr) => {
                let mut admin = connect_admin(addr, None).await?;
                let request = proto::LoadScenarioRequest {
                    content: serde_json::to_string(&scenario)?,
                    format: "json".into(),
                    source_name: "bench.json".into(),
                    replace: true,
                    // The server's own region, where the bench's calls go
                    // (they send no x-tc-region); a server not in gz refuses
                    // the scenario's gz ids at once.
                    default_region: String::new(),
                };
                admin
                    .load_scenario(admin_request(request, self.admin_token.as_deref())?)
                    .await
                    .map_err(status_error)?;
                Ok(Prepared {
                    addr: addr.clone(),
                    spawned: None,
                    _dir: None,
                })
            }
            None => {
                let dir = tempfile::tempdir()?;
                let db = dir.path().join("bench.db");
                seed_file(&db, scenario).await?;
                let (spawned, _) = Spawned::start(&db)?;
                Ok(Prepared {
                    addr: spawned.addr.clone(),
                    spawned: Some(spawned),
                    _dir: Some(dir),
                })
            }
        }
    }
}

/// Loads a scenario straight into a database file, through the same loader
/// (and rules) as `vpcsim seed`.
pub async fn seed_file(db: &Path, scenario: Scenario) -> anyhow::Result<Duration> {
    let open = Store::start(
        &DbLocation::File(db.to_owned()),
        Owner::Command {
            name: "bench".into(),
        },
        StartOptions::default(),
    )
    .await?;
    let load = ScenarioLoad {
        scenario: Arc::new(scenario),
        text: "".into(),
        source: "bench".into(),
        default_region: Region::parse("gz").map_err(|e| anyhow::anyhow!(e.message))?,
        replace: false,
    };
    let actor = Actor {
        uin: "admin".into(),
        request_id: "bench".into(),
        client_token: None,
    };
    let started = Instant::now();
    let result = open.store.load_scenario(actor, load, Arc::default()).await;
    let took = started.elapsed();
    open.stop().await?;
    result?;
    Ok(took)
}

/// The `index`-th block of 10.0.0.0/8 at `prefix`.
fn block(index: usize, prefix: u32) -> String {
    let base = u32::from(Ipv4Addr::new(10, 0, 0, 0)) | ((index as u32) << (32 - prefix));
    format!("{}/{prefix}", Ipv4Addr::from(base))
}

/// The smallest prefix giving `count` disjoint blocks, from /16 to /28.
fn prefix_for(count: usize) -> u32 {
    (8 + (usize::BITS - count.saturating_sub(1).leading_zeros())).clamp(16, 28)
}

pub fn legacy(n: usize) -> String {
    format!("gz_vpc_{n}")
}

pub fn requester_secret(c: usize) -> String {
    format!("AKIDbencha{c}")
}

/// The SecretKey of the requester account, for API 3.0 signatures.
pub fn requester_key(c: usize) -> String {
    format!("benchkey{c}")
}

pub fn accepter_secret(c: usize) -> String {
    format!("AKIDbenchb{c}")
}

pub fn requester_uin(c: usize) -> String {
    (600_000 + c).to_string()
}

pub fn accepter_uin(c: usize) -> String {
    (700_000 + c).to_string()
}

/// Pair `k` of client `c`: the legacy numbers of its two VPCs.
pub fn pair(first_vpc: usize, pool: usize, c: usize, k: usize) -> (usize, usize) {
    let n = first_vpc + 2 * (c * pool + k);
    (n, n + 1)
}

/// `pool` VPC pairs per client, ready to peer: the requester owns both (or,
/// `cross`, the accepter owns the second). Legacy numbers start at `first_vpc`.
pub fn pairs(scenario: &mut Scenario, clients: usize, pool: usize, cross: bool, first_vpc: usize) {
    // Blocks only need to differ within a pair (pair VPCs peer nothing
    // else), so they number from 0 whatever the legacy ids.
    let prefix = prefix_for(2 * clients * pool);
    for c in 0..clients {
        let mut account = |uin: String, secret: String, key: Option<String>, name: String| {
            scenario.accounts.push(AccountSpec {
                uin: uin.clone(),
                name,
                secret_id: Some(secret),
                secret_key: key,
                ..Default::default()
            });
            scenario.quotas.push(QuotaSpec {
                uin,
                region: None,
                quota_name: "appid-max-vpcs".into(),
                limit: (2 * pool) as i64,
            });
        };
        account(
            requester_uin(c),
            requester_secret(c),
            Some(requester_key(c)),
            format!("bench-a{c}"),
        );
        if cross {
            account(
                accepter_uin(c),
                accepter_secret(c),
                None,
                format!("bench-b{c}"),
            );
        }
        for k in 0..pool {
            let (a, b) = pair(first_vpc, pool, c, k);
            for (n, owner) in [
                (a, requester_uin(c)),
                (
                    b,
                    if cross {
                        accepter_uin(c)
                    } else {
                        requester_uin(c)
                    },
                ),
            ] {
                scenario.vpcs.push(VpcSpec {
                    uin: owner,
                    vpc_name: format!("v{n}"),
                    cidr_block: block(n - first_vpc, prefix),
                    vpc_id: Some(legacy(n)),
                    ..Default::default()
                });
            }
        }
    }
}

/// A generated scenario of `peerings` peerings over 10 VPCs per account.
pub fn describe_state(peerings: usize) -> anyhow::Result<Scenario> {
    let accounts = (peerings / 10).max(4);
    let options = GenerateOptions {
        accounts,
        vpcs_per_account: 10,
        peerings,
        shares: [
            (StateSpec::Active, 60),
            (StateSpec::Pending, 20),
            (StateSpec::Expired, 5),
            (StateSpec::Rejected, 5),
            (StateSpec::Deleted, 10),
        ],
        seed: 1,
        region: Region::parse("gz").map_err(|e| anyhow::anyhow!(e.message))?,
        clock: "2026-01-01 00:00:00".into(),
        subnets_per_vpc: 0,
        routes: false,
    };
    let mut scenario = generate(&options, |_| {})?;
    // The bench moves on real time.
    scenario.clock = None;
    Ok(scenario)
}

/// A hub VPC with `peers` live (ACTIVE) peerings, and one more spoke to peer.
pub fn hub_state(peers: usize) -> Scenario {
    let prefix = prefix_for(peers + 2);
    let uin = requester_uin(0);
    let mut scenario = Scenario::default();
    scenario.accounts.push(AccountSpec {
        uin: uin.clone(),
        name: "hub".into(),
        secret_id: Some(requester_secret(0)),
        ..Default::default()
    });
    for quota in [
        "appid-max-vpcs",
        "vpc-max-vpcpeers",
        "vpc-max-available-vpcpeers",
    ] {
        scenario.quotas.push(QuotaSpec {
            uin: uin.clone(),
            region: None,
            quota_name: quota.into(),
            limit: (peers + 10) as i64,
        });
    }
    for n in 1..=peers + 2 {
        scenario.vpcs.push(VpcSpec {
            uin: uin.clone(),
            vpc_name: format!("v{n}"),
            cidr_block: block(n - 1, prefix),
            vpc_id: Some(legacy(n)),
            ..Default::default()
        });
    }
    // VPC 1 is the hub, 2..=peers+1 its peers, peers+2 the spoke to peer.
    for n in 2..=peers + 1 {
        scenario.peerings.push(PeeringSpec {
            peering_connection_id: None,
            peering_connection_name: format!("hub-{n}"),
            vpc: legacy(1),
            peer_vpc: legacy(n),
            state: StateSpec::Active,
            ..Default::default()
        });
    }
    scenario
}

/// Start-up to health SERVING, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Startup {
    pub empty_ms: Vec<f64>,
    pub peerings_100k_ms: Vec<f64>,
    pub idle_rss_mib: Option<f64>,
    /// On the generated 100,000-account / 1,000,000-VPC / 1,000,000-peering
    /// database, which the server loads whole into its model.
    pub peerings_1m_ms: Vec<f64>,
    /// The peak RSS of a server that loaded that database and answered one
    /// health check: the model of 1M VPCs and 1M peerings, loaded.
    pub loaded_1m_rss_mib: Option<f64>,
}

async fn time_to_serving(db: &Path) -> anyhow::Result<(f64, Option<f64>)> {
    let (spawned, started) = Spawned::start(db)?;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", spawned.addr))?
        .connect()
        .await?;
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    loop {
        let answer = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await;
        if answer.is_ok_and(|r| {
            r.into_inner().status
                == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        }) {
            break;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok((ms, spawned.peak_rss_mib()))
}

pub async fn startup() -> anyhow::Result<Startup> {
    let dir = tempfile::tempdir()?;
    let mut empty_ms = Vec::new();
    let mut idle_rss_mib = None;
    for i in 0..5 {
        let (ms, rss) = time_to_serving(&dir.path().join(format!("empty{i}.db"))).await?;
        empty_ms.push(ms);
        idle_rss_mib = rss;
    }
    let big = dir.path().join("big.db");
    seed_file(&big, describe_state(100_000)?).await?;
    let mut peerings_100k_ms = Vec::new();
    for _ in 0..5 {
        peerings_100k_ms.push(time_to_serving(&big).await?.0);
    }
    std::fs::remove_file(&big)?;
    let huge = dir.path().join("huge.db");
    seed_file(&huge, describe_state(1_000_000)?).await?;
    let mut peerings_1m_ms = Vec::new();
    let mut loaded_1m_rss_mib = None;
    for _ in 0..3 {
        let (ms, rss) = time_to_serving(&huge).await?;
        peerings_1m_ms.push(ms);
        loaded_1m_rss_mib = rss;
    }
    Ok(Startup {
        empty_ms,
        peerings_100k_ms,
        idle_rss_mib,
        peerings_1m_ms,
        loaded_1m_rss_mib,
    })
}

/// Seeding the 10,000 / 100,000 / 100,000 scenario, against a bare bulk
/// insert of the same rows.
#[derive(Debug, Clone, Serialize)]
pub struct Seeding {
    pub rows: usize,
    pub seed_seconds: f64,
    pub seed_rows_per_sec: f64,
    pub bare_seconds: f64,
    pub bare_rows_per_sec: f64,
}

pub async fn seeding() -> anyhow::Result<Seeding> {
    let mut scenario = describe_state(100_000)?;
    scenario.clock = Some("2026-01-01 00:00:00".into());
    let rows = state_rows(&scenario);
    let dir = tempfile::tempdir()?;
    let seed = seed_file(&dir.path().join("seed.db"), scenario.clone()).await?;
    let bare = bare_insert(&dir.path().join("bare.db"), &scenario).await?;
    Ok(Seeding {
        rows,
        seed_seconds: seed.as_secs_f64(),
        seed_rows_per_sec: rows as f64 / seed.as_secs_f64(),
        bare_seconds: bare.as_secs_f64(),
        bare_rows_per_sec: rows as f64 / bare.as_secs_f64(),
    })
}

/// The rows a generated scenario (without subnets or routes) seeds: its
/// accounts, VPCs and peerings, and each VPC's default route table.
fn state_rows(scenario: &Scenario) -> usize {
    scenario.accounts.len() + 2 * scenario.vpcs.len() + scenario.peerings.len()
}

/// The same rows, written with multi-row INSERTs in one transaction: no
/// rules, no events, no id generation. The floor for any loader.
async fn bare_insert(db: &Path, scenario: &Scenario) -> anyhow::Result<Duration> {
    // Migrated and closed by the store, then written by hand, still held.
    let open = Store::start(
        &DbLocation::File(db.to_owned()),
        Owner::Command {
            name: "bench".into(),
        },
        StartOptions::default(),
    )
    .await?;
    let (closed, lock) = open.close().await;
    closed?;
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .pragma("cache_size", "-65536")
        .foreign_keys(false)
        .connect()
        .await?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    for chunk in scenario.accounts.chunks(500) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO accounts (uin, name, app_id, secret_id, secret_key, create_time) ",
        );
        q.push_values(chunk.iter().enumerate(), |mut row, (i, a)| {
            row.push_bind(a.uin.clone())
                .push_bind(a.name.clone())
                .push_bind(a.uin.parse::<i64>().unwrap_or(i as i64))
                .push_bind(a.secret_id.clone())
                .push_bind(a.secret_key.clone().unwrap_or_default())
                .push_bind(0i64);
        });
        q.build().execute(&mut *tx).await?;
    }
    for (c, chunk) in scenario.vpcs.chunks(500).enumerate() {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO vpcs (id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, create_time) ",
        );
        q.push_values(chunk.iter().enumerate(), |mut row, (i, v)| {
            let id = (c * 500 + i + 1) as i64;
            row.push_bind(id)
                .push_bind(v.vpc_id.clone())
                .push_bind(format!("vpc-{id:08}"))
                .push_bind(v.uin.clone())
                .push_bind("ap-guangzhou")
                .push_bind(v.vpc_name.clone())
                .push_bind(v.cidr_block.clone())
                .push_bind(0i64);
        });
        q.build().execute(&mut *tx).await?;
    }
    // Each VPC's default route table, as seeding writes it.
    for c in 0..scenario.vpcs.len().div_ceil(500) {
        let ids = c * 500 + 1..=(c * 500 + 500).min(scenario.vpcs.len());
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO route_tables (id, route_table_id, vpc, route_table_name, main, create_time) ",
        );
        q.push_values(ids, |mut row, id| {
            row.push_bind(id as i64)
                .push_bind(format!("rtb-{id:08}"))
                .push_bind(id as i64)
                .push_bind("default")
                .push_bind(true)
                .push_bind(0i64);
        });
        q.build().execute(&mut *tx).await?;
    }
    let row_of = |legacy: &str| {
        legacy
            .rsplit('_')
            .next()
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(1)
    };
    for (c, chunk) in scenario.peerings.chunks(500).enumerate() {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO peerings (peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin, region, state, create_time) ",
        );
        q.push_values(chunk.iter().enumerate(), |mut row, (i, p)| {
            row.push_bind(format!("pcx-{:08}", c * 500 + i))
                .push_bind(p.peering_connection_name.clone())
                .push_bind(row_of(&p.vpc))
                .push_bind(row_of(&p.peer_vpc))
                .push_bind("0")
                .push_bind("0")
                .push_bind("ap-guangzhou")
                .push_bind(2i64)
                .push_bind(0i64);
        });
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let took = started.elapsed();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    lock.release();
    Ok(took)
}

/// RestoreSnapshot and Reset on the 10,000 / 100,000 / 100,000 state,
/// through a server, against the bare SQL the same copy needs.
#[derive(Debug, Clone, Serialize)]
pub struct Restoring {
    pub rows: usize,
    /// RestoreSnapshot of the whole state, each after a Reset emptied it.
    pub restore_ms: Vec<f64>,
    /// Reset of the whole state (to empty).
    pub reset_ms: Vec<f64>,
    /// The floor: in one transaction, DELETE every state table and INSERT
    /// ... SELECT the snapshot's rows back, on the same file, no server.
    pub bare_ms: Vec<f64>,
}

/// The state tables, parents first, as a restore inserts them.
const STATE_TABLES: [&str; 10] = [
    "settings",
    "legacy_vpc_numbers",
    "accounts",
    "quotas",
    "vpcs",
    "peerings",
    "route_tables",
    "subnets",
    "routes",
    "faults",
];

pub async fn restoring() -> anyhow::Result<Restoring> {
    const ROUNDS: usize = 3;
    let mut scenario = describe_state(100_000)?;
    scenario.clock = Some("2026-01-01 00:00:00".into());
    let rows = state_rows(&scenario);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("restore.db");
    seed_file(&db, scenario).await?;

    let (mut restore_ms, mut reset_ms) = (Vec::new(), Vec::new());
    {
        let (spawned, _) = Spawned::start(&db)?;
        let mut admin = connect_admin(&spawned.addr, None).await?;
        admin
            .save_snapshot(admin_request(
                proto::SaveSnapshotRequest {
                    name: "bench".into(),
                },
                None,
            )?)
            .await
            .context("saving the snapshot")?;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            admin
                .reset(admin_request(proto::ResetRequest { empty: true }, None)?)
                .await
                .context("reset")?;
            reset_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            admin
                .restore_snapshot(admin_request(
                    proto::RestoreSnapshotRequest {
                        name: "bench".into(),
                    },
                    None,
                )?)
                .await
                .context("restoring the snapshot")?;
            restore_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }

    let mut conn = SqliteConnectOptions::new()
        .filename(&db)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(false)
        .connect()
        .await?;
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM snapshots WHERE name = 'bench'")
        .fetch_one(&mut conn)
        .await?;
    let mut bare_ms = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let mut tx = conn.begin().await?;
        for table in STATE_TABLES.iter().rev() {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }
        for table in STATE_TABLES {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} SELECT * FROM snapshot_{id}_{table}"
            )))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        bare_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Restoring {
        rows,
        restore_ms,
        reset_ms,
        bare_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn the_bench_leaves_each_database_whole_and_alone() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = describe_state(200).unwrap();
        seed_file(&dir.path().join("seed.db"), scenario.clone())
            .await
            .unwrap();
        bare_insert(&dir.path().join("bare.db"), &scenario)
            .await
            .unwrap();
        assert_eq!(files_in(dir.path()), ["bare.db", "seed.db"]);
        let store = Store::open_read_only(&dir.path().join("seed.db"))
            .await
            .unwrap();
        assert!(store.check().await.unwrap().is_empty());
        store.close().await;
    }
}
