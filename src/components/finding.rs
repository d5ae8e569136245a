//! One finding: what is wrong, why it matters, how to fix it, and the RFC it rests on. Every
//! piece of untrusted text (records, policy lines) is rendered as text, never as markup.

use mtasts_core::catalog::rfc_url;
use mtasts_core::{Finding, Severity};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub finding: Finding,
    /// The domain checked, to fill in the fix's `<domain>`; empty in the offline tools, where
    /// the placeholder stays (there is no domain).
    #[prop_or_default]
    pub domain: AttrValue,
}

#[function_component]
pub fn FindingItem(p: &Props) -> Html {
    let f = &p.finding;
    let info = f.code.info();
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
    let named = |text: &str| {
        if p.domain.is_empty() {
            text.to_string()
        } else {
            mtasts_core::action::fill(text, &p.domain)
        }
    };
    let (fix, explanation) = (named(info.fix), named(info.explanation));
    html! {
        <li class={classes!("finding", sev)} data-code={info.code}>
            <p class="what"><strong class="severity">{sev}</strong>{" "}{&f.message}</p>
            <details>
                <summary>{info.title}{" · "}<code>{info.code}</code></summary>
                <p>{explanation}</p>
                <p><strong>{"Fix: "}</strong>{fix}</p>
                <p class="rfc">{rfc}</p>
            </details>
        </li>
    }
}
