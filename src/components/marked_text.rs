//! Text shown line by line with line numbers, the lines that findings point at marked and
//! labelled with their codes. The text is untrusted and only ever rendered as text.

use mtasts_core::{Finding, Severity};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: AttrValue,
    pub findings: Vec<Finding>,
    /// What the text is, for screen readers ("Policy file").
    pub label: AttrValue,
    /// Findings count records, not lines: record N is the N-th non-blank line.
    #[prop_or_default]
    pub by_record: bool,
}

/// Splits on LF, CRLF or a bare CR, keeping what ended each line so it can be shown.
fn lines(text: &str) -> Vec<(&str, &'static str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\r', '\n']) {
            Some(i) => {
                let (end, len) = if rest[i..].starts_with("\r\n") {
                    ("", 2)
                } else if rest[i..].starts_with('\r') {
                    ("␍", 1)
                } else {
                    ("", 1)
                };
                out.push((&rest[..i], end));
                rest = &rest[i + len..];
            }
            None => {
                out.push((rest, ""));
                rest = "";
            }
        }
    }
    out
}

#[function_component]
pub fn MarkedText(p: &Props) -> Html {
    let mut record = 0u32;
    let rows = lines(&p.text)
        .into_iter()
        .enumerate()
        .map(|(i, (line, end))| {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let key = if p.by_record {
                // Records are numbered as the linter reads them (comment and chatter lines
                // of pasted dig or nslookup output are not records).
                if mtasts_core::lint::is_record_line(line) {
                    record += 1;
                    record
                } else {
                    0
                }
            } else {
                number
            };
            let here: Vec<&Finding> = p
                .findings
                .iter()
                .filter(|f| key > 0 && f.location.is_some_and(|l| l.line == key))
                .collect();
            let worst = here.iter().map(|f| f.severity()).max();
            let class = match worst {
                Some(Severity::Error) => "marked error",
                Some(Severity::Warning) => "marked warning",
                Some(Severity::Info) => "marked info",
                None => "",
            };
            html! {
                <li class={class} data-line={number.to_string()}>
                    <code class="text">{line}{end}</code>
                    if !here.is_empty() {
                        <span class="marks">{ for here.iter().map(|f| html! {
                            <span class="mark" title={f.message.clone()}>{f.code.info().code}</span>
                        }) }</span>
                    }
                </li>
            }
        });
    html! {
        <ol class="marked-text" aria-label={p.label.clone()}>{ for rows }</ol>
    }
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn line_ends_are_kept_apart() {
        assert_eq!(
            lines("a\r\nb\rc\nd"),
            [("a", ""), ("b", "␍"), ("c", ""), ("d", "")]
        );
        assert!(lines("").is_empty());
    }
}
