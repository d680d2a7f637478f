//! The page's files, built from `ui/` by `npm run build` into `ui/dist`
//! (committed, and checked by `.ci/run` to be what the sources build) and
//! embedded here at compile time: the binary serves the console without
//! network, Node.js or files beside it.

use axum::{body::Body, http::StatusCode, response::Response};

use super::{refusal, with_headers};

const INDEX_HTML: &[u8] = include_bytes!("../../../ui/dist/index.html");

/// The files under `/ui/assets/`, by name.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../ui/dist/assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../ui/dist/assets/app.css"),
    ),
];

pub fn index() -> Response {
    with_headers(
        StatusCode::OK,
        "text/html; charset=utf-8",
        Body::from(INDEX_HTML),
    )
}

pub fn file(name: &str) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, bytes)) => {
            with_headers(StatusCode::OK, content_type, Body::from(*bytes))
        }
        None => refusal(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "the console has no such file",
        ),
    }
}

/// The sign-in form of a server with an admin token: a plain form, so
/// that the token never travels in a URL (and so into history or logs).
pub fn sign_in(status: StatusCode, problem: Option<&'static str>) -> Response {
    let problem = problem
        .map(|p| format!("<p class=\"problem\" role=\"alert\">{p}</p>"))
        .unwrap_or_default();
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vpcsim console: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f4f5f7; color: #1f2937; }}
form {{ background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; max-width: 26rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; margin: .25rem 0 1rem; }}
button {{ font: inherit; padding: .5rem 1rem; }}
.problem {{ color: #b91c1c; }}
</style></head>
<body><form method="post" action="/ui/login">
<h1>vpcsim console</h1>
<p>This server was started with an admin token. Enter it to open the console.</p>
{problem}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form></body></html>
"#
    );
    with_headers(status, "text/html; charset=utf-8", Body::from(html))
}
