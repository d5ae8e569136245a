//! A part of the report that is read on demand (a section's raw data, Fix-it, a finding's
//! explanation on the checker's page): rendered by the tools module (`part` in
//! `src/bin/tools.rs`), so the checker's first visit does not carry it.
//! It sits inside a closed `<details>`; the first time that opens (a click, a link to it, a
//! script), the module loads (at once if the page already fetched it while idle) and renders
//! the part from the check's inputs, which it re-renders whenever they change. While it loads
//! the part says so; if the module cannot be fetched it says why and offers to try again.

use mtasts_core::inputs::Inputs;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::services::tools_module::{self, call, inputs_json};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// What to render: `fixit`, `raw:` and a section's key (with the check's inputs), or
    /// `explain:` and a finding code (with the domain that fills in its `<domain>`).
    pub kind: AttrValue,
    pub data: PartData,
}

/// What a part is made from.
#[derive(Clone, PartialEq)]
pub enum PartData {
    Inputs(Box<Inputs>),
    Text(AttrValue),
}

impl PartData {
    /// As the tools module takes it: the inputs as JSON text, or the text.
    fn payload(&self) -> JsValue {
        match self {
            PartData::Inputs(i) => inputs_json(i),
            PartData::Text(t) => JsValue::from_str(t),
        }
    }
}

#[derive(Clone, PartialEq)]
enum Status {
    Closed,
    Loading,
    Ready,
    Failed(String),
}

#[function_component]
pub fn LazyPart(p: &Props) -> Html {
    let root = use_node_ref();
    let opened = use_state_eq(|| false);
    let status = use_state(|| Status::Closed);
    let attempt = use_state(|| 0u32);
    let handle = tools_module::use_module_handle();
    let data = use_mut_ref(|| p.data.clone());
    *data.borrow_mut() = p.data.clone();
    {
        // Wait for the enclosing <details> to open (it may be open already).
        let (root, opened) = (root.clone(), opened.clone());
        use_effect_with((), move |_| {
            let details = root
                .cast::<web_sys::Element>()
                .and_then(|el| el.closest("details").ok().flatten());
            let listener = details.map(|d| {
                let watched = d.clone();
                let check = move || {
                    if watched.has_attribute("open") {
                        opened.set(true);
                    }
                };
                check();
                let cb = Closure::<dyn Fn()>::new(check);
                let _ = d.add_event_listener_with_callback("toggle", cb.as_ref().unchecked_ref());
                (d, cb)
            });
            move || {
                if let Some((d, cb)) = listener {
                    let _ = d
                        .remove_event_listener_with_callback("toggle", cb.as_ref().unchecked_ref());
                }
            }
        });
    }
    {
        let (root, status, handle, data) =
            (root.clone(), status.clone(), handle.clone(), data.clone());
        let kind = p.kind.clone();
        use_effect_with((*opened, *attempt), move |(opened, _)| {
            if *opened && handle.borrow().is_none() {
                if let Some(el) = root.cast::<web_sys::Element>() {
                    status.set(Status::Loading);
                    wasm_bindgen_futures::spawn_local(async move {
                        let mounted = match tools_module::load().await {
                            Ok(module) => {
                                let data = data.borrow().payload();
                                let args = [&el.into(), &JsValue::from_str(&kind), &data];
                                call(&module, "part", &args)
                            }
                            Err(e) => Err(e),
                        };
                        match mounted {
                            Ok(h) => {
                                *handle.borrow_mut() = Some(h);
                                status.set(Status::Ready);
                            }
                            Err(e) => status.set(Status::Failed(e)),
                        }
                    });
                }
            }
        });
    }
    {
        // Newer inputs (answers still arriving) go to the part already shown.
        let handle = handle.clone();
        use_effect_with(p.data.clone(), move |data| {
            if let Some(h) = handle.borrow().as_ref() {
                let _ = call(h, "update", &[&data.payload()]);
            }
        });
    }
    let retry = {
        let (status, attempt) = (status.clone(), attempt.clone());
        Callback::from(move |()| {
            status.set(Status::Closed);
            attempt.set(*attempt + 1);
        })
    };
    tools_module::use_retry_when_ready(matches!(*status, Status::Failed(_)), retry.clone());
    // "Try again" goes away with the failure: focus moves to the part's summary instead of
    // being lost.
    let on_retry = {
        let (root, retry) = (root.clone(), retry.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(summary) = root
                .cast::<web_sys::Element>()
                .and_then(|el| el.closest("details").ok().flatten())
                .and_then(|d| d.query_selector("summary").ok().flatten())
                .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = summary.focus();
            }
            retry.emit(());
        })
    };
    html! {
        <>
            if *status == Status::Loading {
                <p class="hint" role="status">{"Loading…"}</p>
            }
            if let Status::Failed(why) = &*status {
                <div class="snapshot-error" role="alert">
                    <p>{"This part could not be loaded: check the connection, then try again."}</p>
                    <p class="hint">{format!("The browser said: {why}")}</p>
                    <button type="button" class="small" onclick={on_retry}>{"Try again"}</button>
                </div>
            }
            <div class="part" data-part={p.kind.clone()} ref={root}></div>
        </>
    }
}
