//! A traffic light: never colour alone; an icon and words, and a label for screen readers.

use mtasts_core::Light;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub light: Light,
}

pub fn class(l: Light) -> String {
    format!("light {}", l.name())
}

#[function_component]
pub fn LightBadge(p: &Props) -> Html {
    html! {
        <span class={class(p.light)} data-light={p.light.name()}>
            <span aria-hidden="true" class="icon">{p.light.icon()}</span>
            <span class="word">{p.light.word()}</span>
        </span>
    }
}
