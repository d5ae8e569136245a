//! Output for people: findings shown like compiler diagnostics, with the offending line and a
//! marker under the column. Colour only on a terminal (anstream strips it otherwise and honours
//! `NO_COLOR`).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use mtasts_core::finding::{Finding, Severity, Verdict};

pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const RED: Style = AnsiColor::Red.on_default().bold();
pub const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
pub const GREEN: Style = AnsiColor::Green.on_default().bold();
pub const BLUE: Style = AnsiColor::Blue.on_default().bold();
pub const CYAN: Style = AnsiColor::Cyan.on_default().bold();

pub fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    }
}

/// Prints `title: valid (pass)` in the verdict's colour.
pub fn verdict_line(
    out: &mut impl Write,
    title: &str,
    valid: bool,
    verdict: Verdict,
) -> std::io::Result<()> {
    let (style, word) = match verdict {
        Verdict::Pass => (GREEN, "pass"),
        Verdict::Warn => (YELLOW, "pass with warnings"),
        Verdict::Fail => (RED, "FAIL"),
    };
    let validity = if valid { "valid" } else { "invalid" };
    writeln!(
        out,
        "{BOLD}{title}{BOLD:#}: {style}{validity} ({word}){style:#}"
    )
}

/// Where the findings point: a name for the `-->` line and the lines of the input.
pub struct Source<'a> {
    pub name: &'a str,
    pub lines: Vec<String>,
    /// What a `line` number counts: "line" for files, "record" for TXT record sets.
    pub unit: &'a str,
}

impl<'a> Source<'a> {
    pub fn text(name: &'a str, text: &str) -> Self {
        // Split on LF, CRLF and bare CR, as the policy parser does, so line numbers agree.
        let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
        Source {
            name,
            lines: normalised.split('\n').map(str::to_string).collect(),
            unit: "line",
        }
    }

    pub fn records(name: &'a str, records: &[Vec<String>]) -> Self {
        Source {
            name,
            lines: records.iter().map(|r| r.concat()).collect(),
            unit: "record",
        }
    }
}

pub fn findings(
    out: &mut impl Write,
    list: &[Finding],
    source: Option<&Source<'_>>,
) -> std::io::Result<()> {
    for f in list {
        finding(out, f, source)?;
    }
    Ok(())
}

pub fn finding(
    out: &mut impl Write,
    f: &Finding,
    source: Option<&Source<'_>>,
) -> std::io::Result<()> {
    let info = f.code.info();
    let style = severity_style(info.severity);
    writeln!(
        out,
        "{style}{}{style:#}{BOLD}[{}]{BOLD:#}: {}",
        info.severity.as_str(),
        info.code,
        safe(&f.message)
    )?;
    if let (Some(loc), Some(src)) = (f.location, source) {
        let width = loc.line.to_string().len();
        let pad = " ".repeat(width);
        let place = if src.unit == "line" {
            format!("{}:{}:{}", safe(src.name), loc.line, loc.column)
        } else {
            format!(
                "{} record {}, column {}",
                safe(src.name),
                loc.line,
                loc.column
            )
        };
        writeln!(out, "{pad}{BLUE}-->{BLUE:#} {place}")?;
        if let Some(text) = src.lines.get(loc.line as usize - 1) {
            let (shown, marker_col) = window(&visible(text), loc.column.saturating_sub(1) as usize);
            writeln!(out, "{pad} {BLUE}|{BLUE:#}")?;
            writeln!(out, "{BLUE}{}{BLUE:#} {BLUE}|{BLUE:#} {shown}", loc.line)?;
            writeln!(
                out,
                "{pad} {BLUE}|{BLUE:#} {}{style}^{style:#}",
                " ".repeat(marker_col)
            )?;
        }
        writeln!(out, "{pad} {BLUE}={BLUE:#} {BOLD}fix{BOLD:#}: {}", info.fix)?;
    } else {
        if let Some(subject) = &f.subject {
            writeln!(out, "  {BLUE}-->{BLUE:#} {}", safe(subject))?;
        }
        writeln!(out, "   {BLUE}={BLUE:#} {BOLD}fix{BOLD:#}: {}", info.fix)?;
    }
    Ok(())
}

/// Remote text made harmless for a terminal: control characters (C0, DEL, C1) and the
/// bidirectional overrides are written as `\x1b` or `\u{202e}`, so a hostile domain's
/// records cannot set the window title, clear the screen, fake a verdict in colour or write
/// to the clipboard (OSC 52). Every dynamic string in human output passes through here; JSON
/// output stays exact.
pub fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() || is_bidi(c);
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if bad(c) && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if bad(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Makes tabs, control characters, bidi overrides and odd spaces visible so the marker lines
/// up and nothing in the input can move the terminal cursor or reorder the line.
pub fn visible(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => '→',
            '\u{feff}' => '⍽',
            c if c.is_control() || is_bidi(c) => '�',
            c => c,
        })
        .collect()
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most 120 characters of a (visible) line around column `col` (0-based, in characters),
/// with "…" where it was cut, and where the marker goes in what is shown. (A 15 MB line once
/// printed whole, twice.)
fn window(line: &str, col: usize) -> (String, usize) {
    const WIDTH: usize = 120;
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= WIDTH {
        return (line.to_string(), col.min(chars.len()));
    }
    let col = col.min(chars.len());
    let start = col.saturating_sub(WIDTH / 2).min(chars.len() - WIDTH);
    let end = start + WIDTH;
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, col - start + usize::from(start > 0))
}

/// At most `max` characters of `s`, with "…" where it was cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

pub fn summary_counts(out: &mut impl Write, list: &[Finding]) -> std::io::Result<()> {
    let n = |s: Severity| list.iter().filter(|f| f.severity() == s).count();
    let (e, w, i) = (n(Severity::Error), n(Severity::Warning), n(Severity::Info));
    if e + w + i > 0 {
        writeln!(out, "{DIM}{e} error(s), {w} warning(s), {i} note(s){DIM:#}")?;
    }
    Ok(())
}
