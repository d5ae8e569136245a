//! `mtasts lint …`: offline validation with the core's one output shape.

use std::io::Write;

use mtasts_core::lint::{self, LintOutput};
use mtasts_core::TxtRecord;

use super::render::{self, safe, Source, BOLD, DIM};
use super::{print_json, read_input, LintCommand, FAIL, OK};

pub fn run(cmd: LintCommand, json: bool) -> Result<u8, String> {
    let (out, name, source_text, records): (
        LintOutput,
        String,
        Option<String>,
        Option<Vec<TxtRecord>>,
    ) = match &cmd {
        LintCommand::Policy(input) => {
            let (name, bytes) = read_input(input.file.as_ref(), input.max_input_size)?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            (lint::policy(&bytes), name, Some(text), None)
        }
        LintCommand::TlsrptReport(input) => {
            let (name, bytes) = read_input(input.file.as_ref(), input.max_input_size)?;
            let text = (!bytes.starts_with(&[0x1f, 0x8b]))
                .then(|| String::from_utf8_lossy(&bytes).into_owned());
            (
                lint::tlsrpt_report_within(&bytes, input.max_input_size),
                name,
                text,
                None,
            )
        }
        LintCommand::StsTxt(args) => {
            let recs = parse_records(&args.records);
            (lint::sts_txt(&recs), "_mta-sts".into(), None, Some(recs))
        }
        LintCommand::TlsrptTxt(args) => {
            let recs = parse_records(&args.records);
            (
                lint::tlsrpt_txt(&recs),
                "_smtp._tls".into(),
                None,
                Some(recs),
            )
        }
    };
    if json {
        print_json(&out)?;
    } else {
        let source = match (&source_text, &records) {
            (Some(t), _) => Some(Source::text(&name, t)),
            (_, Some(r)) => Some(Source::records(&name, r)),
            _ => None,
        };
        super::written(human(&out, &name, source.as_ref()))?;
    }
    Ok(if out.valid { OK } else { FAIL })
}

fn parse_records(args: &[String]) -> Vec<TxtRecord> {
    args.iter().map(|a| lint::parse_presentation(a)).collect()
}

fn human(out: &LintOutput, name: &str, source: Option<&Source<'_>>) -> std::io::Result<()> {
    let mut w = anstream::stdout().lock();
    render::findings(&mut w, &out.findings, source)?;
    if !out.findings.is_empty() {
        writeln!(w)?;
    }
    render::verdict_line(
        &mut w,
        &format!("{} {}", out.kind.as_str(), safe(name)),
        out.valid,
        out.verdict,
    )?;
    let p = &out.parsed;
    if !out.valid && out.kind != lint::Kind::TlsrptReport {
        writeln!(
            w,
            "  {DIM}as read, but senders that follow the grammar apply none of it{DIM:#}"
        )?;
    }
    match out.kind {
        lint::Kind::Policy => {
            writeln!(
                w,
                "  {BOLD}version{BOLD:#} {}  {BOLD}mode{BOLD:#} {}  {BOLD}max_age{BOLD:#} {}",
                safe(p["version"].as_str().unwrap_or("-")),
                safe(p["mode"].as_str().unwrap_or("-")),
                p["max_age"]
                    .as_u64()
                    .map(|a| format!("{a} ({})", duration(a)))
                    .unwrap_or_else(|| "-".into()),
            )?;
            writeln!(w, "  {BOLD}mx{BOLD:#} {}", list(&p["mx"]))?;
        }
        lint::Kind::StsTxt => {
            writeln!(
                w,
                "  {BOLD}id{BOLD:#} {}",
                safe(p["id"].as_str().unwrap_or("-"))
            )?;
        }
        lint::Kind::TlsrptTxt => {
            writeln!(w, "  {BOLD}rua{BOLD:#} {}", list(&p["rua"]))?;
        }
        lint::Kind::TlsrptReport => report_summary(&mut w, p)?,
    }
    render::summary_counts(&mut w, &out.findings)
}

/// Items of a list shown to people before "… and N more" (`--json` has them all).
const LIST_MAX: usize = 20;

/// A JSON list of strings for people: "a, b", or "-" when empty.
fn list(v: &serde_json::Value) -> String {
    let items: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    if items.is_empty() {
        return "-".to_string();
    }
    let shown = safe(&items[..items.len().min(LIST_MAX)].join(", ")).into_owned();
    match items.len().checked_sub(LIST_MAX) {
        Some(more) if more > 0 => format!("{shown}, … and {more} more"),
        _ => shown,
    }
}

fn report_summary(w: &mut impl Write, p: &serde_json::Value) -> std::io::Result<()> {
    if p.is_null() {
        return Ok(());
    }
    writeln!(
        w,
        "  {BOLD}from{BOLD:#} {}  {BOLD}report{BOLD:#} {}",
        safe(p["organization_name"].as_str().unwrap_or("?")),
        safe(p["report_id"].as_str().unwrap_or("?"))
    )?;
    writeln!(
        w,
        "  {BOLD}period{BOLD:#} {} to {}",
        safe(p["date_range"]["start"].as_str().unwrap_or("?")),
        safe(p["date_range"]["end"].as_str().unwrap_or("?"))
    )?;
    writeln!(
        w,
        "  {BOLD}sessions{BOLD:#} {} successful, {} failed",
        p["total_successful"], p["total_failed"]
    )?;
    if let Some(policies) = p["policies"].as_array() {
        for pol in policies.iter().take(LIST_MAX) {
            writeln!(
                w,
                "    {} {}: {} successful, {} failed",
                safe(pol["policy_type"].as_str().unwrap_or("?")),
                safe(pol["policy_domain"].as_str().unwrap_or("(no domain)")),
                pol["successful"],
                pol["failed"]
            )?;
        }
        if policies.len() > LIST_MAX {
            writeln!(
                w,
                "    {DIM}… and {} more policies (--json lists them all){DIM:#}",
                policies.len() - LIST_MAX
            )?;
        }
    }
    for (key, title) in [
        ("by_result_type", "failures by result type"),
        ("by_receiving_mx", "failures by receiving MX"),
        ("by_sending_ip", "failures by sending IP"),
    ] {
        if let Some(map) = p[key].as_object().filter(|m| !m.is_empty()) {
            writeln!(w, "  {BOLD}{title}{BOLD:#}")?;
            let mut rows: Vec<_> = map.iter().collect();
            rows.sort_by(|a, b| b.1.as_u64().cmp(&a.1.as_u64()).then(a.0.cmp(b.0)));
            let more = rows.len().saturating_sub(LIST_MAX);
            rows.truncate(LIST_MAX);
            // Keys as shown: visible, and cut to a line's width (a hostile key can be megabytes).
            let shown: Vec<(String, &serde_json::Value)> = rows
                .into_iter()
                .map(|(k, v)| (render::clip(&render::visible(k), 60), v))
                .collect();
            let width = shown
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            for (k, v) in shown {
                writeln!(w, "    {k}{}  {v}", " ".repeat(width - k.chars().count()))?;
            }
            if more > 0 {
                writeln!(
                    w,
                    "    {DIM}… and {more} more (--json lists them all){DIM:#}"
                )?;
            }
        }
    }
    Ok(())
}

/// "1 week", "2 days 3 hours", for a number of seconds.
pub fn duration(secs: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (604_800, "week"),
        (86_400, "day"),
        (3600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let mut rest = secs;
    let mut parts = Vec::new();
    for (size, name) in UNITS {
        let n = rest / size;
        if n > 0 && parts.len() < 2 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
            rest -= n * size;
        }
    }
    if parts.is_empty() {
        "0 seconds".into()
    } else {
        parts.join(" ")
    }
}
