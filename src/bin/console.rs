//! The operator console as its own wasm module (`dist/console/`, built by
//! `scripts/build-web.sh`): `/console/` loads it, the checker's page never does.

use wasm_bindgen::prelude::*;

fn main() {}

/// Renders the console into the page's body.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<mtasts_web::console::app::ConsoleApp>::new().render();
}
