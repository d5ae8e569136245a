//! "Open a saved report": a report JSON downloaded from this page (or sent by a colleague)
//! reopens read-only, as it was, without running again.

use mtasts_core::Inputs;
use yew::prelude::*;

use crate::services::{file, snapshot};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub on_open: Callback<Inputs>,
}

#[function_component]
pub fn OpenSaved(p: &Props) -> Html {
    let error = use_state(String::new);
    let onchange = {
        let (on_open, error) = (p.on_open.clone(), error.clone());
        Callback::from(move |e: Event| {
            let input: Option<web_sys::HtmlInputElement> = e.target_dyn_into();
            let Some(f) = input.and_then(|i| i.files()).and_then(|l| l.get(0)) else {
                return;
            };
            let (on_open, error) = (on_open.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match file::read(&f).await.and_then(|b| snapshot::inputs_from(&b)) {
                    Ok(inputs) => {
                        error.set(String::new());
                        on_open.emit(inputs);
                    }
                    Err(e) => error.set(format!("{}: {e}", f.name())),
                }
            });
        })
    };
    html! {
        <p class="open-saved">
            <label for="open-saved">{"Or open a saved report (JSON): "}</label>
            <input id="open-saved" type="file" accept=".json,application/json" {onchange} />
            if !error.is_empty() { <span class="invalid" role="alert">{(*error).clone()}</span> }
        </p>
    }
}
