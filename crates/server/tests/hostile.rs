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
