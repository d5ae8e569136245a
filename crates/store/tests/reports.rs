//! The store's reports on both engines: an SQLite file and a real PostgreSQL (Debian's,
//! started on loopback for the test and stopped after it, also when it fails). Each test body
//! runs on both.

use std::path::PathBuf;

use mtasts_core::daily;
use mtasts_core::report_json;
use mtasts_store::reports::{Days, NewReport};
use mtasts_store::{Engine, Store};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/tlsrpt-report")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

use mtasts_testkit::tlsrpt::{gzip, report, Failure};

fn failure<'a>(rt: &'a str, mx: &'a str, ip: Option<&'a str>, n: u64) -> Failure<'a> {
    Failure {
        result_type: rt,
        receiving_mx: mx,
        sending_ip: ip,
        sessions: n,
    }
}

fn read(bytes: Vec<u8>) -> NewReport {
    NewReport::read(
        bytes,
        "application/tlsrpt+json",
        report_json::MAX_DECOMPRESSED,
    )
    .expect("a storable report")
}

/// Stores, deduplicates, lists and reads back; the daily summary from the store is the core's
/// from the same files.
async fn reports_round_trip(store: &Store) {
    let files: Vec<Vec<u8>> = vec![
        fixture("rfc-example.json"),
        // The RFC's example again, with another id (and no sending IP in a failure).
        String::from_utf8(fixture("missing-sending-ip.json"))
            .unwrap()
            .replace("5065427c-", "00000000-")
            .into_bytes(),
        gzip(&report(
            "Org A",
            "a-1",
            "2026-11-01",
            "example.com",
            1000,
            &[],
        )),
        report(
            "Org A",
            "a-2",
            "2026-11-02",
            "Example.COM.",
            990,
            &[
                failure(
                    "starttls-not-supported",
                    "mx2.example.com",
                    Some("192.0.2.1"),
                    7,
                ),
                failure("certificate-expired", "MX1.example.com.", None, 3),
            ],
        ),
        report(
            "Org B",
            "b-1",
            "2026-11-02",
            "example.com",
            500,
            &[failure(
                "starttls-not-supported",
                "mx2.example.com",
                Some("192.0.2.9"),
                2,
            )],
        ),
        report("Org B", "b-2", "2026-11-03", "other.example", 10, &[]),
    ];
    let mut ids = Vec::new();
    for f in &files {
        let r = read(f.clone());
        let i = store
            .insert_report(&r, "test", 1_700_000_000)
            .await
            .unwrap();
        assert!(!i.duplicate, "{i:?}");
        ids.push(i.id);
    }
    // A resend (same organisation and report id) is acknowledged and stored once.
    let again = store
        .insert_report(&read(files[3].clone()), "test", 1_700_000_100)
        .await
        .unwrap();
    assert_eq!((again.id, again.duplicate), (ids[3], true));

    let listed = store
        .list_reports(Some("example.com"), &Days::default(), 100)
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|r| r.report_id.as_str()).collect();
    assert_eq!(names, ["b-1", "a-2", "a-1"], "{listed:?}");
    assert_eq!((listed[1].successful, listed[1].failed), (990, 10));
    let in_range = store
        .list_reports(
            None,
            &Days {
                from: Some("2026-11-02".into()),
                to: Some("2026-11-02".into()),
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(in_range.len(), 2, "{in_range:?}");

    // One report back: its JSON as sent (decompressed), its findings.
    let gz = store.get_report(ids[2]).await.unwrap().expect("stored");
    assert_eq!(
        gz.json.as_bytes(),
        &report("Org A", "a-1", "2026-11-01", "example.com", 1000, &[])[..]
    );
    assert_eq!(gz.item.policy_domains, ["example.com"]);
    let ip = store.get_report(ids[1]).await.unwrap().expect("stored");
    assert!(
        ip.findings
            .to_string()
            .contains("report.sending_ip_missing"),
        "{}",
        ip.findings
    );
    assert!(store.get_report(i64::MAX).await.unwrap().is_none());

    // The same numbers as the core computes from the files themselves.
    let from_files = daily::daily(
        files
            .iter()
            .map(|f| {
                report_json::lint_rows(f, report_json::MAX_DECOMPRESSED)
                    .summary
                    .unwrap()
            })
            .collect::<Vec<_>>()
            .iter(),
    );
    for domain in ["example.com", "company-y.example", "other.example"] {
        let stored = store.daily(domain, &Days::default()).await.unwrap();
        let want: Vec<_> = from_files
            .iter()
            .filter(|r| r.policy_domain == domain)
            .cloned()
            .collect();
        assert_eq!(stored, want, "{domain}");
    }
    let nov2 = store.daily("example.com", &Days::default()).await.unwrap();
    let d = nov2.iter().find(|r| r.day == "2026-11-02").unwrap();
    assert_eq!(
        (d.reports, d.sessions.successful, d.sessions.failed),
        (2, 1490, 12)
    );
    assert_eq!(d.by_result_type["starttls-not-supported"], 9);
    assert_eq!(d.by_receiving_mx["mx1.example.com"], 3);
    assert_eq!(d.by_sending_ip[report_json::NOT_GIVEN], 3);
    assert_eq!(d.by_organization["Org B"].failed, 2);
}

#[tokio::test]
async fn reports_round_trip_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.engine(), Engine::Sqlite);
    reports_round_trip(&store).await;
    store.close().await;
    // Reopened: the migrations are not applied twice and nothing is lost.
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store
            .list_reports(None, &Days::default(), 100)
            .await
            .unwrap()
            .len(),
        6
    );
}

#[tokio::test]
async fn reports_round_trip_on_postgresql() {
    let pg = mtasts_interop::postgres::Postgres::start().expect("a throwaway PostgreSQL");
    let store = Store::open(&pg.url).await.unwrap();
    assert_eq!(store.engine(), Engine::Postgres);
    reports_round_trip(&store).await;
    store.close().await;
    let store = Store::open(&pg.url).await.unwrap();
    assert_eq!(
        store
            .list_reports(None, &Days::default(), 100)
            .await
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn unreadable_or_anonymous_reports_are_refused_with_the_reason() {
    let refuse = |b: &[u8]| {
        NewReport::read(
            b.to_vec(),
            "application/tlsrpt+json",
            report_json::MAX_DECOMPRESSED,
        )
        .expect_err("refused")
        .message
    };
    assert!(
        refuse(b"{not json").contains("not valid JSON"),
        "{}",
        refuse(b"{not json")
    );
    assert!(refuse(&fixture("missing-report-id.json")).contains("report-id"));
    assert!(refuse(&fixture("empty-policies.json")).contains("no policies"));
    // A gzip bomb stops at the cap.
    let bomb = gzip(&vec![b' '; 4 << 20]);
    let r = NewReport::read(bomb, "application/tlsrpt+gzip", 1 << 20).expect_err("refused");
    assert!(
        r.too_large() && r.message.contains("expands to more than 1 MiB"),
        "{r}"
    );
    // Findings that do not stop the count are kept beside the report.
    let kept = read(fixture("unknown-result-type.json"));
    assert!(!kept.findings.is_empty());
}
