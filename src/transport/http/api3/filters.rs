//! The Describe filters the API 3.0 actions share: `...Ids` against
//! `Filters`, a filter named twice, an unknown one, the tag filters, and
//! tags as the SDK models print them.

use serde_json::{Value, json};

use super::params::Filter;
use crate::{
    domain::{ApiError, ApiResult, ErrorCode, link::Tag},
    store::TagMatch,
};

/// `Ids` and `Filters` exclude each other.
pub(super) fn ids_or_filters(
    ids: Option<Vec<String>>,
    filters: Option<Vec<Filter>>,
    ids_name: &str,
) -> ApiResult<(Option<Vec<String>>, Vec<Filter>)> {
    if ids.is_some() && filters.is_some() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterCoexist,
            format!("{ids_name} and Filters cannot be given together"),
        ));
    }
    Ok((ids, filters.unwrap_or_default()))
}

/// Two filters of one name both apply: their values AND.
pub(super) fn narrow(slot: &mut Option<Vec<String>>, values: Vec<String>) {
    *slot = Some(match slot.take() {
        None => values,
        Some(before) => before.into_iter().filter(|v| values.contains(v)).collect(),
    });
}

pub(super) fn unknown_filter(name: &str, known: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameterValue,
        format!("filter {name:?} is not one vpcsim answers: {known}"),
    )
}

/// The tag filters of DescribeVpcs, DescribeSubnets and DescribeRouteTables,
/// if `name` is one: `tag-key` (values: keys, any of which matches) and
/// `tag:<key>` (values: that key's values).
pub(super) fn tag_filter(name: &str, values: Vec<String>) -> ApiResult<Option<TagMatch>> {
    if name == "tag-key" {
        return Ok(Some(TagMatch {
            keys: values,
            values: None,
        }));
    }
    match name.strip_prefix("tag:") {
        None => Ok(None),
        Some("") => Err(ApiError::new(
            ErrorCode::InvalidParameterValue,
            "filter \"tag:\" names no tag key; write tag:<key>",
        )),
        Some(key) => Ok(Some(TagMatch {
            keys: vec![key.to_owned()],
            values: Some(values),
        })),
    }
}

/// Tags as the SDK models' `TagSet` has them.
pub(super) fn tag_set(tags: &[Tag]) -> Value {
    tags.iter()
        .map(|t| json!({"Key": t.key, "Value": t.value}))
        .collect()
}
