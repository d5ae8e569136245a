//! Inputs → report: the verdict of a live check.
//!
//! Every section is computed from the facts it needs and nothing else, so the report can be
//! drawn progressively: a section whose facts are pending is `Pending`, the others are final.
//! Lights follow DESIGN.md: green (enforced and sound), amber (works but weak), red (broken),
//! grey (not deployed or not tested).

use crate::catalog::Code;
use crate::finding::{Finding, FindingsExt, Severity};
use crate::inputs::{
    DnsAnswer, DnsResult, FetchOutcome, Inputs, Lookup, MxProbe, PolicyFetch, ProbeOutcome,
};
use crate::mx::{self, Coverage, MxRecord};
use crate::policy::{self, Mode, PolicyLint};
use crate::record::{self, StsRecord};
use crate::report::{EnforceVerdict, Light, MxFailure, Readiness, Report, Section, SectionId};
use crate::tls::{self, CertCodes};
use crate::tlsrpt;

const POLICY_CERT: CertCodes = CertCodes {
    expired: Code::FetchCertExpired,
    not_yet_valid: Code::FetchCertNotYetValid,
    name_mismatch: Code::FetchCertName,
    untrusted: Code::FetchCertUntrusted,
    old_version: Code::FetchTlsVersion,
    handshake: Code::FetchTlsHandshake,
    expiring: Code::FetchCertExpiring,
};

const MX_CERT: CertCodes = CertCodes {
    expired: Code::MxTlsCertExpired,
    not_yet_valid: Code::MxTlsCertNotYetValid,
    name_mismatch: Code::MxTlsCertName,
    untrusted: Code::MxTlsCertUntrusted,
    old_version: Code::MxTlsVersion,
    handshake: Code::MxTlsHandshake,
    expiring: Code::MxTlsCertExpiring,
};

/// What the `_mta-sts` lookup established.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sts {
    Pending,
    /// The lookup failed in a way senders see too (SERVFAIL).
    Broken,
    /// Not known (timeout, resolver unreachable, not tested).
    Unknown,
    Absent,
    Present {
        valid: bool,
    },
}

/// Runs the whole check on whatever facts are known.
pub fn check(inputs: &Inputs) -> Report {
    let domain = inputs.domain.as_str();
    let (mut sts_sec, sts, sts_record, dnssec) = sts_section(inputs);
    let (mut fetch_sec, body) = fetch_section(inputs, sts);
    let policy_lint = body.map(policy::lint);
    let mode = policy_lint.as_ref().and_then(|l| l.policy.mode);
    let deployed_policy = policy_lint
        .as_ref()
        .is_some_and(|l| l.valid && mode != Some(Mode::None));

    // Orphans (DESIGN: red): a TXT record that announces a policy nobody can fetch, and a
    // policy that no TXT record announces.
    if let Sts::Present { .. } = sts {
        if !inputs.policy.is_pending() && policy_lint.is_none() && inputs.policy.done().is_some() {
            fetch_sec.findings.push(Finding::new(
                Code::StsOrphanTxt,
                "the _mta-sts TXT record announces a policy, but the policy cannot be fetched: senders fall back to no MTA-STS (or keep using a stale cached policy)",
            ));
            fetch_sec.light = Light::Red;
        }
    }
    if sts == Sts::Absent && deployed_policy {
        sts_sec.findings.push(Finding::new(
            Code::PolicyOrphan,
            format!("a valid policy is published at mta-sts.{domain}, but there is no _mta-sts TXT record: new senders never find it, and senders that cached it keep applying it without ever re-checking"),
        ));
        sts_sec.light = Light::Red;
        sts_sec.summary = "Missing: the policy is published but not announced".into();
    }

    let policy_sec = policy_section(inputs, policy_lint.as_ref());
    let (cov_sec, coverage) = coverage_section(inputs, policy_lint.as_ref());
    let mx_tls_sec = mx_tls_section(inputs, mode);
    let tlsrpt_sec_and_record = tlsrpt_section(inputs);
    let (tlsrpt_sec, tlsrpt_record) = tlsrpt_sec_and_record;

    let sections = vec![
        sts_sec, fetch_sec, policy_sec, cov_sec, mx_tls_sec, tlsrpt_sec,
    ];
    let not_deployed = sts == Sts::Absent && policy_lint.is_none() && !inputs.policy.is_pending();
    let enforce = readiness(
        inputs,
        sts,
        policy_lint.as_ref(),
        coverage.as_ref(),
        &sections,
        not_deployed,
    );
    let (overall, verdict) = overall(&sections, mode, not_deployed, &enforce);

    Report {
        domain: domain.to_string(),
        overall,
        verdict,
        enforce,
        sections,
        sts_record,
        policy: policy_lint.map(|l| l.policy),
        tlsrpt_record,
        coverage,
        dnssec,
    }
}

fn section(
    id: SectionId,
    light: Light,
    summary: impl Into<String>,
    findings: Vec<Finding>,
) -> Section {
    Section {
        id,
        title: id.title(),
        light,
        summary: summary.into(),
        findings,
    }
}

fn pending(id: SectionId) -> Section {
    section(id, Light::Pending, "Checking…", Vec::new())
}

/// Light from findings: red with errors, amber with warnings, else `otherwise`.
fn light_of(findings: &[Finding], otherwise: Light) -> Light {
    match findings.worst() {
        Some(Severity::Error) => Light::Red,
        Some(Severity::Warning) => Light::Amber,
        _ => otherwise,
    }
}

/// A DNS failure as findings and a light; `None` for answers (records, NODATA, NXDOMAIN).
fn dns_failure<T>(answer: &DnsAnswer<T>, name: &str) -> Option<(Light, Finding)> {
    match &answer.result {
        DnsResult::ServFail => Some((
            Light::Red,
            Finding::new(
                Code::DnsServfail,
                format!("the lookup of {name} failed with SERVFAIL: the domain's DNS is broken (bad delegation or DNSSEC failure), and senders see the same"),
            ),
        )),
        DnsResult::Timeout => Some((
            Light::Amber,
            Finding::new(Code::DnsTimeout, format!("the lookup of {name} timed out")),
        )),
        DnsResult::Unreachable(why) => Some((
            Light::Grey,
            Finding::new(
                Code::DnsUnreachable,
                format!("the resolver could not be reached ({why}); {name} was not checked"),
            ),
        )),
        DnsResult::Error(why) => Some((
            Light::Grey,
            Finding::new(Code::DnsError, format!("the lookup of {name} failed: {why}")),
        )),
        _ => None,
    }
}

fn sts_section(inputs: &Inputs) -> (Section, Sts, Option<StsRecord>, Option<bool>) {
    let id = SectionId::StsRecord;
    let name = format!("_mta-sts.{}", inputs.domain);
    let answer = match &inputs.sts_txt {
        Lookup::Pending => return (pending(id), Sts::Pending, None, None),
        Lookup::NotTested(why) => {
            return (
                section(id, Light::Grey, format!("Not tested: {why}"), vec![]),
                Sts::Unknown,
                None,
                None,
            )
        }
        Lookup::Done(a) => a,
    };
    let dnssec = answer.authenticated;
    if let Some((light, f)) = dns_failure(answer, &name) {
        let summary = f.message.clone();
        let state = if answer.result == DnsResult::ServFail {
            Sts::Broken
        } else {
            Sts::Unknown
        };
        return (section(id, light, summary, vec![f]), state, None, dnssec);
    }
    let mut findings = Vec::new();
    if let Some(target) = answer.cname_chain.last() {
        findings.push(Finding::new(
            Code::StsCname,
            format!("{name} is delegated by CNAME to {target} (RFC 8461 §8.2 allows this)"),
        ));
    }
    let records = match &answer.result {
        DnsResult::Records(r) => r.as_slice(),
        _ => &[],
    };
    let lint = record::lint(records);
    let absent = lint.candidates == 0
        && lint
            .findings
            .iter()
            .all(|f| matches!(f.code, Code::StsNone | Code::StsDiscarded));
    if absent {
        findings.extend(
            lint.findings
                .into_iter()
                .filter(|f| f.code != Code::StsNone),
        );
        return (
            section(
                id,
                Light::Grey,
                format!("No MTA-STS record at {name}"),
                findings,
            ),
            Sts::Absent,
            None,
            dnssec,
        );
    }
    findings.extend(lint.findings);
    let light = light_of(&findings, Light::Green);
    let summary = match (&lint.record, lint.valid) {
        (Some(r), true) => format!("Valid, id={}", r.id),
        _ => "Invalid: senders ignore MTA-STS for this domain".to_string(),
    };
    (
        section(id, light, summary, findings),
        Sts::Present { valid: lint.valid },
        lint.record,
        dnssec,
    )
}

/// The fetch section, and the body when the fetch returned 200.
fn fetch_section(inputs: &Inputs, sts: Sts) -> (Section, Option<&[u8]>) {
    let id = SectionId::PolicyFetch;
    let host = format!("mta-sts.{}", inputs.domain);
    let fetch = match &inputs.policy {
        Lookup::Pending => return (pending(id), None),
        Lookup::NotTested(why) => {
            return (
                section(id, Light::Grey, format!("Not tested: {why}"), vec![]),
                None,
            )
        }
        Lookup::Done(f) => f,
    };
    let mut findings = fetch_findings(fetch, &host, inputs.now);
    let body = match (fetch.outcome == FetchOutcome::Response, fetch.status) {
        (true, Some(200)) => fetch.body.as_deref(),
        _ => None,
    };
    if sts == Sts::Absent && body.is_none() {
        // Nothing announces a policy and none is served: not deployed, not broken.
        let why = findings
            .iter()
            .find(|f| f.severity() == Severity::Error)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "no policy was returned".into());
        return (
            section(
                id,
                Light::Grey,
                "No policy published",
                vec![Finding::new(
                    Code::FetchNotDeployed,
                    format!("no policy at https://{host}/.well-known/mta-sts.txt: {why}"),
                )],
            ),
            None,
        );
    }
    let otherwise = if fetch.limited.is_some() {
        Light::Grey
    } else {
        Light::Green
    };
    if let Some(why) = &fetch.limited {
        findings.push(Finding::new(
            Code::FetchLimited,
            format!("fetched through a plain proxy: the certificate and redirects were not checked ({why})"),
        ));
    }
    let light = light_of(&findings, otherwise);
    let summary = if body.is_some() && light != Light::Red {
        format!("Fetched from https://{host}/.well-known/mta-sts.txt")
    } else if body.is_some() {
        "Fetched, but senders will refuse it".to_string()
    } else {
        "Senders cannot fetch the policy".to_string()
    };
    (section(id, light, summary, findings), body)
}

fn fetch_findings(fetch: &PolicyFetch, host: &str, now: Option<i64>) -> Vec<Finding> {
    let mut out = Vec::new();
    match &fetch.outcome {
        FetchOutcome::Dns(DnsResult::NxDomain | DnsResult::NoRecords) => out.push(Finding::new(
            Code::FetchHostMissing,
            format!("{host} does not resolve; publish an A or AAAA record for it pointing at a web server"),
        )),
        FetchOutcome::Dns(other) => out.push(Finding::new(
            Code::FetchDns,
            format!("{host} could not be resolved ({})", dns_word(other)),
        )),
        FetchOutcome::Refused(why) => out.push(Finding::new(Code::FetchRefused, format!("{host}: {why}"))),
        FetchOutcome::ConnectFailed(why) => out.push(Finding::new(
            Code::FetchConnect,
            format!("could not connect to {host} on port 443 ({why})"),
        )),
        FetchOutcome::Timeout => out.push(Finding::new(Code::FetchTimeout, format!("{host} did not answer in time"))),
        FetchOutcome::Protocol(why) => out.push(Finding::new(
            Code::FetchProtocol,
            format!("{host} did not answer with HTTP ({why})"),
        )),
        FetchOutcome::Tls(e) => out.extend(tls::evaluate(
            host,
            Some(e),
            fetch.tls_version.as_deref(),
            fetch.certificate.as_ref(),
            now,
            &POLICY_CERT,
        )),
        FetchOutcome::Response => {
            out.extend(tls::evaluate(host, None, fetch.tls_version.as_deref(), fetch.certificate.as_ref(), now, &POLICY_CERT));
            match fetch.status {
                Some(200) => {
                    check_content_type(fetch.content_type.as_deref(), &mut out);
                    if fetch.truncated {
                        out.push(Finding::new(
                            Code::PolicyTooLarge,
                            format!("the policy is larger than {} bytes; senders stop reading at 64 KiB", policy::MAX_POLICY_SIZE),
                        ));
                    }
                }
                Some(s @ 300..=399) => out.push(Finding::new(
                    Code::FetchRedirect,
                    format!(
                        "HTTP {s} redirect{}: senders MUST NOT follow redirects (RFC 8461 §3.3), so they get no policy; serve the file directly at this URL",
                        fetch.location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
                    ),
                )),
                Some(s) => out.push(Finding::new(
                    Code::FetchStatus,
                    format!("HTTP status {s}; senders accept only 200"),
                )),
                None => out.push(Finding::new(Code::FetchProtocol, "the response had no HTTP status")),
            }
        }
    }
    out
}

/// RFC 8461 §3.3: the policy is served as `text/plain`; parameters other than charset are
/// ignored.
fn check_content_type(ct: Option<&str>, out: &mut Vec<Finding>) {
    match ct {
        None => out.push(Finding::new(
            Code::FetchContentType,
            "the response has no Content-Type; serve the policy as text/plain",
        )),
        Some(ct) => {
            let mut parts = ct.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            if media != "text/plain" {
                out.push(Finding::new(
                    Code::FetchContentType,
                    format!("Content-Type is \"{ct}\"; senders expect text/plain and some refuse anything else"),
                ));
            }
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    let v = v.trim().trim_matches('"').to_ascii_lowercase();
                    if k.trim().eq_ignore_ascii_case("charset")
                        && !matches!(v.as_str(), "utf-8" | "us-ascii" | "utf8")
                    {
                        out.push(Finding::new(
                            Code::FetchCharset,
                            format!("charset={v}: the policy is read as UTF-8; declare utf-8 or nothing"),
                        ));
                    }
                }
            }
        }
    }
}

fn dns_word<T>(r: &DnsResult<T>) -> String {
    match r {
        DnsResult::Records(_) => "answered".into(),
        DnsResult::NoRecords => "no address records".into(),
        DnsResult::NxDomain => "NXDOMAIN".into(),
        DnsResult::ServFail => "SERVFAIL".into(),
        DnsResult::Timeout => "timeout".into(),
        DnsResult::Unreachable(w) | DnsResult::Error(w) => w.clone(),
    }
}

fn policy_section(inputs: &Inputs, lint: Option<&PolicyLint>) -> Section {
    let id = SectionId::Policy;
    let Some(l) = lint else {
        return match &inputs.policy {
            Lookup::Pending => pending(id),
            _ => section(id, Light::Grey, "No policy to check", vec![]),
        };
    };
    let p = &l.policy;
    let base = match p.mode {
        Some(Mode::None) => Light::Grey,
        Some(Mode::Testing) => Light::Amber,
        _ => Light::Green,
    };
    let mut light = light_of(&l.findings, base);
    if light == Light::Green && base == Light::Amber {
        light = Light::Amber;
    }
    if !l.valid {
        light = Light::Red;
    }
    let summary = if !l.valid {
        "Invalid: senders discard this policy".to_string()
    } else {
        format!(
            "mode {}, max_age {}, {} mx pattern{}",
            p.mode.map_or("?", Mode::as_str),
            p.max_age
                .map(|a| a.to_string())
                .unwrap_or_else(|| "?".into()),
            p.mx.len(),
            if p.mx.len() == 1 { "" } else { "s" }
        )
    };
    section(id, light, summary, l.findings.clone())
}

fn mx_records(inputs: &Inputs) -> Option<Result<&[MxRecord], (Light, Finding)>> {
    let answer = inputs.mx.done()?;
    Some(match &answer.result {
        DnsResult::Records(r) => Ok(r.as_slice()),
        DnsResult::NoRecords => Ok(&[]),
        DnsResult::NxDomain => Err((
            Light::Red,
            Finding::new(
                Code::DomainNxdomain,
                format!("{} does not exist in DNS (NXDOMAIN)", inputs.domain),
            ),
        )),
        _ => Err(dns_failure(answer, &inputs.domain).unwrap_or((
            Light::Grey,
            Finding::new(Code::DnsError, "the MX lookup failed"),
        ))),
    })
}

fn coverage_section(inputs: &Inputs, lint: Option<&PolicyLint>) -> (Section, Option<Coverage>) {
    let id = SectionId::MxCoverage;
    let records = match (&inputs.mx, mx_records(inputs)) {
        (Lookup::Pending, _) => return (pending(id), None),
        (Lookup::NotTested(why), _) => {
            return (
                section(id, Light::Grey, format!("Not tested: {why}"), vec![]),
                None,
            )
        }
        (_, Some(Err((light, f)))) => {
            let summary = f.message.clone();
            return (section(id, light, summary, vec![f]), None);
        }
        (_, Some(Ok(r))) => r,
        (_, None) => return (pending(id), None),
    };
    let Some(l) = lint else {
        if inputs.policy.is_pending() {
            return (pending(id), None);
        }
        // No policy, but the MX set still says something (null MX, no MX at all).
        let (_, findings) = mx::coverage(&inputs.domain, records, &[], None);
        let light = light_of(&findings, Light::Grey);
        return (
            section(
                id,
                light,
                "No policy to match the MX hosts against",
                findings,
            ),
            None,
        );
    };
    let mode = l.policy.mode;
    let (cov, findings) = mx::coverage(&inputs.domain, records, &l.policy.patterns, mode);
    let uncovered = cov.uncovered().count();
    let (light, summary) = if cov.null_mx {
        (
            light_of(&findings, Light::Grey),
            "Null MX: the domain accepts no mail".to_string(),
        )
    } else if mode == Some(Mode::None) {
        (
            Light::Grey,
            "Policy mode is none: MX hosts are not matched".to_string(),
        )
    } else if uncovered == 0 {
        (
            Light::Green,
            format!(
                "All {} MX host{} covered",
                cov.hosts.len(),
                if cov.hosts.len() == 1 { " is" } else { "s are" }
            ),
        )
    } else {
        (
            light_of(&findings, Light::Green),
            format!(
                "{uncovered} of {} MX hosts not covered by the policy",
                cov.hosts.len()
            ),
        )
    };
    (section(id, light, summary, findings), Some(cov))
}

/// Findings for one probe.
fn probe_findings(p: &MxProbe, now: Option<i64>) -> Vec<Finding> {
    let host = p.host.as_str();
    let one = |code: Code, msg: String| vec![Finding::new(code, msg).about(host.to_string())];
    match &p.outcome {
        ProbeOutcome::Dns(r) => one(
            Code::MxTlsDns,
            format!("{host} does not resolve ({})", dns_word(r)),
        ),
        ProbeOutcome::Refused(why) => one(Code::MxTlsRefused, format!("{host}: {why}")),
        ProbeOutcome::ConnectFailed(why) => one(
            Code::MxTlsUnreachable,
            format!("could not connect to {host} on port 25 ({why})"),
        ),
        ProbeOutcome::Timeout => one(
            Code::MxTlsUnreachable,
            format!("{host} did not answer on port 25 in time"),
        ),
        ProbeOutcome::Protocol(why) => one(Code::MxTlsProtocol, format!("{host}: {why}")),
        ProbeOutcome::Completed => {
            if p.starttls == Some(false) {
                return one(
                    Code::MxTlsNoStarttls,
                    format!("{host} does not offer STARTTLS: with an enforced policy, senders will not deliver to it"),
                );
            }
            tls::evaluate(
                host,
                p.tls_error.as_ref(),
                p.tls_version.as_deref(),
                p.certificate.as_ref(),
                now,
                &MX_CERT,
            )
        }
    }
}

/// MX hosts in the DNS answer that have no probe result (the prober caps how many it tries).
fn unprobed(inputs: &Inputs) -> Vec<String> {
    let (Some(probes), Some(Ok(records))) = (inputs.mx_tls.done(), mx_records(inputs)) else {
        return Vec::new();
    };
    let probed: Vec<String> = probes
        .iter()
        .map(|p| crate::hostname::canonical(&p.host))
        .collect();
    let mut missing: Vec<String> = records
        .iter()
        .filter(|r| !r.is_null())
        .map(|r| crate::hostname::canonical(&r.exchange))
        .filter(|h| !probed.contains(h))
        .collect();
    missing.dedup();
    missing
}

fn mx_tls_section(inputs: &Inputs, mode: Option<Mode>) -> Section {
    let id = SectionId::MxTls;
    let probes = match &inputs.mx_tls {
        Lookup::Pending => return pending(id),
        Lookup::NotTested(why) => {
            return section(id, Light::Grey, format!("Not tested: {why}"), vec![])
        }
        Lookup::Done(p) => p,
    };
    if probes.is_empty() {
        return section(id, Light::Grey, "No MX hosts to probe", vec![]);
    }
    let mut findings = Vec::new();
    let mut failing = 0;
    for p in probes {
        let f = probe_findings(p, inputs.now);
        if !f.no_errors() {
            failing += 1;
        }
        findings.extend(f);
    }
    let missing = unprobed(inputs);
    if !missing.is_empty() {
        findings.push(Finding::new(
            Code::MxTlsNotProbed,
            format!(
                "{} MX host{} not probed: {}",
                missing.len(),
                if missing.len() == 1 { " was" } else { "s were" },
                missing.join(", ")
            ),
        ));
    }
    let mut light = light_of(&findings, Light::Green);
    if light == Light::Red && mode != Some(Mode::Enforce) {
        // Not enforced: mail still flows (without TLS protection).
        light = Light::Amber;
    }
    let summary = if failing == 0 && !missing.is_empty() {
        format!(
            "{} MX hosts pass; {} not probed",
            probes.len(),
            missing.len()
        )
    } else if failing == 0 {
        format!(
            "All {} MX host{} offer valid STARTTLS",
            probes.len(),
            if probes.len() == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{failing} of {} MX hosts fail STARTTLS checks",
            probes.len()
        )
    };
    section(id, light, summary, findings)
}

fn tlsrpt_section(inputs: &Inputs) -> (Section, Option<crate::tlsrpt::TlsrptRecord>) {
    let id = SectionId::Tlsrpt;
    let name = format!("_smtp._tls.{}", inputs.domain);
    let answer = match &inputs.tlsrpt_txt {
        Lookup::Pending => return (pending(id), None),
        Lookup::NotTested(why) => {
            return (
                section(id, Light::Grey, format!("Not tested: {why}"), vec![]),
                None,
            )
        }
        Lookup::Done(a) => a,
    };
    if let Some((light, f)) = dns_failure(answer, &name) {
        let summary = f.message.clone();
        return (section(id, light, summary, vec![f]), None);
    }
    let records = match &answer.result {
        DnsResult::Records(r) => r.as_slice(),
        _ => &[],
    };
    let lint = tlsrpt::lint(records);
    if lint.candidates == 0
        && lint
            .findings
            .iter()
            .all(|f| matches!(f.code, Code::TlsrptNone | Code::TlsrptDiscarded))
    {
        let f = Finding::new(
            Code::TlsrptAbsent,
            format!("no TLS-RPT record at {name}: you will not hear about senders that fail to deliver over TLS; add one before enforcing"),
        );
        return (
            section(
                id,
                Light::Amber,
                "No TLS-RPT record: failures go unreported",
                vec![f],
            ),
            None,
        );
    }
    let light = light_of(&lint.findings, Light::Green);
    let summary = match &lint.record {
        Some(r) if lint.valid => format!("Reports go to {}", r.rua.join(", ")),
        _ => "Invalid: senders send no reports".into(),
    };
    (section(id, light, summary, lint.findings), lint.record)
}

fn readiness(
    inputs: &Inputs,
    sts: Sts,
    lint: Option<&PolicyLint>,
    coverage: Option<&Coverage>,
    sections: &[Section],
    not_deployed: bool,
) -> EnforceVerdict {
    let mode = lint.and_then(|l| l.policy.mode);
    let mut blockers = Vec::new();
    match sts {
        Sts::Absent => blockers.push("there is no _mta-sts TXT record".to_string()),
        Sts::Present { valid: false } => {
            blockers.push("the _mta-sts TXT record is invalid".to_string())
        }
        Sts::Broken => blockers.push("the _mta-sts TXT lookup fails (SERVFAIL)".to_string()),
        _ => {}
    }
    if let Some(fetch) = sections.iter().find(|s| s.id == SectionId::PolicyFetch) {
        if let Some(f) = fetch
            .findings
            .iter()
            .find(|f| f.severity() == Severity::Error && f.code != Code::StsOrphanTxt)
        {
            blockers.push(format!("the policy cannot be used: {}", f.message));
        }
    }
    if lint.is_some_and(|l| !l.valid) {
        blockers.push("the policy file is invalid".to_string());
    }

    let mut failing: Vec<MxFailure> = Vec::new();
    let mut add = |host: &str, reason: String| match failing.iter_mut().find(|f| f.host == host) {
        Some(f) => {
            if !f.reasons.contains(&reason) {
                f.reasons.push(reason)
            }
        }
        None => failing.push(MxFailure {
            host: host.to_string(),
            reasons: vec![reason],
        }),
    };
    if let Some(cov) = coverage {
        for h in cov.uncovered() {
            add(
                &h.host,
                "not covered by any mx pattern of the policy".to_string(),
            );
        }
    }
    // The MX TLS section already judged every probe; each of its findings names its host.
    let mx_tls = sections.iter().find(|s| s.id == SectionId::MxTls);
    for f in mx_tls.map_or(&[][..], |s| s.findings.as_slice()) {
        if let (Severity::Error, Some(host)) = (f.severity(), &f.subject) {
            add(host, f.code.info().title.to_string());
        }
    }

    let pending = [
        inputs.sts_txt.is_pending(),
        inputs.policy.is_pending(),
        inputs.mx.is_pending(),
        inputs.mx_tls.is_pending(),
    ]
    .contains(&true);
    let untested = matches!(inputs.mx_tls, Lookup::NotTested(_))
        || matches!(inputs.mx, Lookup::NotTested(_))
        || sts == Sts::Unknown
        || mx_tls.is_some_and(|s| s.findings.has(Code::MxTlsNotProbed));
    let list = |failing: &[MxFailure]| {
        failing
            .iter()
            .map(|f| format!("{} ({})", f.host, f.reasons.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (readiness, message) = if not_deployed {
        (
            Readiness::NotDeployed,
            "MTA-STS is not deployed: publish a policy in testing mode first".to_string(),
        )
    } else if mode == Some(Mode::Enforce) && blockers.is_empty() && !failing.is_empty() {
        (
            Readiness::EnforcedFailing,
            format!(
                "Enforced, but senders will not deliver to: {}",
                list(&failing)
            ),
        )
    } else if !blockers.is_empty() || !failing.is_empty() {
        let mut parts = blockers.clone();
        if !failing.is_empty() {
            parts.push(format!("these MX hosts would fail: {}", list(&failing)));
        }
        (
            Readiness::NotReady,
            format!("Not ready to enforce: {}", parts.join("; ")),
        )
    } else if pending {
        (Readiness::Unknown, "Still checking…".to_string())
    } else if untested || coverage.is_none() {
        (
            Readiness::Unknown,
            "Cannot tell: not every check could run".to_string(),
        )
    } else if mode == Some(Mode::Enforce) {
        (
            Readiness::Enforced,
            "Enforced, and every MX host passes".to_string(),
        )
    } else {
        (
            Readiness::Ready,
            "Ready to enforce: every MX host is covered by the policy and presents a valid certificate over STARTTLS".to_string(),
        )
    };
    EnforceVerdict {
        readiness,
        message,
        failing_mx: failing,
        blockers,
    }
}

fn overall(
    sections: &[Section],
    mode: Option<Mode>,
    not_deployed: bool,
    enforce: &EnforceVerdict,
) -> (Light, String) {
    if sections.iter().any(|s| s.light == Light::Pending) {
        return (Light::Pending, "Checking…".to_string());
    }
    if not_deployed {
        return (Light::Grey, "MTA-STS is not deployed".to_string());
    }
    let worst = sections
        .iter()
        .map(|s| s.light)
        .filter(|l| *l != Light::Grey)
        .max()
        .unwrap_or(Light::Grey);
    let first_red = sections.iter().find(|s| s.light == Light::Red);
    match (worst, mode) {
        (Light::Red, _) => {
            let what = first_red
                .map(|s| format!("{}: {}", s.title, s.summary))
                .unwrap_or_default();
            let bounce = matches!(enforce.readiness, Readiness::EnforcedFailing);
            (
                Light::Red,
                if bounce {
                    format!("Broken: mail may bounce ({what})")
                } else {
                    format!("Broken: {what}")
                },
            )
        }
        (_, Some(Mode::None)) => (Light::Grey, "Policy withdrawn (mode: none)".to_string()),
        (_, Some(Mode::Testing)) => (
            Light::Amber,
            match enforce.readiness {
                Readiness::Ready => "Testing mode: safe to enforce".to_string(),
                Readiness::NotReady => "Testing mode: not yet safe to enforce".to_string(),
                _ => "Testing mode".to_string(),
            },
        ),
        (Light::Amber, _) => (Light::Amber, "Enforced, with warnings".to_string()),
        (Light::Green, _) if enforce.readiness == Readiness::Unknown => (
            Light::Green,
            "Enforced; not every check could run".to_string(),
        ),
        (Light::Green, _) => (Light::Green, "Enforced and healthy".to_string()),
        _ => (Light::Grey, "Nothing could be tested".to_string()),
    }
}
