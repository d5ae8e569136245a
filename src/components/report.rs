//! The whole report: overall light and verdict, what changed since the last check, "ready to
//! enforce?", the sections with their raw data, the DANE note and the fix-it records.

use mtasts_core::action::ActionPlan;
use mtasts_core::catalog::Code;
use mtasts_core::inputs::Inputs;
use mtasts_core::report::{worst_first, Section, SectionId};
use mtasts_core::Light;
use yew::prelude::*;

use super::action_plan::ActionPlanView;
use super::chain::ChainView;
use super::copy_button::CopyButton;
use super::elapsed::Elapsed;
use super::freshness::FreshnessView;
use super::incomplete::Incomplete;
use super::lazy_part::{LazyPart, PartData};
use super::section::SectionView;
use crate::history::{date, Tone};
use crate::services::file;
use crate::services::tools_module::{self, call, inputs_json};
use crate::state::State;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: State,
    /// Run the same domain again: `false` to retry, `true` to re-check past the proxy's cache.
    pub on_again: Callback<bool>,
    /// Opens the Generator tab, where the page offers it.
    #[prop_or_default]
    pub on_generator: Option<Callback<()>>,
    /// A note shown above everything else (demo mode: the domain is not in the demo world).
    #[prop_or_default]
    pub note: Option<AttrValue>,
    /// The page's address without its query, for "Copy link"; absent in the embed.
    #[prop_or_default]
    pub share_base: Option<AttrValue>,
}

/// Saves the report as the CLI's `check --json` prints it, plus the raw inputs and the time
/// (made by the tools module: `report_json` in `src/bin/tools.rs`).
async fn export(inputs: &Inputs, domain: &str) -> Result<(), String> {
    let module = tools_module::load().await.map_err(|why| {
        format!("the part of the page that makes the file could not be loaded ({why}); check the connection, then click again")
    })?;
    let text = call(&module, "report_json", &[&inputs_json(inputs)])?
        .as_string()
        .ok_or("the tools module gave no report")?;
    file::download(&format!("mta-sts-{domain}.json"), "application/json", &text)
}

/// Nothing to do here: good, or does not apply.
fn healthy(l: Light) -> bool {
    matches!(l, Light::Green | Light::Grey)
}

/// The sections to show: once the run is done, the most worrying first (red, then not tested,
/// then weak), each group in its natural order.
fn ordered(sections: &[Section], done: bool) -> Vec<&Section> {
    let mut v: Vec<&Section> = sections.iter().collect();
    if done {
        worst_first(&mut v, |s| s.light);
    }
    v
}

/// The plan's step (1-based) that gives the fix for each finding code of this section.
fn steps_of(plan: &ActionPlan, section: SectionId) -> Vec<(Code, usize)> {
    plan.steps
        .iter()
        .enumerate()
        .filter(|(_, st)| st.section == section)
        .flat_map(|(n, st)| {
            st.code
                .into_iter()
                .chain(st.covers.iter().copied())
                .map(move |c| (c, n + 1))
        })
        .collect()
}

#[function_component]
pub fn ReportView(p: &Props) -> Html {
    let export_status = use_state(String::new);
    let s = &p.state;
    let Some(r) = s.report.as_ref() else {
        return html! {};
    };
    // An internationalised name as people write it, with the A-label that DNS and the records
    // use beside it.
    let shown = s
        .domain
        .as_ref()
        .map(|d| {
            if d.unicode != d.ascii {
                format!("{} ({})", d.unicode, d.ascii)
            } else {
                d.ascii.clone()
            }
        })
        .unwrap_or_default();
    let done = r.overall != Light::Pending;
    let outside_demo = p.note.is_some();
    let plan = mtasts_core::action::plan(r);
    let dns_done = !s.inputs.mx.is_pending() && !s.inputs.sts_txt.is_pending();
    let on_retry = p.on_again.reform(|_| false);
    let on_recheck = p.on_again.reform(|_| true);
    let on_export = {
        let (inputs, domain, status) = (s.inputs.clone(), r.domain.clone(), export_status.clone());
        Callback::from(move |_| {
            let (inputs, domain, status) = (inputs.clone(), domain.clone(), status.clone());
            status.set("Preparing…".into());
            wasm_bindgen_futures::spawn_local(async move {
                status.set(match export(&inputs, &domain).await {
                    Ok(()) => format!("Saved as mta-sts-{domain}.json"),
                    Err(e) => format!("Could not save: {e}"),
                })
            });
        })
    };
    // The report as it is now, in a link: the inputs compressed into the fragment.
    let snapshot_status = use_state(String::new);
    let on_snapshot = {
        let (inputs, status, base) = (
            s.inputs.clone(),
            snapshot_status.clone(),
            p.share_base.clone(),
        );
        Callback::from(move |_| {
            let (inputs, status, base) = (inputs.clone(), status.clone(), base.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let link = match crate::services::snapshot::encode(&inputs).await {
                    Ok(fragment) => format!("{}{fragment}", base.as_deref().unwrap_or_default()),
                    Err(e) => return status.set(format!("Could not make the link: {e}")),
                };
                status.set(match file::copy(&link).await {
                    Ok(()) => format!("Copied ({} characters; opens this report as it is now, without checking again)", link.len()),
                    Err(e) => e,
                });
            });
        })
    };
    let dnssec = match r.dnssec {
        Some(true) => "DNSSEC: the resolver validated the _mta-sts answer (AD flag set).",
        // Not validated: MTA-STS does not need DNSSEC, so the line would say nothing.
        Some(false) | None => "",
    };
    html! {
        <article class="report" aria-labelledby="verdict">
            <header class="overall" data-overall={r.overall.name()}>
                // In demo mode, a domain outside the demo world gets no verdict: what the demo
                // world's DNS says about it is not true of the real domain.
                if outside_demo {
                    <h2 id="verdict"><span class="domain">{shown}</span><span class="colon">{": "}</span><span class="verdict-text">{"not part of the demo world"}</span></h2>
                } else {
                    <h2 id="verdict">{crate::components::light::badge(r.overall)}{" "}<span class="domain">{shown}</span><span class="colon">{": "}</span><span class="verdict-text">{&r.verdict}</span></h2>
                }
                if s.snapshot {
                    <p class="snapshot-note" role="note">
                        {format!("Snapshot of a check made on {}: shown as it was then, not run again.", s.inputs.now.map(date).unwrap_or_default())}
                        {" "}<button type="button" class="small" onclick={p.on_again.reform(|_| false)}>{"Check it now"}</button>
                    </p>
                } else {
                    <Elapsed started_ms={s.started_ms} done_ms={done.then_some(s.last_ms)} />
                }
            </header>
            // Nothing below the header until DNS has answered: by then the chain has its final
            // shape (every MX host), so it never moves what is under it. While answers land the
            // sections keep their natural order, one line each, and only lights change; when the
            // run is done, everything under the chain is replaced at once (a new key: new
            // elements, not moved ones) by the plan and the sections, failing ones first.
            if let Some(n) = &p.note { <p class="demo-note" role="note">{n.clone()}</p> }
            if dns_done && !outside_demo {
                <ChainView report={r.clone()} inputs={s.inputs.clone()} />
                <div class="report-body" key={if done { "done" } else { "running" }}>
                if done && !r.complete {
                    <Incomplete report={r.clone()} retry_after={s.retry_after} {on_retry} />
                }
                <ActionPlanView report={r.clone()} plan={plan.clone()} on_generator={p.on_generator.clone()} />
                <div class="report-tools">
                    <button type="button" class="small" onclick={on_export} disabled={!done}>{"Download the report (JSON)"}</button>
                    <span role="status" class="copy-status">{(*export_status).clone()}</span>
                    if p.share_base.is_some() && done {
                        <button type="button" class="small" onclick={on_snapshot}>{"Copy snapshot link"}</button>
                        <span role="status" class="copy-status">{(*snapshot_status).clone()}</span>
                    }
                    if let Some(base) = &p.share_base {
                        <CopyButton text={format!("{base}?domain={}", String::from(js_sys::encode_uri_component(&r.domain)))}
                                    what="link to this check" label="Copy link" />
                    }
                    if !dnssec.is_empty() { <span class="dnssec" data-ad={r.dnssec.map(|b| b.to_string()).unwrap_or_default()}>{dnssec}</span> }
                </div>
                // A snapshot's time is in its note; where it was gathered from is not known here.
                if !s.snapshot {
                    <FreshnessView started={s.inputs.now} resolver={s.resolver.clone()} policy={s.policy_fresh}
                                   mx={s.mx_fresh} {done} recheck={r.complete} {on_recheck} />
                }
                if !s.changes.is_empty() {
                    <section class="changes" aria-label="Since the last check">
                        <ul>{ for s.changes.iter().map(|(tone, text)| html! {
                            <li class={match tone { Tone::Warning => "change warning", Tone::Info => "change info" }}>{text}</li>
                        }) }</ul>
                    </section>
                }
                <div class="sections">
                    { for ordered(&r.sections, done).into_iter().map(|sec| html! {
                        <SectionView key={sec.id.key()} section={sec.clone()} inputs={s.inputs.clone()}
                            mx={if sec.id == SectionId::MxTls { r.mx.clone() } else { Vec::new() }}
                            policy={r.policy.is_some()}
                            open={done && !healthy(sec.light)}
                            steps={if done { steps_of(&plan, sec.id) } else { Vec::new() }} />
                    }) }
                </div>
                // Nothing to publish where MTA-STS does not apply (no such domain, no mail).
                if done && plan.answer != mtasts_core::action::Answer::DoesNotApply {
                    <section class="fixit" id="fixit" tabindex="-1" aria-labelledby="fixit-title">
                        <details>
                            <summary><h3 id="fixit-title">{"Fix-it: records to publish"}</h3></summary>
                            <LazyPart kind="fixit" data={PartData::Inputs(Box::new(s.inputs.clone()))} />
                        </details>
                    </section>
                }
                </div>
            }
        </article>
    }
}
