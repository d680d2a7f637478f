//! What the store returns: plain records with every field a response prints.

use crate::domain::{
    cidr::CidrBlock,
    link::{LinkOptions, Tag},
    peering::PeeringState,
    time::Timestamp,
};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub uin: String,
    pub name: String,
    pub app_id: i64,
    pub secret_id: String,
    pub secret_key: String,
    pub create_time: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Vpc {
    /// Row id; never shown to clients.
    pub id: i64,
    pub vpc_id: String,
    pub un_vpc_id: String,
    pub uin: String,
    pub region: String,
    pub vpc_name: String,
    pub cidr_block: String,
    /// Comma-separated, as stored.
    pub assistant_cidr_blocks: String,
    pub create_time: Timestamp,
    /// Not a column of the row's own: read from `vpcs.tags` beside it.
    #[sqlx(skip)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Vpc {
    pub fn assistant_blocks(&self) -> Vec<String> {
        split_blocks(&self.assistant_cidr_blocks)
    }

    /// The primary block and every assistant block, parsed as stored (see
    /// `CidrBlock::parse_stored`); text that is no network at all is skipped.
    pub fn all_blocks(&self) -> Vec<CidrBlock> {
        std::iter::once(self.cidr_block.as_str())
            .chain(
                self.assistant_cidr_blocks
                    .split(',')
                    .filter(|b| !b.is_empty()),
            )
            .filter_map(CidrBlock::parse_stored)
            .collect()
    }
}

pub(crate) fn split_blocks(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Peering {
    pub peering_connection_id: String,
    pub peering_connection_name: String,
    pub vpc_id: String,
    pub un_vpc_id: String,
    pub peer_vpc_id: String,
    pub un_peer_vpc_id: String,
    pub uin: String,
    pub peer_uin: String,
    pub app_id: i64,
    pub peer_app_id: i64,
    /// The requester's VPC's region.
    pub region: String,
    /// The peer VPC's region: `region` unless the peering crosses regions.
    pub peer_region: String,
    /// The effective state at the time of the read.
    pub state: PeeringState,
    pub create_time: Timestamp,
    pub expire_time: Option<Timestamp>,
    pub link: LinkOptions,
}

/// A subnet as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subnet {
    pub subnet_id: String,
    pub subnet_name: String,
    /// The unique id of its VPC.
    pub vpc_id: String,
    pub cidr_block: String,
    pub zone: String,
    pub route_table_id: String,
    pub total_ip_address_count: i64,
    pub available_ip_address_count: i64,
    pub create_time: Timestamp,
    pub tags: Vec<Tag>,
}

/// A route as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Route {
    /// Unique among all routes.
    pub route_id: i64,
    pub route_item_id: String,
    pub destination_cidr_block: String,
    pub gateway_type: String,
    pub gateway_id: String,
    pub route_description: String,
    pub enabled: bool,
    pub route_table_id: String,
    pub create_time: Timestamp,
}

/// A route table as the API shows it, with its routes and subnets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouteTable {
    pub route_table_id: String,
    pub route_table_name: String,
    /// The unique id of its VPC.
    pub vpc_id: String,
    /// Its VPC's default table.
    pub main: bool,
    pub subnet_ids: Vec<String>,
    pub routes: Vec<Route>,
    pub create_time: Timestamp,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quota {
    pub quota_name: String,
    pub limit: i64,
    pub used: i64,
}

/// Tags as stored. vpcsim writes this text itself; text it cannot read
/// (a hand-edited database) reads as no tags rather than failing the call.
pub(super) fn tags_from_json(text: &str) -> Vec<Tag> {
    serde_json::from_str(text).unwrap_or_else(|err| {
        tracing::warn!(error = %err, "stored tags are not a JSON tag list; reading none");
        Vec::new()
    })
}

pub(super) fn tags_to_json(tags: &[Tag]) -> String {
    // Most peerings have none; seeding writes 100,000 of them.
    if tags.is_empty() {
        return "[]".into();
    }
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}
