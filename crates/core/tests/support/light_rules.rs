//! The light rules restated on their own, as checks on a finished report, so a test can hold
//! `mtasts_core::verdict` to them without calling it: a section's light is never better than
//! its worst finding allows; the overall light is never better than its worst deciding
//! section; not tested is never green; "ready to enforce?" agrees with the light.

use mtasts_core::policy::Mode;
use mtasts_core::report::{Light, Readiness, SectionId};
use mtasts_core::{Report, Severity};

pub fn violations(r: &Report) -> Vec<String> {
    let mut v = Vec::new();
    // Some sender enforces the policy: strict senders (a valid enforced policy) or the lenient
    // reading of postfix-mta-sts-resolver with Postfix (`lenient`).
    let enforced_policy = (r.policy.as_ref().and_then(|p| p.mode) == Some(Mode::Enforce)
        && r.section(SectionId::Policy).light != Light::Red
        && r.section(SectionId::PolicyFetch).light != Light::Red)
        || r.lenient.as_ref().is_some_and(|l| l.mode == "enforce");
    for s in &r.sections {
        let worst = s.findings.iter().map(|f| f.severity()).max();
        if worst == Some(Severity::Error) && s.light != Light::Red {
            v.push(format!("{:?} is {:?} with an error finding", s.id, s.light));
        }
        if worst == Some(Severity::Warning) && matches!(s.light, Light::Green | Light::Grey) {
            v.push(format!("{:?} is {:?} with a warning", s.id, s.light));
        }
        if s.light == Light::Incomplete {
            v.push(format!("{:?}: incomplete is an overall light only", s.id));
        }
        if s.light == Light::Untested && !s.summary.starts_with("Not tested") {
            v.push(format!("{:?} is not tested but says {:?}", s.id, s.summary));
        }
        if let Some(c) = s.counts_as {
            // A section counts as its own light; only red may count as amber, and only where
            // the consequence is not bounced mail.
            let capped = c == Light::Amber
                && s.light == Light::Red
                && (s.id == SectionId::Tlsrpt
                    || (matches!(s.id, SectionId::MxTls | SectionId::MxCoverage)
                        && !enforced_policy));
            if c != s.light && !capped {
                v.push(format!("{:?} is {:?} but counts as {c:?}", s.id, s.light));
            }
        }
    }
    let pending = r.sections.iter().any(|s| s.light == Light::Pending);
    let deciding: Vec<Light> = r.sections.iter().filter_map(|s| s.counts_as).collect();
    if pending {
        if r.overall != Light::Pending {
            v.push(format!(
                "overall {:?} while a section is pending",
                r.overall
            ));
        }
        return v;
    }
    for d in &deciding {
        if r.overall.concern() < d.concern() {
            v.push(format!(
                "overall {:?} is better than a deciding {d:?}",
                r.overall
            ));
        }
    }
    let red = deciding.contains(&Light::Red);
    let untested = deciding.contains(&Light::Untested);
    if red != (r.overall == Light::Red) {
        v.push(format!("overall {:?}, deciding {deciding:?}", r.overall));
    }
    if !red && untested != matches!(r.overall, Light::Incomplete | Light::Untested) {
        v.push(format!(
            "overall {:?} but untested deciding sections: {untested}",
            r.overall
        ));
    }
    if r.overall == Light::Green
        && deciding
            .iter()
            .any(|l| *l != Light::Green && *l != Light::Grey)
    {
        v.push(format!("green overall over {deciding:?}"));
    }
    if r.complete == untested {
        v.push(format!("complete is {} with {deciding:?}", r.complete));
    }
    let e = &r.enforce;
    if r.overall == Light::Green && e.readiness != Readiness::Enforced {
        v.push(format!("green overall but readiness {:?}", e.readiness));
    }
    if matches!(e.readiness, Readiness::Enforced | Readiness::Ready) {
        if !r.complete || !e.failing_mx.is_empty() || !e.unconfirmed_mx.is_empty() {
            v.push(format!(
                "readiness {:?} with complete={} failing={:?} unconfirmed={:?}",
                e.readiness, r.complete, e.failing_mx, e.unconfirmed_mx
            ));
        }
        if !matches!(r.overall, Light::Green | Light::Amber) {
            v.push(format!(
                "readiness {:?} under overall {:?}",
                e.readiness, r.overall
            ));
        }
    }
    if e.readiness == Readiness::EnforcedFailing && r.overall != Light::Red {
        v.push(format!("mail bounces but overall is {:?}", r.overall));
    }
    if r.verdict.is_empty() || e.message.is_empty() {
        v.push("an empty verdict or readiness message".into());
    }
    v
}
