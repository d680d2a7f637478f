//! The VPCs section: names, blocks (disjoint within the VPC), quotas, ids
//! (free, of the right form and region), refs; and every VPC, existing or
//! new, that a peering may name.

use std::collections::{HashMap, HashSet};

use std::hash::Hash;

use super::{
    Checker, ExistingState, PlannedVpc, Planner,
    accounts::{Limits, NewUins},
};
use crate::{
    domain::{
        cidr::CidrBlock,
        ids::{VpcRef, legacy_vpc_id},
        link::check_tags,
        names::validate_name,
        quota::QuotaName,
        region::Region,
        rules::{check_assistant_count, check_own_blocks, check_vpc_count},
        time::Timestamp,
    },
    scenario::{Scenario, VpcSpec},
};

/// A VPC as the peering rules see it: one of the existing state, or the
/// file's, by its index among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum NodeRef<V> {
    Existing(V),
    New(usize),
}

/// A live peering planned at one end: (peering id, other end, active).
pub(super) type PlannedLink<V> = (String, NodeRef<V>, bool);

/// One of the file's VPCs, as the peering rules see it.
pub(super) struct Node<V> {
    /// Its index in the file's `vpcs`.
    pub(super) spec: usize,
    pub(super) row_id: i64,
    /// How messages name it: as the file does (its ref, or the id it fixes).
    pub(super) label: String,
    pub(super) uin: String,
    pub(super) region: Region,
    pub(super) blocks: Vec<CidrBlock>,
    pub(super) deleted: bool,
    pub(super) create_time: Timestamp,
    /// The live peerings planned for it.
    pub(super) live: Vec<PlannedLink<V>>,
}

/// Every VPC a peering may name: the existing state's (asked for by id)
/// and the file's, with the names the file gives them and the live
/// peerings planned so far.
pub(super) struct Vpcs<V> {
    /// The file's VPCs.
    pub(super) nodes: Vec<Node<V>>,
    /// The file's VPCs by legacy and by unique id.
    pub(super) by_id: HashMap<String, usize>,
    /// Ids of the database that the file tried to define again (reported
    /// once, at the VPC).
    pub(super) clashed: HashSet<String>,
    /// The file's own local names for its VPCs. Values are (node index,
    /// index in the file's `vpcs`).
    pub(super) by_ref: HashMap<String, (usize, usize)>,
    pub(super) by_name: HashMap<String, Vec<(usize, usize)>>,
    /// Live peerings planned for existing VPCs, beside their own.
    pub(super) planned_links: HashMap<V, Vec<PlannedLink<V>>>,
}

/// The existing VPC with id `id`, if a peering may name it.
fn existing_vpc<S: ExistingState>(existing: &S, id: &str) -> Option<S::Vpc> {
    existing
        .vpc_by_id(id)
        .filter(|&vpc| existing.vpc_region(vpc).is_some())
}

impl<V: Copy + Eq + Hash> Vpcs<V> {
    /// No VPC of the file yet, with room for `more`.
    fn with_capacity(more: usize) -> Self {
        Vpcs {
            nodes: Vec::with_capacity(more),
            by_id: HashMap::new(),
            clashed: HashSet::new(),
            by_ref: HashMap::new(),
            by_name: HashMap::new(),
            planned_links: HashMap::new(),
        }
    }

    /// Whether any VPC, existing or the file's, has `id`: a generated id
    /// must not.
    fn id_taken<S: ExistingState<Vpc = V>>(&self, existing: &S, id: &str) -> bool {
        self.by_id.contains_key(id) || existing.vpc_by_id(id).is_some()
    }

    /// Records a live peering planned between `a` and `b`.
    pub(super) fn link(&mut self, a: NodeRef<V>, b: NodeRef<V>, id: &str, active: bool) {
        for (end, other) in [(a, b), (b, a)] {
            let links = match end {
                NodeRef::New(i) => &mut self.nodes[i].live,
                NodeRef::Existing(vpc) => self.planned_links.entry(vpc).or_default(),
            };
            links.push((id.to_owned(), other, active));
        }
    }

    /// The node a peering names by `text`: an id first, then a ref, then a
    /// name that only one VPC of the file has.
    pub(super) fn find<S: ExistingState<Vpc = V>>(
        &self,
        existing: &S,
        text: &str,
        path: String,
        check: &mut Checker,
    ) -> Option<NodeRef<V>> {
        if self.clashed.contains(text) {
            return None;
        }
        if let Some(&n) = self.by_id.get(text) {
            return Some(NodeRef::New(n));
        }
        if let Some(vpc) = existing_vpc(existing, text) {
            return Some(NodeRef::Existing(vpc));
        }
        if let Some(&(n, _)) = self.by_ref.get(text) {
            return Some(NodeRef::New(n));
        }
        match self.by_name.get(text).map(Vec::as_slice) {
            Some([(n, _)]) => Some(NodeRef::New(*n)),
            Some(many) => {
                let holders: Vec<String> = many.iter().map(|(_, j)| format!("vpcs[{j}]")).collect();
                check.error(
                    path,
                    format!(
                        "{text} names {}: give one of them a ref, or use its id",
                        holders.join(" and ")
                    ),
                );
                None
            }
            None => {
                check.error(
                    path,
                    format!(
                        "{text} is not defined: no vpc in the file or the database has it as its id, ref or name"
                    ),
                );
                None
            }
        }
    }
}
/// What the VPC section keeps between the file's VPCs, besides `Vpcs`.
struct VpcSection<'s> {
    /// VPCs that are not deleted, per (uin, region name), for the quota:
    /// the existing ones, counted when the file first names the pair, and
    /// the file's.
    counts: HashMap<(String, &'static str), i64>,
    /// Ids the scenario fixes, so that generated ones never take them.
    fixed_vpc_ids: HashSet<&'s str>,
    fixed_un_ids: HashSet<&'s str>,
    next_row: i64,
    /// The next legacy number per region name, once the file named the
    /// region: the existing state's, moved on by the file's VPCs.
    legacy_next: HashMap<&'static str, i64>,
    /// Regions whose legacy numbers moved, for the plan to continue from.
    legacy_touched: HashSet<&'static str>,
}

impl<'s> VpcSection<'s> {
    fn new<S: ExistingState>(existing: &S, scenario: &'s Scenario) -> Self {
        VpcSection {
            counts: HashMap::new(),
            fixed_vpc_ids: scenario
                .vpcs
                .iter()
                .filter_map(|v| v.vpc_id.as_deref())
                .collect(),
            fixed_un_ids: scenario
                .vpcs
                .iter()
                .filter_map(|v| v.un_vpc_id.as_deref())
                .collect(),
            next_row: existing.last_vpc_row() + 1,
            legacy_next: HashMap::new(),
            legacy_touched: HashSet::new(),
        }
    }

    /// The region's next legacy number, to move on.
    fn legacy_next<S: ExistingState>(&mut self, existing: &S, region: Region) -> &mut i64 {
        self.legacy_next
            .entry(region.name)
            .or_insert_with(|| existing.legacy_next(region).unwrap_or(1))
    }

    /// The legacy numbers to continue from, in region order (a region is
    /// touched only where its number was set).
    fn legacy_to_continue(&self) -> Vec<(&'static str, i64)> {
        let mut touched: Vec<_> = self.legacy_touched.iter().copied().collect();
        touched.sort_unstable();
        touched
            .into_iter()
            .map(|r| (r, self.legacy_next.get(r).copied().unwrap_or(1)))
            .collect()
    }
}

impl<S: ExistingState> Planner<'_, S> {
    /// Checks and plans the file's VPCs; returns them with the database's,
    /// for the peerings to name.
    pub(super) fn vpcs(&mut self, uins: &NewUins, limits: &Limits<'_, S>) -> Vpcs<S::Vpc> {
        let scenario = self.scenario;
        let mut vpcs = Vpcs::with_capacity(scenario.vpcs.len());
        let mut section = VpcSection::new(self.existing, scenario);
        for (i, spec) in scenario.vpcs.iter().enumerate() {
            if self.check.full() {
                break;
            }
            let at = |field: &str| format!("vpcs[{i}].{field}");
            if !self.account_defined(uins, &spec.uin) {
                self.check
                    .error(at("uin"), format!("account {} is not defined", spec.uin));
            }
            let Some(region) = self.region(&spec.region, at("region")) else {
                continue;
            };
            self.vpc(i, spec, region, limits, &mut vpcs, &mut section);
        }
        self.plan.legacy_next = section.legacy_to_continue();
        vpcs
    }

    /// Checks and plans the file's VPC `i`, in `region`.
    fn vpc(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        region: Region,
        limits: &Limits<'_, S>,
        vpcs: &mut Vpcs<S::Vpc>,
        section: &mut VpcSection<'_>,
    ) {
        let at = |field: &str| format!("vpcs[{i}].{field}");
        if let Err(e) = validate_name(
            &spec.vpc_name,
            "vpc_name",
            crate::domain::ErrorCode::InvalidParameterValue,
        ) {
            self.check.error(at("vpc_name"), e.message);
        }
        let blocks = self.vpc_blocks(i, spec);
        self.vpc_quotas(i, spec, region, limits, section);
        let vpc_id = self.legacy_id(i, spec, region, vpcs, section);
        let un_vpc_id = self.unique_id(i, spec, vpcs, section);
        self.register_names(i, spec, [&vpc_id, &un_vpc_id], vpcs);
        let label = spec
            .reference
            .clone()
            .or_else(|| spec.un_vpc_id.clone())
            .or_else(|| spec.vpc_id.clone())
            .unwrap_or_else(|| format!("vpcs[{i}] ({})", spec.vpc_name));
        let create_time = self.created_at(&spec.create_time, at("create_time"));
        if let Err(err) = check_tags(&spec.tags, "tags") {
            self.check.error(at("tags"), err.message);
        }
        self.plan.vpcs.push(PlannedVpc {
            row_id: section.next_row,
            vpc_id,
            un_vpc_id,
            uin: spec.uin.clone(),
            region,
            vpc_name: spec.vpc_name.clone(),
            cidr_block: spec.cidr_block.clone(),
            assistant_cidr_blocks: spec.assistant_cidr_blocks.join(","),
            create_time,
            deleted: spec.deleted,
            tags: spec.tags.clone(),
        });
        vpcs.nodes.push(Node {
            spec: i,
            row_id: section.next_row,
            label,
            uin: spec.uin.clone(),
            region,
            blocks,
            deleted: spec.deleted,
            create_time,
            live: Vec::new(),
        });
        section.next_row += 1;
    }

    /// Lets peerings name the file's VPC `i` (the next node) by its ids, its
    /// ref and its name; an id or ref another VPC has is an error.
    fn register_names(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        ids: [&String; 2],
        vpcs: &mut Vpcs<S::Vpc>,
    ) {
        let at = |field: &str| format!("vpcs[{i}].{field}");
        let node = vpcs.nodes.len();
        for (field, id) in ["vpc_id", "un_vpc_id"].into_iter().zip(ids) {
            match vpcs.by_id.get(id) {
                // This VPC's own other id: one of the two has the wrong
                // form, which is reported above.
                Some(&n) if n == node => {}
                Some(&n) => self.check.error(
                    at(field),
                    format!(
                        "vpc {id} is defined twice: {} has it too",
                        vpcs.nodes[n].label
                    ),
                ),
                // Peerings that name a clashing id are checked against
                // neither VPC: the clash is the one error to report.
                None if existing_vpc(self.existing, id).is_some() => {
                    self.check
                        .error(at(field), format!("vpc {id} is already in the database"));
                    vpcs.clashed.insert(id.clone());
                }
                None => {
                    vpcs.by_id.insert(id.clone(), node);
                }
            }
        }
        if let Some(reference) = &spec.reference {
            if let Some(message) = reference_problem(reference) {
                self.check.error(at("ref"), message);
            } else if let Some(&(_, j)) = vpcs.by_ref.get(reference) {
                self.check.error(
                    at("ref"),
                    format!("ref {reference} is defined twice: vpcs[{j}] has it too"),
                );
            } else {
                vpcs.by_ref.insert(reference.clone(), (node, i));
            }
        }
        vpcs.by_name
            .entry(spec.vpc_name.clone())
            .or_default()
            .push((node, i));
    }

    /// The blocks of the file's VPC `i` that parse, primary first; none of
    /// them may overlap another.
    fn vpc_blocks(&mut self, i: usize, spec: &VpcSpec) -> Vec<CidrBlock> {
        let mut blocks = Vec::new();
        match CidrBlock::parse(&spec.cidr_block, "cidr_block") {
            Ok(b) => blocks.push(b),
            Err(e) => self.check.error(format!("vpcs[{i}].cidr_block"), e.message),
        }
        for (j, text) in spec.assistant_cidr_blocks.iter().enumerate() {
            match CidrBlock::parse(text, "assistant_cidr_blocks") {
                Ok(b) => blocks.push(b),
                Err(e) => self
                    .check
                    .error(format!("vpcs[{i}].assistant_cidr_blocks[{j}]"), e.message),
            }
        }
        // The path points at the VPC: the message need not name it.
        if let Err(err) = check_own_blocks("the same vpc", &blocks) {
            self.check
                .error(format!("vpcs[{i}].assistant_cidr_blocks"), err.message);
        }
        blocks
    }

    /// The quotas the file's VPC `i` counts against: its own assistant
    /// blocks, and its owner's VPCs in the region (which it joins unless
    /// deleted).
    fn vpc_quotas(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        region: Region,
        limits: &Limits<'_, S>,
        section: &mut VpcSection<'_>,
    ) {
        let label = spec.reference.as_deref().unwrap_or(&spec.vpc_name);
        let max_assistants = limits.of(&spec.uin, region, QuotaName::MaxAssistantCidrs);
        let assistants = spec.assistant_cidr_blocks.len();
        if let Err(err) = check_assistant_count(label, assistants, max_assistants) {
            self.check
                .error(format!("vpcs[{i}].assistant_cidr_blocks"), err.message);
        }
        if !spec.deleted {
            let existing = self.existing;
            let count = section
                .counts
                .entry((spec.uin.clone(), region.name))
                .or_insert_with(|| existing.live_vpc_count(&spec.uin, region));
            let max = limits.of(&spec.uin, region, QuotaName::MaxVpcs);
            if let Err(err) = check_vpc_count(&spec.uin, region.name, *count, max) {
                self.check.error(format!("vpcs[{i}].uin"), err.message);
            }
            *count += 1;
        }
    }

    /// The legacy id the file's VPC `i` gives, checked, or the region's
    /// next free one; either moves the region's legacy numbers on.
    fn legacy_id(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        region: Region,
        vpcs: &Vpcs<S::Vpc>,
        section: &mut VpcSection<'_>,
    ) -> String {
        let path = format!("vpcs[{i}].vpc_id");
        let Some(id) = &spec.vpc_id else {
            return loop {
                let next = section.legacy_next(self.existing, region);
                let id = legacy_vpc_id(region, *next);
                *next += 1;
                section.legacy_touched.insert(region.name);
                if !vpcs.id_taken(self.existing, &id)
                    && !section.fixed_vpc_ids.contains(id.as_str())
                {
                    break id;
                }
            };
        };
        match VpcRef::parse(id, "vpc_id") {
            Ok(VpcRef::Legacy(_)) if !id.starts_with(&format!("{}_vpc_", region.short)) => {
                self.check.error(
                    path,
                    format!("legacy id {id} does not belong to region {}", region.name),
                )
            }
            Ok(VpcRef::Legacy(_)) => {
                if let Some(n) = id.rsplit('_').next().and_then(|n| n.parse::<i64>().ok()) {
                    let next = section.legacy_next(self.existing, region);
                    *next = (*next).max(n.saturating_add(1));
                    section.legacy_touched.insert(region.name);
                }
            }
            Ok(VpcRef::Unique(_)) => self.check.error(
                path,
                format!("{id} is a unique id; vpc_id takes the legacy form, such as gz_vpc_1"),
            ),
            Err(e) => self.check.error(path, e.message),
        }
        id.clone()
    }

    /// The unique id the file's VPC `i` gives, checked, or a generated one
    /// that no VPC has.
    fn unique_id(
        &mut self,
        i: usize,
        spec: &VpcSpec,
        vpcs: &Vpcs<S::Vpc>,
        section: &VpcSection<'_>,
    ) -> String {
        let Some(id) = &spec.un_vpc_id else {
            return loop {
                let id = self.ids.un_vpc_id();
                if !vpcs.id_taken(self.existing, &id) && !section.fixed_un_ids.contains(id.as_str())
                {
                    break id;
                }
            };
        };
        if !matches!(VpcRef::parse(id, "un_vpc_id"), Ok(VpcRef::Unique(_))) {
            self.check.error(
                format!("vpcs[{i}].un_vpc_id"),
                format!("{id:?} is not a unique vpc id such as vpc-8e0ypm3z"),
            );
        }
        id.clone()
    }
}

/// Why a ref cannot name a VPC, if it cannot: it must be short, printable,
/// and not look like an id, or a peering could not tell which one it meant.
fn reference_problem(reference: &str) -> Option<String> {
    if reference.trim().is_empty() || reference.trim() != reference {
        return Some("a ref must not be blank or start or end with spaces".into());
    }
    if reference.chars().count() > 60 || reference.chars().any(char::is_control) {
        return Some("a ref is 1 to 60 printable characters".into());
    }
    VpcRef::parse(reference, "ref")
        .is_ok()
        .then(|| format!("ref {reference} looks like a vpc id; choose a name that does not"))
}
