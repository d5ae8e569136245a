//! `localStorage`: the theme choice and the recent checks. Storage may be missing or full
//! (private windows, embedded frames); every call degrades to "nothing stored".

use crate::history::Recent;

const THEME_KEY: &str = "mtasts.theme";
const RECENT_KEY: &str = "mtasts.recent";
/// How many past checks are kept.
pub const RECENT_MAX: usize = 12;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn theme() -> String {
    get(THEME_KEY).unwrap_or_else(|| "auto".into())
}

pub fn set_theme(theme: &str) {
    set(THEME_KEY, theme);
}

pub fn recent() -> Vec<Recent> {
    get(RECENT_KEY)
        // Bytes to a `Value` first: the parser the proxy's answers already use, not a second
        // one for `&str` (bundle size).
        .and_then(|s| serde_json::from_slice::<serde_json::Value>(s.as_bytes()).ok())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Puts `entry` first, dropping an older entry of the same domain; keeps [`RECENT_MAX`].
pub fn remember(entry: Recent) -> Vec<Recent> {
    let mut list = recent();
    list.retain(|r| r.domain != entry.domain);
    list.insert(0, entry);
    list.truncate(RECENT_MAX);
    if let Ok(s) = serde_json::to_value(&list).and_then(|v| serde_json::to_string(&v)) {
        set(RECENT_KEY, &s);
    }
    list
}

pub fn forget_all() {
    if let Some(s) = storage() {
        let _ = s.remove_item(RECENT_KEY);
    }
}
