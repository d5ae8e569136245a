//! The scenario catalogue: one data file per scenario in `scenarios/`, embedded at build time.
//! A scenario `NAME` describes the domain `NAME.test`: its DNS records, its policy host and its
//! SMTP hosts, and what a check of it should conclude (`expect`, read by the integration
//! tests; the testkit itself does not interpret it).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::dns::NameSpec;
use crate::https::PolicyHost;
use crate::smtp::SmtpKind;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(skip)]
    pub name: String,
    pub description: String,
    /// Answers for this domain carry the AD bit.
    #[serde(default)]
    pub dnssec: bool,
    /// Records by name: relative to the domain, "@" for the domain, absolute with a final dot.
    #[serde(default)]
    pub records: BTreeMap<String, NameSpec>,
    /// The policy host `mta-sts.<domain>`; absent means the name has no address.
    #[serde(default)]
    pub policy: Option<PolicyHost>,
    /// Other HTTPS hosts by relative name (TLS-RPT endpoints), answering as policy hosts do
    /// (404 for every path but the policy's); each gets an address.
    #[serde(default)]
    pub https: BTreeMap<String, PolicyHost>,
    /// SMTP hosts by relative name; each gets an address.
    #[serde(default)]
    pub smtp: BTreeMap<String, SmtpKind>,
    /// What a check should conclude (for the tests).
    #[serde(default)]
    pub expect: Value,
}

impl Scenario {
    pub fn domain(&self) -> String {
        format!("{}.test", self.name)
    }

    /// Parses a scenario file; `{domain}` anywhere in it stands for `NAME.test`.
    pub fn parse(name: &str, json: &str) -> Result<Scenario, String> {
        let json = json.replace("{domain}", &format!("{name}.test"));
        let mut s: Scenario =
            serde_json::from_str(&json).map_err(|e| format!("scenario {name}: {e}"))?;
        s.name = name.to_string();
        Ok(s)
    }
}

/// Every scenario of the catalogue, by name order.
pub fn catalogue() -> Vec<Scenario> {
    embedded::FILES
        .iter()
        .map(|(name, json)| Scenario::parse(name, json).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The hostile world: hosts that attack the checker (endless lines, stalls mid-read, slow and
/// huge DNS answers, terminal escapes). For the tests only; never part of the demo.
pub fn hostile() -> Vec<Scenario> {
    embedded::HOSTILE
        .iter()
        .map(|(name, json)| Scenario::parse(name, json).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// `n` copies of the catalogue scenario `template`, named `PREFIX-0` … (the bulk bench:
/// many distinct domains that each need the full check).
pub fn copies(template: &str, prefix: &str, n: usize) -> Result<Vec<Scenario>, String> {
    let json = embedded::FILES
        .iter()
        .find(|(name, _)| *name == template)
        .map(|(_, json)| *json)
        .ok_or_else(|| format!("no scenario {template}"))?;
    (0..n)
        .map(|i| Scenario::parse(&format!("{prefix}-{i}"), json))
        .collect()
}
