//! The Describe and admin reads, answered from the model. Each walks only
//! what the caller may see: its own peerings, or its VPCs in one region.
//! The filters they take are defined here, beside the reads that apply them.

use std::cmp::Ordering;

use super::{Model, PeeringEntry, PeeringIx, VpcIx};
use crate::{
    domain::{
        ids::VpcRef, link::Tag, peering::PeeringState, quota::QuotaName, rules::StateView,
        time::Timestamp,
    },
    store::records::{Peering, Quota, Vpc},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeeringOrder {
    #[default]
    CreateTime,
    Name,
}

/// DescribeVpcPeeringConnections filters and page, validated. Each filter
/// takes a set of values, any of which matches (`None`: no filter; an empty
/// set matches nothing); a peering is listed when every filter matches.
/// One model read answers the whole page, so pages of one state never
/// overlap or skip.
#[derive(Debug, Clone, Default)]
pub struct PeeringFilter {
    pub ids: Option<Vec<String>>,
    /// Either end, by either id form; a deleted VPC matches nothing.
    pub vpcs: Option<Vec<VpcRef>>,
    pub names: Option<Vec<String>>,
    pub states: Option<Vec<PeeringState>>,
    pub offset: i64,
    pub limit: i64,
    pub order: PeeringOrder,
    pub ascending: bool,
}

/// How a VPC name filter matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameMatch {
    /// The whole name (gRPC's DescribeVpcEx).
    #[default]
    Exact,
    /// Any part of it (API 3.0 and the legacy API match names fuzzily).
    Contains,
}

/// DescribeVpcEx (and DescribeVpcs) filters, order and page, validated.
/// Each filter takes a set of values, any of which matches (`None`: no
/// filter); a VPC is listed when every filter matches. Oldest first unless
/// ordered by name (ties oldest first), reversed by `descending`.
#[derive(Debug, Clone, Default)]
pub struct VpcFilter {
    /// Either id form.
    pub ids: Option<Vec<VpcRef>>,
    pub names: Option<Vec<String>>,
    pub name_match: NameMatch,
    /// The primary block, as written.
    pub cidr_blocks: Option<Vec<String>>,
    /// Tags the VPC must have, every one of them.
    pub tags: Vec<TagMatch>,
    pub by_name: bool,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A tag a listed resource has: of one of `keys`, with any value
/// (`values: None`) or with one of `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMatch {
    pub keys: Vec<String>,
    pub values: Option<Vec<String>>,
}

impl TagMatch {
    /// Whether `tags` has a tag this asks for.
    pub fn found_in(&self, tags: &[Tag]) -> bool {
        tags.iter().any(|t| {
            self.keys.contains(&t.key) && self.values.as_ref().is_none_or(|v| v.contains(&t.value))
        })
    }

    /// Whether `tags` has a tag for each of `wanted`.
    pub fn all_found_in(wanted: &[TagMatch], tags: &[Tag]) -> bool {
        wanted.iter().all(|w| w.found_in(tags))
    }
}

/// Whether `text` is one of `values`; no filter (`None`) matches all.
pub(in crate::store) fn any_of(values: &Option<Vec<String>>, text: &str) -> bool {
    values.as_ref().is_none_or(|v| v.iter().any(|x| x == text))
}

impl NameMatch {
    /// Whether `name` matches any of `names` this way; no filter matches all.
    pub(in crate::store) fn any(self, names: &Option<Vec<String>>, name: &str) -> bool {
        names.as_ref().is_none_or(|names| {
            names.iter().any(|n| match self {
                NameMatch::Exact => name == n,
                NameMatch::Contains => name.contains(n.as_str()),
            })
        })
    }
}

/// Where a page starts and how long it is, as the API gives them.
pub(in crate::store) fn page<T>(
    matches: Vec<T>,
    offset: i64,
    limit: i64,
) -> impl Iterator<Item = T> {
    let offset = usize::try_from(offset).unwrap_or(0);
    let limit = usize::try_from(limit).unwrap_or(0);
    matches.into_iter().skip(offset).take(limit)
}

impl Model {
    /// The caller's peerings in `region` (at either end) that match, one
    /// page of them in the filter's order, and how many match in all.
    pub fn describe_peerings(
        &self,
        caller: &str,
        region: &str,
        filter: &PeeringFilter,
        now: Timestamp,
    ) -> (i64, Vec<Peering>) {
        let (Some(caller), Some(region)) = (self.uins.get(caller), self.regions.get(region)) else {
            return (0, Vec::new());
        };
        // A VPC filter matches either end, in any region; a VPC that does
        // not exist or is deleted matches nothing.
        let vpcs: Option<Vec<VpcIx>> = filter.vpcs.as_ref().map(|refs| {
            refs.iter()
                .filter_map(|r| self.vpc_by_id(r.as_str()))
                .filter(|&ix| !self.vpc(ix).deleted)
                .collect()
        });
        let any = any_of;
        let keep = |p: &PeeringEntry| {
            (self.vpc(p.vpc).region == region || self.vpc(p.peer).region == region)
                && vpcs
                    .as_ref()
                    .is_none_or(|v| v.contains(&p.vpc) || v.contains(&p.peer))
                && any(&filter.ids, self.text(p.id))
                && any(&filter.names, self.text(p.name))
                && filter
                    .states
                    .as_ref()
                    .is_none_or(|s| s.contains(&p.effective_state(now)))
        };
        let mut matches: Vec<PeeringIx> = self
            .peerings_of
            .get(&caller)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&ix| keep(self.peering(ix)))
            .collect();
        // Ties break by id so that pages never overlap or skip.
        let order = |a: &PeeringEntry, b: &PeeringEntry| -> Ordering {
            let first = match filter.order {
                PeeringOrder::CreateTime => a.create_time.cmp(&b.create_time),
                PeeringOrder::Name => self.text(a.name).cmp(self.text(b.name)),
            };
            first.then_with(|| self.text(a.id).cmp(self.text(b.id)))
        };
        matches.sort_unstable_by(|&a, &b| {
            let ordering = order(self.peering(a), self.peering(b));
            if filter.ascending {
                ordering
            } else {
                ordering.reverse()
            }
        });
        let total = matches.len() as i64;
        let shown = page(matches, filter.offset, filter.limit)
            .map(|ix| self.peering_record(ix, now))
            .collect();
        (total, shown)
    }

    /// The owner's live VPCs in `region` that match, one page of them in
    /// the filter's order, and how many match in all.
    pub fn describe_vpcs(&self, owner: &str, region: &str, filter: &VpcFilter) -> (i64, Vec<Vpc>) {
        let wanted: Option<Vec<VpcIx>> = filter.ids.as_ref().map(|refs| {
            refs.iter()
                .filter_map(|r| self.vpc_by_id(r.as_str()))
                .collect()
        });
        let name_matches = |name: &str| filter.name_match.any(&filter.names, name);
        let mut matches: Vec<VpcIx> = self
            .vpcs_in(owner, region)
            .filter(|&ix| {
                let vpc = self.vpc(ix);
                !vpc.deleted
                    && wanted.as_ref().is_none_or(|w| w.contains(&ix))
                    && name_matches(self.text(vpc.name))
                    && filter.cidr_blocks.as_ref().is_none_or(|blocks| {
                        let primary = self.blocks(ix).first().map(ToString::to_string);
                        blocks.iter().any(|b| Some(b) == primary.as_ref())
                    })
                    && TagMatch::all_found_in(&filter.tags, self.network().vpc_tags(ix))
            })
            .collect();
        // Oldest first as stored; a stable sort keeps that among equal names.
        if filter.by_name {
            matches.sort_by(|&a, &b| self.text(self.vpc(a).name).cmp(self.text(self.vpc(b).name)));
        }
        if filter.descending {
            matches.reverse();
        }
        let total = matches.len() as i64;
        let shown = page(matches, filter.offset, filter.limit)
            .map(|ix| self.vpc_record(ix))
            .collect();
        (total, shown)
    }

    /// Current use of a quota: VPCs in the region, or for the per-VPC quotas
    /// the highest use among the account's VPCs there.
    pub fn quota_used(&self, uin: &str, region: &str, quota: QuotaName, now: Timestamp) -> i64 {
        let view = self.view(now);
        let per_vpc = |use_of: &dyn Fn(super::VpcIx) -> usize| {
            self.vpcs_in(uin, region)
                .filter(|&ix| !self.vpc(ix).deleted)
                .map(use_of)
                .max()
                .unwrap_or(0) as i64
        };
        match quota {
            QuotaName::MaxVpcs => self.vpc_count(uin, region),
            QuotaName::MaxVpcPeers => per_vpc(&|ix| view.live_links(ix).len()),
            QuotaName::MaxAvailableVpcPeers => {
                per_vpc(&|ix| view.live_links(ix).iter().filter(|l| l.active).count())
            }
            QuotaName::MaxAssistantCidrs => per_vpc(&|ix| self.blocks(ix).len().saturating_sub(1)),
            QuotaName::MaxSubnets => per_vpc(&|ix| self.network().subnets_of(ix).count()),
            QuotaName::MaxRouteTables => per_vpc(&|ix| self.network().tables_of(ix).count()),
            QuotaName::MaxRoutes => per_vpc(&|ix| {
                self.network()
                    .tables_of(ix)
                    .map(|t| t.routes.len())
                    .max()
                    .unwrap_or(0)
            }),
        }
    }

    /// Every quota of an account in a region: its limit and its use.
    pub fn quotas(&self, uin: &str, region: &str, now: Timestamp) -> Vec<Quota> {
        QuotaName::ALL
            .into_iter()
            .map(|quota| Quota {
                quota_name: quota.as_str().to_owned(),
                limit: self.limit(uin, region, quota),
                used: self.quota_used(uin, region, quota, now),
            })
            .collect()
    }
}

impl Model {
    /// How much the state holds: accounts, live VPCs, and peerings by
    /// state on the clock at `now`, every state listed.
    pub fn counts(&self, now: Timestamp) -> (i64, i64, Vec<(&'static str, i64)>) {
        let vpcs = self.vpcs.iter().filter(|v| !v.deleted).count() as i64;
        let mut by_state: Vec<(&'static str, i64)> = crate::domain::peering::PeeringState::ALL
            .iter()
            .map(|s| (s.as_str(), 0))
            .collect();
        for peering in &self.peerings {
            let state = peering.effective_state(now).as_str();
            if let Some(slot) = by_state.iter_mut().find(|(s, _)| *s == state) {
                slot.1 += 1;
            }
        }
        (self.accounts.len() as i64, vpcs, by_state)
    }
}
