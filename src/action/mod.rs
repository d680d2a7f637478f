//! The action layer, between the front ends and the store: one typed
//! operation per action ([`Operation`]), one [`Caller`], and one entry
//! point ([`Actions::run`]) that every front end goes through. The front
//! ends (gRPC, API 3.0, legacy) only authenticate, decode their wire into
//! an operation, and encode its output; everything a call meets on the way
//! is here, once: the writer check, the rate limit, the fault rules before
//! and after the work, and the store call, which commits the change and
//! its event.
//!
//! The decoding rules every front end shares (ids, uins, regions, names,
//! filters, order, pages) live in [`fields`], each front end naming its
//! own fields; so the same bad input gets the same code through all three.

pub mod faults;
pub mod fields;
pub mod network;
pub mod peering;
pub mod throttle;
pub mod vpc;

use std::future::Future;

use crate::{
    domain::{ApiResult, actions::ActionName, region::Region},
    store::{Actor, ClientToken, Store},
};

/// Who is calling, where, and as which request: authenticated by a front
/// end, the same for all three.
#[derive(Debug, Clone)]
pub struct Caller {
    pub uin: String,
    pub region: Region,
    pub request_id: String,
    /// The call's client token, if it sent one: a retry with the same
    /// token gets the first answer.
    pub client_token: Option<ClientToken>,
}

impl Caller {
    /// The caller as the store records who made a change.
    pub fn actor(&self) -> Actor {
        Actor {
            uin: self.uin.clone(),
            request_id: self.request_id.clone(),
            client_token: self.client_token.clone(),
        }
    }
}

/// One action's work on the store, decoded from any front end.
pub trait Operation: Send {
    type Output: Send;

    fn apply(
        self,
        store: &Store,
        caller: &Caller,
    ) -> impl Future<Output = ApiResult<Self::Output>> + Send;
}

/// One page of a Describe, and how many match in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub total: i64,
    pub items: Vec<T>,
}

/// What every call goes through: the store, and the rate limits in force.
pub struct Actions {
    pub store: Store,
    pub throttle: throttle::Throttle,
}

impl Actions {
    pub fn new(store: Store, throttle: throttle::Throttle) -> Self {
        Self { store, throttle }
    }

    /// Runs one call of `action`: the writer check, then (while any rule or
    /// limit is set) the rate limit and the rules before the work, the
    /// operation, the rules after it. `operation` is what the front end
    /// decoded; a decoding error meets the limits and rules like any other
    /// answer, so a rule acts on every call of its action.
    pub async fn run<O: Operation>(
        &self,
        caller: &Caller,
        action: ActionName,
        operation: ApiResult<O>,
    ) -> ApiResult<O::Output> {
        self.store.check_writer()?;
        // Two atomic reads: a server without rules or limits pays no more.
        let intercepted = self.intercepts_calls();
        if intercepted {
            self.before_work(caller, action).await?;
        }
        let result = match operation {
            Ok(operation) => operation.apply(&self.store, caller).await,
            Err(err) => Err(err),
        };
        if intercepted {
            self.after_work(caller, action, result.is_ok()).await?;
        }
        result
    }
}
