//! What a sender meets at each MX host, one row per address (`Report.mx`): the address, its
//! light, STARTTLS, TLS version, cipher, days until the certificate expires, what is wrong,
//! and the host's DANE verdict. Nothing is judged here; the rows come from the core.

use mtasts_core::catalog::Code;
use mtasts_core::mx_hosts::{AddressResult, MxHostResult};
use yew::prelude::*;

use super::light::LightBadge;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub hosts: Vec<MxHostResult>,
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
        Some(d) => format!("{d} days"),
        None => "–".into(),
    }
}

fn dane(code: Option<Code>) -> String {
    code.map_or_else(|| "no TLSA".into(), |c| c.info().title.to_string())
}

fn address_row(h: &MxHostResult, a: &AddressResult, first: bool, span: usize) -> Html {
    let ip = match a.ip {
        Some(ip) => ip.to_string(),
        // A host not probed (yet): nothing to name.
        None if a.codes.is_empty() => "–".into(),
        None => "(no address)".into(),
    };
    html! {
        <tr data-host={h.host.clone()} data-address={a.ip.map(|ip| ip.to_string())}>
            if first {
                <th scope="rowgroup" rowspan={span.to_string()}>
                    <code>{&h.host}</code>
                    if let Some(p) = h.preference { <span class="pref">{format!(" (preference {p})")}</span> }
                </th>
            }
            <td><code>{ip}</code></td>
            <td><LightBadge light={a.light} /></td>
            <td>{yes_no(a.starttls)}</td>
            <td>{a.tls_version.clone().unwrap_or_else(|| "–".into())}</td>
            <td class="cipher">{a.tls_cipher.clone().unwrap_or_else(|| "–".into())}</td>
            <td>{days(a.cert_days_left)}</td>
            if first {
                <td rowspan={span.to_string()} data-dane={h.dane.map(|c| c.as_str())}>{dane(h.dane)}</td>
            }
            <td class="reason">{a.reason.clone().unwrap_or_default()}</td>
        </tr>
    }
}

#[function_component]
pub fn MxTable(p: &Props) -> Html {
    if p.hosts.is_empty() {
        return html! {};
    }
    html! {
        <div class="table-wrap">
            <table class="mx-table">
                <caption>{"What senders meet at each MX address"}</caption>
                <thead><tr>
                    <th scope="col">{"MX host"}</th>
                    <th scope="col">{"Address"}</th>
                    <th scope="col">{"Result"}</th>
                    <th scope="col">{"STARTTLS"}</th>
                    <th scope="col">{"TLS"}</th>
                    <th scope="col">{"Cipher"}</th>
                    <th scope="col">{"Certificate"}</th>
                    <th scope="col">{"DANE"}</th>
                    <th scope="col">{"Problem"}</th>
                </tr></thead>
                { for p.hosts.iter().map(|h| {
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
                    let rows: &[AddressResult] = if h.addresses.is_empty() { &pending } else { &h.addresses };
                    html! {
                        <tbody>{ for rows.iter().enumerate().map(|(i, a)| address_row(h, a, i == 0, rows.len())) }</tbody>
                    }
                }) }
            </table>
        </div>
    }
}
