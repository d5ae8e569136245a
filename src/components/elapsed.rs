//! The time since the check started, ticking while answers are still out.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::services::gather::now_ms;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// `performance.now()` at the start.
    pub started_ms: f64,
    /// When the last answer landed, once everything has.
    pub done_ms: Option<f64>,
}

#[function_component]
pub fn Elapsed(p: &Props) -> Html {
    let now = use_state(now_ms);
    {
        let now = now.clone();
        use_effect_with((p.started_ms, p.done_ms.is_some()), move |(_, done)| {
            let handle = (!*done).then(|| {
                let tick = Closure::<dyn Fn()>::new(move || now.set(now_ms()));
                let id = web_sys::window().and_then(|w| {
                    w.set_interval_with_callback_and_timeout_and_arguments_0(
                        tick.as_ref().unchecked_ref(),
                        100,
                    )
                    .ok()
                });
                (id, tick)
            });
            move || {
                if let (Some((Some(id), _tick)), Some(w)) = (handle, web_sys::window()) {
                    w.clear_interval_with_handle(id);
                }
            }
        });
    }
    let ms = p.done_ms.unwrap_or(*now) - p.started_ms;
    html! {
        <p class="elapsed" data-done={p.done_ms.is_some().to_string()}>
            { format!("{} s", crate::text::fixed(ms.max(0.0) / 1000.0, 1)) }
            if p.done_ms.is_none() { {" so far"} }
        </p>
    }
}
