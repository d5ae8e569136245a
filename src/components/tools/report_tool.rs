//! A TLS-RPT aggregate report (RFC 8460 §4), pasted as JSON or opened as `.json` / `.json.gz`:
//! validated, then summed up in words and tables.

use mtasts_core::lint::{Kind, LintOutput};
use mtasts_core::report_json::{self, ReportSummary};
use mtasts_core::Verdict;
use yew::prelude::*;

use crate::components::file_drop::{use_input_bytes, FileDrop};
use crate::components::lint_result::LintResult;
use crate::components::tools::report_files::ReportFiles;

fn table(caption: &str, head: &str, rows: &std::collections::BTreeMap<String, u64>) -> Html {
    if rows.is_empty() {
        return html! {};
    }
    let mut rows: Vec<(&String, &u64)> = rows.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-label={caption.to_string()}>
        <table class="data">
            <caption>{caption}</caption>
            <thead><tr><th scope="col">{head}</th><th scope="col">{"Failed sessions"}</th></tr></thead>
            <tbody>{ for rows.into_iter().map(|(k, n)| html! { <tr><td><code>{k}</code></td><td class="num">{n}</td></tr> }) }</tbody>
        </table>
        </div>
    }
}

/// The anchor of a receiving MX's row, the target of the result types' links.
fn mx_anchor(host: &str) -> String {
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("report-mx-{safe}")
}

/// Each result type with what it means, its fix, and the MX hosts it names (links to their
/// rows below).
fn result_types(s: &ReportSummary) -> Html {
    if s.by_result_type.is_empty() {
        return html! {};
    }
    let mut rows: Vec<(&String, &u64)> = s.by_result_type.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    // A report about one domain: its name goes into the fixes.
    let domains: std::collections::BTreeSet<&str> = s
        .policies
        .iter()
        .filter_map(|p| p.policy_domain.as_deref())
        .collect();
    let named = |text: &str| match domains.iter().next() {
        Some(d) if domains.len() == 1 => mtasts_core::action::fill(text, d),
        _ => text.to_string(),
    };
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Failures by result type">
        <table class="data result-types">
            <caption>{"Failures by result type"}</caption>
            <thead><tr><th scope="col">{"Result type"}</th><th scope="col">{"Failed sessions"}</th><th scope="col">{"What it means, and the fix"}</th></tr></thead>
            <tbody>{ for rows.into_iter().map(|(k, n)| {
                let help = report_json::result_type_help(k);
                let hosts = s.mx_by_result_type.get(k).cloned().unwrap_or_default();
                html! {
                    <tr data-result-type={k.clone()}>
                        <td><code>{k}</code></td>
                        <td class="num">{n}</td>
                        <td>
                            if let Some((meaning, fix)) = help {
                                <p class="meaning">{named(meaning)}</p>
                                <p class="fix"><strong>{"Fix: "}</strong>{named(fix)}</p>
                            } else {
                                <p class="meaning">{"Not a result type RFC 8460 defines; see the sender's documentation."}</p>
                            }
                            if !hosts.is_empty() {
                                // A failure that names no receiving MX is counted under
                                // "(not given)": said in words, not linked as if it were a host.
                                <p class="hosts">{"At: "}{ for hosts.iter().enumerate().map(|(i, h)| html! {
                                    <>{ if i > 0 { ", " } else { "" } }
                                    if h == report_json::NOT_GIVEN {
                                        {"an MX the report does not name"}
                                    } else {
                                        <a href={format!("#{}", mx_anchor(h))}><code>{h}</code></a>
                                    }</>
                                }) }</p>
                            }
                        </td>
                    </tr>
                }
            }) }</tbody>
        </table>
        </div>
    }
}

/// Failures by receiving MX, each row an anchor for the result types' links.
fn mx_table(rows: &std::collections::BTreeMap<String, u64>) -> Html {
    if rows.is_empty() {
        return html! {};
    }
    let mut rows: Vec<(&String, &u64)> = rows.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    html! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Failures by receiving MX">
        <table class="data">
            <caption>{"Failures by receiving MX"}</caption>
            <thead><tr><th scope="col">{"Receiving MX"}</th><th scope="col">{"Failed sessions"}</th></tr></thead>
            <tbody>{ for rows.into_iter().map(|(k, n)| html! {
                <tr id={mx_anchor(k)} tabindex="-1"><td><code>{k}</code></td><td class="num">{n}</td></tr>
            }) }</tbody>
        </table>
        </div>
    }
}

fn summary(s: &ReportSummary) -> Html {
    let total = s.total_successful + s.total_failed;
    let rate = if total > 0 {
        format!(
            "{} %",
            crate::text::fixed(s.total_failed as f64 * 100.0 / total as f64, 2)
        )
    } else {
        "no sessions".into()
    };
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not given)".into());
    html! {
        <div class="report-summary">
            <dl class="facts">
                <dt>{"From"}</dt><dd>{or_unknown(&s.organization_name)}</dd>
                <dt>{"Report id"}</dt><dd>{or_unknown(&s.report_id)}</dd>
                <dt>{"Period"}</dt><dd>{format!("{} to {}", or_unknown(&s.date_range.start), or_unknown(&s.date_range.end))}</dd>
                <dt>{"Sessions"}</dt><dd data-total-successful={s.total_successful.to_string()} data-total-failed={s.total_failed.to_string()}>
                    {format!("{} successful, {} failed ({rate} failed)", s.total_successful, s.total_failed)}</dd>
                if s.gzip { <dt>{"File"}</dt><dd>{"gzip-compressed"}</dd> }
            </dl>
            if !s.policies.is_empty() {
                <div class="table-wrap" tabindex="0" role="region" aria-label="By applied policy">
                <table class="data">
                    <caption>{"By applied policy"}</caption>
                    <thead><tr><th scope="col">{"Type"}</th><th scope="col">{"Domain"}</th><th scope="col">{"MX"}</th>
                        <th scope="col">{"Successful"}</th><th scope="col">{"Failed"}</th></tr></thead>
                    <tbody>{ for s.policies.iter().map(|p| html! {
                        <tr><td>{p.policy_type.clone().unwrap_or_default()}</td><td>{p.policy_domain.clone().unwrap_or_default()}</td>
                            <td>{p.mx_host.join(", ")}</td><td class="num">{p.successful}</td><td class="num">{p.failed}</td></tr>
                    }) }</tbody>
                </table>
                </div>
            }
            {result_types(s)}
            {mx_table(&s.by_receiving_mx)}
            {table("Failures by sending IP", "Sending IP", &s.by_sending_ip)}
        </div>
    }
}

#[function_component]
pub fn ReportTool() -> Html {
    let input = use_input_bytes();
    let bytes = &*input.bytes;
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    // A gzip file is not text: show a note in place of its bytes.
    let shown = if gzip {
        String::new()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    let checked =
        (!bytes.is_empty() && (gzip || !shown.trim().is_empty())).then(|| report_json::lint(bytes));
    let (output, parsed) = match checked {
        Some(l) => (
            Some(LintOutput {
                kind: Kind::TlsrptReport,
                valid: l.valid,
                verdict: Verdict::from_findings(l.valid, &l.findings),
                findings: l.findings,
                parsed: serde_json::Value::Null,
            }),
            l.summary,
        ),
        None => (None, None),
    };
    html! {
        <div class="tool" data-tool="tlsrpt-report">
            <label for="tool-report">{"TLS-RPT report (JSON)"}</label>
            <p class="hint" id="tool-report-help">{"Paste the JSON of a report, or open the .json or .json.gz file a sender mailed you."}</p>
            <FileDrop id="tool-report" on_file={input.on_file.clone()} accept=".json,.gz,application/json,application/gzip,application/tlsrpt+json,application/tlsrpt+gzip">
                <textarea id="tool-report" rows="6" spellcheck="false" autocomplete="off" aria-describedby="tool-report-help"
                          placeholder={gzip.then_some("(a gzip file is loaded)")} value={shown} oninput={input.oninput.clone()} />
            </FileDrop>
            if let Some(n) = &*input.note { <p class="file-note" role="status">{n}</p> }
            if let Some(o) = output { <LintResult output={o} /> }
            if let Some(s) = parsed { {summary(&s)} }
            if gzip {
                // What was inside the .gz, as text (the first 256 Ki characters).
                if let Ok((text, cut)) = report_json::decompressed_text(bytes, 262_144) {
                    <details class="decompressed">
                        <summary>{"Show the decompressed JSON"}</summary>
                        <pre class="record"><code>{text}</code></pre>
                        if cut { <p class="hint">{"Only the first 256 Ki characters are shown."}</p> }
                    </details>
                }
            }
            <ReportFiles />
        </div>
    }
}
