//! The Describe and admin reads, answered from the model. Each walks only
//! what the caller may see: its own peerings, or its VPCs in one region.

use std::cmp::Ordering;

use super::{Model, PeeringEntry, PeeringIx};
use crate::{
    domain::{quota::QuotaName, rules::StateView, time::Timestamp},
    store::{
        peerings::{PeeringFilter, PeeringOrder},
        records::{Peering, Quota, Vpc},
        vpcs::VpcFilter,
    },
};

/// Where a page starts and how long it is, as the API gives them.
fn page<T>(matches: Vec<T>, offset: i64, limit: i64) -> impl Iterator<Item = T> {
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
        // (`vpc_by_id` finds an id only in its own form.)
        let vpc = match &filter.vpc {
            None => None,
            Some(vpc_ref) => match self
                .vpc_by_id(vpc_ref.as_str())
                .filter(|&ix| !self.vpc(ix).deleted)
            {
                Some(ix) => Some(ix),
                None => return (0, Vec::new()),
            },
        };
        let keep = |p: &PeeringEntry| {
            (self.vpc(p.vpc).region == region || self.vpc(p.peer).region == region)
                && vpc.is_none_or(|v| p.vpc == v || p.peer == v)
                && filter
                    .peering_id
                    .as_deref()
                    .is_none_or(|id| self.text(p.id) == id)
                && filter
                    .name
                    .as_deref()
                    .is_none_or(|name| self.text(p.name) == name)
                && filter.state.is_none_or(|s| p.effective_state(now) == s)
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

    /// The owner's live VPCs in `region` that match, by row, one page of
    /// them, and how many match in all.
    pub fn describe_vpcs(&self, owner: &str, region: &str, filter: &VpcFilter) -> (i64, Vec<Vpc>) {
        // `None`: no VPC filter; `Some(None)`: an id that names no VPC.
        let wanted = filter.vpc.as_ref().map(|r| self.vpc_by_id(r.as_str()));
        let matches: Vec<_> = self
            .vpcs_in(owner, region)
            .filter(|&ix| {
                let vpc = self.vpc(ix);
                !vpc.deleted
                    && wanted.is_none_or(|w| w == Some(ix))
                    && filter
                        .vpc_name
                        .as_deref()
                        .is_none_or(|n| self.text(vpc.name) == n)
            })
            .collect();
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
