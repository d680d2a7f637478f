//! The running build's version, commit and build date.

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit it was built from, or `unknown`.
pub const COMMIT: &str = "unknown";
/// The day it was built, UTC.
pub const BUILD_DATE: &str = "unknown";
