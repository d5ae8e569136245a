//! The checker's proxy: the policy fetch and the MX STARTTLS probe, which a browser cannot do.
//! Its JSON deserialises straight into the core's input types.
//!
//! A plain pass-through CORS proxy works too: give its URL with `{url}` where the target URL
//! goes (`https://cors.example/?url={url}`). It returns the body, status and content type,
//! but hides the certificate and any redirect, and cannot speak SMTP, so those checks are
//! marked as not tested.

use std::cell::RefCell;
use std::rc::Rc;

use mtasts_core::inputs::{FetchOutcome, MxProbe, PolicyFetch, RuaCheck};
use serde_json::Value;

use super::http::{self, FetchError};

const TIMEOUT_MS: u32 = 60_000;

/// Why the proxy gave no facts: what to tell the user, and how long it asked us to wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable {
    pub why: String,
    /// Seconds from `Retry-After` (rate-limited or busy).
    pub retry_after: Option<u32>,
}

impl Unavailable {
    fn new(why: impl Into<String>) -> Self {
        Unavailable {
            why: why.into(),
            retry_after: None,
        }
    }
}

/// When the proxy gathered the facts it returned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Freshness {
    /// Unix seconds, by the proxy's clock.
    pub checked_at: Option<i64>,
    /// How old the facts were when they were sent (0 unless reused from the proxy's cache).
    pub age_s: i64,
    pub cached: bool,
}

async fn get(
    base: &str,
    path: &str,
    domain: &str,
    fresh: bool,
) -> Result<(Value, Freshness), Unavailable> {
    let url = format!(
        "{}{path}?domain={}{}",
        base.trim_end_matches('/'),
        js_sys::encode_uri_component(domain),
        if fresh { "&fresh=1" } else { "" }
    );
    let r = match http::get_full(&url, "application/json", TIMEOUT_MS).await {
        Ok(r) => r,
        Err(FetchError::Timeout) => {
            return Err(Unavailable::new("the proxy did not answer in time"))
        }
        Err(FetchError::Unreachable(why)) => {
            return Err(Unavailable::new(format!(
                "the proxy could not be reached ({why})"
            )))
        }
    };
    let v: Value = serde_json::from_slice(&r.body).map_err(|_| {
        Unavailable::new(format!("the proxy answered HTTP {} without JSON", r.status))
    })?;
    if r.status != 200 {
        // The Retry button counts down Retry-After itself, so the proxy's "try again in N s"
        // (true only at the moment it was said) is not repeated.
        let why = match r.status {
            429 => "the proxy is limiting checks from your address (HTTP 429)".to_string(),
            s => v["error"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| format!("the proxy answered HTTP {s}")),
        };
        return Err(Unavailable {
            why,
            retry_after: r.retry_after,
        });
    }
    let freshness = Freshness {
        checked_at: v["checked_at"].as_i64(),
        age_s: v["age_s"].as_i64().unwrap_or(0),
        cached: v["cache"] == "hit",
    };
    Ok((v, freshness))
}

fn understood<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, Unavailable> {
    serde_json::from_value(v.clone())
        .map_err(|e| Unavailable::new(format!("the proxy's answer was not understood: {e}")))
}

pub async fn policy(
    base: &str,
    domain: &str,
    fresh: bool,
) -> Result<(PolicyFetch, Freshness), Unavailable> {
    let (v, f) = get(base, "/api/v1/policy", domain, fresh).await?;
    Ok((understood(&v["fetch"])?, f))
}

pub async fn mx_tls(
    base: &str,
    domain: &str,
    fresh: bool,
) -> Result<(Vec<MxProbe>, Freshness), Unavailable> {
    let (v, f) = get(base, "/api/v1/mx-tls", domain, fresh).await?;
    Ok((understood(&v["probes"])?, f))
}

/// The TLS-RPT destinations of the domain's own record, checked by the proxy
/// (`/api/v1/tlsrpt`: HEAD to each https: endpoint, the mail setup of each mailto: domain).
pub async fn tlsrpt(
    base: &str,
    domain: &str,
    fresh: bool,
) -> Result<(Vec<RuaCheck>, Freshness), Unavailable> {
    let (v, f) = get(base, "/api/v1/tlsrpt", domain, fresh).await?;
    Ok((understood(&v["checks"])?, f))
}

/// The DoH resolver the checker's server names for its page (`/api/v1/config`), or why it
/// could not be asked. There is no built-in fallback: a domain is never sent to a resolver
/// nobody chose.
pub async fn resolver(base: &str) -> Result<String, String> {
    let v = config(base).await?;
    v["resolver"]
        .as_str()
        .or_else(|| v["demo"]["doh"].as_str())
        .map(String::from)
        .ok_or_else(|| format!("{base}/api/v1/config names no DNS resolver"))
}

/// One `/api/v1/config` answer, shared: the first caller fetches, later ones wait for it.
#[derive(Default)]
struct Shared {
    answer: Option<Result<Value, String>>,
    waiting: Vec<std::task::Waker>,
}

thread_local! {
    /// `/api/v1/config` per proxy base, asked once per page (the page asks as it loads, so a
    /// check does not wait a round trip for it): every check and the demo list share it. A
    /// failure is not kept: the next check asks again. (A hand-written shared future: the
    /// `futures` crate's `Shared` is not worth its bytes in the bundle.)
    static CONFIG: RefCell<Vec<(String, Rc<RefCell<Shared>>)>> = const { RefCell::new(Vec::new()) };
}

/// The checker server's `/api/v1/config`: its resolver, and in demo mode the demo world.
/// Asked at most once per page while it succeeds.
pub async fn config(base: &str) -> Result<Value, String> {
    let key = base.trim_end_matches('/').to_string();
    let (slot, first) = CONFIG.with(|c| {
        let mut c = c.borrow_mut();
        match c.iter().find(|(k, _)| *k == key) {
            Some((_, s)) => (s.clone(), false),
            None => {
                let s = Rc::new(RefCell::new(Shared::default()));
                c.push((key.clone(), s.clone()));
                (s, true)
            }
        }
    });
    if first {
        let answer = fetch_config(base).await;
        if answer.is_err() {
            CONFIG.with(|c| c.borrow_mut().retain(|(k, _)| *k != key));
        }
        let waiting = {
            let mut s = slot.borrow_mut();
            s.answer = Some(answer.clone());
            std::mem::take(&mut s.waiting)
        };
        waiting.into_iter().for_each(|w| w.wake());
        return answer;
    }
    std::future::poll_fn(|cx| {
        let mut s = slot.borrow_mut();
        match &s.answer {
            Some(a) => std::task::Poll::Ready(a.clone()),
            None => {
                s.waiting.push(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    })
    .await
}

async fn fetch_config(base: &str) -> Result<Value, String> {
    let url = format!("{}/api/v1/config", base.trim_end_matches('/'));
    let (status, body) = http::get(&url, "application/json", 5000)
        .await
        .map_err(|e| match e {
            FetchError::Timeout => format!("{base} did not answer in time"),
            FetchError::Unreachable(why) => why,
        })?;
    serde_json::from_slice(&body)
        .ok()
        .filter(|_| status == 200)
        .ok_or_else(|| format!("{url} answered HTTP {status}"))
}

/// The demo world's domains with what each shows, when the server runs `--demo`.
pub async fn demo_domains(base: &str) -> Option<Vec<(String, String)>> {
    let v = config(base).await.ok()?;
    let list = v["demo"]["domains"].as_array()?;
    Some(
        list.iter()
            .filter_map(|d| {
                Some((
                    d["domain"].as_str()?.to_string(),
                    d["description"].as_str().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
    )
}

/// Whether `base` is a pass-through proxy template (contains `{url}`).
pub fn is_passthrough(base: &str) -> bool {
    base.contains("{url}")
}

/// The policy through a pass-through CORS proxy: what it returns, marked as limited.
pub async fn policy_passthrough(
    template: &str,
    domain: &str,
) -> Result<(PolicyFetch, Freshness), Unavailable> {
    let target = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
    let url = template.replace(
        "{url}",
        &String::from(js_sys::encode_uri_component(&target)),
    );
    match http::get_full(&url, "text/plain", TIMEOUT_MS).await {
        Ok(r) => Ok((
            PolicyFetch {
                status: Some(r.status),
                content_type: r.content_type,
                body: Some(r.body),
                limited: Some(
                    "a pass-through proxy hides the certificate, the TLS version and redirects"
                        .into(),
                ),
                ..PolicyFetch::failed(FetchOutcome::Response)
            },
            Freshness::default(),
        )),
        Err(FetchError::Timeout) => Err(Unavailable::new(
            "the pass-through proxy did not answer in time",
        )),
        Err(FetchError::Unreachable(why)) => Err(Unavailable::new(format!(
            "the pass-through proxy could not be reached ({why})"
        ))),
    }
}
