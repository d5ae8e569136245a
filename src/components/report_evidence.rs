//! The stored reports' evidence under "Ready to enforce?", on the operator's own page: when this
//! tab holds the operator token (the console keeps it in the tab's session), the checker asks
//! this server's `GET /api/v1/reports/daily` for the checked domain and shows the same evidence
//! line the console shows ("N days of reports, last failure on …", and whether they support
//! enforcing by the rule in `mtasts_core::daily::evidence`). Without a token nothing is asked
//! and nothing is shown: the reports are the operator's, and a visitor's check stays a check.
//!
//! The line stands beside the live answer, never instead of it: the live check says whether the
//! servers can be reached securely now, the reports what senders met over the last days.
//!
//! The checker's module holds only [`fill_slot`], which hands an empty element to
//! `window.mtastsEvidence` (`index.html`); the page's script calls the tools module's
//! `evidence` export, which renders [`ReportEvidence`] into it, only when the tab holds a
//! token. Visitors' first visit pays only for the slot and its call: +671 B brotli on the
//! checker's module (285,113 -> 285,784; with the component itself there it was +2,888 B).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::daily_chart::evidence_line;
use crate::services::{http, operator_token};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The checked domain (its policy domain in the reports).
    pub domain: AttrValue,
    /// Its live policy is already in `mode: enforce`: the reports then tell how enforcing goes,
    /// not whether to start (no "not yet" under a "Yes, enforced").
    #[prop_or_default]
    pub enforced: bool,
}

#[derive(Clone, PartialEq)]
enum Evidence {
    /// No operator token in this tab.
    NotAsked,
    Reading,
    Read {
        ready: bool,
        summary: String,
        /// "30 days of reports, last failure on 2026-12-06" (`daily::Evidence::record`).
        record: String,
    },
    Failed(String),
}

async fn read(domain: &str, token: &str) -> Evidence {
    let url = format!(
        "/api/v1/reports/daily?domain={}",
        js_sys::encode_uri_component(domain)
    );
    let failed = |why: String| {
        Evidence::Failed(format!(
            "The stored TLS-RPT reports could not be read: {why}."
        ))
    };
    match http::get_authorized(&url, "application/json", token, 10_000).await {
        Ok(r) if r.status == 200 => {
            let v: serde_json::Value = match serde_json::from_slice(&r.body) {
                Ok(v) => v,
                Err(e) => return failed(format!("the answer is not JSON ({e})")),
            };
            let e = &v["evidence"];
            match (
                e["ready"].as_bool(),
                e["summary"].as_str(),
                e["record"].as_str(),
            ) {
                (Some(ready), Some(summary), Some(record)) => Evidence::Read {
                    ready,
                    summary: summary.to_string(),
                    record: record.to_string(),
                },
                _ => failed("the answer has no evidence".into()),
            }
        }
        Ok(r) if r.status == 401 => failed(
            "this tab's operator token was refused (open the console and sign in again)".into(),
        ),
        Ok(r) => failed(format!("the server answered HTTP {}", r.status)),
        Err(http::FetchError::Timeout) => failed("no answer within 10 seconds".into()),
        Err(http::FetchError::Unreachable(e)) => failed(e),
    }
}

#[function_component]
pub fn ReportEvidence(p: &Props) -> Html {
    let state = use_state(|| Evidence::NotAsked);
    {
        let state = state.clone();
        use_effect_with(
            p.domain.clone(),
            move |domain| match operator_token::stored() {
                Some(token) => {
                    state.set(Evidence::Reading);
                    let domain = domain.to_string();
                    spawn_local(async move { state.set(read(&domain, &token).await) });
                }
                None => state.set(Evidence::NotAsked),
            },
        );
    }
    let body = match &*state {
        Evidence::NotAsked => return Html::default(),
        Evidence::Reading => {
            html! { <p class="evidence" aria-busy="true">{"Reading the stored TLS-RPT reports…"}</p> }
        }
        Evidence::Read { record, .. } if p.enforced => html! {
            <p class="evidence" data-enforced="true"><strong>{"Senders' reports since enforcing: "}</strong>{record.clone()}{"."}</p>
        },
        Evidence::Read { ready, summary, .. } => evidence_line(*ready, summary),
        Evidence::Failed(why) => html! { <p class="evidence invalid">{why.clone()}</p> },
    };
    html! {
        <div class="report-evidence" aria-live="polite">
            {body}
            <p class="step-links"><a href={format!("/console/?domain={}", js_sys::encode_uri_component(&p.domain))}>{"The reports in the console"}</a></p>
        </div>
    }
}

/// Hands `slot` to the page's `window.mtastsEvidence(element, domain, enforced)` (absent on pages that
/// do not define it, such as the embed's hosts). A plain function the action plan calls from
/// its effect, not a component of its own: one more component cost the checker's module
/// 0.9 KB brotli.
pub fn fill_slot(slot: &NodeRef, domain: &str, enforced: bool) {
    let f = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"mtastsEvidence".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let (Some(f), Some(el)) = (f, slot.get()) {
        let _ = f.call3(
            &wasm_bindgen::JsValue::NULL,
            &el,
            &wasm_bindgen::JsValue::from_str(domain),
            &wasm_bindgen::JsValue::from_bool(enforced),
        );
    }
}
