//! A copy button for a record or policy, with a spoken confirmation.

use yew::prelude::*;

use crate::services::file;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: AttrValue,
    /// What is copied, for the button's accessible name ("Copy the policy file").
    pub what: AttrValue,
    /// The button's visible text.
    #[prop_or(AttrValue::Static("Copy"))]
    pub label: AttrValue,
}

#[function_component]
pub fn CopyButton(p: &Props) -> Html {
    let status = use_state(String::new);
    let onclick = {
        let (status, text) = (status.clone(), p.text.clone());
        Callback::from(move |_| {
            let status = status.clone();
            let text = text.clone();
            wasm_bindgen_futures::spawn_local(async move {
                status.set(match file::copy(&text).await {
                    Ok(()) => "Copied".into(),
                    Err(e) => e,
                });
            });
        })
    };
    html! {
        <span class="copy">
            <button type="button" class="small" {onclick} aria-label={format!("Copy {}", p.what)}>{p.label.clone()}</button>
            <span class="copy-status" role="status">{(*status).clone()}</span>
        </span>
    }
}
