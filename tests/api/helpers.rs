//! Starts the real server on 127.0.0.1:0 against a SQLite file in a temp dir,
//! and talks to it through the generated tonic clients.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::{Code, Request, Status, transport::Channel};
use tonic_types::StatusExt;
use vpcsim::{
    domain::region::Region,
    proto::{
        self, admin_service_client::AdminServiceClient,
        peering_service_client::PeeringServiceClient,
        route_table_service_client::RouteTableServiceClient,
        subnet_service_client::SubnetServiceClient, vpc_service_client::VpcServiceClient,
    },
    server::{self, ServerConfig},
    store::DbLocation,
    transport::tls::{Tls, TlsSource},
};

pub struct TestApp {
    pub addr: SocketAddr,
    pub db_path: PathBuf,
    pub dir: Arc<tempfile::TempDir>,
    /// The PEM certificate clients trust, when the server serves TLS.
    pub tls_cert: Option<String>,
    channel: Channel,
    admin_token: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

#[derive(Default)]
pub struct Options {
    pub admin_token: Option<String>,
    pub dir: Option<Arc<tempfile::TempDir>>,
    pub id_seed: Option<u64>,
    pub scenario: Option<vpcsim::store::ScenarioLoad>,
    /// Serve TLS; the clients then trust its certificate.
    pub tls: Option<TlsSource>,
    /// `--rate-limit`.
    pub rate_limits: Vec<vpcsim::action::throttle::RateLimitSetting>,
    /// `--ui`.
    pub ui: bool,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let dir = options
            .dir
            .unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("temp dir")));
        let db_path = dir.path().join("vpcsim.db");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        // Written (or checked) before the server starts, so the client can
        // read it at once; the server then finds and keeps it.
        let tls_cert = options.tls.as_ref().map(|source| {
            let tls = Tls::prepare(source).expect("TLS certificate");
            std::fs::read_to_string(&tls.cert_path).expect("read the certificate")
        });
        let config = ServerConfig {
            db: DbLocation::File(db_path.clone()),
            default_region: Region::parse("ap-guangzhou").expect("region"),
            admin_token: options.admin_token.clone(),
            id_seed: options.id_seed,
            start_scenario: options.scenario,
            reset: false,
            keep_state: false,
            shutdown_grace: std::time::Duration::from_secs(10),
            checkpoint_interval: std::time::Duration::from_secs(60),
            tls: options.tls,
            rate_limits: options.rate_limits,
            ui: options.ui,
        };
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(server::run(config, listener, async {
            let _ = stop.await;
        }));
        let channel = match &tls_cert {
            None => connect(addr).await,
            Some(cert) => connect_tls(addr, cert).await,
        };
        TestApp {
            addr,
            db_path,
            dir,
            tls_cert,
            channel,
            admin_token: options.admin_token,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Stops the server the way SIGTERM does, and waits for it to finish.
    pub async fn stop(self) {
        self.stop_for_result().await.expect("server result");
    }

    /// Like `stop`, returning what the server returned.
    pub async fn stop_for_result(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.server.take() {
            Some(server) => server.await.expect("server task"),
            None => Ok(()),
        }
    }

    pub fn admin(&self) -> AdminServiceClient<Channel> {
        AdminServiceClient::new(self.channel.clone())
    }

    pub fn peering(&self) -> PeeringServiceClient<Channel> {
        PeeringServiceClient::new(self.channel.clone())
    }

    pub fn subnets(&self) -> SubnetServiceClient<Channel> {
        SubnetServiceClient::new(self.channel.clone())
    }

    pub fn routes(&self) -> RouteTableServiceClient<Channel> {
        RouteTableServiceClient::new(self.channel.clone())
    }

    pub fn vpcs(&self) -> VpcServiceClient<Channel> {
        VpcServiceClient::new(self.channel.clone())
    }

    /// An admin request, with the admin token when the server has one.
    pub fn admin_req<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        if let Some(token) = &self.admin_token {
            request.metadata_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
        }
        request
    }

    /// Creates account `uin` whose SecretId is `AKID<uin>`; returns the SecretId.
    pub async fn account(&self, uin: &str) -> String {
        let secret_id = format!("AKID{uin}");
        self.admin()
            .create_account(self.admin_req(proto::CreateAccountRequest {
                uin: uin.into(),
                name: format!("account {uin}"),
                secret_id: secret_id.clone(),
                ..Default::default()
            }))
            .await
            .expect("create account");
        secret_id
    }

    pub async fn set_quota(&self, uin: &str, quota_name: &str, limit: i64) {
        self.admin()
            .set_quota(self.admin_req(proto::SetQuotaRequest {
                uin: uin.into(),
                region: String::new(),
                quota_name: quota_name.into(),
                limit,
            }))
            .await
            .expect("set quota");
    }

    pub async fn vpc(&self, secret: &str, cidr: &str) -> proto::Vpc {
        self.vpc_in(secret, "ap-guangzhou", cidr).await
    }

    /// Like `vpc`, in `region`.
    pub async fn vpc_in(&self, secret: &str, region: &str, cidr: &str) -> proto::Vpc {
        self.vpcs()
            .create_vpc(authed_in(
                secret,
                region,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: format!("vpc {cidr}"),
                    cidr_block: cidr.into(),
                },
            ))
            .await
            .expect("create vpc")
            .into_inner()
            .vpc
            .expect("vpc")
    }

    pub async fn create_peering(
        &self,
        secret: &str,
        vpc: &proto::Vpc,
        peer: &proto::Vpc,
        name: &str,
    ) -> Result<proto::PeeringConnection, Status> {
        self.peering()
            .create_vpc_peering_connection(authed(
                secret,
                proto::CreateVpcPeeringConnectionRequest {
                    vpc_id: vpc.un_vpc_id.clone(),
                    peer_vpc_id: peer.un_vpc_id.clone(),
                    peer_uin: peer.uin.clone(),
                    peering_connection_name: name.into(),
                    peer_region: None,
                },
            ))
            .await
            .map(|r| r.into_inner().peering_connection.expect("peering"))
    }

    pub async fn describe(
        &self,
        secret: &str,
        request: proto::DescribeVpcPeeringConnectionsRequest,
    ) -> Result<proto::DescribeVpcPeeringConnectionsResponse, Status> {
        self.peering()
            .describe_vpc_peering_connections(authed(secret, request))
            .await
            .map(|r| r.into_inner())
    }

    /// Every peering the caller sees, all pages.
    pub async fn all_peerings(&self, secret: &str) -> Vec<proto::PeeringConnection> {
        let mut all = Vec::new();
        loop {
            let page = self
                .describe(
                    secret,
                    proto::DescribeVpcPeeringConnectionsRequest {
                        offset: Some(all.len() as i64),
                        limit: Some(50),
                        ..Default::default()
                    },
                )
                .await
                .expect("describe");
            let done = page.data.len() < 50;
            all.extend(page.data);
            if done {
                return all;
            }
        }
    }

    /// A direct connection to the database file, to set up what the API
    /// cannot (a request that is 7 days old) or to break things on purpose.
    pub async fn raw_db(&self) -> sqlx::SqliteConnection {
        use sqlx::{ConnectOptions, sqlite::SqliteConnectOptions};
        SqliteConnectOptions::new()
            .filename(&self.db_path)
            .busy_timeout(std::time::Duration::from_secs(10))
            .connect()
            .await
            .expect("open db")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub async fn connect(addr: SocketAddr) -> Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect")
}

/// A gRPC channel over TLS to `https://127.0.0.1:PORT`, trusting `cert_pem`.
pub async fn connect_tls(addr: SocketAddr, cert_pem: &str) -> Channel {
    use tonic::transport::{Certificate, ClientTlsConfig};
    tonic::transport::Endpoint::from_shared(format!("https://{addr}"))
        .expect("endpoint")
        .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(cert_pem)))
        .expect("tls config")
        .connect()
        .await
        .expect("connect over TLS")
}

/// A request from the account whose SecretId is `secret`.
pub fn authed<T>(secret: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {secret}").parse().expect("header"),
    );
    request
}

/// Like `authed`, in another region.
pub fn authed_in<T>(secret: &str, region: &str, message: T) -> Request<T> {
    let mut request = authed(secret, message);
    request
        .metadata_mut()
        .insert("x-tc-region", region.parse().expect("header"));
    request
}

/// `request` with metadata `x-client-token: token`.
pub fn with_token<T>(mut request: Request<T>, token: &str) -> Request<T> {
    request.metadata_mut().insert(
        "x-client-token",
        token.parse().expect("a token fit for a header"),
    );
    request
}

/// Asserts the gRPC status, the Tencent-style code that starts the message,
/// and the ErrorInfo reason and domain in the details.
#[track_caller]
pub fn assert_error(status: &Status, code: Code, tencent_code: &str) {
    assert_eq!(status.code(), code, "status {status:?}");
    assert!(
        status.message().starts_with(&format!("{tencent_code}: ")),
        "message {:?} does not start with {tencent_code}",
        status.message()
    );
    let details = status.get_error_details();
    let info = details.error_info().expect("ErrorInfo in details");
    assert_eq!(info.reason, tencent_code);
    assert_eq!(info.domain, "vpcsim");
}

/// The API 3.0 code `ErrorInfo` carries in its metadata.
pub fn api3_code(status: &Status) -> String {
    let details = status.get_error_details();
    let info = details.error_info().expect("ErrorInfo in details");
    info.metadata
        .get("api3_code")
        .cloned()
        .unwrap_or_else(|| panic!("no api3_code in {info:?}"))
}

/// The field a `BadRequest` detail blames.
pub fn bad_field(status: &Status) -> Option<String> {
    status
        .get_error_details()
        .bad_request()
        .and_then(|b| b.field_violations.first().map(|v| v.field.clone()))
}

pub fn state(p: &proto::PeeringConnection) -> proto::State {
    proto::State::try_from(p.state).expect("known state")
}

impl TestApp {
    /// Loads a scenario through AdminService.LoadScenario.
    pub async fn load(
        &self,
        text: &str,
        source: &str,
        replace: bool,
    ) -> Result<proto::LoadScenarioResponse, Status> {
        self.admin()
            .load_scenario(self.admin_req(proto::LoadScenarioRequest {
                content: text.into(),
                format: String::new(),
                source_name: source.into(),
                replace,
                default_region: String::new(),
            }))
            .await
            .map(|r| r.into_inner())
    }

    /// The whole state as YAML, through AdminService.DumpScenario.
    pub async fn dump(&self) -> String {
        self.admin()
            .dump_scenario(self.admin_req(proto::DumpScenarioRequest {
                format: "yaml".into(),
                ..Default::default()
            }))
            .await
            .expect("dump")
            .into_inner()
            .content
    }

    /// What every Describe call of every account answers: VPCs, peerings,
    /// subnets and route tables per account, accounts, and quotas.
    pub async fn describe_everything(&self) -> String {
        let accounts = self
            .admin()
            .describe_accounts(self.admin_req(proto::DescribeAccountsRequest {}))
            .await
            .expect("accounts")
            .into_inner()
            .accounts;
        let mut out = format!("{accounts:?}\n");
        for account in &accounts {
            let secret = &account.secret_id;
            let mut offset = 0;
            loop {
                let vpcs = self
                    .vpcs()
                    .describe_vpc_ex(authed(
                        secret,
                        proto::DescribeVpcExRequest {
                            offset: Some(offset),
                            limit: Some(100),
                            ..Default::default()
                        },
                    ))
                    .await
                    .expect("vpcs")
                    .into_inner();
                out += &format!("{vpcs:?}\n");
                offset += 100;
                if offset >= vpcs.total_count {
                    break;
                }
            }
            out += &format!("{:?}\n", self.all_peerings(secret).await);
            out += &format!("{:?}\n", self.all_subnets(secret).await);
            out += &format!("{:?}\n", self.all_route_tables(secret).await);
            let quotas = self
                .admin()
                .describe_quotas(self.admin_req(proto::DescribeQuotasRequest {
                    uin: account.uin.clone(),
                    region: String::new(),
                }))
                .await
                .expect("quotas")
                .into_inner();
            out += &format!("{quotas:?}\n");
        }
        out
    }

    /// Every subnet the caller has in its default region, all pages.
    pub async fn all_subnets(&self, secret: &str) -> Vec<proto::Subnet> {
        let mut all = Vec::new();
        loop {
            let page = self
                .subnets()
                .describe_subnets(authed(
                    secret,
                    proto::DescribeSubnetsRequest {
                        offset: Some(all.len() as i64),
                        limit: Some(100),
                        ..Default::default()
                    },
                ))
                .await
                .expect("describe subnets")
                .into_inner();
            let done = page.subnets.len() < 100;
            all.extend(page.subnets);
            if done {
                return all;
            }
        }
    }

    /// Every route table the caller has in its default region, all pages.
    pub async fn all_route_tables(&self, secret: &str) -> Vec<proto::RouteTable> {
        let mut all = Vec::new();
        loop {
            let page = self
                .routes()
                .describe_route_tables(authed(
                    secret,
                    proto::DescribeRouteTablesRequest {
                        offset: Some(all.len() as i64),
                        limit: Some(100),
                        ..Default::default()
                    },
                ))
                .await
                .expect("describe route tables")
                .into_inner();
            let done = page.route_tables.len() < 100;
            all.extend(page.route_tables);
            if done {
                return all;
            }
        }
    }

    /// Accepts, rejects, deletes or enables a peering as `secret`.
    pub async fn act(
        &self,
        action: Act,
        secret: &str,
        id: &str,
    ) -> Result<proto::PeeringConnection, Status> {
        let id = id.to_owned();
        let mut p = self.peering();
        let answer = match action {
            Act::Accept => p
                .accept_vpc_peering_connection(authed(
                    secret,
                    proto::AcceptVpcPeeringConnectionRequest {
                        peering_connection_id: id,
                    },
                ))
                .await
                .map(|r| r.into_inner().peering_connection),
            Act::Reject => p
                .reject_vpc_peering_connection(authed(
                    secret,
                    proto::RejectVpcPeeringConnectionRequest {
                        peering_connection_id: id,
                    },
                ))
                .await
                .map(|r| r.into_inner().peering_connection),
            Act::Delete => p
                .delete_vpc_peering_connection(authed(
                    secret,
                    proto::DeleteVpcPeeringConnectionRequest {
                        peering_connection_id: id,
                    },
                ))
                .await
                .map(|r| r.into_inner().peering_connection),
            Act::Enable => p
                .enable_vpc_peering_connection(authed(
                    secret,
                    proto::EnableVpcPeeringConnectionRequest {
                        peering_connection_id: id,
                    },
                ))
                .await
                .map(|r| r.into_inner().peering_connection),
        };
        answer.map(|p| p.expect("peering in the answer"))
    }

    pub async fn clock(&self) -> proto::Clock {
        self.admin()
            .get_clock(self.admin_req(proto::GetClockRequest {}))
            .await
            .expect("clock")
            .into_inner()
            .clock
            .expect("clock")
    }
}

/// A state change of a peering, for `TestApp::act`.
#[derive(Debug, Clone, Copy)]
pub enum Act {
    Accept,
    Reject,
    Delete,
    Enable,
}

/// The text of a file in examples/.
pub fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A codec that sends and receives message bytes as they are, to put bytes on
/// the wire that no generated client would send.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), Status> {
        use prost::bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        use prost::bytes::Buf;
        let mut bytes = vec![0; src.remaining()];
        src.copy_to_slice(&mut bytes);
        Ok(Some(bytes))
    }
}

impl TestApp {
    /// Calls `path` (such as `/vpcsim.v1.VpcService/CreateVpc`) with `bytes`
    /// as the request message, which need not be valid protobuf.
    pub async fn call_raw(
        &self,
        path: &'static str,
        request: Request<Vec<u8>>,
    ) -> Result<tonic::Response<Vec<u8>>, Status> {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        grpc.ready().await.expect("channel ready");
        grpc.unary(
            request,
            http::uri::PathAndQuery::from_static(path),
            RawCodec,
        )
        .await
    }

    /// Calls the unary `path` without sending any request message.
    pub async fn call_without_message(&self, path: &'static str) -> Status {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone());
        grpc.ready().await.expect("channel ready");
        grpc.client_streaming(
            Request::new(tokio_stream::empty::<Vec<u8>>()),
            http::uri::PathAndQuery::from_static(path),
            RawCodec,
        )
        .await
        .expect_err("a call without a message fails")
    }
}

/// One raw HTTP/1.1 exchange with the server over TCP: `raw` as written
/// (it should say `Connection: close`), and the answer's head and body.
pub async fn http_exchange(addr: SocketAddr, raw: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    (head.to_owned(), body.to_owned())
}
