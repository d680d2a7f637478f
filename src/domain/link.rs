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

/// What a front end calls each option, for its messages.
pub struct LinkFieldNames {
    pub bandwidth: &'static str,
    pub charge_type: &'static str,
    pub link_type: &'static str,
    pub qos_level: &'static str,
    pub tags: &'static str,
}

/// The options a request or a file gives; `None` takes the default.
#[derive(Debug, Clone, Default)]
pub struct GivenLinkOptions<'a> {
    pub bandwidth: Option<i64>,
    pub charge_type: Option<&'a str>,
    pub link_type: Option<&'a str>,
    pub qos_level: Option<&'a str>,
    pub tags: Vec<Tag>,
}

/// Every bad option, with the name of its field; never empty.
#[derive(Debug, Clone)]
pub struct LinkProblems(pub Vec<(&'static str, ApiError)>);

/// The first problem, for a front end that reports one.
impl From<LinkProblems> for ApiError {
    fn from(problems: LinkProblems) -> Self {
        problems
            .0
            .into_iter()
            .next()
            .map_or_else(ApiError::internal, |(_, err)| err)
    }
}

impl LinkOptions {
    /// The options `given` sets, checked: each bad one is reported, named
    /// as `names` says.
    pub fn from_given(
        given: GivenLinkOptions<'_>,
        names: &LinkFieldNames,
    ) -> Result<LinkOptions, LinkProblems> {
        let defaults = LinkOptions::default();
        let mut problems = Vec::new();
        let mut pick = |value: Option<&str>, allowed: &[&'static str], field, default| match value
            .map(|v| one_of(v, allowed, field))
        {
            None => default,
            Some(Ok(value)) => value,
            Some(Err(err)) => {
                problems.push((field, err));
                String::new()
            }
        };
        let link = LinkOptions {
            charge_type: pick(
                given.charge_type,
                &CHARGE_TYPES,
                names.charge_type,
                defaults.charge_type,
            ),
            link_type: pick(
                given.link_type,
                &LINK_TYPES,
                names.link_type,
                defaults.link_type,
            ),
            qos_level: pick(
                given.qos_level,
                &QOS_LEVELS,
                names.qos_level,
                defaults.qos_level,
            ),
            bandwidth: given.bandwidth.unwrap_or(defaults.bandwidth),
            tags: given.tags,
        };
        if let Err(err) = check_bandwidth(link.bandwidth, names.bandwidth) {
            problems.push((names.bandwidth, err));
        }
        if let Err(err) = check_tags(&link.tags, names.tags) {
            problems.push((names.tags, err));
        }
        if problems.is_empty() {
            Ok(link)
        } else {
            Err(LinkProblems(problems))
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
    fn given_options_take_defaults_and_report_every_bad_one_by_its_name() {
        let names = LinkFieldNames {
            bandwidth: "Bandwidth",
            charge_type: "ChargeType",
            link_type: "Type",
            qos_level: "QosLevel",
            tags: "Tags",
        };
        let none = LinkOptions::from_given(GivenLinkOptions::default(), &names).unwrap();
        assert_eq!(none, LinkOptions::default());
        let set = LinkOptions::from_given(
            GivenLinkOptions {
                bandwidth: Some(10),
                qos_level: Some("PT"),
                ..Default::default()
            },
            &names,
        )
        .unwrap();
        assert_eq!((set.bandwidth, set.qos_level.as_str()), (10, "PT"));
        let bad = LinkOptions::from_given(
            GivenLinkOptions {
                bandwidth: Some(-1),
                charge_type: Some("FREE"),
                tags: vec![tag("", "")],
                ..Default::default()
            },
            &names,
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["ChargeType", "Bandwidth", "Tags"]);
        assert!(ApiError::from(bad).message.contains("ChargeType \"FREE\""));
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
