//! vpcsim: a persistent simulator of Tencent Cloud's VPC peering API,
//! served over gRPC and over the cloud's own HTTP APIs (API 3.0 and the
//! legacy API) on one port.
//!
//! The crate is layered, each layer using only the ones above it:
//!
//! - [`version`]: which build this is (version, commit, build date).
//! - [`domain`]: the rules (ids, names, CIDR overlap, quotas, the peering
//!   state machine). Pure functions, no I/O.
//! - [`scenario`]: scenario files (parse, validate against the rules,
//!   generate), pure like the domain.
//! - [`topology`]: the network as the console and `dump --format
//!   dot|mermaid` draw it, built from a dump; pure like the domain.
//! - [`store`]: SQLite through sqlx. One writer task commits every change;
//!   reads use a pool.
//! - [`action`]: one typed operation per action and the one entry point
//!   every call goes through (writer check, rate limit, fault rules, the
//!   store call).
//! - [`transport`]: the front ends, codecs over the action layer: the
//!   tonic services, API 3.0 and the legacy API; authentication, error
//!   shapes, request ids and logs.
//! - [`server`]: builds and runs the whole server on a listener.
//! - [`client`]: how the vpcsim commands reach a running server: the gRPC
//!   channel, AdminService calls with the admin token, their errors.
//! - [`cli`]: the `vpcsim` command line.
//! - [`bench`]: the load generator behind `vpcsim bench` and BENCHMARKS.md.

pub mod action;
pub mod bench;
pub mod cli;
pub mod client;
pub mod domain;
pub mod metrics;
pub mod scenario;
pub mod server;
pub mod store;
pub mod topology;
pub mod transport;
pub mod version;

/// The generated protobuf types and gRPC stubs.
pub mod proto {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("vpcsim.v1");

    /// Everything in the `vpcsim.v1` protos, for the reflection service.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("vpcsim_descriptor");
}
