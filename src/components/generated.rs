//! A generated deployment: the policy file, the `_mta-sts` record and the TLS-RPT record,
//! each with a copy button, and what to check by hand.

use mtasts_core::generate::Generated;
use mtasts_core::snippets::{self, Snippet};
use yew::prelude::*;

use super::copy_button::CopyButton;
use crate::services::file;

/// Configuration snippets, each in its own disclosure with a copy button.
pub fn snippet_list(title: &str, list: &[Snippet]) -> Html {
    html! {
        <details class="snippets">
            <summary>{title.to_string()}</summary>
            { for list.iter().map(|s| html! {
                <div class="snippet" data-server={s.server}>
                    <p class="hint"><strong>{s.server}</strong>{": "}{s.file}</p>
                    <pre class="record"><code>{&s.text}</code></pre>
                    <CopyButton text={s.text.clone()} what={format!("the {} snippet", s.server)} />
                </div>
            }) }
        </details>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generated: Generated,
    /// A later step of a plan: the file goes where the first one did, so how to serve it is
    /// not said again.
    #[prop_or_default]
    pub again: bool,
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
            <p class="hint">{"Name "}<code>{name}</code>{" "}<CopyButton text={name.to_string()} what={format!("name {name}")} label="Copy name" />{", type TXT, value:"}</p>
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
    let saved = use_state(String::new);
    // The file exactly as it must be served: CRLF line ends (RFC 8461 §3.2), UTF-8, plain text.
    let download = {
        let (policy, saved) = (g.policy.clone(), saved.clone());
        Callback::from(move |_| {
            saved.set(match file::download("mta-sts.txt", "text/plain", &policy) {
                Ok(()) => "Saved mta-sts.txt".into(),
                Err(e) => format!("Could not save: {e}"),
            })
        })
    };
    html! {
        <div class="generated">
            <div class="generated-item" data-generated="policy">
                <h4>{"Policy file"}</h4>
                if p.again {
                    <p class="hint">{"It replaces the file of the step above, at the same address."}</p>
                } else {
                    <p class="hint">{"Serve it at "}<code>{&g.policy_url}</code>{" with a valid certificate for "}
                        <code>{&g.policy_host}</code>{", as text/plain."}</p>
                }
                <pre class="record"><code>{g.policy.replace("\r\n", "\n")}</code></pre>
                <CopyButton text={g.policy.clone()} what="the policy file" />
                {" "}<button type="button" class="small" onclick={download}>{"Download mta-sts.txt"}</button>
                <span class="copy-status" role="status">{(*saved).clone()}</span>
                if !p.again {
                    {snippet_list("Serve it with nginx, Apache or Caddy", &snippets::policy_host(g.policy_host.trim_start_matches("mta-sts.")))}
                }
            </div>
            {record("MTA-STS record", &g.sts_name, &g.sts_record, "sts")}
            {record("TLS-RPT record", &g.tlsrpt_name, &g.tlsrpt_record, "tlsrpt")}
            if !g.notes.is_empty() {
                <ul class="notes">{ for g.notes.iter().map(|n| html! { <li>{n}</li> }) }</ul>
            }
        </div>
    }
}
