//! What an incomplete check did not test, and a Retry button. When the proxy asked us to wait
//! (`Retry-After`, e.g. rate-limited), the button counts down and is disabled until then.

use mtasts_core::{Light, Report};
use yew::prelude::*;

use super::ticker::use_now;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    /// `Retry-After` seconds and when (`performance.now()`) the proxy said it.
    pub retry_after: Option<(u32, f64)>,
    pub on_retry: Callback<()>,
}

#[function_component]
pub fn Incomplete(p: &Props) -> Html {
    let until = p.retry_after.map(|(s, at)| at + f64::from(s) * 1000.0);
    let now = use_now(until.map(f64::to_bits), until.is_some(), 250);
    let wait = until.map_or(0, |u| ((u - now) / 1000.0).ceil().max(0.0) as u32);
    // Sections that were not tested for the same reason are listed together.
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for s in p
        .report
        .sections
        .iter()
        .filter(|s| s.counts_as == Some(Light::Untested))
    {
        let why = s.summary.strip_prefix("Not tested: ").unwrap_or(&s.summary);
        match groups.iter_mut().find(|(_, w)| *w == why) {
            Some((titles, _)) => titles.push(s.title),
            None => groups.push((vec![s.title], why)),
        }
    }
    let onclick = {
        let cb = p.on_retry.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <section class="incomplete-note" aria-labelledby="incomplete-title" data-wait={wait.to_string()}>
            <h3 id="incomplete-title">{"Not every check could run"}</h3>
            <p>{ if p.report.overall == Light::Red {
                "What was checked is already broken, but this is not the whole picture. Not tested:"
            } else {
                "So this is not a result yet, and it is not kept in your history. Not tested:"
            } }</p>
            <ul>{ for groups.iter().map(|(titles, why)| html! {
                <li><strong>{titles.join(", ")}</strong>{": "}{*why}</li>
            }) }</ul>
            <button type="button" class="small retry" {onclick} disabled={wait > 0} aria-live="polite">
                { if wait > 0 { format!("Retry in {wait} s") } else { "Retry".to_string() } }
            </button>
        </section>
    }
}
