//! Decoding rules every front end shares, with each front end's own field
//! names in the messages. The rules, the same through gRPC, API 3.0 and
//! the legacy API:
//!
//! - a required field that is absent is `MissingParameter`; one that is
//!   present but empty is checked as a value like any other (gRPC cannot
//!   tell the two apart, so over gRPC an empty field is the empty value);
//! - a value outside a field's set of choices (a state, an order) is
//!   `InvalidParameterValue.Range`, also inside a filter;
//! - an integer outside its range, however large, is
//!   `InvalidParameterValue.Range`;
//! - a parameter given twice is `InvalidParameter` over the HTTP APIs
//!   (protobuf defines a field sent twice as its last value).

use crate::domain::{ApiError, ApiResult, ErrorCode, region::Region};

/// The value of `field` among `choices` (`(wire text, value)`); absent or
/// empty is `default`.
pub fn choose<T: Copy>(
    value: Option<&str>,
    field: &'static str,
    choices: &[(&str, T)],
    default: T,
) -> ApiResult<T> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    choices
        .iter()
        .find(|(text, _)| *text == value)
        .map(|(_, choice)| *choice)
        .ok_or_else(|| out_of_choices(field, value, choices.iter().map(|(text, _)| *text)))
}

/// The error of a value that is none of `choices`.
pub fn out_of_choices<'a>(
    field: &'static str,
    value: &str,
    choices: impl IntoIterator<Item = &'a str>,
) -> ApiError {
    let choices: Vec<&str> = choices.into_iter().collect();
    let listed = match choices.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    ApiError::field(
        ErrorCode::InvalidParameterValueRange,
        field,
        format!("{field} {value:?} must be {listed}"),
    )
}

/// The names a front end gives a page's fields.
#[derive(Debug, Clone, Copy)]
pub struct PageFields {
    pub offset: &'static str,
    pub limit: &'static str,
}

/// Offset and limit of a Describe call: offset at least 0 (default 0), limit
/// 1 to `max_limit` (default 20).
pub fn page(
    offset: Option<i64>,
    limit: Option<i64>,
    max_limit: i64,
    names: PageFields,
) -> ApiResult<(i64, i64)> {
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            names.offset,
            format!("{} {offset} must be at least 0", names.offset),
        ));
    }
    let limit = limit.unwrap_or(20);
    if !(1..=max_limit).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            names.limit,
            format!("{} {limit} must be from 1 to {max_limit}", names.limit),
        ));
    }
    Ok((offset, limit))
}

/// Why text is not an `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnInteger {
    /// Not an integer at all; each front end says so its own way.
    Malformed,
    /// An integer, but beyond any `i64`.
    OutOfRange,
}

/// Text as an integer, telling a number too large from no number.
pub fn integer(text: &str) -> Result<i64, NotAnInteger> {
    text.parse().map_err(|_| {
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            NotAnInteger::OutOfRange
        } else {
            NotAnInteger::Malformed
        }
    })
}

/// The error of an integer beyond any range a field takes.
pub fn integer_out_of_range(field: &str, text: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameterValueRange,
        format!("parameter {field} {text} is out of range"),
    )
}

/// A region field (the call's own region comes from the front end's
/// envelope): its error names the field.
pub fn region(text: &str, field: &'static str) -> ApiResult<Region> {
    Region::parse(text)
        .map_err(|err| ApiError::field(err.code, field, format!("{field}: {}", err.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_default_when_absent_and_refuse_the_rest_as_out_of_range() {
        let choices = [("asc", true), ("desc", false)];
        assert_eq!(choose(None, "order", &choices, false), Ok(false));
        assert_eq!(choose(Some(""), "order", &choices, false), Ok(false));
        assert_eq!(choose(Some("asc"), "order", &choices, false), Ok(true));
        let err = choose(Some("up"), "order", &choices, false).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValueRange);
        assert_eq!(err.message, "order \"up\" must be asc or desc");
    }

    #[test]
    fn integers_too_large_are_out_of_range_not_malformed() {
        assert_eq!(integer("42"), Ok(42));
        assert_eq!(integer("-7"), Ok(-7));
        assert_eq!(
            integer("99999999999999999999999"),
            Err(NotAnInteger::OutOfRange)
        );
        assert_eq!(
            integer("-99999999999999999999999"),
            Err(NotAnInteger::OutOfRange)
        );
        for bad in ["", "x", "1.5", "1e3", "-"] {
            assert_eq!(integer(bad), Err(NotAnInteger::Malformed), "{bad}");
        }
    }

    #[test]
    fn pages_name_their_front_ends_fields() {
        let names = PageFields {
            offset: "Offset",
            limit: "Limit",
        };
        assert_eq!(page(None, None, 50, names), Ok((0, 20)));
        let err = page(Some(-1), None, 50, names).unwrap_err();
        assert_eq!(err.message, "Offset -1 must be at least 0");
        let err = page(None, Some(51), 50, names).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValueRange);
        assert_eq!(err.message, "Limit 51 must be from 1 to 50");
    }
}
