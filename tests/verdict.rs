//! Never a false green, in real Chromium against the real `mtasts serve --demo`: a check that
//! could not run in full is "incomplete" with its reasons and a Retry (counting down the
//! proxy's `Retry-After`), and is not kept in history; a dead or CORS-less resolver is not a
//! pass; an MX host that never greets is named as unconfirmed, never as passing; every fact
//! says when it was gathered and "Re-check" skips the proxy's cache; the page never falls back
//! to a resolver nobody chose; the `_mta-sts` tool reads whole `dig` answer lines.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

// Shared with browser.rs and the web bench; each uses part of it.
#[allow(dead_code)]
#[path = "support.rs"]
mod support;
use support::{
    browser, has_code, open_tool, repo, report_at, screenshot, serve, serve_args, tool_result,
    type_into, wait_for_final, wait_js, wait_ready,
};

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

async fn recent(c: &Client) -> Value {
    c.execute(
        "return [...document.querySelectorAll('[data-recent]')].map(e => e.dataset.recent);",
        vec![],
    )
    .await
    .expect("the recent list")
}

/// A DoH endpoint that answers, but without CORS headers: the browser hides its answers.
async fn corsless_doh() -> String {
    let app = axum::Router::new().route(
        "/dns-query",
        axum::routing::any(|| async {
            (
                [(axum::http::header::CONTENT_TYPE, "application/dns-message")],
                vec![0u8; 12],
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/dns-query")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_that_could_not_run_is_incomplete_never_green() {
    // Three API requests a minute: one check's worth (the policy, the MX probes and the TLS-RPT
    // destinations).
    let bin = repo().join("target/debug/mtasts");
    let (_server, url) = serve_args(bin, &["--rate-limit", "3"]).await;
    let (_driver, c) = browser().await;
    let first = report_at(&c, &format!("{url}/?domain=enforce-good.test")).await;
    assert_eq!(first["overall"], "green", "{first}");

    // The proxy now answers 429: the broken domain must not look fine.
    let r = report_at(&c, &format!("{url}/?domain=mx-no-starttls.test")).await;
    screenshot(&c, "rate-limited-incomplete").await;
    assert_eq!(r["overall"], "incomplete", "{r}");
    assert_eq!(r["sections"]["policy_fetch"], "untested", "{r}");
    assert_eq!(r["sections"]["mx_tls"], "untested", "{r}");
    assert_eq!(
        r["sections"]["sts_record"], "green",
        "DNS still answered: {r}"
    );
    let verdict = text_of(&c, "#verdict").await;
    assert!(
        verdict.contains("incomplete") && verdict.contains("Incomplete: not tested"),
        "{verdict}"
    );
    assert!(!verdict.contains("good"), "{verdict}");
    let panel = text_of(&c, ".incomplete-note").await;
    assert!(
        panel.contains("Policy fetch")
            && panel.contains("MX STARTTLS")
            && panel.contains("HTTP 429"),
        "{panel}"
    );
    let ready = text_of(&c, "[aria-label='Ready to enforce?']").await;
    assert!(ready.contains("Cannot tell yet"), "{ready}");
    // Retry counts down the proxy's Retry-After and is disabled until then.
    let wait = |c: Client| async move {
        c.execute(
            "const b = document.querySelector('.incomplete-note button.retry'); return [b.disabled, b.textContent, Number(document.querySelector('.incomplete-note').dataset.wait)];",
            vec![],
        )
        .await
        .unwrap()
    };
    let before = wait(c.clone()).await;
    assert_eq!(before[0], true, "{before}");
    let secs = before[2].as_u64().unwrap();
    assert!((2..=60).contains(&secs), "{before}");
    assert_eq!(before[1], format!("Retry in {secs} s"));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = wait(c.clone()).await;
    assert!(
        after[2].as_u64().unwrap() < secs,
        "the countdown moves: {before} then {after}"
    );
    // Not a result: not stored in history.
    assert_eq!(recent(&c).await, json!(["enforce-good.test"]));

    // A resolver that cannot be reached, and one whose answers the browser blocks (no CORS
    // header): the DNS sections are not tested and the result is incomplete, not green.
    let (_server2, url2) = serve().await;
    let corsless = corsless_doh().await;
    for resolver in ["http://127.0.0.1:9/dns-query".to_string(), corsless] {
        c.goto(&format!(
            "{url2}/?domain=enforce-good.test&resolver={resolver}"
        ))
        .await
        .unwrap();
        let r = wait_for_final(&c, Duration::from_secs(30)).await;
        assert_eq!(r["overall"], "incomplete", "{resolver}: {r}");
        for s in ["sts_record", "mx_coverage", "tlsrpt"] {
            assert_eq!(r["sections"][s], "untested", "{resolver}: {r}");
        }
        assert!(has_code(&r, "dns.unreachable"), "{r}");
        assert!(c
            .find(Locator::Css(".incomplete-note button.retry"))
            .await
            .is_ok());
    }
    screenshot(&c, "resolver-blocked-incomplete").await;
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mx_that_never_answers_is_named_never_passing() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    for (domain, says) in [
        (
            "mx-no-banner.test",
            "accepted the connection on port 25 but sent no greeting",
        ),
        ("mx-refused.test", "the connection to port 25 failed"),
        ("mx-close-after-banner.test", "closed the connection"),
    ] {
        let r = report_at(&c, &format!("{url}/?domain={domain}")).await;
        assert_eq!(r["overall"], "amber", "{domain}: {r}");
        assert_eq!(r["sections"]["mx_tls"], "amber", "{domain}: {r}");
        let ready = text_of(&c, "[aria-label='Ready to enforce?']").await;
        assert!(!ready.contains("every MX host passes"), "{domain}: {ready}");
        // The action plan: can't tell, and a step that names the host, why, and how to check
        // it by hand.
        let plan = text_of(&c, ".action-plan").await;
        assert!(plan.contains("Can't tell yet"), "{domain}: {plan}");
        let step = text_of(&c, ".action-plan li.action-step").await;
        assert!(
            step.contains(&format!("mx2.{domain} could not be confirmed"))
                && step.contains(says)
                && step.contains(&format!("posttls-finger -c -l secure \"[mx2.{domain}]\"")),
            "{domain}: {step}"
        );
        let summary = text_of(&c, "[data-section=mx_tls]").await;
        assert!(
            summary.contains("1 of 2 MX hosts pass; 1 could not be confirmed"),
            "{domain}: {summary}"
        );
        assert!(!summary.contains("All 2 MX hosts"), "{domain}: {summary}");
        if domain == "mx-no-banner.test" {
            screenshot(&c, "mx-no-greeting").await;
        }
    }
    c.close().await.ok();
}

/// Freshness facts as the page shows them.
async fn freshness(c: &Client) -> Value {
    c.execute(
        r#"const f = {}; document.querySelectorAll('[data-fresh]').forEach(e => f[e.dataset.fresh] =
             { cached: e.dataset.cached, age: Number(e.dataset.age), text: e.textContent });
           return f;"#,
        vec![],
    )
    .await
    .expect("freshness")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fact_says_when_it_was_fetched_and_recheck_skips_the_cache() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    report_at(&c, &format!("{url}/?domain=testing.test")).await;
    let f = freshness(&c).await;
    assert_eq!(f["policy"]["cached"], "false", "{f}");
    assert_eq!(f["mx"]["cached"], "false", "{f}");
    assert!(
        f["dns"]["text"].as_str().unwrap().contains("asked 127."),
        "names the resolver it asked: {f}"
    );
    // Within the proxy's minute, the same answers come back: the page says how old they are.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    c.refresh().await.unwrap();
    wait_for_final(&c, Duration::from_secs(30)).await;
    let f = freshness(&c).await;
    for k in ["policy", "mx"] {
        assert_eq!(f[k]["cached"], "true", "{f}");
        assert!(f[k]["age"].as_i64().unwrap() >= 1, "{f}");
        assert!(
            f[k]["text"]
                .as_str()
                .unwrap()
                .contains("reused from the proxy's cache"),
            "{f}"
        );
    }
    screenshot(&c, "cached-answers").await;
    // Re-check asks the proxy to gather everything again.
    let button = c.find(Locator::Css("button.recheck")).await.unwrap();
    assert!(button
        .text()
        .await
        .unwrap()
        .contains("skip the proxy's cache"));
    button.click().await.unwrap();
    wait_js(
        &c,
        "fresh answers",
        "const p = document.querySelector('[data-fresh=policy]'), m = document.querySelector('[data-fresh=mx]');
         return p && m && p.dataset.cached === 'false' && m.dataset.cached === 'false';",
    )
    .await;
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    assert_eq!(r["overall"], "amber", "{r}");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_domain_goes_to_a_resolver_nobody_chose() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    // The proxy is down, so it cannot name a resolver, and none was chosen.
    c.goto(&format!(
        "{url}/?domain=enforce-good.test&proxy=http://127.0.0.1:9"
    ))
    .await
    .unwrap();
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    screenshot(&c, "no-resolver").await;
    assert_eq!(r["overall"], "untested", "nothing could be tested: {r}");
    let verdict = text_of(&c, "#verdict").await;
    assert!(verdict.contains("Nothing could be tested"), "{verdict}");
    let sts = text_of(&c, "[data-section=sts_record]").await;
    assert!(
        sts.contains("Nothing was sent to any resolver") && sts.contains("?resolver="),
        "{sts}"
    );
    let requested = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .unwrap();
    let requested: Vec<&str> = requested
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        requested
            .iter()
            .all(|u| u.starts_with(&url) || u.starts_with("http://127.0.0.1:9/")),
        "only the page's own origin and the chosen proxy were asked: {requested:?}"
    );
    assert!(
        requested
            .iter()
            .any(|u| u.contains("127.0.0.1:9/api/v1/config")),
        "the proxy was asked which resolver to use: {requested:?}"
    );
    // With its own server, which names a resolver, the same check is complete and green.
    let r = report_at(&c, &format!("{url}/?domain=enforce-good.test")).await;
    assert_eq!(r["overall"], "green", "{r}");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_txt_tool_reads_whole_dig_answer_lines() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/?tool=sts-txt")).await.unwrap();
    wait_ready(&c).await;
    open_tool(&c, "sts-txt").await;
    type_into(
        &c,
        "#tool-sts-txt",
        ";; ANSWER SECTION:\n_mta-sts.example.com. 300 IN CNAME sts.example.net.\nsts.example.net. 300 IN TXT \"v=STSv1; \" \"id=2024-01-01\"\nsts.example.net. 300 IN TXT \"v=STSv1; id=2\"\n",
    )
    .await;
    let r = wait_js(
        &c,
        "the TXT verdict",
        "const r = document.querySelector('[data-tool=sts-txt] .lint-result'); return r && r.dataset.verdict;",
    )
    .await;
    assert_eq!(r, "fail");
    let t = tool_result(&c, "sts-txt").await;
    assert!(has_code(&t, "sts.record.multiple"), "{t}");
    assert!(has_code(&t, "sts.id.invalid"), "{t}");
    assert!(!has_code(&t, "sts.record.none"), "{t}");
    assert!(
        !has_code(&t, "sts.record.discarded"),
        "the comment and CNAME lines are not records: {t}"
    );
    // The invalid id is marked on the line that holds it (line 3), not on the comment.
    let marked = t["marked"].as_array().expect("marked lines");
    assert!(marked.contains(&json!(3)), "{t}");
    assert!(
        !marked.contains(&json!(1)) && !marked.contains(&json!(2)),
        "{t}"
    );
    screenshot(&c, "txt-tool-dig-lines").await;
    c.close().await.ok();
}
