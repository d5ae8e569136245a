//! The second wasm module (`src/bin/tools.rs`): the offline tools, and the report's parts that
//! are only read on demand (the raw data, Fix-it, the findings' explanations on the checker's
//! page, the JSON download). The checker's own module does not carry them, so its first visit
//! is lighter; the page (`index.html`) or `embed.js` provides `window.mtastsLoadTools()`, which
//! imports the module once and hands the same promise to every caller; after a failure the next
//! call tries again, and a success fires `mtasts-tools-ready` on `window`.

use std::cell::RefCell;
use std::rc::Rc;

use mtasts_core::inputs::Inputs;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The message of a JavaScript error, or the value itself when it is a string.
pub fn js_err(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// The loader the page (or `embed.js`) provides: a function returning a Promise of the module.
fn loader() -> Option<js_sys::Function> {
    let w = web_sys::window()?;
    js_sys::Reflect::get(&w, &JsValue::from_str("mtastsLoadTools"))
        .ok()?
        .dyn_into()
        .ok()
}

/// The module, loaded if it is not yet (again, if the last try failed).
pub async fn load() -> Result<JsValue, String> {
    let load = loader().ok_or("this page does not provide the tools module")?;
    let promise: js_sys::Promise = load
        .call0(&JsValue::NULL)
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| "the tools loader did not return a Promise".to_string())?;
    JsFuture::from(promise).await.map_err(js_err)
}

/// Calls `target[name](args…)`.
pub fn call(target: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, String> {
    let f: js_sys::Function = js_sys::Reflect::get(target, &JsValue::from_str(name))
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| format!("the tools module has no {name}()"))?;
    let args: js_sys::Array = args.iter().copied().collect();
    f.apply(target, &args).map_err(js_err)
}

/// A check's inputs as the module's functions take them (JSON text; `null` if they could not be
/// written, which the module reports).
pub fn inputs_json(inputs: &Inputs) -> JsValue {
    match serde_json::to_string(inputs) {
        Ok(s) => JsValue::from_str(&s),
        Err(_) => JsValue::NULL,
    }
}

/// A handle the module returned (`mount`, `part`), held by a component: `destroy()` is called
/// on it when the component goes (a compact widget folded again, a report replaced), which ends
/// the module's app there.
#[yew::hook]
pub fn use_module_handle() -> Rc<RefCell<Option<JsValue>>> {
    let handle = yew::use_mut_ref(|| None::<JsValue>);
    {
        let handle = handle.clone();
        yew::use_effect_with((), move |_| {
            move || {
                if let Some(h) = handle.borrow_mut().take() {
                    let _ = call(&h, "destroy", &[]);
                }
            }
        });
    }
    handle
}

/// While `failed`, calls `retry` as soon as the module has loaded for another part of the page
/// (the network is back): a part that failed need not wait for its own "Try again".
#[yew::hook]
pub fn use_retry_when_ready(failed: bool, retry: yew::Callback<()>) {
    yew::use_effect_with(failed, move |failed| {
        let window = web_sys::window();
        let listener = match (&window, *failed) {
            (Some(w), true) => {
                let cb = Closure::<dyn Fn()>::new(move || retry.emit(()));
                let _ = w.add_event_listener_with_callback(
                    "mtasts-tools-ready",
                    cb.as_ref().unchecked_ref(),
                );
                Some(cb)
            }
            _ => None,
        };
        move || {
            if let (Some(w), Some(cb)) = (window, listener) {
                let _ = w.remove_event_listener_with_callback(
                    "mtasts-tools-ready",
                    cb.as_ref().unchecked_ref(),
                );
            }
        }
    });
}
