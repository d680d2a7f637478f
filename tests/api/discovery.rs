//! What a client without proto files relies on: reflection (v1 and v1alpha),
//! health, and GetServerInfo (which server answers).

use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_reflection::pb::{v1, v1alpha};

use std::sync::Arc;

use tonic::{Code, Request};
use vpcsim::{proto, transport::tls::TlsSource};

use crate::helpers::{Options, TestApp, assert_error, connect};

const SERVICES: [&str; 8] = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "vpcsim.v1.AdminService",
    "vpcsim.v1.PeeringService",
    "vpcsim.v1.RouteTableService",
    "vpcsim.v1.SubnetService",
    "vpcsim.v1.VpcService",
];

#[tokio::test]
async fn reflection_v1_lists_every_service_and_resolves_error_details() {
    use v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = TestApp::spawn().await;
    let mut client = ServerReflectionClient::new(connect(app.addr).await);
    let requests = vec![
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol("vpcsim.v1.PeeringService".into()),
        MessageRequest::FileContainingSymbol("google.rpc.ErrorInfo".into()),
        MessageRequest::FileContainingSymbol("grpc.health.v1.Health".into()),
    ];
    let stream = tokio_stream::iter(requests.into_iter().map(|m| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(m),
    }));
    let mut responses = client
        .server_reflection_info(stream)
        .await
        .unwrap()
        .into_inner();
    let first = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = first.message_response else {
        panic!("expected a service list, got {first:?}");
    };
    let mut names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(names, SERVICES);
    for symbol in [
        "vpcsim.v1.PeeringService",
        "google.rpc.ErrorInfo",
        "grpc.health.v1.Health",
    ] {
        let response = responses.message().await.unwrap().unwrap();
        match response.message_response {
            Some(MessageResponse::FileDescriptorResponse(files)) => {
                assert!(!files.file_descriptor_proto.is_empty(), "{symbol}")
            }
            other => panic!("{symbol} did not resolve: {other:?}"),
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn reflection_v1alpha_for_grpcurl_1_8() {
    use v1alpha::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = TestApp::spawn().await;
    let mut client = ServerReflectionClient::new(connect(app.addr).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("expected a service list");
    };
    let mut names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(names, SERVICES);
    app.stop().await;
}

#[tokio::test]
async fn health_reports_serving_for_the_server_and_each_service() {
    let app = TestApp::spawn().await;
    let mut health = HealthClient::new(connect(app.addr).await);
    for service in [
        "",
        "vpcsim.v1.PeeringService",
        "vpcsim.v1.VpcService",
        "vpcsim.v1.AdminService",
    ] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn get_server_info_names_the_build_the_database_and_the_state() {
    let app = TestApp::spawn_with(Options {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    let info = |app: &TestApp| {
        let request = app.admin_req(proto::GetServerInfoRequest {});
        let mut admin = app.admin();
        async move {
            admin
                .get_server_info(request)
                .await
                .expect("GetServerInfo")
                .into_inner()
        }
    };
    let before = info(&app).await;
    assert_eq!(before.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(before.version, vpcsim::version::VERSION);
    assert_eq!(before.commit, vpcsim::version::COMMIT);
    assert!(
        before.commit == "unknown"
            || (before.commit.len() == 12 && before.commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{before:?}"
    );
    assert_eq!(before.build_date, vpcsim::version::BUILD_DATE);
    assert_eq!(before.build_date.len(), 10, "{before:?}");
    assert!((0..60).contains(&before.uptime_seconds), "{before:?}");
    assert_eq!(before.db_path, app.db_path.display().to_string());
    assert_eq!(
        (before.accounts, before.vpcs, before.peerings),
        (0, 0, 0),
        "{before:?}"
    );
    assert_eq!(before.front_ends, ["grpc", "api3", "legacy"]);
    assert!(!before.tls);

    // Counts follow the state: two accounts, three VPCs (one deleted), a
    // peering that is live and one that is not.
    let alice = app.account("100001").await;
    let bob = app.account("100002").await;
    let a = app.vpc(&alice, "10.0.0.0/16").await;
    let b = app.vpc(&bob, "10.1.0.0/16").await;
    let c = app.vpc(&alice, "10.2.0.0/16").await;
    let live = app.create_peering(&alice, &a, &b, "live").await.unwrap();
    let gone = app.create_peering(&alice, &c, &b, "gone").await.unwrap();
    assert_eq!(info(&app).await.peerings, 2);
    app.act(
        crate::helpers::Act::Reject,
        &bob,
        &gone.peering_connection_id,
    )
    .await
    .unwrap();
    app.vpcs()
        .delete_vpc(crate::helpers::authed(
            &alice,
            proto::DeleteVpcRequest {
                vpc_id: c.un_vpc_id.clone(),
            },
        ))
        .await
        .expect("delete vpc");
    let after = info(&app).await;
    assert_eq!(
        (after.accounts, after.vpcs, after.peerings),
        (2, 2, 1),
        "{after:?} (the live peering: {})",
        live.peering_connection_id
    );
    assert!(after.uptime_seconds >= before.uptime_seconds);

    // Like every admin call, it needs the admin token.
    let mut wrong = Request::new(proto::GetServerInfoRequest {});
    wrong
        .metadata_mut()
        .insert("authorization", "Bearer wrong".parse().unwrap());
    let err = app.admin().get_server_info(wrong).await.unwrap_err();
    assert_error(&err, Code::Unauthenticated, "AuthFailure.InvalidAdminToken");
    let err = app
        .admin()
        .get_server_info(Request::new(proto::GetServerInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    app.stop().await;
}

#[tokio::test]
async fn get_server_info_says_when_the_server_serves_tls() {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let app = TestApp::spawn_with(Options {
        tls: Some(TlsSource::SelfSigned {
            dir: dir.path().join("certs"),
            names: vec![],
        }),
        dir: Some(dir),
        ..Default::default()
    })
    .await;
    let info = app
        .admin()
        .get_server_info(app.admin_req(proto::GetServerInfoRequest {}))
        .await
        .expect("GetServerInfo")
        .into_inner();
    assert!(info.tls, "{info:?}");
    assert_eq!(info.db_path, app.db_path.display().to_string());
    app.stop().await;
}

#[tokio::test]
async fn reflection_resolves_get_server_info() {
    use v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let app = TestApp::spawn().await;
    let mut client = ServerReflectionClient::new(connect(app.addr).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            "vpcsim.v1.AdminService.GetServerInfo".into(),
        )),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::FileDescriptorResponse(files)) = response.message_response else {
        panic!("GetServerInfo did not resolve: {response:?}");
    };
    let bytes = files.file_descriptor_proto.concat();
    let text = String::from_utf8_lossy(&bytes);
    for name in [
        "GetServerInfo",
        "GetServerInfoResponse",
        "uptime_seconds",
        "front_ends",
    ] {
        assert!(text.contains(name), "{name} is not in the descriptor");
    }
    app.stop().await;
}
