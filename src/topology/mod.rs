//! The network as a picture sees it: accounts, their VPCs grouped by
//! account and region, the peerings between them with their state on the
//! clock, quota use and overlapping blocks. Built from a dump (a whole
//! state as `Store::dump` writes it), so the console, `dump --format dot`
//! and `dump --format mermaid` all draw the same thing. Pure: no I/O.
//!
//! The JSON shape is the console's contract (`GET /ui/api/topology`): field
//! names and nesting must not change without the page.

pub mod dot;
pub mod mermaid;
mod overlaps;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Serialize, Serializer};

use crate::{
    domain::{
        cidr::CidrBlock,
        link::{LinkOptions, Tag},
        peering::PeeringState,
        quota::QuotaName,
        region::{DEFAULT_REGION, Region},
        route::GatewayType,
        time::{PENDING_LIFETIME_SECS, Timestamp, format_time, parse_time},
    },
    scenario::{Scenario, StateSpec, VpcSpec},
};

/// How many overlapping VPCs a VPC lists; `overlap_count` has them all.
/// Thousands of VPCs on one default block would otherwise each list the
/// others.
pub const MAX_LISTED_OVERLAPS: usize = 20;

/// How a peering line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineStyle {
    Solid,
    Dashed,
    Dotted,
}

impl LineStyle {
    /// The name both Graphviz and the console use.
    pub const fn as_str(self) -> &'static str {
        match self {
            LineStyle::Solid => "solid",
            LineStyle::Dashed => "dashed",
            LineStyle::Dotted => "dotted",
        }
    }
}

/// How peerings in one state are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StateStyle {
    #[serde(serialize_with = "state_name")]
    pub state: PeeringState,
    /// `#rrggbb`.
    pub color: &'static str,
    pub style: LineStyle,
    /// Hidden states (DELETED) are drawn only when asked for.
    pub shown_by_default: bool,
}

/// The palette, one entry per state in `PeeringState::ALL` order: the one
/// place the console and both text formats take their colours from.
pub const STATES: [StateStyle; 5] = [
    StateStyle {
        state: PeeringState::Pending,
        color: "#d97706",
        style: LineStyle::Dashed,
        shown_by_default: true,
    },
    StateStyle {
        state: PeeringState::Active,
        color: "#15803d",
        style: LineStyle::Solid,
        shown_by_default: true,
    },
    StateStyle {
        state: PeeringState::Expired,
        color: "#6b7280",
        style: LineStyle::Dotted,
        shown_by_default: true,
    },
    StateStyle {
        state: PeeringState::Rejected,
        color: "#b91c1c",
        style: LineStyle::Dotted,
        shown_by_default: true,
    },
    StateStyle {
        state: PeeringState::Deleted,
        color: "#9ca3af",
        style: LineStyle::Dotted,
        shown_by_default: false,
    },
];

impl StateStyle {
    /// The palette's entry for `state`.
    pub fn of(state: PeeringState) -> &'static StateStyle {
        // PeeringState numbers its states from 1, in STATES' order (tested).
        &STATES[(state.as_i64() - 1) as usize]
    }
}

/// Colour of a VPC whose blocks overlap another's, in both text formats.
pub const OVERLAP_COLOR: &str = "#b91c1c";

fn state_name<S: Serializer>(state: &PeeringState, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(state.as_str())
}

/// A quota's use against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaUse {
    pub used: i64,
    pub limit: i64,
}

/// Quotas by name (`appid-max-vpcs`), as the console reads them.
pub type Quotas = BTreeMap<&'static str, QuotaUse>;

/// The whole picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topology {
    /// The simulator's clock, `YYYY-MM-DD HH:MM:SS`.
    pub clock: String,
    /// The same, in seconds since the epoch.
    pub now: Timestamp,
    pub states: &'static [StateStyle],
    pub accounts: Vec<Account>,
    pub groups: Vec<Group>,
    pub vpcs: Vec<Vpc>,
    pub peerings: Vec<Peering>,
}

/// An account, without its keys: the picture is shown to anyone who may
/// see the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub uin: String,
    pub name: String,
    pub create_time: Option<String>,
}

/// The VPCs of one account in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// `uin/region`.
    pub id: String,
    pub uin: String,
    pub account_name: String,
    pub region: String,
    /// VPC ids, in the order of `Topology::vpcs`.
    pub vpcs: Vec<String>,
    pub quota: Quotas,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vpc {
    pub id: String,
    pub legacy_id: Option<String>,
    pub name: String,
    pub uin: String,
    pub region: String,
    /// The `Group::id` it is drawn in.
    pub group: String,
    pub cidr_block: String,
    pub assistant_cidr_blocks: Vec<String>,
    pub create_time: Option<String>,
    /// Deleted, and kept because a peering still names it.
    pub deleted: bool,
    pub tags: Vec<Tag>,
    /// How many subnets and route tables it has.
    pub subnets: usize,
    pub route_tables: usize,
    pub quota: Quotas,
    /// Other VPCs, not deleted, with a block overlapping one of this one's;
    /// sorted, at most `MAX_LISTED_OVERLAPS`.
    pub overlaps: Vec<String>,
    /// How many there are in all.
    pub overlap_count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Peering {
    pub id: String,
    pub name: String,
    /// On the clock: a PENDING request past its expire_time is EXPIRED.
    #[serde(serialize_with = "state_name")]
    pub state: PeeringState,
    /// The requester's VPC, owner and region.
    pub vpc: String,
    pub peer_vpc: String,
    pub uin: String,
    pub peer_uin: String,
    pub region: String,
    pub peer_region: String,
    pub cross_account: bool,
    pub cross_region: bool,
    pub create_time: Option<String>,
    /// Only for PENDING and EXPIRED.
    pub expire_time: Option<String>,
    /// Only for PENDING: seconds left to answer.
    pub expires_in_secs: Option<i64>,
    /// Mbps; none when uncapped.
    pub bandwidth: Option<i64>,
    pub charge_type: String,
    #[serde(rename = "type")]
    pub link_type: String,
    pub qos_level: String,
    pub tags: Vec<Tag>,
    /// Routes, in either VPC, with this peering as next hop.
    pub routes: usize,
}

impl Topology {
    /// The picture of a dumped state on the clock at `now` (a dump's own
    /// clock, normally).
    pub fn build(scenario: &Scenario, now: Timestamp) -> Topology {
        let limits = Limits::new(scenario);
        let vpcs = order_vpcs(scenario);
        let regions: Vec<String> = vpcs.iter().map(|v| region_name(&v.region)).collect();
        let ids: Vec<String> = vpcs.iter().map(|v| vpc_id(v)).collect();
        let by_ref = VpcRefs::new(&vpcs, &ids);
        let peerings = peerings(scenario, now, &vpcs, &ids, &regions, &by_ref);
        let overlaps = overlaps::find(
            &ids,
            &vpcs
                .iter()
                .map(|v| if v.deleted { Vec::new() } else { blocks(v) })
                .collect::<Vec<_>>(),
        );

        // Live and ACTIVE peerings per VPC (by position), as quotas count
        // them: a peering counts once for each VPC it joins.
        let mut live = vec![0i64; vpcs.len()];
        let mut active = vec![0i64; vpcs.len()];
        for (p, (a, b)) in &peerings {
            let other = b.filter(|b| Some(*b) != *a);
            for end in [*a, other].into_iter().flatten() {
                if p.state.is_live() {
                    live[end] += 1;
                }
                if p.state == PeeringState::Active {
                    active[end] += 1;
                }
            }
        }

        let names: HashMap<&str, &str> = scenario
            .accounts
            .iter()
            .map(|a| (a.uin.as_str(), a.name.as_str()))
            .collect();
        // Groups by (uin, region), sorted by both; their VPCs in VPC order.
        let mut groups: BTreeMap<(&str, &str), Group> = BTreeMap::new();
        let mut topology_vpcs = Vec::with_capacity(vpcs.len());
        for (i, (spec, (listed, overlap_count))) in vpcs.iter().zip(overlaps).enumerate() {
            let region = regions[i].as_str();
            let group = groups
                .entry((spec.uin.as_str(), region))
                .or_insert_with(|| Group {
                    id: group_id(&spec.uin, region),
                    uin: spec.uin.clone(),
                    account_name: names.get(spec.uin.as_str()).copied().unwrap_or("").into(),
                    region: region.to_owned(),
                    vpcs: Vec::new(),
                    quota: Quotas::from([(
                        QuotaName::MaxVpcs.as_str(),
                        QuotaUse {
                            used: 0,
                            limit: limits.of(&spec.uin, region, QuotaName::MaxVpcs),
                        },
                    )]),
                });
            group.vpcs.push(ids[i].clone());
            if !spec.deleted
                && let Some(used) = group.quota.get_mut(QuotaName::MaxVpcs.as_str())
            {
                used.used += 1;
            }
            let quota = |name: QuotaName, used: i64| {
                (
                    name.as_str(),
                    QuotaUse {
                        used,
                        limit: limits.of(&spec.uin, region, name),
                    },
                )
            };
            topology_vpcs.push(Vpc {
                id: ids[i].clone(),
                legacy_id: spec.vpc_id.clone(),
                name: spec.vpc_name.clone(),
                uin: spec.uin.clone(),
                region: region.to_owned(),
                group: group.id.clone(),
                cidr_block: spec.cidr_block.clone(),
                assistant_cidr_blocks: spec.assistant_cidr_blocks.clone(),
                create_time: spec.create_time.clone(),
                deleted: spec.deleted,
                tags: spec.tags.clone(),
                subnets: spec.subnets.len(),
                route_tables: spec.route_tables.len(),
                quota: Quotas::from([
                    quota(QuotaName::MaxVpcPeers, live[i]),
                    quota(QuotaName::MaxAvailableVpcPeers, active[i]),
                ]),
                overlaps: listed,
                overlap_count,
            });
        }

        let mut accounts: Vec<Account> = scenario
            .accounts
            .iter()
            .map(|a| Account {
                uin: a.uin.clone(),
                name: a.name.clone(),
                create_time: a.create_time.clone(),
            })
            .collect();
        accounts.sort_by(|a, b| a.uin.cmp(&b.uin));
        Topology {
            clock: format_time(now),
            now,
            states: &STATES,
            accounts,
            groups: groups.into_values().collect(),
            vpcs: topology_vpcs,
            peerings: peerings.into_iter().map(|(p, _)| p).collect(),
        }
    }
}

/// `uin/region`, a group's id.
fn group_id(uin: &str, region: &str) -> String {
    format!("{uin}/{region}")
}

/// A region's current name; entries that name none are in the default
/// region, as a load puts them. A name vpcsim does not know is kept as
/// written.
fn region_name(region: &Option<String>) -> String {
    match region {
        None => DEFAULT_REGION.name.to_owned(),
        Some(text) => Region::parse(text).map_or_else(|_| text.clone(), |r| r.name.to_owned()),
    }
}

/// A VPC's id: dumps always write `un_vpc_id`; a hand-written file may
/// give only the legacy id, or neither.
fn vpc_id(vpc: &VpcSpec) -> String {
    vpc.un_vpc_id
        .clone()
        .or_else(|| vpc.vpc_id.clone())
        .unwrap_or_else(|| vpc.vpc_name.clone())
}

/// A VPC's blocks, primary first; a block that does not parse takes part in
/// nothing.
fn blocks(vpc: &VpcSpec) -> Vec<CidrBlock> {
    std::iter::once(&vpc.cidr_block)
        .chain(&vpc.assistant_cidr_blocks)
        .filter_map(|b| CidrBlock::parse_stored(b))
        .collect()
}

/// VPCs by create_time, then id.
fn order_vpcs(scenario: &Scenario) -> Vec<&VpcSpec> {
    let mut vpcs: Vec<(Option<Timestamp>, String, &VpcSpec)> = scenario
        .vpcs
        .iter()
        .map(|v| (v.create_time.as_deref().and_then(parse_time), vpc_id(v), v))
        .collect();
    vpcs.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    vpcs.into_iter().map(|(_, _, v)| v).collect()
}

/// Quota limits: the file's overrides, else the defaults.
struct Limits(HashMap<(String, String, String), i64>);

impl Limits {
    fn new(scenario: &Scenario) -> Limits {
        Limits(
            scenario
                .quotas
                .iter()
                .map(|q| {
                    (
                        (q.uin.clone(), region_name(&q.region), q.quota_name.clone()),
                        q.limit,
                    )
                })
                .collect(),
        )
    }

    fn of(&self, uin: &str, region: &str, quota: QuotaName) -> i64 {
        self.0
            .get(&(uin.to_owned(), region.to_owned(), quota.as_str().to_owned()))
            .copied()
            .unwrap_or(quota.default_limit())
    }
}

/// Finds the VPC a peering names: by id as dumps write it, or (for a
/// hand-written file) by legacy id, ref or unique name, as a load would.
struct VpcRefs<'a>(HashMap<&'a str, Option<usize>>);

impl<'a> VpcRefs<'a> {
    fn new(vpcs: &[&'a VpcSpec], ids: &'a [String]) -> VpcRefs<'a> {
        let mut refs: HashMap<&'a str, Option<usize>> = HashMap::new();
        // Weakest first, so that ids win over names.
        for (i, v) in vpcs.iter().enumerate() {
            refs.entry(v.vpc_name.as_str())
                .and_modify(|found| *found = None)
                .or_insert(Some(i));
        }
        for (i, v) in vpcs.iter().enumerate() {
            let strong = [v.reference.as_deref(), v.vpc_id.as_deref(), Some(&ids[i])];
            for name in strong.into_iter().flatten() {
                refs.insert(name, Some(i));
            }
        }
        VpcRefs(refs)
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.0.get(name).copied().flatten()
    }
}

/// Where a peering's two VPCs are in the VPC list, when found.
type Ends = (Option<usize>, Option<usize>);

/// Each peering, with its ends.
fn peerings(
    scenario: &Scenario,
    now: Timestamp,
    vpcs: &[&VpcSpec],
    ids: &[String],
    regions: &[String],
    refs: &VpcRefs<'_>,
) -> Vec<(Peering, Ends)> {
    let next_hop = GatewayType::PeerConnection.as_str();
    let mut routes: HashMap<&str, usize> = HashMap::new();
    for route in scenario
        .vpcs
        .iter()
        .flat_map(|v| &v.route_tables)
        .flat_map(|t| &t.routes)
        .filter(|r| r.gateway_type == next_hop)
    {
        *routes.entry(route.gateway_id.as_str()).or_default() += 1;
    }
    let defaults = LinkOptions::default();
    scenario
        .peerings
        .iter()
        .map(|p| {
            let create_time = p.create_time.as_deref().and_then(parse_time);
            // As a load reads the file: a request's expiry defaults to
            // seven days after its creation.
            let expire_time = p
                .expire_time
                .as_deref()
                .and_then(parse_time)
                .or_else(|| create_time.map(|t| t + PENDING_LIFETIME_SECS));
            let state = stored_state(p.state).effective(expire_time, now);
            let pending_like = matches!(state, PeeringState::Pending | PeeringState::Expired);
            let (a, b) = (refs.find(&p.vpc), refs.find(&p.peer_vpc));
            let end = |at: Option<usize>, named: &str| match at {
                Some(i) => (ids[i].clone(), vpcs[i].uin.clone(), regions[i].clone()),
                None => (named.to_owned(), String::new(), String::new()),
            };
            let (vpc, uin, region) = end(a, &p.vpc);
            let (peer_vpc, peer_uin, peer_region) = end(b, &p.peer_vpc);
            let id = p
                .peering_connection_id
                .clone()
                .unwrap_or_else(|| p.peering_connection_name.clone());
            let peering = Peering {
                name: p.peering_connection_name.clone(),
                state,
                cross_account: uin != peer_uin,
                cross_region: region != peer_region,
                vpc,
                peer_vpc,
                uin,
                peer_uin,
                region,
                peer_region,
                create_time: p.create_time.clone(),
                expire_time: if pending_like {
                    expire_time.map(format_time)
                } else {
                    None
                },
                expires_in_secs: if state == PeeringState::Pending {
                    expire_time.map(|t| t - now)
                } else {
                    None
                },
                bandwidth: p.bandwidth.filter(|&b| b != defaults.bandwidth),
                charge_type: p
                    .charge_type
                    .clone()
                    .unwrap_or_else(|| defaults.charge_type.clone()),
                link_type: p
                    .link_type
                    .clone()
                    .unwrap_or_else(|| defaults.link_type.clone()),
                qos_level: p
                    .qos_level
                    .clone()
                    .unwrap_or_else(|| defaults.qos_level.clone()),
                tags: p.tags.clone(),
                routes: routes.get(id.as_str()).copied().unwrap_or(0),
                id,
            };
            (peering, (a, b))
        })
        .collect()
}

fn stored_state(state: StateSpec) -> PeeringState {
    match state {
        StateSpec::Pending => PeeringState::Pending,
        StateSpec::Active => PeeringState::Active,
        StateSpec::Expired => PeeringState::Expired,
        StateSpec::Rejected => PeeringState::Rejected,
        StateSpec::Deleted => PeeringState::Deleted,
    }
}

/// What the text formats draw, in drawing order, with identifiers valid in
/// both DOT and Mermaid. Both renderers walk the same layout, so they show
/// the same VPCs and peerings.
pub(crate) struct Layout<'t> {
    pub accounts: Vec<AccountBox<'t>>,
    pub edges: Vec<Edge<'t>>,
}

pub(crate) struct AccountBox<'t> {
    pub id: String,
    pub uin: String,
    pub label: String,
    pub regions: Vec<RegionBox<'t>>,
}

pub(crate) struct RegionBox<'t> {
    pub id: String,
    pub label: String,
    pub vpcs: Vec<Node<'t>>,
}

pub(crate) struct Node<'t> {
    pub id: String,
    pub vpc: &'t Vpc,
}

impl Node<'_> {
    /// The lines of the VPC's box: name, id, blocks, then what is wrong.
    pub fn lines(&self) -> Vec<String> {
        let vpc = self.vpc;
        let mut lines = vec![vpc.name.clone(), vpc.id.clone(), vpc.cidr_block.clone()];
        lines.extend(vpc.assistant_cidr_blocks.iter().cloned());
        if vpc.deleted {
            lines.push("(deleted)".into());
        }
        if vpc.overlap_count > 0 {
            lines.push(format!("⚠ overlaps {}", vpc.overlap_count));
        }
        lines
    }
}

pub(crate) struct Edge<'t> {
    pub from: String,
    pub to: String,
    pub peering: &'t Peering,
    pub style: &'static StateStyle,
}

impl Edge<'_> {
    /// The lines of the peering's label: id and state, then whether it
    /// crosses accounts or regions.
    pub fn lines(&self) -> Vec<String> {
        let p = self.peering;
        let mut lines = vec![format!("{} {}", p.id, p.state.as_str())];
        let crossing: Vec<&str> = [
            (p.cross_account, "cross-account"),
            (p.cross_region, "cross-region"),
        ]
        .into_iter()
        .filter_map(|(yes, what)| yes.then_some(what))
        .collect();
        if !crossing.is_empty() {
            lines.push(crossing.join(", "));
        }
        lines
    }
}

/// Options of the text formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Draw the states hidden by default (DELETED), and deleted VPCs that
    /// only such peerings name.
    pub include_deleted: bool,
    /// Write the clock as a comment; off for output meant to diff.
    pub clock: bool,
}

impl Topology {
    pub(crate) fn layout(&self, options: RenderOptions) -> Layout<'_> {
        let shown_peerings: Vec<&Peering> = self
            .peerings
            .iter()
            .filter(|p| options.include_deleted || StateStyle::of(p.state).shown_by_default)
            .collect();
        let named: HashSet<&str> = shown_peerings
            .iter()
            .flat_map(|p| [p.vpc.as_str(), p.peer_vpc.as_str()])
            .collect();
        let vpcs: HashMap<&str, &Vpc> = self.vpcs.iter().map(|v| (v.id.as_str(), v)).collect();
        let mut ids = Identifiers::default();
        let mut node_ids: HashMap<&str, String> = HashMap::new();
        let mut accounts: Vec<AccountBox<'_>> = Vec::new();
        for group in &self.groups {
            let shown: Vec<&Vpc> = group
                .vpcs
                .iter()
                .filter_map(|id| vpcs.get(id.as_str()).copied())
                .filter(|v| !v.deleted || options.include_deleted || named.contains(v.id.as_str()))
                .collect();
            if shown.is_empty() {
                continue;
            }
            if accounts.last().is_none_or(|a| a.uin != group.uin) {
                let label = if group.account_name.is_empty() {
                    group.uin.clone()
                } else {
                    format!("{} ({})", group.account_name, group.uin)
                };
                accounts.push(AccountBox {
                    id: ids.unique(&format!("cluster_{}", group.uin)),
                    label,
                    uin: group.uin.clone(),
                    regions: Vec::new(),
                });
            }
            let Some(account) = accounts.last_mut() else {
                continue;
            };
            let region = RegionBox {
                id: ids.unique(&format!("{}_{}", account.id, group.region)),
                label: group.region.clone(),
                vpcs: shown
                    .into_iter()
                    .map(|vpc| {
                        let id = ids.unique(&vpc.id);
                        node_ids.insert(vpc.id.as_str(), id.clone());
                        Node { id, vpc }
                    })
                    .collect(),
            };
            account.regions.push(region);
        }
        let edges = shown_peerings
            .into_iter()
            .filter_map(|p| {
                Some(Edge {
                    from: node_ids.get(p.vpc.as_str())?.clone(),
                    to: node_ids.get(p.peer_vpc.as_str())?.clone(),
                    peering: p,
                    style: StateStyle::of(p.state),
                })
            })
            .collect();
        Layout { accounts, edges }
    }
}

/// Identifiers for DOT and Mermaid: letters, digits and `_` only, starting
/// with a letter, never a keyword of either, each given once.
#[derive(Default)]
struct Identifiers(HashSet<String>);

/// Words DOT or Mermaid read as syntax, not as a node.
const KEYWORDS: &[&str] = &[
    "node",
    "edge",
    "graph",
    "digraph",
    "subgraph",
    "strict",
    "end",
    "flowchart",
    "style",
    "class",
    "classdef",
    "click",
    "linkstyle",
    "direction",
    "default",
];

impl Identifiers {
    fn unique(&mut self, raw: &str) -> String {
        let mut base: String = raw
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_alphabetic())
            || KEYWORDS.contains(&base.to_ascii_lowercase().as_str())
        {
            base.insert_str(0, "n_");
        }
        let mut id = base.clone();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    }
}

#[cfg(test)]
mod tests;
