//! The tools module's side of [`super::lazy_part`]: one on-demand part of the report, made from
//! the check's inputs. The report is made again here from the same inputs (`mtasts_core::check`
//! is a pure function of them), so what this part says agrees with the verdict above it.

use std::rc::Rc;

use mtasts_core::inputs::Inputs;
use yew::prelude::*;

use super::fixit::FixIt;
use super::raw_data::RawData;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// `fixit`, or `raw:` and a section's key.
    pub kind: AttrValue,
    pub inputs: Rc<Inputs>,
}

#[function_component]
pub fn PartView(p: &Props) -> Html {
    let report = mtasts_core::check(&p.inputs);
    if p.kind == "fixit" {
        let now = p
            .inputs
            .now
            .and_then(|t| u64::try_from(t).ok())
            .unwrap_or(0);
        return html! { <FixIt {report} inputs={(*p.inputs).clone()} {now} /> };
    }
    let section = p
        .kind
        .strip_prefix("raw:")
        .and_then(|key| report.sections.iter().find(|s| s.id.key() == key));
    match section {
        Some(s) => html! { <RawData section={s.clone()} inputs={(*p.inputs).clone()} /> },
        None => html! { <p>{format!("Nothing to show for {}.", p.kind)}</p> },
    }
}
