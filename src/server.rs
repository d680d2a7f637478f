//! Builds the whole server on a listener: the three vpcsim services, health,
//! reflection (v1 and v1alpha), the request-context layer, and the writer
//! task. `main` hands it ctrl-c and SIGTERM; tests hand it a listener on
//! port 0 and a future they control.
//!
//! If the writer stops on a failure, the server stays up but out of
//! service: health reports NOT_SERVING for every service and the server as
//! a whole, every vpcsim call (gRPC, API 3.0, legacy) fails at once with
//! InternalError, and `run` returns the writer's error when it stops.

use std::{future::Future, net::SocketAddr, pin::Pin, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tonic::{
    server::NamedService,
    service::Routes,
    transport::{Server, server::TcpIncoming},
};
use tonic_health::{
    ServingStatus,
    pb::health_server::{Health, HealthServer},
    server::HealthReporter,
};

use crate::{
    action::{
        Actions,
        throttle::{RateLimitSetting, Throttle},
    },
    domain::region::Region,
    proto::{
        self, admin_service_server::AdminServiceServer,
        peering_service_server::PeeringServiceServer,
        route_table_service_server::RouteTableServiceServer,
        subnet_service_server::SubnetServiceServer, vpc_service_server::VpcServiceServer,
    },
    store::{Actor, DbLocation, Owner, ScenarioLoad, StartOptions, Store},
    transport::{
        AppState,
        call_feed::CallFeed,
        console,
        context::RequestContextLayer,
        grpc::{
            admin::AdminApi, peering::PeeringApi, route::RouteTableApi, subnet::SubnetApi,
            vpc::VpcApi,
        },
        http::{self, api3::Api3, legacy::Legacy},
        probes,
        state::Nonces,
        tls::{Tls, TlsSource},
    },
};

/// Resolves on ctrl-c or SIGTERM, logging that shutdown begins. The
/// handlers are installed by this call, not when the future is first
/// polled: a SIGTERM that comes right after start-up (before the server
/// polls its shutdown future) still stops the server gracefully instead of
/// killing it.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    let signal = stop_signal();
    async move {
        signal.await;
        tracing::info!("shutting down: finishing calls in flight");
    }
}

/// A signal that asks a command to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
}

impl StopSignal {
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// The exit status of a command it stopped: 128 + its number, as a
    /// shell reports a process the signal killed.
    pub fn exit_status(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

/// Resolves with the first SIGINT (ctrl-c) or SIGTERM; its handlers are
/// installed by this call, so from here on those signals no longer kill the
/// process.
pub fn stop_signal() -> impl Future<Output = StopSignal> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(interrupt), Ok(terminate)) => Some((interrupt, terminate)),
            (Err(err), _) | (_, Err(err)) => {
                tracing::error!(error = %err, "cannot listen for SIGINT or SIGTERM");
                None
            }
        }
    };
    async move {
        #[cfg(unix)]
        match signals {
            Some((mut interrupt, mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => StopSignal::Interrupt,
                    _ = terminate.recv() => StopSignal::Terminate,
                }
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        match tokio::signal::ctrl_c().await {
            Ok(()) => StopSignal::Interrupt,
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for ctrl-c");
                std::future::pending().await
            }
        }
    }
}

/// The largest request or response of AdminService, whose LoadScenario and
/// DumpScenario carry whole scenarios: 64 MiB.
pub const MAX_SCENARIO_BYTES: usize = 64 * 1024 * 1024;
/// The largest request of PeeringService and VpcService: 8 MiB.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// Calls served at once on one connection; more wait for a slot.
pub const MAX_CALLS_PER_CONNECTION: usize = 256;

/// Everything `serve` needs besides the listener.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub db: DbLocation,
    pub default_region: Region,
    pub admin_token: Option<String>,
    /// Makes generated ids repeat from run to run.
    pub id_seed: Option<u64>,
    /// Loaded at start (into an empty database, or after a reset), and again
    /// by every Reset.
    pub start_scenario: Option<ScenarioLoad>,
    /// Empty the database at start.
    pub reset: bool,
    /// With a start scenario: keep a database that already holds state
    /// instead of refusing to start.
    pub keep_state: bool,
    /// How long calls and connections may take to finish after shutdown
    /// begins, before the server stops anyway.
    pub shutdown_grace: Duration,
    /// How often the writer folds the write-ahead log into the database
    /// file; zero leaves it to SQLite.
    pub checkpoint_interval: Duration,
    /// Serve TLS (gRPC and API 3.0 alike) with this certificate; plain
    /// text when `None`.
    pub tls: Option<TlsSource>,
    /// Requests per second per account and action (see `action::throttle`).
    pub rate_limits: Vec<RateLimitSetting>,
    /// Serve the web console at `/ui` (see `transport::console`).
    pub ui: bool,
}

/// Refuses to expose admin calls to the network without a token.
pub fn check_exposure(addr: SocketAddr, admin_token: Option<&str>) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() && admin_token.is_none_or(str::is_empty) {
        bail!(
            "refusing to listen on {addr} without an admin token: anyone who can reach it could \
             call AdminService; set --admin-token (or VPCSIM_ADMIN_TOKEN), or listen on 127.0.0.1"
        );
    }
    Ok(())
}

/// Serves until `shutdown` resolves, then finishes the calls in flight,
/// commits what the writer holds, and returns.
pub async fn run(
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener
        .local_addr()
        .context("reading the listening address")?;
    check_exposure(addr, config.admin_token.as_deref())?;
    // Before the database: a bad certificate stops the start with nothing done.
    let tls = config.tls.as_ref().map(Tls::prepare).transpose()?;
    let open = Store::start(
        &config.db,
        Owner::Server {
            address: addr.to_string(),
        },
        StartOptions {
            id_seed: config.id_seed,
            checkpoint_interval: config.checkpoint_interval,
        },
    )
    .await?;
    // However serving ends, even refused at start: commit what the writer
    // has queued, fold the log into the file, close every connection, and
    // only then let go of the file.
    let served = serve(&open.store, config, listener, shutdown, tls, addr).await;
    let stopped = open.stop().await;
    tracing::info!("vpcsim stopped");
    stopped?;
    served
}

/// Readies `store`, then serves it until `shutdown` resolves and the calls
/// in flight end.
async fn serve(
    store: &Store,
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    tls: Option<Tls>,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    prepare_state(store, &config).await?;
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let grace = config.shutdown_grace;
    let region = config.default_region;

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let calls = CallFeed::new(store.clock.clone());
    let ui = config.ui;
    let routes = build_routes(store, config, stopping, health_service, calls.clone())?;
    // Migrations ran in Store::open, so every service is ready from here.
    // From here on, health follows readiness: a writer that stops or
    // commits that fail take the server out of service, until they work.
    let watcher = tokio::spawn(follow_readiness(store.clone(), health_reporter));

    log_serving(addr, region, tls.as_ref(), ui);
    let metrics = store.metrics_handle();
    let context = RequestContextLayer::new(metrics, calls);
    let served = serve_until(routes, listener, tls, shutdown, stopping_tx, grace, context).await;
    watcher.abort();
    served.context("serving gRPC")
}

/// The reflection service's builder, with every file the server serves.
fn reflection() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
}

/// The state every call shares, and the routes that serve it: gRPC
/// services by their paths, and Tencent Cloud API 3.0 at `/`, one port,
/// one state.
fn build_routes(
    store: &Store,
    config: ServerConfig,
    stopping: tokio::sync::watch::Receiver<bool>,
    health_service: HealthServer<impl Health>,
    calls: CallFeed,
) -> anyhow::Result<Routes> {
    let ui = config.ui;
    let state = Arc::new(AppState {
        actions: Actions::new(store.clone(), Throttle::new(&config.rate_limits)),
        default_region: config.default_region,
        admin_token: config.admin_token.filter(|t| !t.is_empty()),
        start_scenario: config.start_scenario,
        stopping,
        nonces: Nonces::default(),
        started: std::time::Instant::now(),
        db_path: match &config.db {
            DbLocation::File(path) => path.display().to_string(),
            DbLocation::Temporary => ":memory:".into(),
        },
        tls: config.tls.is_some(),
        calls,
    });

    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    // HTTP/1.1 is accepted (see `serve_until`) for the SDKs and tccli.
    let grpc = Routes::new(
        PeeringServiceServer::new(PeeringApi::new(state.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    )
    .add_service(
        VpcServiceServer::new(VpcApi::new(state.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    )
    .add_service(
        SubnetServiceServer::new(SubnetApi::new(state.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    )
    .add_service(
        RouteTableServiceServer::new(RouteTableApi::new(state.clone()))
            .max_decoding_message_size(MAX_REQUEST_BYTES),
    )
    .add_service(
        AdminServiceServer::new(AdminApi::new(state.clone()))
            .max_decoding_message_size(MAX_SCENARIO_BYTES)
            .max_encoding_message_size(MAX_SCENARIO_BYTES),
    )
    .add_service(health_service)
    .add_service(reflection_v1)
    .add_service(reflection_v1alpha);
    let mut router = grpc
        .into_axum_router()
        .merge(http::routes(state.clone(), Api3))
        .merge(http::routes(state.clone(), Legacy::default()))
        .merge(probes::routes(state.clone()));
    if ui {
        router = router.merge(console::routes(state));
    }
    Ok(Routes::from(router.fallback(probes::not_found)))
}

/// Says where the server listens, and with TLS how clients trust it.
fn log_serving(addr: SocketAddr, region: Region, tls: Option<&Tls>, ui: bool) {
    if let Some(tls) = tls {
        let cert = tls.cert_path.display();
        tracing::info!(
            %cert,
            hint = %format!(
                "trust it as a CA file: SSL_CERT_FILE={cert} (Go, grpcurl), \
                 CURL_CA_BUNDLE={cert} (curl), HttpProfile(certification=\"{cert}\") \
                 (Python SDK); README has tccli and Java"
            ),
            "serving TLS only: https:// and gRPC over TLS"
        );
    }
    tracing::info!(
        %addr,
        region = region.name,
        tls = tls.is_some(),
        version = crate::version::VERSION,
        commit = crate::version::COMMIT,
        "vpcsim serving"
    );
    if ui {
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(url = %format!("{scheme}://{addr}/ui"), "console at /ui");
    }
}

/// Serves `routes` on `listener` until `shutdown` resolves and the calls
/// in flight end, or the grace period after it runs out.
async fn serve_until(
    routes: Routes,
    listener: TcpListener,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    stopping: tokio::sync::watch::Sender<bool>,
    grace: Duration,
    context: RequestContextLayer,
) -> Result<(), tonic::transport::Error> {
    // Shutdown starts when `shutdown` resolves; the grace period runs from then.
    let (shutdown_began, began) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
        let _ = shutdown_began.send(());
    };
    let grace_expired = async move {
        if began.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };

    // TCP_NODELAY: without it a response written in several pieces waits for
    // the client's delayed ACK, some 40 ms per call.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let router = Server::builder()
        .accept_http1(true)
        .concurrency_limit_per_connection(MAX_CALLS_PER_CONNECTION)
        .max_concurrent_streams(MAX_CALLS_PER_CONNECTION as u32)
        .layer(context)
        .add_routes(routes);
    let serve: Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send>> =
        match &tls {
            None => Box::pin(router.serve_with_incoming_shutdown(incoming, shutdown)),
            Some(tls) => {
                Box::pin(router.serve_with_incoming_shutdown(tls.incoming(incoming), shutdown))
            }
        };
    // Graceful shutdown waits for every connection to close; a client that
    // keeps an idle connection open must not hold the server forever.
    tokio::select! {
        served = serve => served,
        () = grace_expired => {
            tracing::warn!(grace_secs = grace.as_secs_f64(), "connections still open after the grace period; stopping");
            Ok(())
        }
    }
}

/// Readies the state a server starts with: emptied by `--reset`, then the
/// start scenario loaded into an empty database (or kept, or refused).
async fn prepare_state(store: &Store, config: &ServerConfig) -> anyhow::Result<()> {
    let start_actor = Actor {
        uin: "admin".into(),
        request_id: "start-up".into(),
        client_token: None,
    };
    if config.reset {
        store
            .reset(start_actor.clone(), None)
            .await
            .context("resetting the database")?;
    }
    let Some(load) = &config.start_scenario else {
        return Ok(());
    };
    if store.is_empty().await? {
        let summary = store
            .load_scenario(start_actor, load.clone(), Arc::default())
            .await?;
        tracing::info!(scenario = %load.source, accounts = summary.accounts, vpcs = summary.vpcs, peerings = summary.peerings, "scenario loaded");
    } else if config.keep_state {
        tracing::info!(scenario = %load.source, "the database already holds state: keeping it, not loading the scenario (--keep-state)");
    } else {
        bail!(
            "the database already holds state; pass --keep-state to keep it and load the \
             scenario only into an empty database, or --reset to replace it with the scenario"
        );
    }
    Ok(())
}

/// The services health reports on, by their gRPC names.
const SERVICES: [&str; 5] = [
    <PeeringServiceServer<PeeringApi> as NamedService>::NAME,
    <VpcServiceServer<VpcApi> as NamedService>::NAME,
    <SubnetServiceServer<SubnetApi> as NamedService>::NAME,
    <RouteTableServiceServer<RouteTableApi> as NamedService>::NAME,
    <AdminServiceServer<AdminApi> as NamedService>::NAME,
];

async fn set_health(health: &HealthReporter, status: ServingStatus) {
    for service in SERVICES {
        health.set_service_status(service, status).await;
    }
}

/// Reports every service, and the server as a whole (`""`), as readiness
/// says: SERVING while the store takes writes, NOT_SERVING while it does not
/// (the writer stopped, or its commits fail), and SERVING again once a
/// write succeeds. The writer and the readiness check log why.
async fn follow_readiness(store: Store, health: HealthReporter) {
    let mut changes = store.readiness_changes();
    let mut reported = None;
    loop {
        let status = match store.readiness() {
            Ok(()) => ServingStatus::Serving,
            Err(_) => ServingStatus::NotServing,
        };
        if reported != Some(status) {
            set_health(&health, status).await;
            health.set_service_status("", status).await;
            reported = Some(status);
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = store.writer_failed() => {}
        }
        if store.check_writer().is_err() {
            set_health(&health, ServingStatus::NotServing).await;
            health
                .set_service_status("", ServingStatus::NotServing)
                .await;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_calls_reach_beyond_loopback_only_with_a_token() {
        let loopback: SocketAddr = "127.0.0.1:50051".parse().unwrap();
        let v6_loopback: SocketAddr = "[::1]:50051".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:50051".parse().unwrap();
        assert!(check_exposure(loopback, None).is_ok());
        assert!(check_exposure(v6_loopback, None).is_ok());
        assert!(check_exposure(everywhere, None).is_err());
        assert!(check_exposure(everywhere, Some("")).is_err());
        assert!(check_exposure(everywhere, Some("s3cret")).is_ok());
    }
}
