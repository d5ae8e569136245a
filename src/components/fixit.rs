//! Fix-it: what to publish, step by step, from the core's plan (`mtasts_core::fix`): a rollback
//! first when an enforced policy bounces mail, then the repair; for each, whether the policy
//! file, the id and the TLS-RPT record must change, and why; the records with copy buttons.

use mtasts_core::fix::{self, Step};
use mtasts_core::inputs::Inputs;
use mtasts_core::Report;
use yew::prelude::*;

use super::copy_button::CopyButton;
use super::generated::{snippet_list, GeneratedView};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    pub inputs: Inputs,
    /// Unix seconds of this run: the fresh ids are made from it.
    pub now: u64,
}

/// One change or keep note; a "keep" note an earlier step already gave is not said again.
fn note(changes: bool, text: &str, said: &[Step]) -> Html {
    if !changes
        && said
            .iter()
            .any(|s| s.tlsrpt_note == text || s.policy_note == text)
    {
        return html! {};
    }
    html! {
        <li class={if changes { "change" } else { "keep" }}>
            <span class="mark" aria-hidden="true">{ if changes { "→ " } else { "✔ " } }</span>{text.to_string()}
        </li>
    }
}

/// Step `n` of the plan; `earlier` are the steps before it, whose serving instructions and
/// notes it does not repeat.
fn step(n: usize, s: &Step, earlier: &[Step]) -> Html {
    // Notes about the deployment in general were given with the first file.
    let mut generated = s.generated.clone();
    generated
        .notes
        .retain(|x| !earlier.iter().any(|e| e.generated.notes.contains(x)));
    // "Testing mode: watch the reports, then enforce" is what a testing step's title and why
    // already say.
    generated.notes.retain(|x| !x.starts_with("testing mode:"));
    html! {
        <div class="fix-step" data-step={s.kind}>
            <h4>{format!("{}. {}", n + 1, s.title)}</h4>
            <p>{&s.why}</p>
            <ul class="fix-notes">
                {note(s.policy_changes, &s.policy_note, earlier)}
                {note(s.new_id, &s.id_note, earlier)}
                {note(s.publish_tlsrpt, &s.tlsrpt_note, earlier)}
            </ul>
            if !s.hosts_to_check.is_empty() {
                <p>{"Before you enforce, check these MX hosts by hand (they could not be confirmed from here), e.g. with posttls-finger -l secure:"}</p>
                <ul class="unconfirmed">{ for s.hosts_to_check.iter().map(|m| html! {
                    <li><span class="mark" aria-hidden="true">{"? "}</span><code>{&m.host}</code>{": "}{m.reasons.join("; ")}</li>
                }) }</ul>
            }
            if !s.hosts_to_fix.is_empty() {
                <p>{"Fix these MX hosts first (no record can):"}</p>
                <ul class="failing">{ for s.hosts_to_fix.iter().map(|m| html! {
                    <li><code>{&m.host}</code>{": "}{m.reasons.join("; ")}
                        {snippet_list(&format!("STARTTLS with a valid certificate on {} (Postfix, Exim)", m.host), &mtasts_core::snippets::mx_starttls(&m.host))}
                    </li>
                }) }</ul>
            }
            if !s.tlsa.is_empty() {
                <div class="generated-item" data-generated="tlsa">
                    <h4>{"TLSA records (DANE)"}</h4>
                    { for s.tlsa.iter().map(|t| html! {
                        <div class="tlsa-fix">
                            <p class="hint">{"Name "}<code>{&t.name}</code>{" "}<CopyButton text={t.name.clone()} what={format!("the name {}", t.name)} />{", type TLSA, value:"}</p>
                            <pre class="record"><code>{&t.data}</code></pre>
                            <CopyButton text={t.data.clone()} what={format!("the TLSA value for {}", t.host)} />
                        </div>
                    }) }
                </div>
            }
            <GeneratedView {generated} again={!earlier.is_empty()} />
        </div>
    }
}

#[function_component]
pub fn FixIt(p: &Props) -> Html {
    match fix::plan(&p.report, &p.inputs, p.now) {
        Err(why) => html! { <p class="hint">{format!("Nothing to suggest: {why}.")}</p> },
        Ok(plan) => html! {
            <>
                if let Some(c) = &plan.caution { <p class="caution" role="note">{c}</p> }
                { for plan.steps.iter().enumerate().map(|(n, s)| step(n, s, &plan.steps[..n])) }
            </>
        },
    }
}
