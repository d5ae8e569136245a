//! The web app in real Chromium (Debian's `chromium` + `chromium-driver`) against the real
//! `mtasts serve --demo` (proxy + test world + the built app in `dist/`): the report of a
//! scenario shows the expected overall light, section lights and finding codes; pending
//! states appear and resolve; hostile policy text is shown as text. Screenshots are written to
//! `test-artifacts/screenshots/`.
//!
//! Needs the built app and the binary: run it through `scripts/test.sh`, which builds both.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use mtasts_testkit::catalogue;

#[allow(dead_code)]
#[path = "support.rs"]
mod support;
use serde_json::{json, Value};
use support::{
    artifacts, browser, cdp, cut_off, downloaded, has_code, open_details, open_tool, read_report,
    repo, report_at, screenshot, serve, tool_result, type_into, wait_for_final, wait_js,
    wait_ready, wait_tools,
};

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
        // The main states under their own names too.
        let state = match s.name.as_str() {
            "enforce-good" => Some("green"),
            "testing-not-ready" => Some("amber"),
            "mx-no-starttls" => Some("red"),
            "not-deployed" => Some("grey"),
            _ => None,
        };
        if let Some(name) = state {
            screenshot(&c, name).await;
        }
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
    assert!(has_code(&done, "policy_fetch.timeout"), "{done}");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_policy_text_is_shown_as_text() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let r = report_at(&c, &format!("{url}/?domain=policy-html-injection.test")).await;
    assert_eq!(r["overall"], "red", "{r}");
    // The raw data (the policy as served, lines marked) too.
    open_details(&c, "details").await;
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
    assert_eq!(r["sections"]["sts_record"], "untested", "{r}");
    assert_eq!(r["overall"], "incomplete", "not tested is never green: {r}");
    assert_eq!(
        r["sections"]["policy_fetch"], "green",
        "the proxy part still renders: {r}"
    );
    assert!(has_code(&r, "dns.unreachable"), "{r}");
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
        // Each section must be on the page and settled (a page that has not rendered yet has
        // no sections, which is not "not pending").
        let settled = |id: &str| r["sections"][id].as_str().is_some_and(|l| l != "pending");
        if settled("policy_fetch") && settled("mx_tls") && settled("sts_record") {
            break r;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(r["sections"]["sts_record"], "green", "{r}");
    assert_eq!(r["sections"]["policy_fetch"], "untested", "{r}");
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
    report_at(&c, &format!("{url}/?domain=testing-not-ready.test")).await;
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

/// The names of the files the page has fetched so far (resource timing), as paths.
const FETCHED: &str =
    "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);";

/// The offline tools are a second module: not part of the first visit, fetched in the
/// background once the page is idle, after which they work with the network cut off, without
/// the user ever having opened them while online.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tools_load_while_idle_and_then_work_offline() {
    let (mut server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/")).await.unwrap();
    wait_ready(&c).await;
    wait_tools(&c).await; // in the background: the page never opened the Tools tab
    let fetched = c.execute(FETCHED, vec![]).await.unwrap();
    let tools: Vec<&str> = fetched
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("/tools/"))
        .collect();
    assert_eq!(
        tools,
        ["/tools/mtasts-tools.js", "/tools/mtasts-tools_bg.wasm"],
        "{fetched}"
    );
    cut_off(&mut server, &c).await;
    c.find(Locator::Id("main-tab-tools"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    open_tool(&c, "policy").await;
    type_into(
        &c,
        "#tool-policy",
        "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
    )
    .await;
    let r = tool_result(&c, "policy").await;
    assert_eq!(r["verdict"], "pass", "{r}");
    c.close().await.ok();
}

/// The browser asks to spare the connection (Save-Data), and the tools module cannot be
/// fetched (until `Network.setBlockedURLs` is cleared). Chromium has no switch for the
/// Save-Data preference: the page sees it through navigator.connection, set here before any
/// script of the page runs.
async fn save_data_and_no_tools(c: &Client) {
    cdp(
        c,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": "Object.defineProperty(navigator, 'connection', { value: { saveData: true, effectiveType: '4g' } });" }),
    )
    .await;
    cdp(c, "Network.enable", json!({})).await;
    cdp(
        c,
        "Network.setBlockedURLs",
        json!({ "urls": ["*/tools/*"] }),
    )
    .await;
}

/// On a connection the browser asks to spare (Save-Data), the tools wait for their tab; if
/// their module cannot be fetched then, the panel says so and "Try again" brings them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tools_wait_for_their_tab_on_save_data_and_a_failed_load_can_be_retried() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    save_data_and_no_tools(&c).await;
    c.goto(&format!("{url}/")).await.unwrap();
    wait_ready(&c).await;
    let save_data = c
        .execute(
            "return navigator.connection && navigator.connection.saveData;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(save_data, json!(true), "the page sees Save-Data");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let fetched = c.execute(FETCHED, vec![]).await.unwrap();
    assert!(
        !fetched.to_string().contains("/tools/"),
        "nothing of the tools before their tab: {fetched}"
    );
    c.find(Locator::Id("main-tab-tools"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = wait_js(
        &c,
        "the load failure",
        "const a = document.querySelector('#main-panel-tools [role=alert]'); return a && a.innerText;",
    )
    .await;
    let alert = alert.as_str().unwrap_or_default();
    assert!(
        alert.contains("The offline tools could not be loaded") && alert.contains("Try again"),
        "{alert}"
    );
    cdp(&c, "Network.setBlockedURLs", json!({ "urls": [] })).await;
    c.find(Locator::XPath(
        "//div[@id='main-panel-tools']//button[normalize-space()='Try again']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    open_tool(&c, "mx").await;
    let alerts = c
        .execute(
            "return document.querySelectorAll('#main-panel-tools [role=alert]').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        alerts,
        json!(0),
        "the failure notice is gone once the tools are in"
    );
    c.close().await.ok();
}

/// Clicks the report's JSON download and waits for its status line to start with `prefix`;
/// returns that line.
async fn download_status(c: &Client, prefix: &str) -> Value {
    c.find(Locator::XPath(
        "//button[text()='Download the report (JSON)']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_js(
        c,
        &format!("the download's status starting with {prefix:?}"),
        &format!(
            "const s = document.querySelector('.report-tools .copy-status').textContent; return s.startsWith({prefix:?}) && s;"
        ),
    )
    .await
}

/// A report's raw data and Fix-it come from the tools module the first time they are opened
/// (the checker's own module does not carry them): nothing is fetched for them before, a failed
/// load says so and can be retried (by "Try again", by clicking the download again, or by the
/// module arriving for another part), and once the module is in they open with the network cut
/// off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_raw_data_and_fixit_load_when_opened_and_then_work_offline() {
    let (mut server, url) = serve().await;
    let (_driver, c) = browser().await;
    // Save-Data: the tools module is not fetched while idle, so only opening a part loads it.
    save_data_and_no_tools(&c).await;
    let r = report_at(&c, &format!("{url}/?domain=mx-not-covered.test")).await;
    assert_eq!(r["overall"], "red", "{r}");
    let before = c
        .execute(
            "return [...document.querySelectorAll('.part')].map(p => [p.dataset.part.split(':')[0], !!p.firstChild]);",
            vec![],
        )
        .await
        .unwrap();
    let before = before.as_array().cloned().unwrap_or_default();
    let count = |kind: &str| before.iter().filter(|p| p[0] == kind).count();
    assert_eq!(
        (count("raw"), count("fixit")),
        (7, 1),
        "a raw data part per section and Fix-it: {before:?}"
    );
    assert!(
        count("explain") >= 1,
        "the findings' explanations: {before:?}"
    );
    assert!(
        before.iter().all(|p| p[1] == false),
        "nothing rendered before it is opened: {before:?}"
    );
    let fetched = c.execute(FETCHED, vec![]).await.unwrap();
    assert!(!fetched.to_string().contains("/tools/"), "{fetched}");

    c.find(Locator::Css(".fixit summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = wait_js(
        &c,
        "the load failure",
        "const a = document.querySelector('.fixit [role=alert]'); return a && a.innerText;",
    )
    .await;
    assert!(
        alert
            .as_str()
            .unwrap_or_default()
            .contains("could not be loaded"),
        "{alert}"
    );
    // Raw data fails the same way, and so does the download, which says what to do.
    c.execute(
        "document.querySelector('[data-section=mx_coverage] details.raw').open = true;",
        vec![],
    )
    .await
    .unwrap();
    wait_js(
        &c,
        "the raw data's load failure",
        "return !!document.querySelector('[data-section=mx_coverage] details.raw [role=alert]');",
    )
    .await;
    let status = download_status(&c, "Could not").await;
    assert!(
        status
            .as_str()
            .unwrap_or_default()
            .contains("check the connection"),
        "{status}"
    );

    // The network is back: "Try again" on Fix-it loads the module, focus stays on Fix-it's
    // summary (the button goes away), and the raw data that failed shows itself without its
    // own "Try again".
    cdp(&c, "Network.setBlockedURLs", json!({ "urls": [] })).await;
    c.find(Locator::XPath(
        "//section[@id='fixit']//button[normalize-space()='Try again']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let raw = wait_js(
        &c,
        "the raw data after the module loaded for Fix-it",
        "const r = document.querySelector('[data-section=mx_coverage] details.raw .part'); return r.firstChild && r.innerText;",
    )
    .await;
    assert!(
        raw.as_str()
            .unwrap_or_default()
            .contains("mx3.mx-not-covered.test"),
        "{raw}"
    );
    let focused = c
        .execute(
            "return document.activeElement.matches('.fixit summary');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, json!(true), "focus stays on Fix-it");
    // A second click on the download tries again, and the status names the file.
    let status = download_status(&c, "Saved").await;
    assert_eq!(status, "Saved as mta-sts-mx-not-covered.test.json");
    let policy = wait_js(
        &c,
        "Fix-it",
        "const p = document.querySelector('.fixit [data-step=repair] [data-generated=policy] pre'); return p && p.textContent;",
    )
    .await;
    assert!(
        policy
            .as_str()
            .unwrap_or_default()
            .contains("mx: mx3.mx-not-covered.test\n"),
        "{policy}"
    );
    assert_eq!(
        c.execute(
            "return document.querySelectorAll('.fixit [role=alert]').length;",
            vec![]
        )
        .await
        .unwrap(),
        json!(0)
    );

    cut_off(&mut server, &c).await;
    // A finding's explanation (the page's module leaves them out): the catalog's, with the
    // domain filled in.
    open_details(&c, "[data-section=mx_coverage] .finding details").await;
    let explained = c
        .execute(
            "return [...document.querySelectorAll('[data-section=mx_coverage] .finding')].map(f => [f.dataset.code, f.querySelector('details .part').innerText]);",
            vec![],
        )
        .await
        .unwrap();
    let explained = explained.as_array().cloned().unwrap_or_default();
    assert!(!explained.is_empty(), "the coverage section has findings");
    for e in &explained {
        let code = mtasts_core::catalog::Code::parse(e[0].as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("a finding code: {e}"));
        let want = mtasts_core::action::fill(code.explanation(), "mx-not-covered.test");
        assert_eq!(e[1].as_str().unwrap_or_default().trim(), want.trim(), "{e}");
    }
    open_details(&c, "[data-section=mx_tls] details").await;
    let raw = c
        .execute(
            "return document.querySelector('[data-section=mx_tls] details.raw').innerText;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        raw.as_str()
            .unwrap_or_default()
            .contains("mx3.mx-not-covered.test"),
        "{raw}"
    );
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_tools_work_with_the_network_cut_off() {
    let (mut server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/?tool=policy")).await.unwrap();
    wait_ready(&c).await;
    // The tools are their own module: once it is in, nothing else is fetched.
    wait_tools(&c).await;
    let requests = FETCHED;
    let before = c.execute(requests, vec![]).await.unwrap();

    cut_off(&mut server, &c).await;
    let online = c.execute("return navigator.onLine;", vec![]).await.unwrap();
    assert_eq!(online, Value::Bool(false), "the browser is offline");

    // The tool tabs work from the keyboard (WAI-ARIA tabs: arrow keys move and focus).
    let tab = c.find(Locator::Id("tools-tab-policy")).await.unwrap();
    c.execute(
        "document.getElementById('tools-tab-policy').focus();",
        vec![],
    )
    .await
    .unwrap();
    tab.send_keys("\u{e014}").await.unwrap(); // ArrowRight
    let focused = c
        .execute(
            "const a = document.activeElement; return [a.id, a.getAttribute('aria-selected')];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, json!(["tools-tab-sts-txt", "true"]));
    open_tool(&c, "policy").await;

    // Policy: an invalid mode is caught and its line marked; fixing it while typing clears it.
    type_into(
        &c,
        "#tool-policy",
        "version: STSv1\nmode: enforcing\nmx: mail.example.com\nmax_age: 604800\n",
    )
    .await;
    let r = tool_result(&c, "policy").await;
    assert_eq!(r["verdict"], "fail", "{r}");
    assert!(has_code(&r, "policy.mode.invalid"), "{r}");
    assert_eq!(r["marked"], json!([2]), "the bad line is marked: {r}");
    type_into(
        &c,
        "#tool-policy",
        "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 604800\n",
    )
    .await;
    let r = tool_result(&c, "policy").await;
    assert_eq!(r["verdict"], "pass", "{r}");
    screenshot(&c, "offline-tools").await;
    // Pasted markup stays text, in the findings and in the marked lines alike.
    type_into(
        &c,
        "#tool-policy",
        "version: STSv1\n<img src=x onerror=window.pwned=2>\n",
    )
    .await;
    let r = tool_result(&c, "policy").await;
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("<img src=x onerror=window.pwned=2>"),
        "{r}"
    );
    let injected = c
        .execute("return [document.querySelectorAll('[data-tool] img').length, window.pwned === undefined];", vec![])
        .await
        .unwrap();
    assert_eq!(injected, json!([0, true]));

    // _mta-sts TXT, in dig's presentation form; a second record makes the set invalid.
    open_tool(&c, "sts-txt").await;
    type_into(&c, "#tool-sts-txt", "\"v=STSv1; \" \"id=20240101\"").await;
    assert_eq!(tool_result(&c, "sts-txt").await["verdict"], "pass");
    type_into(&c, "#tool-sts-txt", "v=STSv1; id=1\nv=STSv1; id=2").await;
    let r = tool_result(&c, "sts-txt").await;
    assert!(has_code(&r, "sts.record.multiple"), "{r}");

    // TLS-RPT record with an unusable report address.
    open_tool(&c, "tlsrpt-txt").await;
    type_into(
        &c,
        "#tool-tlsrpt-txt",
        "v=TLSRPTv1; rua=ftp://reports.example.com",
    )
    .await;
    let r = tool_result(&c, "tlsrpt-txt").await;
    assert_eq!(r["verdict"], "fail", "{r}");

    // MX list against patterns: the host outside the wildcard is not covered.
    open_tool(&c, "mx").await;
    type_into(
        &c,
        "#tool-mx-list",
        "10 mx1.example.com.\nexample.com. 300 IN MX 20 mx2.other.net.",
    )
    .await;
    type_into(&c, "#tool-mx-patterns", "*.example.com").await;
    let r = tool_result(&c, "mx").await;
    assert!(has_code(&r, "mx.uncovered"), "{r}");
    let covered = c
        .execute("return [...document.querySelectorAll('[data-tool=mx] tr[data-host]')].map(r => [r.dataset.host, r.dataset.covered]);", vec![])
        .await
        .unwrap();
    assert_eq!(
        covered,
        json!([["mx1.example.com", "true"], ["mx2.other.net", "false"]])
    );

    // A gzip report opened from disk, read in the page.
    open_tool(&c, "tlsrpt-report").await;
    let gz = repo()
        .join("crates/core/tests/fixtures/tlsrpt-report/rfc-example-gzip.json.gz")
        .canonicalize()
        .expect("the gzip fixture");
    c.find(Locator::Css("#tool-report-file"))
        .await
        .unwrap()
        .send_keys(&gz.to_string_lossy())
        .await
        .unwrap();
    let totals = wait_js(&c, "the report summary",
        "const d = document.querySelector('[data-total-failed]'); return d && [d.dataset.totalSuccessful, d.dataset.totalFailed];").await;
    assert_eq!(totals, json!(["5326", "303"]));
    let r = tool_result(&c, "tlsrpt-report").await;
    assert!(
        r["text"].as_str().unwrap().contains("certificate-expired"),
        "{r}"
    );
    screenshot(&c, "offline-report").await;

    // The generator.
    open_tool(&c, "generate").await;
    type_into(&c, "#gen-domain", "example.com").await;
    type_into(&c, "#gen-mx", "mx1.example.com\n*.example.net").await;
    let policy = wait_js(&c, "the generated policy",
        "const p = document.querySelector('[data-generated=policy] pre'); return p && p.textContent;").await;
    assert_eq!(
        policy,
        "version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: *.example.net\nmax_age: 86400\n"
    );
    let sts = c
        .execute(
            "return document.querySelector('[data-generated=sts] pre').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(sts.as_str().unwrap().starts_with("v=STSv1; id="), "{sts}");
    screenshot(&c, "offline-generator").await;

    let after = c.execute(requests, vec![]).await.unwrap();
    assert_eq!(
        before, after,
        "no network request was made by the offline tools"
    );
    let fetch = c
        .execute_async("fetch(location.href).then(() => arguments[0]('reached'), () => arguments[0]('cut off'));", vec![])
        .await
        .unwrap();
    assert_eq!(fetch, "cut off", "the network really was cut off");
    c.close().await.ok();
}

/// Measures WCAG 2.x contrast of every visible piece of text against its composited background:
/// AA wants 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). Disabled controls are exempt.
const CONTRAST_JS: &str = r#"
const parse = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return { c: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 }; };
const blend = (top, bottom) => top.c.map((v, i) => v * top.a + bottom[i] * (1 - top.a));
const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const background = el => { const layers = [];
  for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
  let base = [255, 255, 255]; if (layers.length && layers[layers.length - 1].a >= 1) base = layers.pop().c;
  while (layers.length) base = blend(layers.pop(), base); return base; };
const bad = []; let checked = 0;
for (const el of document.querySelectorAll('body *')) {
  if (!el.getClientRects().length || el.closest('[hidden], option, [disabled], .live')) continue;
  if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const st = getComputedStyle(el); if (st.visibility === 'hidden') continue;
  const bg = background(el); const fg = blend(parse(st.color), bg);
  const l1 = lum(fg), l2 = lum(bg); const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5; checked++;
  if (ratio < need) bad.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)} < ${need}`);
}
return { checked, bad };
"#;

async fn contrast(c: &Client, what: &str) -> u64 {
    let r = c
        .execute(CONTRAST_JS, vec![])
        .await
        .expect("contrast script");
    let bad = r["bad"].as_array().unwrap();
    assert!(
        bad.is_empty(),
        "{what}: text below WCAG AA contrast:\n{}",
        bad.iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    r["checked"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_themes_meet_aa_contrast_and_the_choice_sticks() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let mut checked = 0;
    for domain in [
        "enforce-good.test",
        "testing-not-ready.test",
        "mx-expired.test",
        "not-deployed.test",
    ] {
        report_at(&c, &format!("{url}/?domain={domain}")).await;
        // Open everything that can be opened, so hidden text is measured too.
        open_details(&c, "details").await;
        for theme in ["light", "dark"] {
            c.find(Locator::Css("#theme"))
                .await
                .unwrap()
                .select_by_value(theme)
                .await
                .unwrap();
            let set = c
                .execute("return document.documentElement.dataset.theme;", vec![])
                .await
                .unwrap();
            assert_eq!(set, theme);
            checked += contrast(&c, &format!("{domain}, {theme} theme")).await;
            if domain == "testing-not-ready.test" && theme == "dark" {
                screenshot(&c, "dark").await;
            }
        }
    }
    // The offline tools, with results showing, in the dark theme chosen last.
    c.goto(&format!("{url}/?tool=policy")).await.unwrap();
    wait_ready(&c).await;
    wait_tools(&c).await;
    let theme = c
        .execute("return document.documentElement.dataset.theme;", vec![])
        .await
        .unwrap();
    assert_eq!(theme, "dark", "the theme choice survives a reload");
    type_into(
        &c,
        "#tool-policy",
        "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 600\n",
    )
    .await;
    checked += contrast(&c, "offline tools, dark theme").await;
    screenshot(&c, "dark-offline-tools").await;
    c.find(Locator::Css("#theme"))
        .await
        .unwrap()
        .select_by_value("light")
        .await
        .unwrap();
    checked += contrast(&c, "offline tools, light theme").await;
    assert!(checked > 200, "only {checked} text elements were measured");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_data_fixit_export_and_history() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let downloads = tempfile::tempdir().unwrap();
    cdp(
        &c,
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.path().to_string_lossy()}),
    )
    .await;
    cdp(
        &c,
        "Browser.grantPermissions",
        json!({"origin": url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
    )
    .await;

    // DANE: enforce-good's mx1 publishes a DNSSEC-validated TLSA record that matches its key;
    // the DANE section says so and its raw data shows the record and the AD flag.
    let r = report_at(&c, &format!("{url}/?domain=enforce-good.test")).await;
    assert_eq!(r["sections"]["dane"], "green", "{r}");
    assert!(has_code(&r, "dane.match"), "{r}");
    open_details(&c, "[data-section=dane] details.raw").await;
    let dane = c
        .execute(
            "return document.querySelector('[data-section=dane]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let dane = dane.as_str().unwrap_or_default();
    assert!(
        dane.contains("TLSA matches for mx1.enforce-good.test")
            && dane.contains("_25._tcp.mx1.enforce-good.test TLSA")
            && dane.contains("AD flag set")
            && dane.contains("3 1 1 "),
        "{dane}"
    );

    let dane_cells = c
        .execute(
            "return [...document.querySelectorAll('[data-section=mx_tls] table.mx-table td[data-dane]')].map(td => td.dataset.dane);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        dane_cells,
        json!(["dane.match"]),
        "the MX table shows mx1's DANE verdict"
    );

    // Every address of an MX host is probed and shown: mx2 of mx-two-addresses has a good
    // address and one without STARTTLS, and the report names the bad one.
    let r = report_at(&c, &format!("{url}/?domain=mx-two-addresses.test")).await;
    assert_eq!(r["sections"]["mx_tls"], "red", "{r}");
    open_details(&c, "[data-section=mx_tls] details").await;
    let rows = c
        .execute(
            "return [...document.querySelectorAll('[data-section=mx_tls] .probes li')].map(li => [li.dataset.address || '', li.textContent]);",
            vec![],
        )
        .await
        .unwrap();
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 3, "one row per address: {rows:?}");
    let mx2: Vec<_> = rows
        .iter()
        .filter(|r| {
            r[1].as_str()
                .unwrap_or("")
                .contains("mx2.mx-two-addresses.test")
        })
        .collect();
    assert_eq!(mx2.len(), 2, "{rows:?}");
    assert_ne!(mx2[0][0], mx2[1][0], "two distinct addresses: {rows:?}");
    let finding = c
        .execute(
            // The finding points to its step in the plan, which says where: the step names it.
            r##"const f = document.querySelector('[data-section=mx_tls] [data-code="mx_tls.no_starttls"]').closest('li');
               const a = f.querySelector('a[href^="#step-"]');
               return a ? document.querySelector(a.getAttribute('href')).textContent : f.textContent;"##,
            vec![],
        )
        .await
        .unwrap();
    let bad_ip = mx2[1][0].as_str().unwrap_or("?");
    assert!(
        finding
            .as_str()
            .unwrap_or("")
            .contains(&format!("[{bad_ip}]")),
        "the finding names the failing address {bad_ip}: {finding}"
    );

    // The MX STARTTLS section's table: one row per address, the bad one red, with its reason.
    let table = c
        .execute(
            "return [...document.querySelectorAll('[data-section=mx_tls] table.mx-table tbody tr')].map(tr => [tr.dataset.host, tr.dataset.address || '', tr.querySelector('td.result [data-light]').dataset.light, tr.textContent]);",
            vec![],
        )
        .await
        .unwrap();
    let table = table.as_array().cloned().unwrap_or_default();
    assert_eq!(table.len(), 3, "one table row per address: {table:?}");
    let bad: Vec<_> = table.iter().filter(|r| r[2] == "red").collect();
    assert_eq!(bad.len(), 1, "{table:?}");
    assert_eq!(bad[0][0], "mx2.mx-two-addresses.test", "{table:?}");
    assert_eq!(bad[0][1].as_str(), Some(bad_ip), "{table:?}");
    assert!(
        bad[0][3].as_str().unwrap_or("").contains("STARTTLS"),
        "the row says what is wrong: {table:?}"
    );

    // TLS-RPT destinations: the proxy asked each one, the section names the broken ones, and
    // the raw data shows what each destination answered.
    let r = report_at(
        &c,
        &format!("{url}/?domain=tlsrpt-destinations-broken.test"),
    )
    .await;
    assert_eq!(r["sections"]["tlsrpt"], "red", "{r}");
    assert!(
        has_code(&r, "tlsrpt.rua.unreachable") && has_code(&r, "tlsrpt.rua.no_mail"),
        "{r}"
    );
    open_details(&c, "[data-section=tlsrpt] details.raw").await;
    let rpt = c
        .execute(
            // The section's findings point to the plan's steps, which name each destination.
            "const s = document.querySelector('[data-section=tlsrpt]'); return [s.querySelectorAll('.rua li').length, s.innerText + document.querySelector('.action-plan').innerText];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(rpt[0], 4, "one raw entry per destination: {rpt}");
    let text = rpt[1].as_str().unwrap_or_default();
    assert!(
        text.contains("HEAD (no report sent)")
            && text.contains("certificate has expired")
            && text.contains("null MX")
            && text.contains("_smtp-tlsrpt.tlsrpt-destinations-broken.test TXT"),
        "{text}"
    );

    // An MX outside the enforced policy: the raw data shows the MX set and the DNSSEC flag,
    // the fix-it policy adds the missing host, and its copy button copies exactly that.
    let r = report_at(&c, &format!("{url}/?domain=mx-not-covered.test")).await;
    assert_eq!(r["overall"], "red");
    open_details(&c, "details").await;
    let raw = c
        .execute(
            "return document.querySelector('[data-section=mx_coverage] details.raw').innerText;",
            vec![],
        )
        .await
        .unwrap();
    let raw = raw.as_str().unwrap();
    assert!(
        raw.contains("mx3.mx-not-covered.test") && raw.contains("DNSSEC"),
        "{raw}"
    );
    // Mail to mx3 bounces now: the first step rolls back to testing mode, the second
    // enforces again with mx3 covered; each has its own new id.
    let steps = c
        .execute(
            "return [...document.querySelectorAll('.fixit [data-step]')].map(s => [s.dataset.step, s.querySelector('[data-generated=policy] pre').textContent, s.querySelector('[data-generated=sts] pre').textContent, s.querySelector('.fix-notes').textContent]);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(steps[0][0], "rollback", "{steps}");
    assert_eq!(steps[1][0], "repair", "{steps}");
    let rollback = steps[0][1].as_str().unwrap();
    assert!(
        rollback.contains("mode: testing") && rollback.contains("mx: mx3.mx-not-covered.test\n"),
        "{rollback}"
    );
    assert_ne!(steps[0][2], steps[1][2], "two steps, two ids: {steps}");
    assert!(
        steps[0][3].as_str().unwrap().contains("A new id is needed"),
        "{steps}"
    );
    let fixed = steps[1][1].as_str().unwrap().to_string();
    assert!(
        fixed.contains("mx: mx3.mx-not-covered.test\n") && fixed.contains("mode: enforce"),
        "{fixed}"
    );
    let dane = c
        .execute(
            "return document.querySelector('[data-section=dane]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        dane.as_str()
            .unwrap()
            .contains("No MX host publishes TLSA records"),
        "{dane}"
    );
    c.find(Locator::Css(
        ".fixit [data-step=repair] [data-generated=policy] .copy button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let status = wait_js(&c, "the copy status",
        "const s = document.querySelector('.fixit [data-step=repair] [data-generated=policy] .copy-status').textContent; return s || null;").await;
    assert_eq!(status, "Copied");
    let copied = c
        .execute_async(
            "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(copied.as_str().unwrap().replace("\r\n", "\n"), fixed);
    screenshot(&c, "fixit").await;

    // Export: the report as the CLI prints it, plus the inputs.
    c.find(Locator::Css(".report-tools button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = downloaded(downloads.path(), "mta-sts-mx-not-covered.test.json").await;
    let exported: Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("the export is JSON");
    assert_eq!(exported["overall"], "red");
    assert_eq!(exported["domain"], "mx-not-covered.test");
    assert!(
        exported["inputs"]["mx"]["state"] == "done",
        "{}",
        exported["inputs"]
    );
    // The export carries what `check --json` does: the policy's hash beside the id, and per MX
    // host its DANE verdict and every probed address with its result.
    assert_eq!(
        exported["policy_sha256"].as_str().map(str::len),
        Some(64),
        "{exported}"
    );
    let rows = exported["mx"].as_array().expect("mx rows");
    assert!(!rows.is_empty(), "{exported}");
    for row in rows {
        assert!(row.get("dane").is_some(), "{row}");
        let addrs = row["addresses"].as_array().expect("addresses");
        assert!(
            !addrs.is_empty()
                && addrs
                    .iter()
                    .all(|a| a["ip"].is_string() && a["light"].is_string()),
            "{row}"
        );
    }

    // History: the check is listed; a stored policy that differs under the same id is reported
    // as "policy changed but the id did not".
    let listed = c
        .execute(
            "return [...document.querySelectorAll('[data-recent]')].map(e => e.dataset.recent);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!([
            "mx-not-covered.test",
            "tlsrpt-destinations-broken.test",
            "mx-two-addresses.test",
            "enforce-good.test"
        ])
    );
    // Each entry shows the id and the policy's short hash (policy drift at a glance).
    let fingerprint = c
        .execute(
            "return document.querySelector('[data-recent=\"mx-not-covered.test\"] .fingerprint').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let fingerprint = fingerprint.as_str().unwrap_or_default().to_string();
    assert!(
        fingerprint.contains("id ") && fingerprint.contains("sha256 "),
        "{fingerprint}"
    );
    c.execute(
        r#"const l = JSON.parse(localStorage.getItem('mtasts.recent'));
           l[0].policy = l[0].policy.replace('mode: enforce', 'mode: testing'); l[0].at -= 86400;
           l[0].sha256 = '0123456789ab' + l[0].sha256.slice(12);
           localStorage.setItem('mtasts.recent', JSON.stringify(l));"#,
        vec![],
    )
    .await
    .unwrap();
    c.refresh().await.unwrap();
    wait_for_final(&c, Duration::from_secs(30)).await;
    let change = wait_js(
        &c,
        "the change note",
        "const w = document.querySelector('.change.warning'); return w && w.textContent;",
    )
    .await;
    assert!(
        change.as_str().unwrap().contains("the id did not")
            && change.as_str().unwrap().contains("sha256 0123456789ab → "),
        "{change}"
    );
    screenshot(&c, "policy-changed-same-id").await;

    // Testing mode: the second check says since when.
    report_at(&c, &format!("{url}/?domain=testing.test")).await;
    c.refresh().await.unwrap();
    wait_for_final(&c, Duration::from_secs(30)).await;
    let since = wait_js(&c, "the testing-since note",
        "const n = [...document.querySelectorAll('.change')].find(e => e.textContent.includes('testing mode since')); return n && n.textContent;").await;
    assert!(since.as_str().unwrap().contains("UTC"), "{since}");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doh_json_api_gives_the_same_verdicts() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let doh = support::demo_doh(&c, &url).await;
    let wanted: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| {
            [
                "enforce-good",
                "nxdomain",
                "sts-servfail",
                "cname-delegated",
                "mx-not-covered",
                "null-mx",
            ]
            .contains(&s.name.as_str())
        })
        .collect();
    assert_eq!(wanted.len(), 6);
    for s in wanted {
        c.goto(&format!(
            "{url}/?domain={}&doh=json&resolver={doh}",
            s.domain()
        ))
        .await
        .unwrap();
        let r = wait_for_final(&c, Duration::from_secs(30)).await;
        assert_eq!(r["overall"], s.expect["overall"], "{}: {r}", s.name);
        if s.name == "enforce-good" {
            // The TLSA lookup through the JSON API too: the record matches.
            assert_eq!(r["sections"]["dane"], "green", "{r}");
        }
        for (id, light) in s.expect["sections"].as_object().into_iter().flatten() {
            assert_eq!(&r["sections"][id], light, "{} section {id}: {r}", s.name);
        }
    }
    c.close().await.ok();
}

/// The widget's report inside its shadow root: overall light, or null while loading.
async fn widget_overall(c: &Client, id: &str) -> Value {
    c.execute(
        &format!(
            r#"const w = document.getElementById("{id}");
               const o = w && w.shadowRoot && w.shadowRoot.querySelector("[data-overall]");
               return o ? o.dataset.overall : null;"#
        ),
        vec![],
    )
    .await
    .expect("read the widget")
}

async fn wait_widget(c: &Client, id: &str, want: &str) {
    let start = Instant::now();
    loop {
        let got = widget_overall(c, id).await;
        if got == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "widget #{id} never showed {want} (last: {got})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Computed styles that a leaking widget would change on the host page.
const HOST_STYLES_JS: &str = r##"
const props = ["font-family", "font-size", "color", "background-color", "margin-top", "padding-top",
               "line-height", "letter-spacing", "text-transform", "border-top-style", "box-sizing"];
const out = {};
for (const sel of ["html", "body", "#title", "#para"]) {
  const st = getComputedStyle(document.querySelector(sel));
  out[sel] = Object.fromEntries(props.map(p => [p, st.getPropertyValue(p)]));
}
return out;"##;

/// The look of the report's main parts, inside a root (the document or a shadow root).
fn look_js(root: &str) -> String {
    format!(
        r##"const root = {root};
           const pick = sel => {{ const e = root.querySelector(sel); if (!e) return null; const st = getComputedStyle(e);
             return ["font-family", "font-size", "color", "background-color", "border-top-color", "padding-top", "text-transform", "letter-spacing"]
               .map(p => p + ": " + st.getPropertyValue(p)).join("; "); }};
           return ["#verdict", ".light", ".section", ".section h3", ".summary", ".domain-form input", ".domain-form button"].map(s => [s, pick(s)]);"##
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_embeds_under_strict_csp_and_hostile_css() {
    let (_server, widget) = serve().await;
    let (_driver, c) = browser().await;
    let host = support::host_for(&c, &widget).await;

    // The host page's own look, without any widget.
    c.goto(&format!("{host}/control.html")).await.unwrap();
    let before = c.execute(HOST_STYLES_JS, vec![]).await.unwrap();

    // Two widgets on one page run at once, each with its own verdict.
    c.goto(&format!("{host}/host.html")).await.unwrap();
    wait_widget(&c, "w1", "green").await;
    wait_widget(&c, "w2", "red").await;
    let after = c.execute(HOST_STYLES_JS, vec![]).await.unwrap();
    assert_eq!(
        before, after,
        "the widget changed the host page's computed styles"
    );
    let violations = c
        .execute("return window.__violations;", vec![])
        .await
        .unwrap();
    assert_eq!(violations, json!([]), "CSP violations");
    let loaded = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('mtasts-embed_bg.wasm')).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!(1), "both widgets share one wasm download");

    // Events: start and report for each, composed and bubbling, the report as a plain object.
    let events = c.execute("return window.__events;", vec![]).await.unwrap();
    let has = |t: &str, id: &str, key: &str, v: &str| {
        events.as_array().unwrap().iter().any(|e| {
            e["type"] == t
                && e["id"] == id
                && e[key] == v
                && e["composed"] == true
                && e["bubbles"] == true
        })
    };
    assert!(
        has("mta-sts-start", "w1", "domain", "enforce-good.test"),
        "{events}"
    );
    assert!(has("mta-sts-report", "w1", "overall", "green"), "{events}");
    assert!(has("mta-sts-report", "w2", "overall", "red"), "{events}");

    // Same look as the standalone page, whatever the host's CSS says.
    let in_widget = c
        .execute(
            &look_js(r#"document.getElementById("w1").shadowRoot"#),
            vec![],
        )
        .await
        .unwrap();
    c.find(Locator::Id("w1"))
        .await
        .unwrap()
        .screenshot()
        .await
        .map(|png| std::fs::write(artifacts().join("embed-widget.png"), png).expect("write"))
        .expect("element screenshot");
    screenshot(&c, "embed-host-page").await;
    c.goto(&format!("{widget}/?domain=enforce-good.test"))
        .await
        .unwrap();
    wait_for_final(&c, Duration::from_secs(30)).await;
    let standalone = c.execute(&look_js("document"), vec![]).await.unwrap();
    assert_eq!(
        in_widget, standalone,
        "the widget does not look like the standalone app"
    );
    assert!(!in_widget.to_string().contains("Comic"), "{in_widget}");
    screenshot(&c, "embed-standalone-for-comparison").await;

    // Attribute changes take effect.
    c.goto(&format!("{host}/host.html")).await.unwrap();
    wait_widget(&c, "w1", "green").await;
    c.execute(
        r#"const w = document.getElementById("w1"); w.setAttribute("domain", "testing.test");
           const v = document.getElementById("w2"); v.setAttribute("theme", "dark"); v.setAttribute("compact", ""); v.setAttribute("offline-tools", "");"#,
        vec![],
    )
    .await
    .unwrap();
    wait_widget(&c, "w1", "amber").await;
    // Compact is one line: no form, no tabs, no report, and no <main> inside the host's page;
    // "Details" opens the whole widget, tools included.
    let line = wait_js(
        &c,
        "the dark, compact widget as one line",
        r#"const r = document.getElementById("w2").shadowRoot;
           const line = r.querySelector(".compact-line");
           if (!line || line.dataset.overall === "pending") return null;
           const visible = sel => [...r.querySelectorAll(sel)].some(e => e.offsetParent !== null);
           return { height: line.getBoundingClientRect().height, lineHeight: parseFloat(getComputedStyle(line).lineHeight),
                    form: visible("form"), tabs: visible('[role=tab]'), report: visible(".report"),
                    main: r.querySelectorAll("main").length };"#,
    )
    .await;
    assert_eq!(
        (&line["form"], &line["tabs"], &line["report"], &line["main"]),
        (&json!(false), &json!(false), &json!(false), &json!(0)),
        "{line}"
    );
    assert!(
        line["height"].as_f64().unwrap() < 2.0 * line["lineHeight"].as_f64().unwrap(),
        "one line: {line}"
    );
    c.execute(
        r#"document.getElementById("w2").shadowRoot.querySelector(".compact-line button").click();"#,
        vec![],
    )
    .await
    .unwrap();
    let w2 = wait_js(
        &c,
        "the dark, compact widget with tools, opened",
        r#"const r = document.getElementById("w2").shadowRoot;
           const root = r.querySelector(".mtasts-root");
           const compact = r.querySelector(".compact-line");
           const tools = r.querySelector('[id="main-tab-tools"]');
           const report = r.querySelector(".report");
           return compact && tools && report && tools.offsetParent !== null && { bg: getComputedStyle(root).backgroundColor, theme: root.dataset.theme };"#,
    )
    .await;
    assert_eq!(w2["theme"], "dark");
    assert_eq!(w2["bg"], "rgb(13, 17, 23)", "the dark theme's background");
    let events = c.execute("return window.__events;", vec![]).await.unwrap();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "mta-sts-report" && e["id"] == "w1" && e["overall"] == "amber"),
        "{events}"
    );
    screenshot(&c, "embed-attributes-changed").await;
    let png = c
        .find(Locator::Id("w2"))
        .await
        .unwrap()
        .screenshot()
        .await
        .expect("element screenshot");
    std::fs::write(artifacts().join("embed-widget-dark-compact.png"), png).expect("write");
    assert_eq!(
        c.execute("return window.__violations;", vec![])
            .await
            .unwrap(),
        json!([])
    );
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_api_works_without_an_element_and_the_widget_loads_lazily() {
    let (_server, widget) = serve().await;
    let (_driver, c) = browser().await;
    let host = support::host_for(&c, &widget).await;

    c.goto(&format!("{host}/api.html")).await.unwrap();
    wait_js(&c, "the MtaSts global", "return !!window.MtaSts;").await;
    let r = c
        .execute_async(
            r#"const done = arguments[0];
               Promise.all([MtaSts.check("mx-expired.test"), MtaSts.lint("policy", "version: STSv1\nmode: enforcing\nmx: a.example\nmax_age: 86400\n"),
                            MtaSts.check("not a domain!").then(() => "accepted", e => String(e))])
                 .then(([report, lint, bad]) => done({ overall: report.overall, sections: report.sections.length,
                         codes: lint.findings.map(f => f.code), verdict: lint.verdict, bad,
                         elements: document.querySelectorAll("mta-sts-check").length }),
                       e => done({ error: String(e) }));"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(r["elements"], 0, "{r}");
    assert_eq!(r["overall"], "red", "{r}");
    assert_eq!(r["sections"], 7, "{r}");
    assert_eq!(r["verdict"], "fail", "{r}");
    assert!(has_code(&r, "policy.mode.invalid"), "{r}");
    assert!(r["bad"].as_str().unwrap().contains("cannot check"), "{r}");
    assert_eq!(
        c.execute("return window.__violations;", vec![])
            .await
            .unwrap(),
        json!([])
    );

    // Below the fold, only embed.js loads; the module comes when the element scrolls into view.
    c.goto(&format!("{host}/below.html")).await.unwrap();
    wait_js(&c, "embed.js", "return !!window.MtaSts;").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let from_widget = format!(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.startsWith('{widget}')).map(n => n.slice({}));",
        widget.len()
    );
    let early = c.execute(&from_widget, vec![]).await.unwrap();
    assert_eq!(early, json!(["/embed.js"]), "before the widget is visible");
    c.execute("document.getElementById('w3').scrollIntoView();", vec![])
        .await
        .unwrap();
    wait_widget(&c, "w3", "green").await;
    let late = c.execute(&from_widget, vec![]).await.unwrap();
    let late: Vec<&str> = late
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        late.contains(&"/embed/mtasts-embed_bg.wasm") && late.contains(&"/style.css"),
        "{late:?}"
    );
    c.close().await.ok();
}

/// A plain pass-through CORS proxy (`/raw?url=…`), as public ones behave: it fetches the URL
/// (here with the proxy's own fetcher, trusting the world's CA) and returns the status,
/// content type and body, with CORS; it shows nothing of TLS and cannot speak SMTP.
async fn passthrough_proxy(world: &mtasts_testkit::World) -> String {
    use axum::extract::Query;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    use mtasts::addr::AddressPolicy;
    use mtasts::config::FetchConfig;
    use mtasts::resolve::Resolver;
    use mtasts::tls::Trust;

    let mut trust = Trust::new(&[] as &[&std::path::Path]).expect("trust");
    trust.add_pem(world.ca_pem()).expect("the world's CA");
    let mut cfg = FetchConfig::new(
        Resolver::new(vec![world.dns], Duration::from_secs(2)),
        trust,
        AddressPolicy {
            allow_private: true,
        },
        Duration::from_secs(3),
    );
    cfg.https_port = world.https_port;
    let cfg = std::sync::Arc::new(cfg);
    let app = axum::Router::new().route(
        "/raw",
        axum::routing::get(
            move |Query(q): Query<std::collections::HashMap<String, String>>| {
                let cfg = cfg.clone();
                async move {
                    let cors = [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")];
                    let domain = q
                        .get("url")
                        .and_then(|u| u.strip_prefix("https://mta-sts."))
                        .and_then(|u| u.strip_suffix("/.well-known/mta-sts.txt"))
                        .map(String::from);
                    let Some(domain) = domain else {
                        return (StatusCode::BAD_REQUEST, cors, "only policy URLs").into_response();
                    };
                    let f = mtasts::fetch::fetch_policy(&cfg, &domain).await.fetch;
                    match (f.status, f.body) {
                        (Some(s), Some(body)) => (
                            StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY),
                            cors,
                            [(header::CONTENT_TYPE, f.content_type.unwrap_or_default())],
                            body,
                        )
                            .into_response(),
                        _ => (StatusCode::BAD_GATEWAY, cors, "upstream failed").into_response(),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/raw?url={{url}}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_through_cors_proxy_still_validates_the_policy() {
    let world = mtasts_testkit::World::start(&catalogue())
        .await
        .expect("world");
    let proxy = passthrough_proxy(&world).await;
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let open = |d: &str| {
        format!(
            "{url}/?domain={d}&resolver={}&proxy={}",
            enc(&format!("http://{}/dns-query", world.doh)),
            enc(&proxy)
        )
    };
    c.goto(&open("enforce-good.test")).await.unwrap();
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    assert_eq!(r["sections"]["sts_record"], "green", "{r}");
    assert_eq!(
        r["sections"]["policy"], "green",
        "the body was validated: {r}"
    );
    assert_eq!(
        r["sections"]["policy_fetch"], "untested",
        "certificate and redirects not tested: {r}"
    );
    assert_eq!(
        r["sections"]["mx_tls"], "untested",
        "no STARTTLS probes: {r}"
    );
    assert_eq!(r["overall"], "incomplete", "{r}");
    assert!(has_code(&r, "policy_fetch.limited"), "{r}");
    screenshot(&c, "pass-through-proxy").await;
    // What the pass-through shows is still judged: a text/html policy is refused.
    c.goto(&open("policy-text-html.test")).await.unwrap();
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    assert_eq!(r["sections"]["policy_fetch"], "red", "{r}");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_and_embed_docs_pages_work() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/demo.html")).await.unwrap();
    let w = wait_js(
        &c,
        "the demo page's widget",
        r#"const w = document.querySelector("mta-sts-check"); const o = w.shadowRoot.querySelector(".report [data-overall]");
           return o && o.dataset.overall !== "pending" && o.dataset.overall;"#,
    )
    .await;
    assert_eq!(w, "amber", "testing.test on the demo page");
    screenshot(&c, "embed-demo-page").await;

    // Every live example of the docs page: the compact and the dark widget, an attribute
    // change, the event log and both API calls.
    c.goto(&format!("{url}/embed.html")).await.unwrap();
    let compact = r#"const o = document.getElementById("ex-compact").shadowRoot.querySelector(".compact-line");
                     return o && o.dataset.overall !== "pending" && o.dataset.overall;"#;
    assert_eq!(wait_js(&c, "the compact example", compact).await, "green");
    let dark = wait_js(
        &c,
        "the dark example",
        r#"const r = document.getElementById("ex-dark").shadowRoot; const o = r.querySelector("[data-overall]");
           return o && o.dataset.overall !== "pending" && [o.dataset.overall, r.querySelector(".mtasts-root").dataset.theme];"#,
    )
    .await;
    assert_eq!(dark, json!(["amber", "dark"]));
    let snippet = c
        .find(Locator::Id("snippet"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(snippet.contains(&format!("{url}/embed.js")), "{snippet}");
    c.find(Locator::Id("swap"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let red = r#"const o = document.getElementById("ex-compact").shadowRoot.querySelector(".compact-line");
                 return o && o.dataset.overall === "red";"#;
    wait_js(&c, "the changed compact example", red).await;
    let events = c
        .find(Locator::Id("events"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        events.contains("mta-sts-report from #ex-compact — red"),
        "{events}"
    );
    c.find(Locator::Id("api-check"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let out = wait_js(
        &c,
        "MtaSts.check on the docs page",
        r#"const t = document.getElementById("api-out").textContent; return t.includes("overall") && t;"#,
    )
    .await;
    assert!(
        out.as_str().unwrap().contains("\"overall\": \"red\""),
        "{out}"
    );
    c.find(Locator::Id("api-lint"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let out = wait_js(
        &c,
        "MtaSts.lint on the docs page",
        r#"const t = document.getElementById("api-out").textContent; return t.includes("policy.mode.invalid") && t;"#,
    )
    .await;
    assert!(
        out.as_str().unwrap().contains("\"verdict\": \"fail\""),
        "{out}"
    );
    screenshot(&c, "embed-docs-page").await;
    c.close().await.ok();
}
