//! A generated deployment: the policy file, the `_mta-sts` record and the TLS-RPT record,
//! each with a copy button, and what to check by hand.

use mtasts_core::generate::Generated;
use yew::prelude::*;

use super::copy_button::CopyButton;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generated: Generated,
}

/// A TXT record as a zone-file line (RFC 1035 §5.1: quoted character-strings).
fn zone_line(name: &str, strings: &[String]) -> String {
    let quoted: Vec<String> = strings
        .iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{name}. 3600 IN TXT {}", quoted.join(" "))
}

fn record(title: &str, name: &str, strings: &[String], data: &str) -> Html {
    let value = strings.concat();
    html! {
        <div class="generated-item" data-generated={data.to_string()}>
            <h4>{title}</h4>
            <p class="hint">{"Name "}<code>{name}</code>{", type TXT, value:"}</p>
            <pre class="record"><code>{value.clone()}</code></pre>
            <CopyButton text={value} what={format!("the {title} value")} />
            <details><summary>{"As a zone-file line"}</summary>
                <pre class="record"><code>{zone_line(name, strings)}</code></pre></details>
        </div>
    }
}

#[function_component]
pub fn GeneratedView(p: &Props) -> Html {
    let g = &p.generated;
    html! {
        <div class="generated">
            <div class="generated-item" data-generated="policy">
                <h4>{"Policy file"}</h4>
                <p class="hint">{"Serve it at "}<code>{&g.policy_url}</code>{" with a valid certificate for "}
                    <code>{&g.policy_host}</code>{", as text/plain."}</p>
                <pre class="record"><code>{g.policy.replace("\r\n", "\n")}</code></pre>
                <CopyButton text={g.policy.clone()} what="the policy file" />
            </div>
            {record("MTA-STS record", &g.sts_name, &g.sts_record, "sts")}
            {record("TLS-RPT record", &g.tlsrpt_name, &g.tlsrpt_record, "tlsrpt")}
            if !g.notes.is_empty() {
                <ul class="notes">{ for g.notes.iter().map(|n| html! { <li>{n}</li> }) }</ul>
            }
        </div>
    }
}
