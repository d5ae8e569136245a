//! Runs the proxy and the web app on one port, with request ids in structured logs, a request
//! timeout, and graceful shutdown on Ctrl-C or SIGTERM.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{HeaderName, Request};
use axum::Router;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::api::{self, ServeOptions};
use crate::config::FetchConfig;
use crate::connections;
use crate::web;

/// Request ids: a per-process random prefix and a counter.
#[derive(Clone)]
struct Ids {
    prefix: u32,
    next: std::sync::Arc<AtomicU64>,
}

impl MakeRequestId for Ids {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n}", self.prefix)
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// The whole product: API, static app, and the layers every request passes.
pub fn router(cfg: FetchConfig, opts: &ServeOptions, dist: &Path) -> Router {
    // A safety net past the checks' own deadlines: an MX check is at most its MX lookup, one
    // host lookup and one probe, each within the time limit.
    let timeout = cfg.total_timeout * 3 + Duration::from_secs(10);
    let x_request_id = HeaderName::from_static("x-request-id");
    let ids = Ids {
        prefix: std::process::id()
            ^ (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)),
        next: Default::default(),
    };
    Router::new()
        .merge(api::app(cfg, opts))
        .fallback_service(web::service(dist))
        .layer(
            tower::ServiceBuilder::new()
                .map_request(keep_plain_request_id)
                .layer(SetRequestIdLayer::new(x_request_id.clone(), ids))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                }))
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .map_response(json_timeout)
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::GATEWAY_TIMEOUT, timeout)),
        )
}

/// The safety-net timeout's answer in the API's JSON shape (tower-http's has no body).
fn json_timeout(r: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    if r.status() != axum::http::StatusCode::GATEWAY_TIMEOUT {
        return r;
    }
    let mut out = (
        axum::http::StatusCode::GATEWAY_TIMEOUT,
        axum::Json(serde_json::json!({
            "error": "the check took longer than the server allows and was stopped",
            "code": "proxy.timeout",
            "fix": "try again; if it keeps happening, the domain's DNS or hosts are very slow",
        })),
    )
        .into_response();
    for (k, v) in r.headers() {
        if k.as_str().starts_with("x-request-id") || k.as_str().starts_with("access-control") {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// A client's `X-Request-Id` is echoed and logged only when it is plain (at most 64 letters,
/// digits and `-_.:`); anything else (a 60 KiB id, forged log fields) is dropped and replaced
/// by one of ours.
fn keep_plain_request_id<B>(mut req: Request<B>) -> Request<B> {
    let plain = |v: &axum::http::HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
    };
    let headers = req.headers_mut();
    let all: Vec<_> = headers.get_all("x-request-id").iter().collect();
    if all.len() != 1 || !plain(all[0]) {
        headers.remove("x-request-id");
    }
    req
}

/// Serves until Ctrl-C or SIGTERM within the connection `limits`; in-flight requests finish
/// first.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: connections::Limits,
) -> std::io::Result<()> {
    connections::serve(listener, app, limits, shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
