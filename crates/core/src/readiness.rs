//! "Ready to enforce?" and the one-sentence verdict: what the sections and the domain's state
//! mean for an administrator about to switch to (or staying in) `mode: enforce`.
//!
//! Every answer has its own precise wording: a domain that does not exist, one that accepts no
//! mail (RFC 7505), one without MTA-STS, a withdrawn policy (RFC 8461 §5, `mode: none`), a
//! check that could not run in full, MX hosts that could not be confirmed, and the usual
//! enforced / ready / not ready.

use crate::catalog::Code;
use crate::check::Sts;
use crate::finding::Severity;
use crate::inputs::Inputs;
use crate::mx::Coverage;
use crate::policy::{Mode, PolicyLint};
use crate::report::{EnforceVerdict, Light, MxFailure, Readiness, Section, SectionId};
use crate::verdict::Deployment;

/// What readiness is judged from.
pub struct Facts<'a> {
    pub inputs: &'a Inputs,
    pub sts: Sts,
    pub lint: Option<&'a PolicyLint>,
    pub coverage: Option<&'a Coverage>,
    pub sections: &'a [Section],
    pub state: Deployment,
    /// What a lenient sender applies, when it applies a policy ([`crate::lenient`]).
    pub lenient: Option<&'a crate::lenient::LenientPolicy>,
}

fn add(list: &mut Vec<MxFailure>, host: &str, reason: String) {
    match list.iter_mut().find(|f| f.host == host) {
        Some(f) => {
            if !f.reasons.contains(&reason) {
                f.reasons.push(reason)
            }
        }
        None => list.push(MxFailure {
            host: host.to_string(),
            reasons: vec![reason],
        }),
    }
}

/// Host names; their reasons are listed beside the sentence (`failing_mx`, `unconfirmed_mx`).
fn list(hosts: &[MxFailure]) -> String {
    hosts
        .iter()
        .map(|f| f.host.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The titles of the deciding sections that were not tested (each section says why).
fn untested(sections: &[Section]) -> Vec<&'static str> {
    sections
        .iter()
        .filter(|s| s.counts_as == Some(Light::Untested))
        .map(|s| s.title)
        .collect()
}

/// "Invalid: …" → "invalid: …", for a summary quoted inside a sentence; an acronym
/// ("TLSA records …", "MX hosts …") keeps its capitals. Our summaries start in ASCII: the
/// ASCII case functions keep Unicode's case tables out of the browser's download.
pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), s.chars().nth(1)) {
        (Some(f), Some(second)) if !second.is_ascii_uppercase() => {
            f.to_ascii_lowercase().to_string() + c.as_str()
        }
        _ => s.to_string(),
    }
}

pub fn readiness(f: &Facts) -> EnforceVerdict {
    let mode = f.lint.and_then(|l| l.policy.mode);
    let withdrawn = f.lint.is_some_and(|l| l.valid) && mode == Some(Mode::None);
    let mut blockers = Vec::new();
    match f.sts {
        Sts::Absent => blockers.push("there is no _mta-sts TXT record".to_string()),
        Sts::Present { valid: false } => {
            blockers.push("the _mta-sts TXT record is invalid".to_string())
        }
        Sts::Broken => blockers.push("the _mta-sts TXT lookup fails (SERVFAIL)".to_string()),
        _ => {}
    }
    let section = |id: SectionId| f.sections.iter().find(|s| s.id == id);
    if let Some(fetch) = section(SectionId::PolicyFetch) {
        if let Some(e) = fetch
            .findings
            .iter()
            .find(|x| x.severity() == Severity::Error && x.code != Code::StsOrphanTxt)
        {
            blockers.push(format!("the policy cannot be used: {}", e.message));
        }
    }
    if f.lint.is_some_and(|l| !l.valid) {
        blockers.push("the policy file is invalid".to_string());
    }

    let mut failing: Vec<MxFailure> = Vec::new();
    let mut unconfirmed: Vec<MxFailure> = Vec::new();
    if let (Some(cov), false) = (f.coverage, withdrawn) {
        for h in cov.uncovered() {
            add(&mut failing, &h.host, MxFailure::NOT_COVERED.to_string());
        }
    }
    // Hosts that Postfix, enforcing the lenient reading, does not match.
    for x in section(SectionId::MxCoverage).map_or(&[][..], |s| s.findings.as_slice()) {
        if let (Code::MxUncoveredLenient, Some(host)) = (x.code, &x.subject) {
            add(
                &mut failing,
                host,
                MxFailure::NOT_MATCHED_LENIENT.to_string(),
            );
        }
    }
    // The MX TLS and DANE sections already judged every probe; each finding names its host.
    let probe_findings = [SectionId::MxTls, SectionId::Dane]
        .into_iter()
        .filter_map(section)
        .flat_map(|s| s.findings.iter());
    // Hosts that fail for something other than DANE (MTA-STS senders refuse them too).
    let mut not_only_dane: Vec<String> = failing.iter().map(|f| f.host.clone()).collect();
    for x in probe_findings {
        let Some(host) = &x.subject else { continue };
        if x.severity() == Severity::Error {
            if !x.code.as_str().starts_with("dane.") {
                not_only_dane.push(host.clone());
            }
            add(&mut failing, host, x.code.info().title.to_string());
        } else if x.code.unconfirmed() {
            let why = crate::check::unconfirmed_reason(host, &x.message);
            add(&mut unconfirmed, host, why.to_string());
        }
    }
    // A host that fails for one reason is not also "unconfirmed".
    unconfirmed.retain(|u| !failing.iter().any(|x| x.host == u.host));

    let pending = f.sections.iter().any(|s| s.light == Light::Pending);
    let not_tested = untested(f.sections);
    let domain = &f.inputs.domain;
    let (readiness, message) = match f.state {
        Deployment::NoSuchDomain => (
            Readiness::NoSuchDomain,
            "There is nothing to enforce.".to_string(),
        ),
        Deployment::NoMail => (
            Readiness::NoMail,
            format!("{domain} accepts no mail (null MX, RFC 7505): MTA-STS protects mail delivery, so it does not apply and there is nothing to enforce."),
        ),
        _ if pending => (Readiness::Unknown, "Still checking…".to_string()),
        Deployment::NotDeployed => (
            Readiness::NotDeployed,
            "MTA-STS is not deployed: publish a TLS-RPT record and a policy in testing mode first, then enforce once the reports are clean".to_string(),
        ),
        _ if withdrawn => (
            Readiness::Withdrawn,
            "The policy is withdrawn (mode: none): senders stop applying MTA-STS as their cached copies expire. To protect mail again, publish mode: testing with a new id, then enforce.".to_string(),
        ),
        _ if mode == Some(Mode::Enforce) && blockers.is_empty() && !failing.is_empty() => (
            Readiness::EnforcedFailing,
            if failing.iter().all(|f| !not_only_dane.contains(&f.host)) {
                // DANE applies whatever the MTA-STS mode (RFC 8461 §2).
                format!(
                    "Enforced; MTA-STS senders deliver, but senders that check DANE (TLSA) will not deliver to: {}",
                    list(&failing)
                )
            } else {
                format!(
                    "Enforced, but senders will not deliver to: {}",
                    list(&failing)
                )
            },
        ),
        // Strict senders test or discard the policy, but a lenient one enforces it now.
        _ if f.lenient.is_some_and(|p| p.enforced()) && !failing.is_empty() => {
            let mut parts = vec![format!(
                "postfix-mta-sts-resolver (the policy source of Postfix senders) enforces this policy already, so Postfix senders will not deliver to: {}",
                list(&failing)
            )];
            parts.extend(blockers.iter().map(|b| format!("for strict senders, {b}")));
            (
                Readiness::EnforcedFailing,
                format!("Some senders enforce it: {}", parts.join("; ")),
            )
        }
        _ if !blockers.is_empty() || !failing.is_empty() => {
            let mut parts = blockers.clone();
            if !failing.is_empty() {
                parts.push(format!("these MX hosts would fail: {}", list(&failing)));
            }
            (
                Readiness::NotReady,
                format!("Not ready to enforce: {}", parts.join("; ")),
            )
        }
        _ if !not_tested.is_empty() => (
            Readiness::Unknown,
            format!(
                "Cannot tell yet: not tested: {}. Check again.",
                not_tested.join(", ")
            ),
        ),
        _ if !unconfirmed.is_empty() => {
            let (n, hosts) = (unconfirmed.len(), list(&unconfirmed));
            (
                Readiness::Unknown,
                if mode == Some(Mode::Enforce) {
                    format!("Enforced, but delivery to {hosts} is not known to work: {} could not be confirmed", if n == 1 { "it" } else { "they" })
                } else {
                    format!("Cannot tell yet: {} could not be confirmed: {hosts}", plural(n, "MX host", "MX hosts"))
                },
            )
        }
        _ if f.coverage.is_none() => (
            Readiness::Unknown,
            "Cannot tell: the MX hosts could not be matched against the policy".to_string(),
        ),
        _ if mode == Some(Mode::Enforce) => (
            Readiness::Enforced,
            "Enforced, and every MX host passes".to_string(),
        ),
        _ => (
            Readiness::Ready,
            "Ready to enforce: every MX host is covered by the policy and presents a valid certificate over STARTTLS".to_string(),
        ),
    };
    EnforceVerdict {
        readiness,
        message,
        failing_mx: failing,
        unconfirmed_mx: unconfirmed,
        blockers,
    }
}

/// The one-sentence verdict under the overall light; always says the same as the light.
pub fn sentence(
    overall: Light,
    state: Deployment,
    sections: &[Section],
    enforce: &EnforceVerdict,
) -> String {
    let first = |light: Light| sections.iter().find(|s| s.counts_as == Some(light));
    // A headline, not the section's name joined to its summary: what went wrong (the worst
    // finding's title, with the host it is about) and what it does ("Policy fetch timed out
    // — senders cannot fetch the policy"). Where the summary already is that title, the
    // section says where ("MTA-STS TXT record — DNS lookup failed (SERVFAIL)").
    let worst = |s: &Section| {
        let top = s.findings.iter().map(|f| f.severity()).max()?;
        let f = s.findings.iter().find(|f| f.severity() == top)?;
        let title = f.code.info().title;
        Some(match &f.subject {
            Some(h) if !title.contains(h.as_str()) => format!("{title} ({h})"),
            _ => title.to_string(),
        })
    };
    let what = |s: Option<&Section>| {
        s.map(|s| match worst(s) {
            Some(t) if t != s.summary && s.counts_as == Some(Light::Red) => {
                format!("{} — {}", lower_first(&t), lower_first(&s.summary))
            }
            // Weak: the warning itself says it; the summary is often good news beside it.
            Some(t) if s.counts_as == Some(Light::Amber) => lower_first(&t),
            _ => format!("{} — {}", s.title, lower_first(&s.summary)),
        })
        .unwrap_or_default()
    };
    let mode = match state {
        Deployment::Deployed {
            applied: Some(m), ..
        } => m,
        _ => None,
    };
    match overall {
        Light::Pending => "Checking…".to_string(),
        Light::Red if enforce.readiness == Readiness::EnforcedFailing => {
            format!("Broken: mail may bounce ({})", list(&enforce.failing_mx))
        }
        Light::Red if state == Deployment::NoSuchDomain => {
            "No such domain: DNS does not know it (NXDOMAIN)".to_string()
        }
        Light::Red => format!("Broken: {}", what(first(Light::Red))),
        Light::Untested => "Nothing could be tested".to_string(),
        Light::Incomplete => format!("Incomplete: not tested: {}", untested(sections).join(", ")),
        Light::Amber => match mode {
            Some(Mode::Testing) => match enforce.readiness {
                Readiness::Ready => "Testing mode: safe to enforce".to_string(),
                Readiness::NotReady => "Testing mode: not yet safe to enforce".to_string(),
                _ => "Testing mode".to_string(),
            },
            _ => {
                let amber = first(Light::Amber);
                let prefix = if mode == Some(Mode::Enforce) {
                    "Enforced, with warnings"
                } else {
                    "Warnings"
                };
                match amber {
                    Some(s) if s.id == SectionId::Tlsrpt && s.light == Light::Red => {
                        let why = if s.findings.iter().any(|f| f.code == Code::TlsrptDraftName) {
                            "the TLS-RPT record is at _smtp-tlsrpt, a name senders never look at"
                                .to_string()
                        } else if s.findings.iter().any(|f| {
                            matches!(f.code, Code::TlsrptRuaUnreachable | Code::TlsrptRuaNoMail)
                        }) {
                            lower_first(&s.summary)
                        } else {
                            "the TLS-RPT record is invalid".to_string()
                        };
                        format!("{prefix}: failure reports are lost ({why}); mail still flows")
                    }
                    Some(s) if s.id == SectionId::MxTls && !enforce.unconfirmed_mx.is_empty() => {
                        format!(
                            "{prefix}: {} could not be confirmed",
                            plural(enforce.unconfirmed_mx.len(), "MX host", "MX hosts")
                        )
                    }
                    s => format!("{prefix}: {}", what(s)),
                }
            }
        },
        Light::Green => "Enforced and healthy".to_string(),
        Light::Grey => match state {
            Deployment::NoSuchDomain => {
                "No such domain: DNS does not know it (NXDOMAIN)".to_string()
            }
            Deployment::NoMail => "Accepts no mail (null MX): MTA-STS does not apply".to_string(),
            Deployment::NotDeployed => "MTA-STS is not deployed".to_string(),
            _ if enforce.readiness == Readiness::Withdrawn => {
                "Policy withdrawn (mode: none)".to_string()
            }
            _ => "Nothing here applies".to_string(),
        },
    }
}
