//! The result of a live check: traffic lights per section and overall, the findings, the
//! parsed records, and the "ready to enforce?" verdict.

use serde::Serialize;

use crate::finding::Finding;
use crate::mx::Coverage;
use crate::policy::Policy;
use crate::record::StsRecord;
use crate::tlsrpt::TlsrptRecord;

/// A traffic light. Never shown as colour alone: each has an icon and words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Light {
    /// Not deployed, or not tested.
    Grey,
    /// Enforced and sound.
    Green,
    /// Works but weak: testing mode, short max_age, no TLS-RPT, certificate expiring soon.
    Amber,
    /// Broken.
    Red,
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
            Light::Pending => "…",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Light::Green => "good",
            Light::Amber => "weak",
            Light::Red => "broken",
            Light::Grey => "not applicable",
            Light::Pending => "checking",
        }
    }
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
    Tlsrpt,
}

impl SectionId {
    pub const ALL: [SectionId; 6] = [
        SectionId::StsRecord,
        SectionId::PolicyFetch,
        SectionId::Policy,
        SectionId::MxCoverage,
        SectionId::MxTls,
        SectionId::Tlsrpt,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SectionId::StsRecord => "MTA-STS TXT record",
            SectionId::PolicyFetch => "Policy fetch",
            SectionId::Policy => "Policy",
            SectionId::MxCoverage => "MX coverage",
            SectionId::MxTls => "MX STARTTLS",
            SectionId::Tlsrpt => "TLS-RPT record",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: SectionId,
    pub title: &'static str,
    pub light: Light,
    /// One line that says what this section found.
    pub summary: String,
    pub findings: Vec<Finding>,
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
    /// Not everything is known yet (pending or not tested).
    Unknown,
}

/// One MX host that would fail under an enforced policy, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxFailure {
    pub host: String,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnforceVerdict {
    pub readiness: Readiness,
    /// One sentence.
    pub message: String,
    /// MX hosts that would fail.
    pub failing_mx: Vec<MxFailure>,
    /// Problems outside the MX hosts that stop the policy from being applied at all.
    pub blockers: Vec<String>,
}

/// The whole check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub domain: String,
    pub overall: Light,
    /// One sentence: "Enforced and healthy", "Testing mode: safe to enforce", …
    pub verdict: String,
    pub enforce: EnforceVerdict,
    pub sections: Vec<Section>,
    pub sts_record: Option<StsRecord>,
    pub policy: Option<Policy>,
    pub tlsrpt_record: Option<TlsrptRecord>,
    pub coverage: Option<Coverage>,
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
