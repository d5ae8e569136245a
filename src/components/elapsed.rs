//! The time since the check started, ticking while answers are still out.

use yew::prelude::*;

use super::ticker::use_now;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// `performance.now()` at the start.
    pub started_ms: f64,
    /// When the last answer landed, once everything has.
    pub done_ms: Option<f64>,
}

#[function_component]
pub fn Elapsed(p: &Props) -> Html {
    let now = use_now(p.started_ms.to_bits(), p.done_ms.is_none(), 100);
    let ms = p.done_ms.unwrap_or(now) - p.started_ms;
    html! {
        <p class="elapsed" data-done={p.done_ms.is_some().to_string()}>
            { format!("Checked in {} s", crate::text::fixed(ms.max(0.0) / 1000.0, 1)) }
            if p.done_ms.is_none() { {" so far"} }
        </p>
    }
}
