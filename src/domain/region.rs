//! The fixed table of regions, with the legacy short names that the old API
//! used and that prefix legacy VPC ids (`gz_vpc_226`).

use super::error::{ApiError, ErrorCode};

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
                ApiError::new(
                    ErrorCode::UnsupportedRegion,
                    format!("region {text:?} is not supported"),
                )
            })
    }

    /// The region whose legacy short name prefixes a legacy VPC id.
    pub fn from_short(short: &str) -> Option<Region> {
        REGIONS.iter().find(|r| r.short == short).copied()
    }
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
    }
}
