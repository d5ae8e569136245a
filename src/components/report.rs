//! The whole report: overall light and verdict, "ready to enforce?", and the sections.

use mtasts_core::report::Readiness;
use mtasts_core::Report;
use yew::prelude::*;

use super::light::LightBadge;
use super::section::SectionView;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    pub shown_domain: String,
    pub elapsed_ms: f64,
}

#[function_component]
pub fn ReportView(p: &Props) -> Html {
    let r = &p.report;
    let e = &r.enforce;
    let ready_class = match e.readiness {
        Readiness::Enforced | Readiness::Ready => "ready good",
        Readiness::NotReady | Readiness::EnforcedFailing => "ready bad",
        _ => "ready unknown",
    };
    html! {
        <article class="report" aria-labelledby="verdict">
            <header class="overall" data-overall={serde_json::to_value(r.overall).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()}>
                <h2 id="verdict"><LightBadge light={r.overall} />{" "}{&p.shown_domain}{": "}{&r.verdict}</h2>
                <p class="elapsed">{format!("{:.1} s", p.elapsed_ms / 1000.0)}</p>
            </header>
            <section class={ready_class} aria-label="Ready to enforce?">
                <h3>{"Ready to enforce?"}</h3>
                <p>{&e.message}</p>
                if !e.failing_mx.is_empty() {
                    <ul class="failing">
                        { for e.failing_mx.iter().map(|m| html! { <li><code>{&m.host}</code>{": "}{m.reasons.join("; ")}</li> }) }
                    </ul>
                }
            </section>
            { for r.sections.iter().map(|s| html! { <SectionView section={s.clone()} /> }) }
        </article>
    }
}
