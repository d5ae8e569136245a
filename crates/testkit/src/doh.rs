//! DNS over HTTPS (RFC 8484) over the same zone, GET (`?dns=` base64url) and POST
//! (`application/dns-message`), with CORS headers so a page on another origin can use it.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde::Deserialize;

use crate::dns::Zone;

#[derive(Deserialize)]
struct DnsParam {
    dns: Option<String>,
}

pub fn router(zone: Zone) -> Router {
    Router::new()
        .route("/dns-query", get(doh_get).post(doh_post).options(preflight))
        .with_state(zone)
}

fn cors(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, accept"),
    );
    r
}

async fn preflight() -> Response {
    cors(StatusCode::NO_CONTENT.into_response())
}

async fn answer(zone: &Zone, wire: &[u8]) -> Response {
    match zone.answer_bytes(wire) {
        Some(out) => {
            cors(([(header::CONTENT_TYPE, "application/dns-message")], out).into_response())
        }
        None => {
            // "timeout": hold the request longer than any client waits.
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            cors(StatusCode::GATEWAY_TIMEOUT.into_response())
        }
    }
}

async fn doh_get(State(zone): State<Zone>, Query(p): Query<DnsParam>) -> Response {
    let Some(b64) = p.dns else {
        return cors((StatusCode::BAD_REQUEST, "missing ?dns=").into_response());
    };
    match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')) {
        Ok(wire) => answer(&zone, &wire).await,
        Err(_) => cors((StatusCode::BAD_REQUEST, "?dns= is not base64url").into_response()),
    }
}

async fn doh_post(State(zone): State<Zone>, headers: HeaderMap, body: Bytes) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/dns-message") {
        return cors(
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "use application/dns-message",
            )
                .into_response(),
        );
    }
    answer(&zone, &body).await
}
