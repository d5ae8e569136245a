//! The web app's first-visit cost, measured in headless Chromium against `mtasts serve`:
//! every file the first visit downloads with its raw, gzip and brotli size, what Chromium
//! actually transferred, and the time from navigation to an interactive form (the app marks
//! `<html data-ready>` when its first effect runs), cold cache, on loopback and on an
//! emulated slow link. Prints numbers; asserts nothing.
//!
//! `scripts/bench.sh` builds the app and the release binary, then runs this.

use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{json, Value};

#[path = "support.rs"]
#[allow(dead_code)]
mod support;
use support::{browser, cdp, host_for, repo, serve_with, wait_ready};

const RUNS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// One cold visit: navigation-to-interactive in ms, and the resources as Chromium saw them.
async fn visit(c: &Client, url: &str) -> (f64, Vec<Value>) {
    cdp(c, "Network.clearBrowserCache", json!({})).await;
    c.goto("about:blank").await.expect("blank");
    c.goto(url).await.expect("open the app");
    wait_ready(c).await;
    let r = c
        .execute(
            r#"const nav = performance.getEntriesByType('navigation')[0];
               return { ready: Number(document.documentElement.dataset.ready),
                        files: [nav, ...performance.getEntriesByType('resource')].map(e =>
                          ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize })) };"#,
            vec![],
        )
        .await
        .expect("timings");
    (
        r["ready"].as_f64().unwrap_or(f64::NAN),
        r["files"].as_array().cloned().unwrap_or_default(),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bin = std::env::var("MTASTS_BIN")
        .map(Into::into)
        .unwrap_or_else(|_| repo().join("target/release/mtasts"));
    let (_server, url) = serve_with(bin).await;
    // Wait for `mtasts serve` to write the compressed siblings, so transfers are realistic.
    let dist = repo().join("dist");
    let start = Instant::now();
    loop {
        let wasm = std::fs::read_dir(&dist)
            .expect("dist")
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".wasm.gz"));
        if wasm || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_driver, c) = browser().await;
    cdp(&c, "Network.enable", json!({})).await;
    cdp(
        &c,
        "Network.setCacheDisabled",
        json!({ "cacheDisabled": true }),
    )
    .await;

    let (_, files) = visit(&c, &format!("{url}/")).await;
    // The offline tools' module loads in the background once the page is idle: listed apart.
    support::wait_tools(&c).await;
    let later = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => ({ name: e.name, transfer: e.transferSize }));",
            vec![],
        )
        .await
        .expect("resources");
    let size = |f: &Value| -> Option<(String, usize, usize, usize, usize)> {
        let name = f["name"].as_str().unwrap_or_default();
        let path = name
            .strip_prefix(&url)
            .unwrap_or(name)
            .trim_start_matches('/');
        let path = if path.is_empty() {
            "index.html"
        } else {
            path.split('?').next().unwrap_or(path)
        };
        // API calls (e.g. /api/v1/config) are not part of the app's download.
        let (raw, gz, br) = file_sizes(&dist, path)?;
        Some((
            path.to_string(),
            raw,
            gz,
            br,
            f["transfer"].as_u64().unwrap_or(0) as usize,
        ))
    };
    let table = |title: &str, rows: Vec<(String, usize, usize, usize, usize)>| -> usize {
        println!("{title}");
        println!(
            "{:<44} {:>9} {:>9} {:>9} {:>12}",
            "file", "raw", "gzip", "brotli", "transferred"
        );
        let (mut raw_t, mut gz_t, mut br_t, mut tr_t) = (0, 0, 0, 0);
        for (path, raw, gz, br, transferred) in rows {
            println!("{path:<44} {raw:>9} {gz:>9} {br:>9} {transferred:>12}");
            raw_t += raw;
            gz_t += gz;
            br_t += br;
            tr_t += transferred;
        }
        println!("{:<44} {raw_t:>9} {gz_t:>9} {br_t:>9} {tr_t:>12}", "total");
        br_t
    };
    let first: Vec<_> = files
        .iter()
        .filter_map(size)
        .filter(|r| !r.0.starts_with("tools/"))
        .collect();
    let br = table(
        &format!("First visit to {url}/ (what Chromium downloaded until the form was interactive, cold cache):"),
        first,
    );
    println!(
        "first visit: {:.1} KB brotli   goal <= 185 KB",
        br as f64 / 1000.0
    );
    println!();
    let background: Vec<_> = later
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(size)
        .filter(|r| r.0.starts_with("tools/"))
        .collect();
    table(
        "Then in the background once the page is idle (the offline tools' module; skipped on Save-Data or 2G):",
        background,
    );
    println!();

    embed_cost(&c, &url, &dist).await;
    time_to_verdict(&c, &url).await;

    for (label, conditions) in [
        ("loopback, no throttling", None),
        (
            "emulated 4G (40 ms RTT, 9 Mbit/s down)",
            Some(
                json!({"offline": false, "latency": 40, "downloadThroughput": 9_000_000 / 8, "uploadThroughput": 1_500_000 / 8}),
            ),
        ),
        (
            "emulated slow 3G (400 ms RTT, 400 kbit/s down)",
            Some(
                json!({"offline": false, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}),
            ),
        ),
    ] {
        let off = json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
        cdp(
            &c,
            "Network.emulateNetworkConditions",
            conditions.unwrap_or(off),
        )
        .await;
        let runs = if label.contains("slow") { 3 } else { RUNS };
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(visit(&c, &format!("{url}/")).await.0);
        }
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = times.iter().copied().fold(0.0, f64::max);
        println!(
            "navigation to interactive form, {label}: median {:.0} ms (min {min:.0}, max {max:.0}, {runs} cold runs)",
            median(times)
        );
    }
    c.close().await.ok();
}

/// A built file's size raw, gzip and brotli (as `mtasts serve` compresses it); `None` for a
/// path that is not a file of the build.
fn file_sizes(dist: &std::path::Path, path: &str) -> Option<(usize, usize, usize)> {
    let bytes = std::fs::read(dist.join(path)).ok()?;
    Some((
        bytes.len(),
        mtasts::precompress::gzip(&bytes).len(),
        mtasts::precompress::brotli(&bytes).len(),
    ))
}

/// Sizes of the widget's files a page downloaded, by path under the widget's origin.
async fn widget_bytes(
    c: &Client,
    widget: &str,
    dist: &std::path::Path,
) -> Vec<(String, usize, usize, usize)> {
    let names = c
        .execute(
            &format!("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.startsWith('{widget}/'));"),
            vec![],
        )
        .await
        .expect("resources");
    names
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .filter_map(|n| {
            let path = n[widget.len() + 1..].split('?').next().unwrap_or_default();
            let (raw, gz, br) = file_sizes(dist, path)?;
            Some((path.to_string(), raw, gz, br))
        })
        .collect()
}

fn print_bytes(title: &str, rows: &[(String, usize, usize, usize)]) {
    println!("{title}");
    let (mut r, mut g, mut b) = (0, 0, 0);
    for (p, raw, gz, br) in rows {
        println!("  {p:<42} {raw:>9} {gz:>9} {br:>9}");
        r += raw;
        g += gz;
        b += br;
    }
    println!("  {:<42} {r:>9} {g:>9} {b:>9}", "total");
}

/// What an embed costs a host page: widget bytes before the element is visible, and after.
async fn embed_cost(c: &Client, widget: &str, dist: &std::path::Path) {
    let host = host_for(c, widget).await;
    cdp(c, "Network.clearBrowserCache", json!({})).await;
    c.goto(&format!("{host}/below.html"))
        .await
        .expect("host page");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    println!("Embed on a host page (another origin), widget below the fold:");
    println!(
        "  {:<42} {:>9} {:>9} {:>9}",
        "file", "raw", "gzip", "brotli"
    );
    print_bytes(
        "before the widget is visible:",
        &widget_bytes(c, widget, dist).await,
    );
    let start = Instant::now();
    c.execute("document.getElementById('w3').scrollIntoView();", vec![])
        .await
        .expect("scroll");
    loop {
        let done = c
            .execute(
                "const w = document.getElementById('w3'); const o = w.shadowRoot && w.shadowRoot.querySelector('[data-overall]'); return !!o && o.dataset.overall !== 'pending';",
                vec![],
            )
            .await
            .expect("widget state");
        if done == Value::Bool(true) || start.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    print_bytes(
        &format!(
            "after it scrolled into view and finished a check ({} ms from scroll to report):",
            start.elapsed().as_millis()
        ),
        &widget_bytes(c, widget, dist).await,
    );
    println!();
}

/// Time to verdict (issue 14, goal 1): per demo domain at 40 ms and 150 ms emulated RTT, the
/// page already loaded (its configuration asked as it loaded), a check started by a click:
/// the waterfall of every request the check made, the slowest one's end, and how long after
/// it the verdict was on screen (the app marks `<html data-verdict>` after that render).
/// Goal: at most 50 ms after the slowest needed request.
async fn time_to_verdict(c: &Client, url: &str) {
    let off =
        json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
    cdp(c, "Network.emulateNetworkConditions", off.clone()).await;
    c.goto(&format!("{url}/api/v1/config"))
        .await
        .expect("config");
    let body = c
        .execute("return document.body.innerText;", vec![])
        .await
        .expect("config text");
    let config: Value = serde_json::from_str(body.as_str().unwrap_or("{}")).unwrap_or_default();
    let domains: Vec<String> = config["demo"]["domains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["domain"].as_str().map(String::from))
        .collect();
    println!("Time to verdict after a click (goal: verdict <= slowest needed request + 50 ms):");
    for rtt in [40u32, 150] {
        cdp(
            c,
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": rtt, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
        let mut margins = Vec::new();
        let mut worst: Option<(f64, String, Value)> = None;
        for d in &domains {
            c.goto(&format!("{url}/")).await.expect("page");
            wait_ready(c).await;
            // Let the page's own first requests (its configuration) land, as a person would
            // take a moment to type.
            tokio::time::sleep(Duration::from_millis(u64::from(rtt) * 4 + 200)).await;
            let r = c
                .execute_async(
                    r#"const [domain, done] = arguments;
                       const input = document.querySelector('#domain');
                       const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
                       set.call(input, domain); input.dispatchEvent(new Event('input', { bubbles: true }));
                       const button = document.querySelector('.domain-form button[type=submit]');
                       let click = 0;
                       const go = () => {
                         if (button.disabled) return setTimeout(go, 1);
                         click = performance.now(); button.click(); wait();
                       };
                       const wait = () => {
                         const v = Number(document.documentElement.dataset.verdict || 0);
                         if (v > click) {
                           const reqs = performance.getEntriesByType('resource')
                             .filter(e => e.startTime >= click)
                             .map(e => ({ name: e.name.replace(location.origin, ''), start: e.startTime - click, end: e.responseEnd - click }));
                           return done({ verdict: v - click, reqs });
                         }
                         if (performance.now() - click > 30000) return done({ verdict: null, reqs: [] });
                         setTimeout(wait, 5);
                       };
                       go();"#,
                    vec![json!(d)],
                )
                .await
                .expect("a timed check");
            let Some(verdict) = r["verdict"].as_f64() else {
                println!("  {rtt} ms RTT {d}: no verdict within 30 s");
                continue;
            };
            let slowest = r["reqs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["end"].as_f64())
                .fold(0.0, f64::max);
            let margin = verdict - slowest;
            if worst.as_ref().is_none_or(|(m, _, _)| margin > *m) {
                worst = Some((margin, d.clone(), r["reqs"].clone()));
            }
            margins.push((d.clone(), slowest, verdict, margin));
        }
        println!("  {rtt} ms RTT:");
        println!(
            "    {:<36} {:>10} {:>10} {:>10}",
            "domain", "slowest", "verdict", "margin"
        );
        for (d, s, v, m) in &margins {
            let flag = if *m <= 50.0 { "" } else { "  > goal" };
            println!("    {d:<36} {s:>8.0}ms {v:>8.0}ms {m:>8.0}ms{flag}");
        }
        let within = margins.iter().filter(|(_, _, _, m)| *m <= 50.0).count();
        println!("    {within} of {} domains within the goal", margins.len());
        if let Some((m, d, reqs)) = worst {
            println!("    waterfall of the widest margin ({d}, {m:.0} ms), ms after the click:");
            for e in reqs.as_array().into_iter().flatten() {
                let name: String = e["name"]
                    .as_str()
                    .unwrap_or_default()
                    .chars()
                    .take(70)
                    .collect();
                println!(
                    "      {:>6.0} → {:>6.0}  {name}",
                    e["start"].as_f64().unwrap_or(0.0),
                    e["end"].as_f64().unwrap_or(0.0)
                );
            }
        }
    }
    cdp(c, "Network.emulateNetworkConditions", off).await;
    println!();
}
