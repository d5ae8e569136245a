//! The operator console in real Chromium over `mtasts serve --demo`'s stored reports: the
//! token gate, the daily chart with its table and the evidence for enforcing, a report opened
//! with its JSON and findings, a link that carries the token, an axe audit in both themes, and
//! the checker's page never loading any of it.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

#[allow(dead_code)]
#[path = "support.rs"]
mod support;
use support::{
    audit, axe_source, browser, repo, scheme, screenshot, serve_plain, type_into, wait_js,
    wait_ready,
};

const TOKEN: &str = "console-test-token-0123456789";

async fn pick(c: &Client, domain: &str) -> Value {
    c.execute(
        &format!(
            "const s = document.getElementById('console-domain'); s.value = {domain:?}; s.dispatchEvent(new Event('change', {{bubbles: true}}));"
        ),
        vec![],
    )
    .await
    .unwrap();
    wait_js(
        c,
        "the domain's days",
        &format!(
            r#"const h = document.getElementById('days-title');
               if (!h || !h.textContent.startsWith({domain:?})) return null;
               const e = document.querySelector('.evidence');
               return {{ ready: e.dataset.ready, evidence: e.textContent,
                        bars: document.querySelectorAll('.daily-chart g.day').length,
                        failedBars: document.querySelectorAll('.daily-chart rect.failed').length,
                        rows: document.querySelectorAll('.chart-table tbody tr').length,
                        label: document.querySelector('.daily-chart svg').getAttribute('aria-label'),
                        top: [...document.querySelectorAll('.top-failures tbody td code')].map(c => c.textContent) }};"#
        ),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_a_domains_reports_over_time_behind_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let bin = repo().join("target/debug/mtasts");
    let (_server, url) = serve_plain(
        bin,
        &[
            "--demo",
            "--timeout",
            "3",
            "--admin-token-file",
            token.to_str().unwrap(),
        ],
    )
    .await;
    let (_driver, c) = browser().await;

    // The checker's page loads nothing of the console.
    c.goto(&url).await.unwrap();
    wait_ready(&c).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let loaded = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('console'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, Value::Array(vec![]), "{loaded}");

    // The gate: a wrong token is refused, the right one opens the console.
    c.goto(&format!("{url}/console/")).await.unwrap();
    wait_js(
        &c,
        "the token form",
        "return document.getElementById('operator-token');",
    )
    .await;
    type_into(&c, "#operator-token", "not-the-token-0123456789").await;
    c.find(Locator::Css(".token-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let refused = wait_js(
        &c,
        "the refusal",
        "const a = document.querySelector('.token-form [role=alert]'); return a && a.textContent;",
    )
    .await;
    assert!(refused.as_str().unwrap().contains("refused"), "{refused}");
    type_into(&c, "#operator-token", TOKEN).await;
    c.find(Locator::Css(".token-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &c,
        "the domain picker",
        "return document.getElementById('console-domain');",
    )
    .await;

    // A domain whose MX hosts fail every day: failures on every bar, not ready.
    let d = pick(&c, "testing-not-ready.test").await;
    assert_eq!(
        (
            d["bars"].as_u64(),
            d["rows"].as_u64(),
            d["failedBars"].as_u64()
        ),
        (Some(30), Some(30), Some(30)),
        "{d}"
    );
    assert_eq!(d["ready"], "false", "{d}");
    assert!(d["evidence"].as_str().unwrap().contains("not yet"), "{d}");
    assert!(d["label"].as_str().unwrap().contains("30 days"), "{d}");
    let top: Vec<&str> = d["top"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        top.contains(&"starttls-not-supported") && top.contains(&"mx2.testing-not-ready.test"),
        "{top:?}"
    );
    screenshot(&c, "console-failing").await;
    let failing_evidence = d["evidence"].clone();
    // A clean month from two senders: the evidence supports enforcing.
    let d = pick(&c, "enforce-good.test").await;
    assert_eq!(
        (d["ready"].as_str(), d["failedBars"].as_u64()),
        (Some("true"), Some(0)),
        "{d}"
    );

    // One report opened: its findings and its JSON.
    let d = pick(&c, "mx-no-starttls.test").await;
    assert_eq!(d["ready"], "false");
    c.find(Locator::Css("table.reports tbody tr button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let detail = wait_js(
        &c,
        "the report",
        "const s = document.querySelector('.report-detail'); return s && { json: s.querySelector('pre').textContent, codes: [...s.querySelectorAll('.finding')].map(f => f.dataset.code) };",
    )
    .await;
    // The keyboard starts at the opened report, and comes back to its row.
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "report-detail-title");
    let opened = c
        .execute(
            "return document.querySelector('.report-detail').dataset.report;",
            vec![],
        )
        .await
        .unwrap();
    let json: Value =
        serde_json::from_str(detail["json"].as_str().unwrap()).expect("the report's JSON");
    assert_eq!(
        json["policies"][0]["policy"]["policy-domain"],
        "mx-no-starttls.test"
    );
    assert!(
        detail["codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "report.failures"),
        "{detail}"
    );

    c.find(Locator::Css(".report-detail button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let back = wait_js(
        &c,
        "the focus back on the list",
        "const a = document.activeElement; const tr = a && a.closest('tr[data-report]'); return tr && tr.dataset.report;",
    )
    .await;
    assert_eq!(back, opened, "focus returns to the opened report's row");

    // Accessible in both themes, on a phone too.
    let axe = axe_source();
    let mut violations = Vec::new();
    for dark in [false, true] {
        scheme(&c, dark).await;
        let d = pick(&c, "testing.test").await;
        assert_eq!(d["ready"], "true", "{d}");
        c.execute(
            "document.querySelectorAll('details').forEach(d => d.open = true);",
            vec![],
        )
        .await
        .unwrap();
        violations.extend(
            audit(
                &c,
                &axe,
                &format!("console, {}", if dark { "dark" } else { "light" }),
            )
            .await,
        );
        screenshot(
            &c,
            &format!("console-{}", if dark { "dark" } else { "light" }),
        )
        .await;
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    c.set_window_size(360, 780).await.unwrap();
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, 0);
    screenshot(&c, "console-phone").await;

    // The operator's own page: in this tab, which holds the token, the checker's "Ready to
    // enforce?" adds the stored reports' evidence, word for word the console's line; the live
    // answer stays the live check's.
    c.set_window_size(1280, 900).await.unwrap();
    // On a domain already enforcing, the reports say how it goes, not "not yet".
    for (domain, console_line) in [
        ("enforce-good.test", None),
        ("testing-not-ready.test", Some(&failing_evidence)),
    ] {
        c.goto(&format!("{url}/?domain={domain}")).await.unwrap();
        let e = wait_js(
            &c,
            "the evidence under Ready to enforce?",
            "const p = document.querySelector('.action-plan:not([data-answer=pending])'); const e = p && p.querySelector('.report-evidence .evidence:not([aria-busy])'); return e && { ready: e.dataset.ready || null, text: e.textContent, answer: p.dataset.answer };",
        )
        .await;
        let text = e["text"].as_str().unwrap();
        match console_line {
            Some(line) => {
                assert_eq!(e["ready"], "false", "{domain}: {e}");
                assert_eq!(&e["text"], line, "{domain}: the console's line");
            }
            None => assert_eq!(
                text, "Senders' reports since enforcing: 30 days of reports, no failure reported.",
                "{domain}: {e}"
            ),
        }
        if domain == "testing-not-ready.test" {
            assert_ne!(e["answer"], "yes", "the live answer is the check's: {e}");
            c.execute(
                "document.querySelector('.action-plan').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
            screenshot(&c, "checker-with-report-evidence").await;
            // Back to the console, on this domain.
            c.find(Locator::LinkText("The reports in the console"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_js(
                &c,
                "the console on the checked domain",
                "const h = document.getElementById('days-title'); return h && h.textContent.startsWith('testing-not-ready.test');",
            )
            .await;
        }
    }
    // Without the token, nothing is asked and nothing shown.
    c.execute("sessionStorage.clear();", vec![]).await.unwrap();
    c.goto(&format!("{url}/?domain=enforce-good.test"))
        .await
        .unwrap();
    wait_js(
        &c,
        "the live answer",
        "return document.querySelector('.action-plan:not([data-answer=pending])');",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = c
        .execute(
            "return [document.querySelectorAll('.report-evidence').length, performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/v1/reports'))];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(asked, serde_json::json!([0, []]), "{asked}");

    // A link with the token opens the console in a new tab's session and leaves the address
    // bar without it.
    c.execute("sessionStorage.clear();", vec![]).await.unwrap();
    c.goto(&format!("{url}/")).await.unwrap();
    c.goto(&format!("{url}/console/#token={TOKEN}"))
        .await
        .unwrap();
    wait_js(
        &c,
        "the domain picker",
        "return document.getElementById('console-domain');",
    )
    .await;
    let here = c.current_url().await.unwrap();
    assert!(!here.as_str().contains(TOKEN), "{here}");
    c.close().await.ok();
}

/// The offline report tool adds up many files (JSON, gzip, a mail message, a repeat, a message
/// without a report) in the page, and its numbers are the server's for the same files
/// imported with `mtasts reports import`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_tool_adds_up_many_files_as_the_server_does() {
    use mtasts_testkit::tlsrpt::{gzip, report, Failure};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("reports");
    std::fs::create_dir_all(&d).unwrap();
    let fail = |n| Failure {
        result_type: "certificate-expired",
        receiving_mx: "mx1.example.com",
        sending_ip: Some("192.0.2.3"),
        sessions: n,
    };
    let mut files = Vec::new();
    // Nine days ending yesterday: recent enough to count as evidence.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for day in 1..=9u32 {
        let date = mtasts_core::daily::day_of(now - i64::from(10 - day) * 86_400);
        let failures = if day == 2 { vec![fail(5)] } else { vec![] };
        let a = report(
            "Org A",
            &format!("a-{day}"),
            &date,
            "example.com",
            100 + u64::from(day),
            &failures,
        );
        let b = report("Org B", &format!("b-{day}"), &date, "example.com", 50, &[]);
        let fa = d.join(format!("a-{day}.json"));
        let fb = d.join(format!("b-{day}.json.gz"));
        std::fs::write(&fa, &a).unwrap();
        std::fs::write(&fb, gzip(&b)).unwrap();
        files.extend([fa, fb]);
    }
    // An older report, two days before the others: the chart leaves those days empty.
    let old = d.join("a-old.json");
    std::fs::write(
        &old,
        report(
            "Org A",
            "a-old",
            &mtasts_core::daily::day_of(now - 12 * 86_400),
            "example.com",
            80,
            &[],
        ),
    )
    .unwrap();
    files.push(old);
    // A message with a report attached, the same report again, and a message without one.
    let other = report(
        "Org C",
        "c-1",
        &mtasts_core::daily::day_of(now - 7 * 86_400),
        "example.org",
        7,
        &[fail(1)],
    );
    let eml = format!(
        "From: r@c.example\r\nSubject: Report Domain: example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/tlsrpt+json\r\n\r\n{}\r\n--b--\r\n",
        String::from_utf8(other).unwrap()
    );
    for (name, body) in [
        ("c.eml", eml.into_bytes()),
        ("again.json", std::fs::read(d.join("a-2.json")).unwrap()),
        (
            "hello.eml",
            b"From: x@y.example\r\nSubject: hi\r\n\r\nhello\r\n".to_vec(),
        ),
    ] {
        let f = d.join(name);
        std::fs::write(&f, body).unwrap();
        files.push(f);
    }
    // The server's numbers for the same files.
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let bin = repo().join("target/debug/mtasts");
    let out = std::process::Command::new(&bin)
        .args(["reports", "import", "--database", &db, "--rejected"])
        .arg(dir.path().join("rejected"))
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let (_server, url) = serve_plain(
        bin,
        &[
            "--database",
            &db,
            "--admin-token-file",
            token.to_str().unwrap(),
        ],
    )
    .await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/?tool=tlsrpt-report")).await.unwrap();
    wait_ready(&c).await;
    support::wait_tools(&c).await;
    let server = c
        .execute_async(
            &format!(
                "const done = arguments[0]; fetch('/api/v1/reports/daily?domain=example.com', {{ headers: {{ Authorization: 'Bearer {TOKEN}' }} }}).then(r => r.json()).then(done, e => done(String(e)));"
            ),
            vec![],
        )
        .await
        .unwrap();
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    c.find(Locator::Id("tool-reports-files"))
        .await
        .expect("the files picker")
        .send_keys(&paths.join("\n"))
        .await
        .unwrap();
    let page = wait_js(
        &c,
        "the days",
        r#"const p = document.querySelector('.report-files-result .counts');
           if (!p) return null;
           return { counts: p.textContent, ready: document.querySelector('.report-files .evidence').dataset.ready,
                    chart: document.querySelector('.report-files .daily-chart svg').getAttribute('aria-label'),
                    rows: [...document.querySelectorAll('.report-files .chart-table tbody tr')].map(r => [...r.children].map(c => c.textContent.replace(/\u202f/g, ''))) };"#,
    )
    .await;
    let counts = page["counts"].as_str().unwrap();
    assert!(
        counts.starts_with("22 file(s): 21 report(s) (1 counted once"),
        "{counts}"
    );
    assert!(counts.contains("1 message(s) without a report"), "{counts}");
    let want: Vec<Vec<String>> = server["days"]
        .as_array()
        .expect("the server's days")
        .iter()
        .map(|d| {
            vec![
                d["day"].as_str().unwrap().to_string(),
                d["reports"].to_string(),
                d["sessions"]["successful"].to_string(),
                d["sessions"]["failed"].to_string(),
            ]
        })
        .collect();
    let got: Vec<Vec<String>> = serde_json::from_value(page["rows"].clone()).unwrap();
    assert_eq!(got, want, "the page's numbers are the server's");
    assert_eq!(got.len(), 10);
    assert!(
        page["chart"]
            .as_str()
            .unwrap()
            .contains("over 12 days, 10 days with reports, 1 day with failures"),
        "days without reports are gaps in the chart: {page}"
    );
    // Seven clean days from two organisations after the failure on the 2nd: both say ready.
    assert_eq!(page["ready"], "true");
    assert_eq!(server["evidence"]["ready"], true);
    screenshot(&c, "report-tool-many-files").await;
    c.close().await.ok();
}
