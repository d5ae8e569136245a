//! The delivery chain at the top of a report (`mtasts_core::chain`): one link per step a
//! sender takes, each with its light in icon and word, the broken links marked, each a jump to
//! the section that explains it. An ordered list, so a screen reader reads it as steps; the
//! arrows are drawn by CSS and hidden from it.

use mtasts_core::chain::{self, Link};
use mtasts_core::report::SectionId;
use mtasts_core::Report;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    pub inputs: mtasts_core::Inputs,
}

/// The element id of a section, the target of its links.
pub fn section_anchor(id: SectionId) -> String {
    format!("section-{}", id.key())
}

/// Opens the target (a healthy section and Fix-it are collapsed), scrolls to it and moves focus
/// there, so keyboard and screen-reader users land where the link points. `selector` is
/// `#element-id`; inside the embed the target lives in the same shadow root as the link.
pub fn jump_to(selector: String) -> Callback<MouseEvent> {
    Callback::from(move |e: MouseEvent| {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let root = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|el| el.closest(".report").ok().flatten());
        let target = match &root {
            Some(r) => r.query_selector(&selector).ok().flatten(),
            None => doc.query_selector(&selector).ok().flatten(),
        };
        let Some(target) = target else { return };
        e.prevent_default();
        if let Ok(Some(d)) = target.query_selector("details") {
            let _ = d.set_attribute("open", "");
        }
        target.scroll_into_view();
        if let Ok(h) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(target) {
            let _ = h.focus();
        }
    })
}

fn link(l: &Link, first_break: bool) -> Html {
    html! {
        <li class={classes!("link", l.broken().then_some("broken"))} data-link={l.kind.name()} data-link-light={l.light.name()}>
            <a href={format!("#{}", section_anchor(l.section))} onclick={jump_to(format!("#{}", section_anchor(l.section)))}
               title={if first_break { format!("{}: {}", l.name, l.breaks_how()) } else { l.name.clone() }}>
                <span class="step">{l.step}</span>
                <span class="name">{&l.name}</span>
                {crate::components::light::badge(l.light)}
                if first_break { <span class="breaks sr-only">{l.breaks_how()}</span> }
            </a>
        </li>
    }
}

#[function_component]
pub fn ChainView(p: &Props) -> Html {
    let links = chain::links(&p.report, &p.inputs);
    // Marked: the first link where senders fail and it counts (not a lost report, not a
    // host failing while no sender enforces the policy).
    let first_break = links.iter().position(Link::breaks);
    html! {
        <nav class="chain" aria-label="Delivery chain: what a sender checks, in order">
            <ol>{ for links.iter().enumerate().map(|(i, l)| link(l, first_break == Some(i))) }</ol>
        </nav>
    }
}
