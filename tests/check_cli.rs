//! `vpcsim check` catches every kind of broken invariant: each case writes a
//! bad row straight into a valid database and expects the report.

mod support;

use std::path::{Path, PathBuf};

use sqlx::{ConnectOptions, Executor, sqlite::SqliteConnectOptions};

use support::{example, ok, run};

/// A fresh database holding examples/hub-and-spoke.yaml.
fn seeded(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    ok(run(&[
        "seed",
        &example("hub-and-spoke.yaml"),
        "--db",
        db.to_str().unwrap(),
    ]));
    db
}

async fn break_with(db: &Path, sql: &'static str) {
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
    conn.execute(sql).await.unwrap();
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
