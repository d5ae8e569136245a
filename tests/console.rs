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
