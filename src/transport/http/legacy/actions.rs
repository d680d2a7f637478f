//! The legacy actions, with the legacy field names (TENCENT-WIRE.md 4.2):
//! the seed page's `CreateVpcPeeringConnection` with its four parameters,
//! the state changes, Describe with legacy state integers, the
//! cross-region `...Ex` forms, and the VPC calls `CreateVpc`,
//! `DescribeVpcEx` and `DeleteVpc`; the subnet, route-table and route
//! actions are in `network`. Each decodes into an operation of the action
//! layer and encodes its answer.

use serde_json::{Value, json};

use super::{
    super::{Fields, answer},
    params::Params,
};
use crate::{
    action::{
        Caller,
        fields::PageFields,
        peering::{
            ChangePeering, CreatePeering, DescribePeerings, GivenPeering, OrderWords, PeeringFields,
        },
        vpc::{CreateVpc, DeleteVpc, DescribeVpcs},
    },
    domain::{
        ApiError, ApiResult, ErrorCode,
        actions::ActionName,
        ids::{VpcRef, parse_peering_id},
        link::{
            GivenLinkOptions, LINK_TYPES, LinkFieldNames, LinkOptions, MAX_BANDWIDTH,
            check_bandwidth,
        },
        peering::{Action, PeeringState},
        region::Region,
        time::format_time,
    },
    store::{NameMatch, Peering, PeeringChange, PeeringFilter, VpcFilter},
    transport::AppState,
};

const FIELDS: PeeringFields = PeeringFields {
    id: "peeringConnectionId",
    vpc: "vpcId",
    peer_vpc: "peerVpcId",
    peer_uin: "peerUin",
    peer_region: "peerRegion",
    name: "peeringConnectionName",
    page: PageFields {
        offset: "offset",
        limit: "limit",
    },
    order_field: "orderField",
    order_direction: "orderDirection",
};

/// The docs spell the name field `peeringConnectionname` in one place: the
/// order field is read without regard to case.
const ORDER: OrderWords = OrderWords {
    create_time: "createtime",
    name: "peeringconnectionname",
    ascending: "asc",
    descending: "desc",
};

/// The link options by their legacy names (`CreateVpcPeeringConnectionEx`
/// sets `bandwidth` and `type`).
const LINK_FIELDS: LinkFieldNames = LinkFieldNames {
    bandwidth: "bandwidth",
    charge_type: "chargeType",
    link_type: "type",
    qos_level: "qosLevel",
    tags: "tags",
};

/// Runs `action` in its legacy `form` (for a peering action, 1 is the
/// `...Ex` form) for `caller`; `task` numbers the asynchronous tasks the
/// `...Ex` forms answer with (vpcsim finishes them before answering).
pub async fn dispatch(
    app: &AppState,
    caller: &Caller,
    (action, form): (ActionName, usize),
    mut p: Params,
    task: impl Fn() -> u64,
) -> ApiResult<Fields> {
    if super::network::answers(action) {
        return super::network::dispatch(app, caller, action, form, p).await;
    }
    let ex = form > 0;
    let run = &app.actions;
    let mut out = match action {
        ActionName::CreateVpcPeeringConnection => {
            let peering = run.run(caller, action, create_peering(p, ex)).await?;
            answer([("peeringConnectionId", json!(peering.peering_connection_id))])
        }
        ActionName::DescribeVpcPeeringConnections => {
            let page = run.run(caller, action, describe_peerings(p)).await?;
            answer([
                ("totalCount", json!(page.total)),
                ("data", page.items.iter().map(peering_item).collect()),
            ])
        }
        ActionName::CreateVpc => {
            let op = p.required("vpcName").and_then(|name| {
                let cidr = p.required("cidrBlock")?;
                p.finish()?;
                CreateVpc::decode(&name, &cidr, "vpcName", "cidrBlock")
            });
            let vpc = run.run(caller, action, op).await?;
            answer([
                ("vpcId", json!(vpc.vpc_id)),
                ("unVpcId", json!(vpc.un_vpc_id)),
            ])
        }
        ActionName::DescribeVpcEx => {
            let page = run.run(caller, action, describe_vpcs(p)).await?;
            let data = page.items.iter().map(|v| {
                json!({
                    "vpcId": v.vpc_id,
                    "unVpcId": v.un_vpc_id,
                    "vpcName": v.vpc_name,
                    "cidrBlock": v.cidr_block,
                    "createTime": format_time(v.create_time),
                })
            });
            answer([("totalCount", json!(page.total)), ("data", data.collect())])
        }
        ActionName::DeleteVpc => {
            let op = p.required("vpcId").and_then(|id| {
                p.finish()?;
                Ok(DeleteVpc(VpcRef::parse(&id, "vpcId")?))
            });
            run.run(caller, action, op).await?;
            Fields::new()
        }
        change => {
            let state = ChangePeering::action_of(change).ok_or_else(|| {
                ApiError::internal_because(format!(
                    "the legacy API names {change}, which it does not answer"
                ))
            })?;
            let op = change_peering(&mut p, state).and_then(|c| p.finish().map(|()| c));
            run.run(caller, action, op.map(ChangePeering)).await?;
            Fields::new()
        }
    };
    if ex {
        out.insert("taskId".into(), json!(task()));
    }
    Ok(out)
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
    PeeringState::ALL
        .into_iter()
        .find(|s| legacy_state(*s) == value)
}

/// `CreateVpcPeeringConnection` (the seed's four parameters) and, with
/// `cross_region`, `CreateVpcPeeringConnectionEx` (+ `peerRegion`,
/// `bandwidth`, `type`).
fn create_peering(mut p: Params, cross_region: bool) -> ApiResult<CreatePeering> {
    let vpc = p.required("vpcId")?;
    let peer_vpc = p.required("peerVpcId")?;
    let peer_uin = p.required("peerUin")?;
    let name = p.required("peeringConnectionName")?;
    let mut given = GivenLinkOptions::default();
    let mut peer_region = None;
    if cross_region {
        peer_region = Some(p.required("peerRegion")?);
        given.bandwidth = p.integer("bandwidth", 0..=i64::MAX)?;
        if given.bandwidth.is_none() {
            return Err(ApiError::new(
                ErrorCode::MissingParameter,
                "parameter bandwidth is required",
            ));
        }
        // 1 joins two VPCs, 2 a VPC and a bare-metal network.
        given.link_type = p
            .integer("type", 1..=2)?
            .map(|kind| LINK_TYPES[if kind == 2 { 1 } else { 0 }]);
    }
    p.finish()?;
    let link = LinkOptions::from_given(given, &LINK_FIELDS).map_err(ApiError::from)?;
    CreatePeering::decode(
        GivenPeering {
            vpc: &vpc,
            peer_vpc: &peer_vpc,
            peer_uin: &peer_uin,
            peer_region: peer_region.as_deref(),
            name: &name,
            link,
        },
        &FIELDS,
    )
}

fn change_peering(p: &mut Params, action: Action) -> ApiResult<PeeringChange> {
    let id = p.required("peeringConnectionId")?;
    let name = match action {
        Action::Modify => p.string("peeringConnectionName")?,
        _ => None,
    };
    let mut change = ChangePeering::decode(action, &id, name, &FIELDS)?;
    if action == Action::Modify {
        change.bandwidth = p
            .integer("bandwidth", 0..=MAX_BANDWIDTH)?
            .map(|b| check_bandwidth(b, "bandwidth"))
            .transpose()?;
        if change.name.is_none() && change.bandwidth.is_none() {
            return Err(ApiError::new(
                ErrorCode::MissingParameter,
                "parameter peeringConnectionName is required",
            ));
        }
    }
    Ok(change)
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

fn describe_peerings(mut p: Params) -> ApiResult<DescribePeerings> {
    let vpc = p.string("vpcId")?;
    let peering_id = p.string("peeringConnectionId")?;
    let name = p.string("peeringConnectionName")?;
    let state = p.integer("state", 0..=4)?;
    let offset = p.integer("offset", 0..=i64::MAX)?;
    let limit = p.integer("limit", 1..=50)?;
    let order = p.string("orderField")?.map(|o| o.to_ascii_lowercase());
    let direction = p.string("orderDirection")?;
    p.finish()?;
    let (offset, limit) = crate::action::fields::page(offset, limit, 50, FIELDS.page)?;
    let (order, ascending) =
        DescribePeerings::order(order.as_deref(), direction.as_deref(), &FIELDS, &ORDER)?;
    Ok(DescribePeerings(PeeringFilter {
        vpcs: vpc
            .map(|v| DescribePeerings::vpcs(&[v], FIELDS.vpc))
            .transpose()?,
        ids: peering_id
            .map(|id| parse_peering_id(&id, FIELDS.id).map(|id| vec![id]))
            .transpose()?,
        names: name.map(|n| vec![n]),
        states: state.and_then(state_from_legacy).map(|s| vec![s]),
        offset,
        limit,
        order,
        ascending,
    }))
}

/// `DescribeVpcEx`: `vpcId` (either form), `vpcName` (a substring, as the
/// legacy API matched), `offset`, `limit`, `orderField` `createTime` or
/// `vpcName`, `orderDirection` (`asc` by default).
fn describe_vpcs(mut p: Params) -> ApiResult<DescribeVpcs> {
    let id = p.string("vpcId")?;
    let name = p.string("vpcName")?;
    let offset = p.integer("offset", 0..=i64::MAX)?;
    let limit = p.integer("limit", 1..=100)?;
    let order = p.string("orderField")?;
    let direction = p.string("orderDirection")?;
    p.finish()?;
    let (offset, limit) = crate::action::fields::page(offset, limit, 100, FIELDS.page)?;
    let by_name = crate::action::fields::choose(
        order.as_deref(),
        "orderField",
        &[("createTime", false), ("vpcName", true)],
        false,
    )?;
    let descending = crate::action::fields::choose(
        direction.as_deref(),
        "orderDirection",
        &[("asc", false), ("desc", true)],
        false,
    )?;
    Ok(DescribeVpcs(VpcFilter {
        ids: id
            .map(|v| VpcRef::parse(&v, "vpcId").map(|r| vec![r]))
            .transpose()?,
        names: name.map(|n| vec![n]),
        name_match: NameMatch::Contains,
        by_name,
        descending,
        offset,
        limit,
        ..VpcFilter::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
