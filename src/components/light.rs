//! A traffic light: never colour alone; an icon and words, and a label for screen readers.

use mtasts_core::Light;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub light: Light,
}

pub fn class(l: Light) -> &'static str {
    match l {
        Light::Green => "light green",
        Light::Amber => "light amber",
        Light::Red => "light red",
        Light::Grey => "light grey",
        Light::Pending => "light pending",
    }
}

#[function_component]
pub fn LightBadge(p: &Props) -> Html {
    html! {
        <span class={class(p.light)} data-light={crate::text::light_name(p.light)}>
            <span aria-hidden="true" class="icon">{p.light.icon()}</span>
            <span class="word">{p.light.word()}</span>
        </span>
    }
}
