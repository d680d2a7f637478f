//! Subnets: create (one or many), rename, delete, associate with another
//! route table, and Describe. Rules are checked on the model
//! (`domain::subnet`) before anything changes; each job writes its rows
//! itself, in the writer's transaction.

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    lookup::{owned_vpc, subnet_not_found, table_not_found},
    model::{Model, SubnetEntry, VpcIx},
    records::{Subnet, Vpc, tags_to_json},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    cidr::CidrBlock,
    ids::VpcRef,
    link::{Tag, check_tags},
    quota::QuotaName,
    region::Region,
    subnet::{check_subnet_block, check_subnet_count, check_zone},
};

/// A validated subnet of a CreateSubnet(s) request.
#[derive(Debug, Clone)]
pub struct NewSubnet {
    pub name: String,
    pub block: CidrBlock,
    pub zone: String,
    pub tags: Vec<Tag>,
}

/// DescribeSubnets filters and page, validated. Each filter takes a set of
/// values, any of which matches (`None`: no filter).
#[derive(Debug, Clone, Default)]
pub struct SubnetFilter {
    pub ids: Option<Vec<String>>,
    /// Either id form; a deleted VPC matches nothing.
    pub vpcs: Option<Vec<VpcRef>>,
    pub names: Option<Vec<String>>,
    pub name_match: super::NameMatch,
    pub zones: Option<Vec<String>>,
    pub route_tables: Option<Vec<String>>,
    pub cidr_blocks: Option<Vec<String>>,
    /// Tags the subnet must have, every one of them.
    pub tags: Vec<super::TagMatch>,
    /// By name rather than oldest first; newest (or last by name) first.
    pub by_name: bool,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

fn owned_subnet_row(model: &Model, actor: &Actor, region: Region, id: &str) -> ApiResult<i64> {
    model
        .owned_subnet(&actor.uin, region.name, id)
        .map(|s| s.row)
        .ok_or_else(|| subnet_not_found(id, region))
}

/// Checks `subnets` as additions to VPC `ix`: the quota, then each one's
/// zone, block and tags against the VPC and the subnets before it.
pub(super) fn check_new_subnets(
    model: &Model,
    ix: VpcIx,
    region: Region,
    subnets: &[NewSubnet],
) -> ApiResult<()> {
    let vpc = model.text(model.vpc(ix).un_vpc_id);
    let existing: Vec<(&str, CidrBlock)> = model
        .network()
        .subnets_of(ix)
        .map(|s| (s.id.as_str(), s.block))
        .collect();
    let limit = model.limit(model.owner_of(ix), region.name, QuotaName::MaxSubnets);
    check_subnet_count(vpc, existing.len(), subnets.len(), limit)?;
    let mut siblings = existing;
    for subnet in subnets {
        check_zone(region, &subnet.zone, "zone")?;
        check_subnet_block(vpc, model.blocks(ix), &siblings, subnet.block, "cidr_block")?;
        check_tags(&subnet.tags, "Tags")?;
        siblings.push(("(another subnet of this request)", subnet.block));
    }
    Ok(())
}

pub async fn create_subnets_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    vpc: VpcRef,
    subnets: Vec<NewSubnet>,
) -> ApiResult<Vec<Subnet>> {
    let model = tx.model().await?;
    let ix = owned_vpc(model, &actor.uin, &vpc, region)?;
    check_new_subnets(model, ix, region, &subnets)?;
    let (vpc_row, table) = match model.network().main_table(ix) {
        Some(table) => (model.vpc(ix).row, table.row),
        None => {
            return Err(ApiError::internal_because(format!(
                "vpc {} has no default route table",
                vpc.as_str()
            )));
        }
    };
    let mut created = Vec::with_capacity(subnets.len());
    for subnet in subnets {
        let id = loop {
            let id = tx.ids.subnet_id();
            if tx.model().await?.network().subnet_by_id(&id).is_none() {
                break id;
            }
        };
        let (row,): (i64,) = sqlx::query_as(
            "INSERT INTO subnets (subnet_id, vpc, subnet_name, cidr_block, zone, route_table, tags, create_time)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&id)
        .bind(vpc_row)
        .bind(&subnet.name)
        .bind(subnet.block.to_string())
        .bind(&subnet.zone)
        .bind(table)
        .bind(tags_to_json(&subnet.tags))
        .bind(tx.now)
        .fetch_one(&mut tx.conn)
        .await?;
        let entry = SubnetEntry {
            row,
            id: id.clone(),
            vpc: ix,
            name: subnet.name,
            block: subnet.block,
            zone: subnet.zone,
            table,
            create_time: tx.now,
            tags: subnet.tags,
        };
        let model = tx.model().await?;
        let record = model.subnet_record(&entry);
        model.network_mut().insert_subnet(entry);
        events::record(
            tx,
            actor,
            Change {
                resource_type: "subnet",
                resource_id: &id,
                kind: "created",
                old_state: None,
                new_state: Some(&record.cidr_block),
            },
        );
        created.push(record);
    }
    Ok(created)
}

pub async fn delete_subnet_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    id: String,
) -> ApiResult<()> {
    let model = tx.model().await?;
    let row = owned_subnet_row(model, actor, region, &id)?;
    sqlx::query("DELETE FROM subnets WHERE id = ?")
        .bind(row)
        .execute(&mut tx.conn)
        .await?;
    tx.model().await?.network_mut().remove_subnet(row);
    events::record(
        tx,
        actor,
        Change {
            resource_type: "subnet",
            resource_id: &id,
            kind: "deleted",
            old_state: None,
            new_state: None,
        },
    );
    Ok(())
}

pub async fn rename_subnet_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    id: String,
    name: String,
) -> ApiResult<Subnet> {
    let model = tx.model().await?;
    let row = owned_subnet_row(model, actor, region, &id)?;
    sqlx::query("UPDATE subnets SET subnet_name = ? WHERE id = ?")
        .bind(&name)
        .bind(row)
        .execute(&mut tx.conn)
        .await?;
    let model = tx.model().await?;
    let old = model
        .network_mut()
        .subnet_mut(row)
        .map(|s| std::mem::replace(&mut s.name, name.clone()))
        .unwrap_or_default();
    let record = model
        .network()
        .subnet(row)
        .map(|s| model.subnet_record(s))
        .ok_or_else(|| subnet_not_found(&id, region))?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "subnet",
            resource_id: &id,
            kind: "renamed",
            old_state: Some(&old),
            new_state: Some(&name),
        },
    );
    Ok(record)
}

/// ReplaceRouteTableAssociation: the subnet, now associated with `table`,
/// a table of its own VPC.
pub async fn associate_subnet_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    subnet_id: String,
    table_id: String,
) -> ApiResult<Subnet> {
    let mut done =
        associate_subnets_in(tx, actor, region, vec![subnet_id.clone()], table_id).await?;
    done.pop()
        .ok_or_else(|| subnet_not_found(&subnet_id, region))
}

/// Associates each of `subnet_ids` with `table`, a table of their VPC:
/// all of them or none. The subnets as they are now, in order.
pub async fn associate_subnets_in(
    tx: &mut Tx,
    actor: &Actor,
    region: Region,
    subnet_ids: Vec<String>,
    table_id: String,
) -> ApiResult<Vec<Subnet>> {
    let model = tx.model().await?;
    let table = model
        .owned_table(&actor.uin, region.name, &table_id)
        .ok_or_else(|| table_not_found(&table_id, region))?;
    let table_row = table.row;
    // Every check before the first change: a job that fails after one
    // would leave the model ahead of its rolled-back rows.
    let mut changes: Vec<(i64, String, String)> = Vec::with_capacity(subnet_ids.len());
    for (i, subnet_id) in subnet_ids.iter().enumerate() {
        if subnet_ids[..i].contains(subnet_id) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueDuplicate,
                "subnet_id",
                format!("subnet {subnet_id} is named twice"),
            ));
        }
        let row = owned_subnet_row(model, actor, region, subnet_id)?;
        let subnet = model
            .network()
            .subnet(row)
            .ok_or_else(|| subnet_not_found(subnet_id, region))?;
        if table.vpc != subnet.vpc {
            return Err(ApiError::field(
                ErrorCode::VpcMismatch,
                "route_table_id",
                format!(
                    "route table {table_id} is in vpc {}, not in vpc {} of subnet {subnet_id}",
                    model.text(model.vpc(table.vpc).un_vpc_id),
                    model.text(model.vpc(subnet.vpc).un_vpc_id),
                ),
            ));
        }
        let old_id = model
            .network()
            .table(subnet.table)
            .map(|t| t.id.clone())
            .unwrap_or_default();
        changes.push((row, subnet_id.clone(), old_id));
    }
    let mut done = Vec::with_capacity(changes.len());
    for (row, subnet_id, old_id) in changes {
        sqlx::query("UPDATE subnets SET route_table = ? WHERE id = ?")
            .bind(table_row)
            .bind(row)
            .execute(&mut tx.conn)
            .await?;
        let model = tx.model().await?;
        if let Some(subnet) = model.network_mut().subnet_mut(row) {
            subnet.table = table_row;
        }
        let record = model
            .network()
            .subnet(row)
            .map(|s| model.subnet_record(s))
            .ok_or_else(|| subnet_not_found(&subnet_id, region))?;
        events::record(
            tx,
            actor,
            Change {
                resource_type: "subnet",
                resource_id: &subnet_id,
                kind: "associated",
                old_state: Some(&old_id),
                new_state: Some(&table_id),
            },
        );
        done.push(record);
    }
    Ok(done)
}

impl Model {
    /// The owner's subnets in `region` that match, oldest first, one page
    /// of them, and how many match in all.
    pub(super) fn describe_subnets(
        &self,
        owner: &str,
        region: &str,
        filter: &SubnetFilter,
    ) -> (i64, Vec<Subnet>) {
        let vpcs: Option<Vec<VpcIx>> = filter.vpcs.as_ref().map(|refs| {
            refs.iter()
                .filter_map(|r| self.vpc_by_id(r.as_str()))
                .collect()
        });
        let any = super::model::any_of;
        let name_matches = |name: &str| filter.name_match.any(&filter.names, name);
        let mut matches: Vec<&SubnetEntry> = self
            .network()
            .subnets()
            .filter(|s| {
                let vpc = self.vpc(s.vpc);
                !vpc.deleted
                    && self.owner_of(s.vpc) == owner
                    && self.region_of(s.vpc) == region
                    && vpcs.as_ref().is_none_or(|v| v.contains(&s.vpc))
                    && any(&filter.ids, &s.id)
                    && name_matches(&s.name)
                    && any(&filter.zones, &s.zone)
                    && any(&filter.cidr_blocks, &s.block.to_string())
                    && super::TagMatch::all_found_in(&filter.tags, &s.tags)
                    && filter.route_tables.as_ref().is_none_or(|tables| {
                        let table = self.network().table(s.table).map(|t| t.id.as_str());
                        tables.iter().any(|t| Some(t.as_str()) == table)
                    })
            })
            .collect();
        // Oldest first, as stored; a stable sort keeps that among equal names.
        if filter.by_name {
            matches.sort_by(|a, b| a.name.cmp(&b.name));
        }
        if filter.descending {
            matches.reverse();
        }
        let total = matches.len() as i64;
        let shown = super::model::page(matches, filter.offset, filter.limit)
            .map(|s| self.subnet_record(s))
            .collect();
        (total, shown)
    }

    /// The VPCs of `unique_ids` (their unique ids), each once, as the API
    /// shows them.
    pub(super) fn vpcs_of(&self, unique_ids: impl IntoIterator<Item = String>) -> Vec<Vpc> {
        let mut seen: Vec<String> = Vec::new();
        for id in unique_ids {
            if !seen.contains(&id) {
                seen.push(id);
            }
        }
        seen.iter()
            .filter_map(|id| self.vpc_by_id(id))
            .map(|ix| self.vpc_record(ix))
            .collect()
    }

    /// Refuses a filter that names a VPC the owner does not have there: the
    /// legacy Describes answer `InvalidVpc.NotFound` rather than nothing.
    pub(super) fn check_vpcs_named(
        &self,
        owner: &str,
        region: Region,
        vpcs: Option<&[VpcRef]>,
    ) -> ApiResult<()> {
        for vpc in vpcs.unwrap_or_default() {
            owned_vpc(self, owner, vpc, region)?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn describe_subnets(
        &self,
        owner: &str,
        region: Region,
        filter: SubnetFilter,
    ) -> ApiResult<(i64, Vec<Subnet>)> {
        self.with_model(|model| model.describe_subnets(owner, region.name, &filter))
            .await
    }

    /// DescribeSubnets, and the VPCs of the page's subnets, from one read;
    /// a VPC the filter names must be the owner's (`InvalidVpc.NotFound`).
    pub async fn describe_subnets_and_vpcs(
        &self,
        owner: &str,
        region: Region,
        filter: SubnetFilter,
    ) -> ApiResult<(i64, Vec<Subnet>, Vec<Vpc>)> {
        self.with_model(|model| {
            model.check_vpcs_named(owner, region, filter.vpcs.as_deref())?;
            let (total, subnets) = model.describe_subnets(owner, region.name, &filter);
            let vpcs = model.vpcs_of(subnets.iter().map(|s| s.vpc_id.clone()));
            Ok((total, subnets, vpcs))
        })
        .await?
    }

    pub async fn create_subnets(
        &self,
        actor: Actor,
        region: Region,
        vpc: VpcRef,
        subnets: Vec<NewSubnet>,
    ) -> ApiResult<Vec<Subnet>> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_subnets_in(tx, &actor, region, vpc, subnets).await })
        })
        .await
    }

    pub async fn delete_subnet(&self, actor: Actor, region: Region, id: String) -> ApiResult<()> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { delete_subnet_in(tx, &actor, region, id).await })
        })
        .await
    }

    pub async fn rename_subnet(
        &self,
        actor: Actor,
        region: Region,
        id: String,
        name: String,
    ) -> ApiResult<Subnet> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { rename_subnet_in(tx, &actor, region, id, name).await })
        })
        .await
    }

    pub async fn associate_subnet(
        &self,
        actor: Actor,
        region: Region,
        subnet_id: String,
        table_id: String,
    ) -> ApiResult<Subnet> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(
                async move { associate_subnet_in(tx, &actor, region, subnet_id, table_id).await },
            )
        })
        .await
    }

    /// Associates several subnets with one table, all or none.
    pub async fn associate_subnets(
        &self,
        actor: Actor,
        region: Region,
        subnet_ids: Vec<String>,
        table_id: String,
    ) -> ApiResult<Vec<Subnet>> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(
                async move { associate_subnets_in(tx, &actor, region, subnet_ids, table_id).await },
            )
        })
        .await
    }
}
