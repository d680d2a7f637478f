//! A Tencent Cloud API 3.0 client for the bench, as an SDK behaves: one
//! HTTP/1.1 keep-alive connection (TCP_NODELAY) reused for every call, and
//! every request signed with TC3-HMAC-SHA256 as it is sent.

use anyhow::Context;
use http::{HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper::{body::Bytes, client::conn::http1::SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::transport::{http::api3, signing};

/// One client connection, signing as one account.
pub struct Api3Client {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    secret_id: String,
    secret_key: String,
}

impl Api3Client {
    pub async fn connect(
        addr: &str,
        secret_id: String,
        secret_key: String,
    ) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        // Ends when the sender is dropped or the server closes.
        tokio::spawn(connection);
        Ok(Api3Client {
            sender,
            host: HeaderValue::from_str(addr)?,
            secret_id,
            secret_key,
        })
    }

    /// Calls `action` with `body` (JSON) in ap-guangzhou. The `Response`
    /// object on success; an `Error` in it, or anything but HTTP 200, is an
    /// error, as an SDK raises it.
    pub async fn call(&mut self, action: &'static str, body: String) -> Result<Value, String> {
        let timestamp = chrono::Utc::now().timestamp();
        let body = Bytes::from(body);
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/")
            .header(header::HOST, self.host.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-tc-action", action)
            .header("x-tc-version", api3::VERSION)
            .header("x-tc-region", "ap-guangzhou")
            .header("x-tc-timestamp", timestamp)
            .body(Full::new(body.clone()))
            .map_err(|e| e.to_string())?;
        let authorization = {
            let received = signing::ReceivedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: request.headers(),
                body: &body,
            };
            signing::tc3_authorization(
                &self.secret_id,
                &self.secret_key,
                api3::SERVICE,
                &received,
                timestamp,
            )
            .map_err(|e| e.to_string())?
        };
        request.headers_mut().insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&authorization).map_err(|e| e.to_string())?,
        );
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| format!("HTTP/1.1: {e}"))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("HTTP/1.1 body: {e}"))?
            .to_bytes();
        if status != http::StatusCode::OK {
            return Err(format!("HTTP {status}"));
        }
        let mut answer: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("answer is not JSON: {e}"))?;
        let response = answer["Response"].take();
        match &response["Error"] {
            Value::Null => Ok(response),
            error => Err(format!(
                "{}: {}",
                error["Code"].as_str().unwrap_or("?"),
                error["Message"].as_str().unwrap_or("")
            )),
        }
    }
}
