//! The web app in real Chromium (Debian's `chromium` + `chromium-driver`) against the real
//! `mtasts serve --demo` (proxy + test world + the built app in `dist/`): the report of a
//! scenario shows the expected overall light, section lights and finding codes; pending
//! states appear and resolve; hostile policy text is shown as text. Screenshots are written to
//! `test-artifacts/screenshots/`.
//!
//! Needs the built app and the binary: run it through `scripts/test.sh`, which builds both.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use mtasts_testkit::catalogue;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn artifacts() -> PathBuf {
    let dir = repo().join("test-artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// `mtasts serve --demo` on a free port, serving the built app.
async fn serve() -> (Child, String) {
    let bin = repo().join("target/debug/mtasts");
    let dist = repo().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "no built app in {}: run scripts/test.sh",
        dist.display()
    );
    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--timeout",
            "3",
            "--rate-limit",
            "100000",
        ])
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
async fn browser() -> (Child, Client) {
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
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver on PATH (scripts/setup.sh installs it)");
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

/// Reads the rendered report: overall light, section lights, finding codes.
async fn read_report(c: &Client) -> Value {
    c.execute(
        r#"const r = document.querySelector('[data-overall]');
           const sections = {};
           document.querySelectorAll('[data-section]').forEach(s => {
             sections[s.dataset.section] = s.querySelector('[data-light]').dataset.light; });
           return { overall: r ? r.dataset.overall : null, sections,
                    codes: [...document.querySelectorAll('[data-code]')].map(e => e.dataset.code),
                    live: document.querySelector('[role=status]').textContent };"#,
        vec![],
    )
    .await
    .expect("read the report")
}

async fn wait_for_final(c: &Client, limit: Duration) -> Value {
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

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(artifacts().join(format!("{name}.png")), png).expect("write screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_render_their_verdicts() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&url).await.expect("open the page");
    screenshot(&c, "empty").await;
    let mut failures = Vec::new();
    let all = catalogue();
    for s in &all {
        c.goto(&format!("{url}/?domain={}", s.domain()))
            .await
            .expect("open the page");
        let r = wait_for_final(&c, Duration::from_secs(30)).await;
        let mut diffs = Vec::new();
        if r["overall"] != s.expect["overall"] {
            diffs.push(format!(
                "overall {} != {}",
                r["overall"], s.expect["overall"]
            ));
        }
        for (id, light) in s.expect["sections"].as_object().into_iter().flatten() {
            if &r["sections"][id] != light {
                diffs.push(format!("section {id}: {} != {light}", r["sections"][id]));
            }
        }
        let got: BTreeSet<&str> = r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let want: BTreeSet<&str> = s.expect["codes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        if got != want {
            diffs.push(format!("codes {got:?} != {want:?}"));
        }
        if !r["live"]
            .as_str()
            .unwrap_or("")
            .starts_with("Check finished")
        {
            diffs.push(format!(
                "the live region did not announce the result: {}",
                r["live"]
            ));
        }
        screenshot(&c, &s.name).await;
        if !diffs.is_empty() {
            failures.push(format!("{}: {}", s.name, diffs.join("; ")));
        }
    }
    c.close().await.ok();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed in the browser:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sections_show_pending_until_their_answer_lands() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    // The policy body drips past the proxy's 3 s timeout: the fetch sections stay pending while
    // the DNS sections have long answered.
    c.goto(&format!("{url}/?domain=policy-slow.test"))
        .await
        .unwrap();
    let start = Instant::now();
    let early = loop {
        let r = read_report(&c).await;
        if r["sections"]["sts_record"] == "green" {
            break r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the TXT section never answered: {r}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(early["sections"]["policy_fetch"], "pending", "{early}");
    assert_eq!(early["overall"], "pending");
    let busy = c
        .find(Locator::Css("[data-section=policy_fetch][aria-busy=true]"))
        .await;
    assert!(busy.is_ok(), "pending sections are marked aria-busy");
    screenshot(&c, "pending").await;
    let done = wait_for_final(&c, Duration::from_secs(20)).await;
    assert_eq!(done["sections"]["policy_fetch"], "red", "{done}");
    assert!(
        done["codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "policy_fetch.timeout"),
        "{done}"
    );
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_policy_text_is_shown_as_text() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/?domain=policy-html-injection.test"))
        .await
        .unwrap();
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    assert_eq!(r["overall"], "red", "{r}");
    let v = c
        .execute(
            r#"const report = document.querySelector('.report');
               return { pwned: window.pwned === undefined ? null : window.pwned,
                        scripts: report.querySelectorAll('script').length,
                        imgs: report.querySelectorAll('img').length,
                        text: report.textContent };"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(v["pwned"], Value::Null, "injected script ran");
    assert_eq!(
        (v["scripts"].as_u64(), v["imgs"].as_u64()),
        (Some(0), Some(0)),
        "markup was created from the policy"
    );
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("<script>window.pwned=1</script>"),
        "the text is shown literally"
    );
    assert!(
        text.contains("<img src=x onerror="),
        "the text is shown literally"
    );
    screenshot(&c, "html-injection").await;
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_or_proxy_failure_gives_a_clear_partial_report() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    // A resolver that cannot be reached: the DNS sections say so; the proxy's still answer.
    c.goto(&format!(
        "{url}/?domain=enforce-good.test&resolver=http://127.0.0.1:9/dns-query"
    ))
    .await
    .unwrap();
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    screenshot(&c, "doh-unreachable").await;
    assert_eq!(r["sections"]["sts_record"], "grey", "{r}");
    assert_eq!(
        r["sections"]["policy_fetch"], "green",
        "the proxy part still renders: {r}"
    );
    assert!(
        r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "dns.unreachable"),
        "{r}"
    );
    let text = c
        .find(Locator::Css("[data-section=sts_record]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("could not be reached"), "{text}");
    screenshot(&c, "doh-unreachable").await;

    // A proxy that cannot be reached: the fetch and probe sections say so; DNS still renders.
    // (A foreign proxy cannot tell the app the demo world's DoH endpoint, so pass it: the test
    // must never let the page fall back to a public resolver.)
    let cfg = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch('/api/v1/config').then(r => r.json()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let doh = cfg["demo"]["doh"]
        .as_str()
        .expect("demo DoH endpoint")
        .to_string();
    c.goto(&format!(
        "{url}/?domain=enforce-good.test&proxy=http://127.0.0.1:9&resolver={doh}"
    ))
    .await
    .unwrap();
    let start = Instant::now();
    let r = loop {
        let r = read_report(&c).await;
        if r["sections"]["policy_fetch"] != "pending"
            && r["sections"]["mx_tls"] != "pending"
            && r["sections"]["sts_record"] != "pending"
        {
            break r;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(r["sections"]["sts_record"], "green", "{r}");
    assert_eq!(r["sections"]["policy_fetch"], "grey", "{r}");
    let text = c
        .find(Locator::Css("[data-section=policy_fetch]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("Not tested") && text.contains("proxy"),
        "{text}"
    );
    screenshot(&c, "proxy-unreachable").await;
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fits_a_phone() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&format!("{url}/?domain=testing-not-ready.test"))
        .await
        .unwrap();
    wait_for_final(&c, Duration::from_secs(30)).await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        Value::Bool(false),
        "the page scrolls sideways at 360 px"
    );
    screenshot(&c, "phone").await;
    c.close().await.ok();
}
