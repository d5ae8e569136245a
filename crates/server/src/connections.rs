//! Accepting connections for `mtasts serve`, with the limits that keep slow, idle or numerous
//! connections from taking the server down. (`axum::serve` runs hyper without a timer, so
//! hyper's header timeout was silently off: silent connections stayed open for half an hour,
//! and a thousand of them made `/healthz` time out.)
//!
//! - hyper runs with a timer, and a request head must arrive within `header_read_timeout` of
//!   the moment the connection starts waiting for one: a silent, half-sent or idle keep-alive
//!   connection is closed then.
//! - A connection lives at most `max_age`, whatever it does (a client that never reads its
//!   response holds it no longer).
//! - At most `max_connections` at once, and `per_client` from one address; a connection past
//!   either is closed at once, the cheapest answer to a flood. One address cannot fill the
//!   server, so `/healthz` and the web app keep answering everyone else.
//! - `TCP_NODELAY` on every connection: a response on a kept-alive connection does not wait
//!   for the client's delayed ACK.
//! - On Ctrl-C or SIGTERM it stops accepting and lets requests in flight finish (up to
//!   `grace`).

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::limits::Shares;

/// The limits on connections.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    /// Connections from one client address; `None` when every connection comes from a
    /// reverse proxy (its address is not the client's).
    pub per_client: Option<usize>,
    pub header_read_timeout: Duration,
    pub max_age: Duration,
    /// How long requests in flight may take to finish on shutdown.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            per_client: Some(64),
            header_read_timeout: Duration::from_secs(10),
            max_age: Duration::from_secs(300),
            grace: Duration::from_secs(30),
        }
    }
}

/// Accepts one connection, with `TCP_NODELAY` set: a response on a kept-alive connection must
/// not wait for the client's delayed ACK (40 ms a response on Linux; without it one connection
/// got 43-50 responses a second).
async fn accept(listener: &TcpListener) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    let (stream, peer) = listener.accept().await?;
    // A socket that refuses the option still serves, only slower.
    let _ = stream.set_nodelay(true);
    Ok((stream, peer))
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let total = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let clients = limits.per_client.map(Shares::<IpAddr>::new);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused: u64 = 0;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = accept(&listener) => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors (or another transient error): wait instead of
                    // spinning; connections that end free them.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            refused = note_refusal(refused, peer, "the server is at its connection limit");
            continue;
        };
        let slot = match &clients {
            Some(c) => match c.take(crate::limits::client_key(peer.ip())) {
                Some(s) => Some(s),
                None => {
                    refused = note_refusal(refused, peer, "its address is at its connection limit");
                    continue;
                }
            },
            None => None,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {})) }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            // A request head of at most 16 KiB and 64 fields (hyper's default buffer is about
            // 400 KiB a connection: 4096 stalled heads were 1.2 GB).
            .max_buf_size(16 * 1024)
            .max_headers(64)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        let max_age = limits.max_age;
        tokio::spawn(async move {
            let _ = tokio::time::timeout(max_age, conn).await;
            drop((permit, slot));
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!("requests still in flight after {:?}; stopping anyway", limits.grace);
        }
    }
    Ok(())
}

/// Logs refused connections sparingly (a flood must not become a flood of log lines).
fn note_refusal(count: u64, peer: SocketAddr, why: &str) -> u64 {
    let count = count + 1;
    if count.is_power_of_two() {
        tracing::warn!(%peer, refused = count, "connection closed at once: {why}");
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nodelay_set() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::net::TcpStream::connect(addr);
        let (accepted, client) = tokio::join!(accept(&listener), client);
        let (stream, peer) = accepted.unwrap();
        assert_eq!(peer, client.unwrap().local_addr().unwrap());
        assert!(
            stream.nodelay().unwrap(),
            "TCP_NODELAY is set on the server's socket"
        );
    }
}
