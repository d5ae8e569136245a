//! One finding: what is wrong, why it matters, how to fix it, and the RFC it rests on. Every
//! piece of untrusted text (records, policy lines) is rendered as text, never as markup.
//!
//! Findings with the same code in one list are one item: each occurrence keeps its own line
//! (it names its host, line or address), the explanation and the fix are said once. In a
//! report, a fix the action plan already gives is a link to that step, not a second copy.

use mtasts_core::catalog::{rfc_url, Code};
use mtasts_core::{Finding, Severity};
use yew::prelude::*;

use super::lazy_part::{LazyPart, PartData};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// One or more findings of the same code.
    pub findings: Vec<Finding>,
    /// The domain checked, to fill in the fix's `<domain>`; empty in the offline tools, where
    /// the placeholder stays (there is no domain).
    #[prop_or_default]
    pub domain: AttrValue,
    /// The action plan's step (1-based) that gives this fix, when there is one.
    #[prop_or_default]
    pub step: Option<usize>,
}

/// The findings of one list, grouped by code in the order they first appear.
pub fn finding_list(
    findings: &[Finding],
    domain: &AttrValue,
    step_for: impl Fn(Code) -> Option<usize>,
) -> Html {
    let mut groups: Vec<Vec<Finding>> = Vec::new();
    for f in findings {
        match groups.iter_mut().find(|g| g[0].code == f.code) {
            Some(g) => g.push(f.clone()),
            None => groups.push(vec![f.clone()]),
        }
    }
    html! {
        <ul class="findings">
            { for groups.into_iter().map(|g| {
                let step = step_for(g[0].code);
                html! { <FindingItem findings={g} domain={domain.clone()} {step} /> }
            }) }
        </ul>
    }
}

/// A catalog text with `<domain>` filled in; as it stands where there is no domain (the
/// offline tools).
pub fn named(text: &str, domain: &str) -> String {
    if domain.is_empty() {
        text.to_string()
    } else {
        mtasts_core::action::fill(text, domain)
    }
}

#[function_component]
pub fn FindingItem(p: &Props) -> Html {
    let Some(first) = p.findings.first() else {
        return html! {};
    };
    let info = first.code.info();
    let sev = match info.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let rfc = match rfc_url(info.rfc) {
        Some(url) => {
            html! { <a href={url} target="_blank" rel="noopener noreferrer">{info.rfc}</a> }
        }
        None => html! { {info.rfc} },
    };
    let named = |text: &str| named(text, &p.domain);
    // The checker's page is built without the explanations (feature `explanations`): there
    // the tools module renders one when its details first open.
    let explanation = if cfg!(feature = "explanations") {
        html! { <p>{named(first.code.explanation())}</p> }
    } else {
        let kind = format!("explain:{}", info.code);
        html! { <LazyPart {kind} data={PartData::Text(p.domain.clone())} /> }
    };
    // Covered by a step of the plan: the step says what is wrong where and how to fix it, so
    // the section names the problem, points there and keeps the why.
    if let Some(n) = p.step {
        let href = format!("#step-{n}");
        return html! {
            <li class={classes!("finding", sev)} data-code={info.code}>
                <p class="what"><strong class="severity">{sev}</strong>{" "}{info.title}{": "}
                    <a href={href.clone()} onclick={super::chain::jump_to(href)}>{format!("step {n}")}</a>
                    {" of the plan above says where and how to fix it."}</p>
                <details>
                    <summary>{"Why it matters · "}<code>{info.code}</code></summary>
                    {explanation}
                    <p class="rfc">{rfc}</p>
                </details>
            </li>
        };
    }
    html! {
        <li class={classes!("finding", sev)} data-code={info.code}>
            { for p.findings.iter().map(|f| html! {
                <p class="what"><strong class="severity">{sev}</strong>{" "}{&f.message}</p>
            }) }
            <details>
                <summary>{info.title}{" · "}<code>{info.code}</code></summary>
                {explanation}
                <p><strong>{"Fix: "}</strong>{named(info.fix)}</p>
                <p class="rfc">{rfc}</p>
            </details>
        </li>
    }
}
