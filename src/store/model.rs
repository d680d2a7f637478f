//! The rule state the writer keeps in memory: VPCs with their parsed blocks,
//! the live peerings of each VPC, quotas and app ids. Creates and state
//! changes check their rules here instead of reading them back from SQLite,
//! so their cost does not grow with the number of peers. SQLite stays the
//! durable record: the model is loaded from it on first use, kept up to date
//! by every job that succeeds, and dropped (to be loaded again) after bulk
//! changes, clock moves and failed commits.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::{records::Vpc, states};
use crate::domain::{
    cidr::CidrBlock,
    peering::{LivePeer, PeeringState, VpcBlocks},
    quota::QuotaName,
    time::Timestamp,
};

#[derive(Debug, Clone)]
pub(super) struct VpcEntry {
    pub vpc: Vpc,
    pub blocks: Vec<CidrBlock>,
    pub deleted: bool,
}

/// A live peering seen from one of its VPCs.
#[derive(Debug, Clone)]
pub(super) struct Link {
    pub peering_row: i64,
    pub peering_id: String,
    pub other: i64,
    pub active: bool,
    /// For PENDING: it stops being live at this time.
    pub expire_time: Option<Timestamp>,
}

impl Link {
    pub fn live_at(&self, now: Timestamp) -> bool {
        self.active || self.expire_time.is_some_and(|t| t > now)
    }
}

#[derive(Debug, Default)]
pub(super) struct Model {
    vpcs: HashMap<i64, VpcEntry>,
    /// Both id forms of every VPC, to its row.
    by_id: HashMap<String, i64>,
    links: HashMap<i64, Vec<Link>>,
    quotas: HashMap<(String, String, &'static str), i64>,
    app_ids: HashMap<String, i64>,
    /// Every peering id, so that new ones never collide.
    peering_ids: HashSet<String>,
    /// The row id the next peering gets.
    next_peering_row: i64,
}

fn parse_blocks(vpc: &Vpc) -> Vec<CidrBlock> {
    vpc.all_blocks()
}

impl Model {
    pub async fn load(conn: &mut SqliteConnection) -> Result<Model, sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            vpc: Vpc,
            deleted: bool,
        }
        let mut model = Model::default();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks, create_time, deleted
             FROM vpcs",
        )
        .fetch_all(&mut *conn)
        .await?;
        for Row { vpc, deleted } in rows {
            model.put_vpc(vpc, deleted);
        }
        let quotas: Vec<(String, String, String, i64)> =
            sqlx::query_as("SELECT uin, region, quota_name, quota_limit FROM quotas")
                .fetch_all(&mut *conn)
                .await?;
        for (uin, region, name, limit) in quotas {
            if let Ok(quota) = QuotaName::parse(&name, "quota_name") {
                model.quotas.insert((uin, region, quota.as_str()), limit);
            }
        }
        let accounts: Vec<(String, i64)> = sqlx::query_as("SELECT uin, app_id FROM accounts")
            .fetch_all(&mut *conn)
            .await?;
        model.app_ids.extend(accounts);
        let ids: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, peering_connection_id FROM peerings")
                .fetch_all(&mut *conn)
                .await?;
        model.next_peering_row = ids.iter().map(|(row, _)| *row).max().unwrap_or(0) + 1;
        model.peering_ids = ids.into_iter().map(|(_, id)| id).collect();
        // Every peering that is or may still be live; expired PENDING ones
        // are filtered by the clock when read.
        let live: Vec<(i64, String, i64, i64, i64, Option<i64>)> =
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT id, peering_connection_id, vpc, peer_vpc, state, expire_time FROM peerings
                 WHERE {} OR {}",
                states::is("", PeeringState::Pending),
                states::is("", PeeringState::Active)
            )))
            .fetch_all(&mut *conn)
            .await?;
        for (row, id, vpc, peer, state, expire_time) in live {
            let active = state == PeeringState::Active.as_i64();
            model.add_links(row, &id, vpc, peer, active, expire_time);
        }
        Ok(model)
    }

    /// Claims `id` for a new peering and returns its row, or `None` if the
    /// id is taken.
    pub fn claim_peering(&mut self, id: &str) -> Option<i64> {
        if !self.peering_ids.insert(id.to_owned()) {
            return None;
        }
        let row = self.next_peering_row;
        self.next_peering_row += 1;
        Some(row)
    }

    pub fn put_vpc(&mut self, vpc: Vpc, deleted: bool) {
        self.by_id.insert(vpc.vpc_id.clone(), vpc.id);
        self.by_id.insert(vpc.un_vpc_id.clone(), vpc.id);
        let blocks = parse_blocks(&vpc);
        self.vpcs.insert(
            vpc.id,
            VpcEntry {
                vpc,
                blocks,
                deleted,
            },
        );
    }

    pub fn vpc(&self, row: i64) -> Option<&VpcEntry> {
        self.vpcs.get(&row)
    }

    /// A live VPC of `region` by either id form.
    pub fn find(&self, id: &str, region: &str) -> Option<&VpcEntry> {
        let entry = self.vpcs.get(self.by_id.get(id)?)?;
        (!entry.deleted && entry.vpc.region == region).then_some(entry)
    }

    pub fn app_id(&self, uin: &str) -> i64 {
        self.app_ids.get(uin).copied().unwrap_or_default()
    }

    pub fn set_app_id(&mut self, uin: &str, app_id: i64) {
        self.app_ids.insert(uin.to_owned(), app_id);
    }

    pub fn limit(&self, uin: &str, region: &str, quota: QuotaName) -> i64 {
        self.quotas
            .get(&(uin.to_owned(), region.to_owned(), quota.as_str()))
            .copied()
            .unwrap_or(quota.default_limit())
    }

    pub fn set_limit(&mut self, uin: &str, region: &str, quota: QuotaName, limit: i64) {
        self.quotas
            .insert((uin.to_owned(), region.to_owned(), quota.as_str()), limit);
    }

    /// The live links of a VPC at `now`, leaving out peering row `except`.
    pub fn live(&self, vpc: i64, now: Timestamp, except: Option<i64>) -> Vec<&Link> {
        self.links
            .get(&vpc)
            .map(|links| {
                links
                    .iter()
                    .filter(|l| l.live_at(now) && Some(l.peering_row) != except)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A VPC's links as the overlap rules see them.
    pub fn live_peers(&self, links: &[&Link]) -> Vec<LivePeer> {
        links
            .iter()
            .filter_map(|l| {
                let other = self.vpcs.get(&l.other)?;
                Some(LivePeer {
                    peering_id: l.peering_id.clone(),
                    other: VpcBlocks {
                        un_vpc_id: other.vpc.un_vpc_id.clone(),
                        blocks: other.blocks.clone(),
                    },
                })
            })
            .collect()
    }

    pub fn blocks(&self, row: i64) -> VpcBlocks {
        self.vpcs
            .get(&row)
            .map(|e| VpcBlocks {
                un_vpc_id: e.vpc.un_vpc_id.clone(),
                blocks: e.blocks.clone(),
            })
            .unwrap_or(VpcBlocks {
                un_vpc_id: String::new(),
                blocks: Vec::new(),
            })
    }

    pub fn add_links(
        &mut self,
        row: i64,
        id: &str,
        vpc: i64,
        peer: i64,
        active: bool,
        expire_time: Option<Timestamp>,
    ) {
        self.remove_links(row, vpc, peer);
        for (host, other) in [(vpc, peer), (peer, vpc)] {
            self.links.entry(host).or_default().push(Link {
                peering_row: row,
                peering_id: id.to_owned(),
                other,
                active,
                expire_time,
            });
        }
    }

    /// Forgets peering `row` between `vpc` and `peer`.
    pub fn remove_links(&mut self, row: i64, vpc: i64, peer: i64) {
        for host in [vpc, peer] {
            if let Some(links) = self.links.get_mut(&host) {
                links.retain(|l| l.peering_row != row);
            }
        }
    }
}
