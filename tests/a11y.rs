//! An accessibility audit with axe-core (installed from npm by scripts/setup.sh) run inside real
//! Chromium on every kind of page the checker shows: the empty page, a check in progress, a
//! green, an amber and a red report, every offline tool, the demo host page with the widget
//! and the embed docs, each in the light and the dark colour scheme. Any violation fails, with
//! the rule, its help and the elements.

use std::time::{Duration, Instant};

use fantoccini::Locator;

#[allow(dead_code)]
#[path = "support.rs"]
mod support;
use support::{
    audit, axe_source, browser, open_details, open_tool, read_report, repo, report_at, scheme,
    screenshot, serve_args, wait_ready,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_in_both_themes() {
    let axe = axe_source();
    // No answer cache: the slow policy must be slow again in the second theme.
    let bin = repo().join("target/debug/mtasts");
    let (_server, url) = serve_args(bin, &["--cache-ttl", "0"]).await;
    let (_driver, c) = browser().await;
    let mut violations = Vec::new();
    let mut audited = 0;
    for dark in [false, true] {
        let theme = if dark { "dark" } else { "light" };
        scheme(&c, dark).await;

        c.goto(&url).await.unwrap();
        wait_ready(&c).await;
        violations.extend(audit(&c, &axe, &format!("empty page, {theme}")).await);
        audited += 1;

        // A check in progress: the slow policy keeps it pending for seconds.
        c.goto(&format!("{url}/?domain=policy-slow.test"))
            .await
            .unwrap();
        let start = Instant::now();
        loop {
            let r = read_report(&c).await;
            if r["overall"] == "pending" && r["sections"]["sts_record"] == "green" {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{r}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        violations.extend(audit(&c, &axe, &format!("pending check, {theme}")).await);
        audited += 1;

        for (domain, light) in [
            ("enforce-good.test", "green"),
            ("testing-not-ready.test", "amber"),
            ("mx-no-starttls.test", "red"),
        ] {
            let r = report_at(&c, &format!("{url}/?domain={domain}")).await;
            assert_eq!(r["overall"], light, "{r}");
            // Everything open, so the audit sees the explanations, raw data and Fix-it too.
            open_details(&c, "details").await;
            violations.extend(audit(&c, &axe, &format!("{light} report, {theme}")).await);
            audited += 1;
            screenshot(&c, &format!("a11y-{light}-{theme}")).await;
        }

        // Every offline tool.
        c.goto(&url).await.unwrap();
        wait_ready(&c).await;
        c.find(Locator::Css("#main-tab-tools"))
            .await
            .expect("the tools tab")
            .click()
            .await
            .unwrap();
        for tool in [
            "policy",
            "sts-txt",
            "tlsrpt-txt",
            "mx",
            "tlsrpt-report",
            "generate",
        ] {
            open_tool(&c, tool).await;
            violations.extend(audit(&c, &axe, &format!("tool {tool}, {theme}")).await);
            audited += 1;
        }

        // The demo host page with live widgets, and the embed docs.
        for page in ["demo.html", "embed.html"] {
            c.goto(&format!("{url}/{page}")).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            violations.extend(audit(&c, &axe, &format!("{page}, {theme}")).await);
            audited += 1;
        }
    }
    println!(
        "axe: {audited} pages audited, {} violations",
        violations.len()
    );
    assert!(
        violations.is_empty(),
        "{} axe violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    c.close().await.ok();
}
