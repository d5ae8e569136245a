//! The generator: domain, MX hosts, mode, max_age and report address in; the policy file and
//! both TXT records out, with a fresh id. Runs entirely in the page.

use mtasts_core::domain;
use mtasts_core::generate::{self, Request};
use mtasts_core::policy::Mode;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::bind;
use crate::components::finding::finding_list;
use crate::components::generated::GeneratedView;
use crate::idna::BrowserIdna;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The domain and MX hosts of the last live check, offered as a starting point.
    #[prop_or_default]
    pub from_dns: Option<(String, Vec<String>)>,
    /// Counts the checker's "Generator" links followed: each one fills the form with the last
    /// check's domain and MX hosts, unless the form already holds another domain (what the
    /// user typed is never overwritten).
    #[prop_or_default]
    pub fill: u32,
}

fn split(s: &str) -> Vec<String> {
    s.split([',', '\n', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

#[function_component]
pub fn Generator(p: &Props) -> Html {
    let dom = use_state(String::new);
    let mx = use_state(String::new);
    let mode = use_state(|| Mode::Testing);
    let max_age = use_state(String::new);
    let rua = use_state(String::new);
    // Fixed when the tool opens, so the output does not change while typing.
    let id = use_state(|| generate::id_from_unix_time((js_sys::Date::now() / 1000.0) as u64));
    let onmode = {
        let m = mode.clone();
        Callback::from(move |e: Event| {
            if let Some(v) = Mode::parse(&e.target_unchecked_into::<HtmlSelectElement>().value()) {
                m.set(v)
            }
        })
    };
    // What the last fill put in the form: replaced by the next fill unless the user changed it.
    let filled = use_mut_ref(|| (String::new(), String::new()));
    {
        let (dom, mx, filled) = (dom.clone(), mx.clone(), filled.clone());
        use_effect_with((p.fill, p.from_dns.clone()), move |(fill, from)| {
            if let (true, Some((d, hosts))) = (*fill > 0, from) {
                let last = filled.borrow().clone();
                let ours = |now: &str, was: &str| now.trim().is_empty() || now == was;
                let hosts = hosts.join("\n");
                if ours(&dom, &last.0) || dom.trim().eq_ignore_ascii_case(d) {
                    dom.set(d.clone());
                    if ours(&mx, &last.1) {
                        mx.set(hosts.clone());
                    }
                    *filled.borrow_mut() = (d.clone(), hosts);
                }
            }
        });
    }
    let fill = p.from_dns.clone().map(|(d, hosts)| {
        let (dom, mx) = (dom.clone(), mx.clone());
        let label = format!("Use {d} and its MX hosts from the last check");
        let onclick = Callback::from(move |_| {
            dom.set(d.clone());
            mx.set(hosts.join("\n"));
        });
        html! { <button type="button" class="link" {onclick}>{label}</button> }
    });
    let max_age_value = max_age.trim().parse::<u64>();
    let result = (!dom.trim().is_empty()).then(|| {
        let d = domain::normalize(&dom, &BrowserIdna)
            .map(|d| d.ascii)
            .unwrap_or_else(|_| dom.trim().to_string());
        let mut r = generate::generate(&Request {
            domain: d,
            mx: split(&mx),
            mode: *mode,
            max_age: max_age_value.clone().ok(),
            rua: split(&rua),
            id: (*id).clone(),
        });
        if !max_age.trim().is_empty() && max_age_value.is_err() {
            let f = mtasts_core::Finding::new(
                mtasts_core::Code::PolicyMaxAgeInvalid,
                format!("max_age \"{}\" is not a number of seconds", max_age.trim()),
            );
            r = Err(match r {
                Err(mut v) => {
                    v.push(f);
                    v
                }
                Ok(_) => vec![f],
            });
        }
        r
    });
    html! {
        <div class="tool" data-tool="generate">
            <p class="hint">{"Fill in the domain and the host names your MX records point to. "}{fill}</p>
            <div class="form-grid">
                <label for="gen-domain">{"Domain"}</label>
                <input id="gen-domain" type="text" spellcheck="false" value={(*dom).clone()} oninput={bind(&dom)} />
                <label for="gen-mx">{"MX hosts or *. patterns"}</label>
                <textarea id="gen-mx" rows="3" spellcheck="false" value={(*mx).clone()} oninput={bind(&mx)} />
                <label for="gen-mode">{"Mode"}</label>
                <select id="gen-mode" onchange={onmode}>
                    <option value="testing" selected={*mode == Mode::Testing}>{"testing (start here)"}</option>
                    <option value="enforce" selected={*mode == Mode::Enforce}>{"enforce"}</option>
                    <option value="none" selected={*mode == Mode::None}>{"none (withdraw)"}</option>
                </select>
                <label for="gen-max-age">{"max_age (seconds)"}</label>
                <input id="gen-max-age" type="text" inputmode="numeric" placeholder={generate::default_max_age(*mode).to_string()}
                       value={(*max_age).clone()} oninput={bind(&max_age)} />
                <label for="gen-rua">{"Report address(es)"}</label>
                <input id="gen-rua" type="text" spellcheck="false" placeholder="mailto:tlsrpt@your-domain"
                       value={(*rua).clone()} oninput={bind(&rua)} />
            </div>
            { match result {
                None => html! {},
                Some(Ok(g)) => html! { <GeneratedView generated={g} /> },
                Some(Err(errors)) => html! {
                    {finding_list(&errors, &AttrValue::default(), |_| None)}
                },
            } }
        </div>
    }
}
