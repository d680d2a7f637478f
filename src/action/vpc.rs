//! The VPC and assistant-CIDR operations, and the decoding every front end
//! shares for them.

use super::{Caller, Operation, Page};
use crate::{
    domain::{
        ApiError, ApiResult, ErrorCode, cidr::CidrBlock, ids::VpcRef, link::Tag,
        names::validate_name,
    },
    store::{Store, Vpc, VpcChange, VpcFilter},
};

pub struct CreateVpc {
    pub name: String,
    pub cidr: CidrBlock,
    pub tags: Vec<Tag>,
}

impl CreateVpc {
    pub fn decode(
        name: &str,
        cidr: &str,
        name_field: &'static str,
        cidr_field: &'static str,
    ) -> ApiResult<Self> {
        validate_name(name, name_field, ErrorCode::InvalidParameterValue)?;
        Ok(Self {
            name: name.to_owned(),
            cidr: CidrBlock::parse(cidr, cidr_field)?,
            tags: Vec::new(),
        })
    }
}

impl Operation for CreateVpc {
    type Output = Vpc;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Vpc> {
        store
            .create_vpc(
                caller.actor(),
                caller.region,
                self.name,
                self.cidr,
                self.tags,
            )
            .await
    }
}

pub struct DeleteVpc(pub VpcRef);

impl Operation for DeleteVpc {
    type Output = ();

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<()> {
        store
            .delete_vpc(caller.actor(), caller.region, self.0)
            .await
    }
}

/// ModifyVpcAttribute: a new name, tags set and tag keys removed.
pub struct ModifyVpc {
    pub vpc: VpcRef,
    pub change: VpcChange,
}

impl ModifyVpc {
    /// Checks the new name, if any.
    pub fn decode(
        vpc: VpcRef,
        name: Option<&str>,
        name_field: &'static str,
        set_tags: Vec<Tag>,
        delete_tag_keys: Vec<String>,
    ) -> ApiResult<Self> {
        if let Some(name) = name {
            validate_name(name, name_field, ErrorCode::InvalidParameterValue)?;
        }
        Ok(Self {
            vpc,
            change: VpcChange {
                name: name.map(str::to_owned),
                set_tags,
                delete_tag_keys,
            },
        })
    }
}

impl Operation for ModifyVpc {
    type Output = Vpc;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Vpc> {
        store
            .modify_vpc(caller.actor(), caller.region, self.vpc, self.change)
            .await
    }
}

/// Blocks a request names: at least one, each a valid block.
pub fn blocks(texts: &[String], field: &'static str) -> ApiResult<Vec<CidrBlock>> {
    if texts.is_empty() {
        return Err(ApiError::missing(field));
    }
    texts.iter().map(|b| CidrBlock::parse(b, field)).collect()
}

/// Adds (`add`) or removes assistant blocks of one VPC; the VPC as it is
/// afterwards.
pub struct ChangeAssistantCidrs {
    pub vpc: VpcRef,
    pub blocks: Vec<CidrBlock>,
    pub add: bool,
}

impl Operation for ChangeAssistantCidrs {
    type Output = Vpc;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Vpc> {
        let actor = caller.actor();
        if self.add {
            store
                .create_assistant_cidr(actor, caller.region, self.vpc, self.blocks)
                .await
        } else {
            store
                .delete_assistant_cidr(actor, caller.region, self.vpc, self.blocks)
                .await
        }
    }
}

/// DescribeVpcEx (DescribeVpcs): the caller's VPCs in its region that
/// match, one page of them from one consistent state.
pub struct DescribeVpcs(pub VpcFilter);

impl Operation for DescribeVpcs {
    type Output = Page<Vpc>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Page<Vpc>> {
        let (total, items) = store
            .describe_vpcs(&caller.uin, caller.region, self.0)
            .await?;
        Ok(Page { total, items })
    }
}

/// DescribeAssistantCidr: the assistant blocks of the caller's VPCs that
/// match (oldest VPC first, each VPC's blocks in order), one page of them,
/// from one read.
pub struct DescribeAssistantCidrs {
    pub vpcs: VpcFilter,
    pub offset: usize,
    pub limit: usize,
}

impl Operation for DescribeAssistantCidrs {
    /// Each block with its VPC's unique id.
    type Output = Page<(String, String)>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Self::Output> {
        let every_vpc = VpcFilter {
            offset: 0,
            limit: i64::MAX,
            ..self.vpcs
        };
        let (_, vpcs) = store
            .describe_vpcs(&caller.uin, caller.region, every_vpc)
            .await?;
        let blocks: Vec<(String, String)> = vpcs
            .iter()
            .flat_map(|v| {
                v.assistant_blocks()
                    .into_iter()
                    .map(|b| (v.un_vpc_id.clone(), b))
            })
            .collect();
        Ok(Page {
            total: blocks.len() as i64,
            items: blocks
                .into_iter()
                .skip(self.offset)
                .take(self.limit)
                .collect(),
        })
    }
}
