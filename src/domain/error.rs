//! The Tencent-style error codes of the API contract and the error every layer
//! speaks. This is the one table of codes: each code's text, its gRPC status
//! family, and its Tencent Cloud API 3.0 code (for the HTTP endpoint). The
//! transport maps each to its wire form; nothing here knows about gRPC.

use std::{error::Error, fmt, sync::Arc};

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
    InvalidFaultNotFound,
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
    /// A call over the rate limit (`--rate-limit`, SetRateLimit); also a
    /// code fault rules may answer with.
    RequestLimitExceeded,
    /// The server is shutting down: a call may be tried again elsewhere or
    /// after a restart.
    ServiceUnavailable,
    /// A resource is briefly unavailable: answered only by fault rules.
    ResourceUnavailable,
    InternalError,
    /// Two parameters that exclude each other (API 3.0's `Ids` and `Filters`).
    InvalidParameterCoexist,
    /// A `Filters` item that is not an object (API 3.0).
    InvalidParameterFilterNotDict,
    /// A parameter the action does not take (API 3.0; the legacy API says
    /// `InvalidParameter`).
    UnknownParameter,
    /// A parameter of the real API that vpcsim does not simulate yet.
    UnsupportedOperation,
    /// An action no front end answers by that name (HTTP front ends).
    InvalidAction,
    /// An API 3.0 `Version` other than the one served.
    NoSuchVersion,
    /// An HTTP method the API does not take.
    UnsupportedProtocol,
    /// A signature that does not match the request (HTTP front ends).
    AuthSignatureFailure,
    /// A signed timestamp too far from the clock (HTTP front ends).
    AuthSignatureExpire,
    /// A Nonce the same SecretId already sent within the window.
    AuthRequestReplayed,
    /// Not something any SecretId could be.
    AuthInvalidSecretId,
    /// A gRPC call's deadline (`grpc-timeout`) passed before its answer.
    DeadlineExceeded,
    /// A subnet id no VPC of the caller's has.
    InvalidSubnetNotFound,
    /// A route table id no VPC of the caller's has.
    InvalidRouteTableNotFound,
    /// A route its table does not have.
    InvalidRouteNotFound,
    /// A subnet block outside its VPC's blocks or the prefixes allowed.
    SubnetRange,
    /// A subnet block that overlaps another subnet of its VPC.
    SubnetConflict,
    /// A route through a peering to a destination outside the peer VPC.
    CidrNotInPeerVpc,
    /// A route to a destination its table already routes, where the two
    /// would share it (no ECMP through a peering).
    RouteConflict,
    /// The same value twice in one request (a route's destination).
    InvalidParameterValueDuplicate,
    /// A subnet and a route table of different VPCs.
    VpcMismatch,
    /// A route's next hop that cannot carry it: a peering not ACTIVE, or
    /// not joining the table's VPC.
    PeeringNotActive,
    /// Deleting a VPC's default route table.
    DefaultRouteTable,
    /// Deleting a route table subnets are associated with.
    RouteTableInUse,
    /// More items in one call than it takes.
    InvalidParameterValueLimitExceeded,
}

impl ErrorCode {
    /// Every code, in the order of README's table.
    pub const ALL: [ErrorCode; 55] = [
        Self::InvalidPeeringConnectionName,
        Self::InvalidParameter,
        Self::ClientTokenConflict,
        Self::InvalidParameterValue,
        Self::InvalidParameterValueMalformed,
        Self::InvalidParameterValueRange,
        Self::InvalidParameterValueOverlap,
        Self::MissingParameter,
        Self::UnsupportedRegion,
        Self::RequestSizeLimitExceeded,
        Self::InvalidVpcNotFound,
        Self::InvalidPeeringConnectionNotFound,
        Self::InvalidAccountNotFound,
        Self::PeeringConnectionVpcConflict,
        Self::VpcPeerInvalidStateChange,
        Self::ResourceInUse,
        Self::VpcPeerAlreadyExist,
        Self::InvalidAccountAlreadyExists,
        Self::PeeringConnectionLimitExceeded,
        Self::LimitExceeded,
        Self::VpcPeerPurviewError,
        Self::AuthInvalidAuthorization,
        Self::AuthSecretIdNotFound,
        Self::AuthInvalidAdminToken,
        Self::AuthSignatureFailure,
        Self::AuthSignatureExpire,
        Self::AuthRequestReplayed,
        Self::AuthInvalidSecretId,
        Self::InvalidSnapshotNotFound,
        Self::InvalidFaultNotFound,
        Self::RequestLimitExceeded,
        Self::ServiceUnavailable,
        Self::ResourceUnavailable,
        Self::DeadlineExceeded,
        Self::InternalError,
        Self::InvalidParameterCoexist,
        Self::InvalidParameterFilterNotDict,
        Self::UnknownParameter,
        Self::UnsupportedOperation,
        Self::InvalidAction,
        Self::NoSuchVersion,
        Self::UnsupportedProtocol,
        Self::InvalidSubnetNotFound,
        Self::InvalidRouteTableNotFound,
        Self::InvalidRouteNotFound,
        Self::SubnetRange,
        Self::SubnetConflict,
        Self::CidrNotInPeerVpc,
        Self::RouteConflict,
        Self::InvalidParameterValueDuplicate,
        Self::VpcMismatch,
        Self::PeeringNotActive,
        Self::DefaultRouteTable,
        Self::RouteTableInUse,
        Self::InvalidParameterValueLimitExceeded,
    ];

    /// The code whose text is `text`, as clients see it.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }

    /// The code Tencent Cloud API 3.0 (the SDKs' `errorcodes.py`) gives the
    /// same fault. Where API 3.0 tells apart causes that share one code here,
    /// the error's `Cause` picks (see `ApiError::api3_code`); this is the code
    /// without one.
    pub const fn api3_code(self) -> &'static str {
        match self {
            Self::InvalidPeeringConnectionName
            | Self::InvalidParameterValue
            | Self::InvalidAccountAlreadyExists => "InvalidParameterValue",
            Self::InvalidParameter | Self::ClientTokenConflict => "InvalidParameter",
            Self::InvalidParameterValueMalformed => "InvalidParameterValue.Malformed",
            Self::InvalidParameterValueRange => "InvalidParameterValue.Range",
            Self::InvalidParameterValueOverlap => "InvalidParameterValue.VpcCidrConflict",
            Self::MissingParameter => "MissingParameter",
            Self::UnsupportedRegion => "UnsupportedRegion",
            Self::RequestSizeLimitExceeded => "RequestSizeLimitExceeded",
            Self::InvalidVpcNotFound
            | Self::InvalidPeeringConnectionNotFound
            | Self::InvalidAccountNotFound
            | Self::InvalidSnapshotNotFound
            | Self::InvalidFaultNotFound
            | Self::InvalidSubnetNotFound
            | Self::InvalidRouteTableNotFound
            | Self::InvalidRouteNotFound => "ResourceNotFound",
            Self::PeeringConnectionVpcConflict => "UnsupportedOperation.VpcPeerCidrConflict",
            Self::VpcPeerInvalidStateChange => "UnsupportedOperation.VpcPeerInvalidStateChange",
            Self::ResourceInUse => "ResourceInUse",
            Self::VpcPeerAlreadyExist => "UnsupportedOperation.VpcPeerAlreadyExist",
            Self::PeeringConnectionLimitExceeded => "LimitExceeded.VpcPeerTotalLimitExceeded",
            Self::LimitExceeded => "LimitExceeded",
            Self::VpcPeerPurviewError => "UnsupportedOperation.VpcPeerPurviewError",
            Self::AuthInvalidAuthorization => "AuthFailure.InvalidAuthorization",
            Self::AuthSecretIdNotFound => "AuthFailure.SecretIdNotFound",
            Self::AuthInvalidAdminToken => "AuthFailure.UnauthorizedOperation",
            Self::RequestLimitExceeded => "RequestLimitExceeded",
            // Only gRPC callers set deadlines; API 3.0 has no code for one.
            Self::ServiceUnavailable | Self::ResourceUnavailable | Self::DeadlineExceeded => {
                "ResourceUnavailable"
            }
            Self::InternalError => "InternalError",
            // API 3.0's common codes have none for a replay: a reused Nonce
            // is a signature no longer valid, as a stale one is.
            Self::AuthRequestReplayed => "AuthFailure.SignatureExpire",
            // The codes of the HTTP front ends: the same text on the wire.
            Self::InvalidParameterCoexist
            | Self::InvalidParameterFilterNotDict
            | Self::UnknownParameter
            | Self::UnsupportedOperation
            | Self::InvalidAction
            | Self::NoSuchVersion
            | Self::UnsupportedProtocol
            | Self::AuthSignatureFailure
            | Self::AuthSignatureExpire
            | Self::AuthInvalidSecretId
            | Self::SubnetRange
            | Self::SubnetConflict
            | Self::CidrNotInPeerVpc
            | Self::RouteConflict
            | Self::InvalidParameterValueDuplicate
            | Self::VpcMismatch
            | Self::PeeringNotActive
            | Self::DefaultRouteTable
            | Self::RouteTableInUse
            | Self::InvalidParameterValueLimitExceeded => self.as_str(),
        }
    }
}

impl ErrorCode {
    /// The numeric `code` of Tencent's legacy API (`/v2/index.php`) for this
    /// fault, by the legacy family's classes: 4000 a bad parameter, 4100
    /// authentication, 4300 permission, 4400 quota, 5000 a resource not
    /// found, 5100 an operation the state refuses, 6000 internal, 6200
    /// unavailable. The symbolic code travels beside it as `codeDesc`.
    pub const fn legacy_code(self) -> u32 {
        match self {
            Self::InvalidPeeringConnectionName
            | Self::InvalidParameter
            | Self::ClientTokenConflict
            | Self::InvalidParameterValue
            | Self::InvalidParameterValueMalformed
            | Self::InvalidParameterValueRange
            | Self::InvalidParameterValueOverlap
            | Self::MissingParameter
            | Self::UnsupportedRegion
            | Self::RequestSizeLimitExceeded
            | Self::InvalidParameterCoexist
            | Self::InvalidParameterFilterNotDict
            | Self::UnknownParameter
            | Self::UnsupportedOperation
            | Self::InvalidAction
            | Self::NoSuchVersion
            | Self::SubnetRange
            | Self::SubnetConflict
            | Self::CidrNotInPeerVpc
            | Self::PeeringNotActive
            | Self::InvalidParameterValueDuplicate
            | Self::InvalidParameterValueLimitExceeded => 4000,
            Self::AuthInvalidAuthorization
            | Self::AuthSecretIdNotFound
            | Self::AuthInvalidAdminToken
            | Self::AuthSignatureFailure
            | Self::AuthInvalidSecretId => 4100,
            // The legacy family's class for requests outside their time
            // window or replayed.
            Self::AuthSignatureExpire | Self::AuthRequestReplayed => 4500,
            Self::UnsupportedProtocol => 4600,
            Self::VpcPeerPurviewError => 4300,
            Self::PeeringConnectionLimitExceeded
            | Self::LimitExceeded
            | Self::RequestLimitExceeded => 4400,
            Self::InvalidVpcNotFound
            | Self::InvalidPeeringConnectionNotFound
            | Self::InvalidAccountNotFound
            | Self::InvalidSnapshotNotFound
            | Self::InvalidFaultNotFound
            | Self::InvalidSubnetNotFound
            | Self::InvalidRouteTableNotFound
            | Self::InvalidRouteNotFound => 5000,
            Self::PeeringConnectionVpcConflict
            | Self::VpcPeerInvalidStateChange
            | Self::ResourceInUse
            | Self::VpcPeerAlreadyExist
            | Self::InvalidAccountAlreadyExists
            | Self::RouteConflict
            | Self::VpcMismatch
            | Self::DefaultRouteTable
            | Self::RouteTableInUse => 5100,
            Self::InternalError => 6000,
            Self::ServiceUnavailable | Self::ResourceUnavailable | Self::DeadlineExceeded => 6200,
        }
    }
}

/// A finer cause behind one code, which API 3.0 reports with a code of its
/// own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The two VPCs' blocks overlap.
    PairOverlap,
    /// One end overlaps a live peer of the other.
    PeerOverlap,
    /// `vpc-max-vpcpeers`: live peerings of a VPC.
    LivePeeringQuota,
    /// `vpc-max-available-vpcpeers`: ACTIVE peerings of a VPC.
    ActivePeeringQuota,
    /// A new assistant block around a route's destination of the VPC.
    RouteOverlap,
}

impl Cause {
    /// The API 3.0 code of this cause.
    pub const fn api3_code(self) -> &'static str {
        match self {
            Self::PairOverlap => "UnsupportedOperation.VpcPeerCidrConflict",
            Self::PeerOverlap => "UnauthorizedOperation.VpcPeerCidrConflict",
            Self::LivePeeringQuota => "LimitExceeded.VpcPeerTotalLimitExceeded",
            Self::ActivePeeringQuota => "LimitExceeded.VpcPeerAvaLimitExceeded",
            Self::RouteOverlap => "InvalidParameterValue.VpcCidrOverlapRoute",
        }
    }
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
    /// What vpcsim does not do (yet); gRPC itself answers an unknown method so.
    Unimplemented,
    DeadlineExceeded,
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
            Self::InvalidFaultNotFound => "InvalidFault.NotFound",
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
            Self::RequestLimitExceeded => "RequestLimitExceeded",
            Self::ServiceUnavailable => "ServiceUnavailable",
            Self::ResourceUnavailable => "ResourceUnavailable",
            Self::InternalError => "InternalError",
            Self::InvalidParameterCoexist => "InvalidParameter.Coexist",
            Self::InvalidParameterFilterNotDict => "InvalidParameter.FilterNotDict",
            Self::UnknownParameter => "UnknownParameter",
            Self::UnsupportedOperation => "UnsupportedOperation",
            Self::InvalidAction => "InvalidAction",
            Self::NoSuchVersion => "NoSuchVersion",
            Self::UnsupportedProtocol => "UnsupportedProtocol",
            Self::AuthSignatureFailure => "AuthFailure.SignatureFailure",
            Self::AuthSignatureExpire => "AuthFailure.SignatureExpire",
            Self::AuthRequestReplayed => "AuthFailure.RequestReplayed",
            Self::AuthInvalidSecretId => "AuthFailure.InvalidSecretId",
            Self::DeadlineExceeded => "DeadlineExceeded",
            Self::InvalidSubnetNotFound => "InvalidSubnet.NotFound",
            Self::InvalidRouteTableNotFound => "InvalidRouteTable.NotFound",
            Self::InvalidRouteNotFound => "InvalidRoute.NotFound",
            Self::SubnetRange => "InvalidParameterValue.SubnetRange",
            Self::SubnetConflict => "InvalidParameterValue.SubnetConflict",
            Self::CidrNotInPeerVpc => "InvalidParameterValue.CidrNotInPeerVpc",
            Self::RouteConflict => "UnsupportedOperation.EcmpWithUserRoute",
            Self::InvalidParameterValueDuplicate => "InvalidParameterValue.Duplicate",
            Self::VpcMismatch => "UnsupportedOperation.VpcMismatch",
            Self::PeeringNotActive => "InvalidParameterValue.RouteNextHopInvalid",
            Self::DefaultRouteTable => "UnsupportedOperation.DelDefaultRoute",
            Self::RouteTableInUse => "UnsupportedOperation.DelRouteWithSubnet",
            Self::InvalidParameterValueLimitExceeded => "InvalidParameterValue.LimitExceeded",
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
            | Self::UnsupportedRegion
            | Self::InvalidParameterCoexist
            | Self::InvalidParameterFilterNotDict
            | Self::UnknownParameter
            | Self::NoSuchVersion
            | Self::UnsupportedProtocol
            | Self::SubnetRange
            | Self::SubnetConflict
            | Self::CidrNotInPeerVpc
            | Self::PeeringNotActive
            | Self::InvalidParameterValueDuplicate
            | Self::InvalidParameterValueLimitExceeded => InvalidArgument,
            Self::UnsupportedOperation | Self::InvalidAction => Unimplemented,
            Self::InvalidVpcNotFound
            | Self::InvalidPeeringConnectionNotFound
            | Self::InvalidAccountNotFound
            | Self::InvalidSnapshotNotFound
            | Self::InvalidFaultNotFound
            | Self::InvalidSubnetNotFound
            | Self::InvalidRouteTableNotFound
            | Self::InvalidRouteNotFound => NotFound,
            Self::PeeringConnectionVpcConflict
            | Self::VpcPeerInvalidStateChange
            | Self::ResourceInUse
            | Self::RouteConflict
            | Self::VpcMismatch
            | Self::DefaultRouteTable
            | Self::RouteTableInUse => FailedPrecondition,
            Self::VpcPeerAlreadyExist | Self::InvalidAccountAlreadyExists => AlreadyExists,
            Self::PeeringConnectionLimitExceeded
            | Self::LimitExceeded
            | Self::RequestSizeLimitExceeded
            | Self::RequestLimitExceeded => ResourceExhausted,
            Self::VpcPeerPurviewError => PermissionDenied,
            Self::AuthInvalidAuthorization
            | Self::AuthSecretIdNotFound
            | Self::AuthInvalidAdminToken
            | Self::AuthSignatureFailure
            | Self::AuthSignatureExpire
            | Self::AuthRequestReplayed
            | Self::AuthInvalidSecretId => Unauthenticated,
            Self::ServiceUnavailable | Self::ResourceUnavailable => Unavailable,
            Self::DeadlineExceeded => DeadlineExceeded,
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
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<&'static str>,
    /// What API 3.0 would call it more precisely, where it does.
    pub cause: Option<Cause>,
    /// What went wrong underneath an internal error (a storage error, a
    /// panic). The call's log line shows it with the request id; no client
    /// ever sees it.
    pub source: Option<ErrorSource>,
}

/// The hidden cause of an internal error.
pub type ErrorSource = Arc<dyn Error + Send + Sync>;

/// Equal as a client sees them: the hidden `source` does not count.
impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        (self.code, &self.message, self.field, self.cause)
            == (other.code, &other.message, other.field, other.cause)
    }
}

impl Eq for ApiError {}

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
            cause: None,
            source: None,
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

    /// The same error, with the finer cause API 3.0 names.
    pub fn because(self, cause: Cause) -> Self {
        Self {
            cause: Some(cause),
            ..self
        }
    }

    /// The API 3.0 code of this error: its cause's, else its code's.
    pub fn api3_code(&self) -> &'static str {
        match self.cause {
            Some(cause) => cause.api3_code(),
            None => self.code.api3_code(),
        }
    }

    /// The one error that hides its cause: the cause is logged, never sent.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalError,
            "internal error, see the server log",
        )
    }

    /// An internal error caused by `source`, which the server logs with the
    /// call's request id and never sends.
    pub fn internal_because(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            source: Some(Arc::from(source.into())),
            ..Self::internal()
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// API 3.0 codes that exist: the VPC SDK's `errorcodes.py`
    /// (tencentcloud-sdk-python-vpc 3.1.193) and API 3.0's common codes
    /// (TENCENT-WIRE.md 3.3, plus RequestSizeLimitExceeded).
    const KNOWN_API3_CODES: &[&str] = &[
        "AuthFailure.InvalidAuthorization",
        "AuthFailure.InvalidSecretId",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SignatureExpire",
        "AuthFailure.SignatureFailure",
        "AuthFailure.UnauthorizedOperation",
        "InternalError",
        "InvalidAction",
        "InvalidParameter",
        "InvalidParameter.Coexist",
        "InvalidParameter.FilterNotDict",
        "InvalidParameterValue",
        "InvalidParameterValue.Malformed",
        "InvalidParameterValue.Range",
        "InvalidParameterValue.VpcCidrConflict",
        "InvalidParameterValue.VpcCidrOverlapRoute",
        "InvalidParameterValue.SubnetRange",
        "InvalidParameterValue.SubnetConflict",
        "InvalidParameterValue.CidrNotInPeerVpc",
        "InvalidParameterValue.Duplicate",
        "InvalidParameterValue.RouteNextHopInvalid",
        "InvalidParameterValue.LimitExceeded",
        "UnsupportedOperation.EcmpWithUserRoute",
        "UnsupportedOperation.VpcMismatch",
        "UnsupportedOperation.DelDefaultRoute",
        "UnsupportedOperation.DelRouteWithSubnet",
        "LimitExceeded",
        "LimitExceeded.VpcPeerAvaLimitExceeded",
        "LimitExceeded.VpcPeerTotalLimitExceeded",
        "MissingParameter",
        "NoSuchVersion",
        "RequestLimitExceeded",
        "RequestSizeLimitExceeded",
        "ResourceInUse",
        "ResourceNotFound",
        "ResourceUnavailable",
        "UnauthorizedOperation.VpcPeerCidrConflict",
        "UnknownParameter",
        "UnsupportedOperation",
        "UnsupportedOperation.VpcPeerAlreadyExist",
        "UnsupportedOperation.VpcPeerCidrConflict",
        "UnsupportedOperation.VpcPeerInvalidStateChange",
        "UnsupportedOperation.VpcPeerPurviewError",
        "UnsupportedProtocol",
        "UnsupportedRegion",
    ];

    const CAUSES: [Cause; 5] = [
        Cause::PairOverlap,
        Cause::PeerOverlap,
        Cause::LivePeeringQuota,
        Cause::ActivePeeringQuota,
        Cause::RouteOverlap,
    ];

    #[test]
    fn every_code_has_a_real_api3_code_and_causes_refine_it() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code), "{code} twice in ALL");
            assert!(KNOWN_API3_CODES.contains(&code.api3_code()), "{code}");
        }
        for cause in CAUSES {
            assert!(KNOWN_API3_CODES.contains(&cause.api3_code()), "{cause:?}");
        }
        let plain = ApiError::new(ErrorCode::PeeringConnectionLimitExceeded, "m");
        assert_eq!(plain.api3_code(), "LimitExceeded.VpcPeerTotalLimitExceeded");
        assert_eq!(
            plain.because(Cause::ActivePeeringQuota).api3_code(),
            "LimitExceeded.VpcPeerAvaLimitExceeded"
        );
    }

    /// README's error table is this table: every code, in order, with its
    /// gRPC status, its API 3.0 codes (the code's own, and its causes') and
    /// its legacy numeric code.
    #[test]
    fn readme_shows_the_one_table() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## Error codes\n")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("README has an Error codes section");
        let rows: Vec<Vec<&str>> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| l.split(" | ").collect())
            .collect();
        assert_eq!(rows.len(), ErrorCode::ALL.len(), "one row per code");
        for (code, row) in ErrorCode::ALL.iter().zip(&rows) {
            assert_eq!(row[0], format!("| `{}`", code.as_str()));
            let status = format!("{:?}", code.class());
            let status: String = status
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                    sep.into_iter()
                        .chain(std::iter::once(c.to_ascii_uppercase()))
                })
                .collect();
            assert_eq!(row[1], status, "{code}");
            assert_eq!(row[3], code.legacy_code().to_string(), "{code}");
            let cell = row[2];
            assert!(
                cell.starts_with(&format!("`{}`", code.api3_code())),
                "{code}: {cell}"
            );
            for cause in CAUSES {
                let refines = match cause {
                    Cause::PairOverlap | Cause::PeerOverlap => {
                        *code == ErrorCode::PeeringConnectionVpcConflict
                    }
                    Cause::LivePeeringQuota | Cause::ActivePeeringQuota => {
                        *code == ErrorCode::PeeringConnectionLimitExceeded
                    }
                    Cause::RouteOverlap => *code == ErrorCode::InvalidParameterValueOverlap,
                };
                if refines {
                    assert!(cell.contains(cause.api3_code()), "{code}: {cell}");
                }
            }
        }
    }

    #[test]
    fn an_internal_error_keeps_its_cause_out_of_what_clients_see() {
        let err = ApiError::internal_because("no such table: events");
        assert_eq!(err, ApiError::internal(), "equal as clients see them");
        assert_eq!(
            err.source().map(|s| s.to_string()).as_deref(),
            Some("no such table: events")
        );
        assert!(!err.to_string().contains("events"), "{err}");
        assert!(!err.message.contains("events"));
    }

    #[test]
    fn long_messages_are_cut() {
        let err = ApiError::new(ErrorCode::InvalidParameterValue, "x".repeat(10_000));
        assert!(err.message.chars().count() < MAX_MESSAGE_CHARS + 20);
        assert!(err.message.ends_with("(truncated)"));
        assert_eq!(truncate_message("对对".into(), 1), "对… (truncated)");
        assert_eq!(truncate_message("short".into(), 10), "short");
    }
}
