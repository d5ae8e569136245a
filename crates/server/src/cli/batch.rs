//! `mtasts check --batch FILE|-`: the full check of many domains, a few at a time.
//!
//! One domain per line, written as in the page's domain box (addresses and URLs are
//! accepted and normalised); blank lines and `#` comments are skipped, and a domain listed
//! twice is checked once. A line that is no domain gets its own error and the run goes on.
//! Output, in input order as results come in: one line per domain for people, JSON Lines
//! (`--json`: the report of `check --json` with its input line, or `{"line", "input",
//! "error"}`), or CSV (`--csv`: one row per domain). A progress bar with rate and ETA is
//! drawn on a terminal only, and a summary table ends the run (on stderr when stdout carries
//! data). The exit status is the worst outcome: 2 if any domain is red, else 3 if any line
//! could not be checked (bad input, nothing tested, incomplete), else 1 if any is amber,
//! else 0.

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mtasts_core::domain::{self, Domain};
use mtasts_core::report::{Light, Report};
use serde_json::{json, Value};

use super::check::{exit_status, CANNOT_RUN};
use super::render::{self, safe, BOLD, DIM};

/// Checks at once unless `--concurrency` says otherwise: enough to hide the network's
/// latency, few enough for one small machine and for the hosts being probed.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The list itself is refused beyond this size (a million domains fit in 64 MiB).
const MAX_LIST_BYTES: u64 = 64 << 20;

/// How the results are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    JsonLines,
    Csv,
}

/// One line of the list that names something to check (or fails to).
#[derive(Debug)]
enum Item {
    Check {
        line: usize,
        domain: Domain,
    },
    Bad {
        line: usize,
        input: String,
        error: String,
    },
}

/// Reads the list: the domains to check in order, the bad lines, and notes on duplicates.
fn parse(text: &str) -> (Vec<Item>, Vec<String>) {
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        // A domain holds no "#" or white space, so a comment may follow it on its line.
        let input = raw.split('#').next().unwrap_or("").trim();
        if input.is_empty() {
            continue;
        }
        match domain::normalize(input, domain::default_idna()) {
            Ok(d) => match seen.get(&d.ascii) {
                Some(first) => notes.push(format!(
                    "line {line}: {} is already listed on line {first}; it is checked once",
                    d.ascii
                )),
                None => {
                    seen.insert(d.ascii.clone(), line);
                    items.push(Item::Check { line, domain: d });
                }
            },
            Err(e) => items.push(Item::Bad {
                line,
                input: input.to_string(),
                error: e.to_string(),
            }),
        }
    }
    (items, notes)
}

fn read_list(path: &Path) -> Result<String, String> {
    let (name, reader): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
        ("standard input".into(), Box::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(path).map_err(|e| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                _ => e.to_string(),
            };
            format!("cannot read the list {}: {why}", path.display())
        })?;
        (path.display().to_string(), Box::new(f))
    };
    let mut buf = Vec::new();
    reader
        .take(MAX_LIST_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read the list {name}: {e}"))?;
    if buf.len() as u64 > MAX_LIST_BYTES {
        return Err(format!(
            "the list {name} is larger than {}; split it into several runs",
            super::size_words(MAX_LIST_BYTES)
        ));
    }
    String::from_utf8(buf).map_err(|_| {
        format!("the list {name} is not UTF-8 text; save it as UTF-8 with one domain per line")
    })
}

/// The outcome of one line.
enum Outcome {
    Report(Box<Report>),
    Bad { input: String, error: String },
}

/// Tallies of the run, for the summary table and the exit status.
#[derive(Default)]
struct Tally {
    lights: HashMap<Light, usize>,
    bad: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Report(r) => *self.lights.entry(r.overall).or_default() += 1,
            Outcome::Bad { .. } => self.bad += 1,
        }
    }

    fn count(&self, l: Light) -> usize {
        self.lights.get(&l).copied().unwrap_or(0)
    }

    /// Red beats everything (a confirmed problem must not hide behind an unknown), then
    /// anything not checked, then amber.
    fn exit_status(&self) -> u8 {
        let statuses = self
            .lights
            .keys()
            .map(|l| exit_status(*l))
            .chain((self.bad > 0).then_some(CANNOT_RUN));
        let mut worst = 0;
        for s in statuses {
            let rank = |s: u8| match s {
                2 => 3,
                CANNOT_RUN => 2,
                1 => 1,
                _ => 0,
            };
            if rank(s) > rank(worst) {
                worst = s;
            }
        }
        worst
    }
}

/// The order of the section columns in CSV (every section the report can have).
const SECTIONS: [&str; 7] = [
    "sts_record",
    "policy_fetch",
    "policy",
    "mx_coverage",
    "mx_tls",
    "dane",
    "tlsrpt",
];

fn name_of(v: impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The distinct codes of a report's findings, in catalogue order.
fn codes(r: &Report) -> Vec<&'static str> {
    let mut c: Vec<_> = r
        .sections
        .iter()
        .flat_map(|s| s.findings.iter().map(|f| f.code))
        .collect();
    c.sort();
    c.dedup();
    c.into_iter().map(|c| c.as_str()).collect()
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is written as text.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn csv_header() -> Vec<String> {
    let mut h: Vec<String> = ["line", "domain", "overall", "readiness"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(SECTIONS.iter().map(|s| s.to_string()));
    h.extend(
        ["sts_id", "policy_sha256", "codes", "verdict", "error"]
            .iter()
            .map(|s| s.to_string()),
    );
    h
}

fn csv_row(line: usize, o: &Outcome) -> Vec<String> {
    match o {
        Outcome::Report(r) => {
            let mut row = vec![
                line.to_string(),
                r.domain.clone(),
                r.overall.name().to_string(),
                name_of(r.enforce.readiness),
            ];
            row.extend(SECTIONS.iter().map(|id| {
                r.sections
                    .iter()
                    .find(|s| name_of(s.id) == *id)
                    .map(|s| s.light.name().to_string())
                    .unwrap_or_default()
            }));
            row.push(
                r.sts_record
                    .as_ref()
                    .map(|s| cell(&s.id))
                    .unwrap_or_default(),
            );
            row.push(r.policy_sha256.clone().unwrap_or_default());
            row.push(codes(r).join(" "));
            row.push(cell(&r.verdict));
            row.push(String::new());
            row
        }
        Outcome::Bad { input, error } => {
            let mut row = vec![line.to_string(), cell(input)];
            row.extend(std::iter::repeat_n(String::new(), 2 + SECTIONS.len() + 4));
            row.push(cell(error));
            row
        }
    }
}

/// One CSV record, quoted as RFC 4180 says (the csv crate does the quoting).
fn csv_line(fields: &[String]) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields)?;
    w.into_inner()
        .map_err(|_| std::io::Error::other("cannot encode CSV"))
}

fn json_line(line: usize, o: &Outcome) -> Result<String, String> {
    let v = match o {
        Outcome::Report(r) => {
            let mut v = serde_json::to_value(r).map_err(|e| format!("cannot encode JSON: {e}"))?;
            if let Value::Object(m) = &mut v {
                m.insert("line".into(), json!(line));
            }
            v
        }
        Outcome::Bad { input, error } => json!({"line": line, "input": input, "error": error}),
    };
    serde_json::to_string(&v).map_err(|e| format!("cannot encode JSON: {e}"))
}

fn human_line(w: &mut impl Write, o: &Outcome) -> std::io::Result<()> {
    match o {
        Outcome::Report(r) => {
            let s = super::check::style(r.overall);
            let codes = codes(r);
            write!(
                w,
                "{s}{} {:<15}{s:#} {BOLD}{}{BOLD:#} — {}",
                r.overall.icon(),
                r.overall.word(),
                safe(&r.domain),
                safe(&r.verdict)
            )?;
            if !codes.is_empty() {
                write!(w, " {DIM}[{}]{DIM:#}", codes.join(" "))?;
            }
            writeln!(w)
        }
        // Bad lines are told on stderr as they come.
        Outcome::Bad { .. } => Ok(()),
    }
}

fn summary(
    w: &mut impl Write,
    t: &Tally,
    checked: usize,
    repeats: usize,
    elapsed: Duration,
    concurrency: usize,
) -> std::io::Result<()> {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        checked as f64 / secs
    } else {
        0.0
    };
    writeln!(w)?;
    writeln!(
        w,
        "{BOLD}Checked {checked} domain{} in {secs:.1} s ({rate:.1} domains/s, {concurrency} at once){BOLD:#}",
        if checked == 1 { "" } else { "s" }
    )?;
    for l in [
        Light::Green,
        Light::Amber,
        Light::Red,
        Light::Grey,
        Light::Incomplete,
        Light::Untested,
    ] {
        // The four outcomes always; "incomplete" and "not tested" when they happened.
        if t.count(l) == 0 && matches!(l, Light::Incomplete | Light::Untested) {
            continue;
        }
        let s = super::check::style(l);
        writeln!(
            w,
            "  {s}{} {:<16}{s:#} {:>6}",
            l.icon(),
            l.word(),
            t.count(l)
        )?;
    }
    if t.bad > 0 {
        writeln!(w, "  {:<18} {:>6}", "✖ bad lines", t.bad)?;
    }
    if repeats > 0 {
        writeln!(w, "  {:<18} {:>6}", "  repeats skipped", repeats)?;
    }
    Ok(())
}

fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} domains · {rate} · ETA {eta}",
    ) {
        let style = style
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} domains/s", s.per_sec());
                },
            )
            // No estimate before the first result.
            .with_key(
                "eta",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = match s.pos() {
                        0 => write!(w, "–"),
                        _ => write!(w, "{}s", s.eta().as_secs()),
                    };
                },
            )
            .progress_chars("=> ");
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Runs a batch; returns the exit status.
pub fn run(
    list: &Path,
    format: Format,
    concurrency: usize,
    cfg: mtasts::config::FetchConfig,
    rt: &tokio::runtime::Runtime,
) -> u8 {
    let text = match read_list(list) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mtasts: {}", safe(&e));
            return CANNOT_RUN;
        }
    };
    let (items, notes) = parse(&text);
    for n in &notes {
        eprintln!("mtasts: {}", safe(n));
    }
    if items.is_empty() {
        eprintln!(
            "mtasts: nothing to check: the list has no domains (one per line; blank lines and # comments are skipped)"
        );
        return CANNOT_RUN;
    }
    let checks = items
        .iter()
        .filter(|i| matches!(i, Item::Check { .. }))
        .count();
    let bar = progress(checks as u64);
    let (repeats, at_once) = (notes.len(), concurrency.min(checks).max(1));
    let started = Instant::now();
    let cfg = std::sync::Arc::new(cfg);
    let mut out = anstream::stdout().lock();
    let mut tally = Tally::default();
    let mut failed: Option<String> = None;
    if format == Format::Csv {
        failed = super::written(csv_line(&csv_header()).and_then(|h| out.write_all(&h))).err();
    }
    rt.block_on(async {
        let mut results = stream::iter(items)
            .map(|item| {
                let cfg = cfg.clone();
                async move {
                    match item {
                        Item::Check { line, domain } => {
                            // Each check is its own task, so checks use both worker threads.
                            let shown = domain.ascii.clone();
                            let task = tokio::spawn(async move {
                                let now = mtasts::facts::unix_now();
                                let g = mtasts::gather::gather(&cfg, &domain.ascii, now).await;
                                mtasts_core::check(&g.inputs)
                            });
                            match task.await {
                                Ok(report) => (line, Outcome::Report(Box::new(report))),
                                Err(e) => (
                                    line,
                                    Outcome::Bad {
                                        input: shown,
                                        error: format!("the check failed: {e}"),
                                    },
                                ),
                            }
                        }
                        Item::Bad { line, input, error } => (line, Outcome::Bad { input, error }),
                    }
                }
            })
            .buffered(concurrency.max(1));
        while let Some((line, o)) = results.next().await {
            tally.add(&o);
            if let Outcome::Bad { input, error } = &o {
                bar.suspend(|| {
                    eprintln!(
                        "mtasts: line {line}: cannot check \"{}\": {}",
                        render::visible(input),
                        safe(error)
                    )
                });
            } else {
                bar.inc(1);
            }
            if failed.is_some() {
                continue;
            }
            let written = match format {
                Format::Human => bar.suspend(|| human_line(&mut out, &o)),
                Format::JsonLines => match json_line(line, &o) {
                    Ok(s) => writeln!(out, "{s}"),
                    Err(e) => Err(std::io::Error::other(e)),
                },
                Format::Csv => csv_line(&csv_row(line, &o)).and_then(|b| out.write_all(&b)),
            };
            let _ = out.flush();
            if let Err(e) = written {
                // A closed pipe ends the output quietly; the checks under way still finish.
                failed = Some(super::written(Err(e)).err().unwrap_or_default());
            }
        }
    });
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    if let Some(e) = failed.filter(|e| !e.is_empty()) {
        eprintln!("mtasts: {e}");
        return CANNOT_RUN;
    }
    let _ = match format {
        Format::Human => summary(&mut out, &tally, checks, repeats, elapsed, at_once),
        _ => summary(
            &mut anstream::stderr().lock(),
            &tally,
            checks,
            repeats,
            elapsed,
            at_once,
        ),
    };
    tally.exit_status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_skips_comments_blanks_and_repeats_and_keeps_bad_lines() {
        let (items, notes) = parse(
            "# my domains\n\nexample.com\n  https://Example.COM/  # again\nnot a domain!\nuser@b.example\n",
        );
        let shown: Vec<String> = items
            .iter()
            .map(|i| match i {
                Item::Check { line, domain } => format!("{line}:{}", domain.ascii),
                Item::Bad { line, input, .. } => format!("{line}!{input}"),
            })
            .collect();
        assert_eq!(shown, ["3:example.com", "5!not a domain!", "6:b.example"]);
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("line 4") && notes[0].contains("line 3"),
            "{notes:?}"
        );
    }

    #[test]
    fn red_is_the_worst_outcome_then_not_checked_then_amber() {
        let mut t = Tally::default();
        assert_eq!(t.exit_status(), 0);
        t.lights.insert(Light::Amber, 1);
        assert_eq!(t.exit_status(), 1);
        t.bad = 1;
        assert_eq!(t.exit_status(), CANNOT_RUN);
        t.lights.insert(Light::Red, 1);
        assert_eq!(t.exit_status(), 2);
    }

    #[test]
    fn spreadsheet_formulas_are_written_as_text() {
        assert_eq!(cell("=cmd()"), "'=cmd()");
        assert_eq!(cell("example.com"), "example.com");
        assert_eq!(
            csv_header().len(),
            csv_row(
                1,
                &Outcome::Bad {
                    input: "x".into(),
                    error: "e".into()
                }
            )
            .len()
        );
    }
}
