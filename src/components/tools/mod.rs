//! The offline tools: validate a policy, TXT records, an MX list or a TLS-RPT report, and
//! generate records, with no network request at all (the browser tests cut the network off
//! and use every one). Panels stay mounted while hidden, so switching tabs loses nothing.
//!
//! They are a second wasm module (`src/bin/tools.rs`), which the checker loads when the page
//! is idle or when the Tools tab opens ([`super::tools_slot`]), so the first visit does not
//! pay for them.

mod generator;
mod mx_tool;
mod report_files;
mod report_tool;
mod text_tool;

use mtasts_core::lint::Kind;
use yew::prelude::*;

use super::tabs::{panel_id, tab_id, Tabs};
use generator::Generator;
use mx_tool::MxTool;
use report_tool::ReportTool;
use text_tool::TextTool;

pub const TOOLS: [(&str, &str); 6] = [
    ("policy", "Policy file"),
    ("sts-txt", "MTA-STS record"),
    ("tlsrpt-txt", "TLS-RPT record"),
    ("mx", "MX list"),
    ("tlsrpt-report", "TLS-RPT report"),
    ("generate", "Generator"),
];

/// The tool a name from the URL or the embed's `tool` attribute stands for (the policy
/// validator when it names none).
pub fn tool_key(name: Option<&str>) -> &'static str {
    name.and_then(|t| TOOLS.iter().find(|(k, _)| *k == t).map(|(k, _)| *k))
        .unwrap_or("policy")
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The tool to show; shown again whenever `select` changes (the checker's "Generator"
    /// links), otherwise the tabs choose.
    pub tool: AttrValue,
    #[prop_or_default]
    pub select: u32,
    #[prop_or_default]
    pub from_dns: Option<(String, Vec<String>)>,
}

#[function_component]
pub fn ToolsPanel(p: &Props) -> Html {
    let selected = use_state(|| tool_key(Some(&p.tool)));
    {
        let selected = selected.clone();
        use_effect_with((p.tool.clone(), p.select), move |(tool, _)| {
            selected.set(tool_key(Some(tool)));
        });
    }
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |k: &'static str| selected.set(k))
    };
    let panel = |key: &str, body: Html| {
        html! {
            <div role="tabpanel" id={panel_id("tools", key)} aria-labelledby={tab_id("tools", key)}
                 hidden={*selected != key} class="tool-panel">{body}</div>
        }
    };
    html! {
        <div class="tools">
            <p class="hint">{"Everything here runs in this page: nothing you paste or open is sent anywhere, and it works offline."}</p>
            <Tabs id="tools" label="Offline tools" tabs={TOOLS.to_vec()} selected={*selected} {on_select} />
            {panel("policy", html! { <TextTool kind={Kind::Policy} /> })}
            {panel("sts-txt", html! { <TextTool kind={Kind::StsTxt} /> })}
            {panel("tlsrpt-txt", html! { <TextTool kind={Kind::TlsrptTxt} /> })}
            {panel("mx", html! { <MxTool /> })}
            {panel("tlsrpt-report", html! { <ReportTool /> })}
            {panel("generate", html! { <Generator from_dns={p.from_dns.clone()} fill={p.select} /> })}
        </div>
    }
}
