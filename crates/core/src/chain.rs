//! The delivery chain: the links a sending MTA follows to deliver under MTA-STS, in the order it
//! follows them (RFC 8461 §3.3 discovery, §3.3 policy fetch, §4.1 MX matching, §4.2 TLS to each
//! MX host; RFC 8460 reporting), each with one light. The page draws it at the top of a report so
//! that the broken link is visible at once; the CLI and the JSON do not need it, they have the
//! sections.
//!
//! Nothing is judged here. Each link's light is the light of the section it stands for, and an MX
//! host's link is that host's row light ([`crate::mx_hosts`]), so the picture cannot say anything
//! the findings beneath it do not.

use serde::Serialize;

use crate::inputs::{DnsResult, Inputs};
use crate::report::{Light, Report, SectionId};

/// What part of delivery a link stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// The `_mta-sts` TXT record (RFC 8461 §3.1).
    Record,
    /// The policy host: HTTPS and its certificate (RFC 8461 §3.3).
    PolicyHost,
    /// The policy file itself (RFC 8461 §3.2).
    Policy,
    /// Whether the policy's `mx` patterns cover every MX host (RFC 8461 §4.1).
    Coverage,
    /// One MX host: STARTTLS, its certificate, and DANE where published (RFC 8461 §4.2).
    MxHost,
    /// Where failures are reported (RFC 8460 §3).
    Tlsrpt,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    pub kind: LinkKind,
    /// What the link is, in two or three words ("TXT record", "MX host").
    pub step: &'static str,
    /// The real name it is about (`_mta-sts.example.com`, `mx1.example.com`).
    pub name: String,
    pub light: Light,
    /// What the light counts as in the overall result (its section's `counts_as`): a red
    /// TLS-RPT record, or a red MX host while no sender enforces the policy, loses no mail and
    /// counts as amber.
    pub counts: Light,
    /// The section that explains this light: where the link jumps to.
    pub section: SectionId,
}

impl LinkKind {
    /// The stable name, as in JSON and `data-link` attributes.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Record => "record",
            LinkKind::PolicyHost => "policy_host",
            LinkKind::Policy => "policy",
            LinkKind::Coverage => "coverage",
            LinkKind::MxHost => "mx_host",
            LinkKind::Tlsrpt => "tlsrpt",
        }
    }
}

impl Link {
    /// A link is broken when senders fail at it.
    pub fn broken(&self) -> bool {
        self.light == Light::Red
    }

    /// Where the chain breaks for senders: broken, and counted as such in the overall
    /// result. A broken link that counts as weak (reports lost, a host failing in testing
    /// mode) is drawn broken but is not where delivery stops.
    pub fn breaks(&self) -> bool {
        self.broken() && self.counts == Light::Red
    }

    /// What breaking here means for mail: at an MX host or the coverage, mail to the host
    /// bounces; before that, senders fall back to delivering without MTA-STS.
    pub fn breaks_how(&self) -> &'static str {
        match self.kind {
            LinkKind::MxHost | LinkKind::Coverage => "delivery breaks here",
            _ => "MTA-STS breaks here",
        }
    }
}

/// What a light counts as, given its section's `counts_as` (a section may count for less
/// than it shows, never more; one that does not count, e.g. MX hosts under `mode: none`,
/// counts for nothing).
fn counted(light: Light, counts_as: Option<Light>) -> Light {
    match counts_as {
        Some(c) if c.concern() < light.concern() => c,
        Some(_) => light,
        None => Light::Grey,
    }
}

/// The chain for a report, pending links included. Before the MX rows exist (they need the
/// policy or the probes), the MX hosts come from the MX records, with the MX STARTTLS
/// section's light: the chain has its final shape as soon as DNS has answered.
pub fn links(r: &Report, inputs: &Inputs) -> Vec<Link> {
    let d = &r.domain;
    let link = |kind, step, name: String, section| Link {
        kind,
        step,
        name,
        light: r.section(section).light,
        counts: counted(r.section(section).light, r.section(section).counts_as),
        section,
    };
    let mx_counts = r.section(SectionId::MxTls).counts_as;
    let mut out = vec![
        link(
            LinkKind::Record,
            "TXT record",
            format!("_mta-sts.{d}"),
            SectionId::StsRecord,
        ),
        link(
            LinkKind::PolicyHost,
            "Policy host",
            format!("mta-sts.{d}"),
            SectionId::PolicyFetch,
        ),
        link(
            LinkKind::Policy,
            "Policy",
            match r.policy.as_ref().and_then(|p| p.mode) {
                Some(m) => format!("mode: {}", m.as_str()),
                None => "mta-sts.txt".into(),
            },
            SectionId::Policy,
        ),
        link(
            LinkKind::Coverage,
            "MX coverage",
            match &r.coverage {
                Some(c) if !c.hosts.is_empty() => format!(
                    "{} of {} MX covered",
                    c.hosts.iter().filter(|h| h.pattern.is_some()).count(),
                    c.hosts.len()
                ),
                _ => "MX records".into(),
            },
            SectionId::MxCoverage,
        ),
    ];
    let mut records: Vec<(u16, String)> = match inputs.mx.done().map(|a| &a.result) {
        Some(DnsResult::Records(v)) => v
            .iter()
            .filter(|m| !m.is_null())
            .map(|m| {
                (
                    m.preference,
                    m.exchange.trim_end_matches('.').to_ascii_lowercase(),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    crate::order::sort(&mut records);
    records.dedup_by(|a, b| a.1 == b.1);
    if r.mx.is_empty() && !records.is_empty() {
        out.extend(records.into_iter().map(|(_, host)| Link {
            kind: LinkKind::MxHost,
            step: "MX host",
            name: host,
            light: r.section(SectionId::MxTls).light,
            counts: counted(r.section(SectionId::MxTls).light, mx_counts),
            section: SectionId::MxTls,
        }));
    } else if r.mx.is_empty() {
        out.push(link(
            LinkKind::MxHost,
            "MX hosts",
            "STARTTLS".into(),
            SectionId::MxTls,
        ));
    } else {
        out.extend(r.mx.iter().map(|h| Link {
            kind: LinkKind::MxHost,
            step: "MX host",
            name: h.host.clone(),
            light: h.light,
            counts: counted(h.light, mx_counts),
            section: SectionId::MxTls,
        }));
    }
    out.push(link(
        LinkKind::Tlsrpt,
        "TLS-RPT",
        format!("_smtp._tls.{d}"),
        SectionId::Tlsrpt,
    ));
    out
}
