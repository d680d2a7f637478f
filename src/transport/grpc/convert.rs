//! Records to protobuf messages, and request fields to validated values.

use crate::{
    domain::{link::Tag, peering::PeeringState, time::format_time},
    proto,
    store::{Account, Peering, Quota, Route, RouteTable, Subnet, Vpc},
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
            tags: v.tags.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Tag> for proto::Tag {
    fn from(t: Tag) -> Self {
        proto::Tag {
            key: t.key,
            value: t.value,
        }
    }
}

impl From<proto::Tag> for Tag {
    fn from(t: proto::Tag) -> Self {
        Tag {
            key: t.key,
            value: t.value,
        }
    }
}

impl From<Subnet> for proto::Subnet {
    fn from(s: Subnet) -> Self {
        proto::Subnet {
            subnet_id: s.subnet_id,
            subnet_name: s.subnet_name,
            vpc_id: s.vpc_id,
            cidr_block: s.cidr_block,
            zone: s.zone,
            route_table_id: s.route_table_id,
            total_ip_address_count: s.total_ip_address_count,
            available_ip_address_count: s.available_ip_address_count,
            create_time: format_time(s.create_time),
            tags: s.tags.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Route> for proto::Route {
    fn from(r: Route) -> Self {
        proto::Route {
            route_id: r.route_id,
            route_item_id: r.route_item_id,
            destination_cidr_block: r.destination_cidr_block,
            gateway_type: r.gateway_type,
            gateway_id: r.gateway_id,
            route_description: r.route_description,
            enabled: r.enabled,
            route_table_id: r.route_table_id,
            create_time: format_time(r.create_time),
        }
    }
}

impl From<RouteTable> for proto::RouteTable {
    fn from(t: RouteTable) -> Self {
        proto::RouteTable {
            route_table_id: t.route_table_id,
            route_table_name: t.route_table_name,
            vpc_id: t.vpc_id,
            main: t.main,
            subnet_ids: t.subnet_ids,
            routes: t.routes.into_iter().map(Into::into).collect(),
            create_time: format_time(t.create_time),
            tags: t.tags.into_iter().map(Into::into).collect(),
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
