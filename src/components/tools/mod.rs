//! The offline tools: validate a policy, TXT records, an MX list or a TLS-RPT report, and
//! generate records, with no network request at all (the browser tests cut the network off
//! and use every one). Panels stay mounted while hidden, so switching tabs loses nothing.

mod generator;
mod mx_tool;
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

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selected: AttrValue,
    pub on_select: Callback<&'static str>,
    #[prop_or_default]
    pub from_dns: Option<(String, Vec<String>)>,
}

#[function_component]
pub fn ToolsPanel(p: &Props) -> Html {
    let panel = |key: &str, body: Html| {
        html! {
            <div role="tabpanel" id={panel_id("tools", key)} aria-labelledby={tab_id("tools", key)}
                 hidden={p.selected.as_str() != key} class="tool-panel">{body}</div>
        }
    };
    html! {
        <div class="tools">
            <p class="hint">{"Everything here runs in this page: nothing you paste or open is sent anywhere, and it works offline."}</p>
            <Tabs id="tools" label="Offline tools" tabs={TOOLS.to_vec()} selected={p.selected.clone()} on_select={p.on_select.clone()} />
            {panel("policy", html! { <TextTool kind={Kind::Policy} /> })}
            {panel("sts-txt", html! { <TextTool kind={Kind::StsTxt} /> })}
            {panel("tlsrpt-txt", html! { <TextTool kind={Kind::TlsrptTxt} /> })}
            {panel("mx", html! { <MxTool /> })}
            {panel("tlsrpt-report", html! { <ReportTool /> })}
            {panel("generate", html! { <Generator from_dns={p.from_dns.clone()} /> })}
        </div>
    }
}
