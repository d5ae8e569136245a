//! A tab list after the WAI-ARIA tabs pattern: one tab in the tab order, arrow keys, Home and
//! End move between tabs. The panels belong to the parent; [`panel_attrs`] names them.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Prefix for element ids.
    pub id: AttrValue,
    /// `(key, label)` of each tab, in order.
    pub tabs: Vec<(&'static str, &'static str)>,
    pub selected: AttrValue,
    pub on_select: Callback<&'static str>,
    pub label: AttrValue,
}

pub fn tab_id(prefix: &str, key: &str) -> String {
    format!("{prefix}-tab-{key}")
}

pub fn panel_id(prefix: &str, key: &str) -> String {
    format!("{prefix}-panel-{key}")
}

/// Focuses the tab `id` inside `list` (the tab list), which works inside a shadow root too.
fn focus(list: Option<web_sys::EventTarget>, id: &str) {
    use wasm_bindgen::JsCast;
    let tab = list
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|l| l.query_selector(&format!("#{id}")).ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(t) = tab {
        let _ = t.focus();
    }
}

#[function_component]
pub fn Tabs(p: &Props) -> Html {
    let keys: Vec<&'static str> = p.tabs.iter().map(|t| t.0).collect();
    let onkeydown = {
        let (keys, on_select, selected, prefix) = (
            keys.clone(),
            p.on_select.clone(),
            p.selected.clone(),
            p.id.clone(),
        );
        Callback::from(move |e: KeyboardEvent| {
            let at = keys
                .iter()
                .position(|k| *k == selected.as_str())
                .unwrap_or(0);
            let n = keys.len();
            let next = match e.key().as_str() {
                "ArrowRight" => (at + 1) % n,
                "ArrowLeft" => (at + n - 1) % n,
                "Home" => 0,
                "End" => n - 1,
                _ => return,
            };
            e.prevent_default();
            on_select.emit(keys[next]);
            focus(e.current_target(), &tab_id(&prefix, keys[next]));
        })
    };
    html! {
        <div class="tabs" role="tablist" aria-label={p.label.clone()} {onkeydown}>
            { for p.tabs.iter().map(|(key, label)| {
                let selected = *key == p.selected.as_str();
                let onclick = { let (s, k) = (p.on_select.clone(), *key); Callback::from(move |_| s.emit(k)) };
                html! {
                    <button type="button" role="tab" id={tab_id(&p.id, key)} aria-controls={panel_id(&p.id, key)}
                            aria-selected={selected.to_string()} tabindex={if selected { "0" } else { "-1" }} {onclick}>{*label}</button>
                }
            }) }
        </div>
    }
}
