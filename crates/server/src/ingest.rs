//! Receiving TLS-RPT reports over HTTPS (RFC 8460 §3 `https:` rua, §5.3 transport) and reading
//! them back (behind the operator token):
//!
//! - `POST /tlsrpt` (path configurable): a report as `application/tlsrpt+gzip` or
//!   `application/tlsrpt+json`. 201 once it is stored (committed), 200 for a report stored
//!   before (same organisation and report id: acknowledged, kept once); 400 with the reason for
//!   a malformed report; 403 for a report about a domain this server does not collect; 413
//!   beyond the size caps (the body as sent, and decompressed: decompression stops at the cap
//!   as it runs); 415 for another media type; 429 beyond the per-sender rate; 503 while the
//!   database is unavailable (senders retry).
//! - `GET /api/v1/reports?domain=D&from=&to=` lists reports; `GET /api/v1/reports/{id}` gives
//!   one (its JSON and findings); `GET /api/v1/reports/daily?domain=D&from=&to=` per day the
//!   sessions and failures ([`mtasts_core::daily`]) and the evidence for enforcing. 401 without
//!   the operator token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mtasts_store::reports::{Days, NewReport};
use mtasts_store::Store;
use serde::Deserialize;
use serde_json::json;

use crate::api::{error, peer_address};
use crate::limits::RateLimiter;
use crate::operator::Tokens;

/// How reports are received.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Where senders POST reports (their `rua=https://…` names it).
    pub path: String,
    /// The most bytes a request body may carry.
    pub max_body: usize,
    /// The most a report may expand to once decompressed.
    pub max_decompressed: u64,
    /// Keep only reports about these policy domains (lower case, no final dot); empty: all.
    pub domains: Vec<String>,
    /// Reports per minute per sending address.
    pub rate_per_minute: u32,
    pub trust_forwarded_for: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            path: "/tlsrpt".into(),
            max_body: 1 << 20,
            max_decompressed: 16 << 20,
            domains: Vec::new(),
            rate_per_minute: 60,
            trust_forwarded_for: false,
        }
    }
}

struct Ingest {
    store: Store,
    tokens: Tokens,
    opts: IngestOptions,
    limiter: RateLimiter,
}

/// The ingestion endpoint and the reports API over `store`.
pub fn router(store: Store, tokens: Tokens, opts: IngestOptions) -> Router {
    let path = opts.path.clone();
    let state = Arc::new(Ingest {
        store,
        tokens,
        limiter: RateLimiter::new(opts.rate_per_minute),
        opts,
    });
    Router::new()
        .route(&path, post(receive))
        .route("/api/v1/reports", get(list))
        .route("/api/v1/reports/daily", get(daily))
        .route("/api/v1/reports/{id}", get(one))
        .with_state(state)
}

/// The two media types of RFC 8460 §5.3 (parameters ignored).
fn media_type(headers: &HeaderMap) -> Option<&'static str> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next()?.trim();
    ["application/tlsrpt+gzip", "application/tlsrpt+json"]
        .into_iter()
        .find(|t| t.eq_ignore_ascii_case(essence))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The database did not answer: the sender should try again later.
fn unavailable(e: &mtasts_store::Error) -> Response {
    tracing::error!("report store unavailable: {e}");
    let mut r = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "store.unavailable",
        "the report store is unavailable; nothing was stored".into(),
        "send it again later",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    r
}

async fn receive(
    State(s): State<Arc<Ingest>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let client =
        crate::limits::client_key(peer_address(s.opts.trust_forwarded_for, peer, &headers));
    if let Err(wait) = s.limiter.check(client) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "tlsrpt.rate_limited",
            "too many reports from this address".into(),
            "send the report again later",
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let Some(media_type) = media_type(&headers) else {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "tlsrpt.media_type",
            format!(
                "reports are accepted as application/tlsrpt+gzip or application/tlsrpt+json, not {}",
                headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("a body without Content-Type")
            ),
            "send the report with Content-Type: application/tlsrpt+gzip (RFC 8460 §5.3)",
        );
    };
    let too_large = |what: String| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "tlsrpt.too_large",
            what,
            "a daily report is far smaller; check what is being sent",
        )
    };
    // Read at most the cap: a longer body is cut off as it arrives.
    let bytes = match axum::body::to_bytes(body, s.opts.max_body).await {
        Ok(b) => b,
        Err(_) => {
            return too_large(format!(
                "the request body is larger than {} bytes",
                s.opts.max_body
            ))
        }
    };
    let report = match NewReport::read(bytes.to_vec(), media_type, s.opts.max_decompressed) {
        Ok(r) => r,
        Err(refusal) if refusal.too_large() => return too_large(refusal.message),
        Err(refusal) => {
            return error(
                StatusCode::BAD_REQUEST,
                "tlsrpt.malformed",
                format!("the report cannot be read: {}", refusal.message),
                "send a report in the format of RFC 8460 §4",
            )
        }
    };
    if !s.opts.domains.is_empty() {
        let outside: Vec<&str> = report
            .summary
            .policies
            .iter()
            .filter_map(|p| p.policy_domain.as_deref())
            .map(|d| d.trim_end_matches('.'))
            .filter(|d| !s.opts.domains.iter().any(|c| c.eq_ignore_ascii_case(d)))
            .collect();
        if !outside.is_empty()
            || report
                .summary
                .policies
                .iter()
                .all(|p| p.policy_domain.is_none())
        {
            return error(
                StatusCode::FORBIDDEN,
                "tlsrpt.domain",
                format!(
                    "this server does not collect reports about {}",
                    if outside.is_empty() {
                        "no domain".to_string()
                    } else {
                        outside.join(", ")
                    }
                ),
                "send reports to the address the domain's _smtp._tls record names",
            );
        }
    }
    match s.store.insert_report(&report, "https", unix_now()).await {
        Ok(i) => {
            let status = if i.duplicate {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            tracing::info!(
                organization = %report.organization,
                report_id = %report.report_id,
                duplicate = i.duplicate,
                "TLS-RPT report received"
            );
            (
                status,
                Json(json!({ "id": i.id, "duplicate": i.duplicate })),
            )
                .into_response()
        }
        Err(e) => unavailable(&e),
    }
}

/// 401 unless the request carries an operator token.
fn operator(s: &Ingest, headers: &HeaderMap) -> Result<(), Box<Response>> {
    if s.tokens.allows(headers) {
        return Ok(());
    }
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "operator.token",
        "this API needs the operator token".into(),
        "send Authorization: Bearer <token> with a token from --admin-token-file",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"mtasts operator\""),
    );
    Err(Box::new(r))
}

#[derive(Deserialize)]
struct RangeQuery {
    domain: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// How many reports a list holds at most (default 1,000, at most 10,000).
    limit: Option<i64>,
}

impl RangeQuery {
    /// The domain in its stored form, and the day range; 400 for a day that is no
    /// `YYYY-MM-DD`.
    fn read(&self) -> Result<(Option<String>, Days), Box<Response>> {
        let day = |v: &Option<String>, name: &str| -> Result<Option<String>, Box<Response>> {
            match v.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d)
                    if mtasts_core::daily::unix_seconds(&format!("{d}T00:00:00Z")).is_some()
                        && d.len() == 10 =>
                {
                    Ok(Some(d.to_string()))
                }
                Some(d) => Err(Box::new(error(
                    StatusCode::BAD_REQUEST,
                    "reports.day",
                    format!("{name}={d:?} is not a day"),
                    "write days as YYYY-MM-DD (UTC)",
                ))),
            }
        };
        let domain = self
            .domain
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase());
        Ok((
            domain,
            Days {
                from: day(&self.from, "from")?,
                to: day(&self.to, "to")?,
            },
        ))
    }
}

async fn list(
    State(s): State<Arc<Ingest>>,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> Response {
    let (domain, days) = match operator(&s, &headers).and_then(|()| q.read()) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let limit = q.limit.unwrap_or(1000).clamp(1, 10_000);
    match s
        .store
        .list_reports(domain.as_deref(), &days, limit + 1)
        .await
    {
        Ok(mut list) => {
            // One more than asked says whether there are more (narrow the days to see them).
            let truncated = list.len() as i64 > limit;
            list.truncate(limit as usize);
            Json(json!({ "reports": list, "truncated": truncated })).into_response()
        }
        Err(e) => unavailable(&e),
    }
}

async fn one(State(s): State<Arc<Ingest>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = operator(&s, &headers) {
        return *r;
    }
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "reports.not_found",
            format!("no stored report has the id {id:?}"),
            "take an id from GET /api/v1/reports",
        )
    };
    let Ok(n) = id.parse::<i64>() else {
        return not_found();
    };
    match s.store.get_report(n).await {
        Ok(Some(r)) => Json(r).into_response(),
        Ok(None) => not_found(),
        Err(e) => unavailable(&e),
    }
}

async fn daily(
    State(s): State<Arc<Ingest>>,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> Response {
    let (domain, days) = match operator(&s, &headers).and_then(|()| q.read()) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let Some(domain) = domain else {
        return error(
            StatusCode::BAD_REQUEST,
            "reports.domain",
            "the daily summary needs ?domain=".into(),
            "name the policy domain, e.g. ?domain=example.com",
        );
    };
    // Every stored day, once: the evidence weighs them all whatever period is shown (the rule
    // looks at the last 14 and at the last failure, however old); the days listed are the
    // period's.
    match s.store.daily(&domain, &Days::default()).await {
        Ok(all) => {
            let today = mtasts_core::daily::day_of(unix_now());
            let evidence = mtasts_core::daily::evidence(&all, &domain, &today);
            let rows: Vec<_> = all.into_iter().filter(|r| days.contains(&r.day)).collect();
            Json(json!({ "domain": domain, "days": rows, "evidence": evidence })).into_response()
        }
        Err(e) => unavailable(&e),
    }
}
