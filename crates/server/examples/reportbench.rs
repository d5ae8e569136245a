//! TLS-RPT report figures (issue 15), printed, never asserted:
//!
//! - reports ingested per second by the release binary's `POST /tlsrpt` (gzip, a realistic
//!   report of 2 failure kinds, about 1 KB), 8 keep-alive connections, on SQLite and — when
//!   Debian's PostgreSQL is installed — on a throwaway PostgreSQL;
//! - `mtasts reports import` of a Maildir of such messages, per second;
//! - the daily summary of one domain over a year, from a store holding a year of reports for
//!   many domains (`MTASTS_BENCH_DOMAINS`, default 1,000: 365,000 reports), timed through the
//!   API as an operator asks it.
//!
//! ```text
//! scripts/bench.sh                      # builds in release and runs this
//! MTASTS_BENCH_DOMAINS=100 target/release/examples/reportbench
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mtasts_testkit::tlsrpt::{base64_lines, gzip, report, Failure};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const TOKEN: &str = "report-bench-operator-token-0123";

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("mtasts"))
        .expect("target dir")
}

fn a_report(domain: &str, id: &str, day: &str) -> Vec<u8> {
    report(
        "Bench Sender",
        id,
        day,
        domain,
        12_345,
        &[
            Failure {
                result_type: "certificate-expired",
                receiving_mx: "mx1.example.com",
                sending_ip: Some("192.0.2.1"),
                sessions: 7,
            },
            Failure {
                result_type: "starttls-not-supported",
                receiving_mx: "mx2.example.com",
                sending_ip: None,
                sessions: 3,
            },
        ],
    )
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &str, token: &Path) -> Server {
    let mut child = Command::new(binary())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--dist",
            "/nonexistent",
            "--database",
            db,
        ])
        .args([
            "--tlsrpt-rate-limit",
            "100000000",
            "--rate-limit",
            "100000000",
        ])
        .arg("--admin-token-file")
        .arg(token)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mtasts serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let addr = loop {
        let line = lines.next().expect("mtasts serve exited").expect("stderr");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

/// One keep-alive connection sending `bodies` one after the other; returns the statuses.
async fn post_all(addr: SocketAddr, bodies: Vec<Vec<u8>>) -> Vec<u16> {
    let s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.set_nodelay(true).ok();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r);
    let mut out = Vec::new();
    for b in bodies {
        let head = format!(
            "POST /tlsrpt HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Length: {}\r\n\r\n",
            b.len()
        );
        w.write_all(head.as_bytes()).await.expect("write");
        w.write_all(&b).await.expect("write");
        let mut status = String::new();
        r.read_line(&mut status).await.expect("status");
        let code: u16 = status
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            r.read_line(&mut h).await.expect("header");
            if h == "\r\n" || h.is_empty() {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).await.expect("body");
        out.push(code);
    }
    out
}

async fn ingest(engine: &str, db: &str, token: &Path, n: usize) {
    let server = serve(db, token);
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            gzip(&a_report(
                &format!("d{}.example", i % 50),
                &format!("r-{i}"),
                "2026-11-01",
            ))
        })
        .collect();
    let size = bodies.iter().map(Vec::len).sum::<usize>() / n;
    let conns = 8;
    let mut per: Vec<Vec<Vec<u8>>> = vec![Vec::new(); conns];
    for (i, b) in bodies.into_iter().enumerate() {
        per[i % conns].push(b);
    }
    let start = Instant::now();
    let tasks: Vec<_> = per
        .into_iter()
        .map(|b| tokio::spawn(post_all(server.addr, b)))
        .collect();
    let mut ok = 0;
    for t in tasks {
        ok += t.await.expect("task").iter().filter(|s| **s == 201).count();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  {engine:<10} POST /tlsrpt: {n} gzip reports of {size} B over {conns} connections: {:>7.0} reports/s ({ok} stored)   goal ≥ 1,000/s on SQLite",
        n as f64 / secs
    );
}

fn message(id: &str, day: &str) -> String {
    let gz = gzip(&a_report("maildir.example", id, day));
    let b64 = base64_lines(&gz);
    format!(
        "From: tlsrpt@sender.example\r\nSubject: Report Domain: maildir.example Report-ID: <{id}>\r\nTLS-Report-Domain: maildir.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n--b\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
    )
}

fn import_maildir(dir: &Path, n: usize) {
    let md = dir.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).expect("maildir");
    }
    for i in 0..n {
        std::fs::write(
            md.join(format!("new/{i}.bench")),
            message(&format!("m-{i}"), "2026-11-02"),
        )
        .expect("message");
    }
    let db = format!("sqlite://{}", dir.join("import.db").display());
    let start = Instant::now();
    let out = Command::new(binary())
        .args(["reports", "import", "--database", &db])
        .arg(&md)
        .stdout(Stdio::null())
        .output()
        .expect("run import");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  SQLite     mtasts reports import of a Maildir of {n} messages: {:>7.0} messages/s ({})",
        n as f64 / secs,
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

async fn daily_query(dir: &Path, token: &Path, domains: usize) {
    let db = format!("sqlite://{}", dir.join("year.db").display());
    // A year of one report a day per domain, written through the store (as the server would).
    let store = mtasts_store::Store::open(&db).await.expect("store");
    let start = Instant::now();
    let now = 1_796_000_000i64;
    for day in 0..365i64 {
        let date = mtasts_core::daily::day_of(now - day * 86_400);
        let reports: Vec<_> = (0..domains)
            .map(|d| {
                mtasts_store::reports::NewReport::read(
                    a_report(&format!("d{d}.example"), &format!("y-{date}-{d}"), &date),
                    "application/tlsrpt+json",
                    1 << 20,
                )
                .expect("report")
            })
            .collect();
        for chunk in reports.chunks(500) {
            let items: Vec<_> = chunk.iter().map(|r| (r, "bench", now)).collect();
            store.insert_reports(&items).await.expect("insert");
        }
    }
    store.close().await;
    let filled = start.elapsed().as_secs_f64();
    let server = serve(&db, token);
    let mut times = Vec::new();
    for i in 0..21 {
        let path = format!("/api/v1/reports/daily?domain=d{}.example", i % domains);
        let t = Instant::now();
        let s = tokio::net::TcpStream::connect(server.addr)
            .await
            .expect("connect");
        let (r, mut w) = s.into_split();
        w.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n").as_bytes()).await.expect("write");
        let mut body = Vec::new();
        BufReader::new(r)
            .read_to_end(&mut body)
            .await
            .expect("read");
        times.push(t.elapsed());
        assert!(
            body.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
    }
    times.sort();
    println!(
        "  SQLite     daily summary of one domain over a year, {} reports stored ({domains} domains; filled in {filled:.0} s): median {:.1} ms, max {:.1} ms   goal < 50 ms",
        365 * domains,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let token = dir.path().join("token");
    std::fs::File::create(&token)
        .and_then(|mut f| f.write_all(TOKEN.as_bytes()))
        .expect("token");
    let n: usize = std::env::var("MTASTS_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    println!("TLS-RPT reports (release binary, this machine)\n");
    ingest(
        "SQLite",
        &format!("sqlite://{}", dir.path().join("ingest.db").display()),
        &token,
        n,
    )
    .await;
    match mtasts_interop::postgres::Postgres::start() {
        Ok(pg) => {
            ingest("PostgreSQL", &pg.url, &token, n).await;
            println!("             (PostgreSQL: a throwaway test cluster with fsync off, so not a durable figure)");
        }
        Err(e) => println!("  PostgreSQL not measured: {e}"),
    }
    import_maildir(dir.path(), 1000);
    let domains: usize = std::env::var("MTASTS_BENCH_DOMAINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    daily_query(dir.path(), &token, domains).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
}
