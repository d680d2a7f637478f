//! Loads the model from the database: one pass over each table, in row order.

use futures_util::TryStreamExt;
use sqlx::SqliteConnection;

use super::{Model, NewPeeringRow, NewVpc, StoredLink};
use crate::{
    domain::{cidr::CidrBlock, link::LinkOptions, peering::PeeringState, quota::QuotaName},
    store::{peerings::tags_from_json, records::Account},
};

impl Model {
    pub async fn load(conn: &mut SqliteConnection) -> Result<Model, sqlx::Error> {
        let mut model = Model::default();
        let mut accounts = sqlx::query_as::<_, Account>(
            "SELECT uin, name, app_id, secret_id, secret_key, create_time FROM accounts",
        )
        .fetch(&mut *conn);
        while let Some(account) = accounts.try_next().await? {
            model.insert_account(account);
        }
        drop(accounts);
        let mut quotas = sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT uin, region, quota_name, quota_limit FROM quotas",
        )
        .fetch(&mut *conn);
        while let Some((uin, region, name, limit)) = quotas.try_next().await? {
            // `check` reports a quota name vpcsim does not know.
            if let Ok(quota) = QuotaName::parse(&name, "quota_name") {
                model.set_limit(&uin, &region, quota, limit);
            }
        }
        drop(quotas);
        let mut vpcs = sqlx::query_as::<_, VpcRow>(
            "SELECT id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks,
                    create_time, deleted
             FROM vpcs ORDER BY id",
        )
        .fetch(&mut *conn);
        while let Some(row) = vpcs.try_next().await? {
            let blocks = std::iter::once(row.cidr_block.as_str())
                .chain(
                    row.assistant_cidr_blocks
                        .split(',')
                        .filter(|b| !b.is_empty()),
                )
                .filter_map(CidrBlock::parse_stored)
                .collect();
            model.insert_vpc(NewVpc {
                row: row.id,
                vpc_id: &row.vpc_id,
                un_vpc_id: &row.un_vpc_id,
                uin: &row.uin,
                region: &row.region,
                name: &row.vpc_name,
                blocks,
                create_time: row.create_time,
                deleted: row.deleted,
            });
        }
        drop(vpcs);
        let mut peerings = sqlx::query_as::<_, PeeringRow>(
            "SELECT id, peering_connection_id, peering_connection_name, vpc, peer_vpc, state,
                    create_time, expire_time, bandwidth, charge_type, link_type, qos_level, tags
             FROM peerings ORDER BY id",
        )
        .fetch(&mut *conn);
        while let Some(row) = peerings.try_next().await? {
            model.next_peering_row = model.next_peering_row.max(row.id + 1);
            let ends = model
                .vpc_at_row(row.vpc)
                .zip(model.vpc_at_row(row.peer_vpc));
            let (Some((vpc, peer)), Some(state)) = (ends, PeeringState::from_i64(row.state)) else {
                // Foreign keys and a CHECK keep this out; `check` reports it.
                tracing::warn!(peering = %row.peering_connection_id, "a stored peering names no vpc or state; left out");
                continue;
            };
            let link = StoredLink::new(&LinkOptions {
                bandwidth: row.bandwidth,
                charge_type: row.charge_type,
                link_type: row.link_type,
                qos_level: row.qos_level,
                tags: tags_from_json(&row.tags),
            });
            model.insert_peering(NewPeeringRow {
                row: row.id,
                id: &row.peering_connection_id,
                name: &row.peering_connection_name,
                vpc,
                peer,
                state,
                create_time: row.create_time,
                expire_time: row.expire_time,
                link,
            });
        }
        model.next_peering_row = model.next_peering_row.max(1);
        Ok(model)
    }
}

#[derive(sqlx::FromRow)]
struct VpcRow {
    id: i64,
    vpc_id: String,
    un_vpc_id: String,
    uin: String,
    region: String,
    vpc_name: String,
    cidr_block: String,
    assistant_cidr_blocks: String,
    create_time: i64,
    deleted: bool,
}

#[derive(sqlx::FromRow)]
struct PeeringRow {
    id: i64,
    peering_connection_id: String,
    peering_connection_name: String,
    vpc: i64,
    peer_vpc: i64,
    state: i64,
    create_time: i64,
    expire_time: Option<i64>,
    bandwidth: i64,
    charge_type: String,
    link_type: String,
    qos_level: String,
    tags: String,
}
