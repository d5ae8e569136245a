//! The page: a domain check and the offline tools, as two tabs. On submit every independent
//! request starts at once (DoH for both TXT records and the MX set, the proxy's policy fetch
//! and MX probe) and each section renders the moment its answer lands; the TLSA lookups for
//! the DANE note follow the MX answer, the only thing they depend on.

use mtasts_core::domain::Domain;
use mtasts_core::inputs::DnsResult;
use mtasts_core::Light;
use yew::prelude::*;

use crate::components::domain_form::DomainForm;
use crate::components::recent::RecentList;
use crate::components::report::ReportView;
use crate::components::tabs::{panel_id, tab_id, Tabs};
use crate::components::theme_toggle::ThemeToggle;
use crate::components::tools::{ToolsPanel, TOOLS};
use crate::history::{compare, Recent};
use crate::services::doh::{self, Resolver};
use crate::services::{proxy, storage};
use crate::state::{Action, State};

/// A public resolver that answers DoH with CORS headers.
pub const DEFAULT_RESOLVER: &str = "https://cloudflare-dns.com/dns-query";

fn param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The DoH resolver: `?resolver=`, else the demo world's when the proxy runs `--demo`, else a
/// public one. `?doh=json` selects the JSON API instead of RFC 8484.
async fn resolver(proxy_base: &str) -> Resolver {
    let url = match param("resolver") {
        Some(r) => r,
        None => proxy::demo_doh(proxy_base)
            .await
            .unwrap_or_else(|| DEFAULT_RESOLVER.to_string()),
    };
    Resolver {
        url,
        json: param("doh").as_deref() == Some("json"),
    }
}

fn start(state: &UseReducerHandle<State>, domain: Domain) {
    let run = state.run + 1;
    let epoch_s = (js_sys::Date::now() / 1000.0) as i64;
    state.dispatch(Action::Start {
        domain: domain.clone(),
        now_ms: now_ms(),
        epoch_s,
    });
    let proxy_base = param("proxy").unwrap_or_else(origin);
    let d = domain.ascii;
    {
        let (s, base, d) = (state.clone(), proxy_base.clone(), d.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let r = proxy::policy(&base, &d).await;
            s.dispatch(Action::Policy(run, now_ms(), r));
        });
    }
    {
        let (s, base, d) = (state.clone(), proxy_base.clone(), d.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let r = proxy::mx_tls(&base, &d).await;
            s.dispatch(Action::MxTls(run, now_ms(), r));
        });
    }
    let s = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let doh = resolver(&proxy_base).await;
        for (name, kind) in [(format!("_mta-sts.{d}"), 0), (format!("_smtp._tls.{d}"), 1)] {
            let (s, doh) = (s.clone(), doh.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let a = doh::txt(&doh, &name).await;
                s.dispatch(if kind == 0 {
                    Action::StsTxt(run, now_ms(), a)
                } else {
                    Action::TlsrptTxt(run, now_ms(), a)
                });
            });
        }
        let mx = doh::mx(&doh, &d).await;
        let hosts: Vec<String> = match &mx.result {
            DnsResult::Records(r) => r
                .iter()
                .filter(|m| !m.is_null())
                .map(|m| m.exchange.trim_end_matches('.').to_string())
                .collect(),
            _ => Vec::new(),
        };
        s.dispatch(Action::Mx(run, now_ms(), mx));
        for host in hosts {
            let (s, doh) = (s.clone(), doh.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let a = doh::tlsa_count(&doh, &host).await;
                s.dispatch(Action::Dane(run, host, a));
            });
        }
    });
}

/// Stores a finished run in the recent list and works out what changed since the last one.
fn remember(state: &UseReducerHandle<State>) {
    let Some(report) = state.report.as_ref() else {
        return;
    };
    let before = storage::recent()
        .into_iter()
        .find(|r| r.domain == report.domain);
    let entry = Recent::of(report, state.inputs.now.unwrap_or(0), before.as_ref());
    let changes = before.map(|b| compare(&b, &entry)).unwrap_or_default();
    let list = storage::remember(entry);
    state.dispatch(Action::Remembered(state.run, changes, list));
}

fn set_search(domain: &str) {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            let url = format!("?domain={}", js_sys::encode_uri_component(domain));
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

const TABS: [(&str, &str); 2] = [("check", "Check a domain"), ("tools", "Offline tools")];

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let initial = use_state(|| param("domain").unwrap_or_default());
    let tool = use_state(|| {
        param("tool")
            .and_then(|t| TOOLS.iter().find(|(k, _)| *k == t).map(|(k, _)| *k))
            .unwrap_or("policy")
    });
    let tab = use_state(|| {
        if param("tool").is_some() {
            "tools"
        } else {
            "check"
        }
    });
    {
        // ?domain= runs the check on load; the recent list is read once.
        let state = state.clone();
        let initial = (*initial).clone();
        use_effect_with((), move |_| {
            state.dispatch(Action::Recent(storage::recent()));
            if let Ok(d) = mtasts_core::domain::normalize(&initial, &crate::idna::BrowserIdna) {
                start(&state, d);
            }
            // For the bench and the tests: the form is interactive from here on.
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("data-ready", &crate::text::fixed(now_ms(), 1));
            }
        });
    }
    let finished = state
        .report
        .as_ref()
        .is_some_and(|r| r.overall != Light::Pending);
    {
        let state = state.clone();
        use_effect_with((state.run, finished), move |(_, finished)| {
            if *finished {
                remember(&state);
            }
        });
    }
    let on_check = {
        let state = state.clone();
        Callback::from(move |d: Domain| {
            set_search(&d.ascii);
            start(&state, d)
        })
    };
    let on_pick = {
        let (state, initial) = (state.clone(), initial.clone());
        Callback::from(move |d: String| {
            if let Ok(n) = mtasts_core::domain::normalize(&d, &crate::idna::BrowserIdna) {
                initial.set(d.clone());
                set_search(&n.ascii);
                start(&state, n);
            }
        })
    };
    let on_clear = {
        let state = state.clone();
        Callback::from(move |_| {
            storage::forget_all();
            state.dispatch(Action::Recent(Vec::new()));
        })
    };
    let on_tab = {
        let tab = tab.clone();
        Callback::from(move |k: &'static str| tab.set(k))
    };
    let on_tool = {
        let tool = tool.clone();
        Callback::from(move |k: &'static str| tool.set(k))
    };
    let announce = match &state.report {
        Some(r) if r.overall != Light::Pending => format!("Check finished: {}", r.verdict),
        Some(_) => "Checking…".to_string(),
        None => String::new(),
    };
    // The generator may start from the last check's MX hosts.
    let from_dns =
        state
            .report
            .as_ref()
            .and_then(|r| match state.inputs.mx.done().map(|a| &a.result) {
                Some(DnsResult::Records(mx)) if !mx.is_empty() => Some((
                    r.domain.clone(),
                    mx.iter()
                        .filter(|m| !m.is_null())
                        .map(|m| m.exchange.trim_end_matches('.').to_string())
                        .collect(),
                )),
                _ => None,
            });
    html! {
        <>
            <header class="top">
                <div class="title-row"><h1>{"MTA-STS checker"}</h1><ThemeToggle /></div>
                <p>{"Can this domain switch to "}<code>{"mode: enforce"}</code>{" without bouncing mail?"}</p>
                <Tabs id="main" label="Checker" tabs={TABS.to_vec()} selected={*tab} on_select={on_tab} />
            </header>
            <main>
                <div role="tabpanel" id={panel_id("main", "check")} aria-labelledby={tab_id("main", "check")} hidden={*tab != "check"}>
                    <DomainForm initial={(*initial).clone()} {on_check} />
                    <div class="live" aria-live="polite" role="status">{announce}</div>
                    <ReportView state={(*state).clone()} />
                    <RecentList list={state.recent.clone()} {on_pick} {on_clear} />
                </div>
                <div role="tabpanel" id={panel_id("main", "tools")} aria-labelledby={tab_id("main", "tools")} hidden={*tab != "tools"}>
                    <ToolsPanel selected={*tool} on_select={on_tool} {from_dns} />
                </div>
            </main>
        </>
    }
}
