//! The checker: a domain check and the offline tools, as two tabs. The same component is the
//! standalone page (configured by its URL) and the embed (configured by the element's
//! attributes); see [`Config`]. The requests of a check are in `services::gather`.

use std::rc::Rc;

use mtasts_core::domain::{self, Domain};
use mtasts_core::Light;
use yew::prelude::*;

use crate::components::compact::CompactView;
use crate::components::demo_list::DemoList;
use crate::components::domain_form::DomainForm;
use crate::components::open_saved::OpenSaved;
use crate::components::recent::RecentList;
use crate::components::report::ReportView;
use crate::components::tabs::{panel_id, tab_id, Tabs};
use crate::components::theme_toggle::ThemeToggle;
use crate::components::tools::tool_key;
use crate::components::tools_slot::ToolsSlot;
use crate::config::Config;
use crate::history::{compare, Recent};
use crate::idna::BrowserIdna;
use crate::services::gather::{gather, mx_hosts, now_ms, Sources};
use crate::services::storage;
use crate::state::{Action, State};

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

fn sources(cfg: &Config, fresh: bool) -> Sources {
    Sources {
        proxy: cfg.proxy.clone().unwrap_or_else(origin),
        resolver: cfg.resolver.clone(),
        doh_json: cfg.doh_json,
        fresh,
    }
}

/// Starts a check; `fresh` asks the proxy to gather its facts again instead of reusing them.
fn start(state: &UseReducerHandle<State>, cfg: &Config, domain: Domain, fresh: bool) {
    let run = state.run + 1;
    let epoch_s = (js_sys::Date::now() / 1000.0) as i64;
    cfg.on_start.emit(domain.ascii.clone());
    state.dispatch(Action::Start {
        domain: domain.clone(),
        now_ms: now_ms(),
        epoch_s,
    });
    let s = state.clone();
    wasm_bindgen_futures::spawn_local(gather(
        sources(cfg, fresh),
        run,
        domain.ascii,
        Rc::new(move |a| s.dispatch(a)),
    ));
}

/// Stores a finished run in the recent list and works out what changed since the last one.
/// An incomplete run is not a result and is not stored.
fn remember(state: &UseReducerHandle<State>) {
    if state.snapshot {
        return; // shown as it was, not a check made here
    }
    let Some(report) = state.report.as_ref().filter(|r| r.complete) else {
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

/// In demo mode, whether this report is of a domain outside the demo world: what the demo
/// world's DNS says about it is not true of the real domain (no verdict, not remembered).
fn outside_demo(
    report: Option<&mtasts_core::Report>,
    demo: Option<&Vec<(String, String)>>,
) -> bool {
    match (report, demo) {
        (Some(r), Some(list)) => !list.iter().any(|(d, _)| *d == r.domain),
        _ => false,
    }
}

/// Shows a snapshot's inputs read-only, as they were.
fn open_snapshot(
    state: &UseReducerHandle<State>,
    inputs: mtasts_core::Inputs,
) -> Result<(), String> {
    let d = domain::normalize(&inputs.domain, &BrowserIdna).map_err(|e| e.to_string())?;
    state.dispatch(Action::Snapshot(d, Box::new(inputs)));
    Ok(())
}

/// Opens the snapshot in the address bar's fragment, if there is one; a damaged link says why.
fn open_fragment(state: &UseReducerHandle<State>, failed: &UseStateHandle<String>) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if !hash.starts_with(crate::services::snapshot::PREFIX) {
        return;
    }
    let (state, failed) = (state.clone(), failed.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let result = match crate::services::snapshot::decode(&hash).await {
            Ok(inputs) => open_snapshot(&state, inputs),
            Err(e) => Err(e),
        };
        failed.set(
            result
                .err()
                .map(|e| format!("This snapshot link cannot be opened: {e}."))
                .unwrap_or_default(),
        );
    });
}

/// Makes the address bar shareable (`?domain=`); the standalone page only.
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
pub fn App(cfg: &Config) -> Html {
    let state = use_reducer(State::default);
    let expanded = use_state(|| false);
    let initial = use_state(|| cfg.domain.clone().unwrap_or_default());
    // A snapshot link (`#s1=…`) opens read-only, at load and whenever the fragment changes.
    let snapshot_error = use_state(String::new);
    {
        let (state, failed, embedded) = (state.clone(), snapshot_error.clone(), cfg.embedded);
        use_effect_with((), move |_| {
            let listener = (!embedded).then(|| {
                open_fragment(&state, &failed);
                let cb = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
                    open_fragment(&state, &failed)
                });
                if let Some(w) = web_sys::window() {
                    let _ = w.add_event_listener_with_callback(
                        "hashchange",
                        wasm_bindgen::JsCast::unchecked_ref(cb.as_ref()),
                    );
                }
                cb
            });
            move || {
                if let (Some(cb), Some(w)) = (listener, web_sys::window()) {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        wasm_bindgen::JsCast::unchecked_ref(cb.as_ref()),
                    );
                }
            }
        });
    }
    // The server's configuration, asked as the page (or the widget) loads, so that a check
    // finds its resolver at hand instead of waiting a round trip for it; and the demo world's
    // domains when this page's server runs `--demo` (the page only).
    let demo = use_state(|| None::<Vec<(String, String)>>);
    {
        let src = sources(cfg, false);
        let (demo, embedded) = (demo.clone(), cfg.embedded);
        use_effect_with((), move |_| {
            let needed = !embedded || src.resolver.is_none();
            if needed && !crate::services::proxy::is_passthrough(&src.proxy) {
                wasm_bindgen_futures::spawn_local(async move {
                    let list = crate::services::proxy::demo_domains(&src.proxy).await;
                    if !embedded {
                        demo.set(list);
                    }
                });
            }
        });
    }
    let tool = use_state(|| tool_key(cfg.tool.as_deref()));
    let constrained = use_state(crate::components::tools_slot::constrained);
    // Bumped to show `tool` again after the user moved to another tool.
    let select = use_state(|| 0u32);
    let tab = use_state(|| {
        if cfg.tool.is_some() && !cfg.no_tools {
            "tools"
        } else {
            "check"
        }
    });
    {
        // The recent list is read once, outside an embed.
        let (state, embedded) = (state.clone(), cfg.embedded);
        use_effect_with((), move |_| {
            if !embedded {
                state.dispatch(Action::Recent(storage::recent()));
                // For the bench and the tests: the form is interactive from here on.
                if let Some(root) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                {
                    let _ = root.set_attribute("data-ready", &crate::text::fixed(now_ms(), 1));
                }
            }
        });
    }
    {
        // A snapshot or a saved report shows its domain in the box, ready for "Check it now".
        let (initial, snapshot) = (
            initial.clone(),
            state
                .snapshot
                .then(|| state.domain.as_ref().map(|d| d.unicode.clone()))
                .flatten(),
        );
        use_effect_with((state.run, snapshot), move |(_, d)| {
            if let Some(d) = d {
                initial.set(d.clone());
            }
        });
    }
    {
        // A domain given by the URL or by the element's attribute runs at once, and again
        // whenever it changes.
        let (state, initial, cfg2) = (state.clone(), initial.clone(), cfg.clone());
        use_effect_with(cfg.domain.clone(), move |d| {
            if let Some(d) = d {
                initial.set(d.clone());
                if let Ok(n) = domain::normalize(d, &BrowserIdna) {
                    start(&state, &cfg2, n, false);
                }
            }
        });
    }
    let finished = state
        .report
        .as_ref()
        .is_some_and(|r| r.overall != Light::Pending);
    {
        let (state, embedded, on_report, demo) = (
            state.clone(),
            cfg.embedded,
            cfg.on_report.clone(),
            demo.clone(),
        );
        use_effect_with((state.run, finished), move |(_, finished)| {
            if *finished {
                if let Some(r) = &state.report {
                    on_report.emit(r.clone());
                }
                // In demo mode a real domain's result says nothing about it: not kept.
                if !embedded && !outside_demo(state.report.as_ref(), demo.as_ref()) {
                    remember(&state);
                }
                // For the bench: when the verdict was on screen (after this render).
                if let Some(root) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                    .filter(|_| !embedded)
                {
                    let _ = root.set_attribute("data-verdict", &crate::text::fixed(now_ms(), 1));
                }
            }
        });
    }
    {
        // The page's title carries the domain and the verdict (tabs, bookmarks, history).
        // A domain as it was typed (Unicode), and in demo mode a domain outside the demo world
        // says so instead of a verdict about a world it is not part of.
        let (report, embedded) = (state.report.clone(), cfg.embedded);
        let shown = state.domain.as_ref().map(|d| d.unicode.clone());
        let outside_demo = outside_demo(state.report.as_ref(), demo.as_ref());
        use_effect_with((state.run, finished, outside_demo), move |_| {
            if !embedded {
                if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                    doc.set_title(&match &report {
                        Some(r) if r.overall == Light::Pending => {
                            format!(
                                "Checking {}… · MTA-STS checker",
                                shown.as_deref().unwrap_or(&r.domain)
                            )
                        }
                        Some(r) if outside_demo => format!(
                            "{}: not part of the demo world · MTA-STS checker (demo)",
                            shown.as_deref().unwrap_or(&r.domain)
                        ),
                        Some(r) => format!(
                            "{} {}: {} · MTA-STS checker",
                            r.overall.icon(),
                            shown.as_deref().unwrap_or(&r.domain),
                            r.verdict
                        ),
                        None => "MTA-STS checker".to_string(),
                    });
                }
            }
        });
    }
    let on_open_saved = {
        let (state, failed) = (state.clone(), snapshot_error.clone());
        Callback::from(move |inputs: mtasts_core::Inputs| {
            failed.set(match open_snapshot(&state, inputs) {
                Ok(()) => String::new(),
                Err(e) => format!("This report cannot be opened: {e}."),
            });
        })
    };
    let on_check = {
        let (state, cfg) = (state.clone(), cfg.clone());
        Callback::from(move |d: Domain| {
            if !cfg.embedded {
                set_search(&d.unicode);
            }
            start(&state, &cfg, d, false)
        })
    };
    let on_pick = {
        let (state, initial, cfg) = (state.clone(), initial.clone(), cfg.clone());
        Callback::from(move |d: String| {
            if let Ok(n) = domain::normalize(&d, &BrowserIdna) {
                initial.set(d.clone());
                set_search(&n.unicode);
                start(&state, &cfg, n, false);
            }
        })
    };
    // Retry (after an incomplete run) and Re-check (past the proxy's cache) run the same
    // domain again.
    let on_again = {
        let (state, cfg) = (state.clone(), cfg.clone());
        Callback::from(move |fresh: bool| {
            if let Some(d) = state.domain.clone() {
                start(&state, &cfg, d, fresh)
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
    // The action plan's "Generator" links open the generator, where the tools are offered.
    let on_generator = (!cfg.no_tools).then(|| {
        let (tab, tool, select) = (tab.clone(), tool.clone(), select.clone());
        Callback::from(move |()| {
            tool.set("generate");
            select.set(*select + 1);
            tab.set("tools");
        })
    });
    let announce = match &state.report {
        Some(r) if r.overall != Light::Pending => format!("Check finished: {}", r.verdict),
        Some(_) => "Checking…".to_string(),
        None => String::new(),
    };
    // The generator may start from the last check's MX hosts.
    let from_dns = state.report.as_ref().and_then(|r| {
        let hosts = state.inputs.mx.done().map(mx_hosts).unwrap_or_default();
        (!hosts.is_empty()).then(|| (r.domain.clone(), hosts))
    });
    let tab_now = if cfg.no_tools { "check" } else { *tab };
    // The embed's compact form with a domain: one line until "Details" opens the whole
    // widget (form, tools and report) under it.
    let one_line = cfg.compact && cfg.domain.is_some() && !*expanded;
    let compact_line = cfg.compact.then(|| {
        let expanded2 = expanded.clone();
        let on_toggle = Callback::from(move |()| expanded2.set(!*expanded2));
        html! { <CompactView state={(*state).clone()} open={*expanded} {on_toggle} /> }
    });
    let report = if one_line {
        html! {}
    } else {
        let share_base = (!cfg.embedded)
            .then(|| {
                let l = web_sys::window()?.location();
                Some(AttrValue::from(format!(
                    "{}{}",
                    l.origin().ok()?,
                    l.pathname().ok()?
                )))
            })
            .flatten();
        // In demo mode a domain outside the demo world gets its note at the top of the report.
        let note = state
            .report
            .as_ref()
            .filter(|r| outside_demo(Some(r), demo.as_ref()))
            .map(|r| AttrValue::from(format!(
                "{} is not part of the demo world: this server runs in demo mode and reaches only its built-in test domains (listed at the foot of the page), so this result says nothing about the real domain.",
                r.domain
            )));
        html! { <ReportView state={(*state).clone()} {on_again} {on_generator} {share_base} {note} /> }
    };
    html! {
        <>
            if !cfg.embedded {
                <header class="top">
                    <div class="title-row">
                        <h1>{"MTA-STS checker"}
                            if demo.is_some() { {" "}<span class="demo-badge" title="This server checks a built-in test world, not the internet">{"demo"}</span> }
                        </h1>
                        <ThemeToggle />
                    </div>
                    <p>{"Can this domain switch to "}<code>{"mode: enforce"}</code>{" without bouncing mail?"}</p>
                </header>
            }
            <@{if cfg.embedded { "div" } else { "main" }} class="main">
                {compact_line.unwrap_or_default()}
                // Outside the panels, so the result is announced even while they are hidden.
                <div class="live" aria-live="polite" role="status">{announce}</div>
                if !cfg.no_tools && !one_line {
                    <Tabs id="main" label="Checker" tabs={TABS.to_vec()} selected={tab_now} on_select={on_tab} />
                }
                <div role={(!cfg.no_tools).then_some("tabpanel")} id={panel_id("main", "check")}
                     aria-labelledby={(!cfg.no_tools).then(|| tab_id("main", "check"))} hidden={tab_now != "check" || one_line}>
                    <DomainForm initial={(*initial).clone()} {on_check} landmark={!cfg.embedded}
                                shown={state.domain.as_ref().filter(|_| state.report.is_some()).map(|d| AttrValue::from(d.ascii.clone()))} />
                    if !cfg.embedded {
                        <OpenSaved on_open={on_open_saved} />
                    }
                    if !snapshot_error.is_empty() {
                        <p class="snapshot-error" role="alert">{(*snapshot_error).clone()}</p>
                    }
                    {report}
                    // The lists under the report wait for its end, so that they are not pushed
                    // down while answers land (no layout shift).
                    if !cfg.embedded && (state.report.is_none() || finished) {
                        <RecentList list={state.recent.clone()} on_pick={on_pick.clone()} {on_clear} />
                        if let Some(list) = demo.as_ref() {
                            <DemoList domains={list.clone()} {on_pick} />
                        }
                    }
                </div>
                if !cfg.no_tools && !one_line {
                    <div role="tabpanel" id={panel_id("main", "tools")} aria-labelledby={tab_id("main", "tools")} hidden={tab_now != "tools"}>
                        // Fetched when this tab opens, or once the page is idle (no check
                        // running or about to run for ?domain=) on a connection that is not
                        // slow or metered, so that the tools are there when the network is not.
                        <ToolsSlot load={tab_now == "tools" || (((state.report.is_none() && cfg.domain.is_none()) || finished) && !*constrained)}
                                   tool={*tool} select={*select} {from_dns} mark={!cfg.embedded} />
                    </div>
                }
            </@>
        </>
    }
}
