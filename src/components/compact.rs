//! The embed's `compact` form: the verdict on one line (cut with an ellipsis, never wrapped;
//! the whole sentence is its tooltip and is read by screen readers), and a button that expands
//! the widget to the full checker and report.

use mtasts_core::Light;
use yew::prelude::*;

use crate::state::State;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: State,
    pub open: bool,
    pub on_toggle: Callback<()>,
}

#[function_component]
pub fn CompactView(p: &Props) -> Html {
    let Some(r) = p.state.report.as_ref() else {
        return html! {};
    };
    let toggle = p.on_toggle.reform(|_: MouseEvent| ());
    html! {
        <div class="compact">
            <p class="compact-line" data-overall={r.overall.name()}>
                // Open, the report below says the verdict: not twice.
                if !p.open {
                    {crate::components::light::badge(r.overall)}
                    <span class="compact-text" title={format!("{}: {}", r.domain, r.verdict)}>
                        <strong>{&r.domain}</strong>{": "}{&r.verdict}
                    </span>
                }
                if r.overall != Light::Pending {
                    <button type="button" class="small" aria-expanded={p.open.to_string()} onclick={toggle}>
                        { if p.open { "Hide details" } else { "Details" } }
                    </button>
                }
            </p>
        </div>
    }
}
