//! One result per MX host, and per address within it, gathered from the sections: what the
//! JSON, the page's MX rows and the embed show ("mx2.example.com: 2 addresses, the second
//! offers no STARTTLS; TLSA matches"). Nothing is judged again here: each light is the worst
//! of the findings the sections already made about that host or address.

use std::net::IpAddr;

use serde::Serialize;

use crate::catalog::Code;
use crate::finding::{Finding, Severity};
use crate::inputs::{Inputs, Lookup, ProbeOutcome};
use crate::mx::Coverage;
use crate::report::{Light, Section, SectionId};

/// One address of an MX host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddressResult {
    /// `None` when the probe did not get as far as an address (the name did not resolve).
    pub ip: Option<IpAddr>,
    pub light: Light,
    pub starttls: Option<bool>,
    pub tls_version: Option<String>,
    pub tls_cipher: Option<String>,
    /// Days until the certificate expires (negative once expired), when one was seen.
    pub cert_days_left: Option<i64>,
    /// The codes of the findings about this address, worst first.
    pub codes: Vec<Code>,
    /// What is wrong, in words: the message of its worst finding.
    pub reason: Option<String>,
}

/// One MX host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxHostResult {
    pub host: String,
    pub preference: Option<u16>,
    /// The policy pattern that covers it.
    pub pattern: Option<String>,
    /// The worst of its coverage, its addresses and DANE.
    pub light: Light,
    pub addresses: Vec<AddressResult>,
    /// The DANE verdict for it (`dane.match`, `dane.mismatch` …), when it publishes TLSA
    /// records or their lookup failed.
    pub dane: Option<Code>,
}

fn light_of(findings: &[&Finding]) -> Light {
    match findings.iter().map(|f| f.severity()).max() {
        Some(Severity::Error) => Light::Red,
        Some(Severity::Warning) => Light::Amber,
        _ => Light::Green,
    }
}

fn worse(a: Light, b: Light) -> Light {
    if b.concern() > a.concern() {
        b
    } else {
        a
    }
}

/// The rows, in MX preference order (hosts only the probes know come last).
pub fn rows(
    inputs: &Inputs,
    coverage: Option<&Coverage>,
    sections: &[Section],
) -> Vec<MxHostResult> {
    let findings = |id: SectionId| -> Vec<&Finding> {
        sections
            .iter()
            .filter(|s| s.id == id)
            .flat_map(|s| s.findings.iter())
            .collect()
    };
    let (tls, cov, dane) = (
        findings(SectionId::MxTls),
        findings(SectionId::MxCoverage),
        findings(SectionId::Dane),
    );
    let probes = match &inputs.mx_tls {
        Lookup::Done(p) => p.as_slice(),
        _ => &[],
    };
    let mut hosts: Vec<(String, Option<u16>, Option<String>)> = coverage
        .map(|c| {
            c.hosts
                .iter()
                .map(|h| (h.host.clone(), Some(h.preference), h.pattern.clone()))
                .collect()
        })
        .unwrap_or_default();
    for p in probes {
        if !hosts.iter().any(|(h, _, _)| *h == p.host) {
            hosts.push((p.host.clone(), None, None));
        }
    }
    hosts
        .into_iter()
        .map(|(host, preference, pattern)| {
            let about = |f: &&&Finding| f.subject.as_deref() == Some(host.as_str());
            let addresses: Vec<AddressResult> = probes
                .iter()
                .filter(|p| p.host == host)
                .map(|p| {
                    // A finding names its address in its message ("host [ip]: …").
                    let tag = p.address.map(|ip| format!("[{ip}]"));
                    let mine: Vec<&Finding> = tls
                        .iter()
                        .filter(about)
                        .filter(|f| tag.as_ref().is_none_or(|t| f.message.contains(t.as_str())))
                        .copied()
                        .collect();
                    let mut ordered = mine.clone();
                    crate::order::sort_by_key(&mut ordered, |f| std::cmp::Reverse(f.severity()));
                    let light = match p.outcome {
                        ProbeOutcome::NotProbed(_) => Light::Amber,
                        _ => light_of(&mine),
                    };
                    AddressResult {
                        ip: p.address,
                        light,
                        starttls: p.starttls,
                        tls_version: p.tls_version.clone(),
                        tls_cipher: p.tls_cipher.clone(),
                        cert_days_left: match (&p.certificate, inputs.now) {
                            (Some(c), Some(now)) => {
                                c.not_after.map(|t| (t - now).div_euclid(86_400))
                            }
                            _ => None,
                        },
                        codes: ordered.iter().map(|f| f.code).collect(),
                        reason: ordered
                            .iter()
                            .find(|f| f.severity() != Severity::Info)
                            .map(|f| f.message.clone()),
                    }
                })
                .collect();
            let dane_findings: Vec<&Finding> = dane.iter().filter(about).copied().collect();
            let dane_code = dane_findings
                .iter()
                .max_by_key(|f| f.severity())
                .map(|f| f.code);
            let cov_findings: Vec<&Finding> = cov.iter().filter(about).copied().collect();
            let mut light = light_of(&cov_findings);
            for a in &addresses {
                light = worse(light, a.light);
            }
            if !dane_findings.is_empty() {
                light = worse(light, light_of(&dane_findings));
            }
            if addresses.is_empty() {
                // Not probed (yet, or at all): nothing says the host passes.
                light = worse(
                    light,
                    match inputs.mx_tls {
                        Lookup::Pending => Light::Pending,
                        _ => Light::Untested,
                    },
                );
            }
            MxHostResult {
                host,
                preference,
                pattern,
                light,
                addresses,
                dane: dane_code,
            }
        })
        .collect()
}
