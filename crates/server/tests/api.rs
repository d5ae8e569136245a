//! The proxy's HTTP behaviour through the real binary: input errors that say what to fix,
//! per-client rate limiting, load shedding, CORS, the result cache, static files with the
//! right types and caching, and graceful shutdown.

mod common;

use std::time::Duration;

use common::{get, serve, wait_until, world_args};
use mtasts_testkit::{catalogue, World};

async fn world_with(names: &[&str]) -> (World, tempfile::TempDir) {
    let scenarios: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| names.contains(&s.name.as_str()))
        .collect();
    let world = World::start(&scenarios).await.unwrap();
    (world, tempfile::tempdir().unwrap())
}

fn args(world: &World, dir: &tempfile::TempDir, extra: &[&str]) -> Vec<String> {
    let ca = world.write_ca(dir.path()).unwrap();
    let mut a = world_args(world, &ca, 2);
    a.push("--allow-private-addresses".into());
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_400_that_says_what_to_fix() {
    let (world, dir) = world_with(&[]).await;
    let server = serve(&args(&world, &dir, &[])).await;
    let long = "a".repeat(2000);
    let cases = [
        ("/api/v1/policy", "proxy.domain_missing"),
        ("/api/v1/policy?domain=", "domain.empty"),
        ("/api/v1/policy?domain=192.0.2.1", "domain.ip_address"),
        ("/api/v1/mx-tls?domain=localhost", "domain.single_label"),
        ("/api/v1/policy?domain=exa%20mple.com", "domain.space"),
        ("/api/v1/policy?domain=ex_ample.com", "domain.invalid"),
    ];
    for (path, code) in cases {
        let r = get(server.addr, path, &[]).await;
        assert_eq!(r.status, 400, "{path}");
        let v = r.json();
        assert_eq!(v["code"], code, "{path}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()) && v["fix"].is_string(),
            "{path}: {v}"
        );
    }
    let r = get(server.addr, &format!("/api/v1/policy?domain={long}"), &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "domain.too_long");
    let r = get(server.addr, "/api/v1/nothing", &[]).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (404, Some("proxy.not_found"))
    );
    let r = get(server.addr, "/healthz", &[]).await;
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("ok")));
    assert!(
        r.header("x-request-id").is_some(),
        "every response carries a request id"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    let (world, dir) = world_with(&["enforce-good"]).await;
    let server = serve(&args(&world, &dir, &["--rate-limit", "3"])).await;
    for _ in 0..3 {
        assert_eq!(
            get(server.addr, "/api/v1/policy?domain=enforce-good.test", &[])
                .await
                .status,
            200
        );
    }
    let r = get(server.addr, "/api/v1/policy?domain=enforce-good.test", &[]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["code"], "proxy.rate_limited");
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // Health checks are not rate limited.
    assert_eq!(get(server.addr, "/healthz", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_reverse_proxy_clients_are_told_apart_only_when_asked() {
    let (world, dir) = world_with(&["enforce-good"]).await;
    let path = "/api/v1/policy?domain=enforce-good.test";
    let trusting = serve(&args(
        &world,
        &dir,
        &["--rate-limit", "1", "--trust-forwarded-for"],
    ))
    .await;
    assert_eq!(
        get(trusting.addr, path, &[("X-Forwarded-For", "198.51.100.1")])
            .await
            .status,
        200
    );
    assert_eq!(
        get(
            trusting.addr,
            path,
            &[("X-Forwarded-For", "203.0.113.9, 198.51.100.2")]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(trusting.addr, path, &[("X-Forwarded-For", "198.51.100.1")])
            .await
            .status,
        429
    );
    // Without the option the header is ignored: one peer, one bucket.
    let plain = serve(&args(&world, &dir, &["--rate-limit", "1"])).await;
    assert_eq!(
        get(plain.addr, path, &[("X-Forwarded-For", "198.51.100.1")])
            .await
            .status,
        200
    );
    assert_eq!(
        get(plain.addr, path, &[("X-Forwarded-For", "198.51.100.2")])
            .await
            .status,
        429
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_at_once_are_shed_with_503() {
    let (world, dir) = world_with(&["policy-slow", "enforce-good"]).await;
    let server = serve(&args(
        &world,
        &dir,
        &["--max-concurrency", "1", "--cache-ttl", "0"],
    ))
    .await;
    let addr = server.addr;
    let slow =
        tokio::spawn(async move { get(addr, "/api/v1/policy?domain=policy-slow.test", &[]).await });
    // In flight for sure: the proxy is connected to the slow host.
    wait_until("the slow fetch to start", Duration::from_secs(10), || {
        world.connections("mta-sts.policy-slow.test") >= 1
    })
    .await;
    let r = get(addr, "/api/v1/policy?domain=enforce-good.test", &[]).await;
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["code"], "proxy.overloaded");
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        slow.await.unwrap().status,
        200,
        "the request in flight still completes"
    );
    assert_eq!(
        get(addr, "/api/v1/policy?domain=enforce-good.test", &[])
            .await
            .status,
        200,
        "capacity is back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_any_origin_by_default_and_an_allow_list_on_request() {
    let (world, dir) = world_with(&["enforce-good"]).await;
    let open = serve(&args(&world, &dir, &[])).await;
    let r = get(
        open.addr,
        "/api/v1/policy?domain=enforce-good.test",
        &[("Origin", "https://blog.example")],
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));

    let listed = serve(&args(
        &world,
        &dir,
        &["--cors-origin", "https://tools.example"],
    ))
    .await;
    let ok = get(
        listed.addr,
        "/api/v1/policy?domain=enforce-good.test",
        &[("Origin", "https://tools.example")],
    )
    .await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://tools.example")
    );
    let other = get(
        listed.addr,
        "/api/v1/policy?domain=enforce-good.test",
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_cached_briefly() {
    let (world, dir) = world_with(&["enforce-good"]).await;
    let server = serve(&args(&world, &dir, &["--cache-ttl", "60"])).await;
    let first = get(server.addr, "/api/v1/mx-tls?domain=enforce-good.test", &[]).await;
    assert_eq!(first.header("x-cache"), Some("miss"));
    let connections = world.connections("mx1.enforce-good.test");
    let second = get(server.addr, "/api/v1/mx-tls?domain=ENFORCE-GOOD.test.", &[]).await;
    assert_eq!(
        second.header("x-cache"),
        Some("hit"),
        "the normalised domain is the key"
    );
    let (mut a, mut b) = (first.json(), second.json());
    assert_eq!(
        (a["cache"].as_str(), b["cache"].as_str()),
        (Some("miss"), Some("hit"))
    );
    assert_eq!(
        a["checked_at"], b["checked_at"],
        "a cached answer keeps its time"
    );
    for v in [&mut a, &mut b] {
        let o = v.as_object_mut().unwrap();
        o.remove("cache");
        o.remove("age_s");
    }
    assert_eq!(a, b);
    assert_eq!(
        world.connections("mx1.enforce-good.test"),
        connections,
        "a cached answer makes no new connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_recheck_bypasses_the_cache_but_not_the_rate_limit() {
    let (world, dir) = world_with(&["enforce-good"]).await;
    let server = serve(&args(
        &world,
        &dir,
        &["--cache-ttl", "600", "--rate-limit", "3"],
    ))
    .await;
    let path = "/api/v1/mx-tls?domain=enforce-good.test";
    let first = get(server.addr, path, &[]).await;
    let at = first.json()["checked_at"].as_i64().expect("checked_at");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now - at).abs() <= 5,
        "checked_at {at} is the time of the check ({now})"
    );
    assert_eq!(first.header("age"), Some("0"));
    // Wait past a second boundary so the cached answer's age shows.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let cached = get(server.addr, path, &[]).await;
    assert_eq!(cached.header("x-cache"), Some("hit"));
    let age = cached.json()["age_s"].as_i64().expect("age_s");
    assert!(age >= 1, "a cached answer says how old it is: {age}");
    assert_eq!(cached.header("age"), Some(age.to_string().as_str()));
    let connections = world.connections("mx1.enforce-good.test");
    let fresh = get(server.addr, &format!("{path}&fresh=1"), &[]).await;
    assert_eq!(
        fresh.header("x-cache"),
        Some("miss"),
        "fresh=1 skips the cache"
    );
    assert_eq!(fresh.json()["age_s"], 0);
    assert!(
        world.connections("mx1.enforce-good.test") > connections,
        "a fresh check connects again"
    );
    // Three requests used the three allowed: a fourth, fresh or not, is refused.
    let refused = get(server.addr, &format!("{path}&fresh=1"), &[]).await;
    assert_eq!(refused.status, 429, "fresh checks are rate-limited too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_built_app_with_types_compression_and_caching() {
    let (world, dir) = world_with(&[]).await;
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("app-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("app-0123456789abcdef_bg.wasm.br"),
        b"pretend-brotli",
    )
    .unwrap();
    std::fs::write(dist.path().join("app-0123456789abcdef.js"), "export {}").unwrap();
    let dist_arg = dist.path().display().to_string();
    let server = serve(&args(&world, &dir, &["--dist", &dist_arg])).await;

    let wasm = get(
        server.addr,
        "/app-0123456789abcdef_bg.wasm",
        &[("Accept-Encoding", "gzip, br")],
    )
    .await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("content-encoding"), Some("br"));
    assert_eq!(wasm.body, b"pretend-brotli");
    assert_eq!(
        wasm.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let plain = get(server.addr, "/app-0123456789abcdef_bg.wasm", &[]).await;
    assert_eq!(
        (plain.header("content-encoding"), plain.body.as_slice()),
        (None, &b"\0asm\x01\0\0\0"[..])
    );
    // mtasts serve writes the missing siblings itself, in the background, and serves them.
    let gz = dist.path().join("app-0123456789abcdef.js.gz");
    wait_until("the precompressed js", Duration::from_secs(20), || {
        gz.is_file()
    })
    .await;
    assert_eq!(
        std::fs::read(dist.path().join("app-0123456789abcdef_bg.wasm.br")).unwrap(),
        b"pretend-brotli",
        "a sibling that was already there is kept"
    );
    let zipped = get(
        server.addr,
        "/app-0123456789abcdef.js",
        &[("Accept-Encoding", "gzip")],
    )
    .await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(zipped.body.as_slice()),
        &mut text,
    )
    .unwrap();
    assert_eq!(text, "export {}");
    assert_eq!(
        zipped.header("access-control-allow-origin"),
        Some("*"),
        "the embed loads it from other origins"
    );
    let js = get(server.addr, "/app-0123456789abcdef.js", &[]).await;
    assert!(
        js.header("content-type")
            .is_some_and(|t| t.contains("javascript")),
        "{:?}",
        js.header("content-type")
    );
    let index = get(server.addr, "/", &[]).await;
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    assert!(index
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    // The app has no client-side routes: a path that is no file is a 404 that points home
    // (crawlers, link checkers and favicon probes must not get the app as a 200).
    for path in ["/check/example.com", "/favicon.ico", "/robots.txt"] {
        let missing = get(server.addr, path, &[]).await;
        assert_eq!(missing.status, 404, "{path}");
        assert_ne!(missing.body, index.body, "{path}");
        let text = String::from_utf8_lossy(&missing.body);
        assert!(
            text.contains("Not found") && text.contains("href=\"/\""),
            "{text}"
        );
    }

    let empty = tempfile::tempdir().unwrap();
    let empty_arg = empty.path().display().to_string();
    let bare = serve(&args(&world, &dir, &["--dist", &empty_arg])).await;
    let page = get(bare.addr, "/", &[]).await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("not built yet"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_requests_in_flight_finish() {
    let (world, dir) = world_with(&["policy-slow"]).await;
    let mut server = serve(&args(&world, &dir, &[])).await;
    let addr = server.addr;
    let slow =
        tokio::spawn(async move { get(addr, "/api/v1/policy?domain=policy-slow.test", &[]).await });
    // In flight for sure: the proxy is connected to the slow host.
    wait_until("the slow fetch to start", Duration::from_secs(10), || {
        world.connections("mta-sts.policy-slow.test") >= 1
    })
    .await;
    let pid = server.pid().expect("pid").to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let r = slow.await.unwrap();
    assert_eq!(r.status, 200, "the request in flight was answered");
    assert_eq!(r.json()["fetch"]["outcome"]["kind"], "timeout");
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), server.wait())
            .await
            .ok()
            .flatten(),
        Some(0)
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}
