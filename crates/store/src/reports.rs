//! TLS-RPT reports (RFC 8460): kept as received, with the core's findings and normalised rows
//! (one per applied policy, and its failures by result type, receiving MX and sending IP).

use std::collections::BTreeMap;

use mtasts_core::daily::{self, DayRow};
use mtasts_core::report_json::{self, Breakdown, PolicySummary, ReportSummary};
use mtasts_core::{Code, Finding};
use serde::Serialize;
use sqlx::Row;

use crate::{Result, Store};

/// A report read and judged, ready to be stored.
#[derive(Clone, Debug)]
pub struct NewReport {
    pub organization: String,
    pub report_id: String,
    /// The UTC day its date range starts on (a report without one is refused).
    pub day: String,
    pub summary: ReportSummary,
    pub valid: bool,
    pub findings: Vec<Finding>,
    /// The bytes as received (gzip or JSON).
    pub raw: Vec<u8>,
    pub media_type: String,
}

/// Why a report cannot be stored: said to the sender (HTTP 400, or 413 when it is too large)
/// or beside the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The core's finding that decided it, if one did.
    pub code: Option<Code>,
    pub message: String,
}

impl Refusal {
    fn new(message: impl Into<String>) -> Refusal {
        Refusal {
            code: None,
            message: message.into(),
        }
    }

    /// The report expands beyond the size allowed.
    pub fn too_large(&self) -> bool {
        self.code == Some(Code::ReportTooLarge)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl NewReport {
    /// Reads a report (JSON or gzip, at most `max_decompressed` bytes once decompressed) and
    /// decides whether it can be kept: it must be readable and name its organisation, its id
    /// (RFC 8460 §4.4: together they identify it, and a resend) and its policies. Anything
    /// else the core finds wrong is kept beside it as findings.
    pub fn read(
        raw: Vec<u8>,
        media_type: &str,
        max_decompressed: u64,
    ) -> std::result::Result<NewReport, Refusal> {
        let lint = report_json::lint_rows(&raw, max_decompressed);
        let Some(summary) = lint.summary.clone() else {
            let first = lint
                .findings
                .iter()
                .find(|f| f.severity() == mtasts_core::Severity::Error);
            return Err(Refusal {
                code: first.map(|f| f.code),
                message: first
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| "the report cannot be read".into()),
            });
        };
        let daily::Countable {
            organization,
            report_id,
            day,
        } = daily::countable(&summary).map_err(Refusal::new)?;
        Ok(NewReport {
            organization,
            report_id,
            day,
            valid: lint.valid,
            findings: lint.findings,
            summary,
            raw,
            media_type: media_type.to_string(),
        })
    }
}

/// What storing a report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Inserted {
    pub id: i64,
    /// The same organisation and report id were stored before: nothing was added.
    pub duplicate: bool,
}

/// One report in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportListItem {
    pub id: i64,
    pub organization: String,
    pub report_id: String,
    pub day: Option<String>,
    pub start_datetime: Option<String>,
    pub end_datetime: Option<String>,
    pub received_at: i64,
    pub source: String,
    pub valid: bool,
    /// The sessions of the listed domain's policies (of all its policies without a domain).
    pub successful: u64,
    pub failed: u64,
    pub policy_domains: Vec<String>,
}

impl ReportListItem {
    /// From the first nine columns of a row: id, organization, report_id, day,
    /// start_datetime, end_datetime, received_at, source, valid (sessions still to add).
    fn from_row(row: &sqlx::any::AnyRow) -> Result<ReportListItem> {
        Ok(ReportListItem {
            id: row.try_get(0)?,
            organization: row.try_get(1)?,
            report_id: row.try_get(2)?,
            day: row.try_get(3)?,
            start_datetime: row.try_get(4)?,
            end_datetime: row.try_get(5)?,
            received_at: row.try_get(6)?,
            source: row.try_get(7)?,
            valid: row.try_get::<i64, _>(8)? != 0,
            successful: 0,
            failed: 0,
            policy_domains: Vec::new(),
        })
    }

    /// Adds one policy's domain and sessions.
    fn add_policy(&mut self, domain: String, successful: i64, failed: i64) {
        if !self.policy_domains.contains(&domain) {
            self.policy_domains.push(domain);
        }
        self.successful += to_u64(successful);
        self.failed += to_u64(failed);
    }
}

/// One report as stored.
#[derive(Clone, Debug, Serialize)]
pub struct StoredReport {
    #[serde(flatten)]
    pub item: ReportListItem,
    pub contact_info: Option<String>,
    pub media_type: String,
    /// The report's JSON (decompressed when it came as gzip).
    pub json: String,
    pub findings: serde_json::Value,
}

/// A day range, both ends included (`YYYY-MM-DD`); `None` leaves that end open.
#[derive(Clone, Debug, Default)]
pub struct Days {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Days {
    /// Whether `day` (`YYYY-MM-DD`) lies in the range.
    pub fn contains(&self, day: &str) -> bool {
        self.from.as_deref().is_none_or(|f| day >= f) && self.to.as_deref().is_none_or(|t| day <= t)
    }

    fn bounds(&self) -> (String, String) {
        (
            self.from.clone().unwrap_or_else(|| "0000-00-00".into()),
            self.to.clone().unwrap_or_else(|| "9999-99-99".into()),
        )
    }
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Stores a report once per organisation and report id, committed before this returns:
    /// `Ok` means it is on disk (or in PostgreSQL's log). On SQLite, reports arriving together
    /// share one transaction (group commit: one disk flush for many, each caller answered only
    /// after it), see [`crate::Store::open`].
    pub async fn insert_report(
        &self,
        r: &NewReport,
        source: &str,
        received_at: i64,
    ) -> Result<Inserted> {
        if let Some(w) = &self.writer {
            return crate::batch::submit(w, r.clone(), source, received_at).await;
        }
        let mut out = self.insert_reports(&[(r, source, received_at)]).await?;
        out.pop()
            .ok_or_else(|| crate::Error::Unavailable(sqlx::Error::RowNotFound))
    }

    /// Stores several reports in one transaction, committed before this returns; one result
    /// per report, in order (a report seen earlier, also earlier in `items`, is a duplicate).
    pub async fn insert_reports(&self, items: &[(&NewReport, &str, i64)]) -> Result<Vec<Inserted>> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(items.len());
        for (r, source, received_at) in items {
            out.push(insert_in(&mut tx, r, source, *received_at).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Reports about `domain` (all reports without one) whose day is in `days`, newest first,
    /// at most `limit`.
    pub async fn list_reports(
        &self,
        domain: Option<&str>,
        days: &Days,
        limit: i64,
    ) -> Result<Vec<ReportListItem>> {
        let (from, to) = days.bounds();
        let domain = domain.map(|d| d.trim_end_matches('.').to_ascii_lowercase());
        let rows = sqlx::query(
            "SELECT r.id, r.organization, r.report_id, r.day, r.start_datetime, r.end_datetime, r.received_at, r.source, r.valid,
                    p.policy_domain, p.successful, p.failed
             FROM reports r JOIN report_policies p ON p.report = r.id
             WHERE ($1 = '' OR p.policy_domain = $1) AND COALESCE(r.day, '') >= $2 AND COALESCE(r.day, '') <= $3
             ORDER BY r.day DESC, r.id DESC, p.idx",
        )
        .bind(domain.unwrap_or_default())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<ReportListItem> = Vec::new();
        for row in rows {
            let id: i64 = row.try_get(0)?;
            if out.last().map(|l| l.id) != Some(id) {
                if out.len() as i64 >= limit {
                    break;
                }
                out.push(ReportListItem::from_row(&row)?);
            }
            if let Some(item) = out.last_mut() {
                item.add_policy(row.try_get(9)?, row.try_get(10)?, row.try_get(11)?);
            }
        }
        Ok(out)
    }

    /// One report, as received and as judged.
    pub async fn get_report(&self, id: i64) -> Result<Option<StoredReport>> {
        let Some(row) = sqlx::query(
            "SELECT r.id, r.organization, r.report_id, r.day, r.start_datetime, r.end_datetime, r.received_at, r.source, r.valid,
                    r.contact_info, r.media_type, r.raw, r.findings
             FROM reports r WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let raw: Vec<u8> = row.try_get(11)?;
        let json = if raw.starts_with(&[0x1f, 0x8b]) {
            report_json::decompressed_text(&raw, usize::MAX)
                .map(|(t, _)| t)
                .unwrap_or_default()
        } else {
            String::from_utf8_lossy(&raw).into_owned()
        };
        let findings: String = row.try_get(12)?;
        let policies = sqlx::query(
            "SELECT policy_domain, successful, failed FROM report_policies WHERE report = $1 ORDER BY idx",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut item = ReportListItem::from_row(&row)?;
        for p in policies {
            item.add_policy(p.try_get(0)?, p.try_get(1)?, p.try_get(2)?);
        }
        Ok(Some(StoredReport {
            item,
            contact_info: row.try_get(9)?,
            media_type: row.try_get(10)?,
            json,
            findings: serde_json::from_str(&findings).unwrap_or(serde_json::Value::Null),
        }))
    }

    /// The reports about `domain` whose day is in `days`, as the core reads them back for its
    /// daily summary: organisation, day and each policy with its failures broken down.
    pub async fn summaries(&self, domain: &str, days: &Days) -> Result<Vec<ReportSummary>> {
        let (from, to) = days.bounds();
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let policies = sqlx::query(
            "SELECT report, idx, policy_type, day, organization, successful, failed FROM report_policies
             WHERE policy_domain = $1 AND day >= $2 AND day <= $3 ORDER BY report, idx",
        )
        .bind(&domain)
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.pool)
        .await?;
        let failures = sqlx::query(
            "SELECT f.report, f.idx, f.kind, f.name, f.failed FROM policy_failures f
             JOIN report_policies p ON p.report = f.report AND p.idx = f.idx
             WHERE p.policy_domain = $1 AND p.day >= $2 AND p.day <= $3",
        )
        .bind(&domain)
        .bind(&from)
        .bind(&to)
        .fetch_all(&self.pool)
        .await?;
        let mut breakdowns: BTreeMap<(i64, i64), Breakdown> = BTreeMap::new();
        for f in failures {
            let b = breakdowns
                .entry((f.try_get(0)?, f.try_get(1)?))
                .or_default();
            let kind: String = f.try_get(2)?;
            let map = match kind.as_str() {
                "result_type" => &mut b.by_result_type,
                "receiving_mx" => &mut b.by_receiving_mx,
                _ => &mut b.by_sending_ip,
            };
            map.insert(f.try_get(3)?, to_u64(f.try_get(4)?));
        }
        let mut out: Vec<(i64, ReportSummary)> = Vec::new();
        for p in policies {
            let report: i64 = p.try_get(0)?;
            let idx: i64 = p.try_get(1)?;
            if out.last().map(|(id, _)| *id) != Some(report) {
                let day: String = p.try_get(3)?;
                let mut s = ReportSummary {
                    organization_name: Some(p.try_get(4)?),
                    ..ReportSummary::default()
                };
                s.date_range.start = Some(format!("{day}T00:00:00Z"));
                out.push((report, s));
            }
            if let Some((_, s)) = out.last_mut() {
                s.policies.push(PolicySummary {
                    policy_type: p.try_get(2)?,
                    policy_domain: Some(domain.clone()),
                    successful: to_u64(p.try_get(5)?),
                    failed: to_u64(p.try_get(6)?),
                    breakdown: Some(breakdowns.remove(&(report, idx)).unwrap_or_default()),
                    ..PolicySummary::default()
                });
            }
        }
        Ok(out.into_iter().map(|(_, s)| s).collect())
    }

    /// Per day, `domain`'s sessions and failures ([`mtasts_core::daily::daily`]).
    pub async fn daily(&self, domain: &str, days: &Days) -> Result<Vec<DayRow>> {
        Ok(daily::daily(&self.summaries(domain, days).await?))
    }
}

/// One report's rows, inside the caller's transaction.
async fn insert_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    r: &NewReport,
    source: &str,
    received_at: i64,
) -> Result<Inserted> {
    let findings = serde_json::to_string(&r.findings).unwrap_or_else(|_| "[]".into());
    let id: Option<i64> = sqlx::query(
        "INSERT INTO reports (organization, report_id, day, start_datetime, end_datetime, contact_info, received_at, source, media_type, raw, valid, findings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (organization, report_id) DO NOTHING RETURNING id",
    )
    .bind(&r.organization)
    .bind(&r.report_id)
    .bind(r.day.clone())
    .bind(r.summary.date_range.start.clone())
    .bind(r.summary.date_range.end.clone())
    .bind(r.summary.contact_info.clone())
    .bind(received_at)
    .bind(source)
    .bind(&r.media_type)
    .bind(r.raw.clone())
    .bind(i64::from(r.valid))
    .bind(findings)
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| row.try_get::<i64, _>(0))
    .transpose()?;
    let Some(id) = id else {
        let row = sqlx::query("SELECT id FROM reports WHERE organization = $1 AND report_id = $2")
            .bind(&r.organization)
            .bind(&r.report_id)
            .fetch_one(&mut **tx)
            .await?;
        return Ok(Inserted {
            id: row.try_get(0)?,
            duplicate: true,
        });
    };
    for (idx, p) in r.summary.policies.iter().enumerate() {
        let idx = idx as i64;
        let domain = p
            .policy_domain
            .as_deref()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            .unwrap_or_else(|| daily::UNKNOWN.to_string());
        sqlx::query(
            "INSERT INTO report_policies (report, idx, policy_type, policy_domain, day, organization, successful, failed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(idx)
        .bind(p.policy_type.clone())
        .bind(domain)
        .bind(r.day.clone())
        .bind(&r.organization)
        .bind(to_i64(p.successful))
        .bind(to_i64(p.failed))
        .execute(&mut **tx)
        .await?;
        let Some(b) = &p.breakdown else { continue };
        for (kind, map) in [
            ("result_type", &b.by_result_type),
            ("receiving_mx", &b.by_receiving_mx),
            ("sending_ip", &b.by_sending_ip),
        ] {
            for (name, n) in map {
                sqlx::query(
                    "INSERT INTO policy_failures (report, idx, kind, name, failed) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(idx)
                .bind(kind)
                .bind(name)
                .bind(to_i64(*n))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(Inserted {
        id,
        duplicate: false,
    })
}
