//! Connections that never send a request, send half of one, or idle after one are closed at
//! the header-read timeout; one client address cannot hold more than its share; the server as
//! a whole holds at most its cap; and meanwhile `/healthz` and the static files answer others.
//! Clients are told apart by their loopback source address (127.0.0.0/8 is all loopback).

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{get_from, serve, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

async fn connect_from(source: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// Whether the server has closed the connection: EOF or a reset within `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // A response (the idle connections read theirs first): keep reading.
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn server(extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    std::fs::write(dist.path().join("app.css"), "body{}").unwrap();
    let mut args: Vec<String> = vec![
        "--dist".into(),
        dist.path().display().to_string(),
        "--resolver".into(),
        "127.0.0.1:9".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    (serve(&args).await, dist)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_connection_flood_is_cut_off_and_others_are_served() {
    let (server, _dist) = server(&[
        "--header-read-timeout",
        "2",
        "--max-connections-per-client",
        "16",
    ])
    .await;
    let addr = server.addr;
    // One client opens 60 connections: silent, half a request, and idle after a request.
    let mut flood = Vec::new();
    for i in 0..60 {
        let mut s = connect_from("127.0.0.2", addr).await;
        match i % 3 {
            0 => {}
            1 => {
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
            }
            _ => {
                let _ = s
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    .await;
            }
        }
        flood.push(s);
    }
    // Past its share of 16, its connections are closed at once.
    let mut refused = 0;
    for s in flood.iter_mut().skip(16) {
        if closed_within(s, Duration::from_millis(500)).await {
            refused += 1;
        }
    }
    assert!(
        refused >= 40,
        "only {refused} of the 44 connections past the per-client share were closed at once"
    );
    // Meanwhile another client is served at once.
    for path in ["/healthz", "/app.css", "/"] {
        let t = Instant::now();
        let r = get_from("127.0.0.3", addr, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{path} took {:?} during the flood",
            t.elapsed()
        );
    }
    // The 16 it kept are closed at the header-read timeout (2 s), idle or not.
    let t = Instant::now();
    for (i, s) in flood.iter_mut().take(16).enumerate() {
        assert!(
            closed_within(s, Duration::from_secs(6)).await,
            "connection {i} (kind {}) was still open {:?} after the flood began",
            i % 3,
            t.elapsed()
        );
    }
    // Its share is back: the same client is served again.
    let r = get_from("127.0.0.2", addr, "/healthz").await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_holds_at_most_its_connection_cap() {
    let (server, _dist) = server(&["--header-read-timeout", "30", "--max-connections", "8"]).await;
    let mut held = Vec::new();
    for i in 0..8 {
        held.push(connect_from(&format!("127.0.1.{}", i + 1), server.addr).await);
    }
    // Give the server a moment to accept all eight.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ninth = connect_from("127.0.1.9", server.addr).await;
    assert!(
        closed_within(&mut ninth, Duration::from_secs(2)).await,
        "a ninth connection was kept past a cap of 8"
    );
    for s in held.iter_mut() {
        assert!(!closed_within(s, Duration::from_millis(50)).await);
    }
    drop(held);
    // Freed places are taken again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = get_from("127.0.1.10", server.addr, "/healthz").await;
    assert_eq!(r.status, 200);
}

/// A request head past 16 KiB is refused as it is read (431), not buffered (hyper's default
/// would hold about 400 KiB a connection).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_head_is_refused() {
    let (server, _dist) = server(&[]).await;
    let mut s = connect_from("127.0.0.5", server.addr).await;
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let _ = s.write_all(head.as_bytes()).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut reply)).await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    // An ordinary request still works.
    let r = get_from("127.0.0.5", server.addr, "/healthz").await;
    assert_eq!(r.status, 200);
}
