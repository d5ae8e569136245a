//! An informational note on DANE for SMTP (RFC 7672): MX hosts that publish TLSA records are
//! protected by DANE where senders validate DNSSEC, and such senders prefer DANE over MTA-STS
//! (RFC 8461 §2). Nothing here changes the MTA-STS verdict.

use mtasts_core::inputs::{DnsAnswer, DnsResult};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub answers: Vec<(String, DnsAnswer<usize>)>,
    /// How many MX hosts were asked about.
    pub expected: usize,
}

#[function_component]
pub fn DaneNote(p: &Props) -> Html {
    if p.expected == 0 {
        return html! {};
    }
    let with: Vec<&str> = p
        .answers
        .iter()
        .filter(|(_, a)| matches!(a.result, DnsResult::Records(n) if n > 0))
        .map(|(h, _)| h.as_str())
        .collect();
    let unknown = p
        .answers
        .iter()
        .filter(|(_, a)| {
            !matches!(
                a.result,
                DnsResult::Records(_) | DnsResult::NoRecords | DnsResult::NxDomain
            )
        })
        .count();
    let text = if p.answers.len() < p.expected {
        format!(
            "Looking for TLSA records ({} of {} MX hosts)…",
            p.answers.len(),
            p.expected
        )
    } else if !with.is_empty() {
        format!(
            "DANE: {} publish{} TLSA records (_25._tcp). Senders that validate DNSSEC use DANE for {} and MTA-STS for the rest; keep both consistent.",
            with.join(", "),
            if with.len() == 1 { "es" } else { "" },
            if with.len() == 1 { "it" } else { "them" }
        )
    } else if unknown > 0 {
        format!("DANE: the TLSA lookup failed for {unknown} MX host(s); not known whether DANE is in use.")
    } else {
        "DANE: no MX host publishes TLSA records. That is fine: DANE (RFC 7672) is an optional second protection that needs DNSSEC.".into()
    };
    html! {
        <p class="dane note" data-dane={with.len().to_string()}>
            {text}{" "}
            <a href="https://www.rfc-editor.org/rfc/rfc7672" target="_blank" rel="noopener noreferrer">{"RFC 7672"}</a>
        </p>
    }
}
