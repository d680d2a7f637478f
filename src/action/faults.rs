//! Where rate limits and fault rules meet calls, the same for every front
//! end (through [`Actions::run`]): `before_work` (the rate limit, then
//! rules that fail or delay before the work) and `after_work` (rules that
//! delay the answer, or replace a committed success by an error).

use std::time::Duration;

use super::{Actions, Caller};
use crate::{
    domain::{
        ApiError,
        actions::ActionName,
        faults::{FaultTarget, Phase},
    },
    store::Actor,
};

impl Actions {
    /// Whether a call may meet a rate limit or a fault rule: two atomic
    /// reads. When not, the front ends skip both halves and build no
    /// draws, so a server without either pays nothing more per call.
    /// (A rule added while a call runs then meets the next calls.)
    pub fn intercepts_calls(&self) -> bool {
        self.throttle.on() || self.store.faults_armed()
    }

    /// Before the call's work: the rate limit, then the rules that fail or
    /// delay a call before it.
    pub async fn before_work(&self, caller: &Caller, action: ActionName) -> Result<(), ApiError> {
        if let Err(refused) = self.throttle.check(&caller.uin, action) {
            self.store.metrics().throttled(action.as_str());
            return Err(refused);
        }
        match self.inject(caller, action, Phase::Before, true).await? {
            Some(injected) => Err(injected),
            None => Ok(()),
        }
    }

    /// After the call's work (`succeeded` if it did, and committed): the
    /// rules that delay the answer or fail a committed call. If the rules
    /// cannot be drawn (the store failed), the call keeps its own answer:
    /// its work is done, and only a rule may hide that.
    pub async fn after_work(
        &self,
        caller: &Caller,
        action: ActionName,
        succeeded: bool,
    ) -> Result<(), ApiError> {
        match self.inject(caller, action, Phase::After, succeeded).await {
            Ok(Some(injected)) => Err(injected),
            Ok(None) => Ok(()),
            Err(failure) => {
                let cause = failure.source.as_ref().map(|s| s.to_string());
                tracing::warn!(
                    request_id = %caller.request_id,
                    error = %failure,
                    cause = cause.as_deref().unwrap_or("-"),
                    "fault rules after the work could not be drawn; the call keeps its answer"
                );
                Ok(())
            }
        }
    }

    /// Draws the rules for `call` in `phase`, waits out their delays, and
    /// answers the error a failing one injects; an error if the store failed.
    async fn inject(
        &self,
        caller: &Caller,
        action: ActionName,
        phase: Phase,
        succeeded: bool,
    ) -> Result<Option<ApiError>, ApiError> {
        if !self.store.faults_armed() {
            return Ok(None);
        }
        // The firing is an event of the caller's, never a retried answer.
        let actor = Actor {
            client_token: None,
            ..caller.actor()
        };
        let target = FaultTarget {
            action,
            uin: &caller.uin,
            region: caller.region,
        };
        let fired = self
            .store
            .inject_faults(actor, target, phase, succeeded)
            .await?;
        let mut delay = Duration::ZERO;
        let mut error = None;
        for rule in &fired {
            tracing::info!(
                fault_id = %rule.fault_id,
                request_id = %caller.request_id,
                action = action.as_str(),
                caller = %caller.uin,
                effect = %rule.effect(),
                "fault injected"
            );
            self.store.metrics().fault_fired(action.as_str());
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
