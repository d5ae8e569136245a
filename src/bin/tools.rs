//! The offline tools as their own wasm module, so that the checker's first visit does not pay
//! for them (about 35 KB brotli of the page's module). The page and the embed load it with a
//! dynamic `import()` (`window.mtastsLoadTools` in `index.html`, `loadTools` in `embed.js`)
//! when the Tools tab opens or the page is idle, and call these exports:
//!
//! - `mount(root, options)`: renders the tools into `root`; returns a handle whose
//!   `update(options)` applies new options;
//! - options: `{ tool, select, domain, hosts }`: the tool to show (shown again whenever
//!   `select` changes) and the last check's domain and MX hosts for the generator;
//! - `evidence(root, domain, enforced)`: the stored TLS-RPT reports' evidence for the checked domain, on
//!   the operator's own page (`window.mtastsEvidence` in `index.html`); returns a handle with
//!   `destroy()`.
//!
//! - `part(root, kind, data)`: a part of the checker's report that is read on demand
//!   (`src/components/lazy_part.rs`): `fixit` or `raw:` and a section's key, made from the
//!   check's inputs (JSON text), or `explain:` and a finding code, with the domain; returns a
//!   handle with `update(data)` and `destroy()`;
//! - `report_json(inputs)`: the report saved by "Download the report (JSON)".
//!
//! Once loaded, the tools make no network request: they work offline. (`evidence` asks this
//! server's reports API, with the operator token the tab holds.)

use mtasts_web::components::part::{PartView, Props as PartProps};
use mtasts_web::components::report_evidence::{Props as EvidenceProps, ReportEvidence};
use mtasts_web::components::tools::{Props, ToolsPanel};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::AttrValue;

fn main() {}

fn props(o: &JsValue) -> Props {
    let get = |k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
    let tool = get("tool").and_then(|v| v.as_string()).unwrap_or_default();
    let select = get("select").and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
    let domain = get("domain").and_then(|v| v.as_string());
    let hosts: Vec<String> = get("hosts")
        .filter(js_sys::Array::is_array)
        .map(|v| {
            js_sys::Array::from(&v)
                .iter()
                .filter_map(|h| h.as_string())
                .collect()
        })
        .unwrap_or_default();
    Props {
        tool: AttrValue::from(tool),
        select,
        from_dns: domain.map(|d| (d, hosts)),
    }
}

#[wasm_bindgen]
pub struct Tools {
    handle: Option<yew::AppHandle<ToolsPanel>>,
}

#[wasm_bindgen]
impl Tools {
    /// Applies new options (another tool chosen from outside, a newer check's MX hosts).
    pub fn update(&mut self, options: JsValue) {
        if let Some(h) = self.handle.as_mut() {
            h.update(props(&options));
        }
    }

    /// Unmounts the tools.
    pub fn destroy(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
    }
}

/// The Yew app id (`__yew_subtree_id`) an element is branded with, if any.
fn brand(el: &JsValue) -> Option<f64> {
    js_sys::Reflect::get(el, &JsValue::from_str("__yew_subtree_id"))
        .ok()?
        .as_f64()
}

/// The brands of the Yew apps `el` sits inside (across shadow roots).
fn enclosing_brands(el: &web_sys::Element) -> Vec<f64> {
    let mut out = Vec::new();
    let mut node: Option<web_sys::Node> = el.parent_node();
    while let Some(n) = node {
        out.extend(brand(&n));
        node = n
            .parent_node()
            .or_else(|| n.dyn_ref::<web_sys::ShadowRoot>().map(|s| s.host().into()));
    }
    out
}

/// Renders the app `C` into `root`.
///
/// Two wasm modules each run their own Yew, and Yew tells its apps apart by a number it brands
/// their elements with, counted from 1 in each module. The checker's app encloses this one; if
/// both had the same number, the checker would take the tools' clicks and keys for its own
/// (and start checks from them). So the app is rendered into a detached element, again if
/// need be, until its number differs from every enclosing app's, and only then attached (the
/// browser test `offline_tools_work_with_the_network_cut_off` fails on any request made while
/// the tools are used).
fn mount_app<C: yew::BaseComponent>(
    root: &web_sys::Element,
    props: impl Fn() -> C::Properties,
) -> Result<yew::AppHandle<C>, JsValue> {
    let taken = enclosing_brands(root);
    let document = root
        .owner_document()
        .ok_or_else(|| JsValue::from_str("the element is not in a document"))?;
    loop {
        let host = document.create_element("div")?;
        let handle = yew::Renderer::<C>::with_root_and_props(host.clone(), props()).render();
        if brand(&host).is_some_and(|b| taken.contains(&b)) {
            handle.destroy();
            continue;
        }
        root.append_child(&host)?;
        return Ok(handle);
    }
}

/// Renders the tools into `root`.
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, options: JsValue) -> Result<Tools, JsValue> {
    Ok(Tools {
        handle: Some(mount_app::<ToolsPanel>(&root, || props(&options))?),
    })
}

/// The stored reports' evidence for `domain`, rendered into `root` under the checker's "Ready
/// to enforce?" (`src/components/report_evidence.rs`). The page calls this only when the tab
/// holds the operator token, so the checker's own module carries none of it.
#[wasm_bindgen]
pub fn evidence(
    root: web_sys::Element,
    domain: String,
    enforced: bool,
) -> Result<EvidenceView, JsValue> {
    let domain = AttrValue::from(domain);
    Ok(EvidenceView {
        handle: Some(mount_app::<ReportEvidence>(&root, || EvidenceProps {
            domain: domain.clone(),
            enforced,
        })?),
    })
}

#[wasm_bindgen]
pub struct EvidenceView {
    handle: Option<yew::AppHandle<ReportEvidence>>,
}

#[wasm_bindgen]
impl EvidenceView {
    pub fn destroy(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
    }
}

/// One on-demand part of the checker's report, rendered into `root`.
#[wasm_bindgen]
pub fn part(root: web_sys::Element, kind: String, data: String) -> Result<Part, JsValue> {
    let kind = AttrValue::from(kind);
    let data = AttrValue::from(data);
    Ok(Part {
        kind: kind.clone(),
        handle: Some(mount_app::<PartView>(&root, || PartProps {
            kind: kind.clone(),
            data: data.clone(),
        })?),
    })
}

#[wasm_bindgen]
pub struct Part {
    kind: AttrValue,
    handle: Option<yew::AppHandle<PartView>>,
}

#[wasm_bindgen]
impl Part {
    /// Renders the part again from newer data (answers still arriving).
    pub fn update(&mut self, data: String) {
        if let Some(h) = self.handle.as_mut() {
            h.update(PartProps {
                kind: self.kind.clone(),
                data: AttrValue::from(data),
            });
        }
    }

    pub fn destroy(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
    }
}

/// The saved report (`src/services/export.rs`) for the check's inputs.
#[wasm_bindgen]
pub fn report_json(inputs_json: String) -> Result<String, JsValue> {
    mtasts_web::services::export::report_json(&inputs_json).map_err(|e| JsValue::from_str(&e))
}
