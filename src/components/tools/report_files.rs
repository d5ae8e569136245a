//! Many TLS-RPT reports at once, offline: files or a whole folder (`.json`, `.json.gz`, `.eml`
//! messages, mbox files) read in the page and added up per day and policy domain by the core
//! (`mtasts_core::mail` finds the reports, `mtasts_core::daily` adds them up), the same
//! functions the server's import and console use, so both show the same numbers. Nothing is
//! uploaded.

use mtasts_core::daily::{self, DayRow};
use mtasts_core::mail::{self, Found};
use mtasts_core::report_json::{self, ReportSummary};
use yew::prelude::*;

use crate::components::daily_chart::{evidence_line, DailyChart};

/// What the files held.
#[derive(Clone, Default, PartialEq)]
struct Read {
    files: usize,
    summaries: Vec<ReportSummary>,
    /// (where, why) for messages with no report and reports that cannot be read.
    skipped: Vec<(String, String)>,
    broken: Vec<(String, String)>,
}

#[derive(Clone, PartialEq)]
enum State {
    Empty,
    Reading { done: usize, of: usize },
    Done(Read),
}

/// The files of an `<input type=file>` change or a drop.
fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

fn read_all(files: Vec<web_sys::File>, state: UseStateHandle<State>) {
    if files.is_empty() {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let of = files.len();
        let mut read = Read {
            files: of,
            ..Read::default()
        };
        for (i, f) in files.iter().enumerate() {
            state.set(State::Reading { done: i, of });
            // The folder's path where the browser gives one (a picked folder), else the name.
            let name = js_sys::Reflect::get(f, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| f.name());
            let bytes = match crate::services::file::read(f).await {
                Ok(b) => b,
                Err(e) => {
                    read.broken.push((name, e));
                    continue;
                }
            };
            let mut found = Vec::new();
            mail::file(&name, bytes, &mut found);
            for item in found {
                match item {
                    Found::Report { origin, bytes, .. } => {
                        let lint = report_json::lint_rows(&bytes, report_json::MAX_DECOMPRESSED);
                        // Counted or left out by the rule the server stores by.
                        let why = match lint.summary {
                            Some(s) => match daily::countable(&s) {
                                Ok(_) => {
                                    read.summaries.push(s);
                                    continue;
                                }
                                Err(why) => why,
                            },
                            None => lint
                                .findings
                                .iter()
                                .find(|f| f.severity() == mtasts_core::Severity::Error)
                                .map(|f| f.message.clone())
                                .unwrap_or_else(|| "the report cannot be read".into()),
                        };
                        read.broken.push((origin, why));
                    }
                    Found::Skipped { origin, reason } => read.skipped.push((origin, reason)),
                    Found::Broken { origin, reason, .. } => read.broken.push((origin, reason)),
                }
            }
        }
        state.set(State::Done(read));
    });
}

#[function_component]
pub fn ReportFiles() -> Html {
    let state = use_state(|| State::Empty);
    let domain = use_state(|| None::<String>);
    let on_pick = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            read_all(files_of(input.files()), state.clone());
            // The same files can be picked again.
            input.set_value("");
        })
    };
    let ondrop = {
        let state = state.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            read_all(
                files_of(e.data_transfer().and_then(|d| d.files())),
                state.clone(),
            );
        })
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let result = match &*state {
        State::Empty => html! {},
        State::Reading { done, of } => {
            html! { <p role="status" aria-busy="true">{format!("Reading {} of {of} files…", done + 1)}</p> }
        }
        State::Done(r) => results(r, &domain),
    };
    html! {
        <section class="report-files" aria-labelledby="report-files-title" {ondrop} {ondragover}>
            <h2 id="report-files-title">{"Many reports at once"}</h2>
            <p class="hint">{"Open the reports of several days (.json, .json.gz, .eml messages or an mbox file), or a whole folder of them, to see the days side by side. They are read in this page: nothing is uploaded."}</p>
            <div class="file-row">
                <label for="tool-reports-files">{"Report files"}</label>
                <input id="tool-reports-files" type="file" multiple={true} onchange={on_pick.clone()}
                       accept=".json,.gz,.eml,.mbox,.txt,application/json,application/gzip,message/rfc822" />
                <label for="tool-reports-folder">{"or a folder"}</label>
                <input id="tool-reports-folder" type="file" webkitdirectory={true} multiple={true} onchange={on_pick} />
            </div>
            <div aria-live="polite">{result}</div>
        </section>
    }
}

fn results(r: &Read, domain: &UseStateHandle<Option<String>>) -> Html {
    let days: Vec<DayRow> = daily::daily(&r.summaries);
    let domains: Vec<String> = {
        let set: std::collections::BTreeSet<&String> =
            days.iter().map(|d| &d.policy_domain).collect();
        set.into_iter().cloned().collect()
    };
    let chosen = domain
        .as_ref()
        .filter(|d| domains.contains(d))
        .cloned()
        .or_else(|| domains.first().cloned())
        .unwrap_or_default();
    let mine: Vec<DayRow> = days
        .iter()
        .filter(|d| d.policy_domain == chosen)
        .cloned()
        .collect();
    let counted: u64 = days.iter().map(|d| d.reports).sum();
    let onchange = {
        let domain = domain.clone();
        Callback::from(move |e: Event| {
            domain.set(Some(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            ))
        })
    };
    let today = daily::day_of((js_sys::Date::now() / 1000.0) as i64);
    let evidence = (!mine.is_empty()).then(|| daily::evidence(&days, &chosen, &today));
    html! {
        <div class="report-files-result">
            <p class="counts" data-files={r.files.to_string()} data-reports={r.summaries.len().to_string()}>
                {format!("{} file(s): {} report(s)", r.files, r.summaries.len())}
                if (counted as usize) < r.summaries.len() {
                    {format!(" ({} counted once: the same organisation and report id more than once)", r.summaries.len() - counted as usize)}
                }
                if !r.skipped.is_empty() { {format!(", {} message(s) without a report", r.skipped.len())} }
                if !r.broken.is_empty() { {format!(", {} that could not be read", r.broken.len())} }
                {"."}
            </p>
            if !r.broken.is_empty() || !r.skipped.is_empty() {
                <details class="files-left-out">
                    <summary>{"What was left out, and why"}</summary>
                    <ul>{ for r.broken.iter().chain(&r.skipped).map(|(w, why)| html! { <li><code>{w}</code>{": "}{why}</li> }) }</ul>
                </details>
            }
            if domains.len() > 1 {
                <div class="domain-pick">
                    <label for="report-files-domain">{"Policy domain"}</label>
                    <select id="report-files-domain" {onchange}>
                        { for domains.iter().map(|d| html! { <option value={d.clone()} selected={*d == chosen}>{d}</option> }) }
                    </select>
                </div>
            }
            if let Some(e) = evidence {
                {evidence_line(e.ready, &e.summary)}
                <DailyChart days={mine} label={AttrValue::from(chosen)} />
            }
        </div>
    }
}
