//! What a client without proto files relies on: reflection (v1 and v1alpha)
//! and health.

use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_reflection::pb::{v1, v1alpha};

use crate::helpers::{TestApp, connect};

const SERVICES: [&str; 6] = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "vpcsim.v1.AdminService",
    "vpcsim.v1.PeeringService",
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
