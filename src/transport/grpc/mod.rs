//! The gRPC front end: the tonic services of `vpcsim.v1`. Peering, Vpc,
//! Subnet and RouteTable calls are authenticated here (`auth`), decoded into the action layer's
//! operations and encoded back (`convert`); Admin calls drive the store's
//! controls. Errors take the gRPC shape in `status`.

pub mod admin;
pub mod auth;
pub mod convert;
pub mod peering;
pub mod route;
pub mod status;
pub mod subnet;
pub mod vpc;

use tonic::{Request, Status};

use crate::{
    action::Operation,
    domain::{ApiResult, actions::ActionName},
    transport::AppState,
};

/// One Peering or Vpc call: authenticates the caller of `action`, decodes
/// the request, and runs it through the action layer.
async fn run<T: prost::Message, O: Operation>(
    state: &AppState,
    request: Request<T>,
    action: ActionName,
    decode: impl FnOnce(T) -> ApiResult<O>,
) -> Result<O::Output, Status> {
    let log = request
        .extensions()
        .get::<std::sync::Arc<crate::transport::request_log::RequestLog>>()
        .cloned();
    let answer = match auth::caller(state, &request, action).await {
        Ok(caller) => {
            let operation = decode(request.into_inner());
            state.actions.run(&caller, action, operation).await
        }
        Err(err) => Err(err),
    };
    // The table's code for the call's log line and metrics, as the HTTP
    // front ends record theirs.
    if let (Err(err), Some(log)) = (&answer, log) {
        log.set_error(err.code.as_str(), None);
    }
    Ok(answer?)
}
