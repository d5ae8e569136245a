//! Where the offline tools appear: loads their module (`src/bin/tools.rs`, about 292 KB
//! brotli with the report's on-demand parts) once `load` is set and mounts it here. The checker
//! sets it when the Tools tab opens, and also when the page is idle (no check running) unless
//! the browser says the connection is slow or metered ([`constrained`]): fetched in the
//! background, the tools then work when the network goes away later, which is what "use it
//! offline on pasted text" needs. If the module cannot be fetched, the panel says so and offers
//! to try again.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::services::tools_module::{self, call};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Fetch the module now.
    pub load: bool,
    /// The tool to show, shown again whenever `select` changes.
    pub tool: AttrValue,
    pub select: u32,
    pub from_dns: Option<(String, Vec<String>)>,
    /// Mark `<html data-tools>` when mounted (the page; never a host page of the embed).
    #[prop_or_default]
    pub mark: bool,
}

#[derive(Clone, PartialEq)]
enum Status {
    Waiting,
    Loading,
    Ready,
    Failed(String),
}

/// Whether the browser asks to spare the connection (Save-Data, or a 2G-class link per the
/// Network Information API): then the tools wait for their tab instead of loading while idle.
pub fn constrained() -> bool {
    let Some(conn) = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("connection")).ok())
        .filter(|c| c.is_object())
    else {
        return false;
    };
    let get = |k: &str| js_sys::Reflect::get(&conn, &JsValue::from_str(k)).ok();
    let save_data = get("saveData").and_then(|v| v.as_bool()).unwrap_or(false);
    let slow = get("effectiveType")
        .and_then(|v| v.as_string())
        .is_some_and(|t| t.ends_with("2g"));
    save_data || slow
}

fn options(p: &Props) -> JsValue {
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &v);
    };
    set("tool", JsValue::from_str(&p.tool));
    set("select", JsValue::from_f64(f64::from(p.select)));
    if let Some((domain, hosts)) = &p.from_dns {
        set("domain", JsValue::from_str(domain));
        set(
            "hosts",
            hosts
                .iter()
                .map(|h| JsValue::from_str(h))
                .collect::<js_sys::Array>()
                .into(),
        );
    }
    o.into()
}

/// Loads the module and mounts it with the options as they are once it has arrived (they may
/// have changed while it loaded).
async fn load_and_mount(
    root: web_sys::Element,
    opts: Rc<RefCell<JsValue>>,
) -> Result<JsValue, String> {
    let module = tools_module::load().await?;
    let opts = opts.borrow().clone();
    call(&module, "mount", &[&root.into(), &opts])
}

#[function_component]
pub fn ToolsSlot(p: &Props) -> Html {
    let root = use_node_ref();
    let status = use_state(|| Status::Waiting);
    let handle = tools_module::use_module_handle();
    let attempt = use_state(|| 0u32);
    // The options of this render, for the mount and for updates after it.
    let opts = use_mut_ref(|| JsValue::NULL);
    *opts.borrow_mut() = options(p);
    {
        let (root, status, handle, opts) =
            (root.clone(), status.clone(), handle.clone(), opts.clone());
        let mark = p.mark;
        use_effect_with((p.load, *attempt), move |(load, _)| {
            if *load && matches!(*status, Status::Waiting) {
                status.set(Status::Loading);
                if let Some(el) = root.cast::<web_sys::Element>() {
                    wasm_bindgen_futures::spawn_local(async move {
                        match load_and_mount(el, opts).await {
                            Ok(h) => {
                                *handle.borrow_mut() = Some(h);
                                status.set(Status::Ready);
                                if mark {
                                    mark_loaded();
                                }
                            }
                            Err(e) => status.set(Status::Failed(e)),
                        }
                    });
                }
            }
        });
    }
    {
        // Later options (another tool chosen from outside, a newer check) go to the module.
        let (handle, opts) = (handle.clone(), opts.clone());
        use_effect_with((p.tool.clone(), p.select, p.from_dns.clone()), move |_| {
            if let Some(h) = handle.borrow().as_ref() {
                let _ = call(h, "update", &[&opts.borrow()]);
            }
        });
    }
    let retry = {
        let (status, attempt) = (status.clone(), attempt.clone());
        Callback::from(move |()| {
            status.set(Status::Waiting);
            attempt.set(*attempt + 1);
        })
    };
    tools_module::use_retry_when_ready(matches!(*status, Status::Failed(_)), retry.clone());
    html! {
        <>
            if matches!(*status, Status::Waiting | Status::Loading) {
                <p class="hint" role="status">{"Loading the offline tools…"}</p>
            }
            if let Status::Failed(why) = &*status {
                <div class="snapshot-error" role="alert">
                    <p>{format!("The offline tools could not be loaded ({why}). They load once, while the page is online; after that they work offline.")}</p>
                    <button type="button" class="small" onclick={retry.reform(|_| ())}>{"Try again"}</button>
                </div>
            }
            <div ref={root}></div>
        </>
    }
}

/// For the tests and the bench: the tools are mounted (`<html data-tools>`).
fn mark_loaded() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-tools", "ready");
    }
}
