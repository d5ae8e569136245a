//! The result of an offline validation: a light and a one-line verdict, what was understood,
//! and every finding.

use mtasts_core::lint::{Kind, LintOutput};
use mtasts_core::{Light, Verdict};
use serde_json::Value;
use yew::prelude::*;

use super::finding::finding_list;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub output: LintOutput,
}

fn list(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// What a sender would take from it, in words.
fn understood(kind: Kind, p: &Value) -> Vec<(&'static str, String)> {
    let s = |v: &Value| v.as_str().map(String::from);
    let out = match kind {
        Kind::Policy => vec![
            ("mode", s(&p["mode"])),
            (
                "max_age",
                p["max_age"].as_u64().map(|a| {
                    format!(
                        "{a} s ({} days)",
                        crate::text::fixed(a as f64 / 86_400.0, 1)
                    )
                }),
            ),
            ("mx", Some(list(&p["mx"])).filter(|l| !l.is_empty())),
        ],
        Kind::StsTxt => vec![("id", s(&p["id"]))],
        Kind::TlsrptTxt => vec![("rua", Some(list(&p["rua"])).filter(|l| !l.is_empty()))],
        Kind::TlsrptReport => Vec::new(),
    };
    out.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

pub fn verdict_light(v: Verdict) -> Light {
    match v {
        Verdict::Pass => Light::Green,
        Verdict::Warn => Light::Amber,
        Verdict::Fail => Light::Red,
    }
}

#[function_component]
pub fn LintResult(p: &Props) -> Html {
    let o = &p.output;
    let sentence = match o.verdict {
        Verdict::Pass => "Valid.",
        Verdict::Warn => "Valid, with warnings.",
        Verdict::Fail => "Not valid: a conforming sender would not use it.",
    };
    let facts = understood(o.kind, &o.parsed);
    html! {
        <div class="lint-result" data-verdict={match o.verdict { Verdict::Pass => "pass", Verdict::Warn => "warn", Verdict::Fail => "fail" }}>
            <p class="lint-verdict">{crate::components::light::badge(verdict_light(o.verdict))}{" "}{sentence}</p>
            if !facts.is_empty() {
                <dl class="facts">{ for facts.into_iter().map(|(k, v)| html! { <><dt>{k}</dt><dd>{v}</dd></> }) }</dl>
            }
            if !o.findings.is_empty() {
                {finding_list(&o.findings, &AttrValue::default(), |_| None)}
            }
        </div>
    }
}
