//! The whole report: overall light and verdict, what changed since the last check, "ready to
//! enforce?", the sections with their raw data, the DANE note and the fix-it records.

use mtasts_core::report::Readiness;
use mtasts_core::report::SectionId;
use mtasts_core::Light;
use yew::prelude::*;

use super::elapsed::Elapsed;
use super::fixit::FixIt;
use super::freshness::FreshnessView;
use super::incomplete::Incomplete;
use super::light::LightBadge;
use super::section::SectionView;
use crate::history::{date, Tone};
use crate::services::file;
use crate::state::State;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: State,
    /// Run the same domain again: `false` to retry, `true` to re-check past the proxy's cache.
    pub on_again: Callback<bool>,
}

/// The report as the CLI's `check --json` prints it, plus the raw inputs and the time.
fn export(s: &State) -> Result<(), String> {
    let r = s.report.as_ref().ok_or("no report yet")?;
    let mut v = serde_json::to_value(r).map_err(|e| e.to_string())?;
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "inputs".into(),
            serde_json::to_value(&s.inputs).map_err(|e| e.to_string())?,
        );
        if let Some(now) = s.inputs.now {
            o.insert("checked_at".into(), date(now).into());
        }
    }
    let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    file::download(
        &format!("mta-sts-{}.json", r.domain),
        "application/json",
        &text,
    )
}

#[function_component]
pub fn ReportView(p: &Props) -> Html {
    let export_status = use_state(String::new);
    let s = &p.state;
    let Some(r) = s.report.as_ref() else {
        return html! {};
    };
    let shown = s
        .domain
        .as_ref()
        .map(|d| d.ascii.clone())
        .unwrap_or_default();
    let done = r.overall != Light::Pending;
    let e = &r.enforce;
    let ready_class = match e.readiness {
        Readiness::Enforced | Readiness::Ready => "ready good",
        Readiness::NotReady | Readiness::EnforcedFailing => "ready bad",
        Readiness::Unknown => "ready unknown",
        Readiness::NotDeployed
        | Readiness::NoSuchDomain
        | Readiness::NoMail
        | Readiness::Withdrawn => "ready na",
    };
    let on_retry = p.on_again.reform(|_| false);
    let on_recheck = p.on_again.reform(|_| true);
    let on_export = {
        let (st, status) = (s.clone(), export_status.clone());
        Callback::from(move |_| {
            status.set(match export(&st) {
                Ok(()) => "Saved".into(),
                Err(e) => format!("Could not save: {e}"),
            })
        })
    };
    let dnssec = match r.dnssec {
        Some(true) => "DNSSEC: the resolver validated the _mta-sts answer (AD flag set).",
        Some(false) => "DNSSEC: the _mta-sts answer was not validated (AD flag clear); MTA-STS does not need DNSSEC.",
        None => "",
    };
    html! {
        <article class="report" aria-labelledby="verdict">
            <header class="overall" data-overall={r.overall.name()}>
                <h2 id="verdict"><LightBadge light={r.overall} />{" "}{shown}{": "}{&r.verdict}</h2>
                <Elapsed started_ms={s.started_ms} done_ms={done.then_some(s.last_ms)} />
            </header>
            <div class="report-tools">
                <button type="button" class="small" onclick={on_export} disabled={!done}>{"Download the report (JSON)"}</button>
                <span role="status" class="copy-status">{(*export_status).clone()}</span>
                if !dnssec.is_empty() { <span class="dnssec" data-ad={r.dnssec.map(|b| b.to_string()).unwrap_or_default()}>{dnssec}</span> }
            </div>
            if done && !r.complete {
                <Incomplete report={r.clone()} retry_after={s.retry_after} {on_retry} />
            }
            <FreshnessView started={s.inputs.now} resolver={s.resolver.clone()} policy={s.policy_fresh}
                           mx={s.mx_fresh} {done} recheck={r.complete} {on_recheck} />
            if !s.changes.is_empty() {
                <section class="changes" aria-label="Since the last check">
                    <ul>{ for s.changes.iter().map(|(tone, text)| html! {
                        <li class={match tone { Tone::Warning => "change warning", Tone::Info => "change info" }}>{text}</li>
                    }) }</ul>
                </section>
            }
            <section class={ready_class} aria-label="Ready to enforce?">
                <h3>{"Ready to enforce?"}</h3>
                <p>{&e.message}</p>
                if !e.failing_mx.is_empty() {
                    <ul class="failing" aria-label="MX hosts that would fail">
                        { for e.failing_mx.iter().map(|m| html! { <li><span class="mark" aria-hidden="true">{"✖ "}</span><code>{&m.host}</code>{": "}{m.reasons.join("; ")}</li> }) }
                    </ul>
                }
                if !e.unconfirmed_mx.is_empty() {
                    <ul class="unconfirmed" aria-label="MX hosts that could not be confirmed">
                        { for e.unconfirmed_mx.iter().map(|m| html! { <li><span class="mark" aria-hidden="true">{"? "}</span><code>{&m.host}</code>{": cannot confirm: "}{m.reasons.join("; ")}</li> }) }
                    </ul>
                }
            </section>
            { for r.sections.iter().map(|sec| html! { <SectionView section={sec.clone()} inputs={s.inputs.clone()} mx={if sec.id == SectionId::MxTls { r.mx.clone() } else { Vec::new() }} /> }) }
            if done { <FixIt report={r.clone()} inputs={s.inputs.clone()} now={s.inputs.now.and_then(|t| u64::try_from(t).ok()).unwrap_or(0)} /> }
        </article>
    }
}
