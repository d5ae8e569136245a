//! Recent checks and what changed since the last one. Pure (no browser calls), so it is tested
//! natively; `services::storage` keeps the list in `localStorage`.
//!
//! RFC 8461 §3.1: senders re-fetch a cached policy only when the `id` in the `_mta-sts` TXT
//! record changes, so a policy edited without a new id is not seen until `max_age` runs out.

use mtasts_core::generate::id_from_unix_time;
use mtasts_core::Report;
use serde::{Deserialize, Serialize};

/// What is remembered of one finished check: enough to compare the next one with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recent {
    pub domain: String,
    /// Seconds since the Unix epoch.
    pub at: i64,
    /// The overall light, as the report names it ("green", "red" …).
    pub overall: String,
    pub verdict: String,
    /// The `_mta-sts` id, when one was published.
    #[serde(default)]
    pub id: Option<String>,
    /// The policy in canonical form (`Policy::to_text`), when one was fetched.
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    /// The SHA-256 of the policy body as served (hex), to show drift between checks.
    #[serde(default)]
    pub sha256: Option<String>,
    /// When this browser first saw the domain in testing mode, while it stays there.
    #[serde(default)]
    pub testing_since: Option<i64>,
}

impl Recent {
    pub fn of(report: &Report, at: i64, before: Option<&Recent>) -> Recent {
        let mode = report
            .policy
            .as_ref()
            .and_then(|p| p.mode)
            .map(|m| m.as_str().to_string());
        let testing_since = if mode.as_deref() == Some("testing") {
            before
                .filter(|b| b.mode.as_deref() == Some("testing"))
                .map(|b| b.testing_since.unwrap_or(b.at))
                .or(Some(at))
        } else {
            None
        };
        Recent {
            domain: report.domain.clone(),
            at,
            overall: report.overall.name().to_string(),
            verdict: report.verdict.clone(),
            id: report.sts_record.as_ref().map(|r| r.id.clone()),
            policy: report
                .policy
                .as_ref()
                .filter(|p| p.mode.is_some())
                .map(|p| p.to_text()),
            mode,
            sha256: report.policy_sha256.clone(),
            testing_since,
        }
    }

    /// The id and the first 12 digits of the policy's SHA-256, as the report shows them.
    pub fn fingerprint(&self) -> Option<String> {
        match (&self.id, &self.sha256) {
            (Some(id), Some(h)) => Some(format!("id {id} · sha256 {}", short(h))),
            (Some(id), None) => Some(format!("id {id}")),
            (None, Some(h)) => Some(format!("sha256 {}", short(h))),
            (None, None) => None,
        }
    }
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// " (sha256 a → b)" when both checks recorded the policy's hash and it differs.
fn hashes(before: &Recent, now: &Recent) -> String {
    match (&before.sha256, &now.sha256) {
        (Some(a), Some(b)) if a != b => format!(" (sha256 {} → {})", short(a), short(b)),
        _ => String::new(),
    }
}

/// `YYYY-MM-DD HH:MM UTC`.
pub fn date(secs: i64) -> String {
    let s = id_from_unix_time(u64::try_from(secs).unwrap_or(0));
    format!(
        "{}-{}-{} {}:{} UTC",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[8..10],
        &s[10..12]
    )
}

/// How serious a change is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Warning,
    Info,
}

/// What changed between the previous check of a domain and this one.
pub fn compare(before: &Recent, now: &Recent) -> Vec<(Tone, String)> {
    let mut out = Vec::new();
    let when = date(before.at);
    match (&before.policy, &now.policy, &before.id, &now.id) {
        (Some(p0), Some(p1), Some(i0), Some(i1)) if p0 != p1 && i0 == i1 => out.push((
            Tone::Warning,
            format!(
                "The policy changed since {when}{} but the id did not (still \"{i1}\"): senders that cached the old policy keep using it until its max_age runs out. Publish a new id in _mta-sts.{}.",
                hashes(before, now),
                now.domain
            ),
        )),
        (Some(p0), Some(p1), Some(i0), Some(i1)) if p0 != p1 => out.push((
            Tone::Info,
            format!("The policy changed since {when}{}, and the id changed with it (\"{i0}\" → \"{i1}\"), so senders will fetch the new one.", hashes(before, now)),
        )),
        (Some(p0), Some(p1), _, _) if p0 == p1 && !hashes(before, now).is_empty() => out.push((
            Tone::Info,
            format!("The policy file's bytes changed since {when}{}, but not what it says (white space, line endings or comments).", hashes(before, now)),
        )),
        _ => {}
    }
    if let Some(since) = now.testing_since {
        out.push((
            Tone::Info,
            format!(
                "In testing mode since at least {} (first seen by this browser). Once the TLS-RPT reports show no failures, switch to enforce.",
                date(since)
            ),
        ));
    }
    if before.overall != now.overall {
        out.push((
            Tone::Info,
            format!(
                "On {when} the result was {}: {}",
                before.overall, before.verdict
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: i64, id: &str, policy: &str, mode: &str) -> Recent {
        Recent {
            domain: "example.com".into(),
            at,
            overall: "amber".into(),
            verdict: "v".into(),
            id: Some(id.into()),
            policy: Some(policy.into()),
            mode: Some(mode.into()),
            sha256: None,
            testing_since: None,
        }
    }

    #[test]
    fn the_policy_hash_shows_drift() {
        let mut a = entry(0, "1", "mx: a", "enforce");
        let mut b = entry(10, "1", "mx: b", "enforce");
        a.sha256 = Some("aaaaaaaaaaaa0000".into());
        b.sha256 = Some("bbbbbbbbbbbb0000".into());
        let notes = compare(&a, &b);
        assert!(
            notes[0]
                .1
                .contains("(sha256 aaaaaaaaaaaa → bbbbbbbbbbbb) but the id did not"),
            "{notes:?}"
        );
        assert_eq!(
            b.fingerprint().as_deref(),
            Some("id 1 · sha256 bbbbbbbbbbbb")
        );
        // The same policy in other bytes (line endings, comments): said, but not a warning.
        let mut c = entry(20, "1", "mx: b", "enforce");
        c.sha256 = Some("cccccccccccc0000".into());
        let notes = compare(&b, &c);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].0, Tone::Info);
        assert!(notes[0].1.contains("bytes changed"), "{notes:?}");
    }

    #[test]
    fn a_changed_policy_with_the_same_id_is_a_warning() {
        let a = entry(0, "1", "mode: testing\r\nmx: a\r\n", "testing");
        let b = entry(86_400, "1", "mode: testing\r\nmx: b\r\n", "testing");
        let notes = compare(&a, &b);
        assert_eq!(notes[0].0, Tone::Warning);
        assert!(notes[0].1.contains("the id did not"), "{notes:?}");
        assert!(notes[0].1.contains("1970-01-01 00:00 UTC"), "{notes:?}");
    }

    #[test]
    fn a_changed_policy_with_a_new_id_is_fine() {
        let a = entry(0, "1", "mx: a", "enforce");
        let b = entry(10, "2", "mx: b", "enforce");
        let notes = compare(&a, &b);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0, Tone::Info);
    }

    #[test]
    fn nothing_changed_says_nothing() {
        let a = entry(0, "1", "mx: a", "enforce");
        assert!(compare(&a, &entry(10, "1", "mx: a", "enforce")).is_empty());
    }

    #[test]
    fn testing_since_is_carried_from_the_first_sighting() {
        let mut first = entry(1_000, "1", "mx: a", "testing");
        first.testing_since = Some(1_000);
        let report = |mode: mtasts_core::policy::Mode| {
            let mut r = mtasts_core::check(&mtasts_core::Inputs::new("example.com"));
            r.policy = Some(mtasts_core::policy::Policy {
                mode: Some(mode),
                ..Default::default()
            });
            r
        };
        let second = Recent::of(
            &report(mtasts_core::policy::Mode::Testing),
            90_000,
            Some(&first),
        );
        assert_eq!(second.testing_since, Some(1_000));
        let notes = compare(&first, &second);
        assert!(
            notes
                .iter()
                .any(|(_, n)| n.contains("testing mode since at least 1970-01-01 00:16 UTC")),
            "{notes:?}"
        );
        let enforced = Recent::of(
            &report(mtasts_core::policy::Mode::Enforce),
            95_000,
            Some(&second),
        );
        assert_eq!(enforced.testing_since, None);
    }
}
