//! Fix-it: what to publish, built from what a check found. Keeps what is right in the
//! published deployment and corrects what is wrong, in a safe order:
//!
//! - An enforced policy whose MX hosts fail now bounces mail: the first step is the rollback
//!   (testing mode with a new id, RFC 8461 §5: senders then deliver and report), the repair
//!   comes after.
//! - The policy file is judged by the bytes served, not by what a lenient reader makes of them:
//!   a BOM, junk lines or bare CRs mean it must be replaced even when its values are right.
//! - A new `id` is needed exactly when what senders fetch changes, or the record itself is
//!   missing or invalid (RFC 8461 §3.1: senders re-fetch only when the id changes).
//! - A TLS-RPT record is always proposed when none valid is published (RFC 8460 §3).

use serde::Serialize;

use crate::finding::Severity;
use crate::generate::{self, Generated, Request};
use crate::inputs::{DnsResult, FetchOutcome, Inputs};
use crate::mx::MxRecord;
use crate::policy::{self, Mode, ENFORCE_MIN_MAX_AGE, MAX_AGE_LIMIT};
use crate::report::{Light, MxFailure, Readiness, Report, SectionId};

/// One step to take, with everything to publish for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `rollback` or `repair`.
    pub kind: &'static str,
    pub title: String,
    /// Why this step, in a sentence or two.
    pub why: String,
    /// Whether the policy file must change, and why or why not.
    pub policy_changes: bool,
    pub policy_note: String,
    /// The `_mta-sts` id this step publishes (the one in `generated`).
    pub id: String,
    /// Whether a new id must be published, and why or why not.
    pub new_id: bool,
    pub id_note: String,
    /// Whether a TLS-RPT record must be published, and why or why not.
    pub publish_tlsrpt: bool,
    pub tlsrpt_note: String,
    /// MX hosts whose own TLS must be fixed: no record can fix them.
    pub hosts_to_fix: Vec<MxFailure>,
    /// MX hosts that could not be confirmed: check them by hand before enforcing.
    pub hosts_to_check: Vec<MxFailure>,
    /// TLSA records to publish for MX hosts whose published ones match nothing they present.
    pub tlsa: Vec<TlsaFix>,
    pub generated: Generated,
}

/// A TLSA record that makes DANE senders accept what an MX host presents now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsaFix {
    pub host: String,
    /// `_25._tcp.<host>`.
    pub name: String,
    /// `3 1 1 <hex>`.
    pub data: String,
}

/// The steps, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Set when the check was incomplete: what was not checked, so the records rest on less.
    pub caution: Option<String>,
    pub steps: Vec<Step>,
}

/// What the policy file needs, compared with what is served.
enum PolicyChange {
    Same,
    Equivalent,
    Replace(String),
    /// The fetch ended without a readable answer (a timeout, a TLS or connection failure, a
    /// server error): a file may well be served, and it may be enforced.
    Unknown(String),
}

/// Why no policy bytes are at hand.
#[derive(Clone, Debug)]
enum Unread {
    /// Senders get no policy file there (404, a redirect, no host).
    Absent,
    /// The fetch ended without a readable answer: a file may well be served.
    Unreadable(String),
}

/// Line ends do not matter to senders (LF or CRLF, RFC 8461 §3.2); every other byte may.
fn normalized(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn compare(served: Result<&[u8], Unread>, want: &str, req: &Request) -> PolicyChange {
    let served = match served {
        Ok(bytes) => bytes,
        Err(Unread::Absent) => {
            return PolicyChange::Replace("no policy file is served: publish this one".into())
        }
        Err(Unread::Unreadable(why)) => return PolicyChange::Unknown(why),
    };
    if normalized(served) == normalized(want.as_bytes()) {
        return PolicyChange::Same;
    }
    let lint = policy::lint(served);
    let flaw = lint
        .findings
        .iter()
        .filter(|f| f.severity() >= Severity::Warning)
        .max_by_key(|f| f.severity());
    if let Some(f) = flaw {
        let what = f.code.info().title.to_ascii_lowercase();
        return PolicyChange::Replace(if lint.valid {
            format!(
                "the file served is accepted but flawed ({what}); publish this one, byte for byte"
            )
        } else {
            format!("the file served is invalid ({what}), so senders discard it; publish this one, byte for byte")
        });
    }
    let p = &lint.policy;
    let mut want_mx: Vec<String> = req.mx.iter().map(|m| m.to_ascii_lowercase()).collect();
    let mut have_mx: Vec<String> = p.mx.iter().map(|m| m.to_ascii_lowercase()).collect();
    crate::order::sort(&mut want_mx);
    crate::order::sort(&mut have_mx);
    let mut diffs = Vec::new();
    if p.mode != Some(req.mode) {
        diffs.push(format!("mode {}", req.mode.as_str()));
    }
    if p.max_age != req.max_age {
        diffs.push(format!("max_age {}", req.max_age.unwrap_or_default()));
    }
    if have_mx != want_mx {
        diffs.push(format!("mx {}", req.mx.join(", ")));
    }
    if diffs.is_empty() {
        PolicyChange::Equivalent
    } else {
        PolicyChange::Replace(format!("it should say {}", diffs.join("; ")))
    }
}

/// The MX list to allow: keep the published patterns that cover an MX, add the rest by name.
fn mx_list(report: &Report, records: &[MxRecord]) -> Vec<String> {
    let mut mx: Vec<String> = Vec::new();
    let mut push = |h: String| {
        if !mx.contains(&h) {
            mx.push(h)
        }
    };
    match &report.coverage {
        Some(c) => c
            .hosts
            .iter()
            .for_each(|h| push(h.pattern.clone().unwrap_or_else(|| h.host.clone()))),
        None if records.is_empty() => push(report.domain.clone()),
        None => {
            let mut sorted = records.to_vec();
            crate::order::sort_by_key(&mut sorted, |r| r.preference);
            for r in sorted {
                push(r.exchange.trim_end_matches('.').to_ascii_lowercase());
            }
        }
    }
    mx
}

/// The fix-it plan for this report, or why there is nothing to suggest yet. `now` (Unix
/// seconds) makes the fresh ids.
pub fn plan(report: &Report, inputs: &Inputs, now: u64) -> Result<Plan, &'static str> {
    let records = match inputs.mx.done().map(|a| &a.result) {
        None if inputs.mx.is_pending() => return Err("waiting for the MX records"),
        None => return Err("the MX records were not looked up"),
        Some(DnsResult::Records(r)) => r.clone(),
        Some(DnsResult::NoRecords) => Vec::new(),
        Some(DnsResult::NxDomain) => return Err("the domain does not exist in DNS"),
        Some(_) => return Err("the MX records could not be looked up"),
    };
    if records.iter().any(MxRecord::is_null) {
        return Err("the domain publishes a null MX: it accepts no mail, so it needs no policy");
    }
    let fetch = match &inputs.policy {
        crate::inputs::Lookup::Pending => return Err("waiting for the policy"),
        crate::inputs::Lookup::NotTested(_) => {
            return Err("the policy could not be fetched, so it cannot be compared; check again")
        }
        crate::inputs::Lookup::Done(f) => f,
    };
    // The body as senders read it: an unasked gzip is undone, as their HTTP clients do (the
    // coding itself is a finding of its own, fixed in the server, not in the file).
    let decoded = crate::content_encoding::policy_body(fetch);
    let decoded_bytes = decoded.as_ref().and_then(|b| b.bytes());
    let served = match (&fetch.outcome, fetch.status, decoded_bytes.as_deref()) {
        (FetchOutcome::Response, Some(200), Some(body)) => Ok(body),
        (FetchOutcome::Response, Some(s), _) if s >= 500 => {
            Err(Unread::Unreadable(format!("the server answered HTTP {s}")))
        }
        (FetchOutcome::Timeout, ..) => {
            Err(Unread::Unreadable("its host did not answer in time".into()))
        }
        (FetchOutcome::ConnectFailed(_), ..) => Err(Unread::Unreadable(
            "the connection to its host failed".into(),
        )),
        (FetchOutcome::Tls(_), ..) => Err(Unread::Unreadable("TLS with its host failed".into())),
        (FetchOutcome::Protocol(_), ..) => Err(Unread::Unreadable(
            "its host did not answer with HTTP".into(),
        )),
        _ => Err(Unread::Absent),
    };
    let mx = mx_list(report, &records);
    let current = report.policy.as_ref();
    let failing_now = report.enforce.readiness == Readiness::EnforcedFailing;
    let mode = match report.enforce.readiness {
        Readiness::Enforced | Readiness::EnforcedFailing | Readiness::Ready => Mode::Enforce,
        _ if current.and_then(|p| p.mode) == Some(Mode::Enforce) => Mode::Enforce,
        _ => Mode::Testing,
    };
    let max_age = current
        .and_then(|p| p.max_age)
        .filter(|a| *a <= MAX_AGE_LIMIT && (mode != Mode::Enforce || *a >= ENFORCE_MIN_MAX_AGE))
        .or(Some(generate::default_max_age(mode)));

    // TLS-RPT: keep a valid record, else always propose one: one that keeps the destinations
    // that work, or those of a record published at the draft-era name.
    use crate::catalog::Code;
    let tlsrpt = report.section(SectionId::Tlsrpt);
    let broken: Vec<String> = tlsrpt
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::TlsrptRuaUnreachable | Code::TlsrptRuaNoMail))
        .filter_map(|f| f.subject.clone())
        .collect();
    let other_errors = tlsrpt.findings.iter().any(|f| {
        f.severity() == Severity::Error
            && !matches!(f.code, Code::TlsrptRuaUnreachable | Code::TlsrptRuaNoMail)
    });
    let tlsrpt_valid = report.tlsrpt_record.is_some() && !other_errors;
    let draft_rua: Option<Vec<String>> = tlsrpt
        .findings
        .iter()
        .any(|f| f.code == Code::TlsrptDraftName)
        .then(|| match inputs.tlsrpt_draft_txt.done().map(|a| &a.result) {
            Some(DnsResult::Records(r)) => crate::tlsrpt::lint(r)
                .record
                .map(|r| r.rua)
                .unwrap_or_default(),
            _ => Vec::new(),
        });
    let (publish_tlsrpt, tlsrpt_note) = if tlsrpt_valid && broken.is_empty() {
        (false, "Keep the published TLS-RPT record.".to_string())
    } else if tlsrpt_valid
        && broken.len() >= report.tlsrpt_record.as_ref().map_or(0, |r| r.rua.len())
    {
        (true, format!(
            "None of the record's destinations can receive reports ({}): replace it with this one, which sends them to tlsrpt@{} (make sure that mailbox exists, or put your own address in).",
            broken.join(", "),
            report.domain
        ))
    } else if tlsrpt_valid {
        (true, format!(
            "Reports sent to {} cannot arrive: replace the TLS-RPT record with this one, which keeps only the destinations that work (or add an address that receives mail).",
            broken.join(", ")
        ))
    } else if draft_rua.is_some() {
        (true, format!(
            "Your TLS-RPT record is published at _smtp-tlsrpt.{d}, where senders never look: publish this one at _smtp._tls.{d} and delete the old one.",
            d = report.domain
        ))
    } else if tlsrpt.light == Light::Untested {
        (true, "The TLS-RPT record could not be checked: if none is published, publish this one, so senders report delivery failures.".to_string())
    } else if report.tlsrpt_record.is_some() {
        (true, "The published TLS-RPT record is invalid, so senders send no reports: replace it with this one.".to_string())
    } else {
        (true, "No TLS-RPT record is published: publish this one, so senders report delivery failures before they cost mail.".to_string())
    };
    let rua = match (&draft_rua, tlsrpt_valid) {
        (Some(rua), _) => rua.clone(),
        (None, true) => report
            .tlsrpt_record
            .as_ref()
            .map(|r| {
                r.rua
                    .iter()
                    .filter(|u| !broken.contains(u))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        (None, false) => Vec::new(),
    };

    // DANE: hosts whose published TLSA records match nothing they present get the record for
    // what they present. DANE senders apply it whatever the MTA-STS mode (RFC 8461 §2), so a
    // host that fails only DANE is no reason to roll back to testing mode.
    let dane = report.section(SectionId::Dane);
    let mut mismatched: Vec<&str> = dane
        .findings
        .iter()
        .filter(|f| f.code == crate::catalog::Code::DaneMismatch)
        .filter_map(|f| f.subject.as_deref())
        .collect();
    mismatched.dedup();
    let tlsa: Vec<TlsaFix> = mismatched
        .iter()
        .flat_map(|host| {
            crate::dane::records_for(inputs, host)
                .into_iter()
                .map(move |data| TlsaFix {
                    host: host.to_string(),
                    name: format!("_25._tcp.{host}"),
                    data,
                })
        })
        .collect();
    let refused = crate::action::refused_by_mta_sts(report);
    let failing_now = failing_now && !refused.is_empty();
    let only_dane_fails = !report.enforce.failing_mx.is_empty() && refused.is_empty();

    let sts_light = report.section(SectionId::StsRecord).light;
    let published_id = report
        .sts_record
        .as_ref()
        .filter(|_| sts_light != Light::Red)
        .map(|r| r.id.clone());
    let sts_untested = sts_light == Light::Untested;
    // More than one record beginning with v=STSv1, and senders use none (the check found it).
    let sts_several = report
        .section(SectionId::StsRecord)
        .findings
        .iter()
        .any(|f| f.code == Code::StsMultiple);
    let tls_failures: Vec<MxFailure> = report
        .enforce
        .failing_mx
        .iter()
        .filter_map(|f| {
            let reasons: Vec<String> = f
                .reasons
                .iter()
                // Coverage is fixed by the policy drafted here, not on the host; a TLSA
                // mismatch by the TLSA record proposed.
                .filter(|r| !MxFailure::is_coverage_reason(r))
                .filter(|r| {
                    !(r.as_str() == crate::catalog::Code::DaneMismatch.info().title
                        && tlsa.iter().any(|t| t.host == f.host))
                })
                .cloned()
                .collect();
            (!reasons.is_empty()).then(|| MxFailure {
                host: f.host.clone(),
                reasons,
            })
        })
        .collect();

    // Each step is judged against what will be published when it is taken: the first against
    // what is served now, a repair after a rollback against the rollback.
    let step = |kind: &'static str,
                (title, why): (String, String),
                (mode, max_age): (Mode, Option<u64>),
                fresh_id: String,
                (served, published_id): (Result<&[u8], Unread>, Option<&str>),
                (hosts_to_fix, hosts_to_check): (Vec<MxFailure>, Vec<MxFailure>),
                tlsa: Vec<TlsaFix>|
     -> Result<Step, &'static str> {
        let mut req = Request {
            domain: report.domain.clone(),
            mx: mx.clone(),
            mode,
            max_age,
            rua: rua.clone(),
            id: fresh_id.clone(),
        };
        let draft = generate::generate(&req)
            .map_err(|_| "the records could not be built from what was found")?;
        let change = compare(served, &draft.policy, &req);
        let policy_changes = matches!(change, PolicyChange::Replace(_));
        let policy_note = match &change {
            PolicyChange::Same => "The policy file served is already exactly this one: keep it.".to_string(),
            PolicyChange::Equivalent => "The policy file served says the same as this one, byte for byte as senders read it: no need to change it.".to_string(),
            PolicyChange::Replace(why) => format!("Replace the policy file: {why}."),
            PolicyChange::Unknown(why) => format!("The policy file served could not be read ({why}), so it was not compared with this one: if you serve one, keep it and make its host answer; if you have none, publish this one."),
        };
        let unknown = matches!(change, PolicyChange::Unknown(_));
        let (new_id, id_note) = match (published_id, policy_changes) {
            (Some(id), false) if unknown => {
                req.id = id.to_string();
                (false, format!("Keep id={id} if you keep the file you serve; publish id={fresh_id} with this file if you serve it instead."))
            }
            (Some(id), false) => {
                req.id = id.to_string();
                (false, format!("No new id is needed: the policy file does not change, so keep id={id}."))
            }
            (Some(id), true) => (true, format!("A new id is needed (id={fresh_id} replaces id={id}), published once the new policy file is served: senders re-fetch the policy only when the id changes.")),
            (None, _) if sts_untested => (true, format!("The _mta-sts record could not be checked: publish it with id={fresh_id} if the name has no record yet, or when the policy file changes.")),
            (None, _) => (true, format!("Publish the _mta-sts record with id={fresh_id}: {}.", if report.sts_record.is_some() { "the published one is invalid" } else if sts_several { "senders ignore MTA-STS while more than one is published, so delete the others" } else { "none is published" })),
        };
        let generated = generate::generate(&req)
            .map_err(|_| "the records could not be built from what was found")?;
        Ok(Step {
            kind,
            title,
            why,
            policy_changes,
            policy_note,
            id: req.id.clone(),
            new_id,
            id_note,
            publish_tlsrpt,
            tlsrpt_note: tlsrpt_note.clone(),
            hosts_to_fix,
            hosts_to_check,
            tlsa,
            generated,
        })
    };

    let mut steps = Vec::new();
    let id_now = generate::id_from_unix_time(now);
    let unreadable = matches!(served, Err(Unread::Unreadable(_)));
    let now_published = (served, published_id.as_deref());
    if failing_now {
        steps.push(step(
            "rollback",
            (
                "First, stop the bounces: switch to testing mode".into(),
                format!(
                    "In testing mode, senders deliver to {} even though it fails and report the failures (RFC 8461 §5), from the moment they see the new id.",
                    refused.iter().map(|f| f.host.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ),
            (Mode::Testing, Some(generate::default_max_age(Mode::Testing))),
            id_now.clone(),
            now_published.clone(),
            (Vec::new(), Vec::new()),
            Vec::new(),
        )?);
    }
    let (title, why) = if failing_now && !tls_failures.is_empty() {
        (
            "Then repair the MX hosts, and enforce again when the reports are clean".to_string(),
            "Fix the TLS of the hosts listed (no record can), check again, and publish this enforced policy with its own new id once the TLS-RPT reports show no failures.".to_string(),
        )
    } else if failing_now {
        (
            "Then enforce again with every MX host covered".to_string(),
            "Once the testing policy is out, publish this one with its own new id: it covers every MX host.".to_string(),
        )
    } else if only_dane_fails && !tlsa.is_empty() {
        (
            "Publish TLSA records that match what the MX hosts present".to_string(),
            format!(
                "Senders that check DANE (RFC 7672) compare the TLSA records of {} with the certificate it presents, whatever the MTA-STS mode, so testing mode would not help. Publish the record below for the key it presents now (or make it present the key the published record names). When you change keys later, publish the new record beside the old one first and wait two TTLs before switching (RFC 7671 §8.1).",
                mismatched.join(", ")
            ),
        )
    } else if mode == Mode::Enforce {
        (
            "Enforce".to_string(),
            "What an enforced deployment for this domain should publish.".to_string(),
        )
    } else if report.enforce.readiness == Readiness::Withdrawn {
        (
            "If you want MTA-STS back: testing mode first".to_string(),
            "The policy is withdrawn (mode: none). If you are leaving MTA-STS for good, keep it so for at least its max_age, then remove the policy and both records (RFC 8461 §8.3), and ignore what follows. To protect mail again, publish this in testing mode, read the TLS-RPT reports, then enforce.".to_string(),
        )
    } else if unreadable {
        (
            "If you have no policy yet: testing mode first".to_string(),
            "What the policy file served says is not known: its fetch failed, for the reason the plan above names. For a domain without one, this is the safe start: testing mode, a week or two of TLS-RPT reports, then enforce.".to_string(),
        )
    } else {
        (
            "Testing mode first".to_string(),
            "Publish in testing mode, read a week or two of TLS-RPT reports, fix what they show, then enforce.".to_string(),
        )
    };
    let repair_id = if failing_now {
        generate::id_from_unix_time(now + 1)
    } else {
        id_now
    };
    // After a rollback, the repair replaces the rollback's file and id.
    let rollback = steps
        .first()
        .map(|r: &Step| (r.generated.policy.clone().into_bytes(), r.id.clone()));
    let before_repair = match &rollback {
        Some((policy, id)) => (Ok(policy.as_slice()), Some(id.as_str())),
        None => now_published.clone(),
    };
    steps.push(step(
        "repair",
        (title, why),
        (mode, max_age),
        repair_id,
        before_repair,
        (tls_failures, report.enforce.unconfirmed_mx.clone()),
        tlsa,
    )?);
    let caution = (!report.complete).then(|| {
        let untested: Vec<&str> = report
            .sections
            .iter()
            .filter(|s| s.counts_as == Some(Light::Untested))
            .map(|s| s.title)
            .collect();
        format!(
            "Not every part was checked ({}): these records rest on what was. Check again before you publish them.",
            untested.join(", ")
        )
    });
    Ok(Plan { caution, steps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{DnsAnswer, Lookup, MxProbe, PolicyFetch, ProbeOutcome};

    const NOW: u64 = 1_795_000_000;

    fn inputs(policy: &[u8], mx: &[&str]) -> Inputs {
        let mut i = Inputs::new("example.com");
        i.now = Some(NOW as i64);
        i.sts_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![vec![
            "v=STSv1; id=1".into(),
        ]])));
        i.tlsrpt_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![vec![
            "v=TLSRPTv1; rua=mailto:r@example.com".into(),
        ]])));
        i.mx = Lookup::Done(DnsAnswer::new(DnsResult::Records(
            mx.iter()
                .enumerate()
                .map(|(n, h)| MxRecord::new(n as u16 * 10, *h))
                .collect(),
        )));
        i.policy = Lookup::Done(PolicyFetch::ok("text/plain", policy.to_vec()));
        i.tlsa = Lookup::Done(Vec::new());
        i.rua = Lookup::Done(Vec::new());
        i.tlsrpt_draft_txt = Lookup::Done(DnsAnswer::new(DnsResult::NoRecords));
        i
    }

    fn plan_of(i: &Inputs) -> Plan {
        plan(&crate::check(i), i, NOW).expect("a plan")
    }

    const GOOD: &[u8] =
        b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n";

    #[test]
    fn a_healthy_deployment_needs_no_change_and_no_new_id() {
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        i.mx_tls = Lookup::Done(vec![MxProbe::good(
            "mx1.example.com",
            crate::inputs::CertFacts {
                dns_names: vec!["mx1.example.com".into()],
                not_before: Some(0),
                not_after: Some(NOW as i64 + 10_000_000),
                ..Default::default()
            },
        )]);
        let p = plan_of(&i);
        assert_eq!(p.steps.len(), 1);
        let s = &p.steps[0];
        assert!(!s.policy_changes && !s.new_id && !s.publish_tlsrpt, "{s:?}");
        assert!(s.id_note.contains("keep id=1"), "{}", s.id_note);
        assert_eq!(s.generated.sts_record.concat(), "v=STSv1; id=1");
        // The same values with LF line ends are the same file to senders.
        let lf = inputs(
            &GOOD
                .iter()
                .copied()
                .filter(|b| *b != b'\r')
                .collect::<Vec<_>>(),
            &["mx1.example.com."],
        );
        assert!(!plan_of(&lf).steps[0].policy_changes);
    }

    #[cfg(feature = "gzip")]
    #[test]
    fn a_gzip_policy_is_judged_as_senders_read_it() {
        // Served gzip-compressed, unasked: senders' HTTP clients undo it, so a file that says
        // the right thing is kept (the coding is fixed in the server, its own finding).
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(GOOD).unwrap();
        let mut i = inputs(b"", &["mx1.example.com."]);
        i.policy = Lookup::Done(PolicyFetch {
            content_encoding: Some("gzip".into()),
            ..PolicyFetch::ok("text/plain", gz.finish().unwrap())
        });
        let s = plan_of(&i).steps.pop().unwrap();
        assert!(
            !s.policy_changes && !s.new_id,
            "{} / {}",
            s.policy_note,
            s.id_note
        );
    }

    #[test]
    fn two_sts_records_are_not_called_missing() {
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        i.sts_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![
            vec!["v=STSv1; id=1".into()],
            vec!["v=STSv1; id=2".into()],
        ])));
        let s = plan_of(&i).steps.pop().unwrap();
        assert!(
            s.id_note.contains("delete the others") && !s.id_note.contains("none is published"),
            "{}",
            s.id_note
        );
    }

    #[test]
    fn an_unreadable_policy_is_not_called_missing_nor_replaced() {
        // A timeout, a TLS failure or a server error says nothing about the file: it may be
        // served and enforced. The plan must not say "no policy file is served" or ask for a
        // new id that would make senders fetch a testing policy over it.
        for outcome in [
            PolicyFetch::failed(FetchOutcome::Timeout),
            PolicyFetch::failed(FetchOutcome::ConnectFailed("refused".into())),
            PolicyFetch {
                status: Some(503),
                body: Some(b"busy".to_vec()),
                ..PolicyFetch::failed(FetchOutcome::Response)
            },
        ] {
            let mut i = inputs(GOOD, &["mx1.example.com."]);
            i.policy = Lookup::Done(outcome.clone());
            let p = plan_of(&i);
            let s = p.steps.last().unwrap();
            assert!(!s.policy_changes, "{outcome:?}: {}", s.policy_note);
            assert!(
                s.policy_note.contains("could not be read") && s.policy_note.contains("keep it"),
                "{}",
                s.policy_note
            );
            assert!(!s.new_id, "{}", s.id_note);
            assert!(s.id_note.starts_with("Keep id=1"), "{}", s.id_note);
            assert!(
                s.title.starts_with("If you have no policy yet"),
                "{}",
                s.title
            );
        }
        // A 404 is a missing file: publish one.
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        i.policy = Lookup::Done(PolicyFetch {
            status: Some(404),
            ..PolicyFetch::failed(FetchOutcome::Response)
        });
        let s = plan_of(&i).steps.pop().unwrap();
        assert!(
            s.policy_note.contains("no policy file is served"),
            "{}",
            s.policy_note
        );
    }

    #[test]
    fn a_bom_or_junk_lines_mean_the_file_is_replaced_with_a_new_id() {
        for bad in [
            [b"\xEF\xBB\xBF".as_slice(), GOOD].concat(),
            [GOOD, b"junk without a colon\r\n".as_slice()].concat(),
        ] {
            let p = plan_of(&inputs(&bad, &["mx1.example.com."]));
            let s = p.steps.last().unwrap();
            assert!(s.policy_changes, "{}", s.policy_note);
            assert!(s.policy_note.starts_with("Replace"), "{}", s.policy_note);
            assert!(
                s.new_id && s.id_note.contains("A new id is needed"),
                "{}",
                s.id_note
            );
        }
    }

    #[test]
    fn an_enforced_policy_that_bounces_mail_is_rolled_back_first() {
        let mut i = inputs(GOOD, &["mx1.example.com.", "mx2.example.com."]);
        let mut bad = MxProbe::good("mx1.example.com", Default::default());
        bad.starttls = Some(false);
        bad.outcome = ProbeOutcome::Completed;
        i.mx_tls = Lookup::Done(vec![bad]);
        let p = plan_of(&i);
        assert_eq!(p.steps.len(), 2, "{p:?}");
        assert_eq!(p.steps[0].kind, "rollback");
        assert!(p.steps[0].generated.policy.contains("mode: testing"));
        assert!(p.steps[0].new_id);
        assert_eq!(p.steps[1].kind, "repair");
        assert!(p.steps[1].generated.policy.contains("mode: enforce"));
        assert!(p.steps[1].generated.policy.contains("mx: mx2.example.com"));
        assert_ne!(
            p.steps[0].generated.sts_record, p.steps[1].generated.sts_record,
            "each step has its own id"
        );
        assert_eq!(
            p.steps[1].hosts_to_fix.len(),
            1,
            "{:?}",
            p.steps[1].hosts_to_fix
        );
        assert_eq!(p.steps[1].hosts_to_fix[0].host, "mx1.example.com");
        // The repair is judged against the rollback, not against what is served today (which
        // it happens to equal): the file changes again, and its id replaces the rollback's.
        let rollback_id = &p.steps[0].id;
        assert_eq!(
            p.steps[0].generated.sts_record.concat(),
            format!("v=STSv1; id={rollback_id}"),
            "the step's id is the one its record publishes"
        );
        assert!(p.steps[1].policy_changes, "{}", p.steps[1].policy_note);
        assert!(p.steps[1].new_id);
        assert!(
            p.steps[1]
                .id_note
                .contains(&format!("replaces id={rollback_id}")),
            "{}",
            p.steps[1].id_note
        );
    }

    #[test]
    fn a_tlsa_mismatch_gets_the_record_for_the_key_presented_and_no_rollback() {
        use sha2::{Digest, Sha256};
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        let leaf = crate::dane::tests::cert(7);
        let mut probe = MxProbe::good("mx1.example.com", Default::default());
        probe.chain = vec![leaf.clone()];
        i.mx_tls = Lookup::Done(vec![probe]);
        let mut answer = DnsAnswer::new(DnsResult::Records(vec![crate::dane::TlsaRecord {
            usage: 3,
            selector: 1,
            matching: 1,
            data: vec![0; 32],
        }]));
        answer.authenticated = Some(true);
        i.tlsa = Lookup::Done(vec![crate::dane::HostTlsa {
            host: "mx1.example.com".into(),
            answer,
        }]);
        let report = crate::check(&i);
        assert!(
            report.enforce.message.contains("senders that check DANE"),
            "{}",
            report.enforce.message
        );
        let p = plan_of(&i);
        assert_eq!(
            p.steps.len(),
            1,
            "testing mode does not help DANE senders: {p:?}"
        );
        let s = &p.steps[0];
        assert!(s.title.contains("TLSA"), "{}", s.title);
        assert!(s.hosts_to_fix.is_empty(), "{:?}", s.hosts_to_fix);
        let spki = crate::der::subject_public_key_info(&leaf).unwrap();
        let hex: String = Sha256::digest(spki)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            s.tlsa,
            vec![TlsaFix {
                host: "mx1.example.com".into(),
                name: "_25._tcp.mx1.example.com".into(),
                data: format!("3 1 1 {hex}"),
            }]
        );
    }

    #[test]
    fn broken_report_destinations_are_dropped_and_a_draft_record_moves() {
        use crate::inputs::{RuaCheck, RuaOutcome};
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        i.mx_tls = Lookup::Done(vec![MxProbe::good("mx1.example.com", Default::default())]);
        i.tlsrpt_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![vec![
            "v=TLSRPTv1; rua=mailto:r@example.com,mailto:r@gone.example".into(),
        ]])));
        let mailto = |uri: &str, domain: &str, mx: DnsResult<Vec<MxRecord>>| RuaCheck {
            uri: uri.into(),
            outcome: RuaOutcome::Mailto {
                domain: domain.into(),
                mx: DnsAnswer::new(mx),
                addresses: None,
            },
        };
        i.rua = Lookup::Done(vec![
            mailto(
                "mailto:r@example.com",
                "example.com",
                DnsResult::Records(vec![MxRecord::new(10, "mx1.example.com.")]),
            ),
            mailto("mailto:r@gone.example", "gone.example", DnsResult::NxDomain),
        ]);
        let s = plan_of(&i).steps.pop().unwrap();
        assert!(s.publish_tlsrpt);
        assert!(
            s.tlsrpt_note.contains("mailto:r@gone.example"),
            "{}",
            s.tlsrpt_note
        );
        assert_eq!(
            s.generated.tlsrpt_record.concat(),
            "v=TLSRPTv1; rua=mailto:r@example.com"
        );

        let mut i = inputs(GOOD, &["mx1.example.com."]);
        i.mx_tls = Lookup::Done(vec![MxProbe::good("mx1.example.com", Default::default())]);
        i.tlsrpt_txt = Lookup::Done(DnsAnswer::new(DnsResult::NoRecords));
        i.tlsrpt_draft_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![vec![
            "v=TLSRPTv1; rua=mailto:reports@example.net".into(),
        ]])));
        let s = plan_of(&i).steps.pop().unwrap();
        assert!(
            s.tlsrpt_note.contains("_smtp-tlsrpt.example.com"),
            "{}",
            s.tlsrpt_note
        );
        assert_eq!(
            s.generated.tlsrpt_record.concat(),
            "v=TLSRPTv1; rua=mailto:reports@example.net"
        );
    }

    #[test]
    fn a_missing_or_invalid_tlsrpt_record_is_always_proposed() {
        for rec in [None, Some("v=TLSRPTv1; rua=ftp://x")] {
            let mut i = inputs(GOOD, &["mx1.example.com."]);
            i.tlsrpt_txt = Lookup::Done(DnsAnswer::new(match rec {
                None => DnsResult::NoRecords,
                Some(r) => DnsResult::Records(vec![vec![r.to_string()]]),
            }));
            let s = plan_of(&i).steps.pop().unwrap();
            assert!(s.publish_tlsrpt, "{rec:?}: {}", s.tlsrpt_note);
            assert!(s
                .generated
                .tlsrpt_record
                .concat()
                .starts_with("v=TLSRPTv1; rua=mailto:"));
        }
    }

    #[test]
    fn pending_untested_and_mailless_domains_get_no_plan() {
        let pending = Inputs::new("example.com");
        assert_eq!(
            plan(&crate::check(&pending), &pending, NOW),
            Err("waiting for the MX records")
        );
        let null = inputs(GOOD, &["."]);
        assert!(plan(&crate::check(&null), &null, NOW).is_err());
        let mut untested = inputs(GOOD, &["mx1.example.com."]);
        untested.policy = Lookup::NotTested("the proxy answered HTTP 429".into());
        assert!(plan(&crate::check(&untested), &untested, NOW).is_err());
    }

    #[test]
    fn an_untested_record_is_not_called_missing_and_the_plan_says_it_rests_on_less() {
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        i.sts_txt = Lookup::Done(DnsAnswer::new(DnsResult::Timeout));
        let p = plan_of(&i);
        let s = p.steps.last().unwrap();
        assert!(s.id_note.contains("could not be checked"), "{}", s.id_note);
        assert!(!s.id_note.contains("none is published"), "{}", s.id_note);
        let caution = p.caution.expect("a caution for an incomplete check");
        assert!(caution.contains("MTA-STS TXT record"), "{caution}");
        let mut no_mx = inputs(GOOD, &["mx1.example.com."]);
        no_mx.mx = Lookup::NotTested("no resolver".into());
        assert_eq!(
            plan(&crate::check(&no_mx), &no_mx, NOW),
            Err("the MX records were not looked up")
        );
    }

    #[test]
    fn unconfirmed_mx_hosts_are_named_for_a_check_by_hand() {
        let mut i = inputs(GOOD, &["mx1.example.com."]);
        let mut silent = MxProbe::good("mx1.example.com", Default::default());
        silent.outcome = ProbeOutcome::NoGreeting;
        silent.banner = None;
        i.mx_tls = Lookup::Done(vec![silent]);
        let s = plan_of(&i).steps.pop().unwrap();
        assert_eq!(s.hosts_to_check.len(), 1, "{s:?}");
        assert_eq!(s.hosts_to_check[0].host, "mx1.example.com");
    }

    #[test]
    fn no_policy_yet_gives_a_testing_policy_for_the_mx_hosts() {
        let mut i = inputs(b"", &["b.example.com.", "a.example.com."]);
        i.policy = Lookup::Done(PolicyFetch {
            status: Some(404),
            ..PolicyFetch::ok("text/plain", Vec::new())
        });
        let s = plan_of(&i).steps.pop().unwrap();
        assert!(s.generated.policy.contains("mode: testing"));
        assert!(s.policy_changes && s.new_id);
        assert!(s
            .generated
            .policy
            .contains("mx: b.example.com\r\nmx: a.example.com"));
    }
}
