//! The page's own DNS path against real servers: Chromium loads the app from `mtasts serve`
//! (configured with dnsdist as its DoH server, Unbound as the proxy's resolver and the interop
//! PKI), and the DoH queries go to dnsdist → Unbound → Knot (DNSSEC-signed), the policy fetch
//! and MX probes to nginx, Apache and Postfix. The verdicts must be the ones the CLI gives
//! (crates/server/tests/interop.rs), and dnsdist's log must show the page's queries.

use std::time::Duration;

#[allow(dead_code)]
#[path = "support.rs"]
mod support;
use support::{browser, repo, screenshot, serve_plain, wait_for_final, wait_ready};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_checks_through_a_real_doh_server() {
    let world = tokio::task::spawn_blocking(mtasts_interop::World::start)
        .await
        .expect("start the world")
        .unwrap_or_else(|e| panic!("interop world: {e}"));
    let ca = world.ca_file.display().to_string();
    let (_server, url) = serve_plain(
        repo().join("target/debug/mtasts"),
        &[
            "--timeout",
            "5",
            "--doh",
            &world.doh,
            "--resolver",
            &world.resolver,
            "--ca-file",
            &ca,
            "--allow-private-addresses",
        ],
    )
    .await;
    let (_driver, c) = browser().await;
    let mut wrong = Vec::new();
    for case in world.cases.iter().filter(|c| {
        [
            "good",
            "split",
            "cname",
            "big",
            "cbc",
            "gzip",
            "nostarttls",
            "bogus",
            "nullmx",
            "daneee",
            "danebad",
            "twoaddr",
        ]
        .contains(&c.name)
    }) {
        let domain = case.domain();
        c.goto(&format!("{url}/?domain={domain}"))
            .await
            .expect("open the page");
        wait_ready(&c).await;
        let r = wait_for_final(&c, Duration::from_secs(30)).await;
        if r["overall"] != case.expect.overall {
            screenshot(&c, &format!("interop-{}", case.name)).await;
            wrong.push(format!(
                "{domain}: the page says {} (the CLI and the expectation: {}); {r}",
                r["overall"], case.expect.overall
            ));
        }
        if !world.doh_queries().contains(&format!("_mta-sts.{domain}")) {
            wrong.push(format!(
                "{domain}: dnsdist never saw the page's _mta-sts query"
            ));
        }
    }
    c.close().await.ok();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
