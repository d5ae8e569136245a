//! "Ready to enforce?" as an action plan: a short answer (yes, no, can't tell, does not apply)
//! and numbered steps, one per problem, each with what is wrong and its fix in the domain's own
//! names, and where to go to fix it (the section that explains it, the Fix-it records).
//!
//! Nothing is judged here: the answer is [`Readiness`] in one word, and the steps are the
//! findings that stand between the domain and a safe `mode: enforce` (RFC 8461 §5: a sender
//! that enforces refuses to deliver to an MX host that fails), worst first, in the order a
//! sender meets them.

use serde::Serialize;

use crate::catalog::Code;
use crate::finding::Severity;
use crate::report::{Light, MxFailure, Readiness, Report, SectionId};

/// The answer to "can I enforce?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    CantTell,
    /// Nothing to enforce: no such domain, or it accepts no mail.
    DoesNotApply,
}

impl Answer {
    pub fn word(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::CantTell => "Can't tell yet",
            Answer::DoesNotApply => "Does not apply",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::CantTell => "cant_tell",
            Answer::DoesNotApply => "does_not_apply",
        }
    }
}

/// One thing to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionStep {
    /// What is wrong, with the real names ("mx2.example.com offers no STARTTLS").
    pub problem: String,
    /// What to do about it, with the domain's names filled in.
    pub fix: String,
    /// The finding behind it, when there is one.
    pub code: Option<Code>,
    /// Other findings its fix takes care of (a consequence of the same problem): their
    /// sections point here too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<Code>,
    pub severity: Severity,
    /// Whether senders that enforce fail here: it must be fixed before `mode: enforce`. Other
    /// steps (a broken TLS-RPT destination, a short max_age) make the deployment stronger.
    pub blocks: bool,
    /// The section that explains it.
    pub section: SectionId,
    /// Whether the Fix-it records (policy file, TXT, TLSA) carry the change.
    pub fixit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionPlan {
    pub answer: Answer,
    /// The readiness sentence ([`crate::report::EnforceVerdict::message`]).
    pub headline: String,
    pub steps: Vec<ActionStep>,
}

/// The placeholders of the catalog's fix texts, filled in with this domain's names: the
/// `<domain>` itself, a TLS-RPT mailbox at it for `<address>`, and pointers to Fix-it for the
/// values only a plan can choose (`<id>`).
pub fn fill(text: &str, domain: &str) -> String {
    text.replace("<domain>", domain)
        .replace("<address>", &format!("tlsrpt@{domain}"))
        .replace("<id>", "a new id (Fix-it has one)")
        .replace(
            "https://<host>/<path>",
            "https:// followed by your report collector's URL",
        )
}

/// Whether a fix is made by publishing something Fix-it writes out.
fn fixit_carries(section: SectionId) -> bool {
    !matches!(section, SectionId::PolicyFetch | SectionId::MxTls)
}

pub fn plan(r: &Report) -> ActionPlan {
    let e = &r.enforce;
    let answer = match e.readiness {
        Readiness::Enforced | Readiness::Ready => Answer::Yes,
        Readiness::NotReady
        | Readiness::EnforcedFailing
        | Readiness::NotDeployed
        | Readiness::Withdrawn => Answer::No,
        Readiness::Unknown => Answer::CantTell,
        Readiness::NoSuchDomain | Readiness::NoMail => Answer::DoesNotApply,
    };
    let mut steps = Vec::new();
    if answer != Answer::DoesNotApply && r.overall != Light::Pending {
        // The findings of the sections that decide the verdict, in the order a sender meets
        // them. A step blocks enforcement when senders that enforce would fail there: an error
        // anywhere but in reporting (a TLS-RPT error loses reports only), or any finding about
        // an MX host that readiness counts as failing (an uncovered host is only a warning in
        // testing mode, but enforcing would stop delivery to it). Blocking steps come first,
        // then errors, then warnings. A finding repeated per address is one step.
        let failing =
            |host: Option<&str>| host.is_some_and(|h| e.failing_mx.iter().any(|m| m.host == h));
        for s in r.sections.iter().filter(|s| s.counts_as.is_some()) {
            for f in &s.findings {
                let sev = f.severity();
                if sev == Severity::Info || (f.code.unconfirmed() && sev == Severity::Warning) {
                    continue; // unconfirmed hosts are listed below, to check by hand
                }
                let fix = fill(f.code.info().fix, &r.domain);
                if let Some(x) = steps.iter_mut().find(|x: &&mut ActionStep| {
                    x.code == Some(f.code) && x.fix == fix && x.section == s.id
                }) {
                    // The same fix in several places is one step that names them all; a
                    // finding repeated per address of a host is not named twice.
                    if !same_host(x, f.subject.as_deref()) {
                        x.problem = format!("{}; {}", x.problem, f.message);
                    }
                    continue;
                }
                let blocks = (sev == Severity::Error && s.id != SectionId::Tlsrpt)
                    || failing(f.subject.as_deref());
                steps.push(ActionStep {
                    problem: f.message.clone(),
                    fix,
                    code: Some(f.code),
                    covers: Vec::new(),
                    severity: sev,
                    blocks,
                    section: s.id,
                    fixit: fixit_carries(s.id),
                });
            }
        }
        // A failing host whose finding is in a section that does not decide here (the policy
        // is invalid, so coverage is not judged) still gets its own step.
        for m in &e.failing_mx {
            if steps
                .iter()
                .any(|x| x.blocks && x.problem.contains(&m.host))
            {
                continue;
            }
            let uncovered = m.uncovered();
            steps.push(ActionStep {
                problem: format!("{} would fail: {}", m.host, m.reasons.join("; ")),
                fix: if uncovered {
                    format!(
                        "List {} in the policy's mx: lines (Fix-it has the whole file).",
                        m.host
                    )
                } else {
                    format!("Fix {} first; the details say what senders refuse.", m.host)
                },
                code: None,
                covers: Vec::new(),
                severity: Severity::Error,
                blocks: true,
                section: if uncovered {
                    SectionId::MxCoverage
                } else {
                    SectionId::MxTls
                },
                fixit: uncovered,
            });
        }
        // "The TXT record announces a policy that cannot be fetched" is the consequence of
        // the fetch failure beside it, whose fix (make the host answer, keep the file) would
        // clash with its own (serve the policy, or remove the record): one problem, one step.
        if let Some(at) = steps.iter().position(|x| {
            x.section == SectionId::PolicyFetch && x.code != Some(Code::StsOrphanTxt) && x.blocks
        }) {
            if steps.iter().any(|x| x.code == Some(Code::StsOrphanTxt)) {
                steps[at].covers.push(Code::StsOrphanTxt);
                steps.retain(|x| x.code != Some(Code::StsOrphanTxt));
            }
        }
        crate::order::sort_by_key(&mut steps, |x| (!x.blocks, std::cmp::Reverse(x.severity)));
        for m in &e.unconfirmed_mx {
            steps.push(ActionStep {
                problem: format!("{} could not be confirmed: {}", m.host, m.reasons.join("; ")),
                fix: format!(
                    "Check {} by hand before you enforce, from a host that can reach port 25: posttls-finger -c -l secure \"[{}]\"",
                    m.host, m.host
                ),
                code: None,
                covers: Vec::new(),
                severity: Severity::Warning,
                blocks: false,
                section: SectionId::MxTls,
                fixit: false,
            });
        }
        let untested: Vec<&str> = r
            .sections
            .iter()
            .filter(|s| s.counts_as == Some(Light::Untested))
            .map(|s| s.title)
            .collect();
        if !untested.is_empty() {
            steps.push(ActionStep {
                problem: format!("Not tested: {}", untested.join(", ")),
                fix: "Run the check again; the answer rests on every part being checked."
                    .to_string(),
                code: None,
                covers: Vec::new(),
                severity: Severity::Warning,
                blocks: false,
                section: r
                    .sections
                    .iter()
                    .find(|s| s.counts_as == Some(Light::Untested))
                    .map(|s| s.id)
                    .unwrap_or(SectionId::StsRecord),
                fixit: false,
            });
        }
        let first: Vec<ActionStep> = match e.readiness {
            Readiness::NotDeployed => deploy(r),
            // Mail is refused now: stop that before repairing anything (RFC 8461 §5: senders
            // that enforce do not deliver to a failing MX host). Not for DANE-only failures:
            // DANE senders apply TLSA whatever the mode, so a rollback would not help.
            Readiness::EnforcedFailing if !refused_by_mta_sts(r).is_empty() => {
                vec![ActionStep {
                    problem: format!(
                        "Senders that enforce refuse mail to {} now.",
                        refused_by_mta_sts(r)
                            .iter()
                            .map(|m| failing_where(r, &m.host))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    fix: format!(
                        "Stop the bounces first: publish the policy with mode: testing and a new id at _mta-sts.{} (Fix-it step 1 has both); senders pick it up as they refetch. Then fix the hosts below and enforce again.",
                        r.domain
                    ),
                    code: None,
                    covers: Vec::new(),
                    severity: Severity::Error,
                    blocks: true,
                    section: SectionId::Policy,
                    fixit: true,
                }]
            }
            Readiness::Withdrawn => vec![step(
                "To protect mail again:",
                format!("Publish the policy with mode: testing at https://mta-sts.{d}/.well-known/mta-sts.txt and a new id at _mta-sts.{d}; enforce once the TLS-RPT reports are clean.", d = r.domain),
                SectionId::Policy,
            )],
            _ => Vec::new(),
        };
        steps.splice(0..0, first);
        if e.readiness == Readiness::Ready {
            // The one thing left; what follows it only makes the deployment stronger.
            steps.insert(0, ActionStep {
                problem: "The policy is in testing mode: senders report failures but still deliver."
                    .to_string(),
                fix: format!(
                    "Publish the policy with mode: enforce at https://mta-sts.{}/.well-known/mta-sts.txt, then a new id in the _mta-sts.{} TXT record (Fix-it has both).",
                    r.domain, r.domain
                ),
                code: None,
                covers: Vec::new(),
                severity: Severity::Info,
                blocks: false,
                section: SectionId::Policy,
                fixit: true,
            });
        }
    }
    // "Not ready to enforce: …" lists what the steps say again; say how many instead.
    let blocking = steps.iter().filter(|x| x.blocks).count();
    let headline = if e.readiness == Readiness::NotReady && blocking > 0 {
        format!(
            "Not ready to enforce: {} first.",
            if blocking == 1 {
                "fix the problem below".to_string()
            } else {
                format!("fix the {blocking} problems below")
            }
        )
    } else if e.readiness == Readiness::EnforcedFailing && blocking > 0 {
        // The first step names the hosts that refuse mail; the verdict above names them too.
        "Enforced, but not safely: take the steps below in order.".to_string()
    } else if e.readiness == Readiness::NotDeployed {
        "MTA-STS is not deployed yet. These steps deploy it without putting mail at risk:"
            .to_string()
    } else if e.readiness == Readiness::Withdrawn {
        "The policy is withdrawn (mode: none): senders stop applying MTA-STS as their cached copies expire.".to_string()
    } else if let Some(rest) = e.message.strip_prefix("Ready to enforce: ") {
        // Under "Ready to enforce? Yes", the reason alone.
        let mut c = rest.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str() + ".")
            .unwrap_or_default()
    } else {
        e.message.clone()
    };
    ActionPlan {
        answer,
        headline,
        steps,
    }
}

/// Whether senders refuse this failing host only for DANE (its TLSA records do not match):
/// DANE senders apply TLSA whatever the policy's mode, so testing mode does not stop those
/// bounces, and senders that apply only MTA-STS deliver to it.
pub fn fails_only_dane(r: &Report, host: &str) -> bool {
    let other_error = r.sections.iter().any(|s| {
        s.id != SectionId::Dane
            && s.findings
                .iter()
                .any(|f| f.severity() == Severity::Error && f.subject.as_deref() == Some(host))
    });
    !other_error
        && r.enforce
            .failing_mx
            .iter()
            .filter(|f| f.host == host)
            .all(|f| !f.uncovered())
}

/// The failing hosts that senders applying MTA-STS refuse (all but those failing only DANE):
/// the ones a rollback to testing mode lets mail reach again.
pub fn refused_by_mta_sts(r: &Report) -> Vec<&MxFailure> {
    r.enforce
        .failing_mx
        .iter()
        .filter(|m| !fails_only_dane(r, &m.host))
        .collect()
}

/// A failing host as senders meet it: when only some of its addresses fail, the ones that
/// do (a sender that reaches another one delivers), e.g. "mx2.example.com at 192.0.2.7 (1
/// of its 2 addresses)".
fn failing_where(r: &Report, host: &str) -> String {
    let Some(row) = r.mx.iter().find(|m| m.host == host) else {
        return host.to_string();
    };
    let with_ip: Vec<_> = row.addresses.iter().filter(|a| a.ip.is_some()).collect();
    let bad: Vec<String> = with_ip
        .iter()
        .filter(|a| a.light == Light::Red)
        .filter_map(|a| a.ip.map(|ip| ip.to_string()))
        .collect();
    if bad.is_empty() || bad.len() == with_ip.len() {
        return host.to_string();
    }
    format!(
        "{host} at {} ({} of its {} addresses)",
        bad.join(", "),
        bad.len(),
        with_ip.len()
    )
}

/// Findings about different hosts are different steps even when their fix reads the same.
fn same_host(step: &ActionStep, subject: Option<&str>) -> bool {
    match subject {
        Some(h) => step.problem.contains(h),
        None => true,
    }
}

/// A step that is not a finding: something to publish (Fix-it carries it).
fn step(problem: &str, fix: String, section: SectionId) -> ActionStep {
    ActionStep {
        problem: problem.to_string(),
        fix,
        code: None,
        covers: Vec::new(),
        severity: Severity::Info,
        blocks: false,
        section,
        fixit: true,
    }
}

/// Deploying MTA-STS from nothing, in the order that cannot break mail (RFC 8461 §5: testing
/// first; RFC 8460: reports tell you what enforcing would break).
fn deploy(r: &Report) -> Vec<ActionStep> {
    let d = &r.domain;
    let mut v = Vec::new();
    if r.tlsrpt_record.is_none() {
        // The section's finding (tlsrpt.absent) points here instead of saying it again.
        v.push(ActionStep {
            code: Some(Code::TlsrptAbsent),
            ..step(
                "No TLS-RPT record: nobody will tell you when senders fail.",
                format!("Publish \"v=TLSRPTv1; rua=mailto:tlsrpt@{d}\" as TXT at _smtp._tls.{d}."),
                SectionId::Tlsrpt,
            )
        });
    }
    v.push(step(
        "No policy file.",
        format!("Serve the policy with mode: testing at https://mta-sts.{d}/.well-known/mta-sts.txt (text/plain, a valid certificate for mta-sts.{d})."),
        SectionId::PolicyFetch,
    ));
    v.push(step(
        "No _mta-sts TXT record.",
        format!("Publish \"v=STSv1; id=…\" as TXT at _mta-sts.{d} (Fix-it has the id)."),
        SectionId::StsRecord,
    ));
    v.push(step(
        "Then wait for the reports.",
        "When the TLS-RPT reports show no failures for a few weeks, switch the policy to mode: enforce with a new id.".to_string(),
        SectionId::Tlsrpt,
    ));
    v
}
