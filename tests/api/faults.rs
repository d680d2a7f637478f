//! Fault rules and throttling through the real server: each kind of rule,
//! through each front end, its events, scenarios, and a race under faults
//! that `vpcsim check` must find clean.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tonic::{Code, Status};
use vpcsim::proto::{self, FaultKind};

use crate::{
    api3::{self, Send},
    helpers::{Options, TestApp, assert_error, authed, with_token},
    legacy::{self, Legacy, code_of},
};

fn rule(action: &str, kind: FaultKind) -> proto::AddFaultRequest {
    proto::AddFaultRequest {
        action: action.into(),
        kind: kind.into(),
        ..Default::default()
    }
}

fn failing(action: &str, kind: FaultKind, code: &str) -> proto::AddFaultRequest {
    proto::AddFaultRequest {
        error_code: code.into(),
        ..rule(action, kind)
    }
}

fn delaying(action: &str, kind: FaultKind, ms: i64) -> proto::AddFaultRequest {
    proto::AddFaultRequest {
        delay_ms: ms,
        ..rule(action, kind)
    }
}

impl TestApp {
    async fn add_fault(&self, request: proto::AddFaultRequest) -> proto::FaultRule {
        self.admin()
            .add_fault(self.admin_req(request))
            .await
            .expect("add fault")
            .into_inner()
            .fault
            .expect("fault")
    }

    async fn faults(&self) -> Vec<proto::FaultRule> {
        self.admin()
            .list_faults(self.admin_req(proto::ListFaultsRequest {}))
            .await
            .expect("list faults")
            .into_inner()
            .faults
    }

    async fn clear_faults(&self) -> i64 {
        self.admin()
            .clear_faults(self.admin_req(proto::ClearFaultsRequest {}))
            .await
            .expect("clear faults")
            .into_inner()
            .deleted
    }

    async fn fault_events(&self) -> Vec<proto::Event> {
        self.admin()
            .describe_events(self.admin_req(proto::DescribeEventsRequest {
                resource_type: "fault".into(),
                kind: "injected".into(),
                limit: Some(1000),
                ..Default::default()
            }))
            .await
            .expect("events")
            .into_inner()
            .events
    }

    async fn vpc_count(&self, secret: &str) -> i64 {
        self.vpcs()
            .describe_vpc_ex(authed(secret, proto::DescribeVpcExRequest::default()))
            .await
            .expect("describe vpcs")
            .into_inner()
            .total_count
    }

    async fn try_vpc(&self, secret: &str, cidr: &str) -> Result<proto::Vpc, Status> {
        self.vpcs()
            .create_vpc(authed(
                secret,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: "web".into(),
                    cidr_block: cidr.into(),
                },
            ))
            .await
            .map(|r| r.into_inner().vpc.expect("vpc"))
    }
}

fn request_id(status: &Status) -> String {
    status
        .metadata()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned()
}

#[tokio::test]
async fn fail_before_answers_its_code_changes_nothing_and_is_recorded() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let added = app
        .add_fault(proto::AddFaultRequest {
            times: Some(1),
            ..failing("CreateVpc", FaultKind::FailBefore, "LimitExceeded")
        })
        .await;
    assert!(added.fault_id.starts_with("fault-"), "{added:?}");

    let err = app.try_vpc(&alice, "10.0.0.0/16").await.unwrap_err();
    assert_error(&err, Code::ResourceExhausted, "LimitExceeded");
    assert!(err.message().contains(&added.fault_id), "{}", err.message());
    assert_eq!(app.vpc_count(&alice).await, 0, "nothing was created");

    // The event names the rule, the call's request and what it did.
    let events = app.fault_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].resource_id, added.fault_id);
    assert_eq!(events[0].request_id, request_id(&err));
    assert_eq!(events[0].actor, "100001");
    assert_eq!(
        (events[0].old_state.as_str(), events[0].new_state.as_str()),
        ("CreateVpc", "LimitExceeded")
    );

    // Once is once: the next call goes through, and the rule is spent.
    app.try_vpc(&alice, "10.0.0.0/16").await.unwrap();
    let listed = app.faults().await;
    assert_eq!(
        (listed[0].times, listed[0].matched, listed[0].fired),
        (Some(0), 1, 1)
    );
    assert_eq!(app.fault_events().await.len(), 1);
}

#[tokio::test]
async fn rules_match_the_same_action_through_every_front_end() {
    let app = TestApp::spawn().await;
    let (secret, key) = ("AKID100001", "key-100001");
    app.admin()
        .create_account(app.admin_req(proto::CreateAccountRequest {
            uin: "100001".into(),
            name: "alice".into(),
            secret_id: secret.into(),
            secret_key: key.into(),
            ..Default::default()
        }))
        .await
        .unwrap();
    app.add_fault(proto::AddFaultRequest {
        times: Some(2),
        // API 3.0 calls it DescribeVpcs; the rule's name is the gRPC one.
        ..failing("DescribeVpcs", FaultKind::FailBefore, "ResourceUnavailable")
    })
    .await;
    let answer = api3::call(&app, &Send::as_account(secret, key), "DescribeVpcs", "{}").await;
    assert_eq!(
        answer.error_code(),
        Some("ResourceUnavailable"),
        "{}",
        answer.body
    );
    // An action the endpoint does not answer is refused as it is, and
    // meets no rule: it does not use one of the rule's two times up.
    let answer = api3::call(&app, &Send::as_account(secret, key), "DescribeVpcEx", "{}").await;
    assert_eq!(
        answer.error_code(),
        Some("InvalidAction"),
        "{}",
        answer.body
    );
    let answer = legacy::call(&app, &Legacy::new(secret, key), "DescribeVpcEx", &[]).await;
    assert_eq!(code_of(&answer), (6200, "ResourceUnavailable"), "{answer}");
    // Spent after two: gRPC goes through.
    assert_eq!(app.vpc_count(secret).await, 0);
    let events = app.fault_events().await;
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.old_state == "DescribeVpcEx"));

    // Another action, another caller or another region is not matched.
    app.add_fault(proto::AddFaultRequest {
        uin: "100001".into(),
        region: "ap-shanghai".into(),
        ..failing("*", FaultKind::FailBefore, "InternalError")
    })
    .await;
    assert_eq!(app.vpc_count(secret).await, 0, "not in ap-guangzhou");
    let err = app
        .vpcs()
        .describe_vpc_ex(crate::helpers::authed_in(
            secret,
            "ap-shanghai",
            proto::DescribeVpcExRequest::default(),
        ))
        .await
        .unwrap_err();
    assert_error(&err, Code::Internal, "InternalError");
}

#[tokio::test]
async fn fail_after_commit_commits_once_and_a_retry_with_the_token_gets_the_first_answer() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let mine = app.vpc(&alice, "10.0.0.0/16").await;
    let theirs = app.vpc(&bob, "10.1.0.0/16").await;
    app.add_fault(proto::AddFaultRequest {
        times: Some(1),
        ..failing(
            "CreateVpcPeeringConnection",
            FaultKind::FailAfterCommit,
            "InternalError",
        )
    })
    .await;
    let create = || {
        with_token(
            authed(
                &alice,
                proto::CreateVpcPeeringConnectionRequest {
                    vpc_id: mine.un_vpc_id.clone(),
                    peer_vpc_id: theirs.un_vpc_id.clone(),
                    peer_uin: "100002".into(),
                    peering_connection_name: "lost".into(),
                    peer_region: None,
                },
            ),
            "create-1",
        )
    };
    let err = app
        .peering()
        .create_vpc_peering_connection(create())
        .await
        .unwrap_err();
    assert_error(&err, Code::Internal, "InternalError");
    let stored = app.all_peerings(&alice).await;
    assert_eq!(stored.len(), 1, "the lost answer's peering was made");

    let retry = app
        .peering()
        .create_vpc_peering_connection(create())
        .await
        .expect("the retry gets the first answer")
        .into_inner();
    assert_eq!(retry.peering_connection_id, stored[0].peering_connection_id);
    assert_eq!(app.all_peerings(&alice).await.len(), 1, "made once");

    // A call that fails on its own has nothing to lose: the rule waits.
    app.add_fault(failing(
        "CreateVpc",
        FaultKind::FailAfterCommit,
        "InternalError",
    ))
    .await;
    let err = app.try_vpc(&alice, "10.0.0.0/8").await.unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue.Range");
    let err = app.try_vpc(&alice, "10.2.0.0/16").await.unwrap_err();
    assert_error(&err, Code::Internal, "InternalError");
    assert_eq!(app.vpc_count(&alice).await, 2);
    let events = app.fault_events().await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1].request_id, request_id(&err));
}

/// A CreateVpc with a 200 ms deadline, which a delay makes it miss.
async fn create_vpc_within_200ms(app: &TestApp, secret: &str) {
    let mut request = authed(
        secret,
        proto::CreateVpcRequest {
            tags: Vec::new(),
            vpc_name: "slow".into(),
            cidr_block: "10.0.0.0/16".into(),
        },
    );
    request.set_timeout(Duration::from_millis(200));
    let err = app.vpcs().create_vpc(request).await.unwrap_err();
    // tonic reports its own passed deadline as CANCELLED; grpc-go clients
    // (grpcurl) as DEADLINE_EXCEEDED, which the compatibility run checks.
    assert!(
        matches!(err.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{err:?}"
    );
}

#[tokio::test]
async fn delays_hold_calls_and_a_passing_deadline_ends_them() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;

    // Held before the work: the call takes at least the delay.
    app.add_fault(proto::AddFaultRequest {
        times: Some(1),
        ..delaying("DescribeVpcEx", FaultKind::DelayBefore, 300)
    })
    .await;
    let started = Instant::now();
    assert_eq!(app.vpc_count(&alice).await, 0);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // A deadline that passes during a delay before the work: the call
    // ends, and the work is never done.
    app.add_fault(proto::AddFaultRequest {
        times: Some(1),
        ..delaying("CreateVpc", FaultKind::DelayBefore, 1500)
    })
    .await;
    create_vpc_within_200ms(&app, &alice).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(app.vpc_count(&alice).await, 0, "the work never ran");

    // After the work: done and committed, the answer lost to the deadline.
    app.add_fault(proto::AddFaultRequest {
        times: Some(1),
        ..delaying("CreateVpc", FaultKind::DelayAfter, 1500)
    })
    .await;
    create_vpc_within_200ms(&app, &alice).await;
    assert_eq!(app.vpc_count(&alice).await, 1, "committed before the delay");
    let effects: Vec<String> = app
        .fault_events()
        .await
        .into_iter()
        .map(|e| e.new_state)
        .collect();
    assert_eq!(effects, ["delay 300ms", "delay 1500ms", "delay 1500ms"]);
}

#[tokio::test]
async fn a_seeded_probability_repeats_its_sequence() {
    let app = TestApp::spawn().await;
    let alice = app.account("100001").await;
    let flaky = |seed| proto::AddFaultRequest {
        probability: Some(0.5),
        seed,
        ..failing("DescribeVpcEx", FaultKind::FailBefore, "InternalError")
    };
    // Which of 30 calls failed.
    let run = |app: &TestApp| {
        let mut client = app.vpcs();
        let alice = alice.clone();
        async move {
            let mut outcomes = Vec::new();
            for _ in 0..30 {
                let answer = client
                    .describe_vpc_ex(authed(&alice, proto::DescribeVpcExRequest::default()))
                    .await;
                outcomes.push(answer.is_err());
            }
            outcomes
        }
    };
    app.add_fault(flaky(42)).await;
    let first = run(&app).await;
    let listed = app.faults().await;
    let fired = first.iter().filter(|f| **f).count() as i64;
    assert_eq!((listed[0].matched, listed[0].fired), (30, fired));
    assert!((5..=25).contains(&fired), "about half of 30: {first:?}");
    assert_eq!(app.clear_faults().await, 1);
    app.add_fault(flaky(42)).await;
    assert_eq!(run(&app).await, first, "the same seed, the same sequence");
    app.clear_faults().await;
    app.add_fault(flaky(43)).await;
    assert_ne!(run(&app).await, first, "another seed, another sequence");
}

#[tokio::test]
async fn throttling_lets_a_burst_through_at_the_set_rate() {
    let app = Arc::new(
        TestApp::spawn_with(Options {
            rate_limits: vec!["20".parse().unwrap()],
            ..Default::default()
        })
        .await,
    );
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let burst = |secret: String| {
        let calls: Vec<_> = (0..50)
            .map(|_| {
                let client = app.vpcs();
                let secret = secret.clone();
                tokio::spawn(async move {
                    let mut client = client;
                    client
                        .describe_vpc_ex(authed(&secret, proto::DescribeVpcExRequest::default()))
                        .await
                })
            })
            .collect();
        async move {
            let mut passed = 0;
            for call in calls {
                match call.await.unwrap() {
                    Ok(_) => passed += 1,
                    Err(err) => assert_error(&err, Code::ResourceExhausted, "RequestLimitExceeded"),
                }
            }
            passed
        }
    };
    let passed = burst(alice.clone()).await;
    // 20 at once, and one more per 50 ms while the burst is sent.
    assert!((20..=30).contains(&passed), "{passed} of 50 passed");
    // Each account has its own bucket, and so does each action.
    let passed = burst(bob.clone()).await;
    assert!((20..=30).contains(&passed), "{passed} of 50 passed");
    app.try_vpc(&alice, "10.0.0.0/16").await.unwrap();

    let limits = app
        .admin()
        .set_rate_limit(app.admin_req(proto::SetRateLimitRequest {
            action: String::new(),
            requests_per_second: 0,
        }))
        .await
        .unwrap()
        .into_inner()
        .limits;
    assert!(limits.is_empty(), "{limits:?}");
    assert_eq!(burst(alice.clone()).await, 50, "no limit");

    let limits = app
        .admin()
        .set_rate_limit(app.admin_req(proto::SetRateLimitRequest {
            action: "DescribeVpcEx".into(),
            requests_per_second: 5,
        }))
        .await
        .unwrap()
        .into_inner()
        .limits;
    assert_eq!(limits.len(), 1);
    let passed = burst(alice).await;
    assert!((5..=10).contains(&passed), "{passed} of 50 passed");
    let err = app
        .admin()
        .set_rate_limit(app.admin_req(proto::SetRateLimitRequest {
            action: "CreateSecurityGroup".into(),
            requests_per_second: 5,
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
}

#[tokio::test]
async fn bad_rules_are_refused_with_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.account("100001").await;
    let cases = [
        (
            rule("CreateSecurityGroup", FaultKind::FailBefore),
            "InvalidParameterValue",
        ),
        (
            rule("CreateVpc", FaultKind::Unspecified),
            "MissingParameter",
        ),
        (rule("CreateVpc", FaultKind::FailBefore), "MissingParameter"),
        (
            failing("CreateVpc", FaultKind::FailBefore, "Oops"),
            "InvalidParameterValue",
        ),
        (
            delaying("CreateVpc", FaultKind::DelayAfter, 0),
            "InvalidParameterValue.Range",
        ),
        (
            proto::AddFaultRequest {
                probability: Some(1.5),
                ..failing("CreateVpc", FaultKind::FailBefore, "InternalError")
            },
            "InvalidParameterValue.Range",
        ),
        (
            proto::AddFaultRequest {
                uin: "999".into(),
                ..failing("CreateVpc", FaultKind::FailBefore, "InternalError")
            },
            "InvalidAccount.NotFound",
        ),
    ];
    for (request, code) in cases {
        let err = app
            .admin()
            .add_fault(app.admin_req(request.clone()))
            .await
            .unwrap_err();
        assert!(
            err.message().starts_with(&format!("{code}: ")),
            "{request:?}: {err:?}"
        );
    }
    assert!(app.faults().await.is_empty());
    let err = app
        .admin()
        .delete_fault(app.admin_req(proto::DeleteFaultRequest {
            fault_id: "fault-nope".into(),
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::NotFound, "InvalidFault.NotFound");
    let fixed = app
        .add_fault(proto::AddFaultRequest {
            fault_id: "mine".into(),
            ..failing("CreateVpc", FaultKind::FailBefore, "InternalError")
        })
        .await;
    assert_eq!(fixed.fault_id, "mine");
    let err = app
        .admin()
        .add_fault(app.admin_req(proto::AddFaultRequest {
            fault_id: "mine".into(),
            ..failing("CreateVpc", FaultKind::FailBefore, "InternalError")
        }))
        .await
        .unwrap_err();
    assert_error(&err, Code::InvalidArgument, "InvalidParameterValue");
    let deleted = app
        .admin()
        .delete_fault(app.admin_req(proto::DeleteFaultRequest {
            fault_id: "mine".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.fault.unwrap().fault_id, "mine");
    assert!(app.faults().await.is_empty());
}

const FLAKY: &str = r#"
accounts:
  - uin: 100001
    name: alice
    secret_id: AKIDalice
faults:
  - fault_id: flaky-create
    action: CreateVpc
    uin: 100001
    kind: FAIL_BEFORE
    error_code: ResourceUnavailable
    times: 1
"#;

#[tokio::test]
async fn rules_in_a_scenario_load_dump_and_come_back_with_reset_and_restore() {
    let app = TestApp::spawn_with(Options {
        scenario: Some(vpcsim::store::ScenarioLoad {
            scenario: Arc::new(
                vpcsim::scenario::parse(FLAKY, vpcsim::scenario::Format::Yaml, "flaky.yaml")
                    .unwrap(),
            ),
            text: FLAKY.into(),
            source: "flaky.yaml".into(),
            default_region: vpcsim::domain::region::DEFAULT_REGION,
            replace: false,
        }),
        ..Default::default()
    })
    .await;
    let err = app.try_vpc("AKIDalice", "10.0.0.0/16").await.unwrap_err();
    assert_error(&err, Code::Unavailable, "ResourceUnavailable");
    app.try_vpc("AKIDalice", "10.0.0.0/16").await.unwrap();

    // The dump writes the rule back, with its counters.
    let dump = app.dump().await;
    let section = dump.split("faults:").nth(1).expect(&dump);
    for line in [
        "fault_id: flaky-create",
        "kind: FAIL_BEFORE",
        "times: 0",
        "fired: 1",
    ] {
        assert!(section.contains(line), "{line}: {section}");
    }

    // Snapshots keep rules with the rest of the state.
    app.add_fault(delaying("DeleteVpc", FaultKind::DelayAfter, 10))
        .await;
    app.admin()
        .save_snapshot(app.admin_req(proto::SaveSnapshotRequest { name: "two".into() }))
        .await
        .unwrap();
    app.clear_faults().await;
    app.admin()
        .restore_snapshot(app.admin_req(proto::RestoreSnapshotRequest { name: "two".into() }))
        .await
        .unwrap();
    assert_eq!(app.faults().await.len(), 2);

    // Reset goes back to the start scenario's rule, unspent.
    app.admin()
        .reset(app.admin_req(proto::ResetRequest { empty: false }))
        .await
        .unwrap();
    let listed = app.faults().await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].times, listed[0].fired), (Some(1), 0));
    let err = app.try_vpc("AKIDalice", "10.0.0.0/16").await.unwrap_err();
    assert_error(&err, Code::Unavailable, "ResourceUnavailable");
    app.admin()
        .reset(app.admin_req(proto::ResetRequest { empty: true }))
        .await
        .unwrap();
    assert!(app.faults().await.is_empty(), "an empty reset clears rules");

    // A bad rule in a file is an error at its path, and loads nothing.
    let bad = FLAKY.replace("error_code: ResourceUnavailable", "error_code: Nope");
    let err = app.load(&bad, "bad.yaml", true).await.unwrap_err();
    assert!(
        err.message().contains("bad.yaml:") && err.message().contains("faults[0].error_code"),
        "{}",
        err.message()
    );
    assert!(app.faults().await.is_empty());
}

/// Calls `call` until it succeeds, or fails because an earlier try that
/// lost its answer already did the work.
async fn until_done<F, Fut>(call: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), Status>>,
{
    loop {
        match call().await {
            Ok(()) => return,
            Err(err) if err.code() == Code::FailedPrecondition => {
                assert!(
                    err.message().contains("VpcPeerInvalidStateChange"),
                    "{err:?}"
                );
                return;
            }
            Err(err) => assert!(
                matches!(
                    err.code(),
                    Code::Internal | Code::Unavailable | Code::ResourceExhausted
                ),
                "{err:?}"
            ),
        }
    }
}

/// 32 writers create, accept and delete peerings while rules fail calls
/// before and after commit and delay them; retries use client tokens.
/// Afterwards `vpcsim check` finds the database clean, and every peering
/// a writer was answered (first or on retry) exists exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_under_32_concurrent_writers_leave_a_clean_state() {
    let app = Arc::new(TestApp::spawn().await);
    let hub_owner = app.account("100000").await;
    let hub = app.vpc(&hub_owner, "10.0.0.0/16").await;
    app.set_quota("100000", "vpc-max-vpcpeers", 1000).await;
    app.set_quota("100000", "vpc-max-available-vpcpeers", 1000)
        .await;
    for request in [
        proto::AddFaultRequest {
            probability: Some(0.3),
            seed: 1,
            ..failing(
                "CreateVpcPeeringConnection",
                FaultKind::FailAfterCommit,
                "InternalError",
            )
        },
        proto::AddFaultRequest {
            probability: Some(0.2),
            seed: 2,
            ..failing(
                "AcceptVpcPeeringConnection",
                FaultKind::FailBefore,
                "RequestLimitExceeded",
            )
        },
        proto::AddFaultRequest {
            probability: Some(0.3),
            seed: 3,
            ..failing("*", FaultKind::FailAfterCommit, "ResourceUnavailable")
        },
        proto::AddFaultRequest {
            probability: Some(0.5),
            seed: 4,
            ..delaying("*", FaultKind::DelayAfter, 5)
        },
    ] {
        app.add_fault(request).await;
    }
    let writers: Vec<_> = (0..32u32)
        .map(|w| {
            let app = app.clone();
            let hub = hub.clone();
            let hub_owner = hub_owner.clone();
            tokio::spawn(async move {
                let uin = format!("{}", 200000 + w);
                let secret = app.account(&uin).await;
                let vpc = loop {
                    match app.try_vpc(&secret, &format!("10.{}.0.0/16", 16 + w)).await {
                        Ok(vpc) => break vpc,
                        // Lost after commit: the VPC exists; find it.
                        Err(_) => {
                            let listed = app
                                .vpcs()
                                .describe_vpc_ex(authed(
                                    &secret,
                                    proto::DescribeVpcExRequest::default(),
                                ))
                                .await;
                            if let Ok(listed) = listed
                                && let Some(vpc) = listed.into_inner().data.into_iter().next()
                            {
                                break vpc;
                            }
                        }
                    }
                };
                let mut made = Vec::new();
                for round in 0..3 {
                    let token = format!("w{w}-r{round}");
                    let create = || {
                        with_token(
                            authed(
                                &secret,
                                proto::CreateVpcPeeringConnectionRequest {
                                    vpc_id: vpc.un_vpc_id.clone(),
                                    peer_vpc_id: hub.un_vpc_id.clone(),
                                    peer_uin: "100000".into(),
                                    peering_connection_name: token.clone(),
                                    peer_region: None,
                                },
                            ),
                            &token,
                        )
                    };
                    // Retried with its token until answered.
                    let peering = loop {
                        match app.peering().create_vpc_peering_connection(create()).await {
                            Ok(answer) => break answer.into_inner().peering_connection_id,
                            Err(err) => assert!(
                                matches!(err.code(), Code::Internal | Code::Unavailable),
                                "{err:?}"
                            ),
                        }
                    };
                    made.push(peering.clone());
                    // The hub accepts it, then the writer deletes it, each
                    // tried again until done: after a lost answer the retry
                    // finds the state already moved.
                    until_done(|| async {
                        app.peering()
                            .accept_vpc_peering_connection(authed(
                                &hub_owner,
                                proto::AcceptVpcPeeringConnectionRequest {
                                    peering_connection_id: peering.clone(),
                                },
                            ))
                            .await
                            .map(|_| ())
                    })
                    .await;
                    until_done(|| async {
                        app.peering()
                            .delete_vpc_peering_connection(authed(
                                &secret,
                                proto::DeleteVpcPeeringConnectionRequest {
                                    peering_connection_id: peering.clone(),
                                },
                            ))
                            .await
                            .map(|_| ())
                    })
                    .await;
                }
                (secret, made)
            })
        })
        .collect();
    let mut answered = Vec::new();
    for writer in writers {
        answered.push(writer.await.expect("writer"));
    }
    assert!(!app.fault_events().await.is_empty(), "faults fired");
    // Every answered peering exists once, among the writer's own.
    app.clear_faults().await;
    for (secret, made) in &answered {
        let seen = app.all_peerings(secret).await;
        assert_eq!(
            seen.len(),
            made.len(),
            "one peering per create, retries included"
        );
        for id in made {
            assert!(seen.iter().any(|p| &p.peering_connection_id == id), "{id}");
        }
    }
    let app = Arc::into_inner(app).expect("the only handle");
    let path = app.db_path.clone();
    let _dir = app.dir.clone();
    app.stop().await;
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_vpcsim"))
        .args(["check", "--db"])
        .arg(&path)
        .output()
        .expect("run vpcsim check");
    assert!(
        check.status.success(),
        "vpcsim check: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}
