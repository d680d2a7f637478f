//! Subnets: the zones of each region, and the rules a subnet's block keeps
//! inside its VPC. Pure functions of what the caller hands in, so that the
//! API (over the model) and the scenario loader (over its plan) check the
//! same things with the same words.

use super::{
    cidr::CidrBlock,
    error::{ApiError, ErrorCode},
    quota::QuotaName,
    region::Region,
};

/// The largest subnet, by prefix length: "最大网段子网掩码为16 (65,536个IP地址)".
pub const MIN_SUBNET_PREFIX: u8 = 16;
/// The smallest subnet: "最小网段子网掩码为28 (有16个IP地址)".
pub const MAX_SUBNET_PREFIX: u8 = 28;
/// Addresses of every subnet the cloud keeps for itself: the first two
/// (the network address and the gateway) and the last.
pub const RESERVED_ADDRESSES: i64 = 3;

/// The availability zones of each region vpcsim serves: the CVM SDK's
/// `ZoneInfo.Zone` list (https://cloud.tencent.com/document/product/1596/77932),
/// sold-out zones included (sold out is about instances, not subnets);
/// na-toronto-1 from the older "Regions and Availability Zones" page.
const ZONES: &[(&str, &[&str])] = &[
    (
        "ap-guangzhou",
        &[
            "ap-guangzhou-1",
            "ap-guangzhou-2",
            "ap-guangzhou-3",
            "ap-guangzhou-4",
            "ap-guangzhou-6",
            "ap-guangzhou-7",
        ],
    ),
    (
        "ap-shanghai",
        &[
            "ap-shanghai-1",
            "ap-shanghai-2",
            "ap-shanghai-3",
            "ap-shanghai-4",
            "ap-shanghai-5",
            "ap-shanghai-8",
        ],
    ),
    (
        "ap-beijing",
        &[
            "ap-beijing-1",
            "ap-beijing-2",
            "ap-beijing-3",
            "ap-beijing-4",
            "ap-beijing-5",
            "ap-beijing-6",
            "ap-beijing-7",
        ],
    ),
    ("ap-chengdu", &["ap-chengdu-1", "ap-chengdu-2"]),
    (
        "ap-hongkong",
        &["ap-hongkong-1", "ap-hongkong-2", "ap-hongkong-3"],
    ),
    (
        "ap-singapore",
        &[
            "ap-singapore-1",
            "ap-singapore-2",
            "ap-singapore-3",
            "ap-singapore-4",
        ],
    ),
    ("ap-seoul", &["ap-seoul-1", "ap-seoul-2"]),
    ("na-toronto", &["na-toronto-1"]),
    (
        "na-siliconvalley",
        &["na-siliconvalley-1", "na-siliconvalley-2"],
    ),
    ("eu-frankfurt", &["eu-frankfurt-1", "eu-frankfurt-2"]),
];

/// The numeric id of each zone above, as the legacy API (`zoneId`) and
/// Tencent Cloud's "Regions and Availability Zones" table number them: the
/// region's number times 10,000 plus the zone's. Sources: the ZoneId column
/// of https://cloud.tencent.com/document/product/239/4106 (Guangzhou,
/// Shanghai, Beijing, Chengdu), the legacy DescribeAvailabilityZones page
/// https://cloud.tencent.com/doc/api/229/1286 (Hong Kong 1, Singapore 1,
/// Silicon Valley 1, Frankfurt 1, Seoul 1), and a third party's zone map
/// (Hong Kong 2 and 3, Seoul 2, Toronto 1, Silicon Valley 2). Guangzhou 1
/// and 2, Shanghai 1, Singapore 2 to 4 and Frankfurt 2 are not in any
/// source found: they follow the rule.
const ZONE_IDS: &[(&str, u32)] = &[
    ("ap-guangzhou-1", 100_001),
    ("ap-guangzhou-2", 100_002),
    ("ap-guangzhou-3", 100_003),
    ("ap-guangzhou-4", 100_004),
    ("ap-guangzhou-6", 100_006),
    ("ap-guangzhou-7", 100_007),
    ("ap-shanghai-1", 200_001),
    ("ap-shanghai-2", 200_002),
    ("ap-shanghai-3", 200_003),
    ("ap-shanghai-4", 200_004),
    ("ap-shanghai-5", 200_005),
    ("ap-shanghai-8", 200_008),
    ("ap-beijing-1", 800_001),
    ("ap-beijing-2", 800_002),
    ("ap-beijing-3", 800_003),
    ("ap-beijing-4", 800_004),
    ("ap-beijing-5", 800_005),
    ("ap-beijing-6", 800_006),
    ("ap-beijing-7", 800_007),
    ("ap-chengdu-1", 160_001),
    ("ap-chengdu-2", 160_002),
    ("ap-hongkong-1", 300_001),
    ("ap-hongkong-2", 300_002),
    ("ap-hongkong-3", 300_003),
    ("ap-singapore-1", 900_001),
    ("ap-singapore-2", 900_002),
    ("ap-singapore-3", 900_003),
    ("ap-singapore-4", 900_004),
    ("ap-seoul-1", 180_001),
    ("ap-seoul-2", 180_002),
    ("na-toronto-1", 400_001),
    ("na-siliconvalley-1", 150_001),
    ("na-siliconvalley-2", 150_002),
    ("eu-frankfurt-1", 170_001),
    ("eu-frankfurt-2", 170_002),
];

/// The numeric id of a zone (`ap-guangzhou-3` is 100003).
pub fn zone_id(zone: &str) -> Option<u32> {
    ZONE_IDS
        .iter()
        .find(|(name, _)| *name == zone)
        .map(|(_, id)| *id)
}

/// The zone of a numeric id, in any region.
pub fn zone_of_id(id: u32) -> Option<&'static str> {
    ZONE_IDS
        .iter()
        .find(|(_, number)| *number == id)
        .map(|(name, _)| *name)
}

/// The zones of `region`, in order.
pub fn zones(region: Region) -> &'static [&'static str] {
    ZONES
        .iter()
        .find(|(name, _)| *name == region.name)
        .map_or(&[], |(_, zones)| zones)
}

/// Checks that `zone` is a zone of `region`.
pub fn check_zone(region: Region, zone: &str, field: &'static str) -> Result<(), ApiError> {
    if zone.is_empty() {
        return Err(ApiError::missing(field));
    }
    if zones(region).contains(&zone) {
        return Ok(());
    }
    Err(ApiError::field(
        ErrorCode::InvalidParameterValue,
        field,
        format!(
            "{field} {zone:?} is not a zone of {}; its zones are {}",
            region.name,
            zones(region).join(", ")
        ),
    ))
}

/// Checks a new subnet's block against its VPC: the prefix the cloud
/// allows, inside one of the VPC's blocks (or equal to it), and clear of
/// the VPC's other subnets (`siblings`, each with its id).
pub fn check_subnet_block(
    vpc: &str,
    vpc_blocks: &[CidrBlock],
    siblings: &[(&str, CidrBlock)],
    block: CidrBlock,
    field: &'static str,
) -> Result<(), ApiError> {
    let prefix = block.net().prefix_len();
    if !(MIN_SUBNET_PREFIX..=MAX_SUBNET_PREFIX).contains(&prefix) {
        return Err(ApiError::field(
            ErrorCode::SubnetRange,
            field,
            format!(
                "{field} {block}: a subnet's prefix must be from /{MIN_SUBNET_PREFIX} to /{MAX_SUBNET_PREFIX}"
            ),
        ));
    }
    if !vpc_blocks.iter().any(|b| b.net().contains(&block.net())) {
        let blocks: Vec<String> = vpc_blocks.iter().map(ToString::to_string).collect();
        return Err(ApiError::field(
            ErrorCode::SubnetRange,
            field,
            format!(
                "{field} {block} is not inside a block of vpc {vpc} ({})",
                blocks.join(", ")
            ),
        ));
    }
    if let Some((id, other)) = siblings.iter().find(|(_, other)| other.overlaps(&block)) {
        return Err(ApiError::field(
            ErrorCode::SubnetConflict,
            field,
            format!("{field} {block} overlaps {other} of subnet {id} in vpc {vpc}"),
        ));
    }
    Ok(())
}

/// Checks that a VPC with `count` subnets may have `adding` more.
pub fn check_subnet_count(
    vpc: &str,
    count: usize,
    adding: usize,
    limit: i64,
) -> Result<(), ApiError> {
    if (count + adding) as i64 <= limit {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::LimitExceeded,
        format!(
            "vpc {vpc} has {count} subnets and {adding} more would pass quota {} of {limit}",
            QuotaName::MaxSubnets.as_str()
        ),
    ))
}

/// Checks that a VPC may be deleted as far as its subnets go: the cloud
/// refuses while any is left (delete them first).
pub fn check_no_subnets(vpc: &str, subnets: &[&str]) -> Result<(), ApiError> {
    match subnets.first() {
        None => Ok(()),
        Some(first) => Err(ApiError::new(
            ErrorCode::ResourceInUse,
            format!(
                "vpc {vpc} has {} subnets, such as {first}; delete them first",
                subnets.len()
            ),
        )),
    }
}

/// Checks that a VPC block may go: no subnet of the VPC lies in it.
pub fn check_block_has_no_subnets(
    vpc: &str,
    block: CidrBlock,
    subnets: &[(&str, CidrBlock)],
) -> Result<(), ApiError> {
    match subnets.iter().find(|(_, s)| block.net().contains(&s.net())) {
        None => Ok(()),
        Some((id, subnet)) => Err(ApiError::new(
            ErrorCode::ResourceInUse,
            format!("{block} of vpc {vpc} holds subnet {id} ({subnet}); delete it first"),
        )),
    }
}

/// The addresses of a subnet, and those a resource may still take.
pub fn address_counts(block: CidrBlock) -> (i64, i64) {
    let total = 1_i64 << (32 - u32::from(block.net().prefix_len()));
    (total, (total - RESERVED_ADDRESSES).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::region::DEFAULT_REGION;

    fn block(text: &str) -> CidrBlock {
        CidrBlock::parse(text, "b").expect("a valid block")
    }

    #[test]
    fn a_subnet_lies_inside_a_vpc_block_and_clear_of_its_siblings() {
        let vpc = [block("10.0.0.0/16"), block("172.16.0.0/24")];
        let check = |b: &str, siblings: &[(&str, CidrBlock)]| {
            check_subnet_block("vpc-1", &vpc, siblings, block(b), "cidr_block").map_err(|e| e.code)
        };
        assert_eq!(check("10.0.0.0/16", &[]), Ok(()), "equal to the vpc block");
        assert_eq!(
            check("172.16.0.0/28", &[]),
            Ok(()),
            "inside an assistant block"
        );
        assert_eq!(check("10.1.0.0/24", &[]), Err(ErrorCode::SubnetRange));
        assert_eq!(check("172.16.0.0/23", &[]), Err(ErrorCode::SubnetRange));
        let siblings = [("subnet-a", block("10.0.1.0/24"))];
        assert_eq!(
            check("10.0.1.128/25", &siblings),
            Err(ErrorCode::SubnetConflict)
        );
        assert_eq!(
            check("10.0.0.0/20", &siblings),
            Err(ErrorCode::SubnetConflict)
        );
        assert_eq!(check("10.0.2.0/24", &siblings), Ok(()));
    }

    #[test]
    fn a_subnet_prefix_is_from_16_to_28() {
        let vpc = [block("10.0.0.0/12")];
        let check = |b: &str| check_subnet_block("v", &vpc, &[], block(b), "c").map_err(|e| e.code);
        assert_eq!(check("10.0.0.0/15"), Err(ErrorCode::SubnetRange));
        assert_eq!(check("10.0.0.0/16"), Ok(()));
        assert_eq!(check("10.0.0.0/28"), Ok(()));
        let too_small = CidrBlock::parse_stored("10.0.0.0/29").expect("a network");
        assert_eq!(
            check_subnet_block("v", &vpc, &[], too_small, "c").map_err(|e| e.code),
            Err(ErrorCode::SubnetRange)
        );
    }

    #[test]
    fn zones_belong_to_their_region() {
        assert_eq!(check_zone(DEFAULT_REGION, "ap-guangzhou-3", "zone"), Ok(()));
        let err =
            check_zone(DEFAULT_REGION, "ap-shanghai-2", "zone").expect_err("another region's");
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(err.message.contains("ap-guangzhou-3"), "{}", err.message);
        assert_eq!(
            check_zone(DEFAULT_REGION, "", "zone").map_err(|e| e.code),
            Err(ErrorCode::MissingParameter)
        );
        for region in crate::domain::region::REGIONS {
            assert!(!zones(*region).is_empty(), "{} has zones", region.name);
        }
    }

    #[test]
    fn every_zone_has_one_numeric_id() {
        let all: Vec<&str> = ZONES.iter().flat_map(|(_, z)| z.iter().copied()).collect();
        assert_eq!(all.len(), ZONE_IDS.len(), "one id per zone");
        for zone in all {
            let id = zone_id(zone).unwrap_or_else(|| panic!("{zone} has no id"));
            assert_eq!(zone_of_id(id), Some(zone), "{id}");
            let number: u32 = zone.rsplit('-').next().unwrap().parse().unwrap();
            assert_eq!(id % 10_000, number, "{zone}: the zone's own number");
        }
        assert_eq!(zone_id("ap-beijing-1"), Some(800_001));
        assert_eq!(zone_of_id(100_003), Some("ap-guangzhou-3"));
        assert_eq!(zone_of_id(100_005), None, "not a zone vpcsim serves");
    }

    #[test]
    fn quota_and_deletion() {
        assert!(check_subnet_count("v", 99, 1, 100).is_ok());
        assert_eq!(
            check_subnet_count("v", 99, 2, 100).map_err(|e| e.code),
            Err(ErrorCode::LimitExceeded)
        );
        assert!(check_no_subnets("v", &[]).is_ok());
        let err = check_no_subnets("v", &["subnet-a"]).expect_err("in use");
        assert_eq!(err.code, ErrorCode::ResourceInUse);
        assert_eq!(address_counts(block("10.0.0.0/24")), (256, 253));
        let subnets = [("subnet-a", block("172.16.0.0/26"))];
        assert_eq!(
            check_block_has_no_subnets("v", block("172.16.0.0/24"), &subnets).map_err(|e| e.code),
            Err(ErrorCode::ResourceInUse)
        );
        assert!(check_block_has_no_subnets("v", block("172.17.0.0/24"), &subnets).is_ok());
        assert_eq!(address_counts(block("10.0.0.0/28")), (16, 13));
    }
}
