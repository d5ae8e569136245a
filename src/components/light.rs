//! A traffic light: never colour alone; an icon and words, and a label for screen readers.

use mtasts_core::Light;
use yew::prelude::*;

pub fn class(l: Light) -> String {
    format!("light {}", l.name())
}

/// A plain function rather than a component: it keeps no state, and each component type costs
/// the page about a kilobyte of Yew's lifecycle code.
pub fn badge(light: Light) -> Html {
    html! {
        <span class={class(light)} data-light={light.name()}>
            <span aria-hidden="true" class="icon">{light.icon()}</span>
            <span class="word">{light.word()}</span>
        </span>
    }
}
