//! The gRPC front end: the tonic services of `vpcsim.v1`. Peering and Vpc
//! calls are authenticated here (`auth`), decoded into the action layer's
//! operations and encoded back (`convert`); Admin calls drive the store's
//! controls. Errors take the gRPC shape in `status`.

pub mod admin;
pub mod auth;
pub mod convert;
pub mod peering;
pub mod status;
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
    let caller = auth::caller(state, &request, action).await?;
    let operation = decode(request.into_inner());
    Ok(state.actions.run(&caller, action, operation).await?)
}
