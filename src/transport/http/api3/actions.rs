//! Every action API 3.0 answers: decode the SDK model's fields (names and
//! JSON types of `tencentcloud/vpc/v20170312/models.py`) into an
//! operation, run it, encode the model's answer.

use serde_json::{Value, json};

use super::{
    super::{Fields, answer},
    filters::{ids_or_filters, narrow, tag_filter, tag_set, unknown_filter},
    network,
    params::Params,
};
use crate::{
    action::{
        Caller,
        fields::PageFields,
        peering::{
            ChangePeering, CreatePeering, DescribePeerings, GivenPeering, OrderWords, PeeringFields,
        },
        vpc::{
            self as ops, ChangeAssistantCidrs, CreateVpc, DeleteVpc, DescribeAssistantCidrs,
            DescribeVpcs, ModifyVpc,
        },
    },
    domain::{
        ApiError, ApiResult,
        actions::ActionName,
        ids::{VpcRef, parse_peering_id},
        link::{
            CHARGE_TYPES, GivenLinkOptions, LinkFieldNames, LinkOptions, check_bandwidth, one_of,
        },
        region::Region,
        time::format_time,
    },
    store::{NameMatch, Peering, PeeringFilter, Vpc, VpcFilter},
    transport::AppState,
};

const FIELDS: PeeringFields = PeeringFields {
    id: "PeeringConnectionId",
    vpc: "SourceVpcId",
    peer_vpc: "DestinationVpcId",
    peer_uin: "DestinationUin",
    peer_region: "DestinationRegion",
    name: "PeeringConnectionName",
    page: PAGE,
    order_field: "OrderField",
    order_direction: "OrderDirection",
};

const PAGE: PageFields = PageFields {
    offset: "Offset",
    limit: "Limit",
};

const ORDER: OrderWords = OrderWords {
    create_time: "CreatedTime",
    name: "PeeringConnectionName",
    ascending: "ASC",
    descending: "DESC",
};

/// The link options as the SDK models name them.
const LINK_FIELDS: LinkFieldNames = LinkFieldNames {
    bandwidth: "Bandwidth",
    charge_type: "ChargeType",
    link_type: "Type",
    qos_level: "QosLevel",
    tags: "Tags",
};

/// Runs `action` for `caller` with the request's parameters.
pub async fn dispatch(
    app: &AppState,
    caller: &Caller,
    action: ActionName,
    mut p: Params,
) -> ApiResult<Fields> {
    let run = &app.actions;
    Ok(match action {
        ActionName::CreateVpcPeeringConnection => {
            let peering = run.run(caller, action, create_peering(p)).await?;
            answer([("PeeringConnectionId", json!(peering.peering_connection_id))])
        }
        ActionName::DescribeVpcPeeringConnections => {
            let page = run.run(caller, action, describe_peerings(p)).await?;
            answer([
                ("TotalCount", json!(page.total)),
                (
                    "PeerConnectionSet",
                    page.items.iter().map(peer_connection).collect(),
                ),
            ])
        }
        ActionName::CreateVpc => {
            let vpc = run.run(caller, action, create_vpc(p)).await?;
            answer([("Vpc", vpc_model(&vpc))])
        }
        ActionName::DescribeVpcEx => {
            let page = run.run(caller, action, describe_vpcs(p)).await?;
            answer([
                ("TotalCount", json!(page.total)),
                ("VpcSet", page.items.iter().map(vpc_model).collect()),
            ])
        }
        ActionName::DeleteVpc => {
            let vpc = p.required_string("VpcId");
            let op = vpc.and_then(|id| {
                p.finish()?;
                Ok(DeleteVpc(VpcRef::parse(&id, "VpcId")?))
            });
            run.run(caller, action, op).await?;
            Fields::new()
        }
        ActionName::ModifyVpcAttribute => {
            run.run(caller, action, modify_vpc(p)).await?;
            Fields::new()
        }
        ActionName::CreateSubnet
        | ActionName::CreateSubnets
        | ActionName::DescribeSubnets
        | ActionName::DeleteSubnet
        | ActionName::ModifySubnetAttribute
        | ActionName::CreateRouteTable
        | ActionName::DescribeRouteTables
        | ActionName::DeleteRouteTable
        | ActionName::ModifyRouteTableAttribute
        | ActionName::ReplaceRouteTableAssociation
        | ActionName::CreateRoutes
        | ActionName::DeleteRoutes
        | ActionName::ReplaceRoutes
        | ActionName::EnableRoutes
        | ActionName::DisableRoutes => return network::dispatch(app, caller, action, p).await,
        ActionName::CreateAssistantCidr | ActionName::DeleteAssistantCidr => {
            let add = action == ActionName::CreateAssistantCidr;
            let op = change_blocks(p, add);
            let added = op.as_ref().map(|op| op.blocks.clone()).unwrap_or_default();
            let vpc = run.run(caller, action, op).await?;
            if add {
                let set = added
                    .iter()
                    .map(|b| assistant_cidr(&vpc.un_vpc_id, &b.to_string()))
                    .collect();
                answer([("AssistantCidrSet", set)])
            } else {
                Fields::new()
            }
        }
        ActionName::DescribeAssistantCidr => {
            let page = run.run(caller, action, describe_assistant_cidrs(p)).await?;
            let set = page
                .items
                .iter()
                .map(|(vpc, block)| assistant_cidr(vpc, block));
            answer([
                ("TotalCount", json!(page.total)),
                ("AssistantCidrSet", set.collect()),
            ])
        }
        change => {
            let state = ChangePeering::action_of(change).ok_or_else(|| {
                ApiError::internal_because(format!(
                    "API 3.0 names {change}, which it does not answer"
                ))
            })?;
            let op = change_peering(&mut p, state).and_then(|c| p.finish().map(|()| c));
            run.run(caller, action, op.map(ChangePeering)).await?;
            Fields::new()
        }
    })
}

fn change_peering(
    p: &mut Params,
    action: crate::domain::peering::Action,
) -> ApiResult<crate::store::PeeringChange> {
    use crate::domain::peering::Action;
    let id = p.required_string("PeeringConnectionId")?;
    let name = match action {
        Action::Modify => p.string("PeeringConnectionName")?,
        _ => None,
    };
    let mut change = ChangePeering::decode(action, &id, name, &FIELDS)?;
    if action == Action::Modify {
        change.bandwidth = p
            .integer("Bandwidth")?
            .map(|b| check_bandwidth(b, "Bandwidth"))
            .transpose()?;
        change.charge_type = p
            .string("ChargeType")?
            .map(|c| one_of(&c, &CHARGE_TYPES, "ChargeType"))
            .transpose()?;
    }
    Ok(change)
}

fn create_peering(mut p: Params) -> ApiResult<CreatePeering> {
    let vpc = p.required_string("SourceVpcId")?;
    let name = p.required_string("PeeringConnectionName")?;
    let peer_vpc = p.required_string("DestinationVpcId")?;
    let peer_uin = p.required_string("DestinationUin")?;
    let peer_region = p.required_string("DestinationRegion")?;
    let bandwidth = p.integer("Bandwidth")?;
    let link_type = p.string("Type")?;
    let charge_type = p.string("ChargeType")?;
    let qos_level = p.string("QosLevel")?;
    let tags = p.tags()?.unwrap_or_default();
    p.finish()?;
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
    CreatePeering::decode(
        GivenPeering {
            vpc: &vpc,
            peer_vpc: &peer_vpc,
            peer_uin: &peer_uin,
            peer_region: Some(&peer_region),
            name: &name,
            link,
        },
        &FIELDS,
    )
}

fn describe_peerings(mut p: Params) -> ApiResult<DescribePeerings> {
    let ids = p.strings("PeeringConnectionIds")?;
    let filters = p.filters()?;
    let (offset, limit) = p.page(100)?;
    let order = p.string("OrderField")?;
    let direction = p.string("OrderDirection")?;
    p.finish()?;
    let (ids, filters) = ids_or_filters(ids, filters, "PeeringConnectionIds")?;
    let (order, ascending) =
        DescribePeerings::order(order.as_deref(), direction.as_deref(), &FIELDS, &ORDER)?;
    let (mut vpcs, mut states, mut names) = (None, None, None);
    for (name, values) in filters {
        let slot = match name.as_str() {
            "vpc-id" => &mut vpcs,
            "state" => &mut states,
            "peering-connection-name" => &mut names,
            other => {
                return Err(unknown_filter(
                    other,
                    "vpc-id, state, peering-connection-name",
                ));
            }
        };
        narrow(slot, values);
    }
    Ok(DescribePeerings(PeeringFilter {
        ids: ids
            .map(|ids| {
                ids.iter()
                    .map(|id| parse_peering_id(id, "PeeringConnectionIds"))
                    .collect()
            })
            .transpose()?,
        vpcs: vpcs
            .map(|v| DescribePeerings::vpcs(&v, "Filters.vpc-id"))
            .transpose()?,
        names,
        states: states
            .map(|s| DescribePeerings::states(&s, "Filters.state"))
            .transpose()?,
        offset,
        limit,
        order,
        ascending,
    }))
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
        "CreateTime": format_time(p.create_time),
        "AppId": p.app_id,
        "PeerAppId": p.peer_app_id,
        "ChargeType": p.link.charge_type,
        "SourceUin": number(&p.uin),
        "DestinationUin": number(&p.peer_uin),
        "TagSet": tag_set(&p.link.tags),
        "QosLevel": p.link.qos_level,
        "Type": p.link.link_type,
    })
}

fn create_vpc(mut p: Params) -> ApiResult<CreateVpc> {
    let name = p.required_string("VpcName")?;
    let cidr = p.required_string("CidrBlock")?;
    // Options of the real VPC that vpcsim does not model: accepted as the
    // SDKs send them, not kept.
    p.ignore(&[
        "EnableMulticast",
        "DnsServers",
        "DomainName",
        "EnableRouteVpcPublish",
        "EnableRouteVpcPublishIpv6",
        "AddressType",
    ]);
    let tags = p.tags()?.unwrap_or_default();
    p.refuse(&["Ipv6CidrBlock", "StackType"], |name| {
        format!("vpcsim does not simulate IPv6 ({name}) yet")
    })?;
    p.finish()?;
    Ok(CreateVpc {
        tags,
        ..CreateVpc::decode(&name, &cidr, "VpcName", "CidrBlock")?
    })
}

/// ModifyVpcAttribute: a new name. The VPC's other attributes are ones
/// vpcsim does not model: what it shows (Terraform sends them with every
/// change) is taken, a change refused.
fn modify_vpc(mut p: Params) -> ApiResult<ModifyVpc> {
    let id = p.required_string("VpcId")?;
    let name = p.string("VpcName")?;
    p.refuse_changes(
        &[
            ("EnableMulticast", json!(false)),
            ("DnsServers", json!([])),
            ("DomainName", json!("")),
            ("EnableRouteVpcPublish", json!(false)),
            ("EnableCdcPublish", json!(false)),
            ("EnableRouteVpcPublishIpv6", json!(false)),
        ],
        |name| format!("vpcsim changes a VPC's name only, not {name}"),
    )?;
    p.finish()?;
    ModifyVpc::decode(
        VpcRef::parse(&id, "VpcId")?,
        name.as_deref(),
        "VpcName",
        Vec::new(),
        Vec::new(),
    )
}

fn change_blocks(mut p: Params, add: bool) -> ApiResult<ChangeAssistantCidrs> {
    let id = p.required_string("VpcId")?;
    let blocks = p.strings("CidrBlocks")?.unwrap_or_default();
    p.finish()?;
    Ok(ChangeAssistantCidrs {
        vpc: VpcRef::parse(&id, "VpcId")?,
        blocks: ops::blocks(&blocks, "CidrBlocks")?,
        add,
    })
}

fn vpc_ids(ids: &[String], field: &'static str) -> ApiResult<Vec<VpcRef>> {
    ids.iter().map(|id| VpcRef::parse(id, field)).collect()
}

fn describe_vpcs(mut p: Params) -> ApiResult<DescribeVpcs> {
    let ids = p.strings("VpcIds")?;
    let filters = p.filters()?;
    let (offset, limit) = p.page(100)?;
    p.finish()?;
    let (mut ids, filters) = ids_or_filters(ids, filters, "VpcIds")?;
    let (mut names, mut blocks) = (None, None);
    let mut tags = Vec::new();
    for (name, values) in filters {
        let slot = match name.as_str() {
            "vpc-name" => &mut names,
            "vpc-id" => &mut ids,
            "cidr-block" => &mut blocks,
            other => match tag_filter(other, values)? {
                Some(tag) => {
                    tags.push(tag);
                    continue;
                }
                None => {
                    return Err(unknown_filter(
                        other,
                        "vpc-name, vpc-id, cidr-block, tag-key, tag:<key>",
                    ));
                }
            },
        };
        narrow(slot, values);
    }
    Ok(DescribeVpcs(VpcFilter {
        ids: ids.map(|ids| vpc_ids(&ids, "VpcIds")).transpose()?,
        names,
        // The real API matches names fuzzily.
        name_match: NameMatch::Contains,
        cidr_blocks: blocks,
        tags,
        offset,
        limit,
        ..VpcFilter::default()
    }))
}

fn describe_assistant_cidrs(mut p: Params) -> ApiResult<DescribeAssistantCidrs> {
    let ids = p.strings("VpcIds")?;
    let filters = p.filters()?;
    let (offset, limit) = p.page(100)?;
    p.finish()?;
    let mut wanted = ids;
    for (name, values) in filters.unwrap_or_default() {
        if name != "vpc-id" {
            return Err(unknown_filter(&name, "vpc-id"));
        }
        narrow(&mut wanted, values);
    }
    Ok(DescribeAssistantCidrs {
        vpcs: VpcFilter {
            ids: wanted.map(|ids| vpc_ids(&ids, "VpcIds")).transpose()?,
            ..VpcFilter::default()
        },
        offset: offset as usize,
        limit: limit as usize,
    })
}

fn assistant_cidr(vpc_id: &str, block: &str) -> Value {
    json!({ "VpcId": vpc_id, "CidrBlock": block, "AssistantType": 0, "SubnetSet": [] })
}

/// A VPC as the SDK's `Vpc` model has it: named by its unique id.
fn vpc_model(vpc: &Vpc) -> Value {
    let assistants: Vec<Value> = vpc
        .assistant_blocks()
        .iter()
        .map(|b| assistant_cidr(&vpc.un_vpc_id, b))
        .collect();
    json!({
        "VpcName": vpc.vpc_name,
        "VpcId": vpc.un_vpc_id,
        "CidrBlock": vpc.cidr_block,
        "IsDefault": false,
        "EnableMulticast": false,
        "CreatedTime": format_time(vpc.create_time),
        "DnsServerSet": [],
        "DomainName": "",
        "DhcpOptionsId": "",
        "EnableDhcp": true,
        "Ipv6CidrBlock": "",
        "TagSet": tag_set(&vpc.tags),
        "AssistantCidrSet": assistants,
        "EnableRouteVpcPublish": false,
        "Ipv6CidrBlockSet": [],
        "EnableRouteVpcPublishIpv6": false,
        "StackType": "ipv4",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorCode;

    #[test]
    fn describe_sets_of_filter_values_reach_the_store_whole() {
        let params = |json: &str| {
            Params::new(
                "DescribeVpcPeeringConnections",
                super::super::params::from_json(json.as_bytes()).unwrap(),
            )
        };
        let op = describe_peerings(params(
            r#"{"Filters": [{"Name": "state", "Values": ["ACTIVE", "PENDING"]},
                            {"Name": "state", "Values": ["PENDING"]}]}"#,
        ))
        .unwrap();
        assert_eq!(
            op.0.states,
            Some(vec![crate::domain::peering::PeeringState::Pending])
        );
        let err = describe_peerings(params(
            r#"{"Filters": [{"Name": "state", "Values": ["active"]}]}"#,
        ))
        .err()
        .unwrap();
        assert_eq!(err.code, ErrorCode::InvalidParameterValueRange);
        let err = describe_peerings(params(r#"{"PeeringConnectionIds": [], "Filters": []}"#))
            .err()
            .unwrap();
        assert_eq!(err.code, ErrorCode::InvalidParameterCoexist);
    }
}
