//! Fix-it: the policy and both records as they should be published, built by the core's
//! generator from what the check found (see `crate::fix`), ready to copy.

use mtasts_core::generate;
use mtasts_core::inputs::Inputs;
use mtasts_core::Report;
use yew::prelude::*;

use super::generated::GeneratedView;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    pub inputs: Inputs,
    /// A fresh policy id for this run.
    pub id: AttrValue,
}

#[function_component]
pub fn FixIt(p: &Props) -> Html {
    let body = match crate::fix::request(&p.report, &p.inputs, p.id.to_string()) {
        Err(why) => html! { <p class="hint">{format!("Nothing to suggest yet: {why}.")}</p> },
        Ok(req) => match generate::generate(&req) {
            Ok(g) => {
                let same_policy =
                    p.report.policy.as_ref().map(|x| x.to_text()) == Some(g.policy.clone());
                html! {
                    <>
                        <p>{ if same_policy {
                            "The published policy is already what we would write. If you change it, publish a new id too.".to_string()
                        } else {
                            format!("Publish these to fix what was found (mode {}). Change the policy file first, then the id.", req.mode.as_str())
                        } }</p>
                        <GeneratedView generated={g} />
                    </>
                }
            }
            Err(errors) => html! {
                <p class="hint">{format!("Cannot build records from what was found: {}", errors.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "))}</p>
            },
        },
    };
    html! {
        <section class="fixit" aria-labelledby="fixit-title">
            <details>
                <summary><h3 id="fixit-title">{"Fix-it: records to publish"}</h3></summary>
                {body}
            </details>
        </section>
    }
}
