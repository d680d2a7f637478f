//! Domain rules: ids, names, regions, CIDR blocks, quotas, the peering state
//! machine and its rules, subnets, route tables and routes. No I/O here: storage loads facts, these decide.

pub mod actions;
pub mod cidr;
pub mod error;
pub mod events;
pub mod faults;
pub mod ids;
pub mod link;
pub mod names;
pub mod peering;
pub mod quota;
pub mod region;
pub mod route;
pub mod rules;
pub mod subnet;
pub mod time;

pub use error::{ApiError, ApiResult, ErrorCode};
