//! Safe retries: a mutating call sent with an `x-client-token` records its
//! answer in the same transaction as its change. A retry with the same token
//! and the same request gets that answer back and changes nothing; the same
//! token with another request is `InvalidParameter.ClientTokenConflict`.
//! A call that fails changes nothing and records nothing, so its retry simply
//! runs again.

use serde::{Serialize, de::DeserializeOwned};

use super::{Actor, BoxFuture, ClientToken, Store, Tx};
use crate::domain::{ApiError, ApiResult, ErrorCode};

/// Answers that can be remembered for a retry.
pub trait Idempotent: Serialize + DeserializeOwned + Send + 'static {}
impl<T: Serialize + DeserializeOwned + Send + 'static> Idempotent for T {}

impl Actor {
    /// The caller and token to remember the answer under, if any.
    pub fn idempotency(&self) -> Option<(String, ClientToken)> {
        self.client_token
            .clone()
            .map(|token| (self.uin.clone(), token))
    }
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    ApiError::internal_because(format!("client token answer: {err}"))
}

impl Store {
    /// Like `write`, remembering the answer under the caller's client token.
    pub async fn write_as<T, F>(&self, key: Option<(String, ClientToken)>, op: F) -> ApiResult<T>
    where
        T: Idempotent,
        F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, ApiResult<T>> + Send + 'static,
    {
        let Some((caller, token)) = key else {
            return self.write(op).await;
        };
        self.write(move |tx| {
            Box::pin(async move {
                let found: Option<(Vec<u8>, String)> =
                    sqlx::query_as("SELECT fingerprint, response FROM client_tokens WHERE caller = ? AND token = ?")
                        .bind(&caller)
                        .bind(&token.token)
                        .fetch_optional(&mut tx.conn)
                        .await?;
                if let Some((fingerprint, response)) = found {
                    if fingerprint != token.fingerprint {
                        return Err(ApiError::field(
                            ErrorCode::ClientTokenConflict,
                            "x-client-token",
                            format!("client token {:?} was already used with a different request", token.token),
                        ));
                    }
                    return serde_json::from_str(&response).map_err(internal);
                }
                let answer = op(tx).await?;
                let response = serde_json::to_string(&answer).map_err(internal)?;
                sqlx::query("INSERT INTO client_tokens (caller, token, fingerprint, response, time) VALUES (?, ?, ?, ?, ?)")
                    .bind(&caller)
                    .bind(&token.token)
                    .bind(&token.fingerprint)
                    .bind(response)
                    .bind(tx.now)
                    .execute(&mut tx.conn)
                    .await?;
                Ok(answer)
            })
        })
        .await
    }
}
