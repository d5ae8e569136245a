//! TLS-RPT reports received by the real `mtasts serve` (RFC 8460 §5.3 HTTPS POST) and read back
//! through the operator API: on an SQLite file, through a SIGKILL in the middle of a stream of
//! reports, and on a real PostgreSQL that goes away under load.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{get, send, serve, try_send, Resp};
use mtasts_testkit::tlsrpt::{gzip, report, Failure};
use serde_json::Value;

const TOKEN: &str = "operator-token-for-tests-0123456789";

fn token_file(dir: &Path) -> String {
    let f = dir.join("token");
    std::fs::write(&f, format!("{TOKEN}\n")).unwrap();
    f.display().to_string()
}

fn args(db: &str, token: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--database",
        db,
        "--admin-token-file",
        token,
        "--dist",
        "/nonexistent",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

async fn post(addr: std::net::SocketAddr, media: &str, body: &[u8]) -> Resp {
    send(addr, "POST", "/tlsrpt", &[("Content-Type", media)], body).await
}

async fn operator(addr: std::net::SocketAddr, path: &str) -> Resp {
    get(addr, path, &[("Authorization", &format!("Bearer {TOKEN}"))]).await
}

fn day_report(id: usize, failed: u64) -> Vec<u8> {
    let day = format!("2026-11-{:02}", 1 + id % 28);
    let failures = [Failure {
        result_type: "certificate-expired",
        receiving_mx: "mx1.example.com",
        sending_ip: Some("192.0.2.7"),
        sessions: failed,
    }];
    report(
        if id.is_multiple_of(2) {
            "Org A"
        } else {
            "Org B"
        },
        &format!("r-{id}"),
        &day,
        "example.com",
        100,
        if failed > 0 { &failures } else { &[] },
    )
}

#[tokio::test]
async fn reports_are_received_and_read_back_with_the_operator_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let token = token_file(dir.path());
    let s = serve(&args(
        &db,
        &token,
        &[
            "--tlsrpt-domain",
            "example.com,example.org",
            "--tlsrpt-max-body",
            "200000",
        ],
    ))
    .await;

    let r = post(s.addr, "application/tlsrpt+gzip", &gzip(&day_report(1, 3))).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_i64().unwrap();
    // A resend: acknowledged, stored once.
    let again = post(s.addr, "application/tlsrpt+gzip", &gzip(&day_report(1, 3))).await;
    assert_eq!(
        (
            again.status,
            again.json()["id"].as_i64(),
            again.json()["duplicate"].as_bool()
        ),
        (200, Some(id), Some(true))
    );
    let r = post(
        s.addr,
        "application/tlsrpt+json; charset=utf-8",
        &day_report(2, 0),
    )
    .await;
    assert_eq!(r.status, 201);

    // What is refused, and how.
    let r = post(s.addr, "application/json", &day_report(3, 0)).await;
    assert_eq!(r.status, 415, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("application/tlsrpt+gzip"));
    let r = post(
        s.addr,
        "application/tlsrpt+json",
        b"{\"organization-name\": ",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{:?}",
        r.json()
    );
    // A report that cannot be counted on any day is not stored.
    let undated = String::from_utf8(day_report(4, 0))
        .unwrap()
        .replace("2026-11-05T00:00:00Z", "yesterday");
    let r = post(s.addr, "application/tlsrpt+json", undated.as_bytes()).await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("cannot be counted on any day"),
        "{:?}",
        r.json()
    );
    let other = report("Org A", "x-1", "2026-11-05", "elsewhere.example", 5, &[]);
    assert_eq!(
        post(s.addr, "application/tlsrpt+json", &other).await.status,
        403
    );
    let big = vec![b' '; 300_000];
    assert_eq!(
        post(s.addr, "application/tlsrpt+json", &big).await.status,
        413
    );
    // A gzip bomb: 100 KB that expand to 100 MB stop at the 16 MiB cap as they decompress.
    let bomb = gzip(&vec![b' '; 100 << 20]);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let r = post(s.addr, "application/tlsrpt+gzip", &bomb).await;
    assert_eq!(r.status, 413, "{}", String::from_utf8_lossy(&r.body));

    // Reading needs the token.
    let r = get(s.addr, "/api/v1/reports?domain=example.com", &[]).await;
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some());
    let r = get(
        s.addr,
        "/api/v1/reports",
        &[("Authorization", "Bearer not-the-token-0123456789")],
    )
    .await;
    assert_eq!(r.status, 401);
    let list = operator(s.addr, "/api/v1/reports?domain=example.com")
        .await
        .json();
    let ids: Vec<&str> = list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["r-2", "r-1"], "{list}");
    assert_eq!(list["truncated"], false);
    let first = operator(s.addr, "/api/v1/reports?limit=1").await.json();
    assert_eq!(first["reports"].as_array().unwrap().len(), 1);
    assert_eq!(first["truncated"], true);
    let one = operator(s.addr, &format!("/api/v1/reports/{id}")).await;
    assert_eq!(one.status, 200);
    let one = one.json();
    let json: Value = serde_json::from_str(one["json"].as_str().unwrap()).unwrap();
    assert_eq!(json["report-id"], "r-1");
    assert!(
        one["findings"].to_string().contains("report.failures"),
        "{one}"
    );
    assert_eq!(operator(s.addr, "/api/v1/reports/999999").await.status, 404);
    let daily = operator(
        s.addr,
        "/api/v1/reports/daily?domain=example.com&from=2026-11-01&to=2026-11-30",
    )
    .await
    .json();
    let days = daily["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{daily}");
    assert_eq!(days[0]["day"], "2026-11-02");
    assert_eq!(days[0]["by_result_type"]["certificate-expired"], 3);
    assert_eq!(days[1]["sessions"]["failed"], 0);
    assert_eq!(daily["evidence"]["ready"], false);
    assert_eq!(daily["evidence"]["last_failure"], "2026-11-02");
    // A period after the failure shows fewer days, and the same evidence.
    let narrow = operator(
        s.addr,
        "/api/v1/reports/daily?domain=example.com&from=2026-11-03",
    )
    .await
    .json();
    assert!(
        narrow["days"].as_array().unwrap().len() < days.len(),
        "{narrow}"
    );
    assert_eq!(
        narrow["evidence"], daily["evidence"],
        "the evidence does not depend on the period"
    );
    assert_eq!(
        operator(
            s.addr,
            "/api/v1/reports/daily?domain=example.com&from=yesterday"
        )
        .await
        .status,
        400
    );
    // The token never reaches the log.
    drop(s);
}

/// SIGKILL in the middle of a stream of reports: every report that got a 2xx is there after a
/// restart, and none twice.
#[tokio::test]
async fn an_acknowledged_report_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("m.db").display());
    let token = token_file(dir.path());
    let mut s = serve(&args(&db, &token, &["--tlsrpt-rate-limit", "100000"])).await;
    let addr = s.addr;
    let pid = s.pid().unwrap();
    let sender = tokio::spawn(async move {
        let mut acked = Vec::new();
        for i in 0..100_000usize {
            let body = gzip(&day_report(1000 + i, (i % 3) as u64));
            let sent = tokio::time::timeout(
                Duration::from_secs(5),
                try_send(
                    addr,
                    "POST",
                    "/tlsrpt",
                    &[("Content-Type", "application/tlsrpt+gzip")],
                    &body,
                ),
            )
            .await;
            match sent {
                Ok(Some(r)) if (200..300).contains(&r.status) => {
                    acked.push(format!("r-{}", 1000 + i))
                }
                Ok(Some(r)) => panic!(
                    "report {i}: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                ),
                // The server is gone.
                _ => break,
            }
        }
        acked
    });
    // Let some reports land, then kill it mid-stream.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    s.wait().await;
    let acked = sender.await.unwrap();
    assert!(
        acked.len() > 20,
        "only {} reports before the kill",
        acked.len()
    );

    let s = serve(&args(&db, &token, &[])).await;
    let list = operator(s.addr, "/api/v1/reports?domain=example.com&limit=10000")
        .await
        .json();
    assert_eq!(list["truncated"], false);
    let mut stored: Vec<String> = list["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report_id"].as_str().unwrap().to_string())
        .collect();
    let n = stored.len();
    stored.sort();
    stored.dedup();
    assert_eq!(stored.len(), n, "a report stored twice");
    let missing: Vec<&String> = acked.iter().filter(|a| !stored.contains(a)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but lost: {missing:?} (of {})",
        acked.len()
    );
    // At most the one in flight when the kill came was stored without its answer.
    assert!(
        stored.len() <= acked.len() + 1,
        "{} stored, {} acknowledged",
        stored.len(),
        acked.len()
    );
}

/// PostgreSQL stopped under load: ingestion answers 503 with Retry-After (senders retry) and
/// works again once the database is back.
#[tokio::test]
async fn postgresql_away_means_503_and_ingestion_recovers() {
    let mut pg = mtasts_interop::postgres::Postgres::start().expect("a throwaway PostgreSQL");
    let dir = tempfile::tempdir().unwrap();
    let token = token_file(dir.path());
    let s = serve(&args(&pg.url, &token, &["--tlsrpt-rate-limit", "100000"])).await;
    for i in 0..20 {
        let r = post(s.addr, "application/tlsrpt+gzip", &gzip(&day_report(i, 0))).await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
    pg.stop();
    let r = post(s.addr, "application/tlsrpt+gzip", &gzip(&day_report(20, 0))).await;
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("retry-after"), Some("60"));
    assert_eq!(operator(s.addr, "/api/v1/reports").await.status, 503);
    pg.restart().unwrap();
    let start = std::time::Instant::now();
    loop {
        let r = post(s.addr, "application/tlsrpt+gzip", &gzip(&day_report(20, 0))).await;
        if r.status == 201 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no recovery: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let list = operator(s.addr, "/api/v1/reports").await.json();
    assert_eq!(list["reports"].as_array().unwrap().len(), 21, "{list}");
}
