//! Demo mode made visible: the server runs `--demo` (a built-in test world on loopback, not the
//! internet), so the page lists that world's domains (from `/api/v1/config`) as examples to
//! click, each with what it demonstrates.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// `(domain, what it shows)`.
    pub domains: Vec<(String, String)>,
    pub on_pick: Callback<String>,
}

#[function_component]
pub fn DemoList(p: &Props) -> Html {
    html! {
        <section class="demo-list" aria-labelledby="demo-title">
            <h2 id="demo-title">{"Demo domains"}</h2>
            <p class="hint">{format!("This server runs in demo mode: it checks {} built-in test domains on this machine, not the internet. Click one to check it.", p.domains.len())}</p>
            <ul>{ for p.domains.iter().map(|(d, what)| {
                let onclick = { let (c, d) = (p.on_pick.clone(), d.clone()); Callback::from(move |e: MouseEvent| { e.prevent_default(); c.emit(d.clone()) }) };
                html! {
                    <li data-demo={d.clone()}>
                        <a href={format!("?domain={}", js_sys::encode_uri_component(d))} {onclick}>{d}</a>
                        if !what.is_empty() { {" — "}<span class="what">{what}</span> }
                    </li>
                }
            }) }</ul>
        </section>
    }
}
