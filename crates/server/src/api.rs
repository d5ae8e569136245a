//! The proxy's HTTP API. It does what a browser cannot (fetch the policy with its certificate
//! and redirect facts, talk SMTP on port 25) and nothing else:
//!
//! - `GET /api/v1/policy?domain=D` → [`PolicyFacts`]
//! - `GET /api/v1/mx-tls?domain=D` → [`MxTlsFacts`]
//! - `GET /api/v1/tlsrpt?domain=D` → [`crate::rua::RuaFacts`]: the destinations of D's own
//!   TLS-RPT record, checked
//! - `GET /api/v1/config` → what the web app needs to know (its default DoH resolver, demo mode)
//!
//! Answers are reused for `cache_ttl` per domain. Each says when its facts were gathered
//! (`checked_at`, Unix seconds) and how old they are (`age_s`, also the `Age` header);
//! `&fresh=1` gathers them again (still counted by the rate limit, so it cannot be abused).
//! - `GET /healthz`
//!
//! Remote failures are data (200 with the failure described); bad input is a 400 with a JSON
//! error that says what to fix; too many requests from one client a 429 with `Retry-After`,
//! and so is more than its share of checks running at once (`max_concurrency_per_client`);
//! more distinct checks at once than `max_concurrency` a 503 (load shedding). Concurrent requests for the same domain
//! share one fetch ([`crate::coalesce`]). Every error, a wrong method included, is the same
//! JSON shape.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper::body::Bytes;
use mtasts_core::domain;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::coalesce::{Coalescer, Full};
use crate::config::FetchConfig;
use crate::limits::{Cache, RateLimiter, Shares};
use crate::{fetch, probe, rua};

/// Settings of the HTTP side.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Allowed CORS origins; empty means any origin (`*`), as the widget is embedded anywhere.
    pub cors_origins: Vec<String>,
    /// API requests per minute per client address.
    pub rate_per_minute: u32,
    /// Behind a reverse proxy: take the client address for rate limiting from the last
    /// `X-Forwarded-For` entry (the one the proxy in front appended).
    pub trust_forwarded_for: bool,
    /// Checks of distinct domains running at once (requests for a domain already being
    /// checked wait on that check and add nothing); more are refused with 503.
    pub max_concurrency: usize,
    /// API requests in flight at once from one client; more get 429.
    pub max_concurrency_per_client: usize,
    pub cache_ttl: Duration,
    pub cache_capacity: usize,
    /// Bytes of answers kept in all.
    pub cache_bytes: usize,
    /// Shown by `/api/v1/config` (demo mode only).
    pub demo: Option<Value>,
    /// The DoH resolver the web app uses by default, shown by `/api/v1/config`.
    pub resolver: String,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            cors_origins: Vec::new(),
            rate_per_minute: 30,
            trust_forwarded_for: false,
            max_concurrency: 64,
            max_concurrency_per_client: 8,
            cache_ttl: Duration::from_secs(60),
            cache_capacity: 1024,
            cache_bytes: 64 << 20,
            demo: None,
            resolver: "https://cloudflare-dns.com/dns-query".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Policy,
    MxTls,
    Tlsrpt,
}

pub struct AppState {
    cfg: FetchConfig,
    limiter: RateLimiter,
    cache: Cache<(Kind, String), Arc<Answer>>,
    shares: Arc<Shares<IpAddr>>,
    running: Coalescer<(Kind, String), Arc<Answer>>,
    demo: Option<Value>,
    resolver: String,
    trust_forwarded_for: bool,
}

#[derive(Deserialize)]
struct DomainParam {
    domain: Option<String>,
    /// Any value but `0`: skip the cache and gather the facts again ("Re-check").
    fresh: Option<String>,
}

impl DomainParam {
    fn fresh(&self) -> bool {
        self.fresh
            .as_deref()
            .is_some_and(|v| v != "0" && v != "false")
    }
}

/// A JSON error body: what went wrong, a stable code, and what to do.
pub(crate) fn error(status: StatusCode, code: &str, message: String, fix: &str) -> Response {
    (
        status,
        Json(json!({ "error": message, "code": code, "fix": fix })),
    )
        .into_response()
}

/// The API router (the static web app is added by [`crate::web`]).
pub fn app(cfg: FetchConfig, opts: &ServeOptions) -> Router {
    let state = Arc::new(AppState {
        limiter: RateLimiter::new(opts.rate_per_minute),
        cache: Cache::new(opts.cache_ttl, opts.cache_capacity, opts.cache_bytes),
        shares: Shares::new(opts.max_concurrency_per_client),
        running: Coalescer::new(opts.max_concurrency.max(1)),
        demo: opts.demo.clone(),
        resolver: opts.resolver.clone(),
        trust_forwarded_for: opts.trust_forwarded_for,
        cfg,
    });
    let api = Router::new()
        .route("/api/v1/policy", get(policy))
        .route("/api/v1/mx-tls", get(mx_tls))
        .route("/api/v1/tlsrpt", get(tlsrpt))
        .route("/api/v1/config", get(config))
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        // Everything else under /api is a JSON 404, never the web app's page.
        .route("/api", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(|| async {
            let mut r = error(
                StatusCode::METHOD_NOT_ALLOWED,
                "proxy.method",
                "this API answers GET only".into(),
                "use GET",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET"));
            r
        })
        .with_state(state);
    api.layer(cors(&opts.cors_origins))
}

fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([axum::http::Method::GET])
        .expose_headers([header::RETRY_AFTER]);
    if origins.is_empty() {
        layer.allow_origin(AllowOrigin::any())
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// Validates `?domain=` and applies the rate limit; the normalised domain on success.
/// The address the rate limit counts: the TCP peer, or with `trust_forwarded_for` the last
/// `X-Forwarded-For` entry when it is an address.
/// Limits count IPv6 clients by their /64 ([`crate::limits::client_key`]).
fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    crate::limits::client_key(client_address(state, peer, headers))
}

fn client_address(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    peer_address(state.trust_forwarded_for, peer, headers)
}

/// The client's address: the TCP peer, or behind a trusted reverse proxy the last
/// `X-Forwarded-For` entry when it is an address.
pub(crate) fn peer_address(
    trust_forwarded_for: bool,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> IpAddr {
    if trust_forwarded_for {
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
        if let Some(ip) = last {
            return ip;
        }
    }
    peer.ip()
}

fn admit(state: &AppState, client: IpAddr, p: &DomainParam) -> Result<String, Box<Response>> {
    let Some(raw) = p.domain.as_deref() else {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "proxy.domain_missing",
            "the domain parameter is missing".into(),
            "add ?domain=example.com",
        )));
    };
    if raw.len() > 1024 {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "domain.too_long",
            "the domain parameter is far too long".into(),
            "give one domain name of at most 253 characters",
        )));
    }
    let d = domain::normalize(raw, domain::default_idna()).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            e.code().as_str(),
            e.to_string(),
            e.code().info().fix,
        )
    })?;
    if let Err(wait) = state.limiter.check(client) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "proxy.rate_limited",
            format!("too many checks from your address; try again in {wait} s"),
            "wait for the number of seconds in Retry-After",
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Err(Box::new(r));
    }
    Ok(d.ascii)
}

/// One gathered answer: its JSON object serialised once, without the closing brace, so the
/// per-response fields (`age_s`, `cache`) are appended to shared bytes instead of copying and
/// re-serialising the answer for every request (an answer can be large).
pub struct Answer {
    open_json: Bytes,
    checked_at: i64,
}

impl Answer {
    fn new(value: Value, checked_at: i64) -> Answer {
        let mut json = serde_json::to_string(&value).unwrap_or_else(|_| "{}".into());
        if !json.ends_with('}') {
            json = "{}".into();
        }
        json.pop();
        let sep = if json.len() > 1 { "," } else { "" };
        json.push_str(sep);
        Answer {
            open_json: Bytes::from(json),
            checked_at,
        }
    }

    fn bytes(&self) -> usize {
        self.open_json.len()
    }
}

/// The answer with how fresh it is: `age_s` (and `Age`) counted from its `checked_at`, the
/// time its check started.
fn cached(v: Arc<Answer>, hit: bool) -> Response {
    let age = (crate::facts::unix_now() - v.checked_at).max(0);
    let tail = Bytes::from(format!(
        "\"age_s\":{age},\"cache\":\"{}\"}}",
        if hit { "hit" } else { "miss" }
    ));
    let chunks = [v.open_json.clone(), tail].map(Ok::<_, std::convert::Infallible>);
    let mut r = axum::body::Body::from_stream(futures_util::stream::iter(chunks)).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        "x-cache",
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    if let Ok(v) = HeaderValue::from_str(&age.to_string()) {
        h.insert(header::AGE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// How long before a re-check arrived a running check may have started for the re-check to
/// share it.
const FRESH_ENOUGH: Duration = Duration::from_secs(2);

/// Admits the request, then answers from the cache, or from the fetch already running for the
/// same domain, or from a new one, within the client's share of checks in flight.
async fn answer(state: &Arc<AppState>, client: IpAddr, p: &DomainParam, kind: Kind) -> Response {
    let asked = Instant::now();
    let domain = match admit(state, client, p) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let key = (kind, domain.clone());
    if !p.fresh() {
        if let Some(v) = state.cache.get(&key) {
            return cached(v, true);
        }
    }
    let Some(share) = state.shares.take(client) else {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "proxy.client_busy",
            "your address has its share of checks running already; wait for one to finish".into(),
            "retry after the number of seconds in Retry-After",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        return r;
    };
    // The share moves into the run: a client that starts a check is charged for it until the
    // check ends, even if it hangs up. (One that joins a running check adds no work.)
    let work = {
        let state = state.clone();
        async move {
            let _share = share;
            gather(state, kind, domain).await
        }
    };
    // A re-check ("fresh") gets facts gathered from about when it was asked: it joins a run
    // that began at most a moment before (a burst of re-checks shares one fetch), never an
    // older one.
    let since = p
        .fresh()
        .then(|| asked.checked_sub(FRESH_ENOUGH).unwrap_or(asked));
    match state.running.run(key, since, work).await {
        Ok((Some(v), _)) => cached(v, false),
        Ok((None, _)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "proxy.internal",
            "the check failed inside the proxy".into(),
            "try again; if it persists, report it with the request id",
        ),
        Err(Full) => {
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "proxy.overloaded",
                "the checker is busy; try again in a moment".into(),
                "retry after the number of seconds in Retry-After",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            r
        }
    }
}

/// Gathers the facts for one domain and keeps them in the cache (runs as its own task).
/// `checked_at` is when the check started: its facts are at least that old.
async fn gather(state: Arc<AppState>, kind: Kind, domain: String) -> Arc<Answer> {
    let started = crate::facts::unix_now();
    let cfg = &state.cfg;
    let mut v = match kind {
        Kind::Policy => {
            let facts = fetch::fetch_policy(cfg, &domain).await;
            tracing::info!(domain = %domain, outcome = ?facts.fetch.outcome, status = ?facts.fetch.status, ms = facts.timings.total_ms, "policy fetched");
            serde_json::to_value(&facts)
        }
        Kind::MxTls => {
            let facts = probe::probe_domain(cfg, &domain).await;
            tracing::info!(domain = %domain, hosts = facts.probes.len(), "mx probed");
            serde_json::to_value(&facts)
        }
        Kind::Tlsrpt => {
            let facts = rua::check_domain(cfg, &domain).await;
            tracing::info!(domain = %domain, destinations = facts.checks.len(), "tls-rpt destinations checked");
            serde_json::to_value(&facts)
        }
    }
    .unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("checked_at".into(), started.into());
    }
    let answer = Arc::new(Answer::new(v, started));
    state
        .cache
        .put((kind, domain), answer.clone(), answer.bytes());
    answer
}

/// A query string that is not `domain=D[&fresh=1]` (a repeated `domain=`, for one).
fn bad_query(e: QueryRejection) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "proxy.bad_query",
        format!("the query string cannot be read: {}", e.body_text()),
        "give one domain: ?domain=example.com",
    )
}

async fn policy(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<DomainParam>, QueryRejection>,
) -> Response {
    let p = match query {
        Ok(Query(p)) => p,
        Err(e) => return bad_query(e),
    };
    let client = client_ip(&state, peer, &headers);
    answer(&state, client, &p, Kind::Policy).await
}

async fn tlsrpt(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<DomainParam>, QueryRejection>,
) -> Response {
    let p = match query {
        Ok(Query(p)) => p,
        Err(e) => return bad_query(e),
    };
    let client = client_ip(&state, peer, &headers);
    answer(&state, client, &p, Kind::Tlsrpt).await
}

async fn mx_tls(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<DomainParam>, QueryRejection>,
) -> Response {
    let p = match query {
        Ok(Query(p)) => p,
        Err(e) => return bad_query(e),
    };
    let client = client_ip(&state, peer, &headers);
    answer(&state, client, &p, Kind::MxTls).await
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "proxy.not_found",
        "no such API endpoint".into(),
        "use /api/v1/policy?domain=… or /api/v1/mx-tls?domain=…",
    )
}

async fn config(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "resolver": state.resolver,
        "demo": state.demo,
    }))
}
