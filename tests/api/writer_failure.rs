//! A writer that can no longer write takes the server out of service at
//! once and visibly: health turns NOT_SERVING, every call on every front end
//! fails with InternalError without waiting, the message names no internals,
//! and the server's exit says why.

use std::time::Duration;

use tonic::Code;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use vpcsim::proto;

use crate::{
    api3,
    helpers::{TestApp, assert_error, authed, connect},
    legacy,
};

/// Long enough for any answer on a loaded machine, far shorter than a hang.
const PROMPTLY: Duration = Duration::from_secs(5);

/// Asserts a gRPC call failed with InternalError and a message that names
/// nothing of the server's insides.
#[track_caller]
fn assert_internal<T: std::fmt::Debug>(result: Result<T, tonic::Status>) {
    let err = result.expect_err("the call fails");
    assert_error(&err, Code::Internal, "InternalError");
    let message = err.message().to_lowercase();
    for leak in ["sql", "events", "table", ".db", "/tmp", "writer", "panick"] {
        assert!(!message.contains(leak), "{message:?} leaks {leak:?}");
    }
}

async fn health(app: &TestApp, service: &str) -> i32 {
    HealthClient::new(connect(app.addr).await)
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .expect("health answers")
        .into_inner()
        .status
}

#[tokio::test]
async fn a_writer_that_cannot_write_takes_the_server_out_of_service_at_once() {
    let app = TestApp::spawn().await;
    let (alice, web, db) = api3::two_accounts(&app).await;
    // Break the database behind the server's back: every write transaction
    // starts by writing the events of overdue requests.
    let mut raw = app.raw_db().await;
    sqlx::query("DROP TABLE events")
        .execute(&mut raw)
        .await
        .expect("drop a table");

    let failed = tokio::time::timeout(PROMPTLY, app.create_peering(&alice, &web, &db, "web-db"))
        .await
        .expect("an answer, not a hang");
    assert_internal(failed);

    // Health follows: the server as a whole and each service.
    let deadline = tokio::time::Instant::now() + PROMPTLY;
    while health(&app, "").await != ServingStatus::NotServing as i32 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "health still reports SERVING"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for service in [
        "vpcsim.v1.PeeringService",
        "vpcsim.v1.VpcService",
        "vpcsim.v1.AdminService",
    ] {
        assert_eq!(
            health(&app, service).await,
            ServingStatus::NotServing as i32,
            "{service}"
        );
    }
    // And so does `vpcsim health`, a container's health check.
    let addr = app.addr.to_string();
    let checked = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_vpcsim"))
            .args(["health", "--server", &addr])
            .output()
            .expect("run vpcsim health")
    })
    .await
    .expect("vpcsim health ran");
    assert_eq!(checked.status.code(), Some(1));
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(said.contains("NOT_SERVING"), "{said}");

    // Every later call fails at once, reads and admin calls included.
    let later = async {
        let mut vpcs = app.vpcs();
        assert_internal(
            vpcs.create_vpc(authed(
                &alice,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: "later".into(),
                    cidr_block: "10.2.0.0/16".into(),
                },
            ))
            .await,
        );
        assert_internal(
            vpcs.describe_vpc_ex(authed(&alice, Default::default()))
                .await,
        );
        assert_internal(app.describe(&alice, Default::default()).await);
        let mut admin = app.admin();
        assert_internal(
            admin
                .describe_accounts(app.admin_req(proto::DescribeAccountsRequest {}))
                .await,
        );
        assert_internal(
            admin
                .get_clock(app.admin_req(proto::GetClockRequest {}))
                .await,
        );
        let answer = api3::call(
            &app,
            &api3::Send::as_account(&alice, "alice-key"),
            "DescribeVpcPeeringConnections",
            "{}",
        )
        .await;
        assert_eq!(
            answer.error_code(),
            Some("InternalError"),
            "{}",
            answer.body
        );
        let send = legacy::Legacy::new(&alice, "alice-key");
        let answer = legacy::call(&app, &send, "DescribeVpcPeeringConnections", &[]).await;
        assert_eq!(
            legacy::code_of(&answer),
            (6000, "InternalError"),
            "{answer}"
        );
    };
    tokio::time::timeout(PROMPTLY, later)
        .await
        .expect("answers, not hangs");

    // The refused write left nothing behind, and the exit says why.
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM peerings")
        .fetch_one(&mut raw)
        .await
        .expect("count");
    assert_eq!(count, 0);
    let stopped = app
        .stop_for_result()
        .await
        .expect_err("the server reports the failure");
    let text = format!("{stopped:#}");
    assert!(
        text.contains("the writer stopped on a failure") && text.contains("no such table: events"),
        "{text}"
    );
}
