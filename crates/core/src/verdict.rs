//! The light rules, written once. Findings set the least a section's light may be; each
//! section adds to the overall light what its consequence warrants; the overall light is never
//! better than the worst of those. The page, the embed, the CLI, the JSON and history all read
//! lights made here, so they cannot disagree with the findings beneath them.
//!
//! 1. **Findings → section.** An error makes a section red; a warning makes it at least amber
//!    (amber, not tested, or red). A section with neither may be green, grey (does not apply),
//!    or not tested. ([`section_light`])
//! 2. **Section → overall.** A section decides the verdict unless the domain's state makes it
//!    irrelevant ([`counts_as`]): nothing decides for a domain that does not exist or accepts
//!    no mail; only the TXT record and the policy fetch decide for a domain without MTA-STS; MX
//!    coverage, STARTTLS and TLS-RPT do not decide a withdrawn policy (`mode: none`). A deciding
//!    section adds its own light, with two documented exceptions that can only lower red to
//!    amber: a broken TLS-RPT record loses failure reports but no mail (RFC 8460 §3), and MX
//!    failures under a policy that no sender enforces (strict senders test it or discard it,
//!    and the lenient reading of [`crate::lenient`] does not enforce it) do not stop delivery
//!    (RFC 8461 §5).
//! 3. **Overall.** Pending while any section is; red when a deciding section counts red;
//!    otherwise not tested when every deciding section is untested, incomplete when some are
//!    (the untested part could still be broken); otherwise amber when one counts amber, and
//!    only then green (enforced), amber (testing) or grey (does not apply). ([`overall_light`])

use crate::finding::{Finding, FindingsExt, Severity};
use crate::policy::Mode;
use crate::report::{Light, Section, SectionId};

/// The light rules for people: part of `docs/findings.md` (see [`crate::catalog::markdown`]).
pub fn markdown() -> String {
    let mut out = String::from(
        "\n## Lights\n\n\
         A live check (`mtasts check`, the page, the embed) gives each section a light and the domain an overall \
         light. Every light has an icon and words, never colour alone:\n\n\
         | light | icon | words | meaning |\n|---|---|---|---|\n",
    );
    for (l, meaning) in [
        (Light::Green, "enforced and sound; every deciding part was checked"),
        (Light::Amber, "works but weak: testing mode, short max_age, no TLS-RPT, a certificate expiring soon, an MX host that could not be confirmed, failure reports lost"),
        (Light::Red, "broken: senders discard the policy, mail to an MX host bounces under a policy some sender enforces, or the domain does not exist"),
        (Light::Grey, "does not apply: not deployed, a null MX (accepts no mail), a withdrawn policy"),
        (Light::Untested, "applies but could not be checked this time (resolver or proxy unreachable, rate-limited, blocked by the browser); overall: nothing at all could be checked"),
        (Light::Incomplete, "overall only: part of what decides the verdict was not checked and nothing checked is broken; not a result"),
    ] {
        out.push_str(&format!("| `{}` | {} | {} | {meaning} |\n", l.name(), l.icon(), l.word()));
    }
    out.push_str(
        "\nThe rules, in `crates/core/src/verdict.rs` and nowhere else, and tested as properties over the fixture corpus:\n\n\
         1. **Findings → section.** An *error* makes a section red; a *warning* makes it at least amber (amber, not tested or red). \
         Only a section with neither may be green, grey or not tested.\n\
         2. **Section → overall.** Each section says what it adds to the overall light (`counts_as` in the JSON; `null` when it does \
         not decide the verdict). Only the MX lookup (its NXDOMAIN) decides for a domain that does not exist, and nothing for one \
         that accepts no mail; only the TXT record and the policy fetch decide for a domain without MTA-STS; MX coverage, STARTTLS and TLS-RPT do not decide a withdrawn policy. \
         A deciding section adds its own light, except that red counts as amber for a broken TLS-RPT record (reports are lost, \
         mail flows: RFC 8460 §3) and for MX failures under a policy no sender enforces (RFC 8461 §5): strict senders test it or \
         discard it, and the lenient reading of postfix-mta-sts-resolver does not enforce it either.\n\
         3. **Overall.** Checking while any section is; red when a deciding section counts red; otherwise *not tested* when every \
         deciding section is untested and *incomplete* when some are; otherwise amber when one counts amber; otherwise green \
         (enforced), amber (testing mode) or grey (does not apply).\n\n\
         An incomplete check is not a result: the report says what was not tested and why, offers a retry, and is not kept in \
         the page's history; `complete` is `false` in the JSON and `mtasts check` exits 3 (2 when something checked is red). \
         An MX host that could not be confirmed (no connection, no greeting, closed early, not probed) is never counted as \
         passing: its section is at least amber and \"Ready to enforce?\" names it (`enforce.unconfirmed_mx`).\n",
    );
    out
}

/// What the check established about the domain as a whole; decides which sections count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deployment {
    /// Not known yet, or not checked (a lookup that decides it is pending or untested).
    Unknown,
    /// The domain does not exist (NXDOMAIN on its MX lookup).
    NoSuchDomain,
    /// The domain publishes only a null MX (RFC 7505): it accepts no mail.
    NoMail,
    /// No `_mta-sts` record and no policy.
    NotDeployed,
    /// A record or a policy is published. `applied` is the mode strict senders apply: `None`
    /// when the policy is unknown, `Some(None)` when they discard it (invalid), else its mode.
    /// `lenient_enforced`: a lenient sender (postfix-mta-sts-resolver with Postfix,
    /// [`crate::lenient`]) enforces it, whatever strict senders do.
    Deployed {
        applied: Option<Option<Mode>>,
        lenient_enforced: bool,
    },
}

/// The least light a set of findings allows: an error needs red, a warning at least amber.
pub fn floor(findings: &[Finding]) -> Light {
    match findings.worst() {
        Some(Severity::Error) => Light::Red,
        Some(Severity::Warning) => Light::Amber,
        _ => Light::Green,
    }
}

/// Rule 1: a section's light is its own state (`base`) raised to what its findings require.
pub fn section_light(base: Light, findings: &[Finding]) -> Light {
    if base == Light::Pending {
        return Light::Pending;
    }
    let least = floor(findings);
    if least.concern() > base.concern() {
        least
    } else {
        base
    }
}

/// Rule 2: what a section adds to the overall light, or `None` when it does not decide.
pub fn counts_as(id: SectionId, light: Light, state: Deployment) -> Option<Light> {
    use SectionId::*;
    if light == Light::Pending {
        return Some(Light::Pending);
    }
    let decides = match state {
        // The MX lookup's NXDOMAIN is the one finding that matters for a domain that does not
        // exist; nothing decides for a domain that accepts no mail.
        Deployment::NoSuchDomain => id == MxCoverage,
        Deployment::NoMail => false,
        Deployment::NotDeployed => matches!(id, StsRecord | PolicyFetch),
        Deployment::Deployed {
            applied: Some(Some(Mode::None)),
            lenient_enforced: false,
        } => matches!(id, StsRecord | PolicyFetch | Policy),
        Deployment::Deployed { .. } | Deployment::Unknown => true,
    };
    // DANE decides wherever mail is received, MTA-STS or not, but only once it is evidently
    // in use (TLSA records, or a lookup that fails): not knowing whether an optional
    // protection is deployed makes no check incomplete.
    if id == Dane {
        let receives = !matches!(state, Deployment::NoSuchDomain | Deployment::NoMail);
        return (receives && !matches!(light, Light::Grey | Light::Untested)).then_some(light);
    }
    if !decides {
        return None;
    }
    // No sender enforces: strict ones test (or discard the policy) and no lenient one enforces.
    let not_enforced = matches!(
        state,
        Deployment::Deployed {
            applied: Some(Some(Mode::Testing) | None),
            lenient_enforced: false,
        }
    );
    let capped = match id {
        // RFC 8460 §3: reports are lost, mail still flows.
        Tlsrpt => true,
        // RFC 8461 §5: in testing mode (or with no usable policy) senders deliver anyway, unless
        // a lenient sender enforces it all the same.
        MxCoverage | MxTls => not_enforced,
        _ => false,
    };
    Some(if capped && light == Light::Red {
        Light::Amber
    } else {
        light
    })
}

/// Rule 3: the overall light from the sections (whose `counts_as` is already set) and the
/// domain's state.
pub fn overall_light(sections: &[Section], state: Deployment) -> Light {
    if sections.iter().any(|s| s.light == Light::Pending) {
        return Light::Pending;
    }
    let deciding: Vec<Light> = sections.iter().filter_map(|s| s.counts_as).collect();
    if deciding.contains(&Light::Red) {
        return Light::Red;
    }
    if deciding.contains(&Light::Untested) {
        return if deciding.iter().all(|l| *l == Light::Untested) {
            Light::Untested
        } else {
            Light::Incomplete
        };
    }
    if deciding.contains(&Light::Amber) {
        return Light::Amber;
    }
    match state {
        Deployment::Deployed {
            applied: Some(Some(Mode::Enforce)),
            ..
        } => Light::Green,
        Deployment::Deployed {
            applied: Some(Some(Mode::Testing)),
            ..
        } => Light::Amber,
        Deployment::Deployed { .. } | Deployment::Unknown => {
            // A deployed policy whose mode is unknown here cannot be green; nothing untested or
            // broken was found, so this is only reached for a policy senders discard (which
            // already counts red) or a withdrawn one.
            Light::Grey
        }
        Deployment::NoSuchDomain | Deployment::NoMail | Deployment::NotDeployed => Light::Grey,
    }
}

/// Whether every deciding section was checked (pending counts as not yet).
pub fn complete(sections: &[Section]) -> bool {
    sections
        .iter()
        .filter_map(|s| s.counts_as)
        .all(|l| l != Light::Untested && l != Light::Pending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Code;

    fn f(code: Code) -> Finding {
        Finding::new(code, "x")
    }

    #[test]
    fn findings_raise_a_section_light_and_never_lower_it() {
        let warn = [f(Code::DnsTimeout)];
        let err = [f(Code::StsIdMissing)];
        assert_eq!(section_light(Light::Green, &warn), Light::Amber);
        assert_eq!(section_light(Light::Grey, &warn), Light::Amber);
        assert_eq!(section_light(Light::Untested, &warn), Light::Untested);
        assert_eq!(section_light(Light::Untested, &err), Light::Red);
        assert_eq!(section_light(Light::Amber, &err), Light::Red);
        assert_eq!(section_light(Light::Red, &[]), Light::Red);
        assert_eq!(section_light(Light::Pending, &err), Light::Pending);
    }

    #[test]
    fn only_tlsrpt_and_unenforced_mx_sections_are_capped() {
        let enforce = Deployment::Deployed {
            applied: Some(Some(Mode::Enforce)),
            lenient_enforced: false,
        };
        let testing = Deployment::Deployed {
            applied: Some(Some(Mode::Testing)),
            lenient_enforced: false,
        };
        let unknown = Deployment::Deployed {
            applied: None,
            lenient_enforced: false,
        };
        // Strict senders test or discard the policy; a lenient one enforces it.
        let lenient = |applied| Deployment::Deployed {
            applied,
            lenient_enforced: true,
        };
        use SectionId::*;
        assert_eq!(counts_as(Tlsrpt, Light::Red, enforce), Some(Light::Amber));
        assert_eq!(counts_as(MxTls, Light::Red, enforce), Some(Light::Red));
        assert_eq!(counts_as(MxTls, Light::Red, testing), Some(Light::Amber));
        assert_eq!(
            counts_as(MxTls, Light::Red, lenient(Some(Some(Mode::Testing)))),
            Some(Light::Red)
        );
        assert_eq!(
            counts_as(MxCoverage, Light::Red, lenient(Some(None))),
            Some(Light::Red)
        );
        assert_eq!(counts_as(MxTls, Light::Red, unknown), Some(Light::Red));
        assert_eq!(counts_as(Policy, Light::Red, testing), Some(Light::Red));
        assert_eq!(counts_as(MxTls, Light::Red, Deployment::NotDeployed), None);
        assert_eq!(counts_as(StsRecord, Light::Red, Deployment::NoMail), None);
        assert_eq!(
            counts_as(MxCoverage, Light::Red, Deployment::NoSuchDomain),
            Some(Light::Red)
        );
        assert_eq!(
            counts_as(Tlsrpt, Light::Amber, Deployment::NoSuchDomain),
            None
        );
        assert_eq!(
            counts_as(MxTls, Light::Untested, testing),
            Some(Light::Untested)
        );
    }
}
