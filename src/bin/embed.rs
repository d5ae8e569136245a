//! The embed's wasm side. `embed.js` (plain JavaScript, `www/embed.js`) defines the
//! `<mta-sts-check>` element, loads this module once per page when the first element becomes
//! visible (or when the API is first called) and calls these exports:
//!
//! - `mount(root, host, config)`: renders the checker into the element's shadow root and
//!   returns a handle whose `update(config)` applies changed attributes;
//! - `check(domain, options)`: a Promise of the report, with no element at all;
//! - `lint(kind, text)`: offline validation (`policy`, `sts-txt`, `tlsrpt-txt`,
//!   `tlsrpt-report`), the same shape as `mtasts lint --json`.
//!
//! The host page hears `mta-sts-start` and `mta-sts-report` events (bubbling, composed) whose
//! `detail` is a plain object made by serde-wasm-bindgen.

use std::cell::RefCell;
use std::rc::Rc;

use mtasts_core::lint::{self, Kind};
use mtasts_core::Report;
use mtasts_web::app::App;
use mtasts_web::config::Config;
use mtasts_web::idna::BrowserIdna;
use mtasts_web::services::gather::{gather, now_ms, Sources};
use mtasts_web::state::{Action, State};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use yew::{Callback, Reducible};

fn main() {}

fn get_str(o: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|s| !s.is_empty())
}

fn get_bool(o: &JsValue, key: &str) -> bool {
    js_sys::Reflect::get(o, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A plain JS object from a Rust value (maps as objects, not `Map`s).
fn to_js<T: Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

fn emit(host: &web_sys::HtmlElement, name: &str, detail: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&e);
    }
}

/// The element's attributes (as `embed.js` reads them) as the checker's configuration.
fn config(host: &web_sys::HtmlElement, o: &JsValue) -> Config {
    let (h1, h2) = (host.clone(), host.clone());
    Config {
        domain: get_str(o, "domain"),
        resolver: get_str(o, "resolver"),
        doh_json: get_str(o, "doh").as_deref() == Some("json"),
        proxy: get_str(o, "proxy"),
        tool: get_str(o, "tool"),
        no_tools: !get_bool(o, "offlineTools"),
        compact: get_bool(o, "compact"),
        embedded: true,
        on_start: Callback::from(move |d: String| {
            emit(
                &h1,
                "mta-sts-start",
                &to_js(&serde_json::json!({ "domain": d })),
            )
        }),
        on_report: Callback::from(move |r: Report| emit(&h2, "mta-sts-report", &to_js(&r))),
    }
}

#[wasm_bindgen]
pub struct Widget {
    handle: Option<yew::AppHandle<App>>,
    host: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl Widget {
    /// Applies changed attributes.
    pub fn update(&mut self, config_obj: JsValue) {
        let cfg = config(&self.host, &config_obj);
        if let Some(h) = self.handle.as_mut() {
            h.update(cfg);
        }
    }

    /// Unmounts the checker (the element left the page).
    pub fn destroy(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
    }
}

/// Renders the checker into `root` (an element inside the shadow root of `host`).
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, host: web_sys::HtmlElement, config_obj: JsValue) -> Widget {
    let cfg = config(&host, &config_obj);
    let handle = yew::Renderer::<App>::with_root_and_props(root, cfg).render();
    Widget {
        handle: Some(handle),
        host,
    }
}

/// Checks a domain with no element on the page; resolves to the report (a plain object), or
/// rejects with a message when the domain cannot be checked.
#[wasm_bindgen]
pub fn check(domain: String, options: JsValue) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        let d = mtasts_core::domain::normalize(&domain, &BrowserIdna)
            .map_err(|e| JsValue::from_str(&format!("cannot check \"{domain}\": {e}")))?;
        let proxy = get_str(&options, "proxy")
            .ok_or_else(|| JsValue::from_str("options.proxy is required"))?;
        let src = Sources {
            proxy,
            resolver: get_str(&options, "resolver"),
            doh_json: get_str(&options, "doh").as_deref() == Some("json"),
            fresh: false,
        };
        let state = Rc::new(RefCell::new(Rc::new(State::default())));
        let reduce = |st: &Rc<RefCell<Rc<State>>>, a: Action| {
            let cur = st.borrow().clone();
            *st.borrow_mut() = cur.reduce(a);
        };
        reduce(
            &state,
            Action::Start {
                domain: d.clone(),
                now_ms: now_ms(),
                epoch_s: (js_sys::Date::now() / 1000.0) as i64,
            },
        );
        let sink_state = state.clone();
        gather(src, 1, d.ascii, Rc::new(move |a| reduce(&sink_state, a))).await;
        let report = state.borrow().report.clone();
        Ok(report.map(|r| to_js(&r)).unwrap_or(JsValue::NULL))
    })
}

/// Validates text offline; `kind` is `policy`, `sts-txt`, `tlsrpt-txt` or `tlsrpt-report`.
#[wasm_bindgen]
pub fn lint(kind: &str, text: &str) -> Result<JsValue, JsValue> {
    let k = Kind::parse(kind).ok_or_else(|| {
        JsValue::from_str(&format!(
            "unknown kind \"{kind}\"; use policy, sts-txt, tlsrpt-txt or tlsrpt-report"
        ))
    })?;
    Ok(to_js(&lint::text(k, text.as_bytes())))
}
