//! A peering's link options as Tencent Cloud API 3.0 sets them: bandwidth
//! cap, billing mode, link type, service level, and tags. vpcsim keeps and
//! returns them; no rule depends on them.

use super::error::{ApiError, ErrorCode};

/// The billing modes of a peering.
pub const CHARGE_TYPES: [&str; 2] = ["POSTPAID_BY_DAY_MAX", "POSTPAID_BY_MONTH_95"];
/// `VPC_PEER` joins two VPCs; `VPC_BM_PEER` a VPC and a bare-metal network.
pub const LINK_TYPES: [&str; 2] = ["VPC_PEER", "VPC_BM_PEER"];
/// Service levels, best first.
pub const QOS_LEVELS: [&str; 3] = ["PT", "AU", "AG"];
/// The largest bandwidth cap, in Mbps.
pub const MAX_BANDWIDTH: i64 = 1_000_000;
/// Tags a peering may carry, and the lengths of a tag's key and value
/// (Tencent Cloud's tag limits).
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_CHARS: usize = 127;
pub const MAX_TAG_VALUE_CHARS: usize = 255;

/// A tag: as stored and in scenarios `{key, value}`; API 3.0 spells them
/// `Key` and `Value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The options of one peering. `Default` is what a create that names none
/// gets: no bandwidth cap (0), daily-peak billing, a VPC-to-VPC link, AU.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkOptions {
    /// Mbps; 0 when no cap was set.
    pub bandwidth: i64,
    pub charge_type: String,
    pub link_type: String,
    pub qos_level: String,
    pub tags: Vec<Tag>,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            bandwidth: 0,
            charge_type: CHARGE_TYPES[0].into(),
            link_type: LINK_TYPES[0].into(),
            qos_level: "AU".into(),
            tags: Vec::new(),
        }
    }
}

/// `value`, if it is one of `allowed`, as that constant.
pub fn one_of(value: &str, allowed: &[&'static str], field: &str) -> Result<String, ApiError> {
    match allowed.iter().find(|a| **a == value) {
        Some(found) => Ok((*found).to_owned()),
        None => Err(ApiError::new(
            ErrorCode::InvalidParameterValue,
            format!("{field} {value:?} must be one of {}", allowed.join(", ")),
        )),
    }
}

pub fn check_bandwidth(bandwidth: i64, field: &str) -> Result<i64, ApiError> {
    if (0..=MAX_BANDWIDTH).contains(&bandwidth) {
        Ok(bandwidth)
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidParameterValueRange,
            format!("{field} {bandwidth} must be from 0 to {MAX_BANDWIDTH} (Mbps)"),
        ))
    }
}

/// Checks a tag list: at most `MAX_TAGS`, keys 1 to 127 characters and
/// unique, values up to 255.
pub fn check_tags(tags: &[Tag], field: &str) -> Result<(), ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidParameterValue, message);
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterValueRange,
            format!(
                "{field} has {} tags; a peering carries at most {MAX_TAGS}",
                tags.len()
            ),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        let keys = tag.key.chars().count();
        if keys == 0 || keys > MAX_TAG_KEY_CHARS {
            return Err(invalid(format!(
                "{field}[{i}].Key must be 1 to {MAX_TAG_KEY_CHARS} characters, got {keys}"
            )));
        }
        let values = tag.value.chars().count();
        if values > MAX_TAG_VALUE_CHARS {
            return Err(invalid(format!(
                "{field}[{i}].Value must be at most {MAX_TAG_VALUE_CHARS} characters, got {values}"
            )));
        }
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(invalid(format!(
                "{field}[{i}].Key {:?} is given twice",
                tag.key
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn options_take_only_their_listed_values() {
        assert_eq!(
            one_of("POSTPAID_BY_MONTH_95", &CHARGE_TYPES, "ChargeType").unwrap(),
            "POSTPAID_BY_MONTH_95"
        );
        let err = one_of("monthly", &CHARGE_TYPES, "ChargeType").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(
            err.message
                .contains("POSTPAID_BY_DAY_MAX, POSTPAID_BY_MONTH_95")
        );
        assert!(one_of("au", &QOS_LEVELS, "QosLevel").is_err());
        assert_eq!(check_bandwidth(0, "Bandwidth").unwrap(), 0);
        assert_eq!(
            check_bandwidth(-1, "Bandwidth").unwrap_err().code,
            ErrorCode::InvalidParameterValueRange
        );
        assert!(check_bandwidth(MAX_BANDWIDTH + 1, "Bandwidth").is_err());
    }

    #[test]
    fn tags_need_unique_keys_within_limits() {
        assert!(check_tags(&[tag("team", "qa"), tag("env", "")], "Tags").is_ok());
        let twice = check_tags(&[tag("team", "qa"), tag("team", "ops")], "Tags").unwrap_err();
        assert!(
            twice
                .message
                .contains("Tags[1].Key \"team\" is given twice")
        );
        assert!(check_tags(&[tag("", "x")], "Tags").is_err());
        assert!(check_tags(&[tag(&"k".repeat(128), "x")], "Tags").is_err());
        assert!(check_tags(&[tag("k", &"v".repeat(256))], "Tags").is_err());
        let many: Vec<Tag> = (0..51).map(|i| tag(&i.to_string(), "")).collect();
        assert_eq!(
            check_tags(&many, "Tags").unwrap_err().code,
            ErrorCode::InvalidParameterValueRange
        );
    }
}
