//! One client cannot take every API slot: each address has a share of the checks in flight,
//! concurrent requests for one domain wait on one fetch, and other clients are served while
//! a few addresses hammer a slow domain. (Before: three addresses held all 64 slots for 20 s
//! and ten of ten other clients got 503.)

mod common;

use std::time::Duration;

use common::{get_from, serve, wait_until, world_args};
use mtasts_testkit::{catalogue, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_few_clients_hammering_a_slow_domain_leave_room_for_everyone_else() {
    let wanted = ["policy-slow", "enforce-good"];
    let scenarios: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| wanted.contains(&s.name.as_str()))
        .collect();
    let world = World::start(&scenarios).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = world_args(&world, &ca, 8);
    args.extend(
        [
            "--allow-private-addresses",
            "--cache-ttl",
            "0",
            "--rate-limit",
            "100000",
            "--max-concurrency",
            "12",
            "--max-concurrency-per-client",
            "4",
        ]
        .map(String::from),
    );
    let server = serve(&args).await;
    let addr = server.addr;

    // Three addresses, ten requests each, all for the slow domain (re-checked every time).
    let mut attack = Vec::new();
    for a in 2..5 {
        for _ in 0..10 {
            attack.push(tokio::spawn(async move {
                get_from(
                    &format!("127.0.0.{a}"),
                    addr,
                    "/api/v1/policy?domain=policy-slow.test&fresh=1",
                )
                .await
            }));
        }
    }
    wait_until("the slow fetch to start", Duration::from_secs(10), || {
        world.connections("mta-sts.policy-slow.test") >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Ten other clients are served while it runs.
    let mut others = Vec::new();
    for b in 10..20 {
        others.push(tokio::spawn(async move {
            get_from(
                &format!("127.0.0.{b}"),
                addr,
                "/api/v1/policy?domain=enforce-good.test",
            )
            .await
        }));
    }
    for (i, o) in others.into_iter().enumerate() {
        let r = o.await.unwrap();
        assert_eq!(
            r.status,
            200,
            "client {i}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.json()["fetch"]["status"], 200);
    }
    let health = get_from("127.0.0.30", addr, "/healthz").await;
    assert_eq!(health.status, 200);

    let (mut ok, mut busy) = (0, 0);
    for a in attack {
        let r = a.await.unwrap();
        match r.status {
            200 => ok += 1,
            429 => {
                assert_eq!(r.json()["code"], "proxy.client_busy");
                assert!(r.header("retry-after").is_some());
                busy += 1;
            }
            s => panic!("unexpected {s}: {}", String::from_utf8_lossy(&r.body)),
        }
    }
    assert_eq!(ok, 12, "each address gets its share of 4");
    assert_eq!(busy, 18);
    assert_eq!(
        world.connections("mta-sts.policy-slow.test"),
        1,
        "twelve concurrent requests for one domain share one fetch"
    );
}

/// Errors of the API keep its JSON shape: a repeated `domain=` and a POST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_error_is_json() {
    let server = serve(&["--resolver".into(), "127.0.0.1:9".into()]).await;
    let r = common::get(
        server.addr,
        "/api/v1/policy?domain=a.example&domain=b.example",
        &[],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "proxy.bad_query");
    let r = common::request(server.addr, "POST", "/api/v1/policy?domain=a.example").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["code"], "proxy.method");
    assert_eq!(r.header("allow"), Some("GET"));
}

/// A client's request id is echoed only when it is plain; anything else is replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_plain_request_ids_are_echoed() {
    let server = serve(&["--resolver".into(), "127.0.0.1:9".into()]).await;
    let plain = common::get(server.addr, "/healthz", &[("x-request-id", "abc-123.x")]).await;
    assert_eq!(plain.header("x-request-id"), Some("abc-123.x"));
    let long = "a".repeat(5000);
    for bad in [long.as_str(), "x\" level=ERROR msg=\"forged", "a b"] {
        let r = common::get(server.addr, "/healthz", &[("x-request-id", bad)]).await;
        let echoed = r.header("x-request-id").unwrap_or_default();
        assert_ne!(echoed, bad);
        assert!(!echoed.is_empty() && echoed.len() <= 64, "{echoed}");
    }
}
