//! The tools module's side of [`super::lazy_part`]: one on-demand part of the report. Raw data
//! and Fix-it are made from the check's inputs, the report made again here from them
//! (`mtasts_core::check` is a pure function of them), so that what the part says agrees with
//! the verdict above it; a finding's explanation from the catalog, with the domain filled in.

use mtasts_core::catalog::Code;
use mtasts_core::inputs::Inputs;
use yew::prelude::*;

use super::fixit::FixIt;
use super::raw_data::RawData;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// `fixit`, `raw:` and a section's key, or `explain:` and a finding code.
    pub kind: AttrValue,
    /// The check's inputs as JSON text; for an explanation, the domain.
    pub data: AttrValue,
}

#[function_component]
pub fn PartView(p: &Props) -> Html {
    if let Some(code) = p.kind.strip_prefix("explain:") {
        let Some(code) = Code::parse(code) else {
            return html! { <p>{format!("No finding has the code {code}.")}</p> };
        };
        return html! { <p>{super::finding::named(code.explanation(), &p.data)}</p> };
    }
    let inputs: Inputs = match serde_json::from_str(&p.data) {
        Ok(i) => i,
        Err(e) => return html! { <p>{format!("The check's data could not be read ({e}).")}</p> },
    };
    let report = mtasts_core::check(&inputs);
    if p.kind == "fixit" {
        let now = inputs.now.and_then(|t| u64::try_from(t).ok()).unwrap_or(0);
        return html! { <FixIt {report} {inputs} {now} /> };
    }
    let section = p
        .kind
        .strip_prefix("raw:")
        .and_then(|key| report.sections.iter().find(|s| s.id.key() == key));
    match section {
        Some(s) => html! { <RawData section={s.clone()} {inputs} /> },
        None => html! { <p>{format!("Nothing to show for {}.", p.kind)}</p> },
    }
}
