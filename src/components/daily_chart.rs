//! TLS-RPT sessions per day as a chart (SVG drawn here: a bar per day, successful sessions
//! below the failed ones) with a table as its text alternative, and the top failures beside it.
//! Shared by the operator console (reports from the store) and the offline report tool (files
//! the user opened): both hand it the core's [`DayRow`]s, so both show the same numbers.

use std::collections::BTreeMap;

use mtasts_core::daily::{days, unix_seconds, DayRow};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub days: Vec<DayRow>,
    /// Names the chart for screen readers and the table's caption ("example.com").
    pub label: AttrValue,
}

const W: f64 = 640.0;
const H: f64 = 180.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;

/// A round step for the vertical axis: 1, 2 or 5 times a power of ten, about four lines.
fn step(max: u64) -> u64 {
    let raw = (max.max(4) as f64 / 4.0).ceil();
    let p = 10f64.powf(raw.log10().floor());
    let s = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(raw);
    s as u64
}

/// "1 234 567" for a count (thin spaces keep a number whole).
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[function_component]
pub fn DailyChart(p: &Props) -> Html {
    if p.days.is_empty() {
        return html! { <p class="hint">{"No reports in this period."}</p> };
    }
    let max = p
        .days
        .iter()
        .map(|d| d.sessions.successful + d.sessions.failed)
        .max()
        .unwrap_or(1)
        .max(1);
    let step = step(max);
    let top = max.div_ceil(step) * step;
    let y = |v: u64| (H - BOTTOM) - (v as f64 / top as f64) * (H - BOTTOM - 8.0);
    // One slot per calendar day from the first to the last: a day without reports is a gap,
    // not squeezed out (silence is not a clean day, and the chart must not hide it).
    let index = |day: &str| unix_seconds(&format!("{day}T00:00:00Z")).map(|t| t.div_euclid(86_400));
    let first = p.days.first().and_then(|d| index(&d.day)).unwrap_or(0);
    let at = |d: &DayRow, i: usize| {
        index(&d.day)
            .map(|n| (n - first).max(0) as usize)
            .unwrap_or(i)
    };
    let span = p
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| at(d, i) + 1)
        .max()
        .unwrap_or(1);
    let slot = (W - LEFT) / span as f64;
    // A few days' bars are not as wide as the chart: at most 40 units.
    let bar = (slot * 0.7).clamp(1.0, 40.0);
    let failed_days = p.days.iter().filter(|d| d.sessions.failed > 0).count();
    let summary = format!(
        "{}: sessions per day over {}, {} with reports, {} with failures. The table below has the numbers.",
        p.label,
        days(span),
        days(p.days.len()),
        days(failed_days)
    );
    let grid: Vec<u64> = (0..=top / step).map(|i| i * step).collect();
    // A label under every few days, so that they do not overlap.
    let every = (span / 8).max(1);
    html! {
        <figure class="daily-chart">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
                { for grid.iter().map(|v| html! {
                    <g class="grid">
                        <line x1={LEFT.to_string()} x2={W.to_string()} y1={y(*v).to_string()} y2={y(*v).to_string()} />
                        <text x={(LEFT - 4.0).to_string()} y={(y(*v) + 4.0).to_string()} text-anchor="end">{count(*v)}</text>
                    </g>
                }) }
                { for p.days.iter().enumerate().map(|(i, d)| {
                    let i = at(d, i);
                    let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
                    let ok_top = y(d.sessions.successful);
                    let all_top = y(d.sessions.successful + d.sessions.failed);
                    let title = format!("{}: {} successful, {} failed", d.day, count(d.sessions.successful), count(d.sessions.failed));
                    html! {
                        <g class="day">
                            <title>{title}</title>
                            <rect class="ok" x={x.to_string()} y={ok_top.to_string()} width={bar.to_string()} height={(y(0) - ok_top).max(0.0).to_string()} />
                            if d.sessions.failed > 0 {
                                // At least 2 px, so that one failed session among thousands shows.
                                <rect class="failed" x={x.to_string()} y={all_top.min(ok_top - 2.0).to_string()}
                                      width={bar.to_string()} height={(ok_top - all_top).max(2.0).to_string()} />
                            }
                            if i % every == 0 {
                                <text class="date" x={(x + bar / 2.0).to_string()} y={(H - 6.0).to_string()} text-anchor="middle">{d.day.get(5..).unwrap_or(&d.day).to_string()}</text>
                            }
                        </g>
                    }
                }) }
            </svg>
            <figcaption>
                {"Sessions per UTC day: "}
                <span class="key ok" aria-hidden="true"></span>{"successful "}
                <span class="key failed" aria-hidden="true"></span>{"failed"}
            </figcaption>
            <details class="chart-table">
                <summary>{"The numbers, as a table"}</summary>
                <div class="table-wrap" tabindex="0" role="region" aria-label={format!("Sessions per day, {}", p.label)}>
                <table class="data">
                    <caption>{format!("Sessions per day, {}", p.label)}</caption>
                    <thead><tr><th scope="col">{"Day (UTC)"}</th><th scope="col" class="num">{"Reports"}</th><th scope="col" class="num">{"Successful"}</th><th scope="col" class="num">{"Failed"}</th></tr></thead>
                    <tbody>{ for p.days.iter().map(|d| html! {
                        <tr data-day={d.day.clone()}><th scope="row">{&d.day}</th><td class="num">{d.reports}</td>
                            <td class="num">{count(d.sessions.successful)}</td><td class="num">{count(d.sessions.failed)}</td></tr>
                    }) }</tbody>
                </table>
                </div>
            </details>
            {top_failures(&p.days)}
        </figure>
    }
}

/// The evidence for enforcing in one line, as the console and the offline tool both show it.
pub fn evidence_line(ready: bool, summary: &str) -> Html {
    html! {
        <p class={classes!("evidence", ready.then_some("ready"))} data-ready={ready.to_string()}>
            <strong>{ if ready { "Evidence for enforcing: yes. " } else { "Evidence for enforcing: not yet. " } }</strong>
            {summary.to_string()}
        </p>
    }
}

/// The result types, receiving MX hosts and reporting organisations with the most failed
/// sessions over the period.
fn top_failures(days: &[DayRow]) -> Html {
    let mut by_type: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_mx: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_org: BTreeMap<&str, u64> = BTreeMap::new();
    for d in days {
        for (k, n) in &d.by_result_type {
            *by_type.entry(k).or_default() += n;
        }
        for (k, n) in &d.by_receiving_mx {
            *by_mx.entry(k).or_default() += n;
        }
        for (k, s) in &d.by_organization {
            if s.failed > 0 {
                *by_org.entry(k).or_default() += s.failed;
            }
        }
    }
    if by_type.is_empty() {
        return html! { <p class="clean">{"No failed session in this period."}</p> };
    }
    // Result types and host names are protocol text (code); organisations are names.
    let table = |caption: &str, head: &str, map: BTreeMap<&str, u64>, code: bool| {
        let mut rows: Vec<(&str, u64)> = map.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        html! {
            <div class="table-wrap" tabindex="0" role="region" aria-label={caption.to_string()}>
            <table class="data top-failures">
                <caption>{caption.to_string()}</caption>
                <thead><tr><th scope="col">{head.to_string()}</th><th scope="col" class="num">{"Failed sessions"}</th></tr></thead>
                <tbody>{ for rows.into_iter().take(10).map(|(k, n)| html! {
                    <tr><td>if code { <code>{k}</code> } else { {k} }</td><td class="num">{count(n)}</td></tr>
                }) }</tbody>
            </table>
            </div>
        }
    };
    html! {
        <div class="top-failures-grid">
            {table("Top failing result types", "Result type", by_type, true)}
            {table("Top failing MX hosts", "Receiving MX", by_mx, true)}
            {table("Organisations reporting failures", "Organisation", by_org, false)}
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_steps_are_round_and_counts_stay_whole() {
        assert_eq!(super::step(4), 1);
        assert_eq!(super::step(9), 5);
        assert_eq!(super::step(1234), 500);
        assert_eq!(super::step(100_000), 50_000);
        assert_eq!(super::count(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(super::count(999), "999");
    }
}
