//! The fixed table of regions, with the legacy short names that the old API
//! used and that prefix legacy VPC ids (`gz_vpc_226`).

use super::error::{ApiError, ErrorCode, truncate_message};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    pub name: &'static str,
    pub short: &'static str,
}

/// The region of calls and scenario entries that name none, unless told.
pub const DEFAULT_REGION: Region = Region {
    name: "ap-guangzhou",
    short: "gz",
};

pub const REGIONS: &[Region] = &[
    Region {
        name: "ap-guangzhou",
        short: "gz",
    },
    Region {
        name: "ap-shanghai",
        short: "sh",
    },
    Region {
        name: "ap-beijing",
        short: "bj",
    },
    Region {
        name: "ap-chengdu",
        short: "cd",
    },
    Region {
        name: "ap-hongkong",
        short: "hk",
    },
    Region {
        name: "ap-singapore",
        short: "sg",
    },
    Region {
        name: "ap-seoul",
        short: "kr",
    },
    Region {
        name: "na-toronto",
        short: "ca",
    },
    Region {
        name: "na-siliconvalley",
        short: "usw",
    },
    Region {
        name: "eu-frankfurt",
        short: "de",
    },
];

impl Region {
    /// Accepts a current name (`ap-guangzhou`) or a legacy short name (`gz`).
    pub fn parse(text: &str) -> Result<Region, ApiError> {
        REGIONS
            .iter()
            .find(|r| r.name == text || r.short == text)
            .copied()
            .ok_or_else(|| {
                // Quote little of what was sent, so that the list fits.
                let quoted = truncate_message(text.to_owned(), 64);
                unsupported(&format!("region {quoted:?} is not supported"))
            })
    }

    /// Every region, both name forms: `ap-guangzhou (gz), ap-shanghai (sh), …`.
    pub fn supported() -> String {
        REGIONS
            .iter()
            .map(|r| format!("{} ({})", r.name, r.short))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The region whose legacy short name prefixes a legacy VPC id.
    pub fn from_short(short: &str) -> Option<Region> {
        REGIONS.iter().find(|r| r.short == short).copied()
    }
}

/// `UnsupportedRegion` with `what` went wrong and the regions that would work.
pub fn unsupported(what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedRegion,
        format!("{what}; use one of {}", Region::supported()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_name_forms_parse_to_the_same_region() {
        assert_eq!(
            Region::parse("gz").unwrap(),
            Region::parse("ap-guangzhou").unwrap()
        );
        assert_eq!(Region::parse("usw").unwrap().name, "na-siliconvalley");
    }

    #[test]
    fn unknown_region_is_unsupported() {
        let err = Region::parse("mars-1").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedRegion);
        assert!(err.message.starts_with(
            "region \"mars-1\" is not supported; use one of ap-guangzhou (gz), ap-shanghai (sh),"
        ));
        assert!(err.message.ends_with("eu-frankfurt (de)"));
    }

    #[test]
    fn a_long_unknown_region_leaves_room_for_the_list() {
        let err = Region::parse(&"x".repeat(100_000)).unwrap_err();
        assert!(
            err.message.ends_with("eu-frankfurt (de)"),
            "{}",
            err.message
        );
    }
}
