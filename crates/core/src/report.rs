//! The result of a live check: traffic lights per section and overall, the findings, the
//! parsed records, and the "ready to enforce?" verdict.

use serde::Serialize;

use crate::finding::Finding;
use crate::mx::Coverage;
use crate::policy::Policy;
use crate::record::StsRecord;
use crate::tlsrpt::TlsrptRecord;

/// A traffic light. Never shown as colour alone: each has an icon and words.
///
/// Three states are not a judgement of the domain and are told apart: `Grey` (the thing does
/// not apply: not deployed, null MX, policy withdrawn), `Untested` (it applies but could not be
/// checked this time) and, for the overall light only, `Incomplete` (some of what decides the
/// verdict was not checked). None of them is ever green. The rules that set lights are in
/// [`crate::verdict`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    /// Does not apply here (not deployed, no mail, withdrawn).
    Grey,
    /// Enforced and sound.
    Green,
    /// Works but weak: testing mode, short max_age, no TLS-RPT, certificate expiring soon, an
    /// MX host that could not be confirmed.
    Amber,
    /// Broken.
    Red,
    /// Applies, but could not be checked (resolver or proxy unreachable, rate-limited, …).
    /// Overall: nothing at all could be checked.
    Untested,
    /// Overall only: part of what decides the verdict was not checked, and nothing checked is
    /// broken. Never stored as a result.
    Incomplete,
    /// Waiting for an answer.
    Pending,
}

impl Light {
    pub fn icon(self) -> &'static str {
        match self {
            Light::Green => "✔",
            Light::Amber => "!",
            Light::Red => "✖",
            Light::Grey => "–",
            Light::Untested => "?",
            Light::Incomplete => "◐",
            Light::Pending => "…",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Light::Green => "good",
            Light::Amber => "weak",
            Light::Red => "broken",
            Light::Grey => "not applicable",
            Light::Untested => "not tested",
            Light::Incomplete => "incomplete",
            Light::Pending => "checking",
        }
    }

    /// The lower-case name used in JSON and in `data-light` attributes.
    pub fn name(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Amber => "amber",
            Light::Red => "red",
            Light::Grey => "grey",
            Light::Untested => "untested",
            Light::Incomplete => "incomplete",
            Light::Pending => "pending",
        }
    }

    /// How little this light reassures: 0 for green and grey, 1 amber, 2 not tested or
    /// incomplete, 3 red, 4 pending. "Never better than" in the light rules compares this.
    pub fn concern(self) -> u8 {
        match self {
            Light::Green | Light::Grey => 0,
            Light::Amber => 1,
            Light::Untested | Light::Incomplete => 2,
            Light::Red => 3,
            Light::Pending => 4,
        }
    }
}

/// Puts the most worrying first (by [`Light::concern`]), keeping the given order among equals:
/// how the page orders its sections, MX hosts and addresses once a check is done.
pub fn worst_first<T>(items: &mut [T], light: impl Fn(&T) -> Light) {
    crate::order::sort_by_key(items, |x| std::cmp::Reverse(light(x).concern()));
}

/// The sections of a report, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionId {
    StsRecord,
    PolicyFetch,
    Policy,
    MxCoverage,
    MxTls,
    Dane,
    Tlsrpt,
}

impl SectionId {
    pub const ALL: [SectionId; 7] = [
        SectionId::StsRecord,
        SectionId::PolicyFetch,
        SectionId::Policy,
        SectionId::MxCoverage,
        SectionId::MxTls,
        SectionId::Dane,
        SectionId::Tlsrpt,
    ];

    /// The stable name of a section, as in JSON (`sts_record`, `mx_tls` …).
    pub fn key(self) -> &'static str {
        match self {
            SectionId::StsRecord => "sts_record",
            SectionId::PolicyFetch => "policy_fetch",
            SectionId::Policy => "policy",
            SectionId::MxCoverage => "mx_coverage",
            SectionId::MxTls => "mx_tls",
            SectionId::Dane => "dane",
            SectionId::Tlsrpt => "tlsrpt",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            SectionId::StsRecord => "MTA-STS TXT record",
            SectionId::PolicyFetch => "Policy fetch",
            SectionId::Policy => "Policy",
            SectionId::MxCoverage => "MX coverage",
            SectionId::MxTls => "MX STARTTLS",
            SectionId::Dane => "DANE (TLSA)",
            SectionId::Tlsrpt => "TLS-RPT record",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: SectionId,
    pub title: &'static str,
    pub light: Light,
    /// What this section adds to the overall light: `None` when it does not decide the verdict
    /// here (e.g. STARTTLS for a domain without MTA-STS), else its light, lowered only where
    /// [`crate::verdict::counts_as`] says why (a broken TLS-RPT record loses reports, not mail).
    pub counts_as: Option<Light>,
    /// One line that says what this section found.
    pub summary: String,
    pub findings: Vec<Finding>,
}

impl Section {
    /// Why this section's light and what it adds to the overall light differ, in words (a
    /// broken TLS-RPT record makes the whole report weak, not broken: mail still flows).
    pub fn counts_as_note(&self) -> Option<String> {
        let c = self
            .counts_as
            .filter(|c| *c != self.light && self.light != Light::Pending && *c != Light::Grey)?;
        let why = match self.id {
            SectionId::Tlsrpt => ": failure reports are lost, but mail still flows",
            SectionId::MxTls | SectionId::MxCoverage => {
                ": no sender enforces the policy yet, so mail still flows (RFC 8461 §5)"
            }
            _ => "",
        };
        Some(format!(
            "Counts as {} {} in the overall result{why}",
            c.icon(),
            c.word()
        ))
    }
}

/// Whether the domain can switch to (or stay in) `mode: enforce` without bouncing mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// Enforced, and every MX would pass.
    Enforced,
    /// Enforced, but some MX would fail: mail to it bounces now.
    EnforcedFailing,
    /// Not enforced yet, and enforcing would work.
    Ready,
    /// Enforcing now would break delivery or the policy would not be applied.
    NotReady,
    /// MTA-STS is not deployed.
    NotDeployed,
    /// The domain does not exist (NXDOMAIN): nothing to enforce.
    NoSuchDomain,
    /// The domain accepts no mail (null MX, RFC 7505): MTA-STS does not apply.
    NoMail,
    /// The policy is withdrawn (`mode: none`, RFC 8461 §5).
    Withdrawn,
    /// Not everything is known (pending, not tested, or an MX host could not be confirmed).
    Unknown,
}

/// One MX host that would fail under an enforced policy, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxFailure {
    pub host: String,
    pub reasons: Vec<String>,
}

impl MxFailure {
    /// The reason of a host no `mx` pattern covers (RFC 8461 §4.1).
    pub const NOT_COVERED: &'static str = "not covered by any mx pattern of the policy";
    /// The reason of a host Postfix does not match as postfix-mta-sts-resolver hands it the
    /// policy ([`crate::lenient`]).
    pub const NOT_MATCHED_LENIENT: &'static str =
        "not matched as postfix-mta-sts-resolver hands the policy to Postfix";

    /// Whether a reason is about coverage (fixed in the policy file), not about the host.
    pub fn is_coverage_reason(reason: &str) -> bool {
        reason == Self::NOT_COVERED || reason == Self::NOT_MATCHED_LENIENT
    }

    /// Whether the host fails (also) because the policy does not cover it.
    pub fn uncovered(&self) -> bool {
        self.reasons.iter().any(|r| Self::is_coverage_reason(r))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnforceVerdict {
    pub readiness: Readiness,
    /// One sentence.
    pub message: String,
    /// MX hosts that would fail.
    pub failing_mx: Vec<MxFailure>,
    /// MX hosts that could not be confirmed (timed out, refused, no greeting, closed early, not
    /// probed): never counted as passing.
    pub unconfirmed_mx: Vec<MxFailure>,
    /// Problems outside the MX hosts that stop the policy from being applied at all.
    pub blockers: Vec<String>,
}

/// The whole check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub domain: String,
    pub overall: Light,
    /// Whether every section that decides the verdict was checked. An incomplete run is not a
    /// result: it is not stored in history, and `mtasts check` exits 3 unless something
    /// checked is broken.
    pub complete: bool,
    /// One sentence: "Enforced and healthy", "Testing mode: safe to enforce", …
    pub verdict: String,
    pub enforce: EnforceVerdict,
    pub sections: Vec<Section>,
    pub sts_record: Option<StsRecord>,
    pub policy: Option<Policy>,
    /// SHA-256 (hex) of the policy body as senders read it (content coding undone): compare
    /// it between runs to see a policy that changed while the TXT `id` did not.
    pub policy_sha256: Option<String>,
    /// What a lenient sender applies (postfix-mta-sts-resolver, the policy source of Postfix
    /// senders; see [`crate::lenient`]), when it applies a policy; it may differ from `policy`
    /// and apply one where strict senders apply none.
    pub lenient: Option<crate::lenient::LenientPolicy>,
    pub tlsrpt_record: Option<TlsrptRecord>,
    pub coverage: Option<Coverage>,
    /// One result per MX host and per address, with its DANE verdict
    /// ([`crate::mx_hosts`]).
    pub mx: Vec<crate::mx_hosts::MxHostResult>,
    /// The AD bit on the `_mta-sts` answer, when the resolver said.
    pub dnssec: Option<bool>,
}

impl Report {
    pub fn section(&self, id: SectionId) -> &Section {
        // `check` always builds every section, in `SectionId::ALL` order.
        &self.sections[SectionId::ALL.iter().position(|s| *s == id).unwrap_or(0)]
    }

    /// Every finding of every section.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.sections.iter().flat_map(|s| s.findings.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::Light;

    /// "Does not apply", "not tested" and "incomplete" each have their own icon and words,
    /// and none of them reads like a verdict on the domain.
    #[test]
    fn states_that_are_not_verdicts_are_told_apart() {
        let all = [
            Light::Grey,
            Light::Green,
            Light::Amber,
            Light::Red,
            Light::Untested,
            Light::Incomplete,
            Light::Pending,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.icon(), b.icon(), "{a:?} and {b:?} share an icon");
                assert_ne!(a.word(), b.word(), "{a:?} and {b:?} share words");
                assert_ne!(a.name(), b.name());
            }
        }
        for l in [Light::Grey, Light::Untested, Light::Incomplete] {
            assert!(!matches!(l.word(), "good" | "weak" | "broken"), "{l:?}");
        }
        assert!(Light::Untested.concern() > Light::Green.concern());
        assert!(Light::Incomplete.concern() > Light::Amber.concern());
    }
}
