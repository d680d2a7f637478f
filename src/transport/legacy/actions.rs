//! The legacy actions, on the same store calls and rules as gRPC and API
//! 3.0, with the legacy field names (TENCENT-WIRE.md 4.2): the seed page's
//! `CreateVpcPeeringConnection` with its four parameters, the state changes,
//! Describe with legacy state integers, the cross-region `...Ex` forms, and
//! the VPC calls `CreateVpc`, `DescribeVpcEx` and `DeleteVpc`.

use serde_json::{Map, Value, json};

use super::{Call, LegacyError, params::Params};
use crate::{
    domain::{
        ApiError, ErrorCode,
        cidr::CidrBlock,
        ids::{VpcRef, parse_peering_id, parse_uin},
        link::{GivenLinkOptions, LINK_TYPES, LinkFieldNames, LinkOptions, check_bandwidth},
        names::validate_name,
        peering::{Action, PeeringState},
        region::Region,
        time::format_time,
    },
    store::{NewPeering, Peering, PeeringChange, PeeringFilter, PeeringOrder, Vpc},
    transport::auth::AppState,
};

type Answer = Result<Map<String, Value>, LegacyError>;

/// The link options by their legacy names (`CreateVpcPeeringConnectionEx`
/// sets `bandwidth` and `type`).
const LINK_FIELDS: LinkFieldNames = LinkFieldNames {
    bandwidth: "bandwidth",
    charge_type: "chargeType",
    link_type: "type",
    qos_level: "qosLevel",
    tags: "tags",
};

/// Every action `run` answers; any other is `InvalidAction`.
pub const ANSWERED: [&str; 16] = [
    "CreateVpcPeeringConnection",
    "CreateVpcPeeringConnectionEx",
    "AcceptVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "EnableVpcPeeringConnection",
    "ModifyVpcPeeringConnection",
    "AcceptVpcPeeringConnectionEx",
    "RejectVpcPeeringConnectionEx",
    "DeleteVpcPeeringConnectionEx",
    "ModifyVpcPeeringConnectionEx",
    "DescribeVpcPeeringConnections",
    "DescribeVpcPeeringConnectionsEx",
    "CreateVpc",
    "DescribeVpcEx",
    "DeleteVpc",
];

/// Runs `action`; `task` numbers the asynchronous tasks the `...Ex` forms
/// answer with (vpcsim finishes them before answering).
pub async fn run(
    state: &AppState,
    call: &Call,
    action: &str,
    params: Params,
    task: impl Fn() -> u64,
) -> Answer {
    let with_task = |mut out: Map<String, Value>| {
        out.insert("taskId".into(), json!(task()));
        out
    };
    match action {
        "CreateVpcPeeringConnection" => create(state, call, params, false).await,
        "CreateVpcPeeringConnectionEx" => create(state, call, params, true).await.map(with_task),
        "AcceptVpcPeeringConnection" => change(state, call, params, Action::Accept).await,
        "RejectVpcPeeringConnection" => change(state, call, params, Action::Reject).await,
        "DeleteVpcPeeringConnection" => change(state, call, params, Action::Delete).await,
        "EnableVpcPeeringConnection" => change(state, call, params, Action::Enable).await,
        "ModifyVpcPeeringConnection" => change(state, call, params, Action::Modify).await,
        "AcceptVpcPeeringConnectionEx" => change(state, call, params, Action::Accept)
            .await
            .map(with_task),
        "RejectVpcPeeringConnectionEx" => change(state, call, params, Action::Reject)
            .await
            .map(with_task),
        "DeleteVpcPeeringConnectionEx" => change(state, call, params, Action::Delete)
            .await
            .map(with_task),
        "ModifyVpcPeeringConnectionEx" => change(state, call, params, Action::Modify)
            .await
            .map(with_task),
        "DescribeVpcPeeringConnections" | "DescribeVpcPeeringConnectionsEx" => {
            describe(state, call, params).await
        }
        "CreateVpc" => create_vpc(state, call, params).await,
        "DescribeVpcEx" => describe_vpcs(state, call, params).await,
        "DeleteVpc" => delete_vpc(state, call, params).await,
        other => Err(LegacyError::new(
            4000,
            "InvalidAction",
            format!("{other} is not an action the legacy vpc API of vpcsim answers"),
        )),
    }
}

/// Legacy peering states (`查询对等连接.md`): 0 pending, 1 active, 2
/// expired, 3 rejected, 4 deleted.
pub fn legacy_state(state: PeeringState) -> i64 {
    match state {
        PeeringState::Pending => 0,
        PeeringState::Active => 1,
        PeeringState::Expired => 2,
        PeeringState::Rejected => 3,
        PeeringState::Deleted => 4,
    }
}

fn state_from_legacy(value: i64) -> Option<PeeringState> {
    [
        PeeringState::Pending,
        PeeringState::Active,
        PeeringState::Expired,
        PeeringState::Rejected,
        PeeringState::Deleted,
    ]
    .into_iter()
    .find(|s| legacy_state(*s) == value)
}

fn check_peering_name(name: &str) -> Result<(), ApiError> {
    validate_name(
        name,
        "peeringConnectionName",
        ErrorCode::InvalidPeeringConnectionName,
    )
}

/// `CreateVpcPeeringConnection` (the seed's four parameters) and, with
/// `cross_region`, `CreateVpcPeeringConnectionEx` (+ `peerRegion`,
/// `bandwidth`, `type`).
async fn create(state: &AppState, call: &Call, mut params: Params, cross_region: bool) -> Answer {
    let vpc = params.required("vpcId")?;
    let peer_vpc = params.required("peerVpcId")?;
    let peer_uin = params.required("peerUin")?;
    let name = params.required("peeringConnectionName")?;
    let mut given = GivenLinkOptions::default();
    let mut peer_region = None;
    if cross_region {
        peer_region = Some(Region::parse(&params.required("peerRegion")?)?);
        let bandwidth = params.required("bandwidth")?;
        given.bandwidth = Some(bandwidth.parse().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameterValueMalformed,
                format!("bandwidth must be a number of Mbps, not {bandwidth:?}"),
            )
        })?);
        // 1 joins two VPCs, 2 a VPC and a bare-metal network.
        given.link_type = params
            .integer("type", 1..=2)?
            .map(|kind| LINK_TYPES[if kind == 2 { 1 } else { 0 }]);
    }
    params.finish()?;
    let link = LinkOptions::from_given(given, &LINK_FIELDS).map_err(ApiError::from)?;
    check_peering_name(&name)?;
    let new = NewPeering {
        vpc: VpcRef::parse(&vpc, "vpcId")?,
        peer_vpc: VpcRef::parse(&peer_vpc, "peerVpcId")?,
        peer_uin: parse_uin(&peer_uin, "peerUin")?,
        peer_region,
        name,
        link,
    };
    let peering = state
        .store
        .create_peering(call.actor.clone(), call.region, new)
        .await?;
    let mut out = Map::new();
    out.insert(
        "peeringConnectionId".into(),
        json!(peering.peering_connection_id),
    );
    Ok(out)
}

async fn change(state: &AppState, call: &Call, mut params: Params, action: Action) -> Answer {
    let id = params.required("peeringConnectionId")?;
    let mut change = PeeringChange::new(parse_peering_id(&id, "peeringConnectionId")?, action);
    if action == Action::Modify {
        change.name = params.string("peeringConnectionName")?;
        change.bandwidth = params
            .integer("bandwidth", 0..=crate::domain::link::MAX_BANDWIDTH)?
            .map(|b| check_bandwidth(b, "bandwidth"))
            .transpose()?;
        if change.name.is_none() && change.bandwidth.is_none() {
            return Err(ApiError::new(
                ErrorCode::MissingParameter,
                "parameter peeringConnectionName is required",
            )
            .into());
        }
    }
    params.finish()?;
    if let Some(name) = &change.name {
        check_peering_name(name)?;
    }
    state
        .store
        .change_peering(call.actor.clone(), call.region, change)
        .await?;
    Ok(Map::new())
}

/// A peering with the legacy field names; uins as strings, app ids and the
/// state as numbers, regions by their short names.
fn peering_item(p: &Peering) -> Value {
    let short = |region: &str| Region::parse(region).map_or("", |r| r.short);
    let pending_like = matches!(p.state, PeeringState::Pending | PeeringState::Expired);
    json!({
        "peeringConnectionId": p.peering_connection_id,
        "peeringConnectionName": p.peering_connection_name,
        "vpcId": p.vpc_id,
        "unVpcId": p.un_vpc_id,
        "peerVpcId": p.peer_vpc_id,
        "unPeerVpcId": p.un_peer_vpc_id,
        "uin": p.uin,
        "peerUin": p.peer_uin,
        "appId": p.app_id,
        "peerAppId": p.peer_app_id,
        "region": short(&p.region),
        "peerRegion": short(&p.peer_region),
        "state": legacy_state(p.state),
        "createTime": format_time(p.create_time),
        "expireTime": if pending_like { p.expire_time.map(format_time).unwrap_or_default() } else { String::new() },
        "bandwidth": p.link.bandwidth,
    })
}

async fn describe(state: &AppState, call: &Call, mut params: Params) -> Answer {
    let vpc = params.string("vpcId")?;
    let peering_id = params.string("peeringConnectionId")?;
    let name = params.string("peeringConnectionName")?;
    let legacy = params.integer("state", 0..=4)?;
    let offset = params.integer("offset", 0..=i64::MAX)?.unwrap_or(0);
    let limit = params.integer("limit", 1..=50)?.unwrap_or(20);
    let order = params.string("orderField")?;
    let direction = params.string("orderDirection")?;
    params.finish()?;
    // The docs spell the name field `peeringConnectionname` in one place.
    let order = match order.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("createtime") => PeeringOrder::CreateTime,
        Some("peeringconnectionname") => PeeringOrder::Name,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValueRange,
                "orderField must be createTime or peeringConnectionName",
            )
            .into());
        }
    };
    let ascending = match direction.as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValueRange,
                format!("orderDirection {other:?} must be asc or desc"),
            )
            .into());
        }
    };
    let filter = PeeringFilter {
        vpc: vpc.map(|v| VpcRef::parse(&v, "vpcId")).transpose()?,
        peering_id: peering_id
            .map(|id| parse_peering_id(&id, "peeringConnectionId"))
            .transpose()?,
        name,
        state: legacy.and_then(state_from_legacy),
        offset,
        limit,
        order,
        ascending,
    };
    let (total, page) = state
        .store
        .describe_peerings(&call.actor.uin, call.region, filter)
        .await?;
    let mut out = Map::new();
    out.insert("totalCount".into(), json!(total));
    out.insert("data".into(), page.iter().map(peering_item).collect());
    Ok(out)
}

async fn create_vpc(state: &AppState, call: &Call, mut params: Params) -> Answer {
    let name = params.required("vpcName")?;
    let cidr = params.required("cidrBlock")?;
    params.finish()?;
    validate_name(&name, "vpcName", ErrorCode::InvalidParameterValue)?;
    let cidr = CidrBlock::parse(&cidr, "cidrBlock")?;
    let vpc = state
        .store
        .create_vpc(call.actor.clone(), call.region, name, cidr)
        .await?;
    let mut out = Map::new();
    out.insert("vpcId".into(), json!(vpc.vpc_id));
    out.insert("unVpcId".into(), json!(vpc.un_vpc_id));
    Ok(out)
}

async fn delete_vpc(state: &AppState, call: &Call, mut params: Params) -> Answer {
    let id = params.required("vpcId")?;
    params.finish()?;
    let vpc = VpcRef::parse(&id, "vpcId")?;
    state
        .store
        .delete_vpc(call.actor.clone(), call.region, vpc)
        .await?;
    Ok(Map::new())
}

/// `DescribeVpcEx`: `vpcId` (either form), `vpcName` (a substring, as the
/// legacy API matched), `offset`, `limit`, `orderField` `createTime` or
/// `vpcName`, `orderDirection` (`asc` by default).
async fn describe_vpcs(state: &AppState, call: &Call, mut params: Params) -> Answer {
    let id = params.string("vpcId")?;
    let name = params.string("vpcName")?;
    let offset = params.integer("offset", 0..=i64::MAX)?.unwrap_or(0) as usize;
    let limit = params.integer("limit", 1..=100)?.unwrap_or(20) as usize;
    let order = params.string("orderField")?;
    let direction = params.string("orderDirection")?;
    params.finish()?;
    let by_name = match order.as_deref() {
        None | Some("createTime") => false,
        Some("vpcName") => true,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValueRange,
                format!("orderField {other:?} must be createTime or vpcName"),
            )
            .into());
        }
    };
    let descending = match direction.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValueRange,
                format!("orderDirection {other:?} must be asc or desc"),
            )
            .into());
        }
    };
    let vpc = id.map(|v| VpcRef::parse(&v, "vpcId")).transpose()?;
    let mut all: Vec<Vpc> = state
        .store
        .every_vpc(&call.actor.uin, call.region, vpc)
        .await?;
    if let Some(name) = &name {
        all.retain(|v| v.vpc_name.contains(name.as_str()));
    }
    // Oldest first as stored; the name order breaks ties the same way.
    if by_name {
        all.sort_by(|a, b| a.vpc_name.cmp(&b.vpc_name));
    }
    if descending {
        all.reverse();
    }
    let data: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|v| {
            json!({
                "vpcId": v.vpc_id,
                "unVpcId": v.un_vpc_id,
                "vpcName": v.vpc_name,
                "cidrBlock": v.cidr_block,
                "createTime": format_time(v.create_time),
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("totalCount".into(), json!(all.len()));
    out.insert("data".into(), Value::Array(data));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_answered_has_a_name_for_fault_rules() {
        for action in ANSWERED {
            assert!(
                crate::domain::faults::canonical_action(action).is_some(),
                "{action}"
            );
        }
    }

    #[test]
    fn legacy_states_round_trip() {
        for value in 0..=4 {
            let state = state_from_legacy(value).unwrap();
            assert_eq!(legacy_state(state), value);
        }
        assert_eq!(legacy_state(PeeringState::Expired), 2);
        assert_eq!(state_from_legacy(5), None);
    }
}
