//! Scenarios through AdminService: load, errors with their place, merge and
//! replace, dump round trips, the examples, and a server started with one.

use std::sync::Arc;

use tonic::Code;
use vpcsim::{
    domain::region::Region,
    proto::{self, State},
    scenario::{self, Format},
    store::ScenarioLoad,
};

use crate::helpers::{Act, Options, TestApp, assert_error, authed, bad_field, example, state};

#[tokio::test]
async fn quickstart_example_loads_and_behaves() {
    let app = TestApp::spawn().await;
    let loaded = app
        .load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    assert_eq!((loaded.accounts, loaded.vpcs, loaded.peerings), (2, 2, 1));
    let seen = app.all_peerings("AKIDbob").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].peering_connection_id, "pcx-quick001");
    assert_eq!(state(&seen[0]), State::Pending);
    app.act(Act::Accept, "AKIDbob", "pcx-quick001")
        .await
        .unwrap();
    // The JSON form is the same scenario.
    let yaml = scenario::parse(&example("quickstart.yaml"), Format::Yaml, "y").unwrap();
    let json = scenario::parse(&example("quickstart.json"), Format::Json, "j").unwrap();
    assert_eq!(yaml, json);
    app.stop().await;
}

#[tokio::test]
async fn hub_and_spoke_example_is_at_its_quota() {
    let app = TestApp::spawn().await;
    app.load(&example("hub-and-spoke.yaml"), "hub-and-spoke.yaml", false)
        .await
        .unwrap();
    let spoke = proto::Vpc {
        un_vpc_id: String::new(),
        vpc_id: "gz_vpc_101".into(),
        ..Default::default()
    };
    let partner_vpc = app
        .vpcs()
        .create_vpc(authed(
            "AKIDpartner",
            proto::CreateVpcRequest {
                tags: Vec::new(),
                vpc_name: "new".into(),
                cidr_block: "192.168.0.0/16".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    let hub = proto::Vpc {
        un_vpc_id: "vpc-hub00001".into(),
        uin: "200001".into(),
        ..Default::default()
    };
    let err = app
        .create_peering("AKIDpartner", &partner_vpc, &hub, "one too many")
        .await
        .unwrap_err();
    assert_error(
        &err,
        Code::ResourceExhausted,
        "PeeringConnectionLimitExceeded",
    );
    // Deleting a spoke's peering makes room.
    app.act(Act::Delete, "AKIDplatform", "pcx-spoke001")
        .await
        .unwrap();
    app.create_peering("AKIDpartner", &partner_vpc, &hub, "fits now")
        .await
        .unwrap();
    drop(spoke);
    app.stop().await;
}

#[tokio::test]
async fn overlap_matrix_example_refuses_each_conflict() {
    let app = TestApp::spawn().await;
    app.load(
        &example("overlap-matrix.yaml"),
        "overlap-matrix.yaml",
        false,
    )
    .await
    .unwrap();
    let vpc = |legacy: &str| proto::Vpc {
        un_vpc_id: legacy.into(),
        uin: "300001".into(),
        ..Default::default()
    };
    let cases = [
        (
            "gz_vpc_300",
            "gz_vpc_302",
            Code::FailedPrecondition,
            "PeeringConnectionVpcConflict",
        ),
        (
            "gz_vpc_300",
            "gz_vpc_303",
            Code::FailedPrecondition,
            "PeeringConnectionVpcConflict",
        ),
        (
            "gz_vpc_300",
            "gz_vpc_304",
            Code::FailedPrecondition,
            "PeeringConnectionVpcConflict",
        ),
        (
            "gz_vpc_301",
            "gz_vpc_305",
            Code::FailedPrecondition,
            "PeeringConnectionVpcConflict",
        ),
        (
            "gz_vpc_300",
            "gz_vpc_300",
            Code::FailedPrecondition,
            "PeeringConnectionVpcConflict",
        ),
        (
            "gz_vpc_301",
            "gz_vpc_300",
            Code::AlreadyExists,
            "UnsupportedOperation.VpcPeerAlreadyExist",
        ),
    ];
    for (a, b, code, tencent) in cases {
        let err = app
            .create_peering("AKIDmatrix", &vpc(a), &vpc(b), "try")
            .await
            .unwrap_err();
        assert_error(&err, code, tencent);
    }
    app.create_peering(
        "AKIDmatrix",
        &vpc("gz_vpc_300"),
        &vpc("gz_vpc_306"),
        "clean",
    )
    .await
    .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn expiry_example_expires_when_the_clock_moves() {
    let app = TestApp::spawn().await;
    app.load(&example("expiry.yaml"), "expiry.yaml", false)
        .await
        .unwrap();
    assert!(app.clock().await.now.starts_with("2026-03-01 12:00"));
    let states = |all: Vec<proto::PeeringConnection>| {
        let mut v: Vec<_> = all
            .iter()
            .map(|p| (p.peering_connection_id.clone(), state(p)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        states(app.all_peerings("AKIDrequester").await),
        vec![
            ("pcx-expire01".into(), State::Pending),
            ("pcx-expire02".into(), State::Expired)
        ]
    );
    app.admin()
        .advance_clock(app.admin_req(proto::AdvanceClockRequest { seconds: 3600 }))
        .await
        .unwrap();
    assert_eq!(
        states(app.all_peerings("AKIDaccepter").await),
        vec![
            ("pcx-expire01".into(), State::Expired),
            ("pcx-expire02".into(), State::Expired)
        ]
    );
    let enabled = app
        .act(Act::Enable, "AKIDrequester", "pcx-expire02")
        .await
        .unwrap();
    assert_eq!(state(&enabled), State::Pending);
    assert!(
        enabled.expire_time.starts_with("2026-03-08 13:00"),
        "{}",
        enabled.expire_time
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_scenarios_name_file_line_and_path_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let before = app.dump().await;
    let cases = [
        // (scenario, expected start of the first error)
        (
            "accounts:\n  - uin: 7\n    name: x\n    nickname: y\n",
            "bad.yaml:4:5: accounts[0].nickname: unknown field `nickname`",
        ),
        (
            "peerings:\n  - vpc: gz_vpc_1\n    peer_vpc: vpc-abcdefgh\n    peering_connection_name: p\n    state: ACTIVE\n",
            "bad.yaml:3:15: peerings[0].peer_vpc: vpc-abcdefgh is not defined",
        ),
        (
            "vpcs:\n  - uin: 100001\n    vpc_name: v\n    cidr_block: 10.0.0.1/16\n",
            "bad.yaml:4:17: vpcs[0].cidr_block: cidr_block \"10.0.0.1/16\" has host bits set",
        ),
        (
            "accounts:\n  - uin: 100001\n    name: again\n",
            "bad.yaml:2:10: accounts[0].uin: account 100001 already exists",
        ),
        // A second live peering between the quickstart VPCs.
        (
            "peerings:\n  - vpc: gz_vpc_2\n    peer_vpc: gz_vpc_1\n    peering_connection_name: p\n    state: PENDING\n",
            // Reported at the peering, naming the VPCs as the file did.
            "bad.yaml:2:8: peerings[0]: gz_vpc_2 and gz_vpc_1 are already peered by pcx-quick001",
        ),
        (
            "peerings:\n  - vpc: gz_vpc_1\n    peer_vpc: gz_vpc_2\n    peering_connection_name: p\n    state: LIVE\n",
            "bad.yaml:5:12: peerings[0].state: unknown variant `LIVE`",
        ),
        (
            "clock: yesterday\n",
            "bad.yaml:1:8: clock: \"yesterday\" is not a time",
        ),
    ];
    for (text, expected) in cases {
        let err = app.load(text, "bad.yaml", false).await.unwrap_err();
        assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
        let message = err
            .message()
            .strip_prefix("InvalidParameterValue: ")
            .unwrap();
        assert!(
            message.starts_with(expected),
            "got {message:?}\nwanted {expected:?}"
        );
        assert!(bad_field(&err).is_some());
        assert_eq!(
            app.dump().await.lines().skip(1).collect::<Vec<_>>(),
            before.lines().skip(1).collect::<Vec<_>>(),
            "state changed after {expected}"
        );
    }
    // Several errors are all reported, in order.
    let text = "vpcs:\n  - {uin: 9, vpc_name: a, cidr_block: 10.0.0.0/16}\n  - {uin: 100001, vpc_name: '', cidr_block: 10.5.0.0/16}\n";
    let err = app.load(text, "two.yaml", false).await.unwrap_err();
    let lines: Vec<_> = err.message().lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("two.yaml:2:") && lines[0].contains("vpcs[0].uin"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("two.yaml:3:") && lines[1].contains("vpcs[1].vpc_name"),
        "{lines:?}"
    );
    // Replace: a bad scenario does not empty the state either, whether it
    // fails to parse or breaks a rule only the planner sees, after the
    // writer has emptied the tables in its transaction.
    let before = app.describe_everything().await;
    app.load("accounts: [{uin: x, name: y}]", "bad.yaml", true)
        .await
        .unwrap_err();
    let overlapping = "accounts: [{uin: 100009, name: z, secret_id: AKIDz}]\n\
        vpcs:\n  - {uin: 100009, vpc_name: a, cidr_block: 10.0.0.0/16}\n  \
        - {uin: 100009, vpc_name: b, cidr_block: 10.0.0.0/16}\n\
        peerings: [{peering_connection_name: p, vpc_id: a, peer_vpc_id: b, state: ACTIVE}]\n";
    let err = app
        .load(overlapping, "overlap.yaml", true)
        .await
        .unwrap_err();
    assert!(err.message().contains("overlap.yaml:"), "{}", err.message());
    assert_eq!(app.all_peerings("AKIDalice").await.len(), 1);
    assert_eq!(app.describe_everything().await, before);
    app.stop().await;
}

#[tokio::test]
async fn merge_refuses_existing_ids_and_replace_starts_over() {
    let app = TestApp::spawn().await;
    app.load(&example("expiry.yaml"), "expiry.yaml", false)
        .await
        .unwrap();
    // Merging something new keeps what is there.
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let err = app
        .load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    assert_eq!(app.all_peerings("AKIDalice").await.len(), 1);
    assert_eq!(app.all_peerings("AKIDrequester").await.len(), 2);
    // Replace empties first.
    app.load(&example("quickstart.yaml"), "quickstart.yaml", true)
        .await
        .unwrap();
    let accounts = app
        .admin()
        .describe_accounts(app.admin_req(proto::DescribeAccountsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert_eq!(accounts.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn dump_then_seed_gives_the_same_answers() {
    let app = TestApp::spawn().await;
    // expiry.yaml first: its fixed clock may not go back past rows already there.
    app.load(&example("expiry.yaml"), "expiry.yaml", false)
        .await
        .unwrap();
    app.load(&example("hub-and-spoke.yaml"), "hub-and-spoke.yaml", false)
        .await
        .unwrap();
    // Some history through the API too: a rename, an assistant block, a deleted VPC.
    app.peering()
        .modify_vpc_peering_connection(authed(
            "AKIDplatform",
            proto::ModifyVpcPeeringConnectionRequest {
                peering_connection_id: "pcx-spoke002".into(),
                peering_connection_name: "renamed".into(),
            },
        ))
        .await
        .unwrap();
    app.vpcs()
        .create_assistant_cidr(authed(
            "AKIDplatform",
            proto::CreateAssistantCidrRequest {
                vpc_id: "gz_vpc_110".into(),
                cidr_blocks: vec!["172.31.0.0/24".into()],
            },
        ))
        .await
        .unwrap();
    app.vpcs()
        .delete_vpc(authed(
            "AKIDplatform",
            proto::DeleteVpcRequest {
                vpc_id: "gz_vpc_109".into(),
            },
        ))
        .await
        .unwrap();
    let dump = app.dump().await;
    let answers = app.describe_everything().await;

    let fresh = TestApp::spawn().await;
    fresh.load(&dump, "dump.yaml", false).await.unwrap();
    assert_eq!(fresh.describe_everything().await, answers);
    // New VPCs continue the legacy numbering instead of colliding.
    let vpc = fresh.vpc("AKIDpartner", "192.168.9.0/24").await;
    assert_eq!(vpc.vpc_id, "gz_vpc_404");
    app.stop().await;
    fresh.stop().await;
}

#[tokio::test]
async fn server_started_with_a_scenario_resets_back_to_it() {
    // A fixed clock, so that the times the reset writes equal the first ones.
    let text = format!("clock: 2026-01-01 00:00:00\n{}", example("quickstart.yaml"));
    let parsed = scenario::parse(&text, Format::Yaml, "quickstart.yaml").unwrap();
    let load = ScenarioLoad {
        scenario: Arc::new(parsed),
        text: text.into(),
        source: "quickstart.yaml".into(),
        default_region: Region::parse("gz").unwrap(),
        replace: false,
    };
    let app = TestApp::spawn_with(Options {
        scenario: Some(load),
        ..Default::default()
    })
    .await;
    let start = app.describe_everything().await;
    app.vpc("AKIDalice", "10.7.0.0/16").await;
    app.act(Act::Reject, "AKIDbob", "pcx-quick001")
        .await
        .unwrap();
    assert_ne!(app.describe_everything().await, start);
    let reset = app
        .admin()
        .reset(app.admin_req(proto::ResetRequest { empty: false }))
        .await
        .unwrap()
        .into_inner();
    assert!(reset.scenario_loaded);
    assert_eq!(app.describe_everything().await, start);
    let reset = app
        .admin()
        .reset(app.admin_req(proto::ResetRequest { empty: true }))
        .await
        .unwrap()
        .into_inner();
    assert!(!reset.scenario_loaded);
    let accounts = app
        .admin()
        .describe_accounts(app.admin_req(proto::DescribeAccountsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert!(accounts.is_empty());
    // The SecretIds of the accounts that went no longer authenticate.
    let err = app
        .describe(
            "AKIDalice",
            proto::DescribeVpcPeeringConnectionsRequest::default(),
        )
        .await
        .unwrap_err();
    assert_error(&err, Code::Unauthenticated, "AuthFailure.SecretIdNotFound");
    app.stop().await;
}

#[tokio::test]
async fn id_seed_makes_ids_repeat() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let app = TestApp::spawn_with(Options {
            id_seed: Some(11),
            ..Default::default()
        })
        .await;
        let alice = app.account("100001").await;
        let bob = app.account("100002").await;
        let a = app.vpc(&alice, "10.0.0.0/16").await;
        let b = app.vpc(&bob, "10.1.0.0/16").await;
        let p = app.create_peering(&alice, &a, &b, "p").await.unwrap();
        runs.push((a.un_vpc_id, b.un_vpc_id, p.peering_connection_id));
        app.stop().await;
    }
    assert_eq!(runs[0], runs[1]);
    // The scenario field does the same for what the scenario generates.
    let text = "id_seed: 5\naccounts: [{uin: 1, name: a}]\nvpcs: [{uin: 1, vpc_name: v, cidr_block: 10.0.0.0/16}]\n";
    let mut ids = Vec::new();
    for _ in 0..2 {
        let app = TestApp::spawn().await;
        app.load(text, "seeded.yaml", false).await.unwrap();
        ids.push(
            app.dump()
                .await
                .lines()
                .filter(|l| l.contains("vpc-") || l.contains("secret"))
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
        app.stop().await;
    }
    assert_eq!(ids[0], ids[1]);
    assert!(!ids[0].is_empty());
}

#[tokio::test]
async fn a_load_may_name_the_region_of_entries_that_name_none() {
    let app = TestApp::spawn().await;
    let scenario = "accounts:\n  - {uin: 9, name: nine}\n\
        vpcs:\n  - {uin: 9, vpc_name: v, cidr_block: 10.0.0.0/16, un_vpc_id: vpc-nine0001}\n";
    let request = |region: &str| proto::LoadScenarioRequest {
        content: scenario.into(),
        source_name: "r.yaml".into(),
        default_region: region.into(),
        ..Default::default()
    };
    let err = app
        .admin()
        .load_scenario(app.admin_req(request("mars")))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "UnsupportedRegion");
    assert_eq!(bad_field(&err).as_deref(), Some("default_region"));
    app.admin()
        .load_scenario(app.admin_req(request("sh")))
        .await
        .unwrap();
    assert!(app.dump().await.contains("region: ap-shanghai"));
    app.stop().await;
}

/// Loads `text` on a fresh server; its dump, or the error message.
async fn load_fresh(text: &str, source: &str) -> Result<String, String> {
    let app = TestApp::spawn().await;
    let result = match app.load(text, source, false).await {
        Ok(_) => Ok(app
            .dump()
            .await
            .lines()
            .filter(|l| !l.starts_with("clock:"))
            .collect::<Vec<_>>()
            .join("\n")),
        Err(status) => Err(status.message().to_owned()),
    };
    app.stop().await;
    result
}

#[tokio::test]
async fn scenarios_take_the_protos_field_names_in_both_spellings() {
    // A fixed clock and id seed, so that two loads give the same dump.
    let snake = "clock: 2026-06-01 00:00:00\nid_seed: 5\naccounts:\n  - {uin: 1, name: a, secret_id: AKIDa, app_id: 1300000001}\n  - {uin: 2, name: b, secret_id: AKIDb}\n\
        vpcs:\n  - {uin: 1, vpc_name: web, cidr_block: 10.0.0.0/16, vpc_id: gz_vpc_1, un_vpc_id: vpc-web00001}\n  \
        - {uin: 2, vpc_name: db, cidr_block: 10.1.0.0/16, un_vpc_id: vpc-db000001, create_time: '2026-01-01 00:00:00'}\n\
        peerings:\n  - {peering_connection_id: pcx-a0000001, peering_connection_name: p, vpc_id: gz_vpc_1, peer_vpc_id: vpc-db000001, state: ACTIVE}\n";
    // The same state as grpcurl prints the protos' JSON, pasted in.
    let camel = r#"{"clock": "2026-06-01 00:00:00", "idSeed": 5, "accounts": [{"uin": "1", "name": "a", "secretId": "AKIDa", "appId": 1300000001},
        {"uin": "2", "name": "b", "secretId": "AKIDb"}],
      "vpcs": [{"uin": "1", "vpcName": "web", "cidrBlock": "10.0.0.0/16", "vpcId": "gz_vpc_1", "unVpcId": "vpc-web00001"},
        {"uin": "2", "vpcName": "db", "cidrBlock": "10.1.0.0/16", "unVpcId": "vpc-db000001", "createTime": "2026-01-01 00:00:00"}],
      "peerings": [{"peeringConnectionId": "pcx-a0000001", "peeringConnectionName": "p", "vpcId": "gz_vpc_1", "peerVpcId": "vpc-db000001", "state": "ACTIVE"}]}"#;
    // And the older names of the peering's ends.
    let older = snake.replace("vpc_id: gz_vpc_1, peer_vpc_id:", "vpc: gz_vpc_1, peer_vpc:");
    let from_snake = load_fresh(snake, "snake.yaml").await.unwrap();
    assert!(
        from_snake.contains("peer_vpc_id: vpc-db000001"),
        "{from_snake}"
    );
    assert_eq!(load_fresh(camel, "camel.json").await.unwrap(), from_snake);
    assert_eq!(load_fresh(&older, "older.yaml").await.unwrap(), from_snake);

    // One field twice, under two spellings, is an error, not a silent pick.
    let twice = snake.replace("secret_id: AKIDa,", "secret_id: AKIDa, secretId: AKIDz,");
    let err = load_fresh(&twice, "twice.yaml").await.unwrap_err();
    assert!(err.contains("duplicate field"), "{err}");
    // Errors name the field as the file spells it.
    let missing = camel.replace(
        "\"peerVpcId\": \"vpc-db000001\"",
        "\"peerVpcId\": \"vpc-nothere1\"",
    );
    let err = load_fresh(&missing, "camel.json").await.unwrap_err();
    assert!(
        err.contains("camel.json:5:")
            && err.contains("peerings[0].peerVpcId: vpc-nothere1 is not defined"),
        "{err}"
    );
}

#[tokio::test]
async fn peerings_may_name_the_files_vpcs_by_ref_or_by_unique_name() {
    let accounts = "accounts:\n  - {uin: 1, name: a}\n  - {uin: 2, name: b}\n";
    let ok = format!(
        "{accounts}vpcs:\n  - {{uin: 1, vpc_name: web, cidr_block: 10.0.0.0/16, ref: front}}\n  \
         - {{uin: 2, vpc_name: db, cidr_block: 10.1.0.0/16}}\n  - {{uin: 2, vpc_name: cache, cidr_block: 10.2.0.0/16}}\n\
         peerings:\n  - {{peering_connection_name: by-ref, vpc_id: front, peer_vpc_id: db, state: ACTIVE}}\n  \
         - {{peering_connection_name: by-name, vpc_id: web, peer_vpc_id: cache, state: PENDING}}\n"
    );
    let dump = load_fresh(&ok, "refs.yaml").await.unwrap();
    assert_eq!(dump.matches("state: ").count(), 2, "{dump}");
    assert!(
        !dump.contains("ref:"),
        "refs are the file's, not the state's: {dump}"
    );

    // A name two VPCs share names neither; refs must be unique and not ids.
    let ambiguous = format!(
        "{accounts}vpcs:\n  - {{uin: 1, vpc_name: web, cidr_block: 10.0.0.0/16}}\n  \
         - {{uin: 2, vpc_name: web, cidr_block: 10.1.0.0/16, ref: vpc-abcdefgh}}\n  \
         - {{uin: 2, vpc_name: db, cidr_block: 10.2.0.0/16, ref: x}}\n  - {{uin: 2, vpc_name: db2, cidr_block: 10.3.0.0/16, ref: x}}\n\
         peerings:\n  - {{peering_connection_name: p, vpc_id: web, peer_vpc_id: x, state: ACTIVE}}\n"
    );
    let err = load_fresh(&ambiguous, "amb.yaml").await.unwrap_err();
    assert!(
        err.contains("vpcs[1].ref: ref vpc-abcdefgh looks like a vpc id"),
        "{err}"
    );
    assert!(
        err.contains("vpcs[3].ref: ref x is defined twice: vpcs[2] has it too"),
        "{err}"
    );
    assert!(
        err.contains("peerings[0].vpc_id: web names vpcs[0] and vpcs[1]: give one of them a ref"),
        "{err}"
    );
}

#[tokio::test]
async fn rule_errors_point_at_the_peering_and_name_vpcs_as_the_file_does() {
    let text = "accounts:\n  - {uin: 1, name: a}\n  - {uin: 2, name: b}\n  - {uin: 3, name: c}\n\
        vpcs:\n  - {uin: 1, vpc_name: hub, cidr_block: 10.0.0.0/16, ref: hub}\n  \
        - {uin: 2, vpc_name: spoke, cidr_block: 10.1.0.0/16, ref: spoke}\n  \
        - {uin: 3, vpc_name: clash, cidr_block: 10.1.0.0/24, ref: clash}\n\
        peerings:\n  - {peering_connection_name: a, vpc_id: hub, peer_vpc_id: spoke, state: ACTIVE}\n  \
        - {peering_connection_name: b, vpc_id: hub, peer_vpc_id: clash, state: ACTIVE}\n  \
        - {peering_connection_name: c, vpc_id: spoke, peer_vpc_id: clash, state: ACTIVE}\n";
    let err = load_fresh(text, "rules.yaml").await.unwrap_err();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains("rules.yaml:11:")
            && lines[0].contains(
                "peerings[1]: 10.1.0.0/24 of clash overlaps 10.1.0.0/16 of spoke, already peered with hub by pcx-"
            ),
        "{err}"
    );
    assert!(
        lines[1].contains("peerings[2]: 10.1.0.0/16 of spoke overlaps 10.1.0.0/24 of clash"),
        "{err}"
    );
    assert!(!err.contains("vpc-"), "no generated ids: {err}");
}

#[tokio::test]
async fn merging_an_id_the_database_has_says_so_and_nothing_more() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let before = app.dump().await;
    // The file redefines Alice's VPC and peers it with Bob's, which the
    // database already peers with it.
    let text = "vpcs:\n  - {uin: 100001, vpc_name: again, cidr_block: 10.0.0.0/16, un_vpc_id: vpc-web00001}\n\
        peerings:\n  - {peering_connection_name: p, vpc: vpc-web00001, peer_vpc: gz_vpc_2, state: PENDING}\n";
    let err = app.load(text, "merge.yaml", false).await.unwrap_err();
    let message = err.message();
    assert!(
        message.contains("merge.yaml:2:")
            && message.contains("vpcs[0].un_vpc_id: vpc vpc-web00001 is already in the database"),
        "{message}"
    );
    assert!(
        !message.contains("defined twice") && !message.contains("overlaps"),
        "{message}"
    );
    assert_eq!(
        app.dump().await.lines().skip(1).collect::<Vec<_>>(),
        before.lines().skip(1).collect::<Vec<_>>()
    );
    app.stop().await;
}

#[tokio::test]
async fn one_id_given_as_both_ids_is_an_error_not_a_crash() {
    let app = TestApp::spawn().await;
    let text = "accounts:\n  - {uin: 1, name: a}\n\
        vpcs:\n  - {uin: 1, vpc_name: a, cidr_block: 10.1.0.0/16, vpc_id: gz_vpc_1, un_vpc_id: gz_vpc_1}\n";
    let err = app.load(text, "same.yaml", false).await.unwrap_err();
    assert!(
        err.message()
            .contains("vpcs[0].un_vpc_id: \"gz_vpc_1\" is not a unique vpc id"),
        "{}",
        err.message()
    );
    // The server still writes.
    app.account("2").await;
    app.stop().await;
}

#[tokio::test]
async fn errors_name_the_files_own_vpc_indexes_and_a_clash_is_reported_once() {
    let text = "accounts:\n  - {uin: 1, name: a}\n  - {uin: 2, name: b}\n\
        vpcs:\n  - {uin: 1, vpc_name: lost, cidr_block: 10.0.0.0/16, region: mars}\n  \
        - {uin: 1, vpc_name: web, cidr_block: 10.1.0.0/16}\n  \
        - {uin: 2, vpc_name: shared, cidr_block: 10.2.0.0/16}\n  - {uin: 2, vpc_name: shared, cidr_block: 10.3.0.0/16}\n\
        peerings:\n  - {peering_connection_name: p, vpc_id: web, peer_vpc_id: shared, state: PENDING}\n";
    let err = load_fresh(text, "idx.yaml").await.unwrap_err();
    assert!(err.contains("shared names vpcs[2] and vpcs[3]"), "{err}");

    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    // The clashing id, and a peering that names it: one error, at the VPC.
    let text = "vpcs:\n  - {uin: 100002, vpc_name: again, cidr_block: 10.1.0.0/16, un_vpc_id: vpc-db000001}\n\
        peerings:\n  - {peering_connection_name: p, vpc_id: gz_vpc_1, peer_vpc_id: vpc-db000001, state: PENDING}\n";
    let err = app.load(text, "clash.yaml", false).await.unwrap_err();
    let lines: Vec<&str> = err.message().lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("is already in the database"), "{lines:?}");
    app.stop().await;
}
