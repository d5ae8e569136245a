//! Shared by the browser tests and the web bench: `mtasts serve --demo` with the built app,
//! and a headless Chromium session through chromedriver.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn artifacts() -> PathBuf {
    let dir = repo().join("test-artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// `mtasts serve --demo` on a free port, serving the built app.
pub async fn serve() -> (Child, String) {
    serve_with(repo().join("target/debug/mtasts")).await
}

/// `mtasts serve --demo` from this binary.
pub async fn serve_with(bin: PathBuf) -> (Child, String) {
    serve_args(bin, &[]).await
}

/// `mtasts serve --demo` from this binary, with more options (`--rate-limit` replaces the
/// tests' default of no practical limit).
pub async fn serve_args(bin: PathBuf, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["--demo", "--timeout", "3"];
    args.extend_from_slice(extra);
    serve_plain(bin, &args).await
}

/// `mtasts serve` from this binary on a free port with these options (and the tests' default
/// of no practical rate limit unless `--rate-limit` is among them), without the demo world.
pub async fn serve_plain(bin: PathBuf, extra: &[&str]) -> (Child, String) {
    let dist = repo().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "no built app in {}: run scripts/test.sh",
        dist.display()
    );
    let mut child = Command::new(&bin)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(if extra.contains(&"--rate-limit") {
            &[][..]
        } else {
            &["--rate-limit", "100000"][..]
        })
        .args(extra)
        .arg("--dist")
        .arg(&dist)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e} (run scripts/test.sh)", bin.display()));
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if let Some(rest) = l.split("listening on ").nth(1) {
                return rest
                    .split_whitespace()
                    .next()
                    .map(|u| u.trim_end_matches('/').to_string());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("mtasts serve started");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

/// chromedriver on a free port and a headless Chromium session.
/// chromedriver and the Chromium it starts, in a process group of their own: dropping this
/// ends them all, also when a test panics before closing its session (killing chromedriver
/// alone left its Chromium running).
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

pub async fn browser() -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver on PATH (scripts/setup.sh installs it)");
    let driver = Driver(driver);
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update", "--disable-extensions",
                     "--no-first-run", "--window-size=1000,1400"]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let start = Instant::now();
    loop {
        let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        b.capabilities(caps.clone());
        match b.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(c) => return (driver, c),
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no browser session: {e}"),
        }
    }
}

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
pub struct Cdp(pub &'static str, pub Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.0, "params": self.1 }).to_string()),
        )
    }
}

pub async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    c.issue_cmd(Cdp(cmd, params))
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
}

pub async fn wait_ready(c: &Client) {
    let start = Instant::now();
    while c.find(Locator::Css("html[data-ready]")).await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the app never became interactive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Hostile host-page CSS: global resets, `!important` on common selectors, a conflicting font.
pub const HOSTILE_CSS: &str = r#"
* { font-family: "Comic Sans MS", "Comic Neue", cursive !important; box-sizing: content-box !important;
    letter-spacing: 2px !important; text-transform: uppercase !important; color: #c00 !important; }
html, body { margin: 0 !important; padding: 0 !important; font-size: 22px !important; line-height: 3 !important; }
div, span, p, section, article, header, main, ul, ol, li, dl, dt, dd, h1, h2, h3, h4, form, label, details, summary, pre, code, table, td, th {
    margin: 30px !important; padding: 12px !important; background: #ff0 !important; border: 3px dotted #f0f !important; }
button, input, select, textarea { display: none !important; }
a { color: lime !important; text-decoration: line-through !important; }
#spacer { height: 4000px !important; padding: 0 !important; }
"#;

/// A host page on its own origin (`http://localhost:PORT`, the widget being on 127.0.0.1),
/// sent with a strict Content-Security-Policy: `/host.html` (two widgets), `/control.html` (the
/// same page without them), `/api.html` (no element, the JS API only), `/below.html` (a widget
/// below the fold). Every page records events and CSP violations in `window.__events` and
/// `window.__violations`.
pub async fn host_server(widget: &str, doh_origin: &str) -> String {
    use axum::http::header;
    use axum::response::IntoResponse;
    use axum::routing::get;

    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {widget}; connect-src {widget} {doh_origin}; style-src 'self'; img-src 'self'"
    );
    let page = |body: &str, embed: bool| {
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>
<link rel="stylesheet" href="/hostile.css"></head><body>
<h1 id="title">A host page</h1><p id="para">Some host text that must keep its look.</p>
{body}
<script src="/host.js"></script>{}
</body></html>"#,
            if embed {
                format!(r#"<script src="{widget}/embed.js" async></script>"#)
            } else {
                String::new()
            }
        )
    };
    let host = page(
        r#"<mta-sts-check id="w1" domain="enforce-good.test"></mta-sts-check>
<mta-sts-check id="w2" domain="mx-not-covered.test"></mta-sts-check>"#,
        true,
    );
    let control = page("", false);
    let api = page("", true);
    let below = page(
        r#"<div id="spacer"></div><mta-sts-check id="w3" domain="enforce-good.test"></mta-sts-check>"#,
        true,
    );
    let host_js = r#"window.__events = []; window.__violations = [];
document.addEventListener("securitypolicyviolation", e => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
["mta-sts-start", "mta-sts-report"].forEach(t => document.addEventListener(t, e => window.__events.push(
  { type: e.type, id: e.target.id, domain: e.detail.domain, overall: e.detail.overall, composed: e.composed, bubbles: e.bubbles })));"#;
    let html = |csp: String, body: String| {
        move || async move {
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                    (header::CONTENT_SECURITY_POLICY, csp),
                ],
                body,
            )
                .into_response()
        }
    };
    let app = axum::Router::new()
        .route("/host.html", get(html(csp.clone(), host)))
        .route("/control.html", get(html(csp.clone(), control)))
        .route("/api.html", get(html(csp.clone(), api)))
        .route("/below.html", get(html(csp.clone(), below)))
        .route(
            "/hostile.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], HOSTILE_CSS) }),
        )
        .route(
            "/host.js",
            get(move || async move { ([(header::CONTENT_TYPE, "text/javascript")], host_js) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the host server");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://localhost:{port}")
}

/// The demo world's DoH URL, as `GET /api/v1/config` of `mtasts serve --demo` tells it.
pub async fn demo_doh(c: &Client, base: &str) -> String {
    c.goto(&format!("{base}/api/v1/config"))
        .await
        .expect("open the config");
    let text = c
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text");
    let config: Value = serde_json::from_str(&text).expect("config JSON");
    config["demo"]["doh"]
        .as_str()
        .expect("a demo DoH URL")
        .to_string()
}

/// A host page server (see [`host_server`]) whose CSP lets the widget reach `widget` and its
/// demo DoH resolver.
pub async fn host_for(c: &Client, widget: &str) -> String {
    let doh = url::Url::parse(&demo_doh(c, widget).await).expect("DoH URL");
    host_server(widget, &doh.origin().ascii_serialization()).await
}

/// Reads the rendered report: overall light, section lights, finding codes.
pub async fn read_report(c: &Client) -> Value {
    c.execute(
        r#"const r = document.querySelector('[data-overall]');
           const sections = {};
           document.querySelectorAll('[data-section]').forEach(s => {
             sections[s.dataset.section] = s.querySelector('[data-light]').dataset.light; });
           return { overall: r ? r.dataset.overall : null, sections,
                    codes: [...document.querySelectorAll('[data-code]')].map(e => e.dataset.code),
                    live: (document.querySelector('.live[role=status]') || {}).textContent };"#,
        vec![],
    )
    .await
    .expect("read the report")
}

/// Whether a read report or tool result lists this finding code.
pub fn has_code(r: &Value, code: &str) -> bool {
    r["codes"]
        .as_array()
        .is_some_and(|codes| codes.iter().any(|c| c == code))
}

pub async fn wait_for_final(c: &Client, limit: Duration) -> Value {
    let start = Instant::now();
    loop {
        let r = read_report(c).await;
        if r["overall"].as_str().is_some_and(|o| o != "pending") {
            return r;
        }
        assert!(start.elapsed() < limit, "the report never finished: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a page that checks a domain (`…/?domain=…`) and waits for its final report.
pub async fn report_at(c: &Client, url: &str) -> Value {
    c.goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    wait_for_final(c, Duration::from_secs(30)).await
}

pub async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join(format!("{name}.png")), png).expect("write screenshot");
}

/// Replaces a text field's content by typing, as a person would (every keystroke is an
/// input event, so validation runs as they type).
pub async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Polls a script until it returns something other than null or false.
pub async fn wait_js(c: &Client, what: &str, script: &str) -> Value {
    let start = Instant::now();
    loop {
        // A script error counts as "not yet" (an element not upgraded yet has no shadow root:
        // a clean-clone run once failed on that race); the last one is reported on timeout.
        let error = match c.execute(script, vec![]).await {
            Ok(v) if !v.is_null() && v != Value::Bool(false) => return v,
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        };
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}{}",
            error
                .map(|e| format!(" (the script's last error: {e})"))
                .unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens every `<details>` matching `selector` and waits until the report's on-demand parts
/// inside open ones (raw data, Fix-it: the tools module renders them when they first open,
/// `src/components/lazy_part.rs`) have their content, so that what is read next includes it.
pub async fn open_details(c: &Client, selector: &str) {
    c.execute(
        &format!("document.querySelectorAll({selector:?}).forEach(d => d.open = true);"),
        vec![],
    )
    .await
    .expect("open the details");
    wait_js(
        c,
        "the report's on-demand parts",
        r#"const shown = [...document.querySelectorAll('.part')].filter(p => {
             for (let d = p.closest('details'); d; d = d.parentElement && d.parentElement.closest('details'))
               if (!d.open) return false;
             return true; });
           return shown.every(p => p.firstElementChild && p.firstElementChild.firstChild) ? shown.length + 1 : null;"#,
    )
    .await;
}

/// The verdict and codes of the visible offline tool.
pub async fn tool_result(c: &Client, tool: &str) -> Value {
    c.execute(
        &format!(
            r#"const t = document.querySelector('[data-tool="{tool}"]');
               const r = t.querySelector('.lint-result');
               return {{ verdict: r ? r.dataset.verdict : null,
                        codes: [...t.querySelectorAll('[data-code]')].map(e => e.dataset.code),
                        marked: [...t.querySelectorAll('.marked-text li.marked')].map(e => Number(e.dataset.line)),
                        text: t.innerText }};"#
        ),
        vec![],
    )
    .await
    .expect("read the tool")
}

/// Cuts the network twice over: the server is gone, and the browser is offline.
pub async fn cut_off(server: &mut Child, c: &Client) {
    server.kill().await.expect("stop the server");
    cdp(c, "Network.enable", json!({})).await;
    cdp(
        c,
        "Network.emulateNetworkConditions",
        json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await;
}

/// Waits for the offline tools' module (loaded apart from the page) to be mounted.
pub async fn wait_tools(c: &Client) {
    wait_js(
        c,
        "the offline tools' module",
        "return document.documentElement.dataset.tools === 'ready';",
    )
    .await;
}

/// Clicks an offline tool's tab, once the tools' module (loaded apart from the page) is in.
pub async fn open_tool(c: &Client, key: &str) {
    wait_js(
        c,
        "the offline tools' module",
        &format!("return !!document.querySelector('#tools-tab-{key}');"),
    )
    .await;
    c.find(Locator::Css(&format!("#tools-tab-{key}")))
        .await
        .expect("tool tab")
        .click()
        .await
        .expect("click the tab");
}

/// Waits for Chromium to finish a download into `dir` and returns the file's path.
pub async fn downloaded(dir: &std::path::Path, name: &str) -> PathBuf {
    let file = dir.join(name);
    let start = Instant::now();
    while !file.is_file() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no download of {name} in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Chromium renames the finished file into place; give the write a moment to settle.
    tokio::time::sleep(Duration::from_millis(200)).await;
    file
}

/// axe-core's source, to run inside a page.
pub fn axe_source() -> String {
    let path = repo().join(".tools/node/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; scripts/setup.sh installs axe-core (npm)",
            path.display()
        )
    })
}

/// Runs axe on the current page (shadow roots included) and returns its violations as
/// readable lines.
pub async fn audit(c: &Client, axe: &str, what: &str) -> Vec<String> {
    let loaded = c
        .execute(&format!("{axe}\n;return typeof axe;"), vec![])
        .await
        .expect("load axe");
    assert_eq!(loaded, "object", "axe did not load on {what}");
    let v = c
        .execute_async(
            r#"const done = arguments[0];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary.split('\n').slice(1, 2).join('')) }))),
                       e => done([{ id: 'axe-error', help: String(e), nodes: [] }]));"#,
            vec![],
        )
        .await
        .expect("run axe");
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| {
            format!(
                "{what}: {} ({}): {} — {}",
                x["id"], x["impact"], x["help"], x["nodes"]
            )
        })
        .collect()
}

/// Emulates the light or the dark colour scheme.
pub async fn scheme(c: &Client, dark: bool) {
    cdp(
        c,
        "Emulation.setEmulatedMedia",
        json!({"features": [{"name": "prefers-color-scheme", "value": if dark { "dark" } else { "light" }}]}),
    )
    .await;
}
