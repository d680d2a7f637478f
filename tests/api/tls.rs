//! TLS on the vpcsim port (`--tls-self-signed`): gRPC and API 3.0 over TLS on
//! one port and one state, ALPN offering both HTTP versions, the certificate
//! valid for its names, and clients that get it wrong (plain text, silence)
//! holding up no one else.

use std::{sync::Arc, time::Duration};

use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use vpcsim::transport::tls::TlsSource;

use crate::{
    api3::{Send, call_over, two_accounts},
    helpers::{Act, Options, TestApp, connect_tls},
};

async fn tls_app() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    TestApp::spawn_with(Options {
        tls: Some(TlsSource::SelfSigned {
            dir: dir.path().join("certs"),
            names: vec![],
        }),
        dir: Some(dir),
        ..Default::default()
    })
    .await
}

/// A TLS connection to the app, trusting only its certificate, checking it
/// for `name`, offering `alpn`.
async fn dial(
    app: &TestApp,
    name: &str,
    alpn: &[&[u8]],
) -> Result<TlsStream<TcpStream>, std::io::Error> {
    let pem = app.tls_cert.as_deref().expect("a TLS app");
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.expect("PEM")).expect("a trust anchor");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let tcp = TcpStream::connect(app.addr).await?;
    let name = ServerName::try_from(name.to_owned()).expect("server name");
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

fn alpn(stream: &TlsStream<TcpStream>) -> Option<&[u8]> {
    stream.get_ref().1.alpn_protocol()
}

async fn serving(channel: tonic::transport::Channel) -> Result<ServingStatus, tonic::Status> {
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await?;
    Ok(answer.into_inner().status())
}

#[tokio::test]
async fn grpc_and_api3_share_one_tls_port_and_one_state() {
    let app = tls_app().await;
    // gRPC over TLS (the app's channel trusts the certificate).
    let (_, web, db) = two_accounts(&app).await;

    // API 3.0 over TLS and HTTP/1.1, as the SDKs send it to https://localhost:PORT.
    let stream = dial(&app, "localhost", &[b"http/1.1"]).await.expect("TLS");
    assert_eq!(alpn(&stream), Some(&b"http/1.1"[..]));
    let alice = Send::as_account("AKID100001", "alice-key");
    let body = json!({
        "SourceVpcId": web.un_vpc_id, "PeeringConnectionName": "over-tls",
        "DestinationVpcId": db.un_vpc_id, "DestinationUin": "100002",
        "DestinationRegion": "ap-guangzhou",
    })
    .to_string();
    let host = format!("localhost:{}", app.addr.port());
    let id = call_over(stream, &host, &alice, "CreateVpcPeeringConnection", &body)
        .await
        .created_peering_id();

    // gRPC over TLS sees it and accepts it; https sees that.
    let seen = app.all_peerings("AKID100002").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].peering_connection_id, id);
    app.act(Act::Accept, "AKID100002", &id)
        .await
        .expect("accept over gRPC");
    let stream = dial(&app, "127.0.0.1", &[b"http/1.1"]).await.expect("TLS");
    let body = json!({"PeeringConnectionIds": [id]}).to_string();
    let described = call_over(
        stream,
        &app.addr.to_string(),
        &alice,
        "DescribeVpcPeeringConnections",
        &body,
    )
    .await;
    let response = &described.body["Response"];
    assert_eq!(response["TotalCount"], 1, "{response}");
    assert_eq!(response["PeerConnectionSet"][0]["State"], "ACTIVE");
}

#[tokio::test]
async fn the_certificate_serves_its_names_and_alpn_offers_both_http_versions() {
    let app = tls_app().await;
    for name in ["localhost", "127.0.0.1", "::1"] {
        let stream = dial(&app, name, &[b"h2", b"http/1.1"])
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // gRPC's HTTP/2 first when a client offers both.
        assert_eq!(alpn(&stream), Some(&b"h2"[..]), "{name}");
    }
    let stream = dial(&app, "localhost", &[b"http/1.1"]).await.expect("TLS");
    assert_eq!(alpn(&stream), Some(&b"http/1.1"[..]));
    // A name the certificate does not hold: a client that checks refuses it.
    let err = dial(&app, "vpcsim.example", &[b"h2"]).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| format!("{e:?}").contains("NotValidForName")),
        "{err:?}"
    );
}

#[tokio::test]
async fn plain_text_and_silent_clients_do_not_stop_the_tls_port() {
    let app = tls_app().await;
    let cert = app.tls_cert.clone().expect("a TLS app");
    // One client connects and says nothing; one starts a handshake and stalls.
    let _silent = TcpStream::connect(app.addr).await.expect("connect");
    let mut stalled = TcpStream::connect(app.addr).await.expect("connect");
    stalled.write_all(&[0x16, 0x03, 0x01]).await.expect("write");

    // Plain HTTP (an http:// URL) is told to use https.
    let mut plain = TcpStream::connect(app.addr).await.expect("connect");
    plain
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        .await
        .expect("write");
    let mut answer = String::new();
    plain.read_to_string(&mut answer).await.expect("read");
    assert!(
        answer.starts_with("HTTP/1.1 400 ") && answer.contains("https://"),
        "{answer}"
    );
    // A gRPC client without TLS gets an error, not a hang.
    let plain_grpc = async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", app.addr))
            .expect("endpoint")
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        serving(channel).await.map_err(|e| e.to_string())
    };
    let refused = tokio::time::timeout(Duration::from_secs(5), plain_grpc)
        .await
        .expect("an answer within 5 s");
    assert!(refused.is_err(), "{refused:?}");

    // Meanwhile a new TLS client is served at once (well within the
    // handshake time limit the stalled one is still using), and so is the
    // connection made before.
    let fresh = tokio::time::timeout(Duration::from_secs(5), async {
        serving(connect_tls(app.addr, &cert).await).await
    })
    .await
    .expect("not held up by the stalled handshake");
    assert_eq!(fresh.expect("health"), ServingStatus::Serving);
    app.account("100009").await;
}
