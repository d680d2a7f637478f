//! Turns an `ApiError` into a gRPC status: the code and a colon start the
//! message, and the details carry `ErrorInfo` (and `BadRequest` for a bad
//! field), so that clients can branch on the code without parsing text.
//!
//! Also gives the same shape to the statuses tonic answers by itself, before
//! any handler runs: a request over the size limit, or bytes that are not the
//! protobuf message the method takes.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::domain::{
    ApiError, ErrorCode,
    error::{ErrorClass, MAX_MESSAGE_CHARS, truncate_message},
};

pub const ERROR_DOMAIN: &str = "vpcsim";

/// `ErrorInfo.metadata` key of the API 3.0 code of the same fault, which can
/// be finer than the code (see `domain::error::Cause`).
pub const API3_CODE_KEY: &str = "api3_code";

/// The status of `code`, with `message` after the code and, for a bad
/// field, a `BadRequest` violation naming it. `api3_code` goes in the
/// `ErrorInfo` metadata.
fn api_status(code: ErrorCode, message: String, field: Option<String>, api3_code: &str) -> Status {
    let grpc_code = match code.class() {
        ErrorClass::InvalidArgument => Code::InvalidArgument,
        ErrorClass::NotFound => Code::NotFound,
        ErrorClass::FailedPrecondition => Code::FailedPrecondition,
        ErrorClass::AlreadyExists => Code::AlreadyExists,
        ErrorClass::ResourceExhausted => Code::ResourceExhausted,
        ErrorClass::PermissionDenied => Code::PermissionDenied,
        ErrorClass::Unauthenticated => Code::Unauthenticated,
        ErrorClass::Unavailable => Code::Unavailable,
        ErrorClass::Internal => Code::Internal,
        ErrorClass::Unimplemented => Code::Unimplemented,
        ErrorClass::DeadlineExceeded => Code::DeadlineExceeded,
    };
    let metadata = HashMap::from([(API3_CODE_KEY.to_owned(), api3_code.to_owned())]);
    let mut details = ErrorDetails::with_error_info(code.as_str(), ERROR_DOMAIN, metadata);
    if let Some(field) = field {
        details.add_bad_request_violation(field, message.clone());
    }
    Status::with_error_details(grpc_code, format!("{code}: {message}"), details)
}

/// The hidden cause of an internal error rides along as the status's
/// source, which tonic never sends; the call log shows it.
impl From<ApiError> for Status {
    fn from(err: ApiError) -> Status {
        let api3_code = err.api3_code();
        let mut status = api_status(
            err.code,
            err.message,
            err.field.map(str::to_owned),
            api3_code,
        );
        if let Some(source) = err.source {
            status.set_source(source);
        }
        status
    }
}

/// What prost's decode errors start with.
const PROST_DECODE_PREFIX: &str = "failed to decode Protobuf message: ";

/// The project's status for one that tonic answered before the handler ran,
/// or `None` for a status that is not such an error.
///
/// Every status of ours carries `ErrorInfo`; one without details that reads
/// INTERNAL, OUT_OF_RANGE or RESOURCE_EXHAUSTED comes from tonic's reading of
/// the request (size limit, protobuf decoding, framing): the client's fault,
/// so `RequestSizeLimitExceeded` or `InvalidParameter`, never INTERNAL.
/// tonic's wording is matched only to say more; anything unrecognised still
/// gets the right code.
pub fn from_request_read_error(status: &Status) -> Option<Status> {
    if !status.details().is_empty() {
        return None;
    }
    let text = status.message();
    match status.code() {
        Code::OutOfRange | Code::ResourceExhausted => {
            let message = match numbers(text)[..] {
                [found, limit] => format!(
                    "the request message is {found} bytes, over this service's limit of {limit} bytes"
                ),
                [limit] => {
                    format!("the request message is over this service's limit of {limit} bytes")
                }
                _ => "the request message is over this service's size limit".to_owned(),
            };
            Some(api_status(
                ErrorCode::RequestSizeLimitExceeded,
                message,
                None,
                ErrorCode::RequestSizeLimitExceeded.api3_code(),
            ))
        }
        Code::Internal => {
            let (message, field) = match text.strip_prefix(PROST_DECODE_PREFIX) {
                Some(rest) => {
                    let (field, reason) = decode_error_field(rest);
                    let message = match &field {
                        Some(field) => format!(
                            "the request is not a valid protobuf message: field {field}: {reason}"
                        ),
                        None => format!("the request is not a valid protobuf message: {reason}"),
                    };
                    (message, field)
                }
                None => (
                    format!("the request could not be read: {}", sentence_part(text)),
                    None,
                ),
            };
            let message = truncate_message(message, MAX_MESSAGE_CHARS);
            Some(api_status(
                ErrorCode::InvalidParameter,
                message,
                field,
                ErrorCode::InvalidParameter.api3_code(),
            ))
        }
        _ => None,
    }
}

/// The runs of digits in `text`, as numbers.
fn numbers(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter_map(|run| run.parse().ok())
        .collect()
}

/// Splits what follows prost's prefix, `Msg.field: Inner.field: reason`, into
/// the request field at fault (`field.field`, outermost first) and the reason.
fn decode_error_field(text: &str) -> (Option<String>, &str) {
    let is_ident = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#')
    };
    let mut fields = Vec::new();
    let mut rest = text;
    while let Some((entry, after)) = rest.split_once(": ") {
        match entry.split_once('.') {
            Some((message, field)) if is_ident(message) && is_ident(field) => {
                fields.push(field);
                rest = after;
            }
            _ => break,
        }
    }
    // prost records the innermost field first.
    fields.reverse();
    let field = (!fields.is_empty()).then(|| fields.join("."));
    (field, rest)
}

/// tonic's message as part of a sentence: lowercase start, no final period.
fn sentence_part(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "the request was cut short or malformed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(status: &Status) -> String {
        status
            .get_error_details()
            .error_info()
            .map(|i| i.reason.clone())
            .unwrap_or_default()
    }

    fn field(status: &Status) -> Option<String> {
        status
            .get_error_details()
            .bad_request()
            .and_then(|b| b.field_violations.first().map(|v| v.field.clone()))
    }

    #[test]
    fn an_oversize_request_is_request_size_limit_exceeded() {
        let tonic = Status::out_of_range(
            "Error, decoded message length too large: found 9 bytes, the limit is: 8 bytes",
        );
        let ours = from_request_read_error(&tonic).unwrap();
        assert_eq!(ours.code(), Code::ResourceExhausted);
        assert_eq!(reason(&ours), "RequestSizeLimitExceeded");
        assert_eq!(
            ours.message(),
            "RequestSizeLimitExceeded: the request message is 9 bytes, over this service's limit of 8 bytes"
        );
        let reworded = from_request_read_error(&Status::resource_exhausted("too big")).unwrap();
        assert_eq!(reason(&reworded), "RequestSizeLimitExceeded");
    }

    #[test]
    fn undecodable_bytes_are_invalid_parameter_naming_the_field() {
        let tonic = Status::internal(
            "failed to decode Protobuf message: Inner.cidr: Outer.inner: invalid string value: data is not UTF-8 encoded",
        );
        let ours = from_request_read_error(&tonic).unwrap();
        assert_eq!(ours.code(), Code::InvalidArgument);
        assert_eq!(reason(&ours), "InvalidParameter");
        assert_eq!(field(&ours).as_deref(), Some("inner.cidr"));
        assert_eq!(
            ours.message(),
            "InvalidParameter: the request is not a valid protobuf message: field inner.cidr: invalid string value: data is not UTF-8 encoded"
        );
        let tonic =
            Status::internal("failed to decode Protobuf message: invalid wire type value: 7");
        let ours = from_request_read_error(&tonic).unwrap();
        assert_eq!(field(&ours), None);
        assert!(
            ours.message()
                .ends_with("message: invalid wire type value: 7")
        );
        let ours = from_request_read_error(&Status::internal("Missing request message.")).unwrap();
        assert_eq!(
            ours.message(),
            "InvalidParameter: the request could not be read: missing request message"
        );
    }

    #[test]
    fn statuses_of_ours_and_other_codes_are_left_alone() {
        let ours: Status = ApiError::internal().into();
        assert!(from_request_read_error(&ours).is_none());
        assert!(from_request_read_error(&Status::unimplemented("")).is_none());
        assert!(from_request_read_error(&Status::not_found("service")).is_none());
    }
}
