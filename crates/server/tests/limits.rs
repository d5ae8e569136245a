//! Slow, huge and never-answering hosts are cut off within the configured limits, and the
//! server answers other requests meanwhile. The bounds checked here are behaviour (a fetch
//! ends at its timeout, not minutes later; a body stops at 64 KiB), with generous slack;
//! speed is measured by the load bench, not asserted.

mod common;

use std::time::{Duration, Instant};

use common::{get, serve, wait_until, world_args};
use mtasts_testkit::{catalogue, World};

const TIMEOUT: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_huge_and_silent_hosts_are_cut_off_while_the_server_answers() {
    let wanted = ["policy-slow", "policy-huge", "mx-no-banner", "enforce-good"];
    let scenarios: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| wanted.contains(&s.name.as_str()))
        .collect();
    assert_eq!(scenarios.len(), wanted.len());
    let world = World::start(&scenarios).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = world_args(&world, &ca, TIMEOUT);
    args.extend([
        "--allow-private-addresses".into(),
        "--cache-ttl".into(),
        "0".into(),
        "--rate-limit".into(),
        "100000".into(),
    ]);
    let server = serve(&args).await;
    let addr = server.addr;

    let timed = |path: String| async move {
        let t = Instant::now();
        let r = get(addr, &path, &[]).await;
        (r, t.elapsed(), Instant::now())
    };
    let slow = tokio::spawn(timed("/api/v1/policy?domain=policy-slow.test".into()));
    let huge = tokio::spawn(timed("/api/v1/policy?domain=policy-huge.test".into()));
    let silent = tokio::spawn(timed("/api/v1/mx-tls?domain=mx-no-banner.test".into()));
    // In flight for sure: the proxy is connected to the slow host.
    wait_until("the slow fetch to start", Duration::from_secs(10), || {
        world.connections("mta-sts.policy-slow.test") >= 1
    })
    .await;

    // While those hang on their hosts, the server keeps answering.
    let (health, _, health_done) = timed("/healthz".into()).await;
    assert_eq!(health.status, 200);
    let (good, _, good_done) = timed("/api/v1/policy?domain=enforce-good.test".into()).await;
    assert_eq!(good.json()["fetch"]["status"], 200);

    let limit = Duration::from_secs(TIMEOUT);
    let slack = Duration::from_secs(4);
    let (slow, slow_took, slow_done) = slow.await.unwrap();
    let v = slow.json();
    assert_eq!(v["fetch"]["outcome"]["kind"], "timeout", "{v}");
    assert!(
        slow_took >= limit - Duration::from_millis(500),
        "the slow body was cut before the limit: {slow_took:?}"
    );
    assert!(
        slow_took <= limit + slack,
        "the slow body ran past the limit: {slow_took:?}"
    );
    assert!(
        health_done < slow_done && good_done < slow_done,
        "other requests waited for the slow one"
    );

    let (huge, huge_took, _) = huge.await.unwrap();
    let v = huge.json();
    assert_eq!(v["fetch"]["truncated"], true, "{v}");
    assert_eq!(v["body_text"].as_str().map(str::len), Some(64 * 1024));
    assert!(
        huge_took <= limit + slack,
        "the 10 MB body was not cut off: {huge_took:?}"
    );

    let (silent, silent_took, _) = silent.await.unwrap();
    let v = silent.json();
    assert_eq!(
        v["probes"][1]["outcome"]["kind"], "no_greeting",
        "connected, then cut off at the time limit without a greeting: {v}"
    );
    assert_eq!(
        v["probes"][0]["outcome"]["kind"], "completed",
        "the other MX is unaffected: {v}"
    );
    assert!(
        silent_took <= limit + slack,
        "the silent MX was not cut off: {silent_took:?}"
    );
}
