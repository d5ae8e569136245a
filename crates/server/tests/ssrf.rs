//! The proxy is never an SSRF tool. Hostile DNS answers point the policy host and the MX
//! hosts at every refused address class (A, AAAA, CNAME chains, mixed answers, a rebinding
//! answer that changes between lookups); the real `mtasts serve` must refuse each with a JSON
//! answer that names the address and its class, and a trap listener on loopback, on the very
//! ports the proxy would use, must see no connection at all. A positive control (the same
//! trap with `--allow-private-addresses`) shows the trap does count connections.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::{get, serve, world_args};
use mtasts_testkit::dns::NameSpec;
use mtasts_testkit::World;

/// One refused address per class, with a word its refusal message must contain.
const CLASSES: &[(&str, &str)] = &[
    ("10.1.2.3", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("169.254.169.254", "cloud metadata"),
    ("169.254.10.10", "link-local"),
    ("224.0.0.251", "multicast"),
    ("255.255.255.255", "broadcast"),
    ("0.0.0.0", "unspecified"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.10", "documentation"),
    ("203.0.113.10", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("240.0.0.1", "reserved"),
    ("::1", "loopback"),
    ("fd00::1", "unique local"),
    ("fe80::1", "link-local"),
    ("::", "unspecified"),
    ("2001:db8::1", "documentation"),
    ("ff02::1", "multicast"),
    ("::ffff:10.0.0.1", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped cloud metadata"),
    ("64:ff9b::a00:1", "NAT64 form of a private"),
    ("64:ff9b::a9fe:a9fe", "NAT64 form of the cloud metadata"),
];

fn spec(ips: &[IpAddr]) -> NameSpec {
    let mut s = NameSpec::default();
    for ip in ips {
        match ip {
            IpAddr::V4(v4) => s.a.push(*v4),
            IpAddr::V6(v6) => s.aaaa.push(*v6),
        }
    }
    s
}

/// Points `mta-sts.<domain>` and the domain's only MX at `ips`.
fn hostile(world: &World, domain: &str, ips: &[IpAddr]) {
    world.zone.set(&format!("mta-sts.{domain}"), spec(ips));
    world.zone.set(&format!("mx.{domain}"), spec(ips));
    world.zone.set(
        domain,
        NameSpec {
            mx: vec![(10, format!("mx.{domain}"))],
            ..Default::default()
        },
    );
}

async fn assert_refused(
    server: std::net::SocketAddr,
    domain: &str,
    ip_text: &str,
    class: &str,
) -> Vec<String> {
    let mut diffs = Vec::new();
    let p = get(server, &format!("/api/v1/policy?domain={domain}"), &[]).await;
    let v = p.json();
    let outcome = &v["fetch"]["outcome"];
    let detail = outcome["detail"].as_str().unwrap_or("");
    if p.status != 200
        || outcome["kind"] != "refused"
        || !detail.contains(ip_text)
        || !detail.contains(class)
    {
        diffs.push(format!(
            "{domain}: policy fetch not refused as {class}: {} {}",
            p.status, outcome
        ));
    }
    let m = get(server, &format!("/api/v1/mx-tls?domain={domain}"), &[])
        .await
        .json();
    let probe = &m["probes"][0]["outcome"];
    if probe["kind"] != "refused" || !probe["detail"].as_str().unwrap_or("").contains(class) {
        diffs.push(format!(
            "{domain}: MX probe not refused as {class}: {probe}"
        ));
    }
    diffs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_never_reach_a_listener() {
    let mut world = World::start(&[]).await.expect("world");
    let trap = world.trap("trap.ssrf.test").await.expect("trap");
    let trap_ip = IpAddr::V4(trap);
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();

    let mut cases: Vec<(String, String, String)> = Vec::new();
    for (i, (ip, class)) in CLASSES.iter().enumerate() {
        let domain = format!("c{i}.ssrf.test");
        hostile(&world, &domain, &[ip.parse().unwrap()]);
        cases.push((domain, ip.to_string(), class.to_string()));
    }
    // Loopback straight at the trap, through A records.
    hostile(&world, "loop.ssrf.test", &[trap_ip]);
    cases.push(("loop.ssrf.test".into(), trap.to_string(), "loopback".into()));
    // The trap behind CNAME chains, for the policy host and for the MX.
    world.zone.set(
        "mta-sts.chain.ssrf.test",
        NameSpec {
            cname: Some("hop1.ssrf.test".into()),
            ..Default::default()
        },
    );
    world.zone.set(
        "hop1.ssrf.test",
        NameSpec {
            cname: Some("hop2.ssrf.test".into()),
            ..Default::default()
        },
    );
    world.zone.set("hop2.ssrf.test", spec(&[trap_ip]));
    world.zone.set(
        "chain.ssrf.test",
        NameSpec {
            mx: vec![(10, "mxalias.ssrf.test".into())],
            ..Default::default()
        },
    );
    world.zone.set(
        "mxalias.ssrf.test",
        NameSpec {
            cname: Some("hop2.ssrf.test".into()),
            ..Default::default()
        },
    );
    cases.push((
        "chain.ssrf.test".into(),
        trap.to_string(),
        "loopback".into(),
    ));
    // The trap as an IPv4-mapped IPv6 address (a dual-stack socket would reach it).
    let mapped: IpAddr = format!("::ffff:{trap}").parse().unwrap();
    hostile(&world, "mapped.ssrf.test", &[mapped]);
    cases.push((
        "mapped.ssrf.test".into(),
        mapped.to_string(),
        "IPv4-mapped loopback".into(),
    ));
    // A private address next to the trap: nothing is public, so nothing is reached.
    hostile(
        &world,
        "mixed.ssrf.test",
        &[trap_ip, "10.0.0.1".parse().unwrap()],
    );
    cases.push((
        "mixed.ssrf.test".into(),
        trap.to_string(),
        "loopback".into(),
    ));
    // DNS rebinding: the first answer is refused; a second lookup would get the trap.
    let rebind = NameSpec {
        a_sequence: vec![vec![Ipv4Addr::new(192, 0, 2, 77)], vec![trap]],
        ..Default::default()
    };
    world.zone.set("mta-sts.rebind.ssrf.test", rebind.clone());
    world.zone.set("mx.rebind.ssrf.test", rebind);
    world.zone.set(
        "rebind.ssrf.test",
        NameSpec {
            mx: vec![(10, "mx.rebind.ssrf.test".into())],
            ..Default::default()
        },
    );
    cases.push((
        "rebind.ssrf.test".into(),
        "192.0.2.77".into(),
        "documentation".into(),
    ));

    let mut args = world_args(&world, &ca, 3);
    args.extend([
        "--rate-limit".into(),
        "100000".into(),
        "--cache-ttl".into(),
        "0".into(),
    ]);
    let server = serve(&args).await;

    let mut failures = Vec::new();
    for (domain, ip, class) in &cases {
        failures.extend(assert_refused(server.addr, domain, ip, class).await);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        world.connections("trap.ssrf.test"),
        0,
        "a refused fetch or probe reached the trap"
    );
    // Resolve once: one A and one AAAA query per host, never a second lookup before connecting.
    assert_eq!(world.zone.queries("mta-sts.rebind.ssrf.test"), 2);
    assert_eq!(world.zone.queries("mx.rebind.ssrf.test"), 2);

    // IP literals and other non-domains never get as far as DNS.
    for bad in [
        "127.0.0.1",
        "%5B::1%5D",
        "169.254.169.254",
        "localhost",
        "http://10.0.0.1/",
    ] {
        let r = get(server.addr, &format!("/api/v1/policy?domain={bad}"), &[]).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            r.json()["fix"].is_string(),
            "{bad}: the error says what to do"
        );
    }
    assert_eq!(world.connections("trap.ssrf.test"), 0);

    // Positive control: with private addresses allowed (tests only), the same trap is reached,
    // so the zero above is a real zero; and after a rebinding answer only the address that
    // was vetted is used.
    let other = world.trap("other.ssrf.test").await.expect("second trap");
    world.zone.set(
        "mta-sts.rebind2.ssrf.test",
        NameSpec {
            a_sequence: vec![vec![trap], vec![other]],
            ..Default::default()
        },
    );
    args.push("--allow-private-addresses".into());
    let permissive = serve(&args).await;
    let r = get(
        permissive.addr,
        "/api/v1/policy?domain=rebind2.ssrf.test",
        &[],
    )
    .await
    .json();
    // The trap's certificate is for trap.ssrf.test: reaching it shows as a name mismatch.
    assert_eq!(
        r["fetch"]["outcome"]["detail"]["kind"], "name_mismatch",
        "{r}"
    );
    assert_eq!(r["connected_to"], format!("{trap}:{}", world.https_port));
    assert!(
        world.connections("trap.ssrf.test") >= 1,
        "the trap counts connections"
    );
    assert_eq!(
        world.connections("other.ssrf.test"),
        0,
        "connected to an address that was not vetted"
    );
}
