//! The peerings section: ids, names, ends, times, link options, a state the
//! pair may be in, and for a live peering every rule the API checks
//! (`domain::rules::check_live_peering`) on top of the peerings before it.

use std::collections::{HashMap, HashSet};

use super::{
    Checker, ExistingState, PlannedPeering, Planner,
    accounts::Limits,
    time_field,
    vpcs::{NodeRef, PlannedLink, Vpcs},
};
use crate::{
    domain::{
        cidr::CidrBlock,
        ids::parse_peering_id,
        link::{GivenLinkOptions, LinkFieldNames, LinkOptions, LinkProblems},
        names::validate_name,
        peering::PeeringState,
        quota::QuotaName,
        region::Region,
        rules::{Joining, LiveLink, StateView, check_live_peering, state_possible},
        time::{PENDING_LIFETIME_SECS, Timestamp},
    },
    scenario::{PeeringSpec, StateSpec},
};

/// A peering's link options from its spec, each bad one reported where it
/// is written; `None` after reporting.
fn link_options(
    spec: &PeeringSpec,
    at: &dyn Fn(&str) -> String,
    check: &mut Checker,
) -> Option<LinkOptions> {
    const NAMES: LinkFieldNames = LinkFieldNames {
        bandwidth: "bandwidth",
        charge_type: "charge_type",
        link_type: "type",
        qos_level: "qos_level",
        tags: "tags",
    };
    let given = GivenLinkOptions {
        bandwidth: spec.bandwidth,
        charge_type: spec.charge_type.as_deref(),
        link_type: spec.link_type.as_deref(),
        qos_level: spec.qos_level.as_deref(),
        tags: spec.tags.clone(),
    };
    match LinkOptions::from_given(given, &NAMES) {
        Ok(link) => Some(link),
        Err(LinkProblems(problems)) => {
            for (field, err) in problems {
                check.error(at(field), err.message);
            }
            None
        }
    }
}

/// The peering ids the file takes (the existing ones are asked for), and
/// the ones it fixes, so that generated ones never take them.
struct PeeringIds<'s> {
    taken: HashSet<String>,
    fixed: HashSet<&'s str>,
}

/// The file's peerings as routes see them: the planned ones by id and by
/// name, with their ends; and the ones the file gives that were refused,
/// whose errors are reported already.
pub(super) struct FilePeerings<V> {
    pub(super) planned: Vec<PeeringEnds<V>>,
    by_id: HashMap<String, usize>,
    /// Every peering of the file by name: its index in the file, and in
    /// `planned` if it was planned.
    by_name: HashMap<String, Vec<(usize, Option<usize>)>>,
    /// Fixed ids of peerings that were refused.
    refused: HashSet<String>,
}

/// A planned peering's ends and state.
pub(super) struct PeeringEnds<V> {
    pub(super) id: String,
    pub(super) a: NodeRef<V>,
    pub(super) b: NodeRef<V>,
    pub(super) state: PeeringState,
    pub(super) expire_time: Option<Timestamp>,
}

/// A planned peering with the VPCs it joins.
type WithEnds<V> = (PlannedPeering, NodeRef<V>, NodeRef<V>);

/// The peering a route names.
pub(super) enum NamedPeering<'p, V> {
    /// One of the file's, planned.
    File(&'p PeeringEnds<V>),
    /// One of the database's, which joins none of the file's VPCs.
    Existing,
}

impl<V> FilePeerings<V> {
    /// The peering `text` names: the file's by id, the database's by id,
    /// the file's by a name only one of its peerings has. `None` after
    /// reporting, or for a peering of the file that was refused (reported
    /// at the peering).
    pub(super) fn find<S: ExistingState>(
        &self,
        existing: &S,
        text: &str,
        path: String,
        check: &mut Checker,
    ) -> Option<NamedPeering<'_, V>> {
        if let Some(&p) = self.by_id.get(text) {
            return Some(NamedPeering::File(&self.planned[p]));
        }
        if self.refused.contains(text) {
            return None;
        }
        if existing.peering_id_in_use(text) {
            return Some(NamedPeering::Existing);
        }
        match self.by_name.get(text).map(Vec::as_slice) {
            Some([(_, planned)]) => planned.map(|p| NamedPeering::File(&self.planned[p])),
            Some(many) => {
                let holders: Vec<String> =
                    many.iter().map(|(i, _)| format!("peerings[{i}]")).collect();
                check.error(
                    path,
                    format!(
                        "{text} names {}: give the peering_connection_id of the one meant",
                        holders.join(" and ")
                    ),
                );
                None
            }
            None => {
                check.error(
                    path,
                    format!(
                        "peering {text} is not defined: no peering in the file or the database has it as its id, nor one of the file as its name"
                    ),
                );
                None
            }
        }
    }
}

impl<S: ExistingState> Planner<'_, S> {
    /// Checks and plans the peerings, in order, each against the ones
    /// before it; returns them as routes see them.
    pub(super) fn peerings(
        &mut self,
        vpcs: &mut Vpcs<S::Vpc>,
        limits: &Limits<'_, S>,
    ) -> FilePeerings<S::Vpc> {
        let scenario = self.scenario;
        let mut peering_ids = PeeringIds {
            taken: HashSet::new(),
            fixed: scenario
                .peerings
                .iter()
                .filter_map(|p| p.peering_connection_id.as_deref())
                .collect(),
        };
        let mut file = FilePeerings {
            planned: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            refused: HashSet::new(),
        };
        for (i, spec) in scenario.peerings.iter().enumerate() {
            if self.check.full() {
                break;
            }
            let planned = self.peering(i, spec, &mut peering_ids, vpcs, limits);
            let at = match planned {
                Some((planned, a, b)) => {
                    let p = file.planned.len();
                    file.by_id.insert(planned.peering_connection_id.clone(), p);
                    file.planned.push(PeeringEnds {
                        id: planned.peering_connection_id.clone(),
                        a,
                        b,
                        state: planned.state,
                        expire_time: planned.expire_time,
                    });
                    self.plan.peerings.push(planned);
                    Some(p)
                }
                None => {
                    if let Some(id) = &spec.peering_connection_id {
                        file.refused.insert(id.clone());
                    }
                    None
                }
            };
            file.by_name
                .entry(spec.peering_connection_name.clone())
                .or_default()
                .push((i, at));
        }
        file
    }

    /// The id the file's peering `i` gives, checked, or a generated one that
    /// no peering has.
    fn peering_id(&mut self, i: usize, spec: &PeeringSpec, ids: &mut PeeringIds<'_>) -> String {
        let path = format!("peerings[{i}].peering_connection_id");
        match &spec.peering_connection_id {
            Some(id) => {
                if let Err(e) = parse_peering_id(id, "peering_connection_id") {
                    self.check.error(path, e.message);
                } else if self.existing.peering_id_in_use(id) || !ids.taken.insert(id.clone()) {
                    self.check
                        .error(path, format!("peering {id} is defined twice"));
                }
                id.clone()
            }
            None => loop {
                let id = self.ids.peering_id();
                if !ids.taken.contains(&id)
                    && !ids.fixed.contains(id.as_str())
                    && !self.existing.peering_id_in_use(&id)
                {
                    ids.taken.insert(id.clone());
                    break id;
                }
            },
        }
    }

    /// When the file's peering `i` was created, and when it expires if it
    /// is or was pending (by default, a pending peering's lifetime later).
    fn peering_times(&mut self, i: usize, spec: &PeeringSpec) -> (Timestamp, Timestamp) {
        let create_time = self.created_at(&spec.create_time, format!("peerings[{i}].create_time"));
        let expire_default = create_time + PENDING_LIFETIME_SECS;
        let expire_time = time_field(
            &spec.expire_time,
            expire_default,
            format!("peerings[{i}].expire_time"),
            &mut self.check,
        );
        (create_time, expire_time)
    }

    /// The state the file's peering `i` is stored in, and its expire time,
    /// which only a pending or expired peering keeps; `None` for a state
    /// that one account's peerings never have, as they are ACTIVE at once.
    fn peering_state(
        &mut self,
        i: usize,
        spec: &PeeringSpec,
        same_account: bool,
        expire_time: Timestamp,
    ) -> Option<(PeeringState, Option<Timestamp>)> {
        let at = |field: &str| format!("peerings[{i}].{field}");
        let state = stored_state(spec.state);
        if !state_possible(same_account, state) {
            self.check.error(
                at("state"),
                format!(
                    "{} between vpcs of one account cannot be: such peerings are ACTIVE at once",
                    state.as_str()
                ),
            );
            return None;
        }
        let pending_like = matches!(state, PeeringState::Pending | PeeringState::Expired);
        let expire_time = pending_like.then_some(expire_time);
        if state == PeeringState::Expired && expire_time.is_some_and(|t| t > self.now) {
            self.check.error(
                at("expire_time"),
                "an EXPIRED peering needs an expire_time that has passed on the clock",
            );
        }
        Some((state, expire_time))
    }

    /// Checks the file's peering `i` and, if it breaks no rule on top of
    /// the ones before it, records it as live (if it is) and returns its
    /// row and its ends.
    fn peering(
        &mut self,
        i: usize,
        spec: &PeeringSpec,
        peering_ids: &mut PeeringIds<'_>,
        vpcs: &mut Vpcs<S::Vpc>,
        limits: &Limits<'_, S>,
    ) -> Option<WithEnds<S::Vpc>> {
        let at = |field: &str| format!("peerings[{i}].{field}");
        let errors_before = self.check.errors.len();
        if let Err(e) = validate_name(
            &spec.peering_connection_name,
            "peering_connection_name",
            crate::domain::ErrorCode::InvalidPeeringConnectionName,
        ) {
            self.check.error(at("peering_connection_name"), e.message);
        }
        let peering_id = self.peering_id(i, spec, peering_ids);
        let existing = self.existing;
        let a = vpcs.find(existing, &spec.vpc, at("vpc_id"), &mut self.check);
        let b = vpcs.find(existing, &spec.peer_vpc, at("peer_vpc_id"), &mut self.check);
        let (create_time, expire_time) = self.peering_times(i, spec);
        let link = link_options(spec, &at, &mut self.check);
        let (Some(a), Some(b), Some(link)) = (a, b, link) else {
            return None;
        };
        let (ea, eb) = (self.end(vpcs, a)?, self.end(vpcs, b)?);
        let same_account = ea.uin == eb.uin;
        let (state, expire_time) = self.peering_state(i, spec, same_account, expire_time)?;
        let live = state.effective(expire_time, self.now).is_live();
        let active = state == PeeringState::Active;
        if live {
            let view = PlanView {
                existing,
                vpcs,
                limits,
            };
            let joining = Joining {
                becoming_live: true,
                becoming_active: active,
                except: None,
            };
            let names = Some((spec.vpc.as_str(), spec.peer_vpc.as_str()));
            if let Err(err) = check_live_peering(&view, a, b, names, joining) {
                // The peering as a whole breaks the rule, not one of its fields.
                self.check.error(format!("peerings[{i}]"), err.message);
                return None;
            }
        }
        if self.check.errors.len() > errors_before {
            return None;
        }
        if live {
            vpcs.link(a, b, &peering_id, active);
        }
        let planned = PlannedPeering {
            peering_connection_id: peering_id,
            peering_connection_name: spec.peering_connection_name.clone(),
            vpc_row: ea.row,
            peer_vpc_row: eb.row,
            uin: ea.uin,
            peer_uin: eb.uin,
            region: ea.region,
            state,
            create_time,
            expire_time,
            link,
        };
        Some((planned, a, b))
    }

    /// What a peering's row says of one of its ends; `None` for an existing
    /// VPC in a region vpcsim does not serve, which `find` never gives.
    fn end(&self, vpcs: &Vpcs<S::Vpc>, node: NodeRef<S::Vpc>) -> Option<End> {
        Some(match node {
            NodeRef::Existing(v) => End {
                row: self.existing.vpc_row(v),
                uin: self.existing.vpc_owner(v).to_owned(),
                region: self.existing.vpc_region(v)?,
            },
            NodeRef::New(i) => {
                let n = &vpcs.nodes[i];
                End {
                    row: n.row_id,
                    uin: n.uin.clone(),
                    region: n.region,
                }
            }
        })
    }
}

/// One end of a planned peering, as its row records it.
struct End {
    row: i64,
    uin: String,
    region: Region,
}

/// The state a file's peering is stored in.
fn stored_state(spec: StateSpec) -> PeeringState {
    match spec {
        StateSpec::Pending => PeeringState::Pending,
        StateSpec::Active => PeeringState::Active,
        StateSpec::Expired => PeeringState::Expired,
        StateSpec::Rejected => PeeringState::Rejected,
        StateSpec::Deleted => PeeringState::Deleted,
    }
}

/// The planned state as the rules see it: the existing VPCs and the
/// file's, with the live peerings planned so far.
struct PlanView<'a, 'l, S: ExistingState> {
    existing: &'a S,
    vpcs: &'a Vpcs<S::Vpc>,
    limits: &'a Limits<'l, S>,
}

impl<S: ExistingState> PlanView<'_, '_, S> {
    /// The file's links of a VPC, as the rules see them.
    fn planned(links: &[PlannedLink<S::Vpc>]) -> impl Iterator<Item = LiveLink<'_, Node<S>>> {
        links.iter().map(|(id, other, active)| LiveLink {
            peering_id: id,
            other: *other,
            active: *active,
        })
    }
}

/// A VPC of the plan, as `PlanView` names it.
type Node<S> = NodeRef<<S as StateView>::Vpc>;

impl<S: ExistingState> StateView for PlanView<'_, '_, S> {
    type Vpc = Node<S>;

    fn label(&self, vpc: Node<S>) -> &str {
        match vpc {
            NodeRef::Existing(v) => self.existing.label(v),
            NodeRef::New(i) => &self.vpcs.nodes[i].label,
        }
    }

    fn blocks(&self, vpc: Node<S>) -> &[CidrBlock] {
        match vpc {
            NodeRef::Existing(v) => self.existing.blocks(v),
            NodeRef::New(i) => &self.vpcs.nodes[i].blocks,
        }
    }

    fn deleted(&self, vpc: Node<S>) -> bool {
        match vpc {
            NodeRef::Existing(v) => self.existing.deleted(v),
            NodeRef::New(i) => self.vpcs.nodes[i].deleted,
        }
    }

    /// The file's quotas bind existing VPCs too.
    fn limit(&self, vpc: Node<S>, quota: QuotaName) -> i64 {
        match vpc {
            NodeRef::Existing(v) => match self.existing.vpc_region(v) {
                Some(region) => self.limits.of(self.existing.vpc_owner(v), region, quota),
                // Never named (see `vpc_region`).
                None => self.existing.limit(v, quota),
            },
            NodeRef::New(i) => {
                let node = &self.vpcs.nodes[i];
                self.limits.of(&node.uin, node.region, quota)
            }
        }
    }

    fn live_links(&self, vpc: Node<S>) -> Vec<LiveLink<'_, Node<S>>> {
        match vpc {
            NodeRef::Existing(v) => {
                let own = self.existing.live_links(v).into_iter().map(|l| LiveLink {
                    peering_id: l.peering_id,
                    other: NodeRef::Existing(l.other),
                    active: l.active,
                });
                let planned = self
                    .vpcs
                    .planned_links
                    .get(&v)
                    .map_or(&[][..], Vec::as_slice);
                own.chain(Self::planned(planned)).collect()
            }
            NodeRef::New(i) => Self::planned(&self.vpcs.nodes[i].live).collect(),
        }
    }
}
