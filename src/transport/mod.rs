//! gRPC transport: the tonic services, caller and region from metadata,
//! error mapping, request ids and call logs.

pub mod admin;
pub mod api3;
pub mod auth;
pub mod context;
pub mod control;
pub mod convert;
pub mod faults;
pub mod http_json;
pub mod legacy;
pub mod peering;
pub mod signing;
pub mod status;
pub mod throttle;
pub mod tls;
pub mod vpc;

pub use auth::AppState;
