//! `vpcsim check` catches every kind of broken invariant: each case writes a
//! bad row straight into a valid database and expects the report.

mod support;

use std::path::{Path, PathBuf};

use sqlx::{ConnectOptions, Executor, sqlite::SqliteConnectOptions};

use support::{example, ok, run};

/// A fresh database holding examples/hub-and-spoke.yaml.
fn seeded(dir: &Path, name: &str) -> PathBuf {
    seeded_with(dir, name, "hub-and-spoke.yaml")
}

/// A fresh database holding `example`.
fn seeded_with(dir: &Path, name: &str, example_file: &str) -> PathBuf {
    let db = dir.join(name);
    ok(run(&[
        "seed",
        &example(example_file),
        "--db",
        db.to_str().unwrap(),
    ]));
    db
}

async fn break_with(db: &Path, sql: &str) {
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .foreign_keys(false)
        .connect()
        .await
        .unwrap();
    // As an older vpcsim or a hand edit could have left it: past the
    // schema's CHECKs too, which `check` does not rely on.
    conn.execute("PRAGMA ignore_check_constraints = ON")
        .await
        .unwrap();
    conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .unwrap();
}

fn check(db: &Path) -> (bool, String) {
    let output = run(&["check", "--db", db.to_str().unwrap()]);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_valid_database_passes() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path(), "ok.db");
    let (ok, out) = check(&db);
    assert!(ok, "{out}");
    assert!(out.starts_with("ok: "), "{out}");
}

#[tokio::test]
async fn each_kind_of_violation_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // (kind, bad write, words the report must contain)
    let cases = [
        (
            "reference",
            "UPDATE peerings SET vpc = 9999 WHERE peering_connection_id = 'pcx-spoke001'",
            "pcx-spoke001",
        ),
        (
            "reference",
            "UPDATE peerings SET peer_uin = '200002' WHERE peering_connection_id = 'pcx-spoke002'",
            "not the owners",
        ),
        (
            "duplicate",
            "INSERT INTO peerings (peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin, region, state, create_time)
             SELECT 'pcx-dupl0001', 'again', peer_vpc, vpc, peer_uin, uin, region, 2, create_time FROM peerings WHERE peering_connection_id = 'pcx-spoke003'",
            "pcx-spoke003",
        ),
        ("overlap", "UPDATE vpcs SET cidr_block = '10.0.0.0/12' WHERE vpc_id = 'gz_vpc_101'", "overlaps"),
        // A block today's rules refuse (as an older vpcsim allowed) is
        // reported, and still takes part in the overlap checks.
        ("cidr", "UPDATE vpcs SET cidr_block = '10.0.0.0/8' WHERE vpc_id = 'gz_vpc_101'", "prefix from /12"),
        ("overlap", "UPDATE vpcs SET cidr_block = '10.0.0.0/8' WHERE vpc_id = 'gz_vpc_101'", "overlaps"),
        ("peer-overlap", "UPDATE vpcs SET cidr_block = '10.1.0.0/24' WHERE vpc_id = 'gz_vpc_102'", "live peers of vpc-hub00001"),
        (
            "quota",
            "INSERT INTO quotas (uin, region, quota_name, quota_limit) VALUES ('200001', 'ap-guangzhou', 'vpc-max-vpcpeers', 4)",
            "vpc-hub00001 has 10 live peerings, quota 4",
        ),
        (
            "quota",
            "UPDATE quotas SET quota_limit = 2 WHERE uin = '200001' AND quota_name = 'appid-max-vpcs'",
            "account 200001 has 11 vpcs",
        ),
        (
            "clock",
            "UPDATE peerings SET state = 3, expire_time = strftime('%s', 'now') + 86400 WHERE peering_connection_id = 'pcx-partnr01'",
            "EXPIRED before its expire_time",
        ),
        ("state", "UPDATE peerings SET state = 9 WHERE peering_connection_id = 'pcx-spoke004'", "unknown state 9"),
        ("link", "UPDATE peerings SET qos_level = 'GOLD' WHERE peering_connection_id = 'pcx-spoke006'", "qos_level \"GOLD\""),
        ("link", "UPDATE peerings SET tags = '{' WHERE peering_connection_id = 'pcx-spoke006'", "not a JSON list"),
        ("link", "UPDATE peerings SET bandwidth = -5 WHERE peering_connection_id = 'pcx-spoke006'", "bandwidth -5"),
        // The peer's VPC may be in another region; the requester's must be
        // in the peering's own.
        (
            "reference",
            "UPDATE peerings SET region = 'ap-shanghai' WHERE peering_connection_id = 'pcx-spoke005'",
            "recorded in ap-shanghai but its requester's vpc is in ap-guangzhou",
        ),
        ("cidr", "UPDATE vpcs SET assistant_cidr_blocks = '10.5.1.0/24' WHERE vpc_id = 'gz_vpc_105'", "own blocks"),
    ];
    for (i, (kind, sql, words)) in cases.iter().enumerate() {
        let db = seeded(dir.path(), &format!("case{i}.db"));
        break_with(&db, sql).await;
        let (ok, out) = check(&db);
        assert!(!ok, "{kind}: check passed after {sql}");
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{kind}: ")) && l.contains(words)),
            "no {kind} line about {words:?} in:\n{out}"
        );
    }
}

#[tokio::test]
async fn each_kind_of_network_violation_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded_with(dir.path(), "network.db", "network-scenario.yaml");
    let (passed, out) = check(&db);
    assert!(passed, "{out}");
    // Rows of examples/network-scenario.yaml by what the file calls them.
    const WEB_PUBLIC: &str = "subnet_name = 'web-public'";
    const DB_ROUTE: &str = "route_table = (SELECT id FROM route_tables WHERE vpc = (SELECT id FROM vpcs WHERE vpc_name = 'db'))";
    // (kind, bad write, words the report must contain)
    let cases = [
        // One default table per live VPC, none for a deleted one.
        (
            "route-table",
            "DELETE FROM route_tables WHERE route_table_id = 'rtb-web00001'".to_owned(),
            "vpc vpc-web00022 has 0 default route tables",
        ),
        (
            "route-table",
            "DROP INDEX route_tables_main; UPDATE route_tables SET main = 1 WHERE route_table_name = 'private'".to_owned(),
            "vpc vpc-web00022 has 2 default route tables",
        ),
        (
            "reference",
            "UPDATE vpcs SET deleted = 1 WHERE vpc_name = 'payments'".to_owned(),
            "belongs to deleted vpc",
        ),
        // Subnets: prefix, inside the VPC, zone, overlap, table of the VPC.
        (
            "subnet",
            format!("UPDATE subnets SET cidr_block = '10.10.1.0/29' WHERE {WEB_PUBLIC}"),
            "is a /29",
        ),
        (
            "subnet",
            "UPDATE subnets SET cidr_block = '10.30.1.0/24' WHERE subnet_name = 'db-a'".to_owned(),
            "10.30.1.0/24 is not inside a block of vpc",
        ),
        (
            "subnet",
            "UPDATE subnets SET cidr_block = '10.20.1.1/24' WHERE subnet_name = 'db-a'".to_owned(),
            "not an IPv4 network as the API writes one",
        ),
        (
            "subnet",
            format!("UPDATE subnets SET zone = 'ap-shanghai-2' WHERE {WEB_PUBLIC}"),
            "\"ap-shanghai-2\", not a zone of its vpc's region ap-guangzhou",
        ),
        (
            "subnet-overlap",
            format!("UPDATE subnets SET cidr_block = '10.10.0.0/16' WHERE {WEB_PUBLIC}"),
            "and subnet-webpriv1 (10.10.2.0/24) of vpc vpc-web00022 overlap",
        ),
        (
            "reference",
            format!("UPDATE subnets SET route_table = (SELECT id FROM route_tables WHERE vpc = (SELECT id FROM vpcs WHERE vpc_name = 'db')) WHERE {WEB_PUBLIC}"),
            "of vpc vpc-web00022 is associated with route table",
        ),
        // Routes: their table, a peering that carries them, no ECMP
        // through one, not into the VPC itself.
        (
            "reference",
            "UPDATE routes SET route_table = 999 WHERE id = 1".to_owned(),
            "names a missing route table",
        ),
        (
            "reference",
            "UPDATE routes SET gateway_id = 'pcx-zzzzzzzz' WHERE id = 1".to_owned(),
            "goes through missing peering pcx-zzzzzzzz",
        ),
        (
            "route",
            "UPDATE routes SET gateway_id = (SELECT peering_connection_id FROM peerings WHERE peering_connection_name = 'web-payments'), destination = '172.16.0.0/24' WHERE id = 1".to_owned(),
            "which is PENDING, not ACTIVE",
        ),
        (
            "route",
            format!("UPDATE routes SET gateway_id = (SELECT peering_connection_id FROM peerings WHERE peering_connection_name = 'web-payments') WHERE {DB_ROUTE}"),
            "which does not join vpc",
        ),
        (
            "route",
            "UPDATE peerings SET state = 5 WHERE peering_connection_name = 'web-db'".to_owned(),
            "which is DELETED, not ACTIVE",
        ),
        (
            "route",
            "UPDATE routes SET destination = '10.30.0.0/16' WHERE id = 1".to_owned(),
            "goes to 10.30.0.0/16 through peering",
        ),
        (
            "route",
            "UPDATE routes SET destination = '10.20.1.0/24', enabled = 1 WHERE id = 100".to_owned(),
            "no ECMP through a peering",
        ),
        (
            "route",
            "UPDATE routes SET destination = '10.10.5.0/24' WHERE id = 100".to_owned(),
            "inside 10.10.0.0/16 of its own vpc vpc-web00022",
        ),
        (
            "route",
            "UPDATE routes SET gateway_type = 'WORMHOLE' WHERE id = 100".to_owned(),
            "unknown gateway type \"WORMHOLE\"",
        ),
        (
            "route",
            "UPDATE routes SET gateway_id = 'vpngw-1' WHERE id = 100".to_owned(),
            "not a NAT gateway id",
        ),
        // Quotas.
        (
            "quota",
            "INSERT INTO quotas VALUES ('300001', 'ap-guangzhou', 'vpc-max-subnets', 1)".to_owned(),
            "vpc vpc-web00022 has 2 subnets, quota 1",
        ),
        (
            "quota",
            "INSERT INTO quotas VALUES ('300001', 'ap-guangzhou', 'vpc-max-route-tables', 1)".to_owned(),
            "vpc vpc-web00022 has 2 route tables, quota 1",
        ),
        (
            "quota",
            "INSERT INTO quotas VALUES ('300001', 'ap-guangzhou', 'route-table-max-policies', 1)".to_owned(),
            "has 2 routes, quota 1",
        ),
        // Tags and times.
        (
            "tags",
            "UPDATE vpcs SET tags = '[{\"key\": \"\"}]' WHERE vpc_name = 'web'".to_owned(),
            "vpc vpc-web00022: tags[0].Key must be 1 to 127 characters",
        ),
        (
            "tags",
            format!("UPDATE subnets SET tags = 'nope' WHERE {WEB_PUBLIC}"),
            "not a JSON list",
        ),
        (
            "tags",
            "UPDATE route_tables SET tags = '{}' WHERE route_table_name = 'private'".to_owned(),
            "not a JSON list",
        ),
        (
            "clock",
            "UPDATE routes SET create_time = strftime('%s', 'now') + 86400 WHERE id = 100".to_owned(),
            "was created after the clock's now",
        ),
    ];
    for (i, (kind, sql, words)) in cases.iter().enumerate() {
        let db = seeded_with(dir.path(), &format!("net{i}.db"), "network-scenario.yaml");
        break_with(&db, sql).await;
        let (passed, out) = check(&db);
        assert!(!passed, "{kind}: check passed after {sql}");
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{kind}: ")) && l.contains(words)),
            "no {kind} line about {words:?} after {sql} in:\n{out}"
        );
    }
}

#[tokio::test]
async fn a_corrupt_file_fails_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path(), "corrupt.db");
    // Fold the WAL into the main file, then scribble over a page in the middle.
    break_with(&db, "PRAGMA wal_checkpoint(TRUNCATE)").await;
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096;
    assert!(bytes.len() > 4 * page);
    for b in &mut bytes[3 * page + 100..4 * page - 100] {
        *b = 0xA5;
    }
    std::fs::write(&db, bytes).unwrap();
    let output = run(&["check", "--db", db.to_str().unwrap()]);
    assert!(!output.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        all.contains("integrity") || all.contains("malformed") || all.contains("corrupt"),
        "{all}"
    );
}
