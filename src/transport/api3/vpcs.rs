//! The VPC and assistant-CIDR actions of API 3.0, on the store's VPC calls.
//! VPCs are named by their unique id (`vpc-...`) in answers; either id form
//! is taken in requests, as over gRPC.

use serde_json::{Map, Value, json};

use super::{Api3Error, Call, params::Params};
use crate::{
    domain::{ErrorCode, cidr::CidrBlock, ids::VpcRef, names::validate_name, time::format_time},
    store::Vpc,
    transport::auth::AppState,
};

fn assistant_cidr(vpc_id: &str, block: &str) -> Value {
    json!({ "VpcId": vpc_id, "CidrBlock": block, "AssistantType": 0, "SubnetSet": [] })
}

/// A VPC as the SDK's `Vpc` model has it.
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
        "TagSet": [],
        "AssistantCidrSet": assistants,
        "EnableRouteVpcPublish": false,
        "Ipv6CidrBlockSet": [],
        "EnableRouteVpcPublishIpv6": false,
        "StackType": "ipv4",
    })
}

fn blocks(params: &mut Params) -> Result<Vec<CidrBlock>, Api3Error> {
    let texts = params
        .strings("CidrBlocks")?
        .filter(|b| !b.is_empty())
        .ok_or_else(|| Api3Error::new("MissingParameter", "parameter CidrBlocks is required"))?;
    Ok(texts
        .iter()
        .map(|b| CidrBlock::parse(b, "CidrBlocks"))
        .collect::<Result<_, _>>()?)
}

pub async fn create_vpc(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let name = params.required_string("VpcName")?;
    let cidr = params.required_string("CidrBlock")?;
    // Options of the real VPC that vpcsim does not model: accepted as the
    // SDKs send them, not kept.
    params.ignore(&[
        "EnableMulticast",
        "DnsServers",
        "DomainName",
        "EnableRouteVpcPublish",
        "EnableRouteVpcPublishIpv6",
        "AddressType",
    ]);
    if params.tags()?.is_some_and(|tags| !tags.is_empty()) {
        return Err(Api3Error::new(
            "UnsupportedOperation",
            "vpcsim keeps Tags on peering connections, not on VPCs yet",
        ));
    }
    params.refuse(&["Ipv6CidrBlock", "StackType"], |name| {
        format!("vpcsim does not simulate IPv6 ({name}) yet")
    })?;
    params.finish()?;
    validate_name(&name, "VpcName", ErrorCode::InvalidParameterValue)?;
    let cidr = CidrBlock::parse(&cidr, "CidrBlock")?;
    let vpc = state
        .store
        .create_vpc(call.actor.clone(), call.region, name, cidr)
        .await?;
    let mut out = Map::new();
    out.insert("Vpc".into(), vpc_model(&vpc));
    Ok(out)
}

pub async fn delete_vpc(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let id = params.required_string("VpcId")?;
    params.finish()?;
    let vpc = VpcRef::parse(&id, "VpcId")?;
    state
        .store
        .delete_vpc(call.actor.clone(), call.region, vpc)
        .await?;
    Ok(Map::new())
}

pub async fn create_assistant_cidr(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let id = params.required_string("VpcId")?;
    let new = blocks(&mut params)?;
    params.finish()?;
    let vpc = VpcRef::parse(&id, "VpcId")?;
    let vpc = state
        .store
        .create_assistant_cidr(call.actor.clone(), call.region, vpc, new.clone())
        .await?;
    let set: Vec<Value> = new
        .iter()
        .map(|b| assistant_cidr(&vpc.un_vpc_id, &b.to_string()))
        .collect();
    let mut out = Map::new();
    out.insert("AssistantCidrSet".into(), Value::Array(set));
    Ok(out)
}

pub async fn delete_assistant_cidr(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let id = params.required_string("VpcId")?;
    let gone = blocks(&mut params)?;
    params.finish()?;
    let vpc = VpcRef::parse(&id, "VpcId")?;
    state
        .store
        .delete_assistant_cidr(call.actor.clone(), call.region, vpc, gone)
        .await?;
    Ok(Map::new())
}

/// Every VPC of the caller's in the region, oldest first.
async fn all_vpcs(state: &AppState, call: &Call) -> Result<Vec<Vpc>, Api3Error> {
    Ok(state
        .store
        .every_vpc(&call.actor.uin, call.region, None)
        .await?)
}

/// One condition of DescribeVpcs; a VPC is listed when all hold.
type VpcTest = Box<dyn Fn(&Vpc) -> bool + Send>;

fn names_vpc(vpc: &Vpc, ids: &[String]) -> bool {
    ids.iter()
        .any(|id| *id == vpc.un_vpc_id || *id == vpc.vpc_id)
}

pub async fn describe_vpcs(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let ids = params.strings("VpcIds")?;
    let filters = params.filters()?;
    let (offset, limit) = params.page()?;
    params.finish()?;
    if ids.is_some() && filters.is_some() {
        return Err(Api3Error::new(
            "InvalidParameter.Coexist",
            "VpcIds and Filters cannot be given together",
        ));
    }
    let mut keep: Vec<VpcTest> = Vec::new();
    if let Some(ids) = ids {
        keep.push(Box::new(move |v| names_vpc(v, &ids)));
    }
    for (name, values) in filters.unwrap_or_default() {
        keep.push(match name.as_str() {
            // The real API matches names fuzzily.
            "vpc-name" => {
                Box::new(move |v: &Vpc| values.iter().any(|x| v.vpc_name.contains(x.as_str())))
            }
            "vpc-id" => Box::new(move |v: &Vpc| names_vpc(v, &values)),
            "cidr-block" => Box::new(move |v: &Vpc| values.contains(&v.cidr_block)),
            other => {
                return Err(Api3Error::new(
                    "InvalidParameterValue",
                    format!(
                        "filter {other:?} is not one vpcsim answers: vpc-name, vpc-id, cidr-block"
                    ),
                ));
            }
        });
    }
    let matching: Vec<Vpc> = all_vpcs(state, call)
        .await?
        .into_iter()
        .filter(|v| keep.iter().all(|k| k(v)))
        .collect();
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(matching.len()));
    out.insert(
        "VpcSet".into(),
        matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(vpc_model)
            .collect(),
    );
    Ok(out)
}

pub async fn describe_assistant_cidr(
    state: &AppState,
    call: &Call,
    mut params: Params,
) -> Result<Map<String, Value>, Api3Error> {
    let ids = params.strings("VpcIds")?;
    let filters = params.filters()?;
    let (offset, limit) = params.page()?;
    params.finish()?;
    let mut wanted: Option<Vec<String>> = ids;
    for (name, values) in filters.unwrap_or_default() {
        if name != "vpc-id" {
            return Err(Api3Error::new(
                "InvalidParameterValue",
                format!("filter {name:?} is not vpc-id"),
            ));
        }
        wanted = Some(match wanted {
            None => values,
            Some(before) => before.into_iter().filter(|v| values.contains(v)).collect(),
        });
    }
    let set: Vec<Value> = all_vpcs(state, call)
        .await?
        .iter()
        .filter(|v| wanted.as_ref().is_none_or(|ids| names_vpc(v, ids)))
        .flat_map(|v| {
            v.assistant_blocks()
                .into_iter()
                .map(|b| assistant_cidr(&v.un_vpc_id, &b))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = Map::new();
    out.insert("TotalCount".into(), json!(set.len()));
    out.insert(
        "AssistantCidrSet".into(),
        set.into_iter().skip(offset).take(limit).collect(),
    );
    Ok(out)
}
