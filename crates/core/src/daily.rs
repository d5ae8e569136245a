//! TLS-RPT reports added up per day and policy domain, and the evidence they give for
//! switching to `mode: enforce`. Pure: the server (from its store) and the browser (from files
//! the user opens) call the same functions, so they show the same numbers.
//!
//! RFC 8460 §4.1: a report covers a "date-range" (usually one UTC day). A report is counted on
//! the UTC day its range starts; its sessions are the policies' summary counts (§4.4
//! "total-successful-session-count", "total-failure-session-count"), and the breakdown of the
//! failures (result type, receiving MX, sending IP) comes from its "failure-details".

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::report_json::ReportSummary;

/// Successful and failed sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sessions {
    pub successful: u64,
    pub failed: u64,
}

impl Sessions {
    fn add(&mut self, successful: u64, failed: u64) {
        self.successful = self.successful.saturating_add(successful);
        self.failed = self.failed.saturating_add(failed);
    }
}

/// One UTC day of one policy domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub policy_domain: String,
    /// How many reports said something about this day and domain.
    pub reports: u64,
    pub sessions: Sessions,
    /// Failed sessions by result type (RFC 8460 §4.3).
    pub by_result_type: BTreeMap<String, u64>,
    /// Sessions by the organisation that reported them.
    pub by_organization: BTreeMap<String, Sessions>,
    /// Failed sessions by receiving MX host.
    pub by_receiving_mx: BTreeMap<String, u64>,
    /// Failed sessions by sending MTA address.
    pub by_sending_ip: BTreeMap<String, u64>,
}

/// The name a report without an organisation or policy domain is counted under.
pub const UNKNOWN: &str = "(unknown)";

/// The UTC day (`YYYY-MM-DD`) a report's date range starts on, if it has a readable date.
/// A time without a zone (some senders write one) is read as UTC.
pub fn report_day(s: &ReportSummary) -> Option<String> {
    let start = s.date_range.start.as_deref()?;
    Some(day_of(unix_seconds(start)?))
}

/// What makes a report count: who sent it and which report it is (RFC 8460 §4.4
/// `organization-name` and `report-id`: a report sent twice is told apart by them), the day
/// it is about (`date-range`), and at least one policy (what its sessions were under).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Countable {
    pub organization: String,
    pub report_id: String,
    pub day: String,
}

/// Whether a read report can be stored and counted, and if not, why (the one rule for the
/// server's store and the offline tool, so both count the same reports).
pub fn countable(s: &ReportSummary) -> Result<Countable, String> {
    let named = |v: &Option<String>, what: &str| match v.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Ok(t.to_string()),
        _ => Err(format!(
            "the report has no {what}, so it cannot be told apart from others"
        )),
    };
    let organization = named(&s.organization_name, "\"organization-name\"")?;
    let report_id = named(&s.report_id, "\"report-id\"")?;
    if s.policies.is_empty() {
        return Err("the report has no policies, so it says nothing about any session".into());
    }
    let day = report_day(s).ok_or_else(|| match s.date_range.start.as_deref() {
        Some(start) => format!(
            "the report's \"start-datetime\" ({start:?}) is not an RFC 3339 date-time, so it cannot be counted on any day"
        ),
        None => "the report has no \"date-range\" start, so it cannot be counted on any day".into(),
    })?;
    Ok(Countable {
        organization,
        report_id,
        day,
    })
}

/// The UTC day (`YYYY-MM-DD`) of a time in seconds since 1970.
pub fn day_of(unix_seconds: i64) -> String {
    let (y, m, d) = civil_from_days(unix_seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Seconds since 1970 of an RFC 3339 date-time (§5.6), also without its zone (then UTC) and
/// with a space for the `T`. Leap seconds count as the second before.
pub fn unix_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')))
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?.min(59));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest.as_bytes() {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let r = rest.as_bytes();
            let hh = i64::from(r[1].checked_sub(b'0')?) * 10 + i64::from(r[2].checked_sub(b'0')?);
            let mm = i64::from(r[4].checked_sub(b'0')?) * 10 + i64::from(r[5].checked_sub(b'0')?);
            if hh > 23 || mm > 59 {
                return None;
            }
            let o = hh * 3600 + mm * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
/// hand-written: a date crate for two functions would also ship in the browser's module).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Adds reports up per UTC day and policy domain, in order of day, then domain. A report seen
/// again (the same organisation and report id: a resend, or one file opened twice) counts
/// once, as the store keeps it once; a report without a readable start date is left out (its
/// lint says why).
/// The failure breakdown needs [`crate::report_json::lint_rows`]' per-policy counts.
pub fn daily<'a>(reports: impl IntoIterator<Item = &'a ReportSummary>) -> Vec<DayRow> {
    let mut rows: BTreeMap<(String, String), DayRow> = BTreeMap::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for r in reports {
        if let (Some(org), Some(id)) = (r.organization_name.as_deref(), r.report_id.as_deref()) {
            if !seen.insert((org.trim(), id.trim())) {
                continue;
            }
        }
        let Some(day) = report_day(r) else { continue };
        let org = r.organization_name.as_deref().unwrap_or(UNKNOWN);
        // A report about one domain under two policies (sts and tlsa) is one report for it.
        let mut counted: BTreeSet<&str> = BTreeSet::new();
        for p in &r.policies {
            let domain = p
                .policy_domain
                .as_deref()
                .map(|d| d.trim_end_matches('.'))
                .unwrap_or(UNKNOWN);
            let domain = domain.to_ascii_lowercase();
            let row = rows
                .entry((day.clone(), domain.clone()))
                .or_insert_with(|| DayRow {
                    day: day.clone(),
                    policy_domain: domain.clone(),
                    ..DayRow::default()
                });
            if counted.insert(p.policy_domain.as_deref().unwrap_or(UNKNOWN)) {
                row.reports += 1;
            }
            row.sessions.add(p.successful, p.failed);
            row.by_organization
                .entry(org.to_string())
                .or_default()
                .add(p.successful, p.failed);
            if let Some(b) = &p.breakdown {
                for (from, into) in [
                    (&b.by_result_type, &mut row.by_result_type),
                    (&b.by_receiving_mx, &mut row.by_receiving_mx),
                    (&b.by_sending_ip, &mut row.by_sending_ip),
                ] {
                    for (k, n) in from {
                        let v = into.entry(k.clone()).or_default();
                        *v = v.saturating_add(*n);
                    }
                }
            }
        }
    }
    rows.into_values().collect()
}

/// How many days in a row of clean reports make the evidence for enforcing.
pub const CLEAN_DAYS: usize = 7;
/// From how many reporting organisations at least.
pub const MIN_ORGANIZATIONS: usize = 2;

/// What a domain's reports say about switching to `mode: enforce`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub policy_domain: String,
    /// Days with at least one report.
    pub days_with_reports: usize,
    /// Days with reports and no failed session.
    pub clean_days: usize,
    /// The last day with a failed session.
    pub last_failure: Option<String>,
    /// Days with reports since the last failure (all of them when there was none).
    pub clean_streak: usize,
    /// The organisations that reported in that streak.
    pub streak_organizations: Vec<String>,
    /// Whether the rule below holds.
    pub ready: bool,
    /// "30 days of reports, last failure on 2026-12-06": what the reports say, without the rule
    /// (for a domain that already enforces).
    pub record: String,
    /// The rule and how the reports measure up to it, in one sentence.
    pub summary: String,
}

/// How many days back (today included) clean days count: reports describe the recent past, so
/// a clean week long ago says nothing about today's senders.
pub const RECENT_DAYS: i64 = 14;

/// "1 day", "30 days".
pub fn days(n: usize) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// " Only Google Inc. reported in the last 14 days." when fewer organisations than the rule
/// needs reported at all since `since`: then no number of clean days is enough, and the reader
/// must learn that it is the senders that are missing.
fn few_senders(mine: &[&DayRow], since: &str) -> String {
    let recent: BTreeSet<&str> = mine
        .iter()
        .filter(|r| r.day.as_str() >= since)
        .flat_map(|r| r.by_organization.keys().map(String::as_str))
        .collect();
    if recent.len() >= MIN_ORGANIZATIONS || recent.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = recent.into_iter().collect();
    format!(
        " Only {} reported in the last {RECENT_DAYS} days.",
        names.join(" and ")
    )
}

/// The deciding rule: at least [`CLEAN_DAYS`] days with reports since the last failed session
/// (none of them with a failure, on any MX) within the last [`RECENT_DAYS`] days before
/// `today` (`YYYY-MM-DD`, UTC), reported by at least [`MIN_ORGANIZATIONS`] organisations (one
/// sender's view can miss what another's meets). The days need not follow each other: days
/// without any report count neither way, for silence is not evidence.
pub fn evidence(rows: &[DayRow], policy_domain: &str, today: &str) -> Evidence {
    let domain = policy_domain.trim_end_matches('.').to_ascii_lowercase();
    let mine: Vec<&DayRow> = rows.iter().filter(|r| r.policy_domain == domain).collect();
    let last_failure = mine
        .iter()
        .rev()
        .find(|r| r.sessions.failed > 0)
        .map(|r| r.day.clone());
    let since = unix_seconds(&format!("{today}T00:00:00Z"))
        .map(|t| day_of(t - (RECENT_DAYS - 1) * 86_400))
        .unwrap_or_default();
    let streak: Vec<&&DayRow> = mine
        .iter()
        .filter(|r| last_failure.as_ref().is_none_or(|f| r.day > *f))
        .filter(|r| r.day >= since)
        .collect();
    let orgs: BTreeSet<&str> = streak
        .iter()
        .flat_map(|r| r.by_organization.keys().map(String::as_str))
        .collect();
    let ready = streak.len() >= CLEAN_DAYS && orgs.len() >= MIN_ORGANIZATIONS;
    let failure = match &last_failure {
        Some(d) => format!("last failure on {d}"),
        None => "no failure reported".to_string(),
    };
    let record = format!("{} of reports, {failure}", days(mine.len()));
    let newest = mine.last().map(|r| r.day.as_str()).unwrap_or_default();
    let summary = if mine.is_empty() {
        format!("No TLS-RPT reports for {domain} yet: enforcing needs {CLEAN_DAYS} clean days of reports in the last {RECENT_DAYS} days, from at least {MIN_ORGANIZATIONS} organisations.")
    } else if ready {
        format!(
            "{record}; in the last {RECENT_DAYS} days {} with reports were clean, reported by {} organisations: the reports support enforcing.",
            days(streak.len()),
            orgs.len()
        )
    } else if newest < since.as_str() {
        format!(
            "{} of reports, the newest from {newest}: none in the last {RECENT_DAYS} days, so they say nothing about today; enforcing needs {CLEAN_DAYS} clean days of recent reports from at least {MIN_ORGANIZATIONS} organisations.",
            days(mine.len())
        )
    } else if streak.is_empty() {
        format!(
            "{record}: enforcing needs {CLEAN_DAYS} clean days of reports after the last failure (within {RECENT_DAYS} days), from at least {MIN_ORGANIZATIONS} organisations.{}",
            few_senders(&mine, &since)
        )
    } else {
        format!(
            "{record}; since then, in the last {RECENT_DAYS} days, {} with clean reports from {} organisation(s), and enforcing needs {CLEAN_DAYS} from at least {MIN_ORGANIZATIONS}.{}",
            days(streak.len()),
            orgs.len(),
            few_senders(&mine, &since)
        )
    };
    Evidence {
        policy_domain: domain,
        days_with_reports: mine.len(),
        clean_days: mine.iter().filter(|r| r.sessions.failed == 0).count(),
        last_failure,
        clean_streak: streak.len(),
        streak_organizations: orgs.into_iter().map(String::from).collect(),
        ready,
        record,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_utc_days() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2016-04-01T00:00:00Z"), Some(1_459_468_800));
        // Microsoft writes no zone: read as UTC.
        assert_eq!(unix_seconds("2016-04-01T00:00:00"), Some(1_459_468_800));
        assert_eq!(
            unix_seconds("2016-04-01T01:30:00+02:00"),
            Some(1_459_467_000)
        );
        assert_eq!(
            unix_seconds("2016-03-31T23:59:59.999-00:00"),
            Some(1_459_468_799)
        );
        assert_eq!(unix_seconds("2016-04-01"), None);
        assert_eq!(unix_seconds("2016-13-01T00:00:00Z"), None);
        for days in [-1000, 0, 365, 10_957, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        let mut s = ReportSummary::default();
        s.date_range.start = Some("2026-12-01T00:30:00+01:00".into());
        assert_eq!(report_day(&s).as_deref(), Some("2026-11-30"));
    }

    #[test]
    fn a_report_counts_only_with_a_sender_an_id_a_day_and_a_policy() {
        let mut s = ReportSummary {
            organization_name: Some(" Org ".into()),
            report_id: Some("r-1".into()),
            policies: vec![Default::default()],
            ..ReportSummary::default()
        };
        s.date_range.start = Some("2026-12-01T00:00:00Z".into());
        assert_eq!(
            countable(&s),
            Ok(Countable {
                organization: "Org".into(),
                report_id: "r-1".into(),
                day: "2026-12-01".into()
            })
        );
        let mut bad_day = s.clone();
        bad_day.date_range.start = Some("yesterday".into());
        assert!(countable(&bad_day)
            .unwrap_err()
            .contains("not an RFC 3339 date-time"));
        let mut no_day = s.clone();
        no_day.date_range.start = None;
        assert!(countable(&no_day).unwrap_err().contains("date-range"));
        let mut no_id = s.clone();
        no_id.report_id = Some("  ".into());
        assert!(countable(&no_id).unwrap_err().contains("report-id"));
        let mut no_policy = s;
        no_policy.policies.clear();
        assert!(countable(&no_policy).unwrap_err().contains("no policies"));
    }

    fn row(day: &str, org: &str, failed: u64) -> DayRow {
        let mut r = DayRow {
            day: day.into(),
            policy_domain: "example.com".into(),
            reports: 1,
            ..DayRow::default()
        };
        r.sessions.add(100, failed);
        r.by_organization.insert(
            org.into(),
            Sessions {
                successful: 100,
                failed,
            },
        );
        r
    }

    #[test]
    fn enforcing_needs_seven_clean_days_after_the_last_failure_from_two_organisations() {
        let days: Vec<String> = (1..=20).map(|d| format!("2026-11-{d:02}")).collect();
        // A failure on day 5, then 8 clean days from one organisation: not enough organisations.
        let mut rows: Vec<DayRow> = (0..5)
            .map(|i| row(&days[i], "a", u64::from(i == 4)))
            .collect();
        rows.extend((5..13).map(|i| row(&days[i], "a", 0)));
        let today = "2026-11-18";
        let e = evidence(&rows, "Example.com.", today);
        assert_eq!(e.last_failure.as_deref(), Some("2026-11-05"));
        assert_eq!((e.clean_streak, e.ready), (8, false), "{e:?}");
        assert_eq!(e.clean_days, 12);
        assert!(
            e.summary.ends_with(" Only a reported in the last 14 days."),
            "it says that the senders are missing: {}",
            e.summary
        );
        // A second organisation in the streak: ready.
        rows.push(row(&days[13], "b", 0));
        let e = evidence(&rows, "example.com", today);
        assert!(e.ready, "{e:?}");
        assert!(e.summary.contains("support enforcing"), "{}", e.summary);
        assert!(!e.summary.contains("Only"), "{}", e.summary);
        // A new failure resets the streak.
        rows.push(row(&days[14], "b", 3));
        let e = evidence(&rows, "example.com", today);
        assert_eq!((e.clean_streak, e.ready), (0, false));
        // Six clean days from two organisations: one short.
        let rows: Vec<DayRow> = (0..6)
            .map(|i| row(&days[i], ["a", "b"][i % 2], 0))
            .collect();
        let e = evidence(&rows, "example.com", today);
        assert!(!e.ready && e.last_failure.is_none(), "{e:?}");
        assert!(e.summary.contains("needs 7"), "{}", e.summary);
        assert!(e.summary.starts_with("6 days of reports"), "{}", e.summary);
        assert_eq!(e.record, "6 days of reports, no failure reported");
        assert!(!evidence(&[], "example.com", today).ready);
        // A clean fortnight long ago says nothing about today.
        let old: Vec<DayRow> = (0..10)
            .map(|i| row(&days[i], ["a", "b"][i % 2], 0))
            .collect();
        assert!(evidence(&old, "example.com", "2026-11-12").ready);
        let e = evidence(&old, "example.com", "2027-02-01");
        assert!(!e.ready, "{e:?}");
        assert!(
            e.summary.contains("say nothing about today"),
            "{}",
            e.summary
        );
    }
}
