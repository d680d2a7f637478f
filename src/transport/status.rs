//! Turns an `ApiError` into a gRPC status: the code and a colon start the
//! message, and the details carry `ErrorInfo` (and `BadRequest` for a bad
//! field), so that clients can branch on the code without parsing text.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::domain::{ApiError, error::ErrorClass};

pub const ERROR_DOMAIN: &str = "vpcsim";

impl From<ApiError> for Status {
    fn from(err: ApiError) -> Status {
        let code = match err.code.class() {
            ErrorClass::InvalidArgument => Code::InvalidArgument,
            ErrorClass::NotFound => Code::NotFound,
            ErrorClass::FailedPrecondition => Code::FailedPrecondition,
            ErrorClass::AlreadyExists => Code::AlreadyExists,
            ErrorClass::ResourceExhausted => Code::ResourceExhausted,
            ErrorClass::PermissionDenied => Code::PermissionDenied,
            ErrorClass::Unauthenticated => Code::Unauthenticated,
            ErrorClass::Unavailable => Code::Unavailable,
            ErrorClass::Internal => Code::Internal,
        };
        let mut details =
            ErrorDetails::with_error_info(err.code.as_str(), ERROR_DOMAIN, HashMap::new());
        if let Some(field) = err.field {
            details.add_bad_request_violation(field, err.message.clone());
        }
        Status::with_error_details(code, err.to_string(), details)
    }
}
