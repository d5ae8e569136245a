//! When each fact was gathered: DNS answers are asked live from the named resolver; the
//! proxy's policy fetch and MX probes may be reused from its cache for a minute, and then say
//! how old they are. "Re-check" asks the proxy to gather them again.

use yew::prelude::*;

use crate::services::proxy::Freshness;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Unix seconds when the check started (this browser's clock).
    pub started: Option<i64>,
    pub resolver: Option<String>,
    pub policy: Option<Freshness>,
    pub mx: Option<Freshness>,
    pub done: bool,
    /// Offer "Re-check" (a complete run; an incomplete one offers Retry instead).
    pub recheck: bool,
    pub on_recheck: Callback<()>,
}

/// A Unix time as this browser's local time of day.
fn clock(unix_s: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_s as f64 * 1000.0));
    String::from(d.to_locale_time_string("en-GB"))
}

fn host(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|u| u.host())
        .unwrap_or_else(|_| url.to_string())
}

fn proxy_fact(what: &'static str, key: &'static str, f: Option<Freshness>) -> Html {
    let Some(f) = f else { return html! {} };
    let when = f
        .checked_at
        .map(clock)
        .unwrap_or_else(|| "an unknown time".into());
    html! {
        <li data-fresh={key} data-cached={f.cached.to_string()} data-age={f.age_s.to_string()}>
            <strong>{what}</strong>{": "}
            { if f.cached {
                format!("reused from the proxy's cache: checked at {when}, {} s before this check", f.age_s)
            } else {
                format!("checked by the proxy at {when}")
            } }
        </li>
    }
}

#[function_component]
pub fn FreshnessView(p: &Props) -> Html {
    let onclick = {
        let cb = p.on_recheck.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let cached = [p.policy, p.mx].iter().flatten().any(|f| f.cached);
    html! {
        <section class="freshness" aria-label="When these facts were gathered">
            <ul>
                if let Some(t) = p.started {
                    <li data-fresh="dns"><strong>{"DNS"}</strong>{": "}
                        { match p.resolver.as_deref() {
                            Some(r) => format!("asked {} at {}", host(r), clock(t)),
                            None if p.done => "not asked: no resolver".to_string(),
                            None => "choosing a resolver…".to_string(),
                        } }</li>
                }
                { proxy_fact("Policy fetch", "policy", p.policy) }
                { proxy_fact("MX probes", "mx", p.mx) }
            </ul>
            if p.done && p.recheck {
                <button type="button" class="small recheck" {onclick}>
                    { if cached { "Re-check now (skip the proxy's cache)" } else { "Re-check now" } }
                </button>
            }
        </section>
    }
}
