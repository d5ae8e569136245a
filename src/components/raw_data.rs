//! The raw data behind a section, as received: DNS answers with their DNSSEC AD flag, the
//! policy fetch (status, headers, TLS, certificate), the policy text with the offending lines
//! marked, the MX set and each probe. All of it is untrusted and rendered only as text.

use mtasts_core::dane::TlsaRecord;
use mtasts_core::inputs::{
    CertFacts, DnsAnswer, DnsResult, FetchOutcome, Inputs, Lookup, ProbeOutcome, RuaOutcome,
};
use mtasts_core::report::{Section, SectionId};
use mtasts_core::TxtRecord;
use yew::prelude::*;

use super::marked_text::MarkedText;
use crate::history::date;
use crate::text::tls_error;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub section: Section,
    pub inputs: Inputs,
}

fn status<T>(r: &DnsResult<T>) -> String {
    match r {
        DnsResult::Records(_) => "answered".into(),
        DnsResult::NoRecords => "no records of this type (NODATA)".into(),
        DnsResult::NxDomain => "the name does not exist (NXDOMAIN)".into(),
        DnsResult::ServFail => "the resolver failed (SERVFAIL)".into(),
        DnsResult::Timeout => "no answer in time".into(),
        DnsResult::Unreachable(w) => format!("resolver unreachable: {w}"),
        DnsResult::Error(w) => format!("error: {w}"),
    }
}

fn dnssec(a: Option<bool>) -> &'static str {
    match a {
        Some(true) => "validated by the resolver (AD flag set)",
        Some(false) => "not validated (AD flag clear)",
        None => "unknown",
    }
}

/// Facts as a definition list; empty values are left out.
fn facts(rows: Vec<(&'static str, Option<String>)>) -> Html {
    html! {
        <dl class="facts">{ for rows.into_iter().filter_map(|(k, v)| v.map(|v| html! { <><dt>{k}</dt><dd>{v}</dd></> })) }</dl>
    }
}

fn dns<T>(name: String, l: &Lookup<DnsAnswer<Vec<T>>>, show: impl Fn(&T) -> String) -> Html {
    let a = match l {
        Lookup::Pending => return html! { <p>{"Waiting for the answer…"}</p> },
        Lookup::NotTested(why) => return html! { <p>{format!("Not tested: {why}")}</p> },
        Lookup::Done(a) => a,
    };
    let records: Vec<String> = match &a.result {
        DnsResult::Records(r) => r.iter().map(show).collect(),
        _ => Vec::new(),
    };
    html! {
        <>
            {facts(vec![
                ("Query", Some(name)),
                ("Result", Some(status(&a.result))),
                ("DNSSEC", Some(dnssec(a.authenticated).to_string())),
                ("CNAME chain", (!a.cname_chain.is_empty()).then(|| a.cname_chain.join(" → "))),
            ])}
            if !records.is_empty() {
                <ol class="records">{ for records.into_iter().map(|r| html! { <li><code>{r}</code></li> }) }</ol>
            }
        </>
    }
}

/// A TXT record as dig shows it: each character-string quoted.
fn txt(r: &TxtRecord) -> String {
    r.iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cert(c: &CertFacts) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("Certificate subject", c.subject.clone()),
        (
            "Names (SAN)",
            (!c.dns_names.is_empty()).then(|| c.dns_names.join(", ")),
        ),
        ("Issuer", c.issuer.clone()),
        ("Valid from", c.not_before.map(date)),
        ("Valid until", c.not_after.map(date)),
    ]
}

fn outcome(o: &FetchOutcome) -> String {
    match o {
        FetchOutcome::Response => "HTTP response".to_string(),
        FetchOutcome::Dns(r) => format!("DNS: {}", status(r)),
        FetchOutcome::Refused(w) => format!("refused: {w}"),
        FetchOutcome::ConnectFailed(w) => format!("could not connect: {w}"),
        FetchOutcome::Timeout => "timed out".into(),
        FetchOutcome::Tls(e) => format!("TLS: {}", tls_error(e)),
        FetchOutcome::Protocol(w) => format!("not HTTP: {w}"),
    }
}

fn fetch(inputs: &Inputs) -> Html {
    let f = match &inputs.policy {
        Lookup::Pending => return html! { <p>{"Waiting for the proxy…"}</p> },
        Lookup::NotTested(why) => return html! { <p>{format!("Not tested: {why}")}</p> },
        Lookup::Done(f) => f,
    };
    let outcome = outcome(&f.outcome);
    let mut rows = vec![
        (
            "URL",
            Some(format!(
                "https://mta-sts.{}/.well-known/mta-sts.txt",
                inputs.domain
            )),
        ),
        ("Outcome", Some(outcome)),
        ("Status", f.status.map(|s| s.to_string())),
        ("Content-Type", f.content_type.clone()),
        ("Content-Encoding", f.content_encoding.clone()),
        ("Location", f.location.clone()),
        (
            "Body",
            f.body.as_ref().map(|b| {
                format!(
                    "{} bytes{}",
                    b.len(),
                    if f.truncated {
                        " (cut at the limit)"
                    } else {
                        ""
                    }
                )
            }),
        ),
        ("TLS", f.tls_version.clone()),
        ("Cipher suite", f.tls_cipher.clone()),
        ("TLS client", f.tls_client.clone()),
        ("Limited", f.limited.clone()),
    ];
    if let Some(c) = &f.certificate {
        rows.extend(cert(c));
    }
    facts(rows)
}

fn probes(inputs: &Inputs) -> Html {
    let list = match &inputs.mx_tls {
        Lookup::Pending => return html! { <p>{"Waiting for the probes…"}</p> },
        Lookup::NotTested(why) => return html! { <p>{format!("Not tested: {why}")}</p> },
        Lookup::Done(l) => l,
    };
    html! {
        <ul class="probes">{ for list.iter().map(|p| {
            let outcome = match &p.outcome {
                ProbeOutcome::Completed => "completed".to_string(),
                ProbeOutcome::Dns(r) => format!("DNS: {}", status(r)),
                ProbeOutcome::Refused(w) => format!("refused: {w}"),
                ProbeOutcome::ConnectFailed(w) => format!("could not connect: {w}"),
                ProbeOutcome::Timeout if p.banner.is_some() => "greeted, then stopped answering".into(),
                ProbeOutcome::Timeout => "no connection before the time limit".into(),
                ProbeOutcome::NoGreeting => "accepted the connection, sent no greeting".into(),
                ProbeOutcome::Closed(w) => format!("closed the connection {w}"),
                ProbeOutcome::Protocol(w) => format!("protocol error: {w}"),
                ProbeOutcome::NotProbed(w) => format!("not probed: {w}"),
            };
            let mut rows = vec![
                ("Address", p.address.map(|a| a.to_string())),
                ("Outcome", Some(outcome)),
                ("Banner", p.banner.clone()),
                ("STARTTLS offered", p.starttls.map(|s| if s { "yes" } else { "no" }.to_string())),
                ("TLS", p.tls_version.clone()),
                ("Cipher suite", p.tls_cipher.clone()),
                ("TLS client", p.tls_client.clone()),
                ("TLS error", p.tls_error.as_ref().map(tls_error)),
                ("Chain", (!p.chain.is_empty()).then(|| format!("{} certificate(s) presented", p.chain.len()))),
            ];
            if let Some(c) = &p.certificate { rows.extend(cert(c)); }
            let at = p.address.map(|a| format!(" [{a}]")).unwrap_or_default();
            html! { <li data-address={p.address.map(|a| a.to_string())}><h4><code>{&p.host}</code>{at}</h4>{facts(rows)}</li> }
        }) }</ul>
    }
}

/// Every MX host's TLSA answer (`_25._tcp.<host>`), as `dig` shows it.
fn tlsa(inputs: &Inputs) -> Html {
    let list = match &inputs.tlsa {
        Lookup::Pending => return html! { <p>{"Waiting for the TLSA answers…"}</p> },
        Lookup::NotTested(why) => return html! { <p>{format!("Not tested: {why}")}</p> },
        Lookup::Done(l) if l.is_empty() => return html! { <p>{"No MX host to look up."}</p> },
        Lookup::Done(l) => l,
    };
    html! {
        <ul class="tlsa">{ for list.iter().map(|h| {
            let lookup = Lookup::Done(h.answer.clone());
            html! { <li>{dns(format!("_25._tcp.{} TLSA", h.host), &lookup, |r: &TlsaRecord| r.presentation())}</li> }
        }) }</ul>
    }
}

/// The TLS-RPT record, the draft-era name, and what the proxy found at each destination.
fn tlsrpt(i: &Inputs) -> Html {
    let destinations = match &i.rua {
        Lookup::Pending => html! { <p>{"Waiting for the check of the report destinations…"}</p> },
        Lookup::NotTested(why) => {
            html! { <p>{format!("Report destinations not checked: {why}")}</p> }
        }
        Lookup::Done(l) if l.is_empty() => html! { <p>{"No report destination to check."}</p> },
        Lookup::Done(l) => html! {
            <ul class="rua">{ for l.iter().map(|c| html! {
                <li data-uri={c.uri.clone()}><h4><code>{&c.uri}</code></h4>{facts(rua_facts(&c.outcome))}</li>
            }) }</ul>
        },
    };
    html! {
        <>
            {dns(format!("_smtp._tls.{} TXT", i.domain), &i.tlsrpt_txt, txt)}
            <h4>{"Report destinations"}</h4>
            {destinations}
            {dns(format!("_smtp-tlsrpt.{} TXT (draft-era name)", i.domain), &i.tlsrpt_draft_txt, txt)}
        </>
    }
}

fn rua_facts(o: &RuaOutcome) -> Vec<(&'static str, Option<String>)> {
    match o {
        RuaOutcome::NotChecked(why) => vec![("Checked", Some(format!("no: {why}")))],
        RuaOutcome::Https(f) => {
            let mut rows = vec![
                ("Asked with", Some("HEAD (no report sent)".to_string())),
                ("Outcome", Some(outcome(&f.outcome))),
                ("HTTP status", f.status.map(|s| s.to_string())),
                ("TLS", f.tls_version.clone()),
            ];
            if let Some(c) = &f.certificate {
                rows.extend(cert(c));
            }
            rows
        }
        RuaOutcome::Mailto {
            domain,
            mx,
            addresses,
        } => {
            let mx_list = match &mx.result {
                DnsResult::Records(r) => r
                    .iter()
                    .map(|m| format!("{} {}", m.preference, m.exchange))
                    .collect::<Vec<_>>()
                    .join(", "),
                r => status(r),
            };
            vec![
                ("Mail domain", Some(domain.clone())),
                ("MX", Some(mx_list)),
                (
                    "Addresses",
                    addresses.as_ref().map(|a| match &a.result {
                        DnsResult::Records(r) => r
                            .iter()
                            .map(|ip| ip.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        r => status(r),
                    }),
                ),
            ]
        }
    }
}

#[function_component]
pub fn RawData(p: &Props) -> Html {
    let i = &p.inputs;
    match p.section.id {
        SectionId::StsRecord => dns(format!("_mta-sts.{} TXT", i.domain), &i.sts_txt, txt),
        SectionId::Tlsrpt => tlsrpt(i),
        SectionId::MxCoverage => dns(format!("{} MX", i.domain), &i.mx, |r| {
            // The null MX (RFC 7505) is written "0 ." in a zone file.
            let exchange = if r.is_null() {
                "."
            } else {
                r.exchange.as_str()
            };
            format!("{} {exchange}", r.preference)
        }),
        SectionId::PolicyFetch => fetch(i),
        // As senders read it: a gzip or deflate coding undone, as the verdict was made.
        SectionId::Policy => match i
            .policy
            .done()
            .and_then(mtasts_core::content_encoding::policy_body)
            .as_ref()
            .and_then(|b| b.bytes())
        {
            Some(b) => html! {
                <MarkedText text={String::from_utf8_lossy(&b).into_owned()} findings={p.section.findings.clone()}
                            label="Policy file as served" />
            },
            None => html! { <p>{"No policy body."}</p> },
        },
        SectionId::MxTls => probes(i),
        SectionId::Dane => tlsa(i),
    }
}
