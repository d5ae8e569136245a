//! The standalone page: the checker, configured by the page URL.

use mtasts_web::{app::App, components::theme_toggle, config::Config, services::storage};

fn main() {
    theme_toggle::apply(&storage::theme());
    yew::Renderer::<App>::with_props(Config::from_url()).render();
}
