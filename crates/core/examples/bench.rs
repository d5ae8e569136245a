//! Parse-and-validate throughput of the core, printed as numbers (never asserted):
//!
//! ```text
//! cargo run --release -p mtasts-core --example bench
//! ```
//!
//! Each case runs five rounds of about 100 ms after a warm-up; the figure is the mean time per
//! call in the fastest round (robust to a busy machine). Hand-written rather than criterion: one number per input is all we need, and the
//! example then builds in seconds.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mtasts_core::{check, inputs, lint, policy, record, report_json, tlsrpt};

/// Runs `f` in five rounds of about 100 ms and prints the fastest round's mean (the least
/// disturbed by whatever else the machine is doing); returns nanoseconds per call.
fn measure(name: &str, bytes: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let mut per = f64::INFINITY;
    for _ in 0..5 {
        let budget = Duration::from_millis(100);
        let start = Instant::now();
        let mut n: u64 = 0;
        while start.elapsed() < budget {
            for _ in 0..16 {
                f();
            }
            n += 16;
        }
        per = per.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    let mbps = if bytes > 0 {
        format!("{:>8.1} MB/s", bytes as f64 / per * 1e3)
    } else {
        String::new()
    };
    println!(
        "{name:<44} {:>10.2} µs/op {:>12.0} op/s {mbps}",
        per / 1e3,
        1e9 / per
    );
    per
}

/// The peer for the policy parser: split the same bytes into lines and each line at its first
/// colon, trimmed, with nothing checked (what a naive reader of the file does).
fn plain_parse(b: &[u8]) -> Vec<(&str, &str)> {
    std::str::from_utf8(b)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn policy_with_mx(n: usize) -> String {
    let mut p = String::from("version: STSv1\nmode: enforce\nmax_age: 604800\n");
    for i in 0..n {
        p.push_str(&format!("mx: mx{i}.example.com\n"));
    }
    p
}

fn main() {
    println!("mtasts-core parse-and-validate (release build, mean per call)\n");

    let typical = b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";
    let lint_ns = measure(
        "policy: RFC 8461 example (4 fields, 3 mx)",
        typical.len(),
        || {
            black_box(policy::lint(black_box(typical)));
        },
    );
    let messy = "\u{feff}version : STSv1\r\n\r\n Mode: Enforce \rmx: mail*.example.com\nmx: 192.0.2.1\nmax_age: 99999999999\nfoo\n";
    measure(
        "policy: messy (every line has a finding)",
        messy.len(),
        || {
            black_box(policy::lint(black_box(messy.as_bytes())));
        },
    );
    let plain_ns = measure(
        "  peer: split by lines and colons, same bytes",
        typical.len(),
        || {
            black_box(plain_parse(black_box(typical)));
        },
    );
    let small = policy_with_mx(200);
    let small_ns = measure("policy: 200 mx lines", small.len(), || {
        black_box(policy::lint(black_box(small.as_bytes())));
    });
    let many = policy_with_mx(2000);
    let many_ns = measure(
        &format!("policy: 2000 mx lines ({} KiB)", many.len() / 1024),
        many.len(),
        || {
            black_box(policy::lint(black_box(many.as_bytes())));
        },
    );

    let one = vec![vec!["v=STSv1; id=20160831085700Z".to_string()]];
    measure("sts-txt: one record", 27, || {
        black_box(record::lint(black_box(&one)));
    });
    let set = vec![
        vec!["v=spf1 include:_spf.example.com -all".to_string()],
        vec![
            "v=STSv1; ".to_string(),
            "id=20160831085700Z; ext=1".to_string(),
        ],
        vec!["google-site-verification=abcdef".to_string()],
    ];
    measure("sts-txt: three records, one split in two", 0, || {
        black_box(record::lint(black_box(&set)));
    });
    let rpt = vec![vec![
        "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.com/v1".to_string(),
    ]];
    measure("tlsrpt-txt: two report URIs", 0, || {
        black_box(tlsrpt::lint(black_box(&rpt)));
    });

    let report = include_str!("../tests/fixtures/tlsrpt-report/rfc-example.json");
    measure("tlsrpt-report: RFC 8460 example", report.len(), || {
        black_box(report_json::lint(black_box(report.as_bytes())));
    });
    let big = big_report(5000);
    let report_ns = measure(
        &format!(
            "tlsrpt-report: 5000 failure details ({} KiB)",
            big.len() / 1024
        ),
        big.len(),
        || {
            black_box(report_json::lint(black_box(big.as_bytes())));
        },
    );
    let value_ns = measure(
        "  peer: the same bytes into a serde_json::Value",
        big.len(),
        || {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(big.as_bytes())).ok());
        },
    );
    let gz = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tlsrpt-report/rfc-example-gzip.json.gz"
    ))
    .expect("fixture");
    measure("tlsrpt-report: RFC 8460 example, gzip", gz.len(), || {
        black_box(report_json::lint(black_box(&gz)));
    });

    let inputs: inputs::Inputs = serde_json::from_str(include_str!(
        "../tests/fixtures/check/testing-not-ready.json"
    ))
    .expect("fixture");
    measure("check: full report (3 MX, testing, failures)", 0, || {
        black_box(check(black_box(&inputs)));
    });
    measure(
        "lint: policy to JSON output (CLI/browser path)",
        typical.len(),
        || {
            black_box(serde_json::to_string(&lint::policy(black_box(typical))).ok());
        },
    );

    println!("\nGoals (issue 14), figure beside goal:");
    println!(
        "  policy lint / plain split of the same bytes   {:>6.2}×   goal ≤ 3×",
        lint_ns / plain_ns
    );
    println!(
        "  time per mx line, 2000 lines / 200 lines      {:>6.2}×   goal ≈ 1× (linear)",
        (many_ns / 2000.0) / (small_ns / 200.0)
    );
    println!(
        "  report parsing (5000 failure details)         {:>6.0} MB/s  goal ≥ 200 MB/s",
        big.len() as f64 / report_ns * 1e3
    );
    println!(
        "  report parsing / parsing into a JSON value    {:>6.2}×   (the peer: serde_json alone)",
        report_ns / value_ns
    );
}

fn big_report(details: usize) -> String {
    let mut d = Vec::new();
    for i in 0..details {
        d.push(format!(
            r#"{{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.{}","receiving-mx-hostname":"mx{}.example.com","failed-session-count":{}}}"#,
            i % 250,
            i % 7,
            i % 13 + 1
        ));
    }
    let failed: usize = (0..details).map(|i| i % 13 + 1).sum();
    format!(
        r#"{{"organization-name":"Bench","date-range":{{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T23:59:59Z"}},"contact-info":"a@b.example","report-id":"bench","policies":[{{"policy":{{"policy-type":"sts","policy-domain":"example.com"}},"summary":{{"total-successful-session-count":100000,"total-failure-session-count":{failed}}},"failure-details":[{}]}}]}}"#,
        d.join(",")
    )
}
