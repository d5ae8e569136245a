//! The proxy against a hostile world (`mtasts_testkit::hostile()`): remote hosts chosen by a
//! stranger that try to make it buffer without limit, hang, or write to the operator's
//! terminal. Each test runs the real binary and measures what matters (the server's peak
//! memory, that it answered, what it printed); bounds have generous slack, since speed is the
//! bench's business.

mod common;

use std::time::{Duration, Instant};

use common::{get, serve, world_args, Server};
use mtasts_testkit::{hostile, World};

const TIMEOUT: u64 = 3;

/// The server's peak resident memory so far (`VmHWM`), in KiB.
fn peak_kib(server: &Server) -> u64 {
    let pid = server.pid().expect("server pid");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM")
}

async fn hostile_server(extra: &[&str]) -> (World, Server, tempfile::TempDir) {
    let world = World::start(&hostile()).await.expect("hostile world");
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = world_args(&world, &ca, TIMEOUT);
    args.extend(
        [
            "--allow-private-addresses",
            "--cache-ttl",
            "0",
            "--rate-limit",
            "100000",
        ]
        .map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    let server = serve(&args).await;
    (world, server, dir)
}

/// An MX that sends "220 " and then bytes without a line end, as fast as they are read, once
/// grew the proxy by a gigabyte a second: the reply line is now cut off at its limit while it
/// is read, and the other MX of the domain is probed as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mx_that_never_ends_its_line_costs_no_memory() {
    let (_world, server, _dir) = hostile_server(&[]).await;
    let before = peak_kib(&server);
    let t = Instant::now();
    let r = get(
        server.addr,
        "/api/v1/mx-tls?domain=mx-endless-line.test",
        &[],
    )
    .await;
    let took = t.elapsed();
    let grew = peak_kib(&server).saturating_sub(before);
    let v = r.json();
    assert_eq!(r.status, 200, "{v}");
    let hostile = &v["probes"][1];
    assert_eq!(hostile["outcome"]["kind"], "protocol", "{v}");
    assert!(
        hostile["outcome"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("4096 bytes")),
        "the probe says why it stopped: {v}"
    );
    assert_eq!(v["probes"][0]["outcome"]["kind"], "completed", "{v}");
    assert!(
        grew < 32 * 1024,
        "the server's peak memory grew by {grew} KiB reading one hostile MX"
    );
    assert!(
        took < Duration::from_secs(TIMEOUT + 5),
        "the probe ran {took:?}"
    );
}

/// A policy host whose response head is 4 MB long is refused once the head passes the
/// buffer limit, at no cost in memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_response_head_is_refused_while_read() {
    let (_world, server, _dir) = hostile_server(&[]).await;
    let before = peak_kib(&server);
    let r = get(
        server.addr,
        "/api/v1/policy?domain=policy-huge-head.test",
        &[],
    )
    .await;
    let grew = peak_kib(&server).saturating_sub(before);
    let v = r.json();
    assert_eq!(v["fetch"]["outcome"]["kind"], "protocol", "{v}");
    assert!(
        grew < 16 * 1024,
        "the server's peak memory grew by {grew} KiB reading one 4 MB head"
    );
}

/// A policy host that stops halfway through its response head and an MX that stops halfway
/// through its greeting are cut off at the time limit, and say so (never a pass).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_that_stall_mid_read_are_cut_off_at_the_limit() {
    let (_world, server, _dir) = hostile_server(&[]).await;
    let limit = Duration::from_secs(TIMEOUT);
    let slack = Duration::from_secs(4);
    let (policy, mx) = tokio::join!(
        async {
            let t = Instant::now();
            (
                get(
                    server.addr,
                    "/api/v1/policy?domain=stall-mid-read.test",
                    &[],
                )
                .await,
                t.elapsed(),
            )
        },
        async {
            let t = Instant::now();
            (
                get(
                    server.addr,
                    "/api/v1/mx-tls?domain=stall-mid-read.test",
                    &[],
                )
                .await,
                t.elapsed(),
            )
        }
    );
    let (policy, policy_took) = policy;
    let v = policy.json();
    assert_eq!(v["fetch"]["outcome"]["kind"], "timeout", "{v}");
    assert!(
        policy_took <= limit + slack,
        "policy fetch ran {policy_took:?}"
    );
    let (mx, mx_took) = mx;
    let v = mx.json();
    assert_eq!(
        v["probes"][1]["outcome"]["kind"], "no_greeting",
        "half a greeting is no greeting: {v}"
    );
    assert!(v["probes"][1]["banner"].is_null(), "{v}");
    assert_eq!(v["probes"][0]["outcome"]["kind"], "completed", "{v}");
    assert!(mx_took <= limit + slack, "MX probe ran {mx_took:?}");
}

/// A near-64 KiB `_mta-sts` answer (over TCP after UDP truncation) is read whole and judged,
/// and a name whose answers leave one byte at a time is given up at the time limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_huge_dns_answers_are_bounded() {
    let world = World::start(&hostile()).await.expect("hostile world");
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = vec!["check".to_string(), "--json".into()];
    args.extend(world_args(&world, &ca, TIMEOUT));
    args.extend([
        "--allow-private-addresses".into(),
        "dns-slow-huge.test".into(),
    ]);
    let t = Instant::now();
    let out = tokio::process::Command::new(common::bin())
        .args(&args)
        .output()
        .await
        .unwrap();
    let took = t.elapsed();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let sts = v["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "sts_record"))
        .expect("sts section");
    assert_eq!(
        v["sts_record"]["id"], "20261206000000",
        "the record among 240 unrelated ones is found: {sts}"
    );
    let fetch = v["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "policy_fetch"))
        .expect("fetch section");
    assert_ne!(
        fetch["light"], "green",
        "a policy host that never resolved: {fetch}"
    );
    assert!(
        took < Duration::from_secs(2 * TIMEOUT + 8),
        "the check ran {took:?}"
    );
}

/// Escape sequences in a hostile domain's records never reach the terminal raw: with colour
/// forced on (as on a terminal), the only escape sequences in `mtasts check` and `mtasts lint`
/// output are our own colours, and the hostile ones are shown escaped. JSON stays exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_from_remote_text_are_shown_escaped() {
    let world = World::start(&hostile()).await.expect("hostile world");
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let run = |args: Vec<String>, stdin: Option<Vec<u8>>| async move {
        let mut cmd = tokio::process::Command::new(common::bin());
        cmd.args(&args)
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            use tokio::io::AsyncWriteExt;
            input.write_all(&bytes).await.unwrap();
        }
        drop(input);
        let out = child.wait_with_output().await.unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut check = vec!["check".to_string()];
    check.extend(world_args(&world, &ca, TIMEOUT));
    check.extend([
        "--allow-private-addresses".into(),
        "terminal-escapes.test".into(),
    ]);
    let human = run(check.clone(), None).await;
    let body = hostile()
        .into_iter()
        .find(|s| s.name == "terminal-escapes")
        .and_then(|s| s.policy)
        .map(|p| p.body.replace("{domain}", "terminal-escapes.test"))
        .unwrap();
    let lint = run(
        vec!["lint".into(), "policy".into(), "-".into()],
        Some(body.into_bytes()),
    )
    .await;
    let report = br#"{"organization-name":"\u001b]0;owned\u0007Evil \u001b[32mALL GOOD","date-range":{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T23:59:59Z"},"contact-info":"x","report-id":"\u001b[2J1","policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}"#;
    let rpt = run(
        vec!["lint".into(), "tlsrpt-report".into(), "-".into()],
        Some(report.to_vec()),
    )
    .await;
    for (what, out) in [
        ("check", &human),
        ("lint policy", &lint),
        ("lint report", &rpt),
    ] {
        assert!(!out.is_empty(), "{what} printed nothing");
        assert!(
            !out.contains('\u{7}'),
            "{what}: a raw BEL (ends an OSC sequence)"
        );
        assert!(!out.contains("\u{1b}]"), "{what}: a raw OSC sequence");
        // Every escape sequence left is one of our colours: ESC [ digits/; m.
        for (i, _) in out.match_indices('\u{1b}') {
            let rest = &out[i + 1..];
            let seq: String = rest.chars().take_while(|c| *c != 'm').collect();
            assert!(
                seq.starts_with('[')
                    && seq[1..].chars().all(|c| c.is_ascii_digit() || c == ';')
                    && rest.len() > seq.len(),
                "{what}: an escape sequence that is not a colour: {:?}",
                rest.chars().take(12).collect::<String>()
            );
        }
    }
    assert!(
        human.contains("id \"\\x1b]0\"") && human.contains("pwned\\x07\\x1b[2J"),
        "the hostile text is shown, escaped:\n{human}"
    );
    assert!(lint.contains("\\x1b[32mALL GOOD"), "{lint}");
    assert!(rpt.contains("\\x1b]0;owned\\x07Evil"), "{rpt}");
    // The JSON keeps the exact bytes.
    check.insert(1, "--json".into());
    let json = run(check, None).await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["sts_record"]["id"], "\u{1b}]0", "{v}");
    assert_eq!(
        v["tlsrpt_record"]["rua"][0],
        "mailto:tlsrpt@\u{1b}[31mevil\u{1b}[0m.test"
    );
}

/// An MX that greets and answers EHLO with 100 lines of 4000 bytes (what the reader accepts)
/// still gives a small answer: at most 32 lines of 512 bytes are kept, and answers served
/// from the cache share their bytes instead of being copied per request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verbose_mx_gives_a_small_answer_and_cache_hits_cost_no_copies() {
    let world = World::start(&hostile()).await.expect("hostile world");
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = world_args(&world, &ca, TIMEOUT);
    args.extend(["--allow-private-addresses", "--rate-limit", "100000"].map(String::from));
    let server = serve(&args).await;
    let path = "/api/v1/mx-tls?domain=mx-huge-replies.test";
    let first = get(server.addr, path, &[]).await;
    let v = first.json();
    assert_eq!(v["probes"][0]["outcome"]["kind"], "completed", "{v}");
    assert_eq!(
        v["probes"][0]["starttls"], true,
        "STARTTLS is seen past line 32"
    );
    assert!(
        first.body.len() < 64 * 1024,
        "the answer is {} bytes",
        first.body.len()
    );
    let before = peak_kib(&server);
    // In batches below the per-client connection cap.
    for _ in 0..4 {
        let hits: Vec<_> = (0..50)
            .map(|_| {
                let addr = server.addr;
                tokio::spawn(async move { get(addr, path, &[]).await })
            })
            .collect();
        for h in hits {
            let r = h.await.unwrap();
            assert_eq!(r.json()["cache"], "hit");
        }
    }
    let grew = peak_kib(&server).saturating_sub(before);
    assert!(
        grew < 16 * 1024,
        "200 cache hits grew the server by {grew} KiB"
    );
}

/// A domain whose MX answers leave slowly gets a JSON answer that says the lookup timed out,
/// within the time limit, never an empty 504.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_mx_lookup_ends_at_the_limit_with_an_answer() {
    let (_world, server, _dir) = hostile_server(&[]).await;
    let t = Instant::now();
    let r = get(server.addr, "/api/v1/mx-tls?domain=dns-slow-mx.test", &[]).await;
    let took = t.elapsed();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["mx"]["result"]["kind"], "timeout", "{v}");
    assert!(took < Duration::from_secs(TIMEOUT + 5), "took {took:?}");
}
