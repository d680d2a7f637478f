//! Which vpcsim this is: its version, the commit it was built from and the
//! date of the build, as `vpcsim --version`, the `vpcsim serving` log line
//! and `AdminService.GetServerInfo` report them. `build.rs` stamps the
//! commit (`git rev-parse --short=12 HEAD`, the `VPCSIM_COMMIT` variable
//! of the build, or `unknown`) and the date (UTC, of `SOURCE_DATE_EPOCH`
//! when set).

/// The crate's version, such as `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit built: 12 hex digits, or `unknown` (built outside git).
pub const COMMIT: &str = env!("VPCSIM_COMMIT");
/// The UTC date of the build, YYYY-MM-DD.
pub const BUILD_DATE: &str = env!("VPCSIM_BUILD_DATE");

/// What `--version` prints after the program's name; a constant for clap.
pub(crate) const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("VPCSIM_COMMIT"),
    ", built ",
    env!("VPCSIM_BUILD_DATE"),
    ")"
);

/// `0.1.0 (commit 1a2b3c4d5e6f, built 2026-12-06)`: the `--version` text
/// without the program's name.
pub fn long() -> String {
    LONG.to_owned()
}

/// The build, for machine readers (JSON, metrics labels).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BuildInfo {
    pub version: &'static str,
    pub commit: &'static str,
    pub build_date: &'static str,
}

pub fn build_info() -> BuildInfo {
    BuildInfo {
        version: VERSION,
        commit: COMMIT,
        build_date: BUILD_DATE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_version_names_version_commit_and_date() {
        assert_eq!(
            long(),
            format!("{VERSION} (commit {COMMIT}, built {BUILD_DATE})")
        );
        assert!(
            COMMIT == "unknown"
                || (COMMIT.len() == 12 && COMMIT.bytes().all(|b| b.is_ascii_hexdigit())),
            "{COMMIT}"
        );
        let date = BUILD_DATE.as_bytes();
        assert!(
            date.len() == 10
                && date[4] == b'-'
                && date[7] == b'-'
                && date
                    .iter()
                    .enumerate()
                    .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit()),
            "{BUILD_DATE}"
        );
        let json = serde_json::to_value(build_info()).unwrap();
        assert_eq!(json["version"], VERSION);
        assert_eq!(json["commit"], COMMIT);
        assert_eq!(json["build_date"], BUILD_DATE);
    }
}
