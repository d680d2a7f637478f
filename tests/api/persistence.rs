//! State survives a restart on the same database file.

use tonic::Code;
use vpcsim::proto;

use crate::helpers::{Act, Options, TestApp, assert_error, authed};

#[tokio::test]
async fn restart_on_the_same_file_keeps_everything() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    app.set_quota("100002", "vpc-max-vpcpeers", 3).await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let p = app
        .create_peering(&alice, &web, &db, "web-db")
        .await
        .unwrap();
    app.act(Act::Accept, &bob, &p.peering_connection_id)
        .await
        .unwrap();
    let before = app.all_peerings(&alice).await;
    let vpcs_before = app
        .vpcs()
        .describe_vpc_ex(authed(&bob, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let dir = app.dir.clone();
    app.stop().await;

    let app = TestApp::spawn_with(Options {
        dir: Some(dir),
        ..Default::default()
    })
    .await;
    assert_eq!(app.all_peerings(&alice).await, before);
    assert_eq!(app.all_peerings(&bob).await, before);
    let vpcs_after = app
        .vpcs()
        .describe_vpc_ex(authed(&bob, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(vpcs_after, vpcs_before);
    let quotas = app
        .admin()
        .describe_quotas(app.admin_req(proto::DescribeQuotasRequest {
            uin: "100002".into(),
            region: String::new(),
        }))
        .await
        .unwrap()
        .into_inner()
        .quotas;
    assert_eq!(
        (
            quotas[1].quota_name.as_str(),
            quotas[1].limit,
            quotas[1].used
        ),
        ("vpc-max-vpcpeers", 3, 1)
    );
    // New ids do not collide with the old ones.
    let web2 = app.vpc(&alice, "10.2.0.0/16").await;
    assert_ne!(web2.vpc_id, web.vpc_id);
    app.stop().await;
}

/// A block stored under older rules (10.0.0.0/8, refused today) still
/// counts in every overlap check after a restart.
#[tokio::test]
async fn blocks_stored_under_older_rules_still_overlap() {
    let app = TestApp::spawn().await;
    let alice = app.account("1").await;
    let bob = app.account("2").await;
    let wide = app.vpc(&alice, "10.0.0.0/16").await;
    let inner = app.vpc(&bob, "10.1.0.0/16").await;
    let dir = app.dir.clone();
    {
        let mut db = app.raw_db().await;
        sqlx::query("UPDATE vpcs SET cidr_block = '10.0.0.0/8' WHERE un_vpc_id = ?")
            .bind(&wide.un_vpc_id)
            .execute(&mut db)
            .await
            .unwrap();
    }
    app.stop().await;
    let app = TestApp::spawn_with(Options {
        dir: Some(dir),
        ..Default::default()
    })
    .await;
    let err = app
        .create_peering(&alice, &wide, &inner, "overlap")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    assert!(err.message().contains("10.0.0.0/8"), "{}", err.message());
    app.stop().await;
}
