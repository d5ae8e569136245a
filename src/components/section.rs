//! One report section with its light, summary and findings.

use mtasts_core::report::{Section, SectionId};
use yew::prelude::*;

use super::finding::finding_list;
use super::lazy_part::{LazyPart, PartData};
use super::mx_table::MxTable;
use mtasts_core::inputs::Inputs;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub section: Section,
    pub inputs: Inputs,
    /// The per-address rows, shown in the MX STARTTLS section.
    #[prop_or_default]
    pub mx: Vec<mtasts_core::mx_hosts::MxHostResult>,
    /// Whether a policy was read (the MX table then says which hosts it leaves uncovered).
    #[prop_or_default]
    pub policy: bool,
    /// Whether its body starts open: failing sections do, healthy ones collapse to one line.
    pub open: bool,
    /// The action plan's step (1-based) for each finding code of this section it gives a fix
    /// for: the finding links there instead of repeating the fix.
    #[prop_or_default]
    pub steps: Vec<(mtasts_core::catalog::Code, usize)>,
}

#[function_component]
pub fn SectionView(p: &Props) -> Html {
    let s = &p.section;
    let id = s.id.key();
    html! {
        <section class={classes!("section", (!p.open).then_some("collapsed"))} data-section={id}
                 id={super::chain::section_anchor(s.id)} tabindex="-1"
                 aria-busy={(s.light == mtasts_core::Light::Pending).to_string()}>
            <details class="section-body" open={p.open}>
                <summary class="section-head">
                    <h3>{crate::components::light::badge(s.light)}{" "}{s.title}</h3>
                    <span class="summary">{&s.summary}</span>
                </summary>
                if let Some(note) = s.counts_as_note() { <p class="counts-as">{note}</p> }
                if s.id == SectionId::Dane && s.light != mtasts_core::Light::Grey {
                    <p class="about">{"TLSA records pin an MX host's certificate in DNSSEC-signed DNS (DANE, RFC 7672). Senders that support DANE check them instead of MTA-STS for that host, whatever the policy's mode; DANE is optional."}</p>
                }
                if !s.findings.is_empty() {
                    {finding_list(&s.findings, &AttrValue::from(p.inputs.domain.clone()), |c| {
                        p.steps.iter().find(|(code, _)| *code == c).map(|(_, n)| *n)
                    })}
                }
                if s.id == SectionId::MxTls { <MxTable hosts={p.mx.clone()} policy={p.policy} /> }
                <details class="raw"><summary>{"Raw data"}</summary>
                    <LazyPart kind={format!("raw:{id}")} data={PartData::Inputs(Box::new(p.inputs.clone()))} />
                </details>
            </details>
        </section>
    }
}
