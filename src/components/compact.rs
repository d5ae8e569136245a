//! The embed's `compact` form: the verdict on one line, and the full report behind a button.

use mtasts_core::Light;
use yew::prelude::*;

use super::light::LightBadge;
use super::report::ReportView;
use crate::state::State;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: State,
    pub on_again: Callback<bool>,
}

#[function_component]
pub fn CompactView(p: &Props) -> Html {
    let open = use_state(|| false);
    let Some(r) = p.state.report.as_ref() else {
        return html! {};
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    html! {
        <div class="compact">
            <p class="compact-line" data-overall={r.overall.name()}>
                <LightBadge light={r.overall} />{" "}<strong>{&r.domain}</strong>{": "}{&r.verdict}{" "}
                if r.overall != Light::Pending {
                    <button type="button" class="small" aria-expanded={open.to_string()} onclick={toggle}>
                        { if *open { "Hide details" } else { "Details" } }
                    </button>
                }
            </p>
            if *open { <ReportView state={p.state.clone()} on_again={p.on_again.clone()} /> }
        </div>
    }
}
