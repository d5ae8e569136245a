//! Paste, type or drop a policy file, `_mta-sts` TXT record(s) or a TLS-RPT record; the
//! validation updates as you type. A dropped file is validated byte for byte (a BOM or a bare
//! CR matters), and the text shows where each finding points.

use mtasts_core::lint::{self, Kind};
use yew::prelude::*;

use crate::components::file_drop::{use_input_bytes, FileDrop};
use crate::components::lint_result::LintResult;
use crate::components::marked_text::MarkedText;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub kind: Kind,
}

struct Texts {
    label: &'static str,
    help: &'static str,
    example: &'static str,
    rows: u32,
}

fn texts(kind: Kind) -> Texts {
    match kind {
        Kind::Policy => Texts {
            label: "Policy file (mta-sts.txt)",
            help: "The body of https://mta-sts.<domain>/.well-known/mta-sts.txt.",
            example: "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n",
            rows: 8,
        },
        Kind::StsTxt => Texts {
            label: "_mta-sts TXT record(s)",
            help: "One record per line: bare, quoted (\"v=STSv1; \" \"id=…\"), or whole answer lines from dig, host or nslookup (dig's ; comment lines are skipped). Paste every record of the name: more than one STSv1 record is itself an error.",
            example: "v=STSv1; id=20160831085700Z;",
            rows: 3,
        },
        _ => Texts {
            label: "_smtp._tls TXT record(s)",
            help: "One record per line: bare, quoted, or whole answer lines from dig, host or nslookup.",
            example: "v=TLSRPTv1; rua=mailto:reports@example.com",
            rows: 3,
        },
    }
}

#[function_component]
pub fn TextTool(p: &Props) -> Html {
    let t = texts(p.kind);
    let input = use_input_bytes();
    let id = format!("tool-{}", p.kind.as_str());
    let example = {
        let (input, ex) = (input.clone(), t.example);
        Callback::from(move |_| input.set_text(ex))
    };
    let bytes = &*input.bytes;
    let text = String::from_utf8_lossy(bytes).into_owned();
    let output = (!text.trim().is_empty()).then(|| lint::text(p.kind, bytes));
    html! {
        <div class="tool" data-tool={p.kind.as_str()}>
            <label for={id.clone()}>{t.label}</label>
            <p class="hint" id={format!("{id}-help")}>{t.help}{" "}
                <button type="button" class="link" onclick={example}>{"Load an example"}</button></p>
            <FileDrop id={id.clone()} on_file={input.on_file.clone()} accept=".txt,text/plain">
                <textarea id={id.clone()} rows={t.rows.to_string()} spellcheck="false" autocomplete="off"
                          aria-describedby={format!("{id}-help")} value={text.clone()} oninput={input.oninput.clone()} />
            </FileDrop>
            if let Some(n) = &*input.note { <p class="file-note" role="status">{n}</p> }
            if let Some(o) = output {
                <LintResult output={o.clone()} />
                if !o.findings.iter().all(|f| f.location.is_none()) {
                    <MarkedText text={text} findings={o.findings.clone()} label={t.label}
                                by_record={p.kind != Kind::Policy} />
                }
            }
        </div>
    }
}
