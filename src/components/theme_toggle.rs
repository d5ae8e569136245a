//! Light, dark, or the system's choice (`prefers-color-scheme`). The choice is kept in
//! `localStorage` and applied as `data-theme` on the root element; the stylesheet does the rest.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::services::storage;

/// Applies a theme ("auto", "light" or "dark") to the page.
pub fn apply(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme);
    }
}

#[function_component]
pub fn ThemeToggle() -> Html {
    let theme = use_state(storage::theme);
    let onchange = {
        let theme = theme.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            apply(&v);
            storage::set_theme(&v);
            theme.set(v);
        })
    };
    html! {
        // On a phone the word is for screen readers only: the title row then has room for
        // the demo badge, which appears after the first paint, without wrapping (a shift).
        <label class="theme"><span class="theme-word">{"Theme "}</span>
            <select id="theme" {onchange}>
                { for [("auto", "System"), ("light", "Light"), ("dark", "Dark")].iter().map(|(v, l)| html! {
                    <option value={*v} selected={theme.as_str() == *v}>{*l}</option>
                }) }
            </select>
        </label>
    }
}
