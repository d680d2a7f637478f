//! The peering state machine and the rules a peering must obey. Pure: the
//! storage layer loads the facts, these functions decide.

use super::cidr::{CidrBlock, first_overlap};
use super::error::{ApiError, Cause, ErrorCode};
use super::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PeeringState {
    Pending = 1,
    Active = 2,
    Expired = 3,
    Rejected = 4,
    Deleted = 5,
}

impl PeeringState {
    pub const ALL: [PeeringState; 5] = [
        PeeringState::Pending,
        PeeringState::Active,
        PeeringState::Expired,
        PeeringState::Rejected,
        PeeringState::Deleted,
    ];

    pub const fn as_i64(self) -> i64 {
        self as i64
    }

    pub fn from_i64(value: i64) -> Option<PeeringState> {
        Some(match value {
            1 => PeeringState::Pending,
            2 => PeeringState::Active,
            3 => PeeringState::Expired,
            4 => PeeringState::Rejected,
            5 => PeeringState::Deleted,
            _ => return None,
        })
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            PeeringState::Pending => "PENDING",
            PeeringState::Active => "ACTIVE",
            PeeringState::Expired => "EXPIRED",
            PeeringState::Rejected => "REJECTED",
            PeeringState::Deleted => "DELETED",
        }
    }

    /// Live peerings count against quotas and take part in overlap rules.
    pub const fn is_live(self) -> bool {
        matches!(self, PeeringState::Pending | PeeringState::Active)
    }

    /// The state every read and write sees: a PENDING request whose
    /// expire_time has passed on the simulator's clock is EXPIRED.
    pub fn effective(self, expire_time: Option<Timestamp>, now: Timestamp) -> PeeringState {
        match (self, expire_time) {
            (PeeringState::Pending, Some(t)) if t <= now => PeeringState::Expired,
            _ => self,
        }
    }
}

/// What a caller wants to do to an existing peering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Reject,
    Delete,
    Modify,
    Enable,
}

/// The caller's part in a peering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub requester: bool,
    pub accepter: bool,
}

impl Action {
    pub const fn verb(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Delete => "delete",
            Action::Modify => "modify",
            Action::Enable => "enable",
        }
    }
}

/// Checks that `role` may perform `action` on a peering in `state`, and
/// returns the state it moves to.
pub fn transition(
    peering_id: &str,
    action: Action,
    role: Role,
    state: PeeringState,
) -> Result<PeeringState, ApiError> {
    use PeeringState::*;
    let allowed_role = match action {
        Action::Accept | Action::Reject => role.accepter,
        Action::Enable => role.requester,
        Action::Delete | Action::Modify => role.requester || role.accepter,
    };
    if !allowed_role {
        let who = match action {
            Action::Accept | Action::Reject => "only the peer account",
            _ => "only the requesting account",
        };
        return Err(ApiError::new(
            ErrorCode::VpcPeerPurviewError,
            format!(
                "{who} may {} peering connection {peering_id}",
                action.verb()
            ),
        ));
    }
    let next = match (action, state) {
        (Action::Accept, Pending) => Some(Active),
        (Action::Reject, Pending) => Some(Rejected),
        (Action::Enable, Expired) => Some(Pending),
        (Action::Delete, s) if s != Deleted => Some(Deleted),
        (Action::Modify, s) if s != Deleted => Some(s),
        _ => None,
    };
    next.ok_or_else(|| {
        ApiError::new(
            ErrorCode::VpcPeerInvalidStateChange,
            format!(
                "cannot {} peering connection {peering_id} in state {}",
                action.verb(),
                state.as_str()
            ),
        )
    })
}

/// A VPC as the overlap rules see it: its id (as messages name it: the form
/// the caller used, where there was a caller) and all its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcBlocks {
    pub un_vpc_id: String,
    pub blocks: Vec<CidrBlock>,
}

/// A live peering of some VPC, seen from that VPC: the peering and the VPC at
/// its other end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePeer {
    pub peering_id: String,
    pub other: VpcBlocks,
}

/// The overlap rules for peering `vpc` with `peer`:
/// a VPC may not peer itself, the two VPCs' blocks must not overlap, and the
/// live peers of each VPC must stay pairwise disjoint once the new peering
/// joins them. `vpc_peers` and `peer_peers` are the live peers of each end,
/// without the peering being checked.
pub fn check_overlap_rules(
    vpc: &VpcBlocks,
    peer: &VpcBlocks,
    vpc_peers: &[LivePeer],
    peer_peers: &[LivePeer],
) -> Result<(), ApiError> {
    let conflict =
        |message: String| ApiError::new(ErrorCode::PeeringConnectionVpcConflict, message);
    if vpc.un_vpc_id == peer.un_vpc_id {
        return Err(conflict(format!(
            "vpc {} cannot peer with itself",
            vpc.un_vpc_id
        )));
    }
    if let Some((a, b)) = first_overlap(&vpc.blocks, &peer.blocks) {
        return Err(conflict(format!(
            "{a} of {} overlaps {b} of {}",
            vpc.un_vpc_id, peer.un_vpc_id
        ))
        .because(Cause::PairOverlap));
    }
    let crowded = |newcomer: &VpcBlocks, host: &VpcBlocks, peers: &[LivePeer]| {
        peers.iter().find_map(|p| {
            first_overlap(&newcomer.blocks, &p.other.blocks).map(|(a, b)| {
                conflict(format!(
                    "{a} of {} overlaps {b} of {}, already peered with {} by {}",
                    newcomer.un_vpc_id, p.other.un_vpc_id, host.un_vpc_id, p.peering_id
                ))
                .because(Cause::PeerOverlap)
            })
        })
    };
    if let Some(err) = crowded(peer, vpc, vpc_peers) {
        return Err(err);
    }
    if let Some(err) = crowded(vpc, peer, peer_peers) {
        return Err(err);
    }
    Ok(())
}

/// Checks that one more peering fits a VPC's quota.
pub fn check_quota(
    code: ErrorCode,
    quota_name: &str,
    un_vpc_id: &str,
    used: i64,
    limit: i64,
) -> Result<(), ApiError> {
    if used < limit {
        Ok(())
    } else {
        Err(ApiError::new(
            code,
            format!("vpc {un_vpc_id} has {used} of {limit} allowed by quota {quota_name}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PeeringState::*;

    fn vpc(id: &str, blocks: &[&str]) -> VpcBlocks {
        VpcBlocks {
            un_vpc_id: id.into(),
            blocks: blocks
                .iter()
                .map(|b| CidrBlock::parse(b, "cidr_block").unwrap())
                .collect(),
        }
    }

    fn peer(id: &str, other: VpcBlocks) -> LivePeer {
        LivePeer {
            peering_id: id.into(),
            other,
        }
    }

    const REQUESTER: Role = Role {
        requester: true,
        accepter: false,
    };
    const ACCEPTER: Role = Role {
        requester: false,
        accepter: true,
    };

    #[test]
    fn pending_expires_on_the_clock() {
        assert_eq!(Pending.effective(Some(100), 99), Pending);
        assert_eq!(Pending.effective(Some(100), 100), Expired);
        assert_eq!(Active.effective(Some(100), 200), Active);
        assert!(Pending.is_live() && Active.is_live());
        assert!(!Expired.is_live() && !Rejected.is_live() && !Deleted.is_live());
    }

    #[test]
    fn state_machine() {
        assert_eq!(
            transition("p", Action::Accept, ACCEPTER, Pending),
            Ok(Active)
        );
        assert_eq!(
            transition("p", Action::Reject, ACCEPTER, Pending),
            Ok(Rejected)
        );
        assert_eq!(
            transition("p", Action::Enable, REQUESTER, Expired),
            Ok(Pending)
        );
        assert_eq!(
            transition("p", Action::Delete, REQUESTER, Rejected),
            Ok(Deleted)
        );
        assert_eq!(
            transition("p", Action::Modify, ACCEPTER, Active),
            Ok(Active)
        );
        let refused = [
            (
                Action::Accept,
                REQUESTER,
                Pending,
                ErrorCode::VpcPeerPurviewError,
            ),
            (
                Action::Enable,
                ACCEPTER,
                Expired,
                ErrorCode::VpcPeerPurviewError,
            ),
            (
                Action::Accept,
                ACCEPTER,
                Active,
                ErrorCode::VpcPeerInvalidStateChange,
            ),
            (
                Action::Enable,
                REQUESTER,
                Pending,
                ErrorCode::VpcPeerInvalidStateChange,
            ),
            (
                Action::Delete,
                ACCEPTER,
                Deleted,
                ErrorCode::VpcPeerInvalidStateChange,
            ),
            (
                Action::Modify,
                REQUESTER,
                Deleted,
                ErrorCode::VpcPeerInvalidStateChange,
            ),
        ];
        for (action, role, state, code) in refused {
            let err = transition("p", action, role, state).unwrap_err();
            assert_eq!(err.code, code, "{action:?} by {role:?} from {state:?}");
        }
    }

    #[test]
    fn overlap_rules() {
        let a = vpc("vpc-a", &["10.0.0.0/16"]);
        let b = vpc("vpc-b", &["10.1.0.0/16", "172.16.0.0/16"]);
        assert!(check_overlap_rules(&a, &b, &[], &[]).is_ok());
        // self-peering
        assert!(check_overlap_rules(&a, &a, &[], &[]).is_err());
        // pair overlap through an assistant block
        let c = vpc("vpc-c", &["192.168.0.0/16", "10.0.5.0/24"]);
        let err = check_overlap_rules(&a, &c, &[], &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::PeeringConnectionVpcConflict);
        assert_eq!(err.api3_code(), "UnsupportedOperation.VpcPeerCidrConflict");
        // the new peer overlaps a live peer of the caller's VPC
        let d = vpc("vpc-d", &["172.16.1.0/24"]);
        let err = check_overlap_rules(&a, &d, &[peer("pcx-1", b.clone())], &[]).unwrap_err();
        assert!(err.message.contains("pcx-1"), "{}", err.message);
        assert_eq!(err.api3_code(), "UnauthorizedOperation.VpcPeerCidrConflict");
        // the caller's VPC overlaps a live peer of the peer VPC
        let e = vpc("vpc-e", &["10.0.128.0/17"]);
        let err = check_overlap_rules(&a, &d, &[], &[peer("pcx-2", e)]).unwrap_err();
        assert!(err.message.contains("pcx-2"), "{}", err.message);
    }

    #[test]
    fn quota_allows_up_to_the_limit() {
        assert!(check_quota(ErrorCode::LimitExceeded, "q", "v", 9, 10).is_ok());
        assert_eq!(
            check_quota(ErrorCode::LimitExceeded, "q", "v", 10, 10)
                .unwrap_err()
                .code,
            ErrorCode::LimitExceeded
        );
    }
}
