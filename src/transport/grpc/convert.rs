//! Records to protobuf messages, and request fields to validated values.

use crate::{
    domain::{peering::PeeringState, time::format_time},
    proto,
    store::{Account, Peering, Quota, Vpc},
};

impl From<PeeringState> for proto::State {
    fn from(state: PeeringState) -> Self {
        match state {
            PeeringState::Pending => proto::State::Pending,
            PeeringState::Active => proto::State::Active,
            PeeringState::Expired => proto::State::Expired,
            PeeringState::Rejected => proto::State::Rejected,
            PeeringState::Deleted => proto::State::Deleted,
        }
    }
}

impl From<Peering> for proto::PeeringConnection {
    fn from(p: Peering) -> Self {
        proto::PeeringConnection {
            peering_connection_id: p.peering_connection_id,
            peering_connection_name: p.peering_connection_name,
            vpc_id: p.vpc_id,
            un_vpc_id: p.un_vpc_id,
            peer_vpc_id: p.peer_vpc_id,
            un_peer_vpc_id: p.un_peer_vpc_id,
            uin: p.uin,
            peer_uin: p.peer_uin,
            app_id: p.app_id,
            peer_app_id: p.peer_app_id,
            region: p.region,
            peer_region: p.peer_region,
            state: proto::State::from(p.state) as i32,
            create_time: format_time(p.create_time),
            // Shown while the request waits, and on EXPIRED as when it lapsed.
            expire_time: match p.state {
                PeeringState::Pending | PeeringState::Expired => {
                    p.expire_time.map(format_time).unwrap_or_default()
                }
                _ => String::new(),
            },
        }
    }
}

impl From<Vpc> for proto::Vpc {
    fn from(v: Vpc) -> Self {
        proto::Vpc {
            assistant_cidr_blocks: v.assistant_blocks(),
            vpc_id: v.vpc_id,
            un_vpc_id: v.un_vpc_id,
            vpc_name: v.vpc_name,
            cidr_block: v.cidr_block,
            region: v.region,
            uin: v.uin,
            create_time: format_time(v.create_time),
        }
    }
}

/// An account as DescribeAccounts shows it: never with its secret key.
pub fn account_without_secret(a: Account) -> proto::Account {
    proto::Account {
        secret_key: String::new(),
        ..account_with_secret(a)
    }
}

pub fn account_with_secret(a: Account) -> proto::Account {
    proto::Account {
        uin: a.uin,
        name: a.name,
        app_id: a.app_id,
        secret_id: a.secret_id,
        secret_key: a.secret_key,
        create_time: format_time(a.create_time),
    }
}

impl From<Quota> for proto::Quota {
    fn from(q: Quota) -> Self {
        proto::Quota {
            quota_name: q.quota_name.to_owned(),
            limit: q.limit,
            used: q.used,
        }
    }
}

/// An optional exact-match filter: empty means no filter.
pub fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}
