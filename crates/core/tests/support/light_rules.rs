//! The light rules restated on their own, as checks on a finished report, so a test can hold
//! `mtasts_core::verdict` to them without calling it: a section's light is never better than
//! its worst finding allows; the overall light is never better than its worst deciding
//! section; not tested is never green; "ready to enforce?" agrees with the light; the delivery
//! chain drawn above a report says nothing its sections do not.

use mtasts_core::policy::Mode;
use mtasts_core::report::{Light, Readiness, SectionId};
use mtasts_core::{Report, Severity};

pub fn violations(r: &Report, inputs: &mtasts_core::Inputs) -> Vec<String> {
    let mut v = Vec::new();
    // The headline and the summaries are words for people: no catalog placeholder in them.
    for (what, text) in std::iter::once(("verdict", r.verdict.as_str()))
        .chain(r.sections.iter().map(|s| (s.title, s.summary.as_str())))
    {
        if text.contains("<domain>") || text.contains("<id>") {
            v.push(format!("{what} says a placeholder: {text:?}"));
        }
    }
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
    v.extend(chain_violations(r, inputs));
    v.extend(action_violations(r));
    if r.verdict.is_empty() || e.message.is_empty() {
        v.push("an empty verdict or readiness message".into());
    }
    v
}

/// The delivery chain ([`mtasts_core::chain`]) agrees with the sections: a link outside the MX
/// hosts has its section's light; an MX host is its row's light, no host is green while MX
/// STARTTLS is red (then some host is red) or not tested, and a host with a red address or DANE
/// verdict is red; a chain has a broken link whenever a section it shows is red.
fn chain_violations(r: &Report, inputs: &mtasts_core::Inputs) -> Vec<String> {
    use mtasts_core::chain::{links, LinkKind};
    let mut v = Vec::new();
    let chain = links(r, inputs);
    let light = |id: SectionId| r.section(id).light;
    let hosts: Vec<_> = chain
        .iter()
        .filter(|l| l.kind == LinkKind::MxHost)
        .collect();
    for l in &chain {
        let own = l.kind != LinkKind::MxHost || r.mx.is_empty();
        if own && l.light != light(l.section) {
            v.push(format!(
                "chain link {l:?} but its section is {:?}",
                light(l.section)
            ));
        }
    }
    if r.mx.is_empty() && hosts.iter().any(|l| l.light != light(SectionId::MxTls)) {
        v.push(format!(
            "MX links from the records must carry MX STARTTLS's light: {hosts:?}"
        ));
    }
    for (l, h) in hosts.iter().zip(&r.mx) {
        if l.light != h.light || l.name != h.host {
            v.push(format!("chain link {l:?} is not its row {h:?}"));
        }
        if h.addresses.iter().any(|a| a.light == Light::Red) && !l.broken() {
            v.push(format!(
                "{} has a red address but its link is {:?}",
                h.host, l.light
            ));
        }
    }
    let tls = light(SectionId::MxTls);
    if tls == Light::Red && !hosts.iter().any(|l| l.broken()) {
        v.push(format!("MX STARTTLS is red but no MX link is: {hosts:?}"));
    }
    if tls == Light::Untested && hosts.iter().any(|l| l.light == Light::Green) {
        v.push(format!(
            "MX STARTTLS is not tested but a host is green: {hosts:?}"
        ));
    }
    let shown_red = chain
        .iter()
        .filter(|l| l.kind != LinkKind::MxHost)
        .any(|l| light(l.section) == Light::Red);
    if shown_red && !chain.iter().any(|l| l.broken()) {
        v.push(format!("a red section but no broken link: {chain:?}"));
    }
    // The chain breaks (the marked link) exactly when the overall result is red for a reason
    // it shows, and never at a link whose failure counts for less.
    let breaks = chain.iter().any(|l| l.breaks());
    if breaks && r.overall != Light::Red {
        v.push(format!(
            "the chain breaks but the overall light is {:?}: {chain:?}",
            r.overall
        ));
    }
    let red_shown = r.sections.iter().any(|s| {
        s.counts_as == Some(Light::Red)
            && s.light == Light::Red
            && chain.iter().any(|l| l.section == s.id)
    });
    if red_shown && !breaks {
        v.push(format!(
            "a section counts red but the chain never breaks: {chain:?}"
        ));
    }
    v
}

/// The action plan ([`mtasts_core::action`]) agrees with readiness: "Yes" only when enforcing
/// works and with nothing left that senders fail at; "No" always says what to do (a step that
/// blocks enforcement, or one that deploys); no step keeps a
/// placeholder such as `<domain>`.
fn action_violations(r: &Report) -> Vec<String> {
    use mtasts_core::action::{plan, Answer};
    let mut v = Vec::new();
    let p = plan(r);
    let yes = matches!(r.enforce.readiness, Readiness::Enforced | Readiness::Ready);
    if (p.answer == Answer::Yes) != yes {
        v.push(format!(
            "answer {:?} under readiness {:?}",
            p.answer, r.enforce.readiness
        ));
    }
    if p.answer == Answer::Yes && p.steps.iter().any(|s| s.blocks) {
        v.push(format!("answer yes with a blocking step: {:?}", p.steps));
    }
    if p.answer == Answer::No && !p.steps.iter().any(|s| s.blocks || s.code.is_none()) {
        v.push(format!("answer no without a step ({})", r.enforce.message));
    }
    if r.overall != Light::Pending && p.answer != Answer::DoesNotApply {
        for m in &r.enforce.failing_mx {
            if !p
                .steps
                .iter()
                .any(|s| s.blocks && s.problem.contains(&m.host))
            {
                v.push(format!(
                    "{} would fail but no blocking step names it: {:?}",
                    m.host, p.steps
                ));
            }
        }
    }
    // Testing mode stops MTA-STS bounces, not DANE ones: the rollback step never promises it
    // for a host that fails only DANE.
    if let Some(rollback) = p
        .steps
        .iter()
        .find(|s| s.problem.starts_with("Senders that enforce refuse mail to"))
    {
        for m in &r.enforce.failing_mx {
            let named = rollback
                .problem
                .split(|c: char| c == ',' || c.is_whitespace())
                .any(|w| w == m.host || w.trim_end_matches('.') == m.host);
            if named && mtasts_core::action::fails_only_dane(r, &m.host) {
                v.push(format!(
                    "the rollback names {}, which fails only DANE: {rollback:?}",
                    m.host
                ));
            }
        }
    }
    for s in &p.steps {
        if s.fix.contains("<domain>") || s.problem.contains("<domain>") || s.fix.contains("<id>") {
            v.push(format!("a placeholder in {s:?}"));
        }
    }
    v
}
