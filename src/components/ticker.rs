//! A hook for components that show time passing: `performance.now()`, refreshed every
//! `period_ms` while `ticking` (and once more when `key` changes).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::services::gather::now_ms;

#[hook]
pub fn use_now<K: PartialEq + Clone + 'static>(key: K, ticking: bool, period_ms: i32) -> f64 {
    let now = use_state(now_ms);
    {
        let now = now.clone();
        use_effect_with((key, ticking), move |(_, ticking)| {
            now.set(now_ms());
            let handle = ticking.then(|| {
                let tick = Closure::<dyn Fn()>::new(move || now.set(now_ms()));
                let id = web_sys::window().and_then(|w| {
                    w.set_interval_with_callback_and_timeout_and_arguments_0(
                        tick.as_ref().unchecked_ref(),
                        period_ms,
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
    *now
}
