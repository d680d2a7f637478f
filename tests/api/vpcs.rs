//! VpcService and the account and quota calls of AdminService.

use tonic::Code;
use vpcsim::proto;

use crate::helpers::{TestApp, assert_error, authed};

#[tokio::test]
async fn vpc_lifecycle_with_assistant_blocks() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let vpc = app.vpc(&alice, "10.0.0.0/16").await;
    assert!(vpc.vpc_id.starts_with("gz_vpc_"));
    assert!(vpc.un_vpc_id.starts_with("vpc-") && vpc.un_vpc_id.len() == 12);
    let with = app
        .vpcs()
        .create_assistant_cidr(authed(
            &alice,
            proto::CreateAssistantCidrRequest {
                vpc_id: vpc.vpc_id.clone(),
                cidr_blocks: vec!["172.16.0.0/16".into(), "192.168.1.0/24".into()],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    assert_eq!(
        with.assistant_cidr_blocks,
        vec!["172.16.0.0/16", "192.168.1.0/24"]
    );
    let without = app
        .vpcs()
        .delete_assistant_cidr(authed(
            &alice,
            proto::DeleteAssistantCidrRequest {
                vpc_id: vpc.un_vpc_id.clone(),
                cidr_blocks: vec!["172.16.0.0/16".into()],
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    assert_eq!(without.assistant_cidr_blocks, vec!["192.168.1.0/24"]);
    let err = app
        .vpcs()
        .delete_assistant_cidr(authed(
            &alice,
            proto::DeleteAssistantCidrRequest {
                vpc_id: vpc.un_vpc_id.clone(),
                cidr_blocks: vec!["172.16.0.0/16".into()],
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");

    let listed = app
        .vpcs()
        .describe_vpc_ex(authed(
            &alice,
            proto::DescribeVpcExRequest {
                vpc_name: vpc.vpc_name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (listed.total_count, listed.data),
        (1, vec![without.clone()])
    );
    app.vpcs()
        .delete_vpc(authed(
            &alice,
            proto::DeleteVpcRequest {
                vpc_id: vpc.un_vpc_id.clone(),
            },
        ))
        .await
        .unwrap();
    let listed = app
        .vpcs()
        .describe_vpc_ex(authed(&alice, proto::DescribeVpcExRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_count, 0);
    let err = app
        .vpcs()
        .delete_vpc(authed(
            &alice,
            proto::DeleteVpcRequest {
                vpc_id: vpc.un_vpc_id.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidVpc.NotFound");
    // A new VPC never reuses a legacy id.
    let next = app.vpc(&alice, "10.0.0.0/16").await;
    assert_ne!(next.vpc_id, vpc.vpc_id);
    app.stop().await;
}

#[tokio::test]
async fn assistant_block_must_not_overlap_live_peers() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let web = app.vpc(&alice, "10.0.0.0/16").await;
    let db = app.vpc(&bob, "10.1.0.0/16").await;
    let cache = app.vpc(&bob, "172.16.0.0/16").await;
    app.create_peering(&alice, &web, &db, "web-db")
        .await
        .unwrap();
    app.create_peering(&bob, &cache, &db, "cache-db")
        .await
        .unwrap();
    let add = |vpc: &proto::Vpc, block: &str| proto::CreateAssistantCidrRequest {
        vpc_id: vpc.un_vpc_id.clone(),
        cidr_blocks: vec![block.into()],
    };
    // Overlaps the live peer itself.
    let err = app
        .vpcs()
        .create_assistant_cidr(authed(&alice, add(&web, "10.1.4.0/24")))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    // Overlaps another peer of db, web's peer: db's peers must stay disjoint.
    let err = app
        .vpcs()
        .create_assistant_cidr(authed(&alice, add(&web, "172.16.8.0/24")))
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::FailedPrecondition,
        "PeeringConnectionVpcConflict",
    );
    app.vpcs()
        .create_assistant_cidr(authed(&alice, add(&web, "192.168.0.0/24")))
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn vpc_describe_pages_and_quota() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let mut made = Vec::new();
    for i in 0..20 {
        made.push(app.vpc(&alice, &format!("10.{i}.0.0/16")).await);
    }
    let err = app
        .vpcs()
        .create_vpc(authed(
            &alice,
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "21st".into(),
                cidr_block: "10.99.0.0/16".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    let page = app
        .vpcs()
        .describe_vpc_ex(authed(
            &alice,
            proto::DescribeVpcExRequest {
                offset: Some(15),
                limit: Some(10),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_count, 20);
    assert_eq!(page.data, made[15..].to_vec());
    let err = app
        .vpcs()
        .describe_vpc_ex(authed(
            &alice,
            proto::DescribeVpcExRequest {
                limit: Some(101),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    app.stop().await;
}

#[tokio::test]
async fn accounts_and_quotas() {
    let app = TestApp::spawn().await;
    let created = app
        .admin()
        .create_account(app.admin_req(proto::CreateAccountRequest {
            uin: "2407912486".into(),
            name: "ops".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
        .account
        .unwrap();
    assert!(created.secret_id.starts_with("AKID"));
    assert!(!created.secret_key.is_empty());
    assert!(created.app_id > 0);
    let given = app
        .admin()
        .create_account(app.admin_req(proto::CreateAccountRequest {
            uin: "100".into(),
            name: "given".into(),
            app_id: Some(42),
            secret_id: "AKIDgiven".into(),
            secret_key: "key".into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .account
        .unwrap();
    assert_eq!(
        (
            given.app_id,
            given.secret_id.as_str(),
            given.secret_key.as_str()
        ),
        (42, "AKIDgiven", "key")
    );
    let accounts = app
        .admin()
        .describe_accounts(app.admin_req(proto::DescribeAccountsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert_eq!(
        accounts.iter().map(|a| a.uin.as_str()).collect::<Vec<_>>(),
        vec!["100", "2407912486"]
    );
    assert!(
        accounts.iter().all(|a| a.secret_key.is_empty()),
        "no secret keys in DescribeAccounts"
    );
    // The generated SecretId works.
    let vpc = app.vpc(&created.secret_id, "10.0.0.0/16").await;
    assert_eq!(vpc.uin, "2407912486");

    let quota = app
        .admin()
        .set_quota(app.admin_req(proto::SetQuotaRequest {
            uin: "2407912486".into(),
            region: "gz".into(),
            quota_name: "appid-max-vpcs".into(),
            limit: 3,
        }))
        .await
        .unwrap()
        .into_inner()
        .quota
        .unwrap();
    assert_eq!((quota.limit, quota.used), (3, 1));
    let quotas = app
        .admin()
        .describe_quotas(app.admin_req(proto::DescribeQuotasRequest {
            uin: "2407912486".into(),
            region: "ap-guangzhou".into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .quotas;
    let summary: Vec<_> = quotas
        .iter()
        .map(|q| (q.quota_name.as_str(), q.limit, q.used))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("appid-max-vpcs", 3, 1),
            ("vpc-max-vpcpeers", 10, 0),
            ("vpc-max-available-vpcpeers", 10, 0),
            ("vpc-max-assistant_cidrs", 5, 0),
            ("vpc-max-subnets", 100, 0),
            // Its default route table.
            ("vpc-max-route-tables", 10, 1),
            ("route-table-max-policies", 50, 0),
        ]
    );
    // Quotas are per region.
    let sh = app
        .admin()
        .describe_quotas(app.admin_req(proto::DescribeQuotasRequest {
            uin: "2407912486".into(),
            region: "sh".into(),
        }))
        .await
        .unwrap()
        .into_inner()
        .quotas;
    assert_eq!((sh[0].limit, sh[0].used), (20, 0));
    for (uin, name, field) in [("12ab", "x", "uin"), ("1", "", "name")] {
        let err = app
            .admin()
            .create_account(app.admin_req(proto::CreateAccountRequest {
                uin: uin.into(),
                name: name.into(),
                ..Default::default()
            }))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(crate::helpers::bad_field(&err).as_deref(), Some(field));
    }
    let err = app
        .admin()
        .set_quota(app.admin_req(proto::SetQuotaRequest {
            uin: "100".into(),
            region: "x".into(),
            quota_name: "appid-max-vpcs".into(),
            limit: 1,
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "UnsupportedRegion");
    let err = app
        .admin()
        .set_quota(app.admin_req(proto::SetQuotaRequest {
            uin: "100".into(),
            region: String::new(),
            quota_name: "appid-max-vpcs".into(),
            limit: -1,
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    app.stop().await;
}
