//! One request's record, which the front ends fill in as they learn about
//! the call (who, which action, which error) and the request layer
//! (`context`) turns into the call's log line.

use std::sync::OnceLock;

use crate::domain::{actions::ActionName, error::ErrorSource};

/// One request's record, for its log line: what the front end learns of
/// it as it goes.
#[derive(Debug, Default)]
pub struct RequestLog {
    pub request_id: String,
    /// The gRPC path (`/vpcsim.v1.PeeringService/CreateVpcPeeringConnection`),
    /// or `api3/<Action>`.
    pub method: String,
    pub(super) caller: OnceLock<String>,
    /// The action, once the front end has named it.
    pub(super) action: OnceLock<ActionName>,
    /// The `Action` of a legacy call, as sent, which travels among its
    /// parameters.
    pub(super) legacy_action: OnceLock<String>,
    /// The code of an HTTP API's error, which travels in a 200 answer.
    pub(super) error_code: OnceLock<&'static str>,
    /// The hidden cause of an HTTP API's internal error.
    pub(super) error_source: OnceLock<ErrorSource>,
    /// The AdminService method a console control ran, once it passed the
    /// console's access check: only such calls reach the timeline.
    pub(super) console_method: OnceLock<&'static str>,
}

impl RequestLog {
    /// Records who called, once authenticated.
    pub fn set_caller(&self, uin: &str) {
        let _ = self.caller.set(uin.to_owned());
    }

    /// Records the action, by its one name.
    pub fn set_action(&self, action: ActionName) {
        let _ = self.action.set(action);
    }

    /// Records the `Action` of a legacy call, whose path does not name it.
    pub fn set_legacy_action(&self, action: &str) {
        let _ = self.legacy_action.set(action.chars().take(64).collect());
        if let Some((action, _)) = ActionName::from_legacy(action) {
            self.set_action(action);
        }
    }

    /// Records the AdminService method a console control runs.
    pub fn set_console_method(&self, method: &'static str) {
        let _ = self.console_method.set(method);
    }

    /// Records the error an HTTP API answered with (in a 200 answer), and
    /// its hidden cause if it has one.
    pub fn set_error(&self, code: &'static str, source: Option<ErrorSource>) {
        let _ = self.error_code.set(code);
        if let Some(source) = source {
            let _ = self.error_source.set(source);
        }
    }
}
