//! Loads the model from the database: one pass over each table, in row order.
//!
//! Each pass reads its table in chunks, and SQLite hands over each chunk as
//! one JSON array: sqlx moves rows one at a time between SQLite's worker
//! thread and ours, and at a million rows those hand-overs (a wake-up and a
//! copy of every value, allocated on one thread and freed on the other) cost
//! more than everything else start-up does.

use std::borrow::Cow;

use serde::Deserialize;
use sqlx::SqliteConnection;

use super::{Model, NewPeeringRow, NewVpc, RouteEntry, StoredLink, SubnetEntry, TableEntry};
use crate::{
    domain::{cidr::CidrBlock, peering::PeeringState, quota::QuotaName, route::GatewayType},
    store::records::{Account, tags_from_json},
};

impl Model {
    pub async fn load(conn: &mut SqliteConnection) -> Result<Model, sqlx::Error> {
        let mut model = Model::default();
        // Sized once: growing the arenas and indexes row by row would copy
        // them, and hold both copies at the peak.
        let (vpcs, peerings, text_bytes): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM vpcs), (SELECT COUNT(*) FROM peerings),
                    (SELECT COALESCE(SUM(LENGTH(CAST(vpc_id || un_vpc_id || vpc_name AS BLOB))), 0) FROM vpcs)
                  + (SELECT COALESCE(SUM(LENGTH(CAST(peering_connection_id || peering_connection_name AS BLOB))), 0)
                     FROM peerings)",
        )
        .fetch_one(&mut *conn)
        .await?;
        let size = |n: i64| usize::try_from(n).unwrap_or(0);
        model.reserve(size(vpcs), size(peerings), size(text_bytes));
        for_each_chunk(
            &mut *conn,
            "accounts",
            "uin, name, app_id, secret_id, secret_key, create_time",
            |json| {
                rows::<Account>(json)?.for_each(|a| model.insert_account(a));
                Ok(())
            },
        )
        .await?;
        for_each_chunk(
            &mut *conn,
            "quotas",
            "uin, region, quota_name, quota_limit",
            |json| {
                for (uin, region, name, limit) in rows::<(Text, Text, Text, i64)>(json)? {
                    // `check` reports a quota name vpcsim does not know.
                    if let Ok(quota) = QuotaName::parse(&name, "quota_name") {
                        model.set_limit(&uin, &region, quota, limit);
                    }
                }
                Ok(())
            },
        )
        .await?;
        for_each_chunk(
            &mut *conn,
            "vpcs",
            "id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, assistant_cidr_blocks, \
             create_time, deleted, tags",
            |json| {
                rows::<VpcRow>(json)?.for_each(|row| model.load_vpc(row));
                Ok(())
            },
        )
        .await?;
        for_each_chunk(
            conn,
            "peerings",
            "id, peering_connection_id, peering_connection_name, vpc, peer_vpc, state, \
             create_time, expire_time, bandwidth, charge_type, link_type, qos_level, tags",
            |json| {
                rows::<PeeringRow>(json)?.for_each(|row| model.load_peering(row));
                Ok(())
            },
        )
        .await?;
        model.next_peering_row = model.next_peering_row.max(1);
        model.load_network(&mut *conn).await?;
        // One row per region at most.
        let legacy: Vec<(String, i64)> =
            sqlx::query_as("SELECT region, next FROM legacy_vpc_numbers")
                .fetch_all(&mut *conn)
                .await?;
        for (region, next) in legacy {
            model.set_legacy_next(&region, next);
        }
        Ok(model)
    }

    /// Route tables, then subnets and routes, which name them.
    async fn load_network(&mut self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        for_each_chunk(
            &mut *conn,
            "route_tables",
            "id, route_table_id, vpc, route_table_name, main, tags, create_time",
            |json| {
                for row in rows::<TableRow>(json)? {
                    self.load_table(row);
                }
                Ok(())
            },
        )
        .await?;
        for_each_chunk(
            &mut *conn,
            "subnets",
            "id, subnet_id, vpc, subnet_name, cidr_block, zone, route_table, tags, create_time",
            |json| {
                for row in rows::<SubnetRow>(json)? {
                    self.load_subnet(row);
                }
                Ok(())
            },
        )
        .await?;
        let next_route: (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence WHERE name = 'routes'",
        )
        .fetch_one(&mut *conn)
        .await?;
        for_each_chunk(
            conn,
            "routes",
            "id, route_item_id, route_table, destination, gateway_type, gateway_id, description, \
             enabled, create_time",
            |json| {
                for row in rows::<RouteRow>(json)? {
                    self.load_route(row);
                }
                Ok(())
            },
        )
        .await?;
        self.network_mut().raise_next_route_row(next_route.0);
        Ok(())
    }

    fn load_table(&mut self, row: TableRow<'_>) {
        let Some(vpc) = self.vpc_at_row(row.vpc) else {
            tracing::warn!(table = %row.route_table_id, "a stored route table names no vpc; left out of the model");
            return;
        };
        self.network_mut().insert_table(TableEntry {
            row: row.id,
            id: row.route_table_id.into_owned(),
            vpc,
            name: row.route_table_name.into_owned(),
            main: row.main != 0,
            create_time: row.create_time,
            tags: read_tags(&row.tags),
            routes: Vec::new(),
        });
    }

    fn load_subnet(&mut self, row: SubnetRow<'_>) {
        let (Some(vpc), Some(block)) = (
            self.vpc_at_row(row.vpc),
            CidrBlock::parse_stored(&row.cidr_block),
        ) else {
            tracing::warn!(subnet = %row.subnet_id, "a stored subnet names no vpc or block; left out of the model");
            return;
        };
        self.network_mut().insert_subnet(SubnetEntry {
            row: row.id,
            id: row.subnet_id.into_owned(),
            vpc,
            name: row.subnet_name.into_owned(),
            block,
            zone: row.zone.into_owned(),
            table: row.route_table,
            create_time: row.create_time,
            tags: read_tags(&row.tags),
        });
    }

    fn load_route(&mut self, row: RouteRow<'_>) {
        let parsed = CidrBlock::parse_stored(&row.destination)
            .zip(GatewayType::parse(&row.gateway_type, "gateway_type").ok());
        let Some((destination, gateway_type)) = parsed else {
            tracing::warn!(route = %row.route_item_id, "a stored route has no valid destination or gateway type; left out of the model");
            return;
        };
        self.network_mut().insert_route(RouteEntry {
            row: row.id,
            item_id: row.route_item_id.into_owned(),
            table: row.route_table,
            destination,
            gateway_type,
            gateway_id: row.gateway_id.into_owned(),
            description: row.description.into_owned(),
            enabled: row.enabled != 0,
            create_time: row.create_time,
        });
    }

    fn load_vpc(&mut self, row: VpcRow<'_>) {
        let blocks = std::iter::once(row.cidr_block.as_ref())
            .chain(
                row.assistant_cidr_blocks
                    .split(',')
                    .filter(|b| !b.is_empty()),
            )
            .filter_map(CidrBlock::parse_stored)
            .collect();
        self.insert_vpc(NewVpc {
            row: row.id,
            vpc_id: &row.vpc_id,
            un_vpc_id: &row.un_vpc_id,
            uin: &row.uin,
            region: &row.region,
            name: &row.vpc_name,
            blocks,
            create_time: row.create_time,
            deleted: row.deleted != 0,
        });
        if row.tags != "[]" {
            let ix = self.vpcs.len() as u32 - 1;
            self.network_mut()
                .set_vpc_tags(ix, tags_from_json(&row.tags));
        }
    }

    fn load_peering(&mut self, row: PeeringRow<'_>) {
        self.next_peering_row = self.next_peering_row.max(row.id + 1);
        let ends = self.vpc_at_row(row.vpc).zip(self.vpc_at_row(row.peer_vpc));
        let (Some((vpc, peer)), Some(state)) = (ends, PeeringState::from_i64(row.state)) else {
            // Foreign keys and a CHECK keep this out; `check` reports it.
            tracing::warn!(
                peering = %row.peering_connection_id,
                "a stored peering names no vpc or state; left out of the model"
            );
            return;
        };
        let link = StoredLink::from_parts(
            row.bandwidth,
            &row.charge_type,
            &row.link_type,
            &row.qos_level,
        );
        // Most peerings have none.
        let tags = if row.tags == "[]" {
            Vec::new()
        } else {
            tags_from_json(&row.tags)
        };
        self.insert_peering(NewPeeringRow {
            row: row.id,
            id: &row.peering_connection_id,
            name: &row.peering_connection_name,
            vpc,
            peer,
            state,
            create_time: row.create_time,
            expire_time: row.expire_time,
            link,
            tags,
        });
    }
}

/// Runs `each` on every chunk of `table`'s rows, in rowid order: the JSON
/// array of each row's `columns`. SQLite builds the next chunk on its thread
/// while this one decodes the last.
///
/// `each` gets the chunk's JSON; rows decode from it with their strings
/// borrowed where JSON needs no unescaping (see `rows`).
async fn for_each_chunk(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &str,
    mut each: impl FnMut(&str) -> Result<(), serde_json::Error>,
) -> Result<(), sqlx::Error> {
    const CHUNK: i64 = 20_000;
    // The rows of a chunk are ordered before they are aggregated.
    let sql = format!(
        "SELECT json_group_array(json_array({columns})), COUNT(*), MAX(chunk_key)
         FROM (SELECT rowid AS chunk_key, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT {CHUNK})"
    );
    let mut decode = |json: String| each(&json).map_err(|err| sqlx::Error::Decode(Box::new(err)));
    let (mut json, mut count, mut last) = fetch_chunk(&mut *conn, &sql, i64::MIN).await?;
    loop {
        let Some(after) = last.filter(|_| count == CHUNK) else {
            return decode(json);
        };
        let (next, decoded) =
            tokio::join!(fetch_chunk(&mut *conn, &sql, after), async { decode(json) });
        decoded?;
        (json, count, last) = next?;
    }
}

/// A string of a row, borrowed from the chunk's JSON unless it had escapes.
type Text<'a> = Cow<'a, str>;

/// The rows of a chunk's JSON.
fn rows<'a, R: Deserialize<'a>>(
    json: &'a str,
) -> Result<impl Iterator<Item = R>, serde_json::Error> {
    serde_json::from_str::<Vec<R>>(json).map(Vec::into_iter)
}

/// A chunk of rows after rowid `after`: their JSON, how many, the last rowid.
async fn fetch_chunk(
    conn: &mut SqliteConnection,
    sql: &str,
    after: i64,
) -> Result<(String, i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(after)
        .fetch_one(conn)
        .await
}

/// A `vpcs` row, in the column order `load` selects.
#[derive(Deserialize)]
struct VpcRow<'a> {
    id: i64,
    #[serde(borrow)]
    vpc_id: Text<'a>,
    #[serde(borrow)]
    un_vpc_id: Text<'a>,
    #[serde(borrow)]
    uin: Text<'a>,
    #[serde(borrow)]
    region: Text<'a>,
    #[serde(borrow)]
    vpc_name: Text<'a>,
    #[serde(borrow)]
    cidr_block: Text<'a>,
    #[serde(borrow)]
    assistant_cidr_blocks: Text<'a>,
    create_time: i64,
    deleted: i64,
    #[serde(borrow)]
    tags: Text<'a>,
}

/// Most rows have no tags.
fn read_tags(text: &str) -> Vec<crate::domain::link::Tag> {
    if text == "[]" {
        Vec::new()
    } else {
        tags_from_json(text)
    }
}

/// A `route_tables` row, in the column order `load_network` selects.
#[derive(Deserialize)]
struct TableRow<'a> {
    id: i64,
    #[serde(borrow)]
    route_table_id: Text<'a>,
    vpc: i64,
    #[serde(borrow)]
    route_table_name: Text<'a>,
    main: i64,
    #[serde(borrow)]
    tags: Text<'a>,
    create_time: i64,
}

/// A `subnets` row, in the column order `load_network` selects.
#[derive(Deserialize)]
struct SubnetRow<'a> {
    id: i64,
    #[serde(borrow)]
    subnet_id: Text<'a>,
    vpc: i64,
    #[serde(borrow)]
    subnet_name: Text<'a>,
    #[serde(borrow)]
    cidr_block: Text<'a>,
    #[serde(borrow)]
    zone: Text<'a>,
    route_table: i64,
    #[serde(borrow)]
    tags: Text<'a>,
    create_time: i64,
}

/// A `routes` row, in the column order `load_network` selects.
#[derive(Deserialize)]
struct RouteRow<'a> {
    id: i64,
    #[serde(borrow)]
    route_item_id: Text<'a>,
    route_table: i64,
    #[serde(borrow)]
    destination: Text<'a>,
    #[serde(borrow)]
    gateway_type: Text<'a>,
    #[serde(borrow)]
    gateway_id: Text<'a>,
    #[serde(borrow)]
    description: Text<'a>,
    enabled: i64,
    create_time: i64,
}

/// A `peerings` row, in the column order `load` selects.
#[derive(Deserialize)]
struct PeeringRow<'a> {
    id: i64,
    #[serde(borrow)]
    peering_connection_id: Text<'a>,
    #[serde(borrow)]
    peering_connection_name: Text<'a>,
    vpc: i64,
    peer_vpc: i64,
    state: i64,
    create_time: i64,
    expire_time: Option<i64>,
    bandwidth: i64,
    #[serde(borrow)]
    charge_type: Text<'a>,
    #[serde(borrow)]
    link_type: Text<'a>,
    #[serde(borrow)]
    qos_level: Text<'a>,
    #[serde(borrow)]
    tags: Text<'a>,
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;
    use crate::domain::link::Tag;

    /// Loads a database written in SQL, across chunk boundaries, with text
    /// that JSON must escape.
    #[tokio::test]
    async fn the_model_loads_every_row_as_stored() {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("a database");
        crate::store::MIGRATOR
            .run_direct(None, &mut conn, false)
            .await
            .expect("migrated");
        let awkward = "a \"quoted\" \\ name\twith ✓";
        sqlx::raw_sql(
            "INSERT INTO accounts VALUES ('1', 'one', 11, 'AKID1', 'k', 0), ('2', 'two', 22, 'AKID2', 'k', 0);
             INSERT INTO quotas VALUES ('1', 'ap-guangzhou', 'vpc-max-vpcpeers', 3);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20001)
             INSERT INTO vpcs (id, vpc_id, un_vpc_id, uin, region, vpc_name, cidr_block, create_time)
             SELECT i, 'gz_vpc_' || i, printf('vpc-%08d', i), CASE WHEN i % 2 THEN '1' ELSE '2' END,
                    'ap-guangzhou', 'v' || i, '10.0.0.0/16', i FROM n;
             UPDATE vpcs SET assistant_cidr_blocks = '172.16.0.0/16,192.168.0.0/24' WHERE id = 20001;",
        )
        .execute(&mut conn)
        .await
        .expect("rows");
        sqlx::query(
            "INSERT INTO peerings (id, peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
                                   region, state, create_time, expire_time, bandwidth, qos_level, tags)
             VALUES (7, 'pcx-00000007', ?, 1, 20000, '1', '2', 'ap-guangzhou', 1, 5, 100, 10, 'PT', ?)",
        )
        .bind(awkward)
        .bind(r#"[{"key":"team","value":"q\"a"}]"#)
        .execute(&mut conn)
        .await
        .expect("a peering");

        let model = Model::load(&mut conn).await.expect("loaded");
        assert_eq!(model.vpcs.len(), 20_001);
        let last = model.vpc_by_id("gz_vpc_20001").expect("the last vpc");
        assert_eq!(model.blocks(last).len(), 3);
        assert_eq!(model.vpc_count("1", "ap-guangzhou"), 10_001);
        assert_eq!(model.limit("1", "ap-guangzhou", QuotaName::MaxVpcPeers), 3);
        let ix = model.peering_by_id("pcx-00000007").expect("the peering");
        let shown = model.peering_record(ix, 50);
        assert_eq!(shown.peering_connection_name, awkward);
        assert_eq!((shown.uin.as_str(), shown.peer_uin.as_str()), ("1", "2"));
        assert_eq!(shown.un_peer_vpc_id, "vpc-00020000");
        assert_eq!(
            (shown.link.bandwidth, shown.link.qos_level.as_str()),
            (10, "PT")
        );
        assert_eq!(
            shown.link.tags,
            vec![Tag {
                key: "team".into(),
                value: "q\"a".into()
            }]
        );
        assert_eq!(shown.state, PeeringState::Pending);
        assert_eq!(model.next_peering_row(), 8);
        assert_eq!(model.account_by_secret("AKID2").map(|a| a.app_id), Some(22));
    }
}
