//! The MTA-STS checker in the browser. Verdicts come from `mtasts-core` compiled to wasm; DNS
//! comes from a DoH resolver, the policy fetch and MX probes from the proxy (`mtasts serve`).

mod app;
mod components;
mod fix;
mod history;
mod idna;
mod services;
mod state;
mod text;

fn main() {
    components::theme_toggle::apply(&services::storage::theme());
    yew::Renderer::<app::App>::new().render();
}
