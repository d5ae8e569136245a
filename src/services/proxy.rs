//! The checker's proxy: the policy fetch and the MX STARTTLS probe, which a browser cannot do.
//! Its JSON deserialises straight into the core's input types.
//!
//! A plain pass-through CORS proxy works too: give its URL with `{url}` where the target URL
//! goes (`https://cors.example/?url={url}`). It returns the body, status and content type,
//! but hides the certificate and any redirect, and cannot speak SMTP, so those checks are
//! marked as not tested.

use mtasts_core::inputs::{FetchOutcome, MxProbe, PolicyFetch};
use serde_json::Value;

use super::http::{self, FetchError};

const TIMEOUT_MS: u32 = 60_000;

async fn get(base: &str, path: &str, domain: &str) -> Result<Value, String> {
    let url = format!(
        "{}{path}?domain={}",
        base.trim_end_matches('/'),
        js_sys::encode_uri_component(domain)
    );
    match http::get(&url, "application/json", TIMEOUT_MS).await {
        Ok((status, body)) => {
            let v: Value = serde_json::from_slice(&body)
                .map_err(|_| format!("the proxy answered HTTP {status} without JSON"))?;
            if status == 200 {
                Ok(v)
            } else {
                Err(v["error"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| format!("the proxy answered HTTP {status}")))
            }
        }
        Err(FetchError::Timeout) => Err("the proxy did not answer in time".into()),
        Err(FetchError::Unreachable(why)) => Err(format!("the proxy could not be reached ({why})")),
    }
}

pub async fn policy(base: &str, domain: &str) -> Result<PolicyFetch, String> {
    let v = get(base, "/api/v1/policy", domain).await?;
    serde_json::from_value(v["fetch"].clone())
        .map_err(|e| format!("the proxy's answer was not understood: {e}"))
}

pub async fn mx_tls(base: &str, domain: &str) -> Result<Vec<MxProbe>, String> {
    let v = get(base, "/api/v1/mx-tls", domain).await?;
    serde_json::from_value(v["probes"].clone())
        .map_err(|e| format!("the proxy's answer was not understood: {e}"))
}

/// The DoH endpoint the proxy's demo world offers, when it runs in demo mode.
pub async fn demo_doh(base: &str) -> Option<String> {
    let url = format!("{}/api/v1/config", base.trim_end_matches('/'));
    let (status, body) = http::get(&url, "application/json", 5000).await.ok()?;
    let v: Value = serde_json::from_slice(&body)
        .ok()
        .filter(|_| status == 200)?;
    v["demo"]["doh"].as_str().map(String::from)
}

/// Whether `base` is a pass-through proxy template (contains `{url}`).
pub fn is_passthrough(base: &str) -> bool {
    base.contains("{url}")
}

/// The policy through a pass-through CORS proxy: what it returns, marked as limited.
pub async fn policy_passthrough(template: &str, domain: &str) -> Result<PolicyFetch, String> {
    let target = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
    let url = template.replace(
        "{url}",
        &String::from(js_sys::encode_uri_component(&target)),
    );
    match http::get_typed(&url, "text/plain", TIMEOUT_MS).await {
        Ok((status, content_type, body)) => Ok(PolicyFetch {
            status: Some(status),
            content_type,
            body: Some(body),
            limited: Some(
                "a pass-through proxy hides the certificate, the TLS version and redirects".into(),
            ),
            ..PolicyFetch::failed(FetchOutcome::Response)
        }),
        Err(FetchError::Timeout) => Err("the pass-through proxy did not answer in time".into()),
        Err(FetchError::Unreachable(why)) => Err(format!(
            "the pass-through proxy could not be reached ({why})"
        )),
    }
}
