//! `fetch` from the browser, with a timeout, returning status and bytes.
//!
//! Hand-written over web-sys rather than with `gloo-net` (the design's choice for the browser's
//! HTTP), for the first visit's budget: the same function written with `gloo_net::http::Request`
//! (measured 2026-12-07, release `web` profile, wasm-opt -Oz) made the page's module 1,606 B
//! brotli larger (282,066 -> 283,672) and its JS glue 281 B larger, for no behaviour the
//! checker uses (it needs a GET with one header, a timeout signal, the status, two headers and
//! the bytes).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a request produced no HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    Timeout,
    /// The network or CORS refused it (the browser does not say which).
    Unreachable(String),
}

/// An HTTP response as the services need it.
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    /// `Retry-After` in seconds (a 429 or 503 from the proxy), when given as a number.
    pub retry_after: Option<u32>,
    pub body: Vec<u8>,
}

pub async fn get(url: &str, accept: &str, timeout_ms: u32) -> Result<(u16, Vec<u8>), FetchError> {
    get_full(url, accept, timeout_ms)
        .await
        .map(|r| (r.status, r.body))
}

/// Like [`get`], with the headers that matter too.
pub async fn get_full(url: &str, accept: &str, timeout_ms: u32) -> Result<Response, FetchError> {
    get_with(url, accept, None, timeout_ms).await
}

/// [`get_full`] with `Authorization: Bearer TOKEN` (the operator console's API calls).
pub async fn get_authorized(
    url: &str,
    accept: &str,
    token: &str,
    timeout_ms: u32,
) -> Result<Response, FetchError> {
    get_with(url, accept, Some(token), timeout_ms).await
}

async fn get_with(
    url: &str,
    accept: &str,
    bearer: Option<&str>,
    timeout_ms: u32,
) -> Result<Response, FetchError> {
    let fail = |e: wasm_bindgen::JsValue| {
        FetchError::Unreachable(e.as_string().unwrap_or_else(|| format!("{e:?}")))
    };
    let window = web_sys::window().ok_or_else(|| FetchError::Unreachable("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(timeout_ms)));
    let req = web_sys::Request::new_with_str_and_init(url, &init).map_err(fail)?;
    req.headers().set("Accept", accept).map_err(fail)?;
    if let Some(t) = bearer {
        req.headers()
            .set("Authorization", &format!("Bearer {t}"))
            .map_err(fail)?;
    }
    let resp = match JsFuture::from(window.fetch_with_request(&req)).await {
        Ok(r) => r,
        Err(e) => {
            let name = e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.name()))
                .unwrap_or_default();
            return Err(if name == "TimeoutError" || name == "AbortError" {
                FetchError::Timeout
            } else {
                FetchError::Unreachable(format!("could not reach {}", origin(url)))
            });
        }
    };
    let resp: web_sys::Response = resp.dyn_into().map_err(fail)?;
    let buf = JsFuture::from(resp.array_buffer().map_err(fail)?)
        .await
        .map_err(|_| FetchError::Timeout)?;
    let header = |name: &str| resp.headers().get(name).ok().flatten();
    Ok(Response {
        status: resp.status(),
        content_type: header("content-type"),
        retry_after: header("retry-after").and_then(|v| v.trim().parse().ok()),
        body: js_sys::Uint8Array::new(&buf).to_vec(),
    })
}

fn origin(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|u| u.origin())
        .unwrap_or_else(|_| url.to_string())
}
