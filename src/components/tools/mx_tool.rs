//! An MX list against a policy's `mx` patterns (RFC 8461 §4.1): which host each pattern
//! covers, and which MX would lose mail once the policy is enforced.

use mtasts_core::domain;
use mtasts_core::mx::{self, MxPattern};
use mtasts_core::policy::{self, Mode};
use mtasts_core::{mx_list, Finding};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::bind;
use crate::components::finding::finding_list;
use crate::idna::BrowserIdna;

/// Patterns from either a whole policy file or bare patterns (one per line, `mx:` optional),
/// with the policy's mode when a policy was given.
fn patterns(text: &str) -> (Vec<MxPattern>, Option<Mode>, Vec<Finding>) {
    let is_policy = text
        .lines()
        .any(|l| l.trim_start().starts_with("version:") || l.trim_start().starts_with("mode:"));
    if is_policy {
        let l = policy::lint(text.as_bytes());
        return (l.policy.patterns, l.policy.mode, Vec::new());
    }
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v = line.trim();
        let v = v.strip_prefix("mx:").map(str::trim).unwrap_or(v);
        if v.is_empty() {
            continue;
        }
        match mx::parse_pattern(v) {
            Ok(p) => out.push(p),
            Err(e) => findings.push(
                Finding::new(e.code(), format!("line {}: {}", i + 1, e.message(v))).at(
                    u32::try_from(i + 1).unwrap_or(u32::MAX),
                    u32::try_from(e.offset() + 1).unwrap_or(1),
                ),
            ),
        }
    }
    (out, None, findings)
}

#[function_component]
pub fn MxTool() -> Html {
    let dom = use_state(String::new);
    let list = use_state(String::new);
    let pats = use_state(String::new);
    let mode_choice = use_state(|| None::<Mode>);
    let onmode = {
        let m = mode_choice.clone();
        Callback::from(move |e: Event| {
            m.set(Mode::parse(
                &e.target_unchecked_into::<HtmlSelectElement>().value(),
            ))
        })
    };
    let (records, mut findings) = mx_list::parse(&list);
    let (patterns, policy_mode, pattern_findings) = patterns(&pats);
    findings.extend(pattern_findings);
    let mode = (*mode_choice).or(policy_mode).unwrap_or(Mode::Enforce);
    let domain = domain::normalize(&dom, &BrowserIdna).ok().map(|d| d.ascii);
    let ready = !pats.trim().is_empty() && (!records.is_empty() || domain.is_some());
    let coverage = ready.then(|| {
        let (c, f) = mx::coverage(
            domain.as_deref().unwrap_or("example.com"),
            &records,
            &patterns,
            Some(mode),
        );
        findings.extend(f);
        c
    });
    html! {
        <div class="tool" data-tool="mx">
            <div class="grid2">
                <div>
                    <label for="tool-mx-list">{"MX records"}</label>
                    <p class="hint" id="tool-mx-list-help">{"One per line: \"10 mx1.example.com\", a bare host name, or what dig or host print."}</p>
                    <textarea id="tool-mx-list" rows="5" spellcheck="false" aria-describedby="tool-mx-list-help"
                              value={(*list).clone()} oninput={bind(&list)} />
                </div>
                <div>
                    <label for="tool-mx-patterns">{"Policy mx patterns, or the whole policy"}</label>
                    <p class="hint" id="tool-mx-patterns-help">{"One pattern per line (mx1.example.com, *.example.net), or paste the policy file."}</p>
                    <textarea id="tool-mx-patterns" rows="5" spellcheck="false" aria-describedby="tool-mx-patterns-help"
                              value={(*pats).clone()} oninput={bind(&pats)} />
                </div>
            </div>
            <div class="row-fields">
                <label>{"Domain (needed only without MX records) "}
                    <input type="text" id="tool-mx-domain" value={(*dom).clone()} oninput={bind(&dom)} spellcheck="false" /></label>
                <label>{"Judge as mode "}
                    <select id="tool-mx-mode" onchange={onmode}>
                        <option value="enforce" selected={mode == Mode::Enforce}>{"enforce"}</option>
                        <option value="testing" selected={mode == Mode::Testing}>{"testing"}</option>
                    </select></label>
            </div>
            if let Some(c) = coverage {
                <table class="data coverage">
                    <caption>{"Coverage"}</caption>
                    <thead><tr><th scope="col">{"Preference"}</th><th scope="col">{"MX host"}</th><th scope="col">{"Covered by"}</th></tr></thead>
                    <tbody>{ for c.hosts.iter().map(|h| html! {
                        <tr data-host={h.host.clone()} data-covered={h.pattern.is_some().to_string()}>
                            <td class="num">{h.preference}</td><td><code>{&h.host}</code></td>
                            <td>{ match &h.pattern {
                                Some(p) => html! { <>{crate::components::light::badge(mtasts_core::Light::Green)}{" "}<code>{p}</code></> },
                                None => html! { <>{crate::components::light::badge(if mode == Mode::Enforce { mtasts_core::Light::Red } else { mtasts_core::Light::Amber })}{" not covered"}</> },
                            } }</td>
                        </tr>
                    }) }</tbody>
                </table>
                if !c.unused_patterns.is_empty() {
                    <p class="hint">{"Patterns that match no MX: "}{c.unused_patterns.join(", ")}</p>
                }
            } else {
                <p class="hint">{"Enter MX records (or a domain) and the policy's patterns to see the coverage."}</p>
            }
            if !findings.is_empty() {
                {finding_list(&findings, &AttrValue::default(), |_| None)}
            }
        </div>
    }
}
