//! The Tencent-style error codes of the API contract and the error every layer
//! speaks. The transport maps each code to its gRPC status; nothing here knows
//! about gRPC.

use std::fmt;

/// Every error code the API returns. `as_str` is the exact text clients see,
/// `class` the gRPC status family it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidPeeringConnectionName,
    InvalidParameter,
    ClientTokenConflict,
    InvalidParameterValue,
    InvalidParameterValueMalformed,
    InvalidParameterValueRange,
    InvalidParameterValueOverlap,
    MissingParameter,
    UnsupportedRegion,
    /// A request message over its service's size limit. Tencent's own code
    /// for it, so that each code keeps one gRPC status.
    RequestSizeLimitExceeded,
    InvalidVpcNotFound,
    InvalidPeeringConnectionNotFound,
    InvalidAccountNotFound,
    InvalidSnapshotNotFound,
    PeeringConnectionVpcConflict,
    VpcPeerInvalidStateChange,
    ResourceInUse,
    VpcPeerAlreadyExist,
    InvalidAccountAlreadyExists,
    PeeringConnectionLimitExceeded,
    LimitExceeded,
    VpcPeerPurviewError,
    AuthInvalidAuthorization,
    AuthSecretIdNotFound,
    AuthInvalidAdminToken,
    /// The server is shutting down: a call may be tried again elsewhere or
    /// after a restart.
    ServiceUnavailable,
    InternalError,
}

/// The gRPC status family of an error code, named after the status it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    InvalidArgument,
    NotFound,
    FailedPrecondition,
    AlreadyExists,
    ResourceExhausted,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidPeeringConnectionName => "InvalidPeeringConnectionName",
            Self::InvalidParameter => "InvalidParameter",
            Self::ClientTokenConflict => "InvalidParameter.ClientTokenConflict",
            Self::InvalidParameterValue => "InvalidParameterValue",
            Self::InvalidParameterValueMalformed => "InvalidParameterValue.Malformed",
            Self::InvalidParameterValueRange => "InvalidParameterValue.Range",
            Self::InvalidParameterValueOverlap => "InvalidParameterValue.Overlap",
            Self::MissingParameter => "MissingParameter",
            Self::UnsupportedRegion => "UnsupportedRegion",
            Self::RequestSizeLimitExceeded => "RequestSizeLimitExceeded",
            Self::InvalidVpcNotFound => "InvalidVpc.NotFound",
            Self::InvalidPeeringConnectionNotFound => "InvalidPeeringConnection.NotFound",
            Self::InvalidAccountNotFound => "InvalidAccount.NotFound",
            Self::InvalidSnapshotNotFound => "InvalidSnapshot.NotFound",
            Self::PeeringConnectionVpcConflict => "PeeringConnectionVpcConflict",
            Self::VpcPeerInvalidStateChange => "UnsupportedOperation.VpcPeerInvalidStateChange",
            Self::ResourceInUse => "ResourceInUse",
            Self::VpcPeerAlreadyExist => "UnsupportedOperation.VpcPeerAlreadyExist",
            Self::InvalidAccountAlreadyExists => "InvalidAccount.AlreadyExists",
            Self::PeeringConnectionLimitExceeded => "PeeringConnectionLimitExceeded",
            Self::LimitExceeded => "LimitExceeded",
            Self::VpcPeerPurviewError => "UnsupportedOperation.VpcPeerPurviewError",
            Self::AuthInvalidAuthorization => "AuthFailure.InvalidAuthorization",
            Self::AuthSecretIdNotFound => "AuthFailure.SecretIdNotFound",
            Self::AuthInvalidAdminToken => "AuthFailure.InvalidAdminToken",
            Self::ServiceUnavailable => "ServiceUnavailable",
            Self::InternalError => "InternalError",
        }
    }

    pub const fn class(self) -> ErrorClass {
        use ErrorClass::*;
        match self {
            Self::InvalidPeeringConnectionName
            | Self::InvalidParameter
            | Self::ClientTokenConflict
            | Self::InvalidParameterValue
            | Self::InvalidParameterValueMalformed
            | Self::InvalidParameterValueRange
            | Self::InvalidParameterValueOverlap
            | Self::MissingParameter
            | Self::UnsupportedRegion => InvalidArgument,
            Self::InvalidVpcNotFound
            | Self::InvalidPeeringConnectionNotFound
            | Self::InvalidAccountNotFound
            | Self::InvalidSnapshotNotFound => NotFound,
            Self::PeeringConnectionVpcConflict
            | Self::VpcPeerInvalidStateChange
            | Self::ResourceInUse => FailedPrecondition,
            Self::VpcPeerAlreadyExist | Self::InvalidAccountAlreadyExists => AlreadyExists,
            Self::PeeringConnectionLimitExceeded
            | Self::LimitExceeded
            | Self::RequestSizeLimitExceeded => ResourceExhausted,
            Self::VpcPeerPurviewError => PermissionDenied,
            Self::AuthInvalidAuthorization
            | Self::AuthSecretIdNotFound
            | Self::AuthInvalidAdminToken => Unauthenticated,
            Self::ServiceUnavailable => Unavailable,
            Self::InternalError => Internal,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error a client may see: a code, a lowercase message, and for bad fields
/// the request field at fault (reported as a `BadRequest` violation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<&'static str>,
}

/// Longest message an error carries: messages quote what the caller sent,
/// which may be megabytes, and travel in a response header.
pub const MAX_MESSAGE_CHARS: usize = 512;

/// Cuts `message` to `max` characters, saying so.
pub fn truncate_message(message: String, max: usize) -> String {
    match message.char_indices().nth(max) {
        None => message,
        Some((cut, _)) => format!("{}… (truncated)", &message[..cut]),
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: truncate_message(message.into(), MAX_MESSAGE_CHARS),
            field: None,
        }
    }

    /// An error about one request field, named by its proto field name.
    pub fn field(code: ErrorCode, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(code, message)
        }
    }

    pub fn missing(field: &'static str) -> Self {
        Self::field(
            ErrorCode::MissingParameter,
            field,
            format!("{field} is required"),
        )
    }

    /// The one error that hides its cause: the cause is logged, never sent.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalError,
            "internal error, see the server log",
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut() {
        let err = ApiError::new(ErrorCode::InvalidParameterValue, "x".repeat(10_000));
        assert!(err.message.chars().count() < MAX_MESSAGE_CHARS + 20);
        assert!(err.message.ends_with("(truncated)"));
        assert_eq!(truncate_message("对对".into(), 1), "对… (truncated)");
        assert_eq!(truncate_message("short".into(), 10), "short");
    }
}
