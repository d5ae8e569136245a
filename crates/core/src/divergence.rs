//! Where senders read the same deployment differently, and what that costs. The strict
//! reading ([`crate::record`], [`crate::policy`]) decides whether the domain is protected; the
//! lenient one ([`crate::lenient`], postfix-mta-sts-resolver with Postfix) may still enforce a
//! policy strict senders discard, or enforce where strict senders only test, and then mail to
//! an MX host that fails its checks bounces for those senders (RFC 8461 §5).

use crate::catalog::Code;
use crate::finding::Finding;
use crate::inputs::{DnsResult, Inputs, Lookup};
use crate::lenient::{self, LenientPolicy};
use crate::mx::Coverage;
use crate::policy::{Mode, PolicyLint};
use crate::record::StsRecord;

/// The lenient reading once the `_mta-sts` answer and the fetch are known: `Some(Ok)` the policy
/// it applies, `Some(Err)` why it applies none, `None` while either is pending or untested.
pub fn reading(inputs: &Inputs, body: Option<&[u8]>) -> Option<Result<LenientPolicy, String>> {
    let (Lookup::Done(answer), Lookup::Done(fetch)) = (&inputs.sts_txt, &inputs.policy) else {
        return None;
    };
    let records = match &answer.result {
        DnsResult::Records(r) => r.as_slice(),
        DnsResult::NoRecords | DnsResult::NxDomain => &[],
        DnsResult::ServFail => return Some(Err("the _mta-sts lookup fails".into())),
        // A lookup that did not answer says nothing about what senders get.
        _ => return None,
    };
    Some(lenient::applied(records, fetch, body))
}

/// Whether a sender that reads leniently enforces the policy.
pub fn enforced(reading: Option<&Result<LenientPolicy, String>>) -> bool {
    matches!(reading, Some(Ok(p)) if p.enforced())
}

/// The finding for the Policy section when the lenient reading differs from the strict one
/// in what senders apply: a policy where strict senders have none, none where they have
/// one, or another mode, `max_age` or set of `mx` patterns. `record` is the valid `_mta-sts`
/// record when strict senders fetch the policy at all (and the fetch had no error).
pub fn policy_finding(
    record: Option<&StsRecord>,
    strict: Option<&PolicyLint>,
    reading: Option<&Result<LenientPolicy, String>>,
) -> Option<Finding> {
    let reading = reading?;
    let applied = match (record, strict) {
        (Some(r), Some(l)) if l.valid => Some((r, l)),
        _ => None,
    };
    let message = match (applied, reading) {
        (None, Err(_)) => return None,
        (None, Ok(p)) if p.mode == "none" => return None,
        (None, Ok(p)) => format!(
            "senders differ: strict ones discard this deployment, but postfix-mta-sts-resolver (used with Postfix) reads it anyway and applies mode {}{} to mx {}",
            p.mode,
            if p.enforced() { ", enforced by Postfix" } else { ", which Postfix does not enforce" },
            list(&p.mx)
        ),
        (Some(_), Err(why)) => format!(
            "senders differ: postfix-mta-sts-resolver (used with Postfix) gets no policy here, because {why}; for its senders the domain is not protected"
        ),
        (Some((r, l)), Ok(p)) => {
            let s = &l.policy;
            let mut diffs = Vec::new();
            let mode = s.mode.map_or("", Mode::as_str);
            if p.mode != mode {
                diffs.push(format!("mode {} instead of {mode}", p.mode));
            }
            if Some(p.max_age) != s.max_age {
                diffs.push(format!(
                    "max_age {} instead of {}",
                    p.max_age,
                    s.max_age.map_or("?".into(), |a| a.to_string())
                ));
            }
            let theirs: Vec<String> = p.mx.iter().map(|m| m.to_ascii_lowercase()).collect();
            if theirs != s.mx {
                diffs.push(format!("mx {} instead of {}", list(&p.mx), list(&s.mx)));
            }
            if p.id != r.id {
                diffs.push(format!("id {} instead of {}", p.id, r.id));
            }
            if diffs.is_empty() {
                return None;
            }
            format!(
                "senders differ: postfix-mta-sts-resolver (used with Postfix) applies {}",
                diffs.join(", ")
            )
        }
    };
    Some(Finding::new(Code::PolicyReadDifferently, message))
}

/// MX hosts that Postfix, enforcing the lenient reading, does not match: mail to them bounces
/// for those senders. Hosts the strict reading already reports as not covered by an enforced
/// policy (`strict_enforce`) are left to that finding.
pub fn uncovered(
    cov: &Coverage,
    reading: Option<&Result<LenientPolicy, String>>,
    strict_enforce: bool,
) -> Vec<Finding> {
    let Some(Ok(p)) = reading.filter(|r| enforced(Some(r))) else {
        return Vec::new();
    };
    cov.hosts
        .iter()
        .filter(|h| {
            // Left to `mx.uncovered` when strict senders already fail the host.
            let reported = strict_enforce && h.pattern.is_none();
            !reported && !p.matches(&h.host)
        })
        .map(|h| {
            Finding::new(
                Code::MxUncoveredLenient,
                format!(
                    "{} is not matched by the policy as postfix-mta-sts-resolver hands it to Postfix (mx {}): Postfix senders enforce it and will not deliver to {}",
                    h.host,
                    list(&p.mx),
                    h.host
                ),
            )
            .about(h.host.clone())
        })
        .collect()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "(none)".into();
    }
    items.join(", ")
}
