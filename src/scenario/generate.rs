//! `vpcsim generate`: a large, valid, deterministic scenario for load tests.
//!
//! Every VPC gets its own block of 10.0.0.0/8, so no two VPCs overlap and
//! no overlap rule can fail. Peering `k` joins VPC `k mod n` with the VPC
//! `vpcs_per_account * (round + 1)` places on, which belongs to another
//! account; each round adds at most two peerings to a VPC, and quotas are
//! raised where the rounds need more than the defaults.
//!
//! Optionally, each VPC's block is cut into `subnets_per_vpc` equal subnets
//! (in its region's zones in turn), and each ACTIVE peering gets a route at
//! both ends, in the VPC's default table, to the whole block of the other.

use std::net::Ipv4Addr;

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{
    AccountSpec, PeeringSpec, QuotaSpec, RouteSpec, RouteTableSpec, Scenario, StateSpec,
    SubnetSpec, VpcSpec,
};
use crate::domain::{
    quota::QuotaName,
    region::Region,
    route::GatewayType,
    subnet::{MAX_SUBNET_PREFIX, zones},
    time::{PENDING_LIFETIME_SECS, Timestamp, format_time, parse_time},
};

/// What to generate. The shares are relative weights of each state.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub accounts: usize,
    pub vpcs_per_account: usize,
    pub peerings: usize,
    pub shares: [(StateSpec, u32); 5],
    pub seed: u64,
    pub region: Region,
    pub clock: String,
    /// Subnets to cut each VPC's block into; 0 for none.
    pub subnets_per_vpc: usize,
    /// A route at both ends of each ACTIVE peering, to the other end's block.
    pub routes: bool,
}

const DAY: i64 = 24 * 60 * 60;
/// First uin; account `i` is `FIRST_UIN + i`.
const FIRST_UIN: u64 = 100_000_000;

fn pick_state(rng: &mut StdRng, shares: &[(StateSpec, u32); 5], total: u32) -> StateSpec {
    let mut roll = rng.random_range(0..total);
    for (state, weight) in shares {
        if roll < *weight {
            return *state;
        }
        roll -= weight;
    }
    StateSpec::Active
}

pub fn generate(
    options: &GenerateOptions,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Scenario> {
    let n = options.accounts * options.vpcs_per_account;
    let now: Timestamp =
        parse_time(&options.clock).context("--clock must be a time such as 2026-01-01 00:00:00")?;
    let total_weight: u32 = options.shares.iter().map(|(_, w)| w).sum();
    if total_weight == 0 {
        bail!("at least one state needs a share above 0");
    }
    if n > 1 << 20 {
        bail!("at most 1048576 vpcs fit 10.0.0.0/8 with disjoint blocks");
    }
    let rounds = options.peerings.div_ceil(n.max(1));
    // The smallest prefix that gives every VPC its own block, at least /16.
    let bits = usize::BITS - n.saturating_sub(1).leading_zeros();
    let prefix = (8 + bits).clamp(16, 28);
    // Each subnet's prefix: the VPC's, cut into a power of two of them.
    let subnet_bits = usize::BITS - options.subnets_per_vpc.saturating_sub(1).leading_zeros();
    let subnet_prefix = prefix + subnet_bits;
    if options.subnets_per_vpc > 0 && subnet_prefix > u32::from(MAX_SUBNET_PREFIX) {
        bail!(
            "--subnets-per-vpc {} cuts each vpc's /{prefix} into /{subnet_prefix} subnets, smaller than /{MAX_SUBNET_PREFIX}: \
             lower --subnets-per-vpc, or the number of vpcs (--accounts times --vpcs-per-account)",
            options.subnets_per_vpc
        );
    }
    if options.peerings > 0 && (options.accounts < 2 || 2 * rounds >= options.accounts) {
        bail!(
            "--peerings {} over {n} vpcs needs --accounts {} or more (now {}): a peering joins \
             vpcs of two accounts, and {rounds} peerings per vpc need that many; raise \
             --accounts or --vpcs-per-account, or lower --peerings",
            options.peerings,
            2 * rounds + 1,
            options.accounts
        );
    }
    let mut rng = StdRng::seed_from_u64(options.seed);
    let uin = |i: usize| (FIRST_UIN + i as u64).to_string();
    let mut scenario = Scenario {
        clock: Some(format_time(now)),
        id_seed: Some(options.seed),
        ..Default::default()
    };
    for i in 0..options.accounts {
        scenario.accounts.push(AccountSpec {
            uin: uin(i),
            name: format!("account-{i}"),
            secret_id: Some(format!("AKIDgen{i}")),
            secret_key: Some(format!("key{i}")),
            ..Default::default()
        });
    }
    let region = options.region.name.to_owned();
    let set = |quotas: &mut Vec<QuotaSpec>, i: usize, quota: QuotaName, limit: usize| {
        quotas.push(QuotaSpec {
            uin: uin(i),
            region: Some(region.clone()),
            quota_name: quota.as_str().into(),
            limit: limit as i64,
        });
    };
    let peers_per_vpc = 2 * rounds;
    for i in 0..options.accounts {
        if options.vpcs_per_account as i64 > QuotaName::MaxVpcs.default_limit() {
            set(
                &mut scenario.quotas,
                i,
                QuotaName::MaxVpcs,
                options.vpcs_per_account,
            );
        }
        if options.subnets_per_vpc as i64 > QuotaName::MaxSubnets.default_limit() {
            set(
                &mut scenario.quotas,
                i,
                QuotaName::MaxSubnets,
                options.subnets_per_vpc,
            );
        }
        if options.routes && peers_per_vpc as i64 > QuotaName::MaxRoutes.default_limit() {
            set(&mut scenario.quotas, i, QuotaName::MaxRoutes, peers_per_vpc);
        }
        if peers_per_vpc as i64 > QuotaName::MaxVpcPeers.default_limit() {
            set(
                &mut scenario.quotas,
                i,
                QuotaName::MaxVpcPeers,
                peers_per_vpc,
            );
            set(
                &mut scenario.quotas,
                i,
                QuotaName::MaxAvailableVpcPeers,
                peers_per_vpc,
            );
        }
    }
    let legacy = |i: usize| format!("{}_vpc_{}", options.region.short, i + 1);
    let block = |i: usize| u32::from(Ipv4Addr::new(10, 0, 0, 0)) | ((i as u32) << (32 - prefix));
    let zones = zones(options.region);
    for i in 0..n {
        let base = block(i);
        let subnets = (0..options.subnets_per_vpc)
            .map(|k| SubnetSpec {
                subnet_name: format!("vpc-{i}-subnet-{k}"),
                cidr_block: format!(
                    "{}/{subnet_prefix}",
                    Ipv4Addr::from(base | ((k as u32) << (32 - subnet_prefix)))
                ),
                zone: zones
                    .get(k % zones.len().max(1))
                    .copied()
                    .unwrap_or_default()
                    .to_owned(),
                ..Default::default()
            })
            .collect();
        scenario.vpcs.push(VpcSpec {
            uin: uin(i / options.vpcs_per_account),
            region: Some(region.clone()),
            vpc_name: format!("vpc-{i}"),
            cidr_block: format!("{}/{prefix}", Ipv4Addr::from(base)),
            vpc_id: Some(legacy(i)),
            create_time: Some(format_time(now - 30 * DAY)),
            subnets,
            ..Default::default()
        });
        if i % 4096 == 0 {
            progress(i as u64);
        }
    }
    for k in 0..options.peerings {
        let round = k / n;
        let a = k % n;
        let b = (a + options.vpcs_per_account * (round + 1)) % n;
        let state = pick_state(&mut rng, &options.shares, total_weight);
        let age = match state {
            StateSpec::Pending => rng.random_range(0..PENDING_LIFETIME_SECS - DAY),
            StateSpec::Expired => PENDING_LIFETIME_SECS + rng.random_range(0..20 * DAY),
            _ => rng.random_range(0..29 * DAY),
        };
        let name = format!("peering-{k}");
        if options.routes && state == StateSpec::Active {
            for (from, to) in [(a, b), (b, a)] {
                route_to(
                    &mut scenario.vpcs[from],
                    &name,
                    Ipv4Addr::from(block(to)),
                    prefix,
                );
            }
        }
        scenario.peerings.push(PeeringSpec {
            peering_connection_id: None,
            peering_connection_name: name,
            vpc: legacy(a),
            peer_vpc: legacy(b),
            state,
            create_time: Some(format_time(now - age)),
            ..Default::default()
        });
        if k % 4096 == 0 {
            progress((n + k) as u64);
        }
    }
    Ok(scenario)
}

/// Adds a route to `vpc`'s default table: to `base/prefix` through the
/// peering named `peering`.
fn route_to(vpc: &mut VpcSpec, peering: &str, base: Ipv4Addr, prefix: u32) {
    if vpc.route_tables.is_empty() {
        vpc.route_tables.push(RouteTableSpec {
            main: Some(true),
            ..Default::default()
        });
    }
    vpc.route_tables[0].routes.push(RouteSpec {
        destination_cidr_block: format!("{base}/{prefix}"),
        gateway_type: GatewayType::PeerConnection.as_str().to_owned(),
        gateway_id: peering.to_owned(),
        ..Default::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::ids::IdGenerator,
        scenario::validate::{EmptyState, plan},
    };

    fn options(accounts: usize, vpa: usize, peerings: usize) -> GenerateOptions {
        GenerateOptions {
            accounts,
            vpcs_per_account: vpa,
            peerings,
            shares: [
                (StateSpec::Active, 50),
                (StateSpec::Pending, 20),
                (StateSpec::Expired, 10),
                (StateSpec::Rejected, 10),
                (StateSpec::Deleted, 10),
            ],
            seed: 3,
            region: Region::parse("gz").unwrap(),
            clock: "2026-01-01 00:00:00".into(),
            subnets_per_vpc: 0,
            routes: false,
        }
    }

    #[test]
    fn generated_scenarios_are_deterministic_and_valid() {
        let a = generate(&options(20, 3, 150), |_| {}).unwrap();
        let b = generate(&options(20, 3, 150), |_| {}).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            (a.accounts.len(), a.vpcs.len(), a.peerings.len()),
            (20, 60, 150)
        );
        let region = Region::parse("gz").unwrap();
        let planned = plan(
            &EmptyState,
            None,
            &a,
            region,
            0,
            &mut IdGenerator::new(Some(1)),
        )
        .unwrap();
        assert_eq!(planned.peerings.len(), 150);
        let states: std::collections::HashSet<_> = a.peerings.iter().map(|p| p.state).collect();
        assert_eq!(states.len(), 5, "every state appears");
    }

    #[test]
    fn subnets_and_routes_are_valid_and_only_where_asked() {
        let plain = generate(&options(20, 3, 150), |_| {}).unwrap();
        assert!(
            plain
                .vpcs
                .iter()
                .all(|v| v.subnets.is_empty() && v.route_tables.is_empty()),
            "none by default"
        );
        let networked = GenerateOptions {
            subnets_per_vpc: 3,
            routes: true,
            ..options(20, 3, 150)
        };
        let scenario = generate(&networked, |_| {}).unwrap();
        assert_eq!(scenario.vpcs[0].subnets.len(), 3);
        // The same peerings as without the network.
        assert_eq!(scenario.peerings, plain.peerings);
        let active = scenario
            .peerings
            .iter()
            .filter(|p| p.state == StateSpec::Active)
            .count();
        let routes: usize = scenario
            .vpcs
            .iter()
            .flat_map(|v| &v.route_tables)
            .map(|t| t.routes.len())
            .sum();
        assert_eq!(routes, 2 * active);
        let planned = plan(
            &EmptyState,
            None,
            &scenario,
            Region::parse("gz").unwrap(),
            0,
            &mut IdGenerator::new(Some(1)),
        )
        .unwrap();
        assert_eq!(planned.subnets.len(), 60 * 3);
        assert_eq!(planned.routes.len(), 2 * active);
        assert_eq!(planned.route_tables.len(), 60);
        // A subnet smaller than /28 cannot be.
        let too_many = GenerateOptions {
            subnets_per_vpc: 1 << 13,
            ..options(20, 3, 0)
        };
        let err = generate(&too_many, |_| {}).unwrap_err().to_string();
        assert!(err.contains("--subnets-per-vpc 8192"), "{err}");
    }

    #[test]
    fn too_few_accounts_is_an_error() {
        assert!(generate(&options(1, 3, 2), |_| {}).is_err());
    }
}
