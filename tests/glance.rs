//! The report at a glance, in real Chromium against `mtasts serve --demo`: the delivery chain
//! (its lights agree with the sections, the broken link is marked, each link jumps to its
//! section by keyboard), failing sections first with healthy ones collapsed, the action plan
//! (a large answer, numbered steps with real names, links to Fix-it and the Generator), and
//! sharing (title, Copy link, robots.txt, favicon.ico, a 404 for unknown paths), demo mode made
//! visible.

use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "support.rs"]
mod support;
use support::{
    browser, cdp, cut_off, downloaded, open_details, read_report, repo, report_at, screenshot,
    serve, type_into, wait_for_final, wait_js, wait_ready, wait_tools,
};

/// The chain as drawn: kind, light, whether marked broken, and its text.
async fn chain(c: &Client) -> Vec<Value> {
    c.execute(
        r#"return [...document.querySelectorAll('nav.chain ol > li')].map(li => ({
             kind: li.dataset.link, light: li.dataset.linkLight,
             broken: li.classList.contains('broken'),
             breaks: !!li.querySelector('.breaks'),
             href: li.querySelector('a').getAttribute('href'),
             text: li.innerText }));"#,
        vec![],
    )
    .await
    .expect("read the chain")
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// The sections in page order: key, light, whether open.
async fn sections(c: &Client) -> Vec<(String, String, bool)> {
    let v = c
        .execute(
            r#"return [...document.querySelectorAll('[data-section]')].map(s =>
                 [s.dataset.section, s.querySelector('[data-light]').dataset.light,
                  s.querySelector('details.section-body').open]);"#,
            vec![],
        )
        .await
        .expect("read the sections");
    serde_json::from_value(v).expect("section rows")
}

fn concern(light: &str) -> u8 {
    match light {
        "green" | "grey" => 0,
        "amber" => 1,
        "untested" | "incomplete" => 2,
        "red" => 3,
        _ => 4,
    }
}

/// Presses a key in whatever element has focus, as a keyboard user would (WebDriver key
/// actions: sent to the focused element even when it is a file input, where "send keys" would
/// mean a file name).
async fn press(c: &Client, key: Key) {
    let k = char::from(key);
    let actions = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    c.perform_actions(actions).await.expect("press a key");
}

async fn active(c: &Client) -> Value {
    c.execute(
        "const a = document.activeElement; return { id: a.id, tag: a.tagName, text: a.innerText, open: !!(a.querySelector('details') || {}).open, inChain: !!a.closest('nav.chain') };",
        vec![],
    )
    .await
    .expect("the focused element")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_shows_where_delivery_breaks_and_jumps_there_by_keyboard() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let r = report_at(&c, &format!("{url}/?domain=testing-not-ready.test")).await;
    let links = chain(&c).await;
    let kinds: Vec<&str> = links.iter().filter_map(|l| l["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "record",
            "policy_host",
            "policy",
            "coverage",
            "mx_host",
            "mx_host",
            "mx_host",
            "tlsrpt"
        ],
        "{links:?}"
    );
    // Each link outside the MX hosts has its section's light; the MX hosts are the rows of
    // the MX table, with their lights.
    for (l, section) in links
        .iter()
        .zip(["sts_record", "policy_fetch", "policy", "mx_coverage"])
    {
        assert_eq!(l["light"], r["sections"][section], "{l}");
        assert_eq!(l["href"], format!("#section-{section}"), "{l}");
    }
    assert_eq!(links[7]["light"], r["sections"]["tlsrpt"]);
    let rows = c
        .execute(
            "return [...document.querySelectorAll('[data-section=mx_tls] table.mx-table tbody tr[data-host]')].map(tr => [tr.dataset.host, tr.querySelector('td [data-light]').dataset.light]);",
            vec![],
        )
        .await
        .unwrap();
    for l in &links[4..7] {
        let host = l["text"]
            .as_str()
            .unwrap()
            .lines()
            .nth(1)
            .unwrap_or("")
            .trim()
            .to_string();
        assert!(
            rows.as_array()
                .unwrap()
                .iter()
                .any(|r| r[0] == host.as_str()),
            "{host} is a row of the MX table: {rows}"
        );
    }
    // The MX table lists the failing host first: mx2 (broken), then mx3 (weak), then mx1.
    let order: Vec<&str> = {
        let mut seen: Vec<&str> = Vec::new();
        for r in rows.as_array().unwrap() {
            let h = r[0].as_str().unwrap();
            if !seen.contains(&h) {
                seen.push(h);
            }
        }
        seen
    };
    assert_eq!(
        order,
        [
            "mx2.testing-not-ready.test",
            "mx3.testing-not-ready.test",
            "mx1.testing-not-ready.test"
        ]
    );
    // Keyboard: from the MX section's heading, Tab reaches the table's box (a focusable, named
    // region, so it can be scrolled from the keyboard when it is wider than the screen).
    c.execute(
        "document.querySelector('[data-section=mx_tls] summary').focus();",
        vec![],
    )
    .await
    .unwrap();
    let mut on_table = false;
    for _ in 0..20 {
        press(&c, Key::Tab).await;
        let a = c
            .execute(
                "const a = document.activeElement; return a.classList.contains('table-wrap') && a.getAttribute('aria-label');",
                vec![],
            )
            .await
            .unwrap();
        if a == "MX hosts and addresses" {
            on_table = true;
            break;
        }
    }
    assert!(on_table, "Tab never reached the MX table");
    // mx2 offers no STARTTLS: broken, in words. In testing mode no sender refuses it, so the
    // chain is not marked as breaking there (mail still flows); enforced, it is.
    let broken: Vec<&Value> = links.iter().filter(|l| l["broken"] == true).collect();
    assert_eq!(broken.len(), 1, "{links:?}");
    assert!(broken[0]["text"]
        .as_str()
        .unwrap()
        .contains("mx2.testing-not-ready.test"));
    assert!(
        broken[0]["light"] == "red" && broken[0]["breaks"] == false,
        "{links:?}"
    );
    assert!(broken[0]["text"].as_str().unwrap().contains("broken"));
    assert!(links.iter().all(|l| l["breaks"] == false), "{links:?}");
    // A list for screen readers, with a name.
    let a11y = c
        .execute(
            "const n = document.querySelector('nav.chain'); return [n.getAttribute('aria-label'), n.querySelector('ol').children.length];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        a11y[0].as_str().unwrap().starts_with("Delivery chain"),
        "{a11y}"
    );

    // Keyboard: Tab from the domain box reaches the chain's first link; Enter on the TXT
    // record link opens that (collapsed, healthy) section and moves focus to it.
    c.find(Locator::Css("#domain"))
        .await
        .expect("the domain box")
        .click()
        .await
        .unwrap();
    let mut reached = false;
    for _ in 0..12 {
        press(&c, Key::Tab).await;
        if active(&c).await["inChain"] == true {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab never reached the chain");
    let first = active(&c).await;
    assert!(
        first["text"]
            .as_str()
            .unwrap()
            .contains("_mta-sts.testing-not-ready.test"),
        "{first}"
    );
    let before = sections(&c).await;
    assert!(
        before.iter().any(|(k, _, open)| k == "sts_record" && !open),
        "the healthy TXT section starts collapsed: {before:?}"
    );
    press(&c, Key::Enter).await;
    let landed = active(&c).await;
    assert_eq!(landed["id"], "section-sts_record", "{landed}");
    assert_eq!(landed["open"], true, "{landed}");
    screenshot(&c, "chain-jump").await;

    // Where the chain breaks, and what that means: enforced, a host without STARTTLS stops
    // delivery; a policy senders cannot fetch stops MTA-STS (they deliver without it); a red
    // TLS-RPT record loses reports, not mail, so nothing is marked.
    for (domain, marked, words) in [
        (
            "mx-no-starttls.test",
            Some("mx2.mx-no-starttls.test"),
            "delivery breaks here",
        ),
        (
            "policy-slow.test",
            Some("mta-sts.policy-slow.test"),
            "MTA-STS breaks here",
        ),
        ("tlsrpt-destinations-broken.test", None, ""),
    ] {
        report_at(&c, &format!("{url}/?domain={domain}")).await;
        let links = chain(&c).await;
        let marks: Vec<&Value> = links.iter().filter(|l| l["breaks"] == true).collect();
        match marked {
            Some(name) => {
                assert_eq!(marks.len(), 1, "{domain}: {links:?}");
                let t = marks[0]["text"].as_str().unwrap();
                assert!(t.contains(name) && t.contains(words), "{domain}: {t}");
            }
            None => assert!(marks.is_empty(), "{domain}: {links:?}"),
        }
    }
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_sections_come_first_and_healthy_ones_collapse() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    // While the slow policy drips in, the sections keep their natural order, one line each.
    c.goto(&format!("{url}/?domain=policy-slow.test"))
        .await
        .unwrap();
    let start = Instant::now();
    loop {
        let r = read_report(&c).await;
        if r["sections"]["sts_record"] == "green" && r["overall"] == "pending" {
            let order: Vec<String> = sections(&c).await.into_iter().map(|s| s.0).collect();
            assert_eq!(
                order,
                [
                    "sts_record",
                    "policy_fetch",
                    "policy",
                    "mx_coverage",
                    "mx_tls",
                    "dane",
                    "tlsrpt"
                ]
            );
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_for_final(&c, Duration::from_secs(20)).await;
    for domain in [
        "policy-slow.test",
        "testing-not-ready.test",
        "enforce-good.test",
    ] {
        report_at(&c, &format!("{url}/?domain={domain}")).await;
        let s = sections(&c).await;
        for w in s.windows(2) {
            assert!(
                concern(&w[0].1) >= concern(&w[1].1),
                "{domain}: the most worrying first: {s:?}"
            );
        }
        for (key, light, open) in &s {
            let healthy = light == "green" || light == "grey";
            assert_eq!(*open, !healthy, "{domain}: {key} is {light}: {s:?}");
        }
        if domain == "policy-slow.test" {
            assert_eq!(s[0].0, "policy_fetch", "{s:?}");
            screenshot(&c, "failing-first").await;
        }
    }
    // A collapsed section is one line and opens on Enter.
    let head = c
        .find(Locator::Css("[data-section=sts_record] summary"))
        .await
        .unwrap();
    let h = head.rectangle().await.unwrap().3;
    assert!(h < 60.0, "one line: {h}px");
    head.send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    let open = wait_js(
        &c,
        "the section to open",
        "return document.querySelector('[data-section=sts_record] details.section-body').open;",
    )
    .await;
    assert_eq!(open, true);
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_plan_answers_and_says_what_to_do_with_real_names() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let plan = |c: Client| async move {
        c.execute(
            r#"const p = document.querySelector('.action-plan');
               return { answer: p.dataset.answer, word: p.querySelector('.answer-word').innerText,
                        size: parseFloat(getComputedStyle(p.querySelector('.answer-word')).fontSize),
                        steps: [...p.querySelectorAll('ol.steps > li')].map(li => ({
                          text: li.innerText, blocks: li.classList.contains('blocks'),
                          links: [...li.querySelectorAll('a')].map(a => a.getAttribute('href')) })) };"#,
            vec![],
        )
        .await
        .expect("read the plan")
    };
    for (domain, answer, word) in [
        ("enforce-good.test", "yes", "Yes"),
        ("testing-not-ready.test", "no", "No"),
        ("not-deployed.test", "no", "No"),
        ("policy-slow.test", "no", "No"),
        ("mx-no-starttls.test", "no", "No"),
        ("tlsrpt-destinations-broken.test", "yes", "Yes"),
        ("mx-two-addresses.test", "no", "No"),
        ("dane-ta-mismatch.test", "no", "No"),
    ] {
        report_at(&c, &format!("{url}/?domain={domain}")).await;
        let p = plan(c.clone()).await;
        assert_eq!(p["answer"], answer, "{domain}: {p}");
        assert!(p["word"].as_str().unwrap().ends_with(word), "{domain}: {p}");
        assert!(p["size"].as_f64().unwrap() >= 24.0, "a large answer: {p}");
        let steps = p["steps"].as_array().unwrap();
        if answer == "no" {
            assert!(!steps.is_empty(), "{domain}: a No says what to do: {p}");
        }
        // Every step names real things: the domain or one of its hosts, never a placeholder.
        for s in steps {
            let t = s["text"].as_str().unwrap();
            assert!(t.contains("Fix:"), "{domain}: {t}");
            assert!(
                !t.contains("<domain>") && !t.contains("<id>"),
                "{domain}: {t}"
            );
        }
        // No placeholder anywhere on the page, even in the closed explanations.
        open_details(&c, "details").await;
        let text = c
            .execute("return document.body.innerText;", vec![])
            .await
            .unwrap();
        let text = text.as_str().unwrap();
        if let Some(at) = text.find("<domain>") {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(150)
                .map_or(0, |(i, _)| i);
            panic!(
                "{domain}: a <domain> placeholder on the page: …{}…",
                &text[from..(at + 20).min(text.len())]
            );
        }
        if domain == "testing-not-ready.test" {
            let first = &steps[0];
            assert_eq!(first["blocks"], true, "{p}");
            assert!(
                first["text"]
                    .as_str()
                    .unwrap()
                    .contains("mx2.testing-not-ready.test")
                    && first["text"].as_str().unwrap().contains("Must fix"),
                "{p}"
            );
            // The uncovered host blocks too, with a fix that goes through Fix-it.
            let uncovered = steps
                .iter()
                .find(|s| {
                    s["text"]
                        .as_str()
                        .unwrap()
                        .contains("mx3.testing-not-ready.test")
                })
                .expect("a step for mx3");
            assert_eq!(uncovered["blocks"], true, "{uncovered}");
            assert!(uncovered["links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h == "#fixit"));
            assert!(uncovered["links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h == "#generator"));
            screenshot(&c, "action-plan").await;
        }
        if domain == "mx-no-starttls.test" {
            // Enforced and bouncing now: the first step stops the bounces.
            let first = steps[0]["text"].as_str().unwrap();
            assert!(
                first.contains("Must fix")
                    && first.contains("refuse mail to mx2.mx-no-starttls.test now")
                    && first.contains("mode: testing"),
                "{first}"
            );
        }
        if domain == "mx-two-addresses.test" {
            // One of mx2's two addresses fails: the step names that address, not the host as
            // a whole (a sender that reaches the other one delivers).
            let first = steps[0]["text"].as_str().unwrap();
            assert!(
                first.contains("refuse mail to mx2.mx-two-addresses.test at ")
                    && first.contains("(1 of its 2 addresses)"),
                "{first}"
            );
        }
        if domain == "dane-ta-mismatch.test" {
            // mx1 fails MTA-STS too, mx2 only DANE: testing mode stops the bounces at mx1, not
            // at mx2 (DANE senders apply TLSA whatever the mode), so the rollback names mx1
            // only, and mx2 has its own step.
            let first = steps[0]["text"].as_str().unwrap();
            assert!(
                first.contains("refuse mail to mx1.dane-ta-mismatch.test")
                    && !first.contains("mx2.dane-ta-mismatch.test"),
                "{first}"
            );
            assert!(
                steps[1..].iter().any(|s| s["text"]
                    .as_str()
                    .unwrap()
                    .contains("mx2.dane-ta-mismatch.test")),
                "{p}"
            );
        }
        if domain == "policy-slow.test" {
            // The fetch timed out: the file may be served and enforced, so the fix keeps it
            // and says what to look for, and Fix-it does not call it missing.
            let first = steps[0]["text"].as_str().unwrap();
            assert!(
                first.contains("time limit") && first.contains("Keep the policy file you serve"),
                "{first}"
            );
            let fixit = c
                .execute("return document.querySelector('#fixit').innerText;", vec![])
                .await
                .unwrap();
            let fixit = fixit.as_str().unwrap();
            assert!(
                fixit.contains("could not be read") && !fixit.contains("no policy file is served"),
                "{fixit}"
            );
        }
        if domain == "tlsrpt-destinations-broken.test" {
            // Yes: what is left is recommended, never "must".
            assert!(!steps.is_empty(), "{p}");
            for s in steps {
                let t = s["text"].as_str().unwrap();
                assert!(
                    t.starts_with("Recommended: ") && s["blocks"] == false,
                    "{t}"
                );
            }
        }
        if domain == "not-deployed.test" {
            let all: String = steps.iter().map(|s| s["text"].as_str().unwrap()).collect();
            assert!(
                all.contains("_smtp._tls.not-deployed.test")
                    && all.contains("https://mta-sts.not-deployed.test/.well-known/mta-sts.txt")
                    && all.contains("_mta-sts.not-deployed.test"),
                "{all}"
            );
        }
    }
    // A finding the plan covers points to its step instead of repeating the fix; the link
    // moves focus to that step.
    report_at(&c, &format!("{url}/?domain=mx-no-starttls.test")).await;
    let link = c
        .execute(
            r##"const a = document.querySelector('[data-section=mx_tls] li.finding a[href^="#step-"]');
               a.focus(); return a.getAttribute('href');"##,
            vec![],
        )
        .await
        .unwrap();
    press(&c, Key::Enter).await;
    let landed = active(&c).await;
    assert_eq!(
        format!("#{}", landed["id"].as_str().unwrap_or_default()),
        link.as_str().unwrap(),
        "{landed}"
    );
    // The step's links work from the keyboard: Fix-it opens and takes focus; Generator opens
    // the generator tab.
    report_at(&c, &format!("{url}/?domain=testing-not-ready.test")).await;
    // The form's hint no longer offers to check what the report below already shows.
    let hint = c
        .execute(
            "return document.getElementById('domain-hint').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        hint,
        "The report for testing-not-ready.test is below; type another domain to check it."
    );
    c.execute(
        "document.querySelector('.action-plan a[href=\"#fixit\"]').focus();",
        vec![],
    )
    .await
    .unwrap();
    press(&c, Key::Enter).await;
    let landed = active(&c).await;
    assert_eq!(landed["id"], "fixit", "{landed}");
    assert_eq!(landed["open"], true, "{landed}");
    c.execute(
        "document.querySelector('.action-plan a[href=\"#generator\"]').focus();",
        vec![],
    )
    .await
    .unwrap();
    press(&c, Key::Enter).await;
    let generator = wait_js(
        &c,
        "the generator tab",
        "const p = document.querySelector('[data-tool=generate]'); return p && p.offsetParent !== null;",
    )
    .await;
    assert_eq!(generator, true);
    // ...filled with the checked domain and its MX hosts, ready to give the file to publish.
    let form = wait_js(
        &c,
        "the generator filled from the check",
        "const d = document.getElementById('gen-domain'); const m = document.getElementById('gen-mx');
         return d && d.value ? [d.value, m.value] : null;",
    )
    .await;
    assert_eq!(form[0], "testing-not-ready.test", "{form}");
    for h in ["mx1", "mx2", "mx3"] {
        assert!(
            form[1]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("{h}.testing-not-ready.test")),
            "{form}"
        );
    }
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_can_be_shared_and_the_site_has_real_files() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    cdp(
        &c,
        "Browser.grantPermissions",
        json!({"origin": url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
    )
    .await;
    let r = report_at(&c, &format!("{url}/?domain=mx-no-starttls.test")).await;
    assert_eq!(r["overall"], "red");
    let title = c.title().await.unwrap();
    assert!(
        title.contains("mx-no-starttls.test")
            && title.contains("✖")
            && title.ends_with("MTA-STS checker"),
        "{title}"
    );
    c.find(Locator::Css("button[aria-label='Copy link to this check']"))
        .await
        .expect("a Copy link button")
        .click()
        .await
        .unwrap();
    let copied = c
        .execute_async(
            "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(copied, format!("{url}/?domain=mx-no-starttls.test"));
    // Meta description and OpenGraph tags for link previews.
    let meta = c
        .execute(
            "return ['meta[name=description]', 'meta[property=\"og:title\"]', 'meta[property=\"og:description\"]'].map(s => (document.querySelector(s) || {}).content || null);",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        meta.as_array()
            .unwrap()
            .iter()
            .all(|m| m.as_str().is_some_and(|t| t.len() > 10)),
        "{meta}"
    );
    // robots.txt and favicon.ico are real files; an unknown path is a 404, not the app.
    let files = c
        .execute_async(
            r#"const done = arguments[0];
               Promise.all(['/robots.txt', '/favicon.ico', '/no/such/page'].map(p =>
                 fetch(p).then(async r => [p, r.status, r.headers.get('content-type'),
                   new Uint8Array(await r.arrayBuffer()).slice(0, 4).join(',')])))
                 .then(done, e => done(String(e)));"#,
            vec![],
        )
        .await
        .unwrap();
    let files = files.as_array().expect("three answers");
    assert_eq!(files[0][1], 200, "{files:?}");
    assert!(
        files[0][2].as_str().unwrap().starts_with("text/plain"),
        "{files:?}"
    );
    assert_eq!(files[1][1], 200, "{files:?}");
    assert!(files[1][2].as_str().unwrap().contains("icon"), "{files:?}");
    assert_eq!(files[1][3], "0,0,1,0", "an ICO file: {files:?}");
    assert_eq!(files[2][1], 404, "{files:?}");
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_is_visible_and_its_domains_are_examples() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&url).await.unwrap();
    wait_ready(&c).await;
    let listed = wait_js(
        &c,
        "the demo list",
        "const l = [...document.querySelectorAll('.demo-list li[data-demo]')].map(li => li.dataset.demo); return l.length ? l : null;",
    )
    .await;
    let config = c
        .execute_async(
            "fetch('/api/v1/config').then(r => r.json()).then(j => arguments[0](j.demo.domains.map(d => d.domain)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(listed, config, "every demo domain is listed");
    let badge = c
        .find(Locator::Css("h1 .demo-badge"))
        .await
        .expect("a demo badge");
    assert_eq!(badge.text().await.unwrap().to_lowercase(), "demo");
    screenshot(&c, "demo-mode").await;
    // A click on one checks it.
    c.find(Locator::Css(
        ".demo-list li[data-demo='enforce-good.test'] a",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let r = wait_for_final(&c, Duration::from_secs(30)).await;
    assert_eq!(r["overall"], "green", "{r}");
    assert!(c.find(Locator::Css(".demo-note")).await.is_err());
    // A real domain is not part of the demo world, and the page says so.
    report_at(&c, &format!("{url}/?domain=example.org")).await;
    let note = c
        .find(Locator::Css(".demo-note"))
        .await
        .expect("a note")
        .text()
        .await
        .unwrap();
    assert!(
        note.contains("example.org is not part of the demo world"),
        "{note}"
    );
    // No verdict, chain or plan about it: what the demo world's DNS says is not true of the
    // real domain.
    let shown = c
        .execute(
            "return [document.querySelector('#verdict').innerText, !!document.querySelector('nav.chain'), !!document.querySelector('.action-plan'), document.title];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        shown,
        json!([
            "example.org: not part of the demo world",
            false,
            false,
            "example.org: not part of the demo world · MTA-STS checker (demo)"
        ])
    );
    // Its result says nothing about the real domain, so it is not kept among the recent
    // checks (the demo domain checked before is).
    let recent = c
        .execute(
            "return JSON.parse(localStorage.getItem('mtasts.recent') || '[]').map(r => r.domain);",
            vec![],
        )
        .await
        .unwrap();
    let recent: Vec<String> = serde_json::from_value(recent).unwrap();
    assert!(
        recent.contains(&"enforce-good.test".to_string())
            && !recent.contains(&"example.org".to_string()),
        "{recent:?}"
    );
    // An internationalised name is shown as written, with its A-label beside it.
    report_at(&c, &format!("{url}/?domain=b%C3%BCcher.example")).await;
    let shown = c
        .find(Locator::Css("#verdict .domain"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, "bücher.example (xn--bcher-kva.example)");
    c.close().await.ok();
}

/// Cumulative Layout Shift as Lighthouse and web-vitals count it: layout shifts without recent
/// input, grouped into session windows (at most 1 s apart, at most 5 s long); the largest
/// window's sum. Read from the browser's buffered `layout-shift` entries.
async fn cls(c: &Client) -> (f64, Value) {
    let v = c
        .execute_async(
            r#"const done = arguments[0];
               const po = new PerformanceObserver(list => {
                 // Every shift counts, as in Lighthouse's trace: no input is given here, yet a
                 // mobile emulation marks the first ones as after input (hadRecentInput).
                 const es = list.getEntries();
                 let max = 0, cur = 0, first = 0, last = 0;
                 for (const e of es) {
                   if (cur && (e.startTime - last > 1000 || e.startTime - first > 5000)) { cur = 0; }
                   if (!cur) first = e.startTime;
                   cur += e.value; last = e.startTime; max = Math.max(max, cur);
                 }
                 po.disconnect();
                 done({ cls: max, shifts: es.map(e => ({ t: Math.round(e.startTime), v: e.value,
                   sources: (e.sources || []).map(s => ({
                     node: s.node ? (s.node.nodeType === 1 ? s.node.tagName + '.' + s.node.className : s.node.nodeName + ' ' + JSON.stringify((s.node.textContent || '').slice(0, 40)) + ' in ' + (s.node.parentElement || {}).className) : null,
                     from: [s.previousRect.x, s.previousRect.y, s.previousRect.width, s.previousRect.height].map(Math.round),
                     to: [s.currentRect.x, s.currentRect.y, s.currentRect.width, s.currentRect.height].map(Math.round) })) })) });
               });
               po.observe({type: 'layout-shift', buffered: true});
               setTimeout(() => done({ cls: 0, shifts: [] }), 1000);"#,
            vec![],
        )
        .await
        .expect("read layout shifts");
    (v["cls"].as_f64().unwrap_or(f64::NAN), v["shifts"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_land_without_moving_the_page() {
    let (_server, url) = serve().await;
    // Desktop, then Lighthouse's phone (412 x 823 at 1.75 device pixels, a mobile viewport)
    // and a small one, emulated as Lighthouse does (a window cannot be made that narrow),
    // each in a fresh browser profile as Lighthouse starts one (a profile that has seen the
    // page before hides the shifts of a first visit).
    for (w, h) in [(1000, 1300), (412, 823), (360, 740)] {
        let (_driver, c) = browser().await;
        cdp(
            &c,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": w, "height": h, "deviceScaleFactor": if w < 1000 { 1.75 } else { 1.0 }, "mobile": w < 1000 }),
        )
        .await;
        for domain in [
            "enforce-good.test",
            "testing-not-ready.test",
            "policy-slow.test",
            "mx-no-starttls.test",
            "not-deployed.test",
        ] {
            // A fresh page load per report with a cold cache, as Lighthouse measures it.
            cdp(&c, "Network.clearBrowserCache", json!({})).await;
            report_at(&c, &format!("{url}/?domain={domain}")).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let (score, shifts) = cls(&c).await;
            println!("CLS {w}px {domain}: {score:.4}");
            assert!(score < 0.02, "{w}px {domain}: CLS {score:.4}: {shifts:#}");
        }
        c.close().await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixit_can_be_deployed_as_it_stands() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let downloads = tempfile::tempdir().unwrap();
    cdp(
        &c,
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.path().to_string_lossy()}),
    )
    .await;
    report_at(&c, &format!("{url}/?domain=testing-not-ready.test")).await;
    open_details(&c, ".fixit details").await;
    let shown = c
        .execute(
            r#"const f = document.querySelector('.fixit');
               return { policy: f.querySelector('[data-generated=policy] pre').textContent,
                        names: [...f.querySelectorAll('button')].map(b => b.getAttribute('aria-label') || b.textContent),
                        web: [...f.querySelectorAll('[data-generated=policy] .snippet')].map(s => s.dataset.server),
                        mta: [...f.querySelectorAll('.failing .snippet')].map(s => s.dataset.server),
                        nginx: (f.querySelector('.snippet[data-server=nginx] pre') || {}).textContent };"#,
            vec![],
        )
        .await
        .unwrap();
    let names: Vec<&str> = shown["names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for want in [
        "Copy name _mta-sts.testing-not-ready.test",
        "Copy name _smtp._tls.testing-not-ready.test",
        "Download mta-sts.txt",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    assert_eq!(shown["web"], json!(["nginx", "Apache", "Caddy"]));
    assert!(
        shown["mta"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "Postfix"),
        "{shown}"
    );
    let nginx = shown["nginx"].as_str().unwrap();
    assert!(
        nginx.contains("server_name mta-sts.testing-not-ready.test;")
            && nginx.contains("default_type text/plain;"),
        "{nginx}"
    );
    // The downloaded file is the policy, byte for byte, with CRLF line ends.
    c.find(Locator::XPath("//button[text()='Download mta-sts.txt']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = downloaded(downloads.path(), "mta-sts.txt").await;
    let body = std::fs::read_to_string(&file).unwrap();
    assert!(body.starts_with("version: STSv1\r\nmode: "), "{body:?}");
    assert!(
        body.ends_with("\r\n") && !body.replace("\r\n", "").contains('\n'),
        "{body:?}"
    );
    assert_eq!(
        body.replace("\r\n", "\n"),
        shown["policy"].as_str().unwrap()
    );
    c.close().await.ok();
}

/// What a report says, for comparing two renderings of it.
async fn report_facts(c: &Client) -> Value {
    let r = read_report(c).await;
    let extra = c
        .execute(
            "return { verdict: document.querySelector('#verdict .verdict-text').textContent, answer: document.querySelector('.action-plan').dataset.answer, chain: [...document.querySelectorAll('nav.chain li')].map(l => l.dataset.link + ':' + l.dataset.linkLight) };",
            vec![],
        )
        .await
        .unwrap();
    json!({ "overall": r["overall"], "sections": r["sections"], "codes": r["codes"], "extra": extra })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_link_reopens_the_report_offline_in_a_fresh_browser() {
    let (mut server, url) = serve().await;
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
    report_at(&c, &format!("{url}/?domain=testing-not-ready.test")).await;
    let original = report_facts(&c).await;
    c.find(Locator::XPath("//button[text()='Copy snapshot link']"))
        .await
        .expect("a Copy snapshot link button")
        .click()
        .await
        .unwrap();
    wait_js(
        &c,
        "the snapshot link to be copied",
        "return [...document.querySelectorAll('.report-tools .copy-status')].some(s => s.textContent.startsWith('Copied'));",
    )
    .await;
    let link = c
        .execute_async(
            "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('error: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    let link = link.as_str().unwrap().to_string();
    let (page, fragment) = link.split_once('#').expect("a fragment");
    assert_eq!(page, format!("{url}/"), "{link}");
    assert!(
        fragment.starts_with("s1=") && link.len() < 16_000,
        "{} characters",
        link.len()
    );
    // A second report, saved as JSON, for the file picker.
    report_at(&c, &format!("{url}/?domain=mx-no-starttls.test")).await;
    let original_saved = report_facts(&c).await;
    c.find(Locator::XPath(
        "//button[text()='Download the report (JSON)']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let saved = downloaded(downloads.path(), "mta-sts-mx-no-starttls.test.json").await;
    c.close().await.ok();

    // A fresh browser (its own new profile) loads the page, then the network is cut off:
    // the server is gone and the browser is offline. The link's fragment still opens the
    // report, the same as it was, marked as a snapshot, and nothing is kept in history.
    let (_driver2, b) = browser().await;
    b.goto(&format!("{url}/")).await.unwrap();
    wait_ready(&b).await;
    cut_off(&mut server, &b).await;
    // A saved report JSON opens read-only too, offline.
    let input = b
        .find(Locator::Css("#open-saved"))
        .await
        .expect("the file picker");
    input.send_keys(&saved.display().to_string()).await.unwrap();
    let start = Instant::now();
    loop {
        let r = read_report(&b).await;
        if r["overall"].as_str().is_some_and(|o| o != "pending")
            && b.find(Locator::Css(".snapshot-note")).await.is_ok()
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the saved report never opened: {r}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(report_facts(&b).await, original_saved);
    b.execute(
        &format!("location.hash = {};", json!(format!("#{fragment}"))),
        vec![],
    )
    .await
    .unwrap();
    // The saved report is on screen until the snapshot replaces it.
    let start = Instant::now();
    loop {
        let now = report_facts(&b).await;
        if now == original {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the snapshot never opened: {now} != {original}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let note = b
        .find(Locator::Css(".snapshot-note"))
        .await
        .expect("marked as a snapshot")
        .text()
        .await
        .unwrap();
    assert!(
        note.starts_with("Snapshot of a check made on 20") && note.contains("UTC"),
        "{note}"
    );
    assert!(
        b.find(Locator::Css("[data-recent]")).await.is_err(),
        "a snapshot is not history"
    );
    // Its domain is in the box, so "Check it now" or Enter checks the same domain.
    let boxed = b
        .execute("return document.querySelector('#domain').value;", vec![])
        .await
        .unwrap();
    assert_eq!(boxed, "testing-not-ready.test");
    screenshot(&b, "snapshot").await;

    // A damaged link says so instead of showing anything.
    b.execute("location.hash = '#s1=AAAA';", vec![])
        .await
        .unwrap();
    let damaged = wait_js(
        &b,
        "the damaged-link message",
        "const e = document.querySelector('.snapshot-error'); return e && e.textContent;",
    )
    .await;
    assert!(
        damaged.as_str().unwrap().contains("cannot be opened"),
        "{damaged}"
    );

    b.close().await.ok();
}

/// The new report as people see it: desktop and phone, light and dark (test artifacts; the
/// README's screenshot is the desktop light one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_report_on_desktop_and_phone_in_both_themes() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    for (device, w, h) in [("desktop", 1000, 1300), ("phone", 390, 844)] {
        c.set_window_size(w, h).await.unwrap();
        for dark in [false, true] {
            cdp(
                &c,
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-color-scheme", "value": if dark { "dark" } else { "light" }}]}),
            )
            .await;
            report_at(&c, &format!("{url}/?domain=testing-not-ready.test")).await;
            // From the report's top: the verdict, the chain and the plan.
            c.execute(
                "document.querySelector('.report').scrollIntoView(); window.scrollBy(0, -8);",
                vec![],
            )
            .await
            .unwrap();
            let bg = c
                .execute(
                    "return getComputedStyle(document.body).backgroundColor;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                bg,
                if dark {
                    "rgb(13, 17, 23)"
                } else {
                    "rgb(255, 255, 255)"
                },
                "{device}"
            );
            // Nothing wider than the window.
            let overflow = c
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(overflow, 0, "{device}: horizontal overflow");
            screenshot(
                &c,
                &format!("report-{device}-{}", if dark { "dark" } else { "light" }),
            )
            .await;
        }
    }
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_tool_explains_each_result_type_and_fits_a_phone() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.set_window_size(360, 780).await.unwrap();
    c.goto(&format!("{url}/?tool=tlsrpt-report")).await.unwrap();
    wait_ready(&c).await;
    wait_tools(&c).await;
    let gz = repo()
        .join("crates/core/tests/fixtures/tlsrpt-report/rfc-example-gzip.json.gz")
        .canonicalize()
        .unwrap();
    c.find(Locator::Id("tool-report-file"))
        .await
        .expect("the file picker")
        .send_keys(&gz.display().to_string())
        .await
        .unwrap();
    let rows = wait_js(
        &c,
        "the result types",
        r#"const rows = [...document.querySelectorAll('[data-tool="tlsrpt-report"] tr[data-result-type]')];
           return rows.length && rows.map(r => ({ type: r.dataset.resultType,
             meaning: (r.querySelector('.meaning') || {}).textContent || '',
             fix: (r.querySelector('.fix') || {}).textContent || '',
             links: [...r.querySelectorAll('.hosts a')].map(a => [a.getAttribute('href'), !!document.getElementById(a.getAttribute('href').slice(1))]) }));"#,
    )
    .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for r in rows {
        assert!(r["meaning"].as_str().unwrap().len() > 20, "{r}");
        assert!(r["fix"].as_str().unwrap().starts_with("Fix: "), "{r}");
        let links = r["links"].as_array().unwrap();
        assert!(!links.is_empty(), "each names its MX: {r}");
        assert!(
            links.iter().all(|l| l[1] == true),
            "links land on a row: {r}"
        );
    }
    // At 360 px: the page does not scroll sideways and no number is split over lines.
    let fit = c
        .execute(
            r#"const nums = [...document.querySelectorAll('[data-tool="tlsrpt-report"] td.num')];
               return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                        split: nums.filter(td => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length > 1; }).map(td => td.textContent),
                        count: nums.length };"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fit["overflow"], 0, "{fit}");
    assert_eq!(fit["split"], json!([]), "{fit}");
    assert!(fit["count"].as_u64().unwrap() > 3, "{fit}");
    // What was inside the .gz can be read.
    let text = c
        .execute(
            r#"const d = document.querySelector('[data-tool="tlsrpt-report"] details.decompressed');
               d.open = true; return d.querySelector('pre').textContent;"#,
            vec![],
        )
        .await
        .unwrap();
    let parsed: Value =
        serde_json::from_str(text.as_str().unwrap()).expect("the decompressed JSON");
    assert!(parsed["policies"].is_array(), "{parsed}");
    screenshot(&c, "report-tool-phone").await;
    c.close().await.ok();
}

/// The report's prose with every `<details>` open, split into sentences, leaving out what is
/// data rather than words (tables, records, code, raw answers, the Fix-it files): the same
/// host name in a table row and a step is not a repeated sentence.
async fn sentences(c: &Client) -> Vec<String> {
    open_details(c, "article.report details").await;
    let v = c
        .execute(
            r#"const a = document.querySelector('article.report').cloneNode(true);
               a.querySelectorAll('table, pre, code, textarea, details.raw, .step-links, .copy-status, [hidden], strong.must, strong.also, strong.severity')
                .forEach(e => e.remove());
               document.body.appendChild(a);
               const t = a.innerText; a.remove(); return t;"#,
            vec![],
        )
        .await
        .expect("read the report's words");
    let text = v.as_str().unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut cur = String::new();
        let chars: Vec<char> = line.chars().collect();
        for (i, ch) in chars.iter().enumerate() {
            cur.push(*ch);
            let end =
                matches!(ch, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
            if end {
                out.push(cur.trim().to_string());
                cur.clear();
            }
        }
        if !cur.trim().is_empty() {
            out.push(cur.trim().to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sentence_is_said_twice_on_any_demo_report() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/api/v1/config")).await.unwrap();
    let body = c
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap();
    let config: Value = serde_json::from_str(body.as_str().unwrap()).expect("config JSON");
    let domains: Vec<String> = config["demo"]["domains"]
        .as_array()
        .expect("demo domains")
        .iter()
        .map(|d| d["domain"].as_str().unwrap().to_string())
        .collect();
    assert!(domains.len() >= 10, "{config}");
    let mut repeated = Vec::new();
    for domain in &domains {
        report_at(&c, &format!("{url}/?domain={domain}")).await;
        let all = sentences(&c).await;
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for s in &all {
            // Words, not labels ("As a zone-file line", "Name …, type TXT, value:" beside each
            // record): a sentence ends like one and has four words, or has seven.
            let words = s.split_whitespace().count();
            if (words >= 4 && s.ends_with(['.', '!', '?'])) || words >= 7 {
                *seen.entry(s.to_lowercase()).or_default() += 1;
            }
        }
        for (s, n) in seen {
            if n > 1 {
                repeated.push(format!("{domain}: ×{n} {s}"));
            }
        }
        if std::env::var_os("DUMP_SENTENCES").is_some() {
            eprintln!("==== {domain}\n{}", all.join("\n"));
        }
    }
    assert!(repeated.is_empty(), "said twice:\n{}", repeated.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mx_table_fits_a_desktop_and_scrolls_by_keyboard_where_it_cannot() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    let measure = r#"const w = document.querySelector('[data-section=mx_tls] .table-wrap');
        w.closest('details').open = true;
        return { scroll: w.scrollWidth, client: w.clientWidth, left: w.scrollLeft,
                 cols: [...w.querySelectorAll('thead th')].map(t => t.innerText),
                 hosts: [...w.querySelectorAll('th.host')].map(t => t.innerText) };"#;
    // The widest table of the demo world: two hosts, DANE verdicts, TLS 1.3 cipher names.
    for (w, fits) in [(1000u32, true), (800, true), (640, false)] {
        c.set_window_size(w, 1000).await.unwrap();
        report_at(&c, &format!("{url}/?domain=dane-ta-mismatch.test")).await;
        let m = c.execute(measure, vec![]).await.unwrap();
        // Every column the issue asks for, the covering pattern beside the host.
        assert_eq!(m["cols"].as_array().unwrap().len(), 6, "{m}");
        assert!(
            m["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h.as_str().unwrap().contains("covered by")),
            "{m}"
        );
        let (scroll, client) = (m["scroll"].as_i64().unwrap(), m["client"].as_i64().unwrap());
        if fits {
            assert!(scroll <= client, "{w} px: the table scrolls sideways: {m}");
            continue;
        }
        // Between a desktop and the phone's card layout it may not fit: then the arrow keys
        // scroll it once it has focus (reached with Tab, tested in the chain test).
        assert!(scroll > client, "{w} px: expected to overflow here: {m}");
        c.execute(
            "document.querySelector('[data-section=mx_tls] .table-wrap').focus();",
            vec![],
        )
        .await
        .unwrap();
        for _ in 0..5 {
            press(&c, Key::Right).await;
        }
        // Scrolling by key may be animated: wait for it to move.
        let start = Instant::now();
        loop {
            let after = c.execute(measure, vec![]).await.unwrap();
            if after["left"].as_f64().unwrap() > 0.0 {
                break;
            }
            let focused = c
                .execute("return document.activeElement.className;", vec![])
                .await
                .unwrap();
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "ArrowRight did not scroll: {after} (focus on {focused})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // No row reads "good" on a host that fails as a whole: mx2 of dane-ta-mismatch fails
    // only DANE (every address does, for DANE senders), mx3 of testing-not-ready is not
    // covered by the policy; one failing address of mx-two-addresses leaves the other good.
    c.set_window_size(1000, 1000).await.unwrap();
    let rows = r#"return [...document.querySelectorAll('[data-section=mx_tls] tbody tr')].map(tr =>
        [tr.dataset.host, tr.dataset.address || '', tr.querySelector('td.result [data-light]').dataset.light,
         tr.querySelector('td.result').innerText]);"#;
    for (domain, host, want, why) in [
        (
            "dane-ta-mismatch.test",
            "mx2.dane-ta-mismatch.test",
            "red",
            "TLSA",
        ),
        (
            "testing-not-ready.test",
            "mx3.testing-not-ready.test",
            "amber",
            "not covered",
        ),
    ] {
        report_at(&c, &format!("{url}/?domain={domain}")).await;
        let v = c.execute(rows, vec![]).await.unwrap();
        let row = v
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == host)
            .unwrap_or_else(|| panic!("{domain}: no row for {host}: {v}"));
        assert!(
            row[2] == want && row[3].as_str().unwrap().contains(why),
            "{domain}: {row}"
        );
    }
    report_at(&c, &format!("{url}/?domain=mx-two-addresses.test")).await;
    let v = c.execute(rows, vec![]).await.unwrap();
    let mx2: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[0] == "mx2.mx-two-addresses.test")
        .collect();
    assert_eq!(mx2.len(), 2, "{v}");
    assert!(
        mx2[0][2] == "red" && mx2[1][2] == "green",
        "failing address first, the other good: {v}"
    );
    c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configuration_is_asked_once_as_the_page_loads() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{url}/")).await.unwrap();
    wait_ready(&c).await;
    // Asked before any check: the demo list (which comes from it) is there.
    wait_js(
        &c,
        "the demo list",
        "return document.querySelectorAll('.demo-list li[data-demo]').length > 0;",
    )
    .await;
    for domain in ["enforce-good.test", "mx-no-starttls.test"] {
        type_into(&c, "#domain", domain).await;
        wait_js(
            &c,
            "the Check button",
            "return !document.querySelector('.domain-form button[type=submit]').disabled;",
        )
        .await;
        c.execute(
            "document.querySelector('.domain-form button[type=submit]').click();",
            vec![],
        )
        .await
        .unwrap();
        wait_js(
            &c,
            "the verdict",
            &format!(
                "const o = document.querySelector('[data-overall]'); return !!o && o.dataset.overall !== 'pending' && document.title.includes('{domain}');"
            ),
        )
        .await;
    }
    let asked = c
        .execute(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/config')).map(e => e.startTime);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        asked.as_array().map(Vec::len),
        Some(1),
        "one /api/v1/config for the page and both checks: {asked}"
    );
    c.close().await.ok();
}

/// At 360 px the raw data and the MX table keep every number whole (an address, a date, a
/// count): a value wraps between words, and inside a word only when the word alone is wider
/// than the line (a hash).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_data_and_the_mx_table_fit_a_phone_without_splitting_numbers() {
    let (_server, url) = serve().await;
    let (_driver, c) = browser().await;
    c.set_window_size(360, 780).await.unwrap();
    let r = report_at(&c, &format!("{url}/?domain=mx-two-addresses.test")).await;
    assert_eq!(r["overall"], "red");
    open_details(&c, "details").await;
    let fit = c
        .execute(
            r#"const split = [], seen = [];
               const walker = document.createTreeWalker(document.querySelector('.report'), NodeFilter.SHOW_TEXT);
               for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                 const el = n.parentElement;
                 if (!el.closest('details.raw .facts dd, .mx-table td')) continue;
                 for (const m of n.data.matchAll(/\d+(?:[.:\-]\d+)+/g)) {
                   const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                   seen.push(m[0]);
                   if (r.getClientRects().length > 1) split.push(m[0] + ' in: ' + el.closest('dd, td').outerHTML + JSON.stringify([...r.getClientRects()].map(x => [x.x, x.y, x.width, x.height])));
                 }
               }
               return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, split, seen: seen.length };"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fit["overflow"], 0, "{fit}");
    assert_eq!(fit["split"], json!([]), "{fit}");
    assert!(fit["seen"].as_u64().unwrap() > 5, "{fit}");
    c.close().await.ok();
}
