//! The operator token in the browser: taken from the link's fragment (`#token=…`, never sent
//! to a server, and removed from the address bar at once) or typed in, and kept in this tab's
//! session storage only (gone when the tab closes).

pub use crate::services::operator_token::{forget, save, stored};

/// The token for this tab: from the fragment (then stored), or stored before.
pub fn current() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok().unwrap_or_default();
    if let Some(t) = hash.strip_prefix("#token=").filter(|t| !t.is_empty()) {
        let t = js_sys::decode_uri_component(t)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| t.to_string());
        save(&t);
        // Out of the address bar, the history and what a screenshot shows.
        if let Ok(h) = window.history() {
            let path = window.location().pathname().unwrap_or_default();
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
        return Some(t);
    }
    stored()
}
