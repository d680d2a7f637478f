//! Where rate limits and fault rules meet calls, the same for every front
//! end: after authentication, `before_work` (the rate limit, then rules
//! that fail or delay before the work); after the work, `after_work`
//! (rules that delay the answer, or replace a committed success by an
//! error). The HTTP front ends wrap their one dispatch in `with_faults`;
//! gRPC calls get the first half in `AppState::caller` and the second in
//! [`GrpcFaultsLayer`], around the Peering and Vpc services.

use std::{
    convert::Infallible,
    future::Future,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use http::{Request, Response};
use tonic::{Status, server::NamedService};
use tower::{Layer, Service};

use super::{auth::AppState, context::CallInfo};
use crate::{
    domain::{
        ApiError,
        faults::{CallKey, Phase},
        region::Region,
    },
    store::{Actor, BoxFuture},
};

/// A call as rate limits and fault rules see it.
#[derive(Debug, Clone)]
pub struct FaultCall {
    /// The action's name for rules (`domain::faults::canonical_action`).
    pub action: &'static str,
    pub uin: String,
    pub region: Region,
    pub request_id: String,
}

impl FaultCall {
    fn key(&self) -> CallKey<'_> {
        CallKey {
            action: self.action,
            uin: &self.uin,
            region: self.region,
        }
    }
}

impl AppState {
    /// Whether a call may meet a rate limit or a fault rule: two atomic
    /// reads. When not, the front ends skip both halves and build no
    /// `FaultCall`, so a server without either pays nothing more per call.
    /// (A rule added while a call runs then meets the next calls.)
    pub fn intercepts_calls(&self) -> bool {
        self.throttle.on() || self.store.faults_armed()
    }

    /// Before the call's work: the rate limit, then the rules that fail or
    /// delay a call before it.
    pub async fn before_work(&self, call: &FaultCall) -> Result<(), ApiError> {
        self.throttle.check(&call.uin, call.action)?;
        match self.inject(call, Phase::Before, true).await? {
            Some(injected) => Err(injected),
            None => Ok(()),
        }
    }

    /// After the call's work (`succeeded` if it did, and committed): the
    /// rules that delay the answer or fail a committed call. If the rules
    /// cannot be drawn (the store failed), the call keeps its own answer:
    /// its work is done, and only a rule may hide that.
    pub async fn after_work(&self, call: &FaultCall, succeeded: bool) -> Result<(), ApiError> {
        match self.inject(call, Phase::After, succeeded).await {
            Ok(Some(injected)) => Err(injected),
            Ok(None) => Ok(()),
            Err(failure) => {
                let cause = failure.source.as_ref().map(|s| s.to_string());
                tracing::warn!(
                    request_id = %call.request_id,
                    error = %failure,
                    cause = cause.as_deref().unwrap_or("-"),
                    "fault rules after the work could not be drawn; the call keeps its answer"
                );
                Ok(())
            }
        }
    }

    /// Runs `work` between the two halves, for a front end with one dispatch.
    pub async fn with_faults<T, E: From<ApiError>>(
        &self,
        call: &FaultCall,
        work: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        self.before_work(call).await?;
        let result = work.await;
        self.after_work(call, result.is_ok()).await?;
        result
    }

    /// Draws the rules for `call` in `phase`, waits out their delays, and
    /// answers the error a failing one injects; an error if the store failed.
    async fn inject(
        &self,
        call: &FaultCall,
        phase: Phase,
        succeeded: bool,
    ) -> Result<Option<ApiError>, ApiError> {
        if !self.store.faults_armed() {
            return Ok(None);
        }
        let actor = Actor {
            uin: call.uin.clone(),
            request_id: call.request_id.clone(),
            client_token: None,
        };
        let fired = self
            .store
            .inject_faults(actor, call.key(), phase, succeeded)
            .await?;
        let mut delay = Duration::ZERO;
        let mut error = None;
        for rule in &fired {
            tracing::info!(
                fault_id = %rule.fault_id,
                request_id = %call.request_id,
                action = call.action,
                caller = %call.uin,
                effect = %rule.effect(),
                "fault injected"
            );
            delay += rule.spec.delay;
            error = error.or_else(|| rule.error());
        }
        if !delay.is_zero() {
            // A gRPC deadline that passes meanwhile ends the call as usual.
            tokio::time::sleep(delay).await;
        }
        Ok(error)
    }
}

/// Runs the after-work half of fault rules around a gRPC service, for the
/// calls whose first half `AppState::caller` ran.
#[derive(Clone)]
pub struct GrpcFaultsLayer {
    state: Arc<AppState>,
}

impl GrpcFaultsLayer {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

impl<S> Layer<S> for GrpcFaultsLayer {
    type Service = GrpcFaults<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcFaults {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub struct GrpcFaults<S> {
    inner: S,
    state: Arc<AppState>,
}

impl<S: NamedService> NamedService for GrpcFaults<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> Service<Request<B>> for GrpcFaults<S>
where
    S: Service<Request<B>, Response = Response<tonic::body::Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let info = request.extensions().get::<Arc<CallInfo>>().cloned();
        let state = self.state.clone();
        // The ready service goes to this call; a clone stays for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let response = inner.call(request).await?;
            let Some(call) = info.as_deref().and_then(CallInfo::fault_call) else {
                return Ok(response);
            };
            // A unary call's error travels in the headers; a success has none.
            let succeeded = !response.headers().contains_key("grpc-status");
            Ok(match state.after_work(call, succeeded).await {
                Ok(()) => response,
                Err(err) => Status::from(err).into_http(),
            })
        })
    }
}
