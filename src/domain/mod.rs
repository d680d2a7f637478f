//! Domain rules: ids, names, regions, CIDR blocks, quotas, the peering state
//! machine and its rules. No I/O here: storage loads facts, these decide.

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
pub mod rules;
pub mod time;

pub use error::{ApiError, ApiResult, ErrorCode};
