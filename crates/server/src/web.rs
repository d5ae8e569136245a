//! Serves the built web app (`--dist`): correct media types (`application/wasm` included),
//! precompressed brotli and gzip files when the build produced them, immutable caching for
//! content-hashed assets and revalidation for everything else. Until the web app exists, a
//! plain page says how to build it and how to use the API.

use std::path::Path;

use axum::http::{header, HeaderValue, Request};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::response::{Html, Response};
use axum::Router;
use tower_http::services::ServeDir;

use crate::static_files::StaticFiles;

/// `name-0123456789abcdef.ext` and `name-0123456789abcdef_bg.wasm` (Trunk's content hash)
/// are immutable.
pub fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Caching, `nosniff` and the CORS headers the embed needs, on every static file.
async fn static_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The embed: other sites' pages import embed/*.js as a module and fetch the wasm and
    // style.css, which needs CORS. Everything here is public and sent without credentials.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    resp
}

/// The static side: the app from `dist`, or the placeholder page.
pub fn service(dist: &Path) -> Router {
    if dist.join("index.html").is_file() {
        // The app has no client-side routes (a check is `/?domain=`), so a path that is not a
        // file is a real 404: crawlers, link checkers and `/favicon.ico` probes see the truth
        // instead of the app's HTML.
        let files = ServeDir::new(dist)
            .precompressed_br()
            .precompressed_gzip()
            .not_found_service(axum::routing::any(not_found));
        // Served from memory where it can be (src/static_files.rs); ServeDir does the rest.
        let memory = StaticFiles::new(dist);
        Router::new()
            .fallback_service(files)
            .layer(middleware::from_fn(
                move |req: Request<axum::body::Body>, next: Next| {
                    let hit = memory.respond(&req);
                    async move {
                        match hit {
                            Some(r) => r,
                            None => next.run(req).await,
                        }
                    }
                },
            ))
            .layer(middleware::from_fn(static_headers))
    } else {
        let shown = dist.display().to_string();
        Router::new().fallback(move || {
            let shown = shown.clone();
            async move { Html(placeholder(&shown)) }
        })
    }
}

async fn not_found() -> Response {
    let mut resp = Html(
        r#"<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found · MTA-STS checker</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}</style>
<h1>Not found</h1><p>There is no page here. The checker is at <a href="/">the start page</a>; to check a domain, open <code>/?domain=example.com</code>.</p>"#,
    )
    .into_response();
    *resp.status_mut() = axum::http::StatusCode::NOT_FOUND;
    resp
}

fn placeholder(dist: &str) -> String {
    let dist = dist
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<!doctype html><html lang="en"><meta charset="utf-8"><title>mtasts checker</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}}code{{background:#eee;padding:0 .2em}}</style>
<h1>The web app is not built yet</h1>
<p>This server found no <code>index.html</code> in <code>{dist}</code>. Build and serve everything with
<code>scripts/run.sh</code> from the repository, or point <code>--dist</code> at a built app.</p>
<p>The API works already:</p>
<ul><li><a href="/api/v1/policy?domain=example.com">/api/v1/policy?domain=example.com</a> — the policy fetch, with TLS and HTTP facts</li>
<li><a href="/api/v1/mx-tls?domain=example.com">/api/v1/mx-tls?domain=example.com</a> — STARTTLS on every MX host</li>
<li><a href="/healthz">/healthz</a></li></ul>
<p>From a terminal: <code>mtasts check example.com</code>. To try it with no internet: <code>mtasts serve --demo</code>.</p>
</html>"#
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashed_names() {
        assert!(super::is_hashed("/mtasts-web-3f2a9c0d1e4b5a67_bg.wasm"));
        assert!(super::is_hashed("/app-0123456789abcdef.js"));
        assert!(!super::is_hashed("/index.html"));
        assert!(!super::is_hashed("/embed.js"));
        assert!(!super::is_hashed("/my-app.js"));
    }
}
