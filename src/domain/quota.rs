//! The quotas an account has per region, with Tencent Cloud's defaults.

use super::error::{ApiError, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotaName {
    /// VPCs per account and region.
    MaxVpcs,
    /// Live (PENDING or ACTIVE) peerings per VPC.
    MaxVpcPeers,
    /// ACTIVE peerings per VPC.
    MaxAvailableVpcPeers,
    /// Assistant CIDR blocks per VPC.
    MaxAssistantCidrs,
    /// Subnets per VPC.
    MaxSubnets,
    /// Route tables per VPC, its default one included.
    MaxRouteTables,
    /// Routes per route table.
    MaxRoutes,
}

impl QuotaName {
    pub const ALL: [QuotaName; 7] = [
        QuotaName::MaxVpcs,
        QuotaName::MaxVpcPeers,
        QuotaName::MaxAvailableVpcPeers,
        QuotaName::MaxAssistantCidrs,
        QuotaName::MaxSubnets,
        QuotaName::MaxRouteTables,
        QuotaName::MaxRoutes,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            QuotaName::MaxVpcs => "appid-max-vpcs",
            QuotaName::MaxVpcPeers => "vpc-max-vpcpeers",
            QuotaName::MaxAvailableVpcPeers => "vpc-max-available-vpcpeers",
            QuotaName::MaxAssistantCidrs => "vpc-max-assistant_cidrs",
            QuotaName::MaxSubnets => "vpc-max-subnets",
            QuotaName::MaxRouteTables => "vpc-max-route-tables",
            QuotaName::MaxRoutes => "route-table-max-policies",
        }
    }

    pub const fn default_limit(self) -> i64 {
        match self {
            QuotaName::MaxVpcs => 20,
            QuotaName::MaxVpcPeers => 10,
            QuotaName::MaxAvailableVpcPeers => 10,
            QuotaName::MaxAssistantCidrs => 5,
            QuotaName::MaxSubnets => 100,
            QuotaName::MaxRouteTables => 10,
            QuotaName::MaxRoutes => 50,
        }
    }

    pub fn parse(text: &str, field: &'static str) -> Result<QuotaName, ApiError> {
        if text.is_empty() {
            return Err(ApiError::missing(field));
        }
        Self::ALL
            .into_iter()
            .find(|q| q.as_str() == text)
            .ok_or_else(|| {
                let known: Vec<_> = Self::ALL.iter().map(|q| q.as_str()).collect();
                ApiError::field(
                    ErrorCode::InvalidParameterValue,
                    field,
                    format!("{field} {text:?} is not one of {}", known.join(", ")),
                )
            })
    }
}

/// Largest quota limit accepted; keeps counts far from integer overflow.
pub const MAX_QUOTA_LIMIT: i64 = 1_000_000_000;

pub fn validate_limit(limit: i64, field: &'static str) -> Result<(), ApiError> {
    if (0..=MAX_QUOTA_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            field,
            format!("{field} {limit} is outside 0 to {MAX_QUOTA_LIMIT}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_defaults_match_tencent() {
        for q in QuotaName::ALL {
            assert_eq!(QuotaName::parse(q.as_str(), "quota_name").unwrap(), q);
        }
        assert_eq!(QuotaName::MaxVpcPeers.default_limit(), 10);
        assert_eq!(
            QuotaName::parse("vpc-max-nothing", "quota_name")
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        assert!(validate_limit(-1, "limit").is_err());
        assert!(validate_limit(0, "limit").is_ok());
    }
}
