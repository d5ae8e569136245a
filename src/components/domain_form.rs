//! The domain box: accepts what people paste (URL, address, Unicode name) and says at once
//! what it will check, or why it cannot.

use mtasts_core::domain::{self, Domain};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::idna::BrowserIdna;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub initial: String,
    pub on_check: Callback<Domain>,
    /// Whether the form is the page's search landmark; not in the embed, where several widgets
    /// may share a host page and its landmarks are the host's to choose.
    #[prop_or(true)]
    pub landmark: bool,
    /// The domain (A-label) of the report shown under the form, if any: the hint then says
    /// the report is below instead of what a click would check.
    #[prop_or_default]
    pub shown: Option<AttrValue>,
}

#[function_component]
pub fn DomainForm(p: &Props) -> Html {
    let text = use_state(|| p.initial.clone());
    {
        // A recent check picked from the list replaces what is in the box.
        let text = text.clone();
        use_effect_with(p.initial.clone(), move |i| text.set(i.clone()));
    }
    let parsed = if text.trim().is_empty() {
        None
    } else {
        Some(domain::normalize(&text, &BrowserIdna))
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onsubmit = {
        let (text, on_check) = (text.clone(), p.on_check.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Ok(d) = domain::normalize(&text, &BrowserIdna) {
                on_check.emit(d);
            }
        })
    };
    let hint = match &parsed {
        Some(Ok(d)) if p.shown.as_deref() == Some(d.ascii.as_str()) => {
            html! { <>{"The report for "}<strong>{&d.unicode}</strong>{" is below; type another domain to check it."}</> }
        }
        None => html! { {"For example example.com, or paste an e-mail address or a URL."} },
        // An internationalised name as typed, its DNS form beside it (said once).
        Some(Ok(d)) if d.unicode != d.ascii => {
            html! { <>{"Will check "}<strong>{&d.unicode}</strong>{format!(" (in DNS: {})", d.ascii)}</> }
        }
        Some(Ok(d)) => {
            html! { <>{"Will check "}<strong>{&d.ascii}</strong>{ d.notes.first().map(|n| format!(" ({n})")).unwrap_or_default() }</> }
        }
        Some(Err(e)) => html! { <span class="invalid">{e.to_string()}</span> },
    };
    html! {
        <form class="domain-form" {onsubmit} role={p.landmark.then_some("search")}>
            <label for="domain">{"Mail domain"}</label>
            <div class="row">
                <input id="domain" name="domain" type="text" inputmode="url" autocomplete="off" spellcheck="false"
                       value={(*text).clone()} {oninput} aria-describedby="domain-hint"
                       aria-invalid={matches!(parsed, Some(Err(_))).to_string()} />
                <button type="submit" disabled={!matches!(parsed, Some(Ok(_)))}>{"Check"}</button>
            </div>
            <p id="domain-hint" class="hint">{hint}</p>
        </form>
    }
}
