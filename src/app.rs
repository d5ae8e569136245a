//! The page: the domain box and the report. On submit every independent request starts at
//! once (DoH for both TXT records and the MX set, the proxy's policy fetch and MX probe) and
//! each section renders the moment its answer lands.

use mtasts_core::domain::Domain;
use mtasts_core::Light;
use yew::prelude::*;

use crate::components::domain_form::DomainForm;
use crate::components::report::ReportView;
use crate::services::{doh, proxy};
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
/// public one.
async fn resolver(proxy_base: &str) -> String {
    if let Some(r) = param("resolver") {
        return r;
    }
    proxy::demo_doh(proxy_base)
        .await
        .unwrap_or_else(|| DEFAULT_RESOLVER.to_string())
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
        let doh_url = resolver(&proxy_base).await;
        let (sts_name, rpt_name) = (format!("_mta-sts.{d}"), format!("_smtp._tls.{d}"));
        let sts = {
            let s = s.clone();
            let u = doh_url.clone();
            async move { s.dispatch(Action::StsTxt(run, now_ms(), doh::txt(&u, &sts_name).await)) }
        };
        let rpt = {
            let s = s.clone();
            let u = doh_url.clone();
            async move {
                s.dispatch(Action::TlsrptTxt(
                    run,
                    now_ms(),
                    doh::txt(&u, &rpt_name).await,
                ))
            }
        };
        let mx = {
            let s = s.clone();
            async move { s.dispatch(Action::Mx(run, now_ms(), doh::mx(&doh_url, &d).await)) }
        };
        futures_join3(sts, rpt, mx).await;
    });
}

/// Runs three futures concurrently (a tiny `join!`, to keep `futures` out of the bundle).
async fn futures_join3(
    a: impl std::future::Future<Output = ()>,
    b: impl std::future::Future<Output = ()>,
    c: impl std::future::Future<Output = ()>,
) {
    let (a, b, c) = (Box::pin(a), Box::pin(b), Box::pin(c));
    let mut slots = [
        Some(a as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>),
        Some(b),
        Some(c),
    ];
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for slot in slots.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await
}

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let initial = param("domain").unwrap_or_default();
    {
        // ?domain= runs the check on load.
        let state = state.clone();
        let initial = initial.clone();
        use_effect_with((), move |_| {
            if let Ok(d) = mtasts_core::domain::normalize(&initial, &crate::idna::BrowserIdna) {
                start(&state, d);
            }
        });
    }
    let on_check = {
        let state = state.clone();
        Callback::from(move |d: Domain| start(&state, d))
    };
    let announce = match &state.report {
        Some(r) if r.overall != Light::Pending => format!("Check finished: {}", r.verdict),
        Some(_) => "Checking…".to_string(),
        None => String::new(),
    };
    html! {
        <>
            <header class="top"><h1>{"MTA-STS checker"}</h1>
                <p>{"Can this domain switch to "}<code>{"mode: enforce"}</code>{" without bouncing mail?"}</p></header>
            <main>
                <DomainForm {initial} {on_check} />
                <div class="live" aria-live="polite" role="status">{announce}</div>
                if let (Some(r), Some(d)) = (&state.report, &state.domain) {
                    <ReportView report={r.clone()} shown_domain={d.ascii.clone()} elapsed_ms={state.last_ms - state.started_ms} />
                }
            </main>
        </>
    }
}
