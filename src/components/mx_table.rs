//! What a sender meets at each MX host, one row per address (`Report.mx`): the host with its
//! overall light (coverage, every address and DANE), then per address its light with what is
//! wrong in a few words, STARTTLS with its TLS version and cipher, days until the certificate
//! expires,
//! and the host's DANE verdict. Nothing is judged here; the rows come from the core. On a
//! narrow screen each row becomes a card (style.css), each cell labelled.

use mtasts_core::catalog::Code;
use mtasts_core::finding::Severity;
use mtasts_core::mx_hosts::{AddressResult, MxHostResult};
use mtasts_core::report::worst_first;
use mtasts_core::Light;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub hosts: Vec<MxHostResult>,
    /// Whether a policy was read, so a host without a pattern is known to be uncovered.
    #[prop_or_default]
    pub policy: bool,
}

fn ordered(hosts: &[MxHostResult]) -> Vec<&MxHostResult> {
    let mut v: Vec<&MxHostResult> = hosts.iter().collect();
    worst_first(&mut v, |h| h.light);
    v
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "–",
    }
}

fn days(d: Option<i64>) -> String {
    match d {
        Some(d) if d < 0 => format!("expired {} days ago", -d),
        Some(1) => "valid 1 more day".into(),
        Some(d) => format!("valid {d} more days"),
        None => "–".into(),
    }
}

/// The host's DANE verdict in a few words, with a light that agrees with it.
fn dane(code: Option<Code>) -> Html {
    let Some(c) = code else {
        return html! { <span class="muted">{"no TLSA"}</span> };
    };
    let light = match c.severity() {
        Severity::Error => Light::Red,
        Severity::Warning => Light::Amber,
        Severity::Info if c == Code::DaneMatch => Light::Green,
        Severity::Info => Light::Grey,
    };
    html! { <>{crate::components::light::badge(light)}{" "}{c.info().title}</> }
}

/// What is wrong with an address, in a few words: its worst finding's title.
fn short_reason(a: &AddressResult) -> Option<&'static str> {
    a.codes
        .iter()
        .find(|c| c.severity() != Severity::Info)
        .map(|c| c.info().title)
}

/// What a sender meets at this address: the address's own result, or the host's when that
/// is worse (the host is not covered by the policy, or its TLSA records do not match: every
/// address fails for it), so no row reads "good" on a failing host.
fn result(h: &MxHostResult, a: &AddressResult, policy: bool) -> (Light, Option<String>) {
    // What fails for the whole host (not an aggregate of its addresses: one failing address
    // does not make the others fail). The host's own light bounds it.
    let dane = h.dane.filter(|c| c.severity() != Severity::Info);
    let whole = if h.pattern.is_none() && policy {
        Some("MX not covered by the policy".to_string())
    } else {
        dane.map(|d| d.info().title.to_string())
    };
    match whole {
        Some(why) if h.light.concern() > a.light.concern() => (h.light, Some(why)),
        _ => (a.light, short_reason(a).map(String::from)),
    }
}

/// A long token (an IPv6 address, a cipher suite name) that may wrap only at its separators,
/// never in the middle of a number.
fn breakable(s: &str) -> Html {
    let mut parts = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        cur.push(c);
        if matches!(c, '_' | '.' | ':') {
            parts.push(std::mem::take(&mut cur));
        }
    }
    parts.push(cur);
    html! { { for parts.into_iter().map(|p| html! { <>{p}<wbr /></> }) } }
}

fn address_row(
    h: &MxHostResult,
    a: &AddressResult,
    first: bool,
    span: usize,
    policy: bool,
) -> Html {
    let ip = match a.ip {
        Some(ip) => ip.to_string(),
        // A host not probed (yet): nothing to name.
        None if a.codes.is_empty() => "–".into(),
        None => "(no address)".into(),
    };
    let (light, why) = result(h, a, policy);
    html! {
        <tr data-host={h.host.clone()} data-address={a.ip.map(|ip| ip.to_string())}>
            if first {
                <th scope="rowgroup" rowspan={span.to_string()} class="host">
                    <code>{&h.host}</code>
                    if let Some(p) = h.preference { <span class="pref"><span class="sep">{" · "}</span>{format!("preference {p}")}</span> }
                    <span class="pattern"><span class="sep">{" · "}</span>{match &h.pattern {
                        Some(p) => format!("covered by {p}"),
                        None if policy => "not covered by the policy".to_string(),
                        None => String::new(),
                    }}</span>
                    <span class="host-light">{crate::components::light::badge(h.light)}</span>
                </th>
            }
            // May wrap only at its dots or colons (at 800 px the table must fit without
            // scrolling, and a whole IPv4 address in the column made it 5 px too wide).
            <td data-label="Address"><code>{breakable(&ip)}</code></td>
            <td data-label="Result" class="result" title={a.reason.clone()}>
                {crate::components::light::badge(light)}
                if let Some(r) = why { <span class="reason">{" "}{r}</span> }
            </td>
            <td data-label="STARTTLS" data-starttls={yes_no(a.starttls)}>
                {match (a.starttls, &a.tls_version) {
                    (Some(true), Some(v)) => v.clone(),
                    (Some(true), None) => "yes".to_string(),
                    (Some(false), _) => "not offered".to_string(),
                    (None, _) => "–".to_string(),
                }}
                if let Some(c) = &a.tls_cipher { <span class="cipher">{" "}{breakable(c)}</span> }
            </td>
            <td data-label="Certificate">{days(a.cert_days_left)}</td>
            if first {
                <td data-label="DANE" rowspan={span.to_string()} data-dane={h.dane.map(|c| c.as_str())}>{dane(h.dane)}</td>
            }
        </tr>
    }
}

#[function_component]
pub fn MxTable(p: &Props) -> Html {
    if p.hosts.is_empty() {
        return html! {};
    }
    html! {
        // Scrolls sideways on a narrow screen: focusable and named, so keyboards can scroll it.
        <div class="table-wrap" tabindex="0" role="region" aria-label="MX hosts and addresses">
            <table class="mx-table">
                <caption>{"What senders meet at each MX address (the findings above say more)"}</caption>
                <thead><tr>
                    <th scope="col">{"MX host"}</th>
                    <th scope="col">{"Address"}</th>
                    <th scope="col">{"Result"}</th>
                    <th scope="col">{"STARTTLS (TLS, cipher)"}</th>
                    <th scope="col">{"Certificate"}</th>
                    <th scope="col">{"DANE"}</th>
                </tr></thead>
                // Failing hosts first (broken, then not confirmed, then weak), each group in
                // MX preference order.
                { for ordered(&p.hosts).into_iter().map(|h| {
                    let pending = [AddressResult {
                        ip: None,
                        light: h.light,
                        starttls: None,
                        tls_version: None,
                        tls_cipher: None,
                        cert_days_left: None,
                        codes: Vec::new(),
                        reason: None,
                    }];
                    // Within a host, failing addresses first too.
                    let mut sorted: Vec<AddressResult> = h.addresses.clone();
                    worst_first(&mut sorted, |a| a.light);
                    let rows: &[AddressResult] = if h.addresses.is_empty() { &pending } else { &sorted };
                    html! {
                        <tbody>{ for rows.iter().enumerate().map(|(i, a)| address_row(h, a, i == 0, rows.len(), p.policy)) }</tbody>
                    }
                }) }
            </table>
        </div>
    }
}
