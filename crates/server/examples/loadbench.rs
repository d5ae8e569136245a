//! Load bench for `/api/v1/policy`: starts the test world and the real `mtasts serve` (release
//! build), drives it with many concurrent keep-alive clients, cached (every client asks for
//! the same domain) and uncached (every request is a full fetch from a policy host of the
//! world), and prints requests per second, p50/p99 latency and the server's peak memory; then
//! how throughput and memory change as the server meets 100,000 distinct clients and
//! 100,000 distinct domains (they must stay flat: every per-client and per-domain map is held
//! to a fixed size).
//!
//! ```text
//! scripts/bench.sh            # builds in release and runs this
//! ```
//!
//! Numbers, never assertions: this is a command, not a test.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use mtasts_testkit::{catalogue, World};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CLIENTS: usize = 64;
const SECONDS: u64 = 5;

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/examples/loadbench → target/<profile>/mtasts
    exe.parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("mtasts"))
        .expect("target dir")
}

/// Peak resident memory of a process (VmHWM), in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn client(addr: SocketAddr, domains: Vec<String>, until: Instant) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let Ok(stream) = TcpStream::connect(addr).await else {
        return latencies;
    };
    let mut s = BufReader::new(stream);
    let mut i = 0;
    while Instant::now() < until {
        let domain = &domains[i % domains.len()];
        i += 1;
        let t = Instant::now();
        let req = format!("GET /api/v1/policy?domain={domain} HTTP/1.1\r\nHost: bench\r\n\r\n");
        if s.get_mut().write_all(req.as_bytes()).await.is_err() {
            break;
        }
        let mut len = 0usize;
        let mut status_ok = false;
        loop {
            let mut line = String::new();
            if s.read_line(&mut line).await.unwrap_or(0) == 0 {
                return latencies;
            }
            if line.starts_with("HTTP/1.1 ") {
                status_ok = line.starts_with("HTTP/1.1 200");
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; len];
        if s.read_exact(&mut body).await.is_err() {
            break;
        }
        if status_ok {
            latencies.push(t.elapsed());
        }
    }
    latencies
}

async fn run(label: &str, addr: SocketAddr, domains: &[String]) {
    let until = Instant::now() + Duration::from_secs(SECONDS);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let mut d = domains.to_vec();
            d.rotate_left(c % domains.len());
            tokio::spawn(client(addr, d, until))
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let took = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{label:<34} {:>9.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {CLIENTS} clients, {took:.1} s)",
        all.len() as f64 / took,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.len()
    );
}

async fn start_server(
    world: &World,
    ca: &std::path::Path,
    cache_ttl: &str,
    extra: &[&str],
) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(server_binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allow-private-addresses",
            "--max-concurrency",
            "1024",
            // The bench's clients all come from one address: measure capacity, not the
            // per-client share.
            "--max-concurrency-per-client",
            "1024",
        ])
        .args(if extra.contains(&"--rate-limit") {
            &[][..]
        } else {
            &["--rate-limit", "4000000000"][..]
        })
        .args(extra)
        .args([
            "--cache-ttl",
            cache_ttl,
            "--resolver",
            &world.dns.to_string(),
            "--ca-file",
            &ca.display().to_string(),
        ])
        .args([
            "--policy-port",
            &world.https_port.to_string(),
            "--smtp-port",
            &world.smtp_port.to_string(),
        ])
        .env("RUST_LOG", "error")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {}: {e} (build it: cargo build --release -p mtasts)",
                server_binary().display()
            )
        });
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines
            .next_line()
            .await
            .ok()
            .flatten()
            .expect("server output");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest
                .split('/')
                .next()
                .and_then(|a| a.parse().ok())
                .expect("address");
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

#[tokio::main]
async fn main() {
    let scenarios: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| {
            s.policy
                .as_ref()
                .is_some_and(|p| p.drip_ms.is_none() && p.body_bytes == 0)
        })
        .collect();
    let world = World::start(&scenarios).await.expect("world");
    let dir = std::env::temp_dir().join(format!("mtasts-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ca = world.write_ca(&dir).expect("ca");
    let domains: Vec<String> = scenarios.iter().map(|s| s.domain()).collect();
    println!("/api/v1/policy against the test world ({} policy hosts on loopback), {CLIENTS} keep-alive clients, {SECONDS} s each\n", domains.len());

    let (cached, addr) = start_server(&world, &ca, "60", &[]).await;
    run("cached (one domain)", addr, &domains[..1]).await;
    let pid = cached.id().unwrap_or(0);
    println!("{:<34} peak RSS {} KiB", "", peak_kib(pid).unwrap_or(0));
    drop(cached);

    let (uncached, addr) = start_server(&world, &ca, "0", &[]).await;
    run("uncached (full TLS fetch each)", addr, &domains).await;
    let pid = uncached.id().unwrap_or(0);
    println!("{:<34} peak RSS {} KiB", "", peak_kib(pid).unwrap_or(0));
    drop(uncached);

    // Growth: the server's per-client and per-domain state must stay flat however many
    // distinct clients and domains it meets.
    println!("\ndistinct clients (X-Forwarded-For behind --trust-forwarded-for, --rate-limit 1, the cached answer), {PHASE} new ones per phase:");
    let (server, addr) = start_server(
        &world,
        &ca,
        "3600",
        &["--trust-forwarded-for", "--rate-limit", "1"],
    )
    .await;
    let pid = server.id().unwrap_or(0);
    for phase in 0..PHASES {
        let ask = |i: usize| {
            let n = phase * PHASE + i;
            (
                domains[0].clone(),
                format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255),
            )
        };
        growth(addr, pid, phase, ask).await;
    }
    drop(server);
    println!("\ndistinct domains (each one new: a DNS lookup, an answer cached; cache capacity 1024), {PHASE} new ones per phase:");
    let (server, addr) = start_server(&world, &ca, "3600", &["--trust-forwarded-for"]).await;
    let pid = server.id().unwrap_or(0);
    for phase in 0..PHASES {
        let ask = |i: usize| {
            let n = phase * PHASE + i;
            (
                format!("d{n}.nowhere.test"),
                format!("10.0.{}.{}", (n >> 8) & 255, n & 255),
            )
        };
        growth(addr, pid, phase, ask).await;
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

const PHASES: usize = 6;
const PHASE: usize = 25_000;

/// One growth phase: `PHASE` requests, each `ask(i)` = (domain, client address), over
/// `CLIENTS` keep-alive connections; prints requests/s and the server's resident memory.
async fn growth(addr: SocketAddr, pid: u32, phase: usize, ask: impl Fn(usize) -> (String, String)) {
    let requests: Vec<(String, String)> = (0..PHASE).map(ask).collect();
    let requests = std::sync::Arc::new(requests);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (requests, next) = (requests.clone(), next.clone());
            tokio::spawn(async move {
                let Ok(stream) = TcpStream::connect(addr).await else {
                    return (0, 0);
                };
                let mut s = BufReader::new(stream);
                let (mut ok, mut other) = (0, 0);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((domain, client)) = requests.get(i) else {
                        return (ok, other);
                    };
                    let req = format!("GET /api/v1/policy?domain={domain} HTTP/1.1\r\nHost: bench\r\nX-Forwarded-For: {client}\r\n\r\n");
                    if s.get_mut().write_all(req.as_bytes()).await.is_err() {
                        return (ok, other);
                    }
                    let mut len = 0usize;
                    loop {
                        let mut line = String::new();
                        if s.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return (ok, other);
                        }
                        if line.starts_with("HTTP/1.1 200") {
                            ok += 1;
                        } else if line.starts_with("HTTP/1.1 ") {
                            other += 1;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0u8; len];
                    if s.read_exact(&mut body).await.is_err() {
                        return (ok, other);
                    }
                }
            })
        })
        .collect();
    let (mut ok, mut other) = (0, 0);
    for t in tasks {
        let (o, x) = t.await.unwrap_or((0, 0));
        ok += o;
        other += x;
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "  {:>7} to {:>7}: {:>8.0} req/s   RSS {:>7} KiB (peak {:>7} KiB)   {ok} answered 200, {other} otherwise",
        phase * PHASE,
        (phase + 1) * PHASE,
        PHASE as f64 / took,
        rss_kib(pid).unwrap_or(0),
        peak_kib(pid).unwrap_or(0),
    );
}

/// Resident memory of a process now (VmRSS), in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
