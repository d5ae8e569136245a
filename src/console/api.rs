//! The reports API as the console calls it.

use mtasts_core::daily::{DayRow, Evidence};
use serde::Deserialize;

use crate::services::http;

/// Why a call gave nothing to show.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// 401: the token is wrong or missing.
    Refused,
    /// Anything else, in words.
    Failed(String),
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ListItem {
    pub id: i64,
    pub organization: String,
    pub report_id: String,
    pub day: Option<String>,
    pub received_at: i64,
    pub source: String,
    pub valid: bool,
    pub successful: u64,
    pub failed: u64,
    pub policy_domains: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct List {
    pub reports: Vec<ListItem>,
    #[serde(default)]
    pub truncated: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Daily {
    pub domain: String,
    pub days: Vec<DayRow>,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Detail {
    pub id: i64,
    pub organization: String,
    pub report_id: String,
    pub day: Option<String>,
    pub json: String,
    /// As the server writes them: code, severity, title, message, fix, rfc.
    pub findings: Vec<serde_json::Value>,
}

/// GETs `path` (from the page's origin) with the token and reads the JSON answer.
pub async fn get<T: serde::de::DeserializeOwned>(path: &str, token: &str) -> Result<T, ApiError> {
    let r = http::get_authorized(path, "application/json", token, 20_000)
        .await
        .map_err(|e| {
            ApiError::Failed(match e {
                http::FetchError::Timeout => "the server did not answer in 20 s".into(),
                http::FetchError::Unreachable(w) => w,
            })
        })?;
    match r.status {
        200 => serde_json::from_slice(&r.body)
            .map_err(|e| ApiError::Failed(format!("the server's answer cannot be read: {e}"))),
        401 => Err(ApiError::Refused),
        s => {
            let msg = serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v["error"].as_str().map(String::from))
                .unwrap_or_else(|| format!("HTTP {s}"));
            Err(ApiError::Failed(msg))
        }
    }
}

/// `?domain=` as the API reads it.
pub fn query(domain: &str) -> String {
    String::from(js_sys::encode_uri_component(domain))
}
