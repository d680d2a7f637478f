//! The rules of live peerings and of the blocks of peered VPCs, each written
//! once, as functions of a [`StateView`]: whatever holds VPCs and their live
//! peerings. The live API checks them on the in-memory model of the state,
//! the scenario loader on the model of the file it plans, so both refuse the
//! same things with the same words. (`vpcsim check` is the exception on
//! purpose: an independent oracle over the stored rows.)

use super::{
    cidr::{CidrBlock, first_overlap, first_overlap_within},
    error::{ApiError, Cause, ErrorCode},
    peering::PeeringState,
    quota::QuotaName,
    time::{PENDING_LIFETIME_SECS, Timestamp},
};

/// A live peering of some VPC, seen from that VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveLink<'a, V> {
    pub peering_id: &'a str,
    /// The VPC at the other end.
    pub other: V,
    pub active: bool,
}

/// What the rules need to know about a state: its VPCs (by a handle of the
/// view's choosing), their blocks, owners' quotas and live peerings, at the
/// view's clock reading.
pub trait StateView {
    type Vpc: Copy + Eq;

    /// How messages name the VPC when the caller did not name it.
    fn label(&self, vpc: Self::Vpc) -> &str;
    /// The primary block and every assistant block.
    fn blocks(&self, vpc: Self::Vpc) -> &[CidrBlock];
    fn deleted(&self, vpc: Self::Vpc) -> bool;
    /// The limit of `quota` that binds the VPC: its owner's, in its region.
    fn limit(&self, vpc: Self::Vpc, quota: QuotaName) -> i64;
    /// The VPC's live (PENDING in time, or ACTIVE) peerings, at either end.
    fn live_links(&self, vpc: Self::Vpc) -> Vec<LiveLink<'_, Self::Vpc>>;
}

/// How a peering between two VPCs is about to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joining<'a> {
    /// Create and enable make it live: no other live peering may join the
    /// pair, and it counts against the live-peering quota.
    pub becoming_live: bool,
    /// Create between one account's VPCs and accept make it ACTIVE: it
    /// counts against the ACTIVE quota.
    pub becoming_active: bool,
    /// The peering being changed, left out of the counts and overlaps.
    pub except: Option<&'a str>,
}

/// Checks every rule a live peering between `a` and `b` must keep: both
/// VPCs exist, a VPC never peers itself, one live peering per pair, the two
/// VPCs' blocks are disjoint, each VPC's live peers stay pairwise disjoint
/// once it joins them, and each end's quotas. `names` are how the caller
/// named the two ends, for messages; by default their labels.
pub fn check_live_peering<V: StateView>(
    view: &V,
    a: V::Vpc,
    b: V::Vpc,
    names: Option<(&str, &str)>,
    joining: Joining<'_>,
) -> Result<(), ApiError> {
    let (name_a, name_b) = names.unwrap_or((view.label(a), view.label(b)));
    let conflict =
        |message: String| ApiError::new(ErrorCode::PeeringConnectionVpcConflict, message);
    for (vpc, name) in [(a, name_a), (b, name_b)] {
        if view.deleted(vpc) {
            return Err(ApiError::new(
                ErrorCode::InvalidVpcNotFound,
                format!("vpc {name} is deleted: a live peering cannot join it"),
            ));
        }
    }
    // By handle: the caller may have named one VPC by both its ids.
    if a == b {
        return Err(conflict(format!("vpc {name_a} cannot peer with itself")));
    }
    let live = |vpc: V::Vpc| -> Vec<LiveLink<'_, V::Vpc>> {
        let mut links = view.live_links(vpc);
        links.retain(|l| Some(l.peering_id) != joining.except);
        links
    };
    let (links_a, links_b) = (live(a), live(b));
    if joining.becoming_live
        && let Some(dup) = links_a.iter().find(|l| l.other == b)
    {
        return Err(ApiError::new(
            ErrorCode::VpcPeerAlreadyExist,
            format!(
                "{name_a} and {name_b} are already peered by {}",
                dup.peering_id
            ),
        ));
    }
    if let Some((x, y)) = first_overlap(view.blocks(a), view.blocks(b)) {
        return Err(
            conflict(format!("{x} of {name_a} overlaps {y} of {name_b}"))
                .because(Cause::PairOverlap),
        );
    }
    // The newcomer must not overlap any live peer of the host.
    let crowded = |newcomer: V::Vpc,
                   newcomer_name: &str,
                   host_name: &str,
                   links: &[LiveLink<'_, V::Vpc>]| {
        links.iter().filter(|l| l.other != newcomer).find_map(|l| {
            first_overlap(view.blocks(newcomer), view.blocks(l.other)).map(|(x, y)| {
                conflict(format!(
                    "{x} of {newcomer_name} overlaps {y} of {}, already peered with {host_name} by {}",
                    view.label(l.other),
                    l.peering_id
                ))
                .because(Cause::PeerOverlap)
            })
        })
    };
    if let Some(err) = crowded(b, name_b, name_a, &links_a) {
        return Err(err);
    }
    if let Some(err) = crowded(a, name_a, name_b, &links_b) {
        return Err(err);
    }
    for (vpc, name, links) in [(a, name_a, &links_a), (b, name_b, &links_b)] {
        if joining.becoming_live {
            let limit = view.limit(vpc, QuotaName::MaxVpcPeers);
            check_peer_quota(name, "live", links.len(), limit, QuotaName::MaxVpcPeers)
                .map_err(|err| err.because(Cause::LivePeeringQuota))?;
        }
        if joining.becoming_active {
            let used = links.iter().filter(|l| l.active).count();
            let limit = view.limit(vpc, QuotaName::MaxAvailableVpcPeers);
            check_peer_quota(name, "active", used, limit, QuotaName::MaxAvailableVpcPeers)
                .map_err(|err| err.because(Cause::ActivePeeringQuota))?;
        }
    }
    Ok(())
}

fn check_peer_quota(
    name: &str,
    kind: &str,
    used: usize,
    limit: i64,
    quota: QuotaName,
) -> Result<(), ApiError> {
    if (used as i64) < limit {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::PeeringConnectionLimitExceeded,
        format!(
            "vpc {name} has {used} of {limit} {kind} peerings allowed by quota {}",
            quota.as_str()
        ),
    ))
}

/// Checks that blocks about to be added to `vpc` overlap none of its live
/// peers, nor any other live peer of those peers: every VPC's peers stay
/// pairwise disjoint.
pub fn check_blocks_against_peers<V: StateView>(
    view: &V,
    vpc: V::Vpc,
    blocks: &[CidrBlock],
) -> Result<(), ApiError> {
    let conflict =
        |message: String| ApiError::new(ErrorCode::PeeringConnectionVpcConflict, message);
    for link in view.live_links(vpc) {
        let peer = link.other;
        if let Some((x, y)) = first_overlap(blocks, view.blocks(peer)) {
            return Err(conflict(format!(
                "{x} overlaps {y} of {}, peered by {}",
                view.label(peer),
                link.peering_id
            )));
        }
        for neighbour in view.live_links(peer) {
            if neighbour.peering_id == link.peering_id || neighbour.other == vpc {
                continue;
            }
            if let Some((x, y)) = first_overlap(blocks, view.blocks(neighbour.other)) {
                return Err(conflict(format!(
                    "{x} overlaps {y} of {}, which is peered with {} by {} like this vpc",
                    view.label(neighbour.other),
                    view.label(peer),
                    neighbour.peering_id
                )));
            }
        }
    }
    Ok(())
}

/// Checks that `vpc` may be deleted: no live peering may lose its end.
pub fn check_vpc_deletable<V: StateView>(view: &V, vpc: V::Vpc) -> Result<(), ApiError> {
    let links = view.live_links(vpc);
    match links.first() {
        None => Ok(()),
        Some(first) => Err(ApiError::new(
            ErrorCode::ResourceInUse,
            format!(
                "vpc {} has {} live peering connections, such as {}; delete them first",
                view.label(vpc),
                links.len(),
                first.peering_id
            ),
        )),
    }
}

/// Checks that a VPC's own blocks (its primary block and its assistant
/// blocks) are pairwise disjoint. `whose` is how the message names the VPC:
/// `vpc vpc-8e0ypm3z`, or `the same vpc` where the error already points at
/// it. The caller names the request field, if any.
pub fn check_own_blocks(whose: &str, blocks: &[CidrBlock]) -> Result<(), ApiError> {
    match first_overlap_within(blocks) {
        None => Ok(()),
        Some((a, b)) => Err(ApiError::new(
            ErrorCode::InvalidParameterValueOverlap,
            format!("{a} overlaps {b} of {whose}"),
        )),
    }
}

/// Checks that an account with `count` VPCs in a region may have one more.
pub fn check_vpc_count(uin: &str, region: &str, count: i64, limit: i64) -> Result<(), ApiError> {
    if count < limit {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::LimitExceeded,
        format!(
            "account {uin} has {count} of {limit} vpcs allowed in {region} by quota {}",
            QuotaName::MaxVpcs.as_str()
        ),
    ))
}

/// Checks that a VPC may have `count` assistant blocks under `limit`.
pub fn check_assistant_count(vpc: &str, count: usize, limit: i64) -> Result<(), ApiError> {
    if count as i64 <= limit {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::LimitExceeded,
        format!(
            "vpc {vpc} would have {count} assistant cidr blocks; quota {} allows {limit}",
            QuotaName::MaxAssistantCidrs.as_str()
        ),
    ))
}

/// The state and expiry of a new peering requested at `now`: between one
/// account's VPCs it is ACTIVE at once; across accounts it waits for the
/// peer's answer for the pending lifetime.
pub fn new_peering_state(same_account: bool, now: Timestamp) -> (PeeringState, Option<Timestamp>) {
    if same_account {
        (PeeringState::Active, None)
    } else {
        (PeeringState::Pending, Some(now + PENDING_LIFETIME_SECS))
    }
}

/// Whether a peering between one account's VPCs (`same_account`) may be in
/// `state`: such peerings are ACTIVE at once, so never PENDING, EXPIRED or
/// REJECTED.
pub fn state_possible(same_account: bool, state: PeeringState) -> bool {
    !same_account
        || !matches!(
            state,
            PeeringState::Pending | PeeringState::Expired | PeeringState::Rejected
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy state: VPCs by index, peerings as (id, a, b, active).
    struct Toy {
        vpcs: Vec<(&'static str, Vec<CidrBlock>, bool)>,
        peerings: Vec<(&'static str, usize, usize, bool)>,
        limit: i64,
    }

    impl StateView for Toy {
        type Vpc = usize;
        fn label(&self, vpc: usize) -> &str {
            self.vpcs[vpc].0
        }
        fn blocks(&self, vpc: usize) -> &[CidrBlock] {
            &self.vpcs[vpc].1
        }
        fn deleted(&self, vpc: usize) -> bool {
            self.vpcs[vpc].2
        }
        fn limit(&self, _: usize, _: QuotaName) -> i64 {
            self.limit
        }
        fn live_links(&self, vpc: usize) -> Vec<LiveLink<'_, usize>> {
            self.peerings
                .iter()
                .filter_map(|&(id, a, b, active)| {
                    let other = if a == vpc {
                        b
                    } else if b == vpc {
                        a
                    } else {
                        return None;
                    };
                    Some(LiveLink {
                        peering_id: id,
                        other,
                        active,
                    })
                })
                .collect()
        }
    }

    fn blocks(texts: &[&str]) -> Vec<CidrBlock> {
        texts
            .iter()
            .map(|t| CidrBlock::parse(t, "cidr_block").expect("a block"))
            .collect()
    }

    fn toy() -> Toy {
        Toy {
            vpcs: vec![
                ("vpc-a", blocks(&["10.0.0.0/16"]), false),
                ("vpc-b", blocks(&["10.1.0.0/16", "172.16.0.0/16"]), false),
                ("vpc-c", blocks(&["192.168.0.0/16", "10.0.5.0/24"]), false),
                ("vpc-d", blocks(&["172.16.1.0/24"]), false),
                ("vpc-e", blocks(&["10.0.128.0/17"]), false),
                ("vpc-x", blocks(&["10.9.0.0/16"]), true),
            ],
            peerings: vec![("pcx-ab", 0, 1, true)],
            limit: 10,
        }
    }

    const CREATE: Joining<'static> = Joining {
        becoming_live: true,
        becoming_active: true,
        except: None,
    };

    fn code(result: Result<(), ApiError>) -> (ErrorCode, String) {
        let err = result.expect_err("a broken rule");
        (err.code, err.api3_code().to_owned())
    }

    #[test]
    fn a_pair_must_be_two_live_vpcs_without_a_live_peering() {
        let state = toy();
        assert_eq!(
            code(check_live_peering(&state, 0, 0, None, CREATE)).0,
            ErrorCode::PeeringConnectionVpcConflict
        );
        assert_eq!(
            code(check_live_peering(&state, 0, 5, None, CREATE)).0,
            ErrorCode::InvalidVpcNotFound
        );
        let dup = check_live_peering(&state, 1, 0, Some(("b", "a")), CREATE).unwrap_err();
        assert_eq!(dup.code, ErrorCode::VpcPeerAlreadyExist);
        assert_eq!(dup.message, "b and a are already peered by pcx-ab");
        // Accepting the peering itself is no duplicate.
        let accept = Joining {
            becoming_live: false,
            becoming_active: true,
            except: Some("pcx-ab"),
        };
        assert!(check_live_peering(&state, 0, 1, None, accept).is_ok());
    }

    #[test]
    fn blocks_of_the_pair_and_of_each_ends_peers_stay_disjoint() {
        let state = toy();
        // The pair overlaps through an assistant block.
        let (_, api3) = code(check_live_peering(&state, 0, 2, None, CREATE));
        assert_eq!(api3, "UnsupportedOperation.VpcPeerCidrConflict");
        // vpc-d overlaps vpc-b, a live peer of vpc-a.
        let err = check_live_peering(&state, 0, 3, None, CREATE).unwrap_err();
        assert_eq!(err.api3_code(), "UnauthorizedOperation.VpcPeerCidrConflict");
        assert_eq!(
            err.message,
            "172.16.1.0/24 of vpc-d overlaps 172.16.0.0/16 of vpc-b, already peered with vpc-a by pcx-ab"
        );
        // vpc-e overlaps vpc-a, a live peer of vpc-b.
        let err = check_live_peering(&state, 4, 1, None, CREATE).unwrap_err();
        assert!(err.message.contains("pcx-ab"), "{}", err.message);
    }

    #[test]
    fn each_end_keeps_its_quotas() {
        let mut state = toy();
        state.limit = 1;
        let (err, api3) = code(check_live_peering(&state, 0, 2, None, CREATE));
        // vpc-a and vpc-c overlap: the overlap is reported before quotas.
        assert_eq!(err, ErrorCode::PeeringConnectionVpcConflict);
        assert_eq!(api3, "UnsupportedOperation.VpcPeerCidrConflict");
        state.vpcs[2].1 = blocks(&["192.168.0.0/16"]);
        let err = check_live_peering(&state, 0, 2, None, CREATE).unwrap_err();
        assert_eq!(err.api3_code(), "LimitExceeded.VpcPeerTotalLimitExceeded");
        assert_eq!(
            err.message,
            "vpc vpc-a has 1 of 1 live peerings allowed by quota vpc-max-vpcpeers"
        );
        let accept_only = Joining {
            becoming_live: false,
            becoming_active: true,
            except: None,
        };
        let err = check_live_peering(&state, 0, 2, None, accept_only).unwrap_err();
        assert_eq!(err.api3_code(), "LimitExceeded.VpcPeerAvaLimitExceeded");
    }

    #[test]
    fn new_blocks_must_miss_peers_and_their_peers() {
        let mut state = toy();
        state.vpcs.push(("vpc-f", blocks(&["10.2.0.0/16"]), false));
        state.peerings.push(("pcx-bf", 1, 6, true));
        let err = check_blocks_against_peers(&state, 0, &blocks(&["10.1.1.0/24"])).unwrap_err();
        assert_eq!(
            err.message,
            "10.1.1.0/24 overlaps 10.1.0.0/16 of vpc-b, peered by pcx-ab"
        );
        let err = check_blocks_against_peers(&state, 0, &blocks(&["10.2.1.0/24"])).unwrap_err();
        assert!(err.message.contains("like this vpc"), "{}", err.message);
        assert!(check_blocks_against_peers(&state, 0, &blocks(&["10.3.0.0/16"])).is_ok());
        assert_eq!(
            check_vpc_deletable(&state, 0).unwrap_err().code,
            ErrorCode::ResourceInUse
        );
        assert!(check_vpc_deletable(&state, 3).is_ok());
        assert!(check_assistant_count("vpc-a", 5, 5).is_ok());
        assert_eq!(
            check_assistant_count("vpc-a", 6, 5).unwrap_err().code,
            ErrorCode::LimitExceeded
        );
        assert!(check_vpc_count("1", "ap-guangzhou", 19, 20).is_ok());
        assert!(check_vpc_count("1", "ap-guangzhou", 20, 20).is_err());
    }

    #[test]
    fn a_vpcs_own_blocks_are_disjoint() {
        assert!(check_own_blocks("vpc vpc-a", &blocks(&["10.0.0.0/16", "172.16.0.0/16"])).is_ok());
        let err = check_own_blocks(
            "vpc vpc-a",
            &blocks(&["10.0.0.0/16", "172.16.0.0/16", "10.0.8.0/24"]),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValueOverlap);
        assert_eq!(err.message, "10.0.0.0/16 overlaps 10.0.8.0/24 of vpc vpc-a");
        assert_eq!(err.field, None, "the caller names its own field");
    }

    #[test]
    fn one_accounts_peerings_are_active_at_once() {
        assert_eq!(new_peering_state(true, 100), (PeeringState::Active, None));
        assert_eq!(
            new_peering_state(false, 100),
            (PeeringState::Pending, Some(100 + PENDING_LIFETIME_SECS))
        );
        assert!(state_possible(true, PeeringState::Deleted));
        assert!(!state_possible(true, PeeringState::Rejected));
        assert!(state_possible(false, PeeringState::Expired));
    }
}
