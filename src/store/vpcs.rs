//! VPCs and their CIDR blocks.

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    lookup::owned_vpc,
    model::{NewVpc, VpcIx},
    records::{Vpc, tags_to_json},
    routes::{add_default_table, delete_tables_of},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    cidr::CidrBlock,
    ids::{VpcRef, legacy_vpc_id},
    link::{Tag, check_tags},
    quota::QuotaName,
    region::Region,
    route::{check_block_clear_of_routes, check_block_not_routed_into},
    rules::{
        check_assistant_count, check_blocks_against_peers, check_own_blocks, check_vpc_count,
        check_vpc_deletable,
    },
    subnet::{check_block_has_no_subnets, check_no_subnets},
};

pub async fn create_vpc_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    name: String,
    cidr: CidrBlock,
    tags: Vec<Tag>,
) -> ApiResult<Vpc> {
    check_tags(&tags, "Tags")?;
    let model = tx.model().await?;
    check_vpc_count(
        &actor.uin,
        region.name,
        model.vpc_count(&actor.uin, region.name),
        model.limit(&actor.uin, region.name, QuotaName::MaxVpcs),
    )?;
    let vpc_id = next_legacy_id(tx, region).await?;
    let un_vpc_id = loop {
        let id = tx.ids.un_vpc_id();
        if tx.model().await?.vpc_by_id(&id).is_none() {
            break id;
        }
    };
    let (row,): (i64,) = sqlx::query_as(
        "INSERT INTO vpcs (vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, create_time, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&vpc_id)
    .bind(&un_vpc_id)
    .bind(&actor.uin)
    .bind(region.name)
    .bind(&name)
    .bind(cidr.to_string())
    .bind(tx.now)
    .bind(tags_to_json(&tags))
    .fetch_one(&mut tx.conn)
    .await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "vpc",
            resource_id: &un_vpc_id,
            kind: "created",
            old_state: None,
            new_state: Some(&cidr.to_string()),
        },
    );
    let now = tx.now;
    let model = tx.model().await?;
    let ix = model.insert_vpc(NewVpc {
        row,
        vpc_id: &vpc_id,
        un_vpc_id: &un_vpc_id,
        uin: &actor.uin,
        region: region.name,
        name: &name,
        blocks: vec![cidr],
        create_time: now,
        deleted: false,
    });
    model.network_mut().set_vpc_tags(ix, tags);
    add_default_table(tx, ix).await?;
    Ok(tx.model().await?.vpc_record(ix))
}

/// The next free legacy id of the region (`gz_vpc_<n>`); skips numbers that
/// seeded VPCs already use.
async fn next_legacy_id(tx: &mut Tx, region: Region) -> ApiResult<String> {
    loop {
        let (number,): (i64,) = sqlx::query_as(
            "INSERT INTO legacy_vpc_numbers (region, next) VALUES (?, 2)
             ON CONFLICT (region) DO UPDATE SET next = next + 1 RETURNING next - 1",
        )
        .bind(region.name)
        .fetch_one(&mut tx.conn)
        .await?;
        let id = legacy_vpc_id(region, number);
        let model = tx.model().await?;
        // The model follows the counter, for scenario loads to go on from.
        model.set_legacy_next(region.name, number + 1);
        if model.vpc_by_id(&id).is_none() {
            return Ok(id);
        }
    }
}

pub async fn delete_vpc_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
) -> ApiResult<()> {
    let now = tx.now;
    let model = tx.model().await?;
    let ix = owned_vpc(model, &actor.uin, &vpc, region)?;
    check_vpc_deletable(&model.view(now), ix)?;
    let entry = model.vpc(ix);
    let (row, un_vpc_id) = (entry.row, model.text(entry.un_vpc_id).to_owned());
    let subnets: Vec<&str> = model
        .network()
        .subnets_of(ix)
        .map(|s| s.id.as_str())
        .collect();
    check_no_subnets(&un_vpc_id, &subnets)?;
    // Its route tables (and their routes) go with it.
    delete_tables_of(tx, ix).await?;
    sqlx::query("UPDATE vpcs SET deleted = 1 WHERE id = ?")
        .bind(row)
        .execute(&mut tx.conn)
        .await?;
    tx.model().await?.set_vpc_deleted(ix);
    events::record(
        tx,
        actor,
        Change {
            resource_type: "vpc",
            resource_id: &un_vpc_id,
            kind: "deleted",
            old_state: None,
            new_state: None,
        },
    );
    Ok(())
}

pub async fn create_assistant_cidr_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    blocks: Vec<CidrBlock>,
) -> ApiResult<Vpc> {
    let now = tx.now;
    let model = tx.model().await?;
    let ix = owned_vpc(model, &actor.uin, &vpc, region)?;
    let un_vpc_id = model.text(model.vpc(ix).un_vpc_id);
    let mut combined = model.blocks(ix).to_vec();
    combined.extend(blocks.iter().copied());
    check_own_blocks(&format!("vpc {un_vpc_id}"), &combined).map_err(|err| ApiError {
        field: Some("cidr_blocks"),
        ..err
    })?;
    let limit = model.limit(&actor.uin, region.name, QuotaName::MaxAssistantCidrs);
    check_assistant_count(un_vpc_id, combined.len() - 1, limit)?;
    check_blocks_against_peers(&model.view(now), ix, &blocks)?;
    let routes = model.own_destinations(ix);
    let routes: Vec<(&str, CidrBlock)> = routes.iter().map(|(i, d)| (i.as_str(), *d)).collect();
    for block in &blocks {
        check_block_clear_of_routes(un_vpc_id, *block, &routes)?;
    }
    save_blocks(tx, actor, ix, combined, "assistant_cidr_added").await
}

pub async fn delete_assistant_cidr_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    blocks: Vec<CidrBlock>,
) -> ApiResult<Vpc> {
    let model = tx.model().await?;
    let ix = owned_vpc(model, &actor.uin, &vpc, region)?;
    let un_vpc_id = model.text(model.vpc(ix).un_vpc_id);
    let mut kept = model.blocks(ix).to_vec();
    for block in &blocks {
        // Never the primary block, which is first.
        let Some(position) = kept.iter().skip(1).position(|b| b == block) else {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValue,
                "cidr_blocks",
                format!("{block} is not an assistant cidr block of vpc {un_vpc_id}"),
            ));
        };
        kept.remove(position + 1);
    }
    let subnets: Vec<(&str, CidrBlock)> = model
        .network()
        .subnets_of(ix)
        .map(|s| (s.id.as_str(), s.block))
        .collect();
    let routes_in = model.routes_into(ix);
    let routes_in: Vec<(&str, CidrBlock)> =
        routes_in.iter().map(|(i, d)| (i.as_str(), *d)).collect();
    for block in &blocks {
        check_block_has_no_subnets(un_vpc_id, *block, &subnets)?;
        check_block_not_routed_into(un_vpc_id, *block, &routes_in)?;
    }
    save_blocks(tx, actor, ix, kept, "assistant_cidr_deleted").await
}

/// Stores a VPC's new blocks (the primary one first) in its row and the model.
async fn save_blocks(
    tx: &mut Tx,
    actor: &Actor,
    ix: VpcIx,
    blocks: Vec<CidrBlock>,
    kind: &'static str,
) -> ApiResult<Vpc> {
    let model = tx.model().await?;
    let before = model.vpc_record(ix);
    let joined = blocks
        .iter()
        .skip(1)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query("UPDATE vpcs SET assistant_cidr_blocks = ? WHERE id = ?")
        .bind(&joined)
        .bind(before.id)
        .execute(&mut tx.conn)
        .await?;
    let model = tx.model().await?;
    model.set_vpc_blocks(ix, &blocks);
    let updated = model.vpc_record(ix);
    events::record(
        tx,
        actor,
        Change {
            resource_type: "vpc",
            resource_id: &updated.un_vpc_id,
            kind,
            old_state: Some(&before.assistant_cidr_blocks),
            new_state: Some(&joined),
        },
    );
    Ok(updated)
}

/// ModifyVpcAttribute: a new name, tags set (a key the VPC has gets the
/// new value) and tag keys removed; the VPC as it is afterwards.
#[derive(Debug, Clone, Default)]
pub struct VpcChange {
    pub name: Option<String>,
    pub set_tags: Vec<Tag>,
    pub delete_tag_keys: Vec<String>,
}

pub async fn modify_vpc_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    change: VpcChange,
) -> ApiResult<Vpc> {
    let model = tx.model().await?;
    let ix = owned_vpc(model, &actor.uin, &vpc, region)?;
    check_tags(&change.set_tags, "Tags")?;
    let before = model.vpc_record(ix);
    let mut tags = before.tags.clone();
    tags.retain(|t| !change.delete_tag_keys.contains(&t.key));
    for tag in &change.set_tags {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value.clone_from(&tag.value),
            None => tags.push(tag.clone()),
        }
    }
    check_tags(&tags, "Tags")?;
    let name = change.name.unwrap_or_else(|| before.vpc_name.clone());
    sqlx::query("UPDATE vpcs SET vpc_name = ?, tags = ? WHERE id = ?")
        .bind(&name)
        .bind(tags_to_json(&tags))
        .bind(before.id)
        .execute(&mut tx.conn)
        .await?;
    let model = tx.model().await?;
    model.rename_vpc(ix, &name);
    let tags_changed = tags != before.tags;
    model.network_mut().set_vpc_tags(ix, tags);
    let after = model.vpc_record(ix);
    if name != before.vpc_name {
        events::record(
            tx,
            actor,
            Change {
                resource_type: "vpc",
                resource_id: &after.un_vpc_id,
                kind: "renamed",
                old_state: Some(&before.vpc_name),
                new_state: Some(&name),
            },
        );
    }
    if tags_changed {
        let shown = |tags: &[Tag]| tags_to_json(tags);
        events::record(
            tx,
            actor,
            Change {
                resource_type: "vpc",
                resource_id: &after.un_vpc_id,
                kind: "tagged",
                old_state: Some(&shown(&before.tags)),
                new_state: Some(&shown(&after.tags)),
            },
        );
    }
    Ok(after)
}

impl Store {
    /// The caller's VPCs in the region that match, one page of them, and
    /// how many match in all: one read of the model.
    pub async fn describe_vpcs(
        &self,
        owner: &str,
        region: Region,
        filter: super::VpcFilter,
    ) -> ApiResult<(i64, Vec<Vpc>)> {
        self.with_model(|model| model.describe_vpcs(owner, region.name, &filter))
            .await
    }

    pub async fn create_vpc(
        &self,
        actor: Actor,
        region: Region,
        name: String,
        cidr: CidrBlock,
        tags: Vec<Tag>,
    ) -> ApiResult<Vpc> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_vpc_in(tx, &actor, region, name, cidr, tags).await })
        })
        .await
    }

    pub async fn modify_vpc(
        &self,
        actor: Actor,
        region: Region,
        vpc: VpcRef,
        change: VpcChange,
    ) -> ApiResult<Vpc> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { modify_vpc_in(tx, &actor, region, vpc, change).await })
        })
        .await
    }

    pub async fn delete_vpc(&self, actor: Actor, region: Region, vpc: VpcRef) -> ApiResult<()> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_vpc_in(tx, &actor, region, vpc).await })
        })
        .await
    }

    pub async fn create_assistant_cidr(
        &self,
        actor: Actor,
        region: Region,
        vpc: VpcRef,
        blocks: Vec<CidrBlock>,
    ) -> ApiResult<Vpc> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_assistant_cidr_in(tx, &actor, region, vpc, blocks).await })
        })
        .await
    }

    pub async fn delete_assistant_cidr(
        &self,
        actor: Actor,
        region: Region,
        vpc: VpcRef,
        blocks: Vec<CidrBlock>,
    ) -> ApiResult<Vpc> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_assistant_cidr_in(tx, &actor, region, vpc, blocks).await })
        })
        .await
    }
}
