//! `POST /ui/api/admin/<Method>`: the console's controls, as AdminService
//! calls with JSON bodies. The request message is read from JSON under the
//! protos' field names (absent fields take their defaults; a fault's kind
//! by its name), handed to the AdminService the gRPC port serves, and its
//! answer written back as JSON. Nothing here decides anything: clock,
//! snapshots, fault rules and Reset behave exactly as over gRPC, errors
//! included.

use std::{future::Future, sync::Arc};

use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::json;
use tonic::metadata::MetadataValue;
use tonic_types::StatusExt;

use super::{Console, check_access};
use crate::{
    domain::ErrorCode,
    proto::admin_service_server::AdminService,
    transport::{AppState, grpc::admin::AdminApi, request_log::RequestLog},
};

/// The largest JSON body a control sends.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The AdminService the console calls.
pub struct Bridge {
    state: Arc<AppState>,
    api: AdminApi,
}

impl Bridge {
    pub fn new(state: Arc<AppState>) -> Self {
        Self {
            api: AdminApi::new(state.clone()),
            state,
        }
    }
}

/// A JSON answer and its HTTP status.
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    /// The admin API's error, if it answered one.
    pub failure: Option<tonic::Status>,
}

impl Answer {
    fn error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Answer {
        Answer {
            status,
            body: json!({ "code": code, "message": message, "request_id": request_id }).to_string(),
            failure: None,
        }
    }
}

/// Runs one control.
pub async fn call(
    State(console): State<Arc<Console>>,
    Path(method): Path<String>,
    request: Request,
) -> Response {
    let bridge = &console.bridge;
    if let Err(refused) = check_access(&console, request.headers(), request.method()) {
        return refused.into_response();
    }
    let json_body = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let log = request.extensions().get::<Arc<RequestLog>>().cloned();
    let request_id = log
        .as_ref()
        .map(|l| l.request_id.clone())
        .unwrap_or_default();
    if !json_body {
        // Also what keeps a form on another site from posting here: a
        // JSON body needs the CORS preflight that this server never grants.
        return Answer::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "InvalidParameter",
            "send the request message as JSON, with Content-Type: application/json",
            &request_id,
        )
        .into_response();
    }
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return Answer::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestSizeLimitExceeded",
                "a control's body is at most 64 KiB",
                &request_id,
            )
            .into_response();
        }
    };
    let call = Call {
        bridge,
        log,
        body: &body,
        request_id: &request_id,
    };
    let api = &bridge.api;
    // Each control once: its name, the method the match runs, and the list
    // an unknown name is told.
    macro_rules! controls {
        ($($name:literal => $method:ident),* $(,)?) => {
            match method.as_str() {
                $($name => call.run($name, |r| api.$method(r)).await,)*
                _ => Answer::error(
                    StatusCode::NOT_FOUND,
                    "InvalidAction",
                    &format!(
                        "the console calls {}; not {:?}",
                        [$($name),*].join(", "),
                        method.chars().take(64).collect::<String>()
                    ),
                    &request_id,
                ),
            }
        };
    }
    let answer = controls! {
        "GetClock" => get_clock,
        "AdvanceClock" => advance_clock,
        "SetClock" => set_clock,
        "SaveSnapshot" => save_snapshot,
        "RestoreSnapshot" => restore_snapshot,
        "ListSnapshots" => list_snapshots,
        "DeleteSnapshot" => delete_snapshot,
        "AddFault" => add_fault,
        "ListFaults" => list_faults,
        "DeleteFault" => delete_fault,
        "ClearFaults" => clear_faults,
        "Reset" => reset,
        "GetServerInfo" => get_server_info,
        "DescribeEvents" => describe_events,
        "DescribeQuotas" => describe_quotas,
    };
    answer.into_response()
}

/// One control's request, on its way to AdminService.
struct Call<'a> {
    bridge: &'a Bridge,
    log: Option<Arc<RequestLog>>,
    body: &'a [u8],
    request_id: &'a str,
}

impl Call<'_> {
    async fn run<Req, Res, Fut>(
        self,
        name: &'static str,
        method: impl FnOnce(tonic::Request<Req>) -> Fut,
    ) -> Answer
    where
        Req: DeserializeOwned,
        Res: Serialize,
        Fut: Future<Output = Result<tonic::Response<Res>, tonic::Status>>,
    {
        let body = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}".as_slice()
        } else {
            self.body
        };
        let message: Req = match serde_json::from_slice(body) {
            Ok(message) => message,
            Err(err) => {
                return Answer::error(
                    StatusCode::BAD_REQUEST,
                    "InvalidParameter",
                    &format!("the body is not this call's request message as JSON: {err}"),
                    self.request_id,
                );
            }
        };
        let mut request = tonic::Request::new(message);
        if let Some(log) = &self.log {
            log.set_console_method(name);
            request.extensions_mut().insert(log.clone());
        }
        // The console checked the caller (see `check_access`); the admin
        // API checks the token as for any other admin call.
        if let Some(token) = &self.bridge.state.admin_token
            && let Ok(value) = MetadataValue::try_from(format!("Bearer {token}"))
        {
            request.metadata_mut().insert("authorization", value);
        }
        match method(request).await {
            Ok(response) => match serde_json::to_string(response.get_ref()) {
                Ok(body) => Answer {
                    status: StatusCode::OK,
                    body,
                    failure: None,
                },
                Err(_) => Answer::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "the answer could not be written as JSON",
                    self.request_id,
                ),
            },
            Err(status) => {
                let code = status
                    .get_error_details()
                    .error_info()
                    .and_then(|info| {
                        ErrorCode::ALL
                            .into_iter()
                            .find(|c| c.as_str() == info.reason)
                    })
                    .unwrap_or(ErrorCode::InternalError);
                // The call's log line and timeline row carry the table's
                // code, as over gRPC.
                if let Some(log) = &self.log {
                    log.set_error(code.as_str(), None);
                }
                let mut answer = Answer::error(
                    http_status(status.code()),
                    code.as_str(),
                    status.message(),
                    self.request_id,
                );
                // The request layer logs an internal error's hidden cause
                // from the status it finds here.
                answer.failure = Some(status);
                answer
            }
        }
    }
}

/// The HTTP status of a gRPC status code, as gRPC-to-HTTP gateways map it.
fn http_status(code: tonic::Code) -> StatusCode {
    use tonic::Code::*;
    match code {
        Ok => StatusCode::OK,
        InvalidArgument | OutOfRange => StatusCode::BAD_REQUEST,
        FailedPrecondition => StatusCode::CONFLICT,
        Unauthenticated => StatusCode::UNAUTHORIZED,
        PermissionDenied => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        AlreadyExists | Aborted => StatusCode::CONFLICT,
        ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Cancelled | Unknown | Internal | DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A fault rule's `kind` in JSON: its name in the protos (`FAIL_BEFORE`),
/// not its number.
pub mod fault_kind {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::proto::FaultKind;

    pub fn serialize<S: Serializer>(kind: &i32, serializer: S) -> Result<S::Ok, S::Error> {
        let name = FaultKind::try_from(*kind)
            .map(|k| k.as_str_name())
            .unwrap_or("FAULT_KIND_UNSPECIFIED");
        serializer.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
        let name = String::deserialize(deserializer)?;
        FaultKind::from_str_name(&name)
            .map(|k| k as i32)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "kind {name:?} is not one of FAIL_BEFORE, FAIL_AFTER_COMMIT, DELAY_BEFORE, \
                     DELAY_AFTER"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{ErrorCode, actions::ActionName};

    /// The strings of a `const NAME = [...]` list in the page's source.
    fn page_list(source: &str, name: &str) -> Vec<String> {
        let start = source
            .find(&format!("const {name} = ["))
            .unwrap_or_else(|| panic!("ui/src/Controls.jsx has no {name} list"));
        let list = &source[start..];
        let list = &list[..list.find("];").expect("the list ends")];
        list.split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    /// The fault form suggests actions and codes; the admin API decides.
    /// Its suggestions must still be ones AddFault takes.
    #[test]
    fn the_pages_fault_suggestions_are_names_the_admin_api_takes() {
        let source = include_str!("../../../ui/src/Controls.jsx");
        let actions = page_list(source, "ACTIONS");
        assert!(actions.len() > 20, "{actions:?}");
        for action in actions.iter().filter(|a| *a != "*") {
            assert!(
                ActionName::parse(action).is_some(),
                "{action} is not an action"
            );
        }
        let codes = page_list(source, "CODES");
        assert!(!codes.is_empty());
        for code in &codes {
            assert!(
                ErrorCode::parse(code).is_some(),
                "{code} is not in the error table"
            );
        }
        let kinds = page_list(source, "FAULT_KINDS");
        for kind in &kinds {
            assert!(
                crate::proto::FaultKind::from_str_name(kind).is_some(),
                "{kind}"
            );
        }
    }
}
