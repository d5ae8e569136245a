//! DNS over HTTPS (RFC 8484) over the same zone, GET (`?dns=` base64url) and POST
//! (`application/dns-message`), with CORS headers so a page on another origin can use it.
//! Also the JSON API public resolvers offer (`?name=…&type=…`, `application/dns-json`, the
//! shape Google Public DNS and Cloudflare document), for the web app's JSON option.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde::Deserialize;

use std::str::FromStr;

use hickory_proto::op::{Message, MessageType, OpCode, Query as DnsQuery};
use hickory_proto::rr::{Name, RData, RecordType};

use crate::dns::Zone;

#[derive(Deserialize)]
struct DnsParam {
    dns: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    qtype: Option<String>,
}

/// One record's data in presentation form (RFC 1035 §5.1), as the JSON API writes it.
fn presentation(data: &RData) -> String {
    match data {
        RData::TXT(t) => t
            .txt_data
            .iter()
            .map(|s| {
                let s = String::from_utf8_lossy(s);
                format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
            })
            .collect::<Vec<_>>()
            .join(" "),
        RData::MX(m) => format!("{} {}", m.preference, m.exchange.to_ascii()),
        RData::CNAME(c) => c.0.to_ascii(),
        other => other.to_string(),
    }
}

async fn json_api(zone: &Zone, name: &str, qtype: &str) -> Response {
    let (Ok(n), Ok(t)) = (
        Name::from_ascii(name),
        RecordType::from_str(&qtype.to_ascii_uppercase()),
    ) else {
        return cors((StatusCode::BAD_REQUEST, "bad ?name= or ?type=").into_response());
    };
    let mut q = Message::new(0, MessageType::Query, OpCode::Query);
    q.metadata.recursion_desired = true;
    q.add_query(DnsQuery::query(n, t));
    let Some(r) = zone.answer(&q) else {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        return cors(StatusCode::GATEWAY_TIMEOUT.into_response());
    };
    let answers: Vec<serde_json::Value> = r
        .answers
        .iter()
        .map(|rec| {
            serde_json::json!({
                "name": rec.name.to_ascii(),
                "type": u16::from(rec.record_type()),
                "TTL": rec.ttl,
                "data": presentation(&rec.data),
            })
        })
        .collect();
    let body = serde_json::json!({
        "Status": u16::from(r.metadata.response_code.low()),
        "TC": false, "RD": true, "RA": true,
        "AD": r.metadata.authentic_data,
        "CD": false,
        "Question": [{"name": name, "type": u16::from(t)}],
        "Answer": answers,
    });
    cors(
        (
            [(header::CONTENT_TYPE, "application/dns-json")],
            body.to_string(),
        )
            .into_response(),
    )
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
        if let (Some(name), Some(t)) = (&p.name, &p.qtype) {
            return json_api(&zone, name, t).await;
        }
        return cors(
            (
                StatusCode::BAD_REQUEST,
                "missing ?dns= (or ?name= and ?type=)",
            )
                .into_response(),
        );
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
