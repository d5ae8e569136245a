//! The console's page: the token gate, the domains that have reports, and for the one chosen
//! its daily chart, the evidence for enforcing, and its reports (each can be opened).

use std::collections::BTreeSet;

use yew::prelude::*;

use super::api::{self, ApiError, Daily, Detail, List};
use super::report_detail::ReportDetail;
use super::token;
use crate::components::daily_chart::{count, evidence_line, DailyChart};
use crate::components::theme_toggle::ThemeToggle;

/// What the page shows while it talks to the server.
#[derive(Clone, PartialEq)]
enum Load<T> {
    Waiting,
    Done(T),
    Failed(String),
}

#[function_component]
pub fn ConsoleApp() -> Html {
    let token = use_state(token::current);
    let refused = use_state(|| false);
    let list = use_state(|| Load::<List>::Waiting);
    let domain = use_state(|| None::<String>);
    let daily = use_state(|| Load::<Daily>::Waiting);
    let detail = use_state(|| None::<Load<Detail>>);
    let typed = use_state(String::new);
    // The period shown: the last N days (0 for every stored day).
    let period = use_state(|| 30u32);
    // The report whose "Back to the list" was used: its row's button gets the focus back.
    let back_to = use_state(|| None::<i64>);
    {
        let back_to = back_to.clone();
        let listed = detail.is_none();
        use_effect_with((*back_to, listed), move |(id, listed)| {
            if let (Some(id), true) = (id, listed) {
                super::report_detail::focus(&format!("tr[data-report=\"{id}\"] button"));
                back_to.set(None);
            }
        });
    }

    // The list of reports, once there is a token.
    {
        let (list, refused, domain) = (list.clone(), refused.clone(), domain.clone());
        use_effect_with((*token).clone(), move |t| {
            if let Some(t) = t.clone() {
                list.set(Load::Waiting);
                wasm_bindgen_futures::spawn_local(async move {
                    match api::get::<List>("/api/v1/reports?limit=10000", &t).await {
                        Ok(l) => {
                            if domain.is_none() {
                                // The domain the link named (`?domain=`, from the checker), if
                                // it has reports; else the first.
                                let all = domains(&l);
                                let asked = asked_domain().filter(|d| all.contains(d));
                                domain.set(asked.or_else(|| all.into_iter().next()));
                            }
                            list.set(Load::Done(l));
                        }
                        Err(ApiError::Refused) => refused.set(true),
                        Err(ApiError::Failed(e)) => list.set(Load::Failed(e)),
                    }
                });
            }
        });
    }
    // The chosen domain's days.
    {
        let (daily, refused) = (daily.clone(), refused.clone());
        use_effect_with(
            ((*token).clone(), (*domain).clone(), *period),
            move |(t, d, n)| {
                if let (Some(t), Some(d)) = (t.clone(), d.clone()) {
                    daily.set(Load::Waiting);
                    let from = since(*n).map(|f| format!("&from={f}")).unwrap_or_default();
                    wasm_bindgen_futures::spawn_local(async move {
                        let path = format!("/api/v1/reports/daily?domain={}{from}", api::query(&d));
                        match api::get::<Daily>(&path, &t).await {
                            Ok(v) => daily.set(Load::Done(v)),
                            Err(ApiError::Refused) => refused.set(true),
                            Err(ApiError::Failed(e)) => daily.set(Load::Failed(e)),
                        }
                    });
                }
            },
        );
    }

    if token.is_none() || *refused {
        let onsubmit = {
            let (token, refused, typed) = (token.clone(), refused.clone(), typed.clone());
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                let t = typed.trim().to_string();
                if !t.is_empty() {
                    token::save(&t);
                    refused.set(false);
                    token.set(Some(t));
                }
            })
        };
        return html! {
            <>
            {header()}
            <main class="main console">
                <form class="token-form" {onsubmit}>
                    if *refused {
                        <p class="invalid" role="alert">{"The server refused this token. Type the operator token again."}</p>
                    }
                    <label for="operator-token">{"Operator token"}</label>
                    <p class="hint" id="operator-token-help">{"The token from the server's --admin-token-file. It is kept in this tab only, and sent to this server alone."}</p>
                    <div class="row">
                        <input id="operator-token" type="password" autocomplete="current-password" aria-describedby="operator-token-help"
                               value={(*typed).clone()} oninput={crate::components::bind(&typed)} />
                        <button type="submit">{"Open the console"}</button>
                    </div>
                </form>
            </main>
            </>
        };
    }

    let on_open = {
        let (detail, token, refused) = (detail.clone(), token.clone(), refused.clone());
        Callback::from(move |id: i64| {
            let (detail, refused) = (detail.clone(), refused.clone());
            let Some(t) = (*token).clone() else { return };
            detail.set(Some(Load::Waiting));
            wasm_bindgen_futures::spawn_local(async move {
                match api::get::<Detail>(&format!("/api/v1/reports/{id}"), &t).await {
                    Ok(d) => detail.set(Some(Load::Done(d))),
                    Err(ApiError::Refused) => refused.set(true),
                    Err(ApiError::Failed(e)) => detail.set(Some(Load::Failed(e))),
                }
            });
        })
    };
    let sign_out = {
        let token = token.clone();
        Callback::from(move |_: MouseEvent| {
            token::forget();
            token.set(None);
        })
    };
    let body = match &*list {
        Load::Waiting => html! { <p aria-busy="true">{"Loading the reports…"}</p> },
        Load::Failed(e) => {
            html! { <p class="invalid" role="alert">{format!("The reports could not be loaded: {e}")}</p> }
        }
        Load::Done(l) if l.reports.is_empty() => html! {
            <p>{"No TLS-RPT report has been received yet. Senders POST them to /tlsrpt (the rua=https:// address of your _smtp._tls record); reports that arrive by mail are added with "}<code>{"mtasts reports import"}</code>{"."}</p>
        },
        Load::Done(l) => {
            let all = domains(l);
            let chosen = (*domain).clone().unwrap_or_default();
            let onchange = {
                let (domain, detail) = (domain.clone(), detail.clone());
                Callback::from(move |e: Event| {
                    let v = e
                        .target_unchecked_into::<web_sys::HtmlSelectElement>()
                        .value();
                    detail.set(None);
                    domain.set(Some(v));
                })
            };
            let from = since(*period);
            let reports: Vec<&api::ListItem> = l
                .reports
                .iter()
                .filter(|r| r.policy_domains.contains(&chosen))
                .filter(|r| match (&from, &r.day) {
                    (Some(f), Some(d)) => d >= f,
                    _ => true,
                })
                .collect();
            let on_period = {
                let (period, detail) = (period.clone(), detail.clone());
                Callback::from(move |e: Event| {
                    let v = e
                        .target_unchecked_into::<web_sys::HtmlSelectElement>()
                        .value();
                    detail.set(None);
                    period.set(v.parse().unwrap_or(0));
                })
            };
            html! {
                <>
                    <div class="domain-pick">
                        <label for="console-domain">{"Policy domain"}</label>
                        <select id="console-domain" {onchange}>
                            { for all.iter().map(|d| html! { <option value={d.clone()} selected={*d == chosen}>{d}</option> }) }
                        </select>
                        <label for="console-period">{"Period"}</label>
                        <select id="console-period" onchange={on_period}>
                            { for [(14u32, "Last 14 days"), (30, "Last 30 days"), (90, "Last 90 days"), (365, "Last year"), (0, "Every stored day")]
                                .into_iter().map(|(n, name)| html! { <option value={n.to_string()} selected={n == *period}>{name}</option> }) }
                        </select>
                    </div>
                    { match &*daily {
                        Load::Waiting => html! { <p aria-busy="true">{"Adding up the days…"}</p> },
                        Load::Failed(e) => html! { <p class="invalid" role="alert">{e.clone()}</p> },
                        Load::Done(d) => html! {
                            <section aria-labelledby="days-title">
                                <h2 id="days-title">{format!("{}: sessions per day", d.domain)}</h2>
                                {evidence_line(d.evidence.ready, &d.evidence.summary)}
                                <p class="step-links"><a href={format!("/?domain={}", js_sys::encode_uri_component(&d.domain))}>{format!("Check {} live", d.domain)}</a>
                                    {" (in this tab: the checker's \"Ready to enforce?\" then adds this evidence)"}</p>
                                <DailyChart days={d.days.clone()} label={AttrValue::from(d.domain.clone())} />
                            </section>
                        },
                    } }
                    { match &*detail {
                        Some(Load::Done(d)) => {
                            let (detail, back_to, id) = (detail.clone(), back_to.clone(), d.id);
                            let on_close = Callback::from(move |()| {
                                back_to.set(Some(id));
                                detail.set(None);
                            });
                            html! { <ReportDetail detail={d.clone()} {on_close} /> }
                        }
                        Some(Load::Waiting) => html! { <p aria-busy="true">{"Opening the report…"}</p> },
                        Some(Load::Failed(e)) => html! { <p class="invalid" role="alert">{e.clone()}</p> },
                        None => report_list(&reports, l.truncated, &on_open),
                    } }
                </>
            }
        }
    };
    html! {
        <>
        {header()}
        <main class="main console">
            <p class="hint">{"Reports received by this server, by policy domain. "}
                <button type="button" class="link" onclick={sign_out}>{"Forget the token"}</button></p>
            {body}
        </main>
        </>
    }
}

/// `?domain=` of the console's address, lower case and without a final dot.
fn asked_domain() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let d = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("domain")?;
    Some(d.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|d| !d.is_empty())
}

/// The first UTC day of the period "the last `days` days": the `days` days before today (a
/// day's reports arrive the day after), and today's when any came early. `None`: every day.
fn since(days: u32) -> Option<String> {
    (days > 0).then(|| {
        let now = (js_sys::Date::now() / 1000.0) as i64;
        mtasts_core::daily::day_of(now - i64::from(days) * 86_400)
    })
}

fn header() -> Html {
    html! {
        <header class="top">
            <div class="title-row">
                <h1>{"MTA-STS console"}</h1>
                <ThemeToggle />
            </div>
            <p>{"TLS-RPT reports over time: can this domain switch to "}<code>{"mode: enforce"}</code>{"? "}<a href="/">{"The checker"}</a></p>
        </header>
    }
}

/// The policy domains the reports are about, in name order.
fn domains(l: &List) -> Vec<String> {
    let set: BTreeSet<&String> = l.reports.iter().flat_map(|r| &r.policy_domains).collect();
    set.into_iter().cloned().collect()
}

fn report_list(reports: &[&api::ListItem], truncated: bool, on_open: &Callback<i64>) -> Html {
    html! {
        <section aria-labelledby="reports-title">
            <h2 id="reports-title">{format!("Reports ({})", reports.len())}</h2>
            if truncated {
                <p class="hint">{"Only the newest 10,000 reports are listed."}</p>
            }
            <div class="table-wrap" tabindex="0" role="region" aria-label="Reports">
            <table class="data reports">
                <thead><tr><th scope="col">{"Day"}</th><th scope="col">{"From"}</th><th scope="col" class="num">{"Successful"}</th>
                    <th scope="col" class="num">{"Failed"}</th><th scope="col">{"Report"}</th></tr></thead>
                <tbody>{ for reports.iter().map(|r| {
                    let id = r.id;
                    let open = on_open.reform(move |_: MouseEvent| id);
                    html! {
                        <tr data-report={r.id.to_string()} class={classes!((r.failed > 0).then_some("has-failures"))}>
                            <td>{r.day.clone().unwrap_or_default()}</td>
                            <td>{&r.organization}</td>
                            <td class="num">{count(r.successful)}</td>
                            <td class="num">{count(r.failed)}</td>
                            <td><button type="button" class="link" onclick={open} aria-label={format!("Open the report of {} from {}", r.day.clone().unwrap_or_default(), r.organization)}>{"Open"}</button></td>
                        </tr>
                    }
                }) }</tbody>
            </table>
            </div>
        </section>
    }
}
