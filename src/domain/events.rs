//! The event log's vocabulary: the resource types and kinds of change it
//! records, so that a filter naming anything else is refused instead of
//! quietly matching nothing.

use super::error::{ApiError, ErrorCode};

/// Every `resource_type` an event can have.
pub const RESOURCE_TYPES: &[&str] = &[
    "account",
    "quota",
    "vpc",
    "peering",
    "subnet",
    "route_table",
    "route",
    "snapshot",
    "clock",
    "state",
    "fault",
];

/// Every `kind` an event can have.
pub const KINDS: &[&str] = &[
    "created",
    "seeded",
    "set",
    "deleted",
    "accepted",
    "rejected",
    "renamed",
    // A Modify that set the bandwidth cap or billing mode.
    "modified",
    "enabled",
    "expired",
    "assistant_cidr_added",
    "assistant_cidr_deleted",
    // VPC tags changed.
    "tagged",
    // A subnet associated with another route table.
    "associated",
    // Routes switched on or off.
    "enabled_routes",
    "disabled_routes",
    // A route replaced in place (ReplaceRoutes).
    "replaced",
    "saved",
    "restored",
    "moved",
    "reset",
    // A fault rule acted on a call.
    "injected",
];

fn one_of(
    value: &str,
    known: &'static [&'static str],
    field: &'static str,
) -> Result<&'static str, ApiError> {
    known.iter().copied().find(|k| *k == value).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameterValue,
            field,
            format!("{field} {value:?} is not one of {}", known.join(", ")),
        )
    })
}

/// A `resource_type` filter, checked against [`RESOURCE_TYPES`].
pub fn parse_resource_type(value: &str, field: &'static str) -> Result<&'static str, ApiError> {
    one_of(value, RESOURCE_TYPES, field)
}

/// A `kind` filter, checked against [`KINDS`].
pub fn parse_kind(value: &str, field: &'static str) -> Result<&'static str, ApiError> {
    one_of(value, KINDS, field)
}

/// An `after_event_id` filter: 0 (from the start) or an event id.
pub fn parse_after_event_id(value: i64, field: &'static str) -> Result<Option<i64>, ApiError> {
    match value {
        0 => Ok(None),
        id if id > 0 => Ok(Some(id)),
        id => Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            field,
            format!("{field} {id} must be at least 0"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_parse_and_others_list_the_known_ones() {
        assert_eq!(
            parse_resource_type("peering", "resource_type"),
            Ok("peering")
        );
        assert_eq!(parse_kind("accepted", "kind"), Ok("accepted"));
        let err = parse_resource_type("Peering", "resource_type").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(err.field, Some("resource_type"));
        assert!(
            err.message
                .ends_with("account, quota, vpc, peering, subnet, route_table, route, snapshot, clock, state, fault")
        );
        assert!(parse_kind("", "kind").is_err());
    }

    #[test]
    fn after_event_id_is_zero_or_an_id() {
        assert_eq!(parse_after_event_id(0, "after_event_id"), Ok(None));
        assert_eq!(parse_after_event_id(7, "after_event_id"), Ok(Some(7)));
        let err = parse_after_event_id(-5, "after_event_id").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValueRange);
    }
}
