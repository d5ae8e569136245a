//! Findings: every problem or remark a validator has about its input.
//!
//! Validators never stop at the first error. They push a [`Finding`] for every deviation they
//! see and carry on, so a user fixes everything in one round. Each finding has a stable
//! [`Code`]; its severity, title, explanation, fix advice and RFC reference come from the
//! catalog (see [`crate::catalog`]), so the same code always means the same thing.

use serde::{Serialize, Serializer};

use crate::catalog::Code;

/// How bad a finding is.
///
/// `Error` means a conforming sender would not accept or apply what was given (or mail would
/// fail); `Warning` means it works for conforming senders but is weak, risky or known to trip
/// some implementations; `Info` is advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A position in the validated input: 1-based line and 1-based column counted in characters
/// (for text) or bytes (where the input was not valid UTF-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

/// One problem or remark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    /// What exactly is wrong with this input, in one line.
    pub message: String,
    /// Where in the input (policy file line/column; for TXT records the record number and the
    /// column in the joined record).
    pub location: Option<Location>,
    /// The thing it concerns when that is not a position, e.g. an MX host name.
    pub subject: Option<String>,
}

impl Finding {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
            location: None,
            subject: None,
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.location = Some(Location { line, column });
        self
    }

    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let info = self.code.info();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", info.code)?;
        map.serialize_entry("severity", &info.severity)?;
        map.serialize_entry("message", &self.message)?;
        map.serialize_entry("title", info.title)?;
        map.serialize_entry("fix", info.fix)?;
        map.serialize_entry("rfc", info.rfc)?;
        if let Some(loc) = self.location {
            map.serialize_entry("line", &loc.line)?;
            map.serialize_entry("column", &loc.column)?;
        }
        if let Some(subject) = &self.subject {
            map.serialize_entry("subject", subject)?;
        }
        map.end()
    }
}

/// Helpers over a list of findings.
pub trait FindingsExt {
    /// True when no finding is an error.
    fn no_errors(&self) -> bool;
    /// The most severe finding's severity, if any.
    fn worst(&self) -> Option<Severity>;
    /// True when a finding with this code is present.
    fn has(&self, code: Code) -> bool;
}

impl FindingsExt for [Finding] {
    fn no_errors(&self) -> bool {
        self.iter().all(|f| f.severity() != Severity::Error)
    }

    fn worst(&self) -> Option<Severity> {
        self.iter().map(Finding::severity).max()
    }

    fn has(&self, code: Code) -> bool {
        self.iter().any(|f| f.code == code)
    }
}

/// Findings of one code listed in full; past this, the rest are counted in one note.
pub const MAX_PER_CODE: usize = 20;

/// Keeps at most `per_code` findings of each code, in order, and adds one `findings.more`
/// note per code that had more, saying how many were left out. (A 64 KiB policy of blank
/// lines once gave 32,000 findings; what a user needs is the first few and the count.)
pub fn cap_repeats(findings: Vec<Finding>, per_code: usize) -> Vec<Finding> {
    use std::collections::BTreeMap;
    if findings.len() <= per_code {
        // No code can be over the cap: nothing to count or move.
        return findings;
    }
    let mut seen: BTreeMap<Code, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for f in findings {
        let n = seen.entry(f.code).or_insert(0);
        *n += 1;
        if *n <= per_code || f.code == Code::FindingsMore {
            out.push(f);
        }
    }
    for (code, n) in seen {
        if n > per_code && code != Code::FindingsMore {
            out.push(Finding::new(
                Code::FindingsMore,
                format!(
                    "{} more {} finding(s) like the ones above are not listed ({n} in all)",
                    n - per_code,
                    code.as_str()
                ),
            ));
        }
    }
    out
}

/// The overall verdict of a lint: `pass` (valid, nothing worse than info), `warn` (valid with
/// warnings) or `fail` (invalid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn from_findings(valid: bool, findings: &[Finding]) -> Verdict {
        if !valid {
            Verdict::Fail
        } else if findings.worst() >= Some(Severity::Warning) {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_capped_per_code_and_counted() {
        let mut list: Vec<Finding> = (0..50)
            .map(|i| Finding::new(Code::PolicyBlankLine, format!("blank {i}")))
            .collect();
        list.push(Finding::new(Code::PolicyModeMissing, "no mode"));
        let capped = cap_repeats(list, 20);
        assert_eq!(capped.len(), 22);
        assert_eq!(capped[19].message, "blank 19");
        assert_eq!(capped[20].code, Code::PolicyModeMissing);
        assert_eq!(capped[21].code, Code::FindingsMore);
        assert!(capped[21].message.starts_with("30 more policy.line.blank"));
        assert_eq!(
            cap_repeats(capped.clone(), 20),
            capped,
            "capping twice changes nothing"
        );
    }
}
