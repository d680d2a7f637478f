//! What every front end shares: the action layer, the server's settings,
//! and the Nonces the older signature form has used.

use std::{collections::HashMap, sync::Mutex};

use crate::{
    action::Actions,
    domain::{region::Region, time::Timestamp},
    store::{ScenarioLoad, Store},
};

/// How long a Nonce is remembered: as long as its Timestamp is accepted.
pub const NONCE_WINDOW_SECS: i64 = 300;

/// The server's state, for every front end.
pub struct AppState {
    pub actions: Actions,
    pub default_region: Region,
    pub admin_token: Option<String>,
    /// The scenario the server started with, which Reset loads again.
    pub start_scenario: Option<ScenarioLoad>,
    /// Turns true when shutdown begins, to end event streams.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Nonces of older-form signatures, over both HTTP APIs.
    pub nonces: Nonces,
    /// When the server started serving, for GetServerInfo's uptime.
    pub started: std::time::Instant,
    /// The database file as `--db` gave it, or `:memory:`.
    pub db_path: String,
    /// Whether the server serves TLS only.
    pub tls: bool,
    /// The calls as they end, for the console's timeline.
    pub calls: super::call_feed::CallFeed,
}

impl AppState {
    pub fn store(&self) -> &Store {
        &self.actions.store
    }
}

/// (SecretId, Nonce) pairs seen, until when they count as a replay.
#[derive(Default)]
pub struct Nonces {
    seen: Mutex<HashMap<(String, String), Timestamp>>,
}

impl Nonces {
    /// Records a Nonce; false if the same SecretId sent it within the
    /// window. Entries past the window are dropped as the map grows.
    pub fn first_use(&self, secret_id: &str, nonce: &str, now: Timestamp) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= 4096 {
            seen.retain(|_, until| *until > now);
        }
        let key = (secret_id.to_owned(), nonce.to_owned());
        match seen.get(&key) {
            Some(until) if *until > now => false,
            _ => {
                seen.insert(key, now + 2 * NONCE_WINDOW_SECS);
                true
            }
        }
    }
}
