//! Recent checks kept in this browser, each a link that runs it again.

use yew::prelude::*;

use crate::history::{date, Recent};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub list: Vec<Recent>,
    pub on_pick: Callback<String>,
    pub on_clear: Callback<()>,
}

#[function_component]
pub fn RecentList(p: &Props) -> Html {
    if p.list.is_empty() {
        return html! {};
    }
    let clear = {
        let c = p.on_clear.clone();
        Callback::from(move |_| c.emit(()))
    };
    html! {
        <section class="recent" aria-labelledby="recent-title">
            <h2 id="recent-title">{"Recent checks"}</h2>
            <ul>{ for p.list.iter().map(|r| {
                let onclick = { let (c, d) = (p.on_pick.clone(), r.domain.clone()); Callback::from(move |e: MouseEvent| { e.prevent_default(); c.emit(d.clone()) }) };
                html! {
                    <li data-recent={r.domain.clone()}>
                        <a href={format!("?domain={}", js_sys::encode_uri_component(&r.domain))} {onclick}>{&r.domain}</a>
                        {" "}<span class={classes!("dot", r.overall.clone())} aria-hidden="true">{"●"}</span>
                        {format!(" {} · {}", r.verdict, date(r.at))}
                        if let Some(f) = r.fingerprint() {
                            <span class="fingerprint">{format!(" · {f}")}</span>
                        }
                    </li>
                }
            }) }</ul>
            <button type="button" class="link" onclick={clear}>{"Forget these"}</button>
        </section>
    }
}
