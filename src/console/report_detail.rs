//! One stored report: what the core found in it, and its JSON as the sender wrote it.

use yew::prelude::*;

use super::api::Detail;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub detail: Detail,
    pub on_close: Callback<()>,
}

/// Moves the keyboard focus (and the view) to the element `selector` names.
pub fn focus(selector: &str) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    if let Some(el) = el {
        el.scroll_into_view();
        let _ = el.focus();
    }
}

#[function_component]
pub fn ReportDetail(p: &Props) -> Html {
    let d = &p.detail;
    // Opened: the keyboard and the screen reader start at its title, not at the page's top.
    use_effect_with(d.id, |_| focus("#report-detail-title"));
    // Pretty-printed when it parses (it did, to be stored).
    let json = serde_json::from_str::<serde_json::Value>(&d.json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| d.json.clone());
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="report-detail" aria-labelledby="report-detail-title" data-report={d.id.to_string()}>
            <h3 id="report-detail-title" tabindex="-1">{format!("{} · {} · {}", d.organization, d.day.as_deref().unwrap_or("no date"), d.report_id)}</h3>
            <button type="button" onclick={close}>{"Back to the list"}</button>
            <h4>{"What the checker found in it"}</h4>
            if d.findings.is_empty() {
                <p>{"Nothing to remark: a well-formed report with no failed session."}</p>
            } else {
                <ul class="findings">{ for d.findings.iter().map(|f| {
                    let sev = f["severity"].as_str().unwrap_or("info").to_string();
                    html! {
                        <li class="finding" data-code={f["code"].as_str().unwrap_or_default().to_string()}>
                            <strong class={classes!("severity", sev.clone())}>{sev.to_ascii_uppercase()}</strong>{" "}
                            {f["message"].as_str().unwrap_or_default().to_string()}
                            {" · "}<code>{f["code"].as_str().unwrap_or_default().to_string()}</code>
                        </li>
                    }
                }) }</ul>
            }
            <details class="decompressed" open=true>
                <summary>{"The report's JSON"}</summary>
                <pre class="record"><code>{json}</code></pre>
            </details>
        </section>
    }
}
