//! The front ends: three codecs over the action layer (`crate::action`).
//! Each authenticates its callers, decodes its wire into an operation,
//! runs it through `Actions::run`, and encodes the answer:
//!
//! - [`grpc`]: the tonic services (Peering, Vpc, and Admin, which drives
//!   the store's controls directly), `x-tc-region` and bearer SecretIds,
//!   and the error shape of gRPC statuses;
//! - [`http`]: Tencent Cloud's own HTTP APIs on the same port, API 3.0
//!   (TC3 and the older signature) and the legacy `/v2/index.php`, with
//!   the scaffolding and signature checks they share.
//!
//! Beside them: the operator's endpoints (`probes`: health, readiness,
//! metrics, version), the web console (`console`, with `serve --ui`) and
//! the feed of finished calls it follows (`call_feed`), the per-request context every call gets (a request id,
//! and one log line from its `request_log`), the shared server state,
//! request signatures and TLS.

pub mod call_feed;
pub mod console;
pub mod context;
pub mod grpc;
pub mod http;
pub mod probes;
pub mod request_log;
pub mod signing;
pub mod state;
pub mod tls;

pub use state::AppState;
