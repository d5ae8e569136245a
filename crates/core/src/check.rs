//! Inputs → report: the verdict of a live check.
//!
//! Every section is computed from the facts it needs and nothing else, so the report can be
//! drawn progressively: a section whose facts are pending is `Pending`, the others are final.
//! Each section sets its own state (green, grey for "does not apply", untested) and its
//! findings; the light rules in [`crate::verdict`] turn those into the lights shown, and
//! [`crate::readiness`] answers "ready to enforce?".

use std::borrow::Cow;

use crate::catalog::Code;
use crate::content_encoding::{self, Body};
use crate::divergence;
use crate::finding::{Finding, Severity};
use crate::inputs::{
    DnsAnswer, DnsResult, FetchOutcome, Inputs, Lookup, MxProbe, PolicyFetch, ProbeOutcome,
};
use crate::lenient::LenientPolicy;
use crate::mx::{self, Coverage, MxRecord};
use crate::policy::{self, Mode, PolicyLint};
use crate::readiness::{self, Facts};
use crate::record::{self, StsRecord};
use crate::report::{Light, Report, Section, SectionId};
use crate::tls::{self, CertCodes};
use crate::tlsrpt;
use crate::verdict::{self, Deployment};

const POLICY_CERT: CertCodes = CertCodes {
    expired: Code::FetchCertExpired,
    not_yet_valid: Code::FetchCertNotYetValid,
    name_mismatch: Code::FetchCertName,
    untrusted: Code::FetchCertUntrusted,
    old_version: Code::FetchTlsVersion,
    handshake: Code::FetchTlsHandshake,
    cbc_only: Code::FetchTlsCbcOnly,
    expiring: Code::FetchCertExpiring,
};

const MX_CERT: CertCodes = CertCodes {
    expired: Code::MxTlsCertExpired,
    not_yet_valid: Code::MxTlsCertNotYetValid,
    name_mismatch: Code::MxTlsCertName,
    untrusted: Code::MxTlsCertUntrusted,
    old_version: Code::MxTlsVersion,
    handshake: Code::MxTlsHandshake,
    cbc_only: Code::MxTlsCbcOnly,
    expiring: Code::MxTlsCertExpiring,
};

/// What the `_mta-sts` lookup established.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sts {
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

/// What the MX lookup says about the domain as a mail domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MailDomain {
    /// Not known yet or not checked.
    Unknown,
    /// NXDOMAIN: the domain does not exist.
    Missing,
    /// Only a null MX (RFC 7505): accepts no mail.
    NoMail,
    Receives,
}

fn mail_domain(inputs: &Inputs) -> MailDomain {
    match inputs.mx.done().map(|a| &a.result) {
        Some(DnsResult::NxDomain) => MailDomain::Missing,
        Some(DnsResult::Records(r)) if !r.is_empty() && r.iter().all(MxRecord::is_null) => {
            MailDomain::NoMail
        }
        Some(DnsResult::Records(_) | DnsResult::NoRecords) => MailDomain::Receives,
        _ => MailDomain::Unknown,
    }
}

/// Runs the whole check on whatever facts are known.
pub fn check(inputs: &Inputs) -> Report {
    let domain = inputs.domain.as_str();
    let mail = mail_domain(inputs);
    let (mut sts_sec, sts, sts_record, dnssec) = sts_section(inputs);
    let (mut fetch_sec, body) = fetch_section(inputs, sts, mail);
    // Policy drift: the policy's hash beside the id, so "the policy changed but the id did
    // not" shows at a glance and compares across runs and machines.
    let policy_sha256 = body.as_deref().map(sha256_hex);
    if let (Some(h), Sts::Present { valid: true }) = (&policy_sha256, sts) {
        sts_sec.summary = format!("{} · policy sha256 {}", sts_sec.summary, &h[..12]);
    }
    let policy_lint = body.as_deref().map(policy::lint);
    let mode = policy_lint.as_ref().and_then(|l| l.policy.mode);
    // What the lenient sender applies (postfix-mta-sts-resolver with Postfix): it may enforce a
    // policy strict senders discard, and then its MX failures bounce mail.
    let lenient = divergence::reading(inputs, body.as_deref());
    let lenient_enforced = divergence::enforced(lenient.as_ref());
    let deployed_policy = policy_lint
        .as_ref()
        .is_some_and(|l| l.valid && mode != Some(Mode::None));

    // Orphans (DESIGN: red): a TXT record that announces a policy nobody can fetch, and a
    // policy that no TXT record announces.
    if let Sts::Present { .. } = sts {
        if policy_lint.is_none() && inputs.policy.done().is_some() {
            fetch_sec.findings.push(Finding::new(
                Code::StsOrphanTxt,
                "the _mta-sts TXT record announces a policy, but the policy cannot be fetched: senders fall back to no MTA-STS (or keep using a stale cached policy)",
            ));
            fetch_sec.light = verdict::section_light(fetch_sec.light, &fetch_sec.findings);
        }
    }
    if sts == Sts::Absent && deployed_policy {
        sts_sec.findings.push(Finding::new(
            Code::PolicyOrphan,
            format!("a valid policy is published at mta-sts.{domain}, but there is no _mta-sts TXT record: new senders never find it, and senders that cached it keep applying it without ever re-checking"),
        ));
        sts_sec.light = verdict::section_light(sts_sec.light, &sts_sec.findings);
        sts_sec.summary = "Missing: the policy is published but not announced".into();
    }

    let fetched_nothing = inputs.policy.done().is_some() && policy_lint.is_none();
    let state = match (mail, sts) {
        (MailDomain::Missing, _) => Deployment::NoSuchDomain,
        (MailDomain::NoMail, _) => Deployment::NoMail,
        (_, Sts::Absent) if fetched_nothing => Deployment::NotDeployed,
        _ if policy_lint.is_some() || matches!(sts, Sts::Present { .. } | Sts::Broken) => {
            Deployment::Deployed {
                applied: applied_mode(inputs, policy_lint.as_ref()),
                lenient_enforced,
            }
        }
        _ => Deployment::Unknown,
    };

    let mut policy_sec = policy_section(inputs, policy_lint.as_ref());
    // Strict senders apply the policy only from a valid record and a fetch without errors (a
    // slow fetch is an error for the sender that gives up, not for those that wait).
    let fetch_usable = !fetch_sec
        .findings
        .iter()
        .any(|f| f.severity() == Severity::Error && f.code != Code::FetchSlow);
    if let Some(f) = divergence::policy_finding(
        sts_record
            .as_ref()
            .filter(|_| sts == Sts::Present { valid: true } && fetch_usable),
        policy_lint.as_ref(),
        lenient.as_ref(),
    ) {
        policy_sec.findings.push(f);
        policy_sec.light = verdict::section_light(policy_sec.light, &policy_sec.findings);
    }
    let (cov_sec, coverage) = coverage_section(inputs, policy_lint.as_ref(), lenient.as_ref());
    let mx_tls_sec = mx_tls_section(inputs, mode);
    let dane_sec = crate::dane::section(inputs);
    let (tlsrpt_sec, tlsrpt_record) = tlsrpt_section(inputs, mail, mode);

    let mut sections = vec![
        sts_sec, fetch_sec, policy_sec, cov_sec, mx_tls_sec, dane_sec, tlsrpt_sec,
    ];
    for s in &mut sections {
        s.counts_as = verdict::counts_as(s.id, s.light, state);
    }
    let overall = verdict::overall_light(&sections, state);
    let complete = verdict::complete(&sections);
    let enforce = readiness::readiness(&Facts {
        inputs,
        sts,
        lint: policy_lint.as_ref(),
        coverage: coverage.as_ref(),
        sections: &sections,
        state,
        lenient: lenient.as_ref().and_then(|r| r.as_ref().ok()),
    });
    let verdict = readiness::sentence(overall, state, &sections, &enforce);
    let mx = crate::mx_hosts::rows(inputs, coverage.as_ref(), &sections);

    Report {
        domain: domain.to_string(),
        overall,
        complete,
        verdict,
        enforce,
        sections,
        sts_record,
        policy: policy_lint.map(|l| l.policy),
        policy_sha256,
        lenient: lenient.and_then(Result::ok),
        tlsrpt_record,
        coverage,
        mx,
        dnssec,
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The mode senders apply: unknown while the policy is pending or untested, none when there
/// is no usable policy (not fetched, or invalid), else the policy's mode.
fn applied_mode(inputs: &Inputs, lint: Option<&PolicyLint>) -> Option<Option<Mode>> {
    match (&inputs.policy, lint) {
        (Lookup::Done(_), Some(l)) if l.valid => Some(l.policy.mode),
        (Lookup::Done(_), _) => Some(None),
        _ => None,
    }
}

/// A section from its own state (`base`) and findings; the light follows rule 1 of
/// [`crate::verdict`]. `counts_as` is set once the domain's state is known.
pub(crate) fn section(
    id: SectionId,
    base: Light,
    summary: impl Into<String>,
    findings: Vec<Finding>,
) -> Section {
    Section {
        id,
        title: id.title(),
        light: verdict::section_light(base, &findings),
        counts_as: None,
        summary: summary.into(),
        findings,
    }
}

pub(crate) fn pending(id: SectionId) -> Section {
    section(id, Light::Pending, "Checking…", Vec::new())
}

pub(crate) fn not_tested(id: SectionId, why: &str) -> Section {
    section(id, Light::Untested, format!("Not tested: {why}"), vec![])
}

/// A DNS failure as the section's state and a finding; `None` for answers (records, NODATA,
/// NXDOMAIN). Only SERVFAIL is the domain's fault (senders see it too); the others mean this
/// part was not tested.
fn dns_failure<T>(answer: &DnsAnswer<T>, name: &str) -> Option<(Light, Finding)> {
    match &answer.result {
        DnsResult::ServFail => Some((
            Light::Red,
            Finding::new(
                Code::DnsServfail,
                format!("the lookup of {name} failed with SERVFAIL: the domain's DNS is broken (bad delegation or DNSSEC failure), and senders whose resolvers validate DNSSEC see the same"),
            ),
        )),
        DnsResult::Timeout => Some((
            Light::Untested,
            Finding::new(Code::DnsTimeout, format!("the lookup of {name} timed out, so it was not tested")),
        )),
        DnsResult::Unreachable(why) => Some((
            Light::Untested,
            Finding::new(
                Code::DnsUnreachable,
                format!("the resolver could not be reached ({why}); {name} was not tested"),
            ),
        )),
        DnsResult::Error(why) => Some((
            Light::Untested,
            Finding::new(Code::DnsError, format!("the lookup of {name} failed ({why}), so it was not tested")),
        )),
        _ => None,
    }
}

/// The summary of a failed DNS lookup: "Not tested: …" unless the domain's DNS is at fault,
/// then what failed in a few words (the finding itself says it in full, once).
fn dns_summary(light: Light, f: &Finding) -> String {
    if light == Light::Untested {
        format!("Not tested: {}", f.message)
    } else {
        f.code.info().title.to_string()
    }
}

fn sts_section(inputs: &Inputs) -> (Section, Sts, Option<StsRecord>, Option<bool>) {
    let id = SectionId::StsRecord;
    let name = format!("_mta-sts.{}", inputs.domain);
    let answer = match &inputs.sts_txt {
        Lookup::Pending => return (pending(id), Sts::Pending, None, None),
        Lookup::NotTested(why) => return (not_tested(id, why), Sts::Unknown, None, None),
        Lookup::Done(a) => a,
    };
    let dnssec = answer.authenticated;
    if let Some((light, f)) = dns_failure(answer, &name) {
        let summary = dns_summary(light, &f);
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
    let summary = match (&lint.record, lint.valid) {
        (Some(r), true) => format!("Valid, id={}", r.id),
        _ => "Invalid: senders ignore MTA-STS for this domain".to_string(),
    };
    (
        section(id, Light::Green, summary, findings),
        Sts::Present { valid: lint.valid },
        lint.record,
        dnssec,
    )
}

/// The fetch section, and the body when the fetch returned 200.
fn fetch_section(
    inputs: &Inputs,
    sts: Sts,
    mail: MailDomain,
) -> (Section, Option<std::borrow::Cow<'_, [u8]>>) {
    let id = SectionId::PolicyFetch;
    let host = format!("mta-sts.{}", inputs.domain);
    let fetch = match &inputs.policy {
        Lookup::Pending => return (pending(id), None),
        Lookup::NotTested(why) => return (not_tested(id, why), None),
        Lookup::Done(f) => f,
    };
    let mut findings = fetch_findings(fetch, &host, inputs.now);
    // The body as senders read it: an unrequested gzip or deflate coding undone, and reported.
    let body = match content_encoding::policy_body(fetch) {
        None => None,
        Some(Body::AsSent(b)) => Some(Cow::Borrowed(b)),
        Some(Body::Decoded { bytes, coding, cut }) => {
            findings.push(Finding::new(
                Code::FetchContentEncoding,
                format!("the policy was sent with Content-Encoding: {coding} although none was asked for; it was decoded, as postfix-mta-sts-resolver does (its HTTP client asks for gzip itself), but a sender whose client does not decode it finds no policy"),
            ));
            if cut {
                findings.push(Finding::new(
                    Code::PolicyTooLarge,
                    format!("the decoded policy is larger than {} bytes (64 KiB); RFC 8461 §3.3 suggests senders treat that as a failed fetch, as postfix-mta-sts-resolver does", policy::MAX_POLICY_SIZE),
                ));
            }
            Some(Cow::Owned(bytes))
        }
        Some(Body::Unreadable(why)) => {
            findings.push(Finding::new(
                Code::FetchContentEncodingUnreadable,
                format!("the policy cannot be read: {why}"),
            ));
            None
        }
    };
    if sts == Sts::Absent && body.is_none() {
        if let Some(why) = match mail {
            MailDomain::Missing => Some("the domain does not exist"),
            MailDomain::NoMail => Some("the domain accepts no mail"),
            _ => None,
        } {
            // No advice to deploy what cannot apply.
            return (
                section(
                    id,
                    Light::Grey,
                    format!("No policy; none is needed ({why})"),
                    vec![],
                ),
                None,
            );
        }
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
    // A pass-through proxy hides the certificate and redirects: that part is not tested.
    let base = if fetch.limited.is_some() {
        Light::Untested
    } else {
        Light::Green
    };
    if let Some(why) = &fetch.limited {
        findings.push(Finding::new(
            Code::FetchLimited,
            format!("fetched through a plain proxy: the certificate and redirects were not checked ({why})"),
        ));
    }
    // RFC 8461 fixes no timeout; the strictest widely used sender decides: Debian's
    // postfix-mta-sts-resolver waits 4 s for the whole fetch (its default `timeout`).
    if let (Some(ms), true) = (fetch.elapsed_ms, body.is_some()) {
        if ms > SLOWEST_FETCH_MS {
            findings.push(Finding::new(
                Code::FetchSlow,
                format!(
                    "{host} took {}.{} s to deliver the policy; postfix-mta-sts-resolver gives up after 4 s",
                    ms / 1000,
                    ms % 1000 / 100
                ),
            ));
        }
    }
    let has_error = findings.iter().any(|f| f.severity() == Severity::Error);
    let only_slow = has_error
        && findings
            .iter()
            .filter(|f| f.severity() == Severity::Error)
            .all(|f| f.code == Code::FetchSlow);
    let summary = match (body.is_some(), has_error, fetch.limited.is_some()) {
        (true, true, _) if only_slow => "Fetched, but slower than some senders wait".to_string(),
        (true, false, true) => {
            "Not tested: fetched through a plain proxy, so the certificate and redirects were not checked".to_string()
        }
        (true, false, false) => format!("Fetched from https://{host}/.well-known/mta-sts.txt"),
        (true, true, _) => "Fetched, but senders will refuse it".to_string(),
        (false, _, _) => "Senders cannot fetch the policy".to_string(),
    };
    (section(id, base, summary, findings), body)
}

/// The longest whole policy fetch the strictest widely used sender waits for: Debian's
/// postfix-mta-sts-resolver's default `timeout` of 4 s.
pub const SLOWEST_FETCH_MS: u64 = 4000;

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
        FetchOutcome::Timeout => out.push(Finding::new(Code::FetchTimeout, format!("{host} did not answer within the checker's time limit"))),
        FetchOutcome::Protocol(why) => out.push(Finding::new(
            Code::FetchProtocol,
            format!("{host} did not answer with HTTP ({why})"),
        )),
        FetchOutcome::Tls(e) => out.extend(tls::evaluate(
            host,
            host,
            Some(e),
            tls::Negotiated::of_fetch(fetch),
            fetch.certificate.as_ref(),
            now,
            &POLICY_CERT,
        )),
        FetchOutcome::Response => {
            out.extend(tls::evaluate(host, host, None, tls::Negotiated::of_fetch(fetch), fetch.certificate.as_ref(), now, &POLICY_CERT));
            match fetch.status {
                Some(200) => {
                    check_content_type(fetch.content_type.as_deref(), &mut out);
                    if fetch.truncated {
                        out.push(Finding::new(
                            Code::PolicyTooLarge,
                            format!("the policy is larger than {} bytes (64 KiB); RFC 8461 §3.3 suggests senders treat that as a failed fetch, as postfix-mta-sts-resolver does", policy::MAX_POLICY_SIZE),
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
            Lookup::NotTested(why) => not_tested(id, why),
            Lookup::Done(_) => section(id, Light::Grey, "No policy to check", vec![]),
        };
    };
    let p = &l.policy;
    // Testing mode works but is weak; a withdrawn policy does not apply.
    let base = match p.mode {
        Some(Mode::None) => Light::Grey,
        Some(Mode::Testing) => Light::Amber,
        _ => Light::Green,
    };
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
    // An invalid policy always carries an error finding, so its light is red by rule 1.
    section(id, base, summary, l.findings.clone())
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
                format!("{} does not exist in DNS", inputs.domain),
            ),
        )),
        _ => Err(dns_failure(answer, &inputs.domain).unwrap_or((
            Light::Untested,
            Finding::new(Code::DnsError, "the MX lookup failed, so it was not tested"),
        ))),
    })
}

fn coverage_section(
    inputs: &Inputs,
    lint: Option<&PolicyLint>,
    lenient: Option<&Result<LenientPolicy, String>>,
) -> (Section, Option<Coverage>) {
    let id = SectionId::MxCoverage;
    let records = match (&inputs.mx, mx_records(inputs)) {
        (Lookup::NotTested(why), _) => return (not_tested(id, why), None),
        (Lookup::Pending, _) | (_, None) => return (pending(id), None),
        (_, Some(Err((light, f)))) => {
            let summary = dns_summary(light, &f);
            return (section(id, light, summary, vec![f]), None);
        }
        (_, Some(Ok(r))) => r,
    };
    let Some(l) = lint else {
        match &inputs.policy {
            Lookup::Pending => return (pending(id), None),
            Lookup::NotTested(why) => {
                return (
                    not_tested(id, &format!("the policy was not fetched ({why})")),
                    None,
                )
            }
            Lookup::Done(_) => {}
        }
        // No policy, but the MX set still says something (null MX, no MX at all).
        let (cov, findings) = mx::coverage(&inputs.domain, records, &[], None);
        let summary = if cov.null_mx {
            "Null MX: the domain accepts no mail"
        } else {
            "No policy to match the MX hosts against"
        };
        return (section(id, Light::Grey, summary, findings), None);
    };
    let mode = l.policy.mode;
    let (cov, mut findings) = mx::coverage(&inputs.domain, records, &l.policy.patterns, mode);
    let uncovered = cov.uncovered().count();
    let bounced = divergence::uncovered(&cov, lenient, mode == Some(Mode::Enforce));
    let lenient_misses = bounced.len();
    findings.extend(bounced);
    let (base, summary) = if lenient_misses > 0 {
        (
            Light::Red,
            format!(
                "{lenient_misses} of {} MX host{} not matched as postfix-mta-sts-resolver reads the policy: Postfix senders will not deliver to {}",
                cov.hosts.len(),
                if cov.hosts.len() == 1 { "" } else { "s" },
                if lenient_misses == 1 { "it" } else { "them" }
            ),
        )
    } else if cov.null_mx {
        (
            Light::Grey,
            "Null MX: the domain accepts no mail".to_string(),
        )
    } else if l.valid && mode == Some(Mode::None) {
        (
            Light::Grey,
            "Policy withdrawn (mode: none): MX hosts are not matched".to_string(),
        )
    } else if !l.valid && uncovered == 0 {
        // Senders discard an invalid policy: nothing is covered now, whatever its patterns say.
        (
            Light::Grey,
            format!(
                "The policy is invalid, so senders apply none; once it is fixed, its patterns cover all {} MX host{}",
                cov.hosts.len(),
                if cov.hosts.len() == 1 { "" } else { "s" }
            ),
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
        // Never green with an uncovered host, whatever the mode (an invalid policy may have
        // no usable mode or mx lines at all).
        (
            Light::Amber,
            format!(
                "{uncovered} of {} MX hosts not covered by the policy",
                cov.hosts.len()
            ),
        )
    };
    (section(id, base, summary, findings), Some(cov))
}

/// The message of every "cannot confirm" finding: "cannot confirm HOST: WHY". Readiness lists
/// the WHY under the host ([`unconfirmed_reason`]).
pub(crate) fn cannot_confirm(host: &str, why: impl std::fmt::Display) -> String {
    format!("cannot confirm {host}: {why}")
}

/// The WHY of a [`cannot_confirm`] message (the whole message if it is not one).
pub(crate) fn unconfirmed_reason<'a>(host: &str, message: &'a str) -> &'a str {
    message
        .strip_prefix("cannot confirm ")
        .and_then(|m| m.strip_prefix(host))
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
}

/// Findings for one probe. Outcomes that prove nothing either way (no connection, no
/// greeting, closed early) are "cannot confirm" codes: never a pass, never a proven failure.
fn probe_findings(p: &MxProbe, now: Option<i64>) -> Vec<Finding> {
    // Messages name the address when the host has several; the subject stays the host, so
    // "ready to enforce?" lists hosts.
    let label = match p.address {
        Some(ip) => format!("{} [{ip}]", p.host),
        None => p.host.clone(),
    };
    let host = label.as_str();
    let one = |code: Code, msg: String| vec![Finding::new(code, msg).about(p.host.clone())];
    match &p.outcome {
        ProbeOutcome::Dns(r) => one(
            Code::MxTlsDns,
            cannot_confirm(
                host,
                format!(
                    "it has no address ({}), so no sender reaches it, with MTA-STS or without",
                    dns_word(r)
                ),
            ),
        ),
        ProbeOutcome::Refused(why) => one(Code::MxTlsRefused, format!("{host}: {why}")),
        ProbeOutcome::ConnectFailed(why) => one(
            Code::MxTlsUnreachable,
            cannot_confirm(host, format!("the connection to port 25 failed ({why})")),
        ),
        ProbeOutcome::Timeout if p.banner.is_some() => one(
            Code::MxTlsClosed,
            cannot_confirm(
                host,
                "it greeted, then stopped answering before STARTTLS completed",
            ),
        ),
        ProbeOutcome::Timeout => one(
            Code::MxTlsUnreachable,
            cannot_confirm(host, "no connection to port 25 before the time limit"),
        ),
        ProbeOutcome::NoGreeting => one(
            Code::MxTlsNoGreeting,
            cannot_confirm(
                host,
                "it accepted the connection on port 25 but sent no greeting before the time limit",
            ),
        ),
        ProbeOutcome::Closed(why) => one(
            Code::MxTlsClosed,
            cannot_confirm(host, format!("it closed the connection {why}")),
        ),
        ProbeOutcome::Protocol(why) => one(Code::MxTlsProtocol, format!("{host}: {why}")),
        ProbeOutcome::NotProbed(why) => one(
            Code::MxTlsNotProbed,
            cannot_confirm(host, format!("it was not probed ({why})")),
        ),
        ProbeOutcome::Completed => {
            if p.starttls == Some(false) {
                return one(
                    Code::MxTlsNoStarttls,
                    format!("{host} does not offer STARTTLS"),
                );
            }
            tls::evaluate(
                &p.host,
                host,
                p.tls_error.as_ref(),
                tls::Negotiated::of_probe(p),
                p.certificate.as_ref(),
                now,
                &MX_CERT,
            )
        }
    }
}

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
        Lookup::NotTested(why) => return not_tested(id, why),
        Lookup::Done(p) => p,
    };
    if probes.is_empty() {
        return section(id, Light::Grey, "No MX hosts to probe", vec![]);
    }
    // One probe per address; a host is as good as its worst address (a sender may connect to
    // any of them).
    let mut hosts: Vec<&str> = Vec::new();
    for p in probes {
        if !hosts.contains(&p.host.as_str()) {
            hosts.push(&p.host);
        }
    }
    let mut findings = Vec::new();
    let (mut failing, mut unconfirmed, mut failing_addresses) = (0, 0, 0);
    for host in &hosts {
        let per_address: Vec<Vec<Finding>> = probes
            .iter()
            .filter(|p| p.host == *host)
            .map(|p| probe_findings(p, inputs.now))
            .collect();
        failing_addresses += per_address
            .iter()
            .filter(|f| f.iter().any(|f| f.severity() == Severity::Error))
            .count();
        let f: Vec<Finding> = per_address.into_iter().flatten().collect();
        if f.iter().any(|f| f.severity() == Severity::Error) {
            failing += 1;
        } else if f.iter().any(|f| f.code.unconfirmed()) {
            unconfirmed += 1;
        }
        findings.extend(f);
    }
    let addresses = probes.iter().filter(|p| p.address.is_some()).count();
    let missing = unprobed(inputs);
    for host in &missing {
        findings.push(
            Finding::new(
                Code::MxTlsNotProbed,
                cannot_confirm(
                    host,
                    "it was not probed (the checker probes at most 10 MX hosts)",
                ),
            )
            .about(host.clone()),
        );
    }
    let total = hosts.len() + missing.len();
    let passing = hosts.len() - failing - unconfirmed;
    let s = |n: usize| if n == 1 { "" } else { "s" };
    let at = if addresses > hosts.len() && failing > 0 {
        format!(" ({failing_addresses} of {addresses} addresses)")
    } else if addresses > hosts.len() {
        format!(" (at {addresses} addresses)")
    } else {
        String::new()
    };
    let summary = if failing > 0 && mode == Some(Mode::Testing) {
        format!(
            "{failing} of {total} MX host{} fail STARTTLS checks: enforcing now would stop delivery to {}",
            s(total),
            if failing == 1 { "it" } else { "them" }
        )
    } else if failing > 0 {
        format!(
            "{failing} of {total} MX host{} fail STARTTLS checks",
            s(total)
        )
    } else if unconfirmed + missing.len() > 0 {
        format!(
            "{passing} of {total} MX host{} pass; {} could not be confirmed",
            s(total),
            unconfirmed + missing.len()
        )
    } else {
        // A warning (a certificate about to expire, CBC-only TLS) is named, so that the
        // summary is not good news over a weak section.
        let all = format!("All {total} MX host{} offer valid STARTTLS", s(total));
        match findings.iter().find(|f| f.severity() == Severity::Warning) {
            Some(w) => format!(
                "{all}; warning: {}{}",
                crate::readiness::lower_first(w.code.info().title),
                w.subject
                    .as_deref()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default()
            ),
            None => all,
        }
    };
    section(id, Light::Green, format!("{summary}{at}"), findings)
}

fn tlsrpt_section(
    inputs: &Inputs,
    mail: MailDomain,
    mode: Option<Mode>,
) -> (Section, Option<crate::tlsrpt::TlsrptRecord>) {
    let id = SectionId::Tlsrpt;
    let name = format!("_smtp._tls.{}", inputs.domain);
    let answer = match &inputs.tlsrpt_txt {
        Lookup::Pending => return (pending(id), None),
        Lookup::NotTested(why) => return (not_tested(id, why), None),
        Lookup::Done(a) => a,
    };
    if let Some((light, f)) = dns_failure(answer, &name) {
        let summary = dns_summary(light, &f);
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
        // A record at the name early drafts used is a mistake senders never see.
        match (&inputs.tlsrpt_draft_txt, draft_record(inputs)) {
            (_, Some(record)) => {
                let f = Finding::new(
                    Code::TlsrptDraftName,
                    format!("a TLS-RPT record is published at _smtp-tlsrpt.{} (\"{record}\"), the name of an early draft; senders look only at {name}, so no report is sent: publish it there", inputs.domain),
                );
                return (
                    section(
                        id,
                        Light::Red,
                        "Published at the wrong name: no reports are sent",
                        vec![f],
                    ),
                    None,
                );
            }
            (Lookup::Pending, None) => return (pending(id), None),
            _ => {}
        }
        if matches!(mail, MailDomain::Missing | MailDomain::NoMail) {
            // A domain that receives no mail has no TLS sessions to report on.
            return (
                section(
                    id,
                    Light::Grey,
                    "No TLS-RPT record; none is needed (the domain receives no mail)",
                    vec![],
                ),
                None,
            );
        }
        // Before enforcing, reports are how to learn it is safe; once enforced, how to hear of
        // the mail that bounces.
        let when = if mode == Some(Mode::Enforce) {
            "add one to hear of the mail the enforced policy stops"
        } else {
            "add one before enforcing"
        };
        let f = Finding::new(
            Code::TlsrptAbsent,
            format!("no TLS-RPT record at {name}: you will not hear about senders that fail to deliver over TLS; {when}"),
        );
        // Records found there that are something else (an SPF record from a wildcard …)
        // stay named beside it.
        let mut findings = vec![f];
        findings.extend(
            lint.findings
                .into_iter()
                .filter(|f| f.code == Code::TlsrptDiscarded),
        );
        return (
            section(
                id,
                Light::Amber,
                "No TLS-RPT record: failures go unreported",
                findings,
            ),
            None,
        );
    }
    let mut findings = lint.findings;
    let mut summary = match &lint.record {
        Some(r) if lint.valid => format!("Reports go to {}", r.rua.join(", ")),
        _ => "Invalid: senders send no failure reports (mail still flows)".into(),
    };
    if lint.valid {
        match &inputs.rua {
            Lookup::Pending => return (pending(id), lint.record),
            Lookup::NotTested(why) => {
                findings.push(Finding::new(
                    Code::TlsrptRuaNotChecked,
                    format!("the report destinations were not checked ({why})"),
                ));
                summary.push_str(" (not checked whether they receive)");
            }
            Lookup::Done(checks) => {
                let before = findings.len();
                findings.extend(checks.iter().filter_map(crate::rua::finding));
                let broken = findings[before..]
                    .iter()
                    .filter(|f| f.severity() == Severity::Error)
                    .count();
                let total = checks.len();
                let quiet = findings.len() == before;
                summary = match (broken, total) {
                    (0, _) if quiet => format!("{summary} (checked: each can receive reports)"),
                    (0, _) => summary,
                    (1, 1) => "The report destination cannot receive reports".into(),
                    (b, t) if b == t => {
                        format!("None of the {t} report destinations can receive reports")
                    }
                    (b, t) => format!("{b} of {t} report destinations cannot receive reports"),
                };
            }
        }
    }
    (section(id, Light::Green, summary, findings), lint.record)
}

/// The first TLS-RPT record at `_smtp-tlsrpt.<domain>`, if any.
fn draft_record(inputs: &Inputs) -> Option<String> {
    match &inputs.tlsrpt_draft_txt.done()?.result {
        DnsResult::Records(r) => r
            .iter()
            .map(|t| t.concat())
            .find(|t| t.trim_start().starts_with("v=TLSRPTv1")),
        _ => None,
    }
}
