//! One finding: what is wrong, why it matters, how to fix it, and the RFC it rests on. Every
//! piece of untrusted text (records, policy lines) is rendered as text, never as markup.

use mtasts_core::catalog::rfc_url;
use mtasts_core::{Finding, Severity};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub finding: Finding,
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
    html! {
        <li class={classes!("finding", sev)} data-code={info.code}>
            <p class="what"><strong class="severity">{sev}</strong>{" "}{&f.message}</p>
            <details>
                <summary>{info.title}{" · "}<code>{info.code}</code></summary>
                <p>{info.explanation}</p>
                <p><strong>{"Fix: "}</strong>{info.fix}</p>
                <p class="rfc">{rfc}</p>
            </details>
        </li>
    }
}
