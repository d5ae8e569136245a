//! The operator token in this tab's session storage, shared by the console (which takes it from
//! a link or the operator) and the checker's page (which, when the tab holds one, adds the
//! stored reports' evidence to "Ready to enforce?"). Gone when the tab closes.

/// Also read by `window.mtastsEvidence` in `index.html`.
const KEY: &str = "mtasts.operator-token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The token this tab holds, if any.
pub fn stored() -> Option<String> {
    storage()?
        .get_item(KEY)
        .ok()
        .flatten()
        .filter(|t| !t.is_empty())
}

pub fn save(token: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, token);
    }
}

pub fn forget() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}
