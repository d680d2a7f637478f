//! VPCs and their CIDR blocks.

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::{
    Actor, Store, Tx,
    accounts::quota_limit,
    events::{self, Change},
    peerings::live_peers,
    records::Vpc,
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    cidr::{CidrBlock, first_overlap, first_overlap_within},
    ids::{VpcRef, legacy_vpc_id},
    quota::QuotaName,
    region::Region,
};

const VPC_COLUMNS: &str =
    "id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks, create_time";

/// A live (not deleted) VPC in `region` named by either id form, whoever owns it.
pub(super) async fn find_vpc(
    conn: &mut SqliteConnection,
    vpc: &VpcRef,
    region: Region,
) -> Result<Option<Vpc>, sqlx::Error> {
    let column = match vpc {
        VpcRef::Legacy(_) => "vpc_id",
        VpcRef::Unique(_) => "un_vpc_id",
    };
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {VPC_COLUMNS} FROM vpcs WHERE {column} = ? AND region = ? AND deleted = 0"
    )))
    .bind(vpc.as_str())
    .bind(region.name)
    .fetch_optional(conn)
    .await
}

/// The VPC if `owner` owns it in `region`; any other VPC reads as not found.
pub(super) async fn owned_vpc(
    conn: &mut SqliteConnection,
    owner: &str,
    vpc: &VpcRef,
    region: Region,
) -> ApiResult<Vpc> {
    match find_vpc(conn, vpc, region).await? {
        Some(found) if found.uin == owner => Ok(found),
        _ => Err(vpc_not_found(vpc.as_str(), region)),
    }
}

pub(super) fn vpc_not_found(id: &str, region: Region) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidVpcNotFound,
        format!("{id} does not exist in {}", region.name),
    )
}

pub(super) async fn vpc_by_row_id(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Vpc, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {VPC_COLUMNS} FROM vpcs WHERE id = ?"
    )))
    .bind(id)
    .fetch_one(conn)
    .await
}

pub async fn create_vpc(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    name: String,
    cidr: CidrBlock,
) -> ApiResult<Vpc> {
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM vpcs WHERE uin = ? AND region = ? AND deleted = 0")
            .bind(&actor.uin)
            .bind(region.name)
            .fetch_one(&mut tx.conn)
            .await?;
    let limit = quota_limit(&mut tx.conn, &actor.uin, region, QuotaName::MaxVpcs).await?;
    if count >= limit {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "account {} has {count} of {limit} vpcs allowed in {} by quota {}",
                actor.uin,
                region.name,
                QuotaName::MaxVpcs.as_str()
            ),
        ));
    }
    let vpc_id = next_legacy_id(tx, region).await?;
    let un_vpc_id = next_unique_id(tx).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO vpcs (vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, create_time)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&vpc_id)
    .bind(&un_vpc_id)
    .bind(&actor.uin)
    .bind(region.name)
    .bind(&name)
    .bind(cidr.to_string())
    .bind(tx.now)
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
    )
    .await?;
    let vpc = vpc_by_row_id(&mut tx.conn, id).await?;
    if let Some(model) = tx.loaded_model() {
        model.put_vpc(vpc.clone(), false);
    }
    Ok(vpc)
}

/// The next free legacy id of the region (`gz_vpc_<n>`); skips numbers that
/// seeded VPCs already use.
async fn next_legacy_id(tx: &mut Tx, region: Region) -> Result<String, sqlx::Error> {
    loop {
        let (number,): (i64,) = sqlx::query_as(
            "INSERT INTO legacy_vpc_numbers (region, next) VALUES (?, 2)
             ON CONFLICT (region) DO UPDATE SET next = next + 1 RETURNING next - 1",
        )
        .bind(region.name)
        .fetch_one(&mut tx.conn)
        .await?;
        let id = legacy_vpc_id(region, number);
        if !id_in_use(&mut tx.conn, "vpc_id", &id).await? {
            return Ok(id);
        }
    }
}

async fn next_unique_id(tx: &mut Tx) -> Result<String, sqlx::Error> {
    loop {
        let id = tx.ids.un_vpc_id();
        if !id_in_use(&mut tx.conn, "un_vpc_id", &id).await? {
            return Ok(id);
        }
    }
}

async fn id_in_use(
    conn: &mut SqliteConnection,
    column: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<(i64,)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT 1 FROM vpcs WHERE {column} = ?"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

pub async fn delete_vpc(tx: &mut Tx, actor: &Actor, region: Region, vpc: VpcRef) -> ApiResult<()> {
    let vpc = owned_vpc(&mut tx.conn, &actor.uin, &vpc, region).await?;
    let peers = live_peers(&mut tx.conn, vpc.id, tx.now, None).await?;
    if let Some(first) = peers.first() {
        return Err(ApiError::new(
            ErrorCode::ResourceInUse,
            format!(
                "vpc {} has {} live peering connections, such as {}; delete them first",
                vpc.un_vpc_id,
                peers.len(),
                first.peer.peering_id
            ),
        ));
    }
    if let Some(model) = tx.loaded_model() {
        model.put_vpc(vpc.clone(), true);
    }
    sqlx::query("UPDATE vpcs SET deleted = 1 WHERE id = ?")
        .bind(vpc.id)
        .execute(&mut tx.conn)
        .await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "vpc",
            resource_id: &vpc.un_vpc_id,
            kind: "deleted",
            old_state: None,
            new_state: None,
        },
    )
    .await?;
    Ok(())
}

pub async fn create_assistant_cidr(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    blocks: Vec<CidrBlock>,
) -> ApiResult<Vpc> {
    let vpc = owned_vpc(&mut tx.conn, &actor.uin, &vpc, region).await?;
    let existing = vpc.all_blocks();
    let mut combined = existing.clone();
    combined.extend(blocks.iter().copied());
    if let Some((a, b)) = first_overlap_within(&combined) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueOverlap,
            "cidr_blocks",
            format!("{a} overlaps {b} of vpc {}", vpc.un_vpc_id),
        ));
    }
    let assistants = existing.len() - 1 + blocks.len();
    let limit = quota_limit(
        &mut tx.conn,
        &actor.uin,
        region,
        QuotaName::MaxAssistantCidrs,
    )
    .await?;
    if assistants as i64 > limit {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "vpc {} would have {assistants} assistant cidr blocks; quota {} allows {limit}",
                vpc.un_vpc_id,
                QuotaName::MaxAssistantCidrs.as_str()
            ),
        ));
    }
    // The new blocks must not overlap any live peer of this VPC, nor any
    // other live peer of those peers: every VPC's peers stay disjoint.
    for live in live_peers(&mut tx.conn, vpc.id, tx.now, None).await? {
        let peer = &live.peer;
        if let Some((a, b)) = first_overlap(&blocks, &peer.other.blocks) {
            return Err(ApiError::new(
                ErrorCode::PeeringConnectionVpcConflict,
                format!(
                    "{a} overlaps {b} of {}, peered by {}",
                    peer.other.un_vpc_id, peer.peering_id
                ),
            ));
        }
        let peer_row = live.other_row_id;
        for neighbour in
            live_peers(&mut tx.conn, peer_row, tx.now, Some(live.peering_row_id)).await?
        {
            if let Some((a, b)) = first_overlap(&blocks, &neighbour.peer.other.blocks) {
                return Err(ApiError::new(
                    ErrorCode::PeeringConnectionVpcConflict,
                    format!(
                        "{a} overlaps {b} of {}, which is peered with {} by {} like this vpc",
                        neighbour.peer.other.un_vpc_id,
                        peer.other.un_vpc_id,
                        neighbour.peer.peering_id
                    ),
                ));
            }
        }
    }
    let mut stored = vpc.assistant_blocks();
    stored.extend(blocks.iter().map(ToString::to_string));
    save_assistants(tx, actor, &vpc, &stored, "assistant_cidr_added").await
}

pub async fn delete_assistant_cidr(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    blocks: Vec<CidrBlock>,
) -> ApiResult<Vpc> {
    let vpc = owned_vpc(&mut tx.conn, &actor.uin, &vpc, region).await?;
    let mut stored = vpc.assistant_blocks();
    for block in &blocks {
        let text = block.to_string();
        let Some(position) = stored.iter().position(|b| *b == text) else {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValue,
                "cidr_blocks",
                format!(
                    "{text} is not an assistant cidr block of vpc {}",
                    vpc.un_vpc_id
                ),
            ));
        };
        stored.remove(position);
    }
    save_assistants(tx, actor, &vpc, &stored, "assistant_cidr_deleted").await
}

async fn save_assistants(
    tx: &mut Tx,
    actor: &Actor,
    vpc: &Vpc,
    blocks: &[String],
    kind: &'static str,
) -> ApiResult<Vpc> {
    let joined = blocks.join(",");
    sqlx::query("UPDATE vpcs SET assistant_cidr_blocks = ? WHERE id = ?")
        .bind(&joined)
        .bind(vpc.id)
        .execute(&mut tx.conn)
        .await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "vpc",
            resource_id: &vpc.un_vpc_id,
            kind,
            old_state: Some(&vpc.assistant_cidr_blocks),
            new_state: Some(&joined),
        },
    )
    .await?;
    let updated = vpc_by_row_id(&mut tx.conn, vpc.id).await?;
    if let Some(model) = tx.loaded_model() {
        model.put_vpc(updated.clone(), false);
    }
    Ok(updated)
}

/// DescribeVpcEx filters and page, validated.
#[derive(Debug, Clone, Default)]
pub struct VpcFilter {
    pub vpc: Option<VpcRef>,
    pub vpc_name: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

impl Store {
    /// The caller's VPCs in the region, oldest first.
    pub async fn describe_vpcs(
        &self,
        owner: &str,
        region: Region,
        filter: VpcFilter,
    ) -> ApiResult<(i64, Vec<Vpc>)> {
        let mut conn = self.read().await?;
        let (legacy, unique) = match &filter.vpc {
            Some(VpcRef::Legacy(id)) => (Some(id.as_str()), None),
            Some(VpcRef::Unique(id)) => (None, Some(id.as_str())),
            None => (None, None),
        };
        let conditions = "uin = ?1 AND region = ?2 AND deleted = 0
            AND (?3 IS NULL OR vpc_id = ?3) AND (?4 IS NULL OR un_vpc_id = ?4)
            AND (?5 IS NULL OR vpc_name = ?5)";
        let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM vpcs WHERE {conditions}"
        )))
        .bind(owner)
        .bind(region.name)
        .bind(legacy)
        .bind(unique)
        .bind(filter.vpc_name.as_deref())
        .fetch_one(&mut *conn)
        .await?;
        let page: Vec<Vpc> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {VPC_COLUMNS} FROM vpcs WHERE {conditions} ORDER BY id LIMIT ?6 OFFSET ?7"
        )))
        .bind(owner)
        .bind(region.name)
        .bind(legacy)
        .bind(unique)
        .bind(filter.vpc_name.as_deref())
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(&mut *conn)
        .await?;
        Ok((total, page))
    }

    /// Every VPC of `owner` in the region (or the one `vpc` names), oldest
    /// first, read a page at a time.
    pub async fn every_vpc(
        &self,
        owner: &str,
        region: Region,
        vpc: Option<VpcRef>,
    ) -> ApiResult<Vec<Vpc>> {
        const PAGE: i64 = 1000;
        let mut all = Vec::new();
        loop {
            let (total, page) = self
                .describe_vpcs(
                    owner,
                    region,
                    VpcFilter {
                        vpc: vpc.clone(),
                        vpc_name: None,
                        offset: all.len() as i64,
                        limit: PAGE,
                    },
                )
                .await?;
            let read = page.len();
            all.extend(page);
            if read == 0 || all.len() as i64 >= total {
                return Ok(all);
            }
        }
    }

    pub async fn create_vpc(
        &self,
        actor: Actor,
        region: Region,
        name: String,
        cidr: CidrBlock,
    ) -> ApiResult<Vpc> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_vpc(tx, &actor, region, name, cidr).await })
        })
        .await
    }

    pub async fn delete_vpc(&self, actor: Actor, region: Region, vpc: VpcRef) -> ApiResult<()> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_vpc(tx, &actor, region, vpc).await })
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
            Box::pin(async move { create_assistant_cidr(tx, &actor, region, vpc, blocks).await })
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
            Box::pin(async move { delete_assistant_cidr(tx, &actor, region, vpc, blocks).await })
        })
        .await
    }
}
