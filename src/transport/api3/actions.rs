//! The actions the API 3.0 endpoint answers, each mapped onto the same
//! store calls and rules as the gRPC services, with the SDK models' field
//! names and JSON types (`tencentcloud/vpc/v20170312/models.py`).

use serde_json::{Map, Value, json};

use super::{Api3Error, Call, params::Params, vpcs};
use crate::{
    domain::{
        ApiError, ErrorCode,
        ids::{VpcRef, parse_peering_id, parse_uin},
        link::{
            CHARGE_TYPES, GivenLinkOptions, LinkFieldNames, LinkOptions, check_bandwidth, one_of,
        },
        names::validate_name,
        peering::Action,
        region::Region,
    },
    store::{NewPeering, Peering, PeeringChange, PeeringFilter, PeeringOrder},
    transport::auth::AppState,
};

/// The link options as the SDK models name them.
const LINK_FIELDS: LinkFieldNames = LinkFieldNames {
    bandwidth: "Bandwidth",
    charge_type: "ChargeType",
    link_type: "Type",
    qos_level: "QosLevel",
    tags: "Tags",
};

/// Every action `run` answers; any other is `InvalidAction`.
pub const ANSWERED: [&str; 12] = [
    "AcceptVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "ModifyVpcPeeringConnection",
    "CreateVpcPeeringConnection",
    "DescribeVpcPeeringConnections",
    "CreateVpc",
    "DescribeVpcs",
    "DeleteVpc",
    "CreateAssistantCidr",
    "DeleteAssistantCidr",
    "DescribeAssistantCidr",
];

/// Runs `action` for `call`.
pub async fn run(
    state: &AppState,
    call: &Call,
    action: &str,
    params: Map<String, Value>,
) -> Result<Map<String, Value>, Api3Error> {
    let params = Params::new(action, params);
    match action {
        "AcceptVpcPeeringConnection" => change(state, call, params, Action::Accept).await,
        "RejectVpcPeeringConnection" => change(state, call, params, Action::Reject).await,
        "DeleteVpcPeeringConnection" => change(state, call, params, Action::Delete).await,
        "ModifyVpcPeeringConnection" => change(state, call, params, Action::Modify).await,
        "CreateVpcPeeringConnection" => create(state, call, params).await,
        "DescribeVpcPeeringConnections" => describe(state, call, params).await,
        "CreateVpc" => vpcs::create_vpc(state, call, params).await,
        "DescribeVpcs" => vpcs::describe_vpcs(state, call, params).await,
        "DeleteVpc" => vpcs::delete_vpc(state, call, params).await,
        "CreateAssistantCidr" => vpcs::create_assistant_cidr(state, call, params).await,
        "DeleteAssistantCidr" => vpcs::delete_assistant_cidr(state, call, params).await,
        "DescribeAssistantCidr" => vpcs::describe_assistant_cidr(state, call, params).await,
        other => Err(Api3Error::new(
            "InvalidAction",
            format!("vpc {other} is not an action vpcsim answers yet"),
        )),
    }
}

async fn change(
    state: &AppState,
    call: &Call,
    mut params: Params,
    action: Action,
) -> Result<Map<String, Value>, Api3Error> {
    let id = params.required_string("PeeringConnectionId")?;
    let mut change = PeeringChange::new(parse_peering_id(&id, "PeeringConnectionId")?, action);
    if action == Action::Modify {
        change.name = params.string("PeeringConnectionName")?;
        change.bandwidth = params
            .integer("Bandwidth")?
            .map(|b| check_bandwidth(b, "Bandwidth"))
            .transpose()?;
        change.charge_type = params
            .string("ChargeType")?
            .map(|c| one_of(&c, &CHARGE_TYPES, "ChargeType"))
            .transpose()?;
    }
    params.finish()?;
    if let Some(name) = &change.name {
        validate_name(
            name,
            "PeeringConnectionName",
            ErrorCode::InvalidPeeringConnectionName,
        )?;
    }
    state
        .store
        .change_peering(call.actor.clone(), call.region, change)
        .await?;
    Ok(Map::new())
}

async fn create(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let source = params.required_string("SourceVpcId")?;
    let name = params.required_string("PeeringConnectionName")?;
    let destination = params.required_string("DestinationVpcId")?;
    let destination_uin = params.required_string("DestinationUin")?;
    let destination_region = params.required_string("DestinationRegion")?;
    let bandwidth = params.integer("Bandwidth")?;
    let link_type = params.string("Type")?;
    let charge_type = params.string("ChargeType")?;
    let qos_level = params.string("QosLevel")?;
    let tags = params.tags()?.unwrap_or_default();
    params.finish()?;
    let link = LinkOptions::from_given(
        GivenLinkOptions {
            bandwidth,
            charge_type: charge_type.as_deref(),
            link_type: link_type.as_deref(),
            qos_level: qos_level.as_deref(),
            tags,
        },
        &LINK_FIELDS,
    )
    .map_err(ApiError::from)?;
    let new = NewPeering {
        vpc: VpcRef::parse(&source, "SourceVpcId")?,
        peer_vpc: VpcRef::parse(&destination, "DestinationVpcId")?,
        peer_uin: parse_uin(&destination_uin, "DestinationUin")?,
        peer_region: Some(Region::parse(&destination_region)?),
        name,
        link,
    };
    validate_name(
        &new.name,
        "PeeringConnectionName",
        ErrorCode::InvalidPeeringConnectionName,
    )?;
    let peering = state
        .store
        .create_peering(call.actor.clone(), call.region, new)
        .await?;
    let mut out = Map::new();
    out.insert(
        "PeeringConnectionId".into(),
        Value::String(peering.peering_connection_id),
    );
    Ok(out)
}

/// What DescribeVpcPeeringConnections selects.
struct Selection {
    ids: Option<Vec<String>>,
    vpc_ids: Option<Vec<String>>,
    states: Option<Vec<String>>,
    names: Option<Vec<String>>,
}

impl Selection {
    fn matches(&self, p: &Peering) -> bool {
        let any = |values: &Option<Vec<String>>, fields: &[&str]| {
            values
                .as_ref()
                .is_none_or(|v| v.iter().any(|x| fields.contains(&x.as_str())))
        };
        any(&self.ids, &[&p.peering_connection_id])
            && any(
                &self.vpc_ids,
                &[&p.vpc_id, &p.un_vpc_id, &p.peer_vpc_id, &p.un_peer_vpc_id],
            )
            && any(&self.states, &[p.state.as_str()])
            && any(&self.names, &[&p.peering_connection_name])
    }
}

/// Rows read from the store per page while collecting the caller's peerings.
const PAGE: i64 = 1000;

async fn describe(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let ids = params.strings("PeeringConnectionIds")?;
    let filters = params.filters()?;
    let (offset, limit) = params.page()?;
    let order = params.string("OrderField")?;
    let direction = params.string("OrderDirection")?;
    params.finish()?;
    if ids.is_some() && filters.is_some() {
        return Err(Api3Error::new(
            "InvalidParameter.Coexist",
            "PeeringConnectionIds and Filters cannot be given together",
        ));
    }
    let order = match order.as_deref() {
        None | Some("CreatedTime") => PeeringOrder::CreateTime,
        Some("PeeringConnectionName") => PeeringOrder::Name,
        Some(other) => {
            return Err(Api3Error::new(
                "InvalidParameterValue",
                format!("OrderField {other:?} must be CreatedTime or PeeringConnectionName"),
            ));
        }
    };
    let ascending = match direction.as_deref() {
        None | Some("DESC") => false,
        Some("ASC") => true,
        Some(other) => {
            return Err(Api3Error::new(
                "InvalidParameterValue",
                format!("OrderDirection {other:?} must be ASC or DESC"),
            ));
        }
    };
    let mut selection = Selection {
        ids,
        vpc_ids: None,
        states: None,
        names: None,
    };
    for (name, values) in filters.unwrap_or_default() {
        let slot = match name.as_str() {
            "vpc-id" => &mut selection.vpc_ids,
            "state" => &mut selection.states,
            "peering-connection-name" => &mut selection.names,
            other => {
                return Err(Api3Error::new(
                    "InvalidParameterValue",
                    format!(
                        "filter {other:?} is not one of vpc-id, state, peering-connection-name"
                    ),
                ));
            }
        };
        // Two filters of one name both apply: their values AND.
        *slot = Some(match slot.take() {
            None => values,
            Some(before) => before.into_iter().filter(|v| values.contains(v)).collect(),
        });
    }

    // Every peering of the caller's in the region, in the asked order, then
    // the selection: the store's filters take one value each, these many.
    let mut matching = Vec::new();
    let mut from = 0;
    loop {
        let (total, page) = state
            .store
            .describe_peerings(
                &call.actor.uin,
                call.region,
                PeeringFilter {
                    offset: from,
                    limit: PAGE,
                    order,
                    ascending,
                    ..Default::default()
                },
            )
            .await?;
        let read = page.len() as i64;
        matching.extend(page.into_iter().filter(|p| selection.matches(p)));
        from += read;
        if read == 0 || from >= total {
            break;
        }
    }
    let total = matching.len();
    let set: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(peer_connection)
        .collect();
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(total));
    out.insert("PeerConnectionSet".into(), Value::Array(set));
    Ok(out)
}

/// A peering as the SDK's `PeerConnection` model has it: uins and app ids
/// as numbers, regions by their short names, as the real API prints them.
fn peer_connection(p: &Peering) -> Value {
    let short = |region: &str| Region::parse(region).map_or("", |r| r.short);
    let number = |uin: &str| uin.parse::<i64>().map_or(Value::Null, |n| json!(n));
    json!({
        "SourceVpcId": p.un_vpc_id,
        "PeerVpcId": p.un_peer_vpc_id,
        "DestinationVpcId": p.un_peer_vpc_id,
        "PeeringConnectionId": p.peering_connection_id,
        "PeeringConnectionName": p.peering_connection_name,
        "State": p.state.as_str(),
        "IsNgw": false,
        "Bandwidth": p.link.bandwidth,
        "SourceRegion": short(&p.region),
        "DestinationRegion": short(&p.peer_region),
        "CreateTime": crate::domain::time::format_time(p.create_time),
        "AppId": p.app_id,
        "PeerAppId": p.peer_app_id,
        "ChargeType": p.link.charge_type,
        "SourceUin": number(&p.uin),
        "DestinationUin": number(&p.peer_uin),
        "TagSet": p.link.tags.iter().map(|t| json!({"Key": t.key, "Value": t.value})).collect::<Vec<_>>(),
        "QosLevel": p.link.qos_level,
        "Type": p.link.link_type,
    })
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
}
