//! The command-line contract (DESIGN.md), checked against the real `mtasts` binary: JSON
//! shapes and field names, exit statuses, stdin with `-`, records as separate arguments, zero
//! records, records after `--`, usage errors on stderr.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn mtasts(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mtasts"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mtasts");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        // mtasts stops reading at its input limit, closing the pipe: that is not an error.
        if let Err(e) = pipe.write_all(input) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit status")
}

const GOOD: &[u8] =
    b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n";

#[test]
fn lint_policy_json_shape_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mta-sts.txt");
    std::fs::write(&file, GOOD).unwrap();
    let out = mtasts(&["lint", "policy", file.to_str().unwrap(), "--json"], None);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["kind"], "policy");
    assert_eq!(v["valid"], true);
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["findings"], Value::Array(vec![]));
    assert_eq!(v["parsed"]["version"], "STSv1");
    assert_eq!(v["parsed"]["mode"], "enforce");
    assert_eq!(v["parsed"]["max_age"], 604800);
    assert_eq!(v["parsed"]["mx"], serde_json::json!(["mail.example.com"]));
}

#[test]
fn lint_policy_from_stdin_invalid_exit_1() {
    let body = b"version: STSv1\nmode: enforce\nmx: mail*.example.com\nmax_age: 604800\n";
    for args in [
        &["lint", "policy", "-", "--json"][..],
        &["--json", "lint", "policy"][..],
    ] {
        let out = mtasts(args, Some(body));
        assert_eq!(code(&out), 1);
        let v = json(&out);
        assert_eq!(v["valid"], false);
        assert_eq!(v["verdict"], "fail");
        let f = &v["findings"][0];
        assert_eq!(f["code"], "policy.mx.wildcard");
        assert_eq!(f["severity"], "error");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(3), Some(9))
        );
        assert!(f["message"].as_str().unwrap().contains("left-most"));
    }
}

#[test]
fn lint_policy_warnings_still_exit_0() {
    // A misspelt field is a warning: the policy stays valid.
    let out = mtasts(
        &["lint", "policy", "-", "--json"],
        Some(b"version: STSv1\nmode: enforce\nmx: a.example\nnmx: b.example\nmax_age: 604800\n"),
    );
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["verdict"], "warn");
    assert_eq!(v["findings"][0]["code"], "policy.field.misspelt");
    assert_eq!(v["findings"][0]["severity"], "warning");
    // A blank line is an error since strict senders reject the whole policy for it.
    let out = mtasts(
        &["lint", "policy", "-", "--json"],
        Some(b"version: STSv1\n\nmode: enforce\nmx: a.example\nmax_age: 604800\n"),
    );
    assert_eq!(code(&out), 1);
    let v = json(&out);
    assert_eq!(
        (v["valid"].as_bool(), v["verdict"].as_str()),
        (Some(false), Some("fail"))
    );
    assert_eq!(v["findings"][0]["code"], "policy.line.blank");
}

#[test]
fn human_output_marks_the_offending_column() {
    let out = mtasts(
        &["lint", "policy", "-"],
        Some(b"version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 604800\n"),
    );
    assert_eq!(code(&out), 1);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error[policy.mode.invalid]"), "{text}");
    assert!(text.contains("--> <stdin>:2:7"), "{text}");
    assert!(text.contains("2 | mode: Enforce"), "{text}");
    assert!(text.contains("  |       ^"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when not a terminal: {text}"
    );
}

#[test]
fn unreadable_input_is_exit_2_with_a_message() {
    let out = mtasts(&["lint", "policy", "/nonexistent/mta-sts.txt"], None);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cannot read /nonexistent/mta-sts.txt"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn usage_errors_are_exit_2() {
    for args in [
        &["lint"][..],
        &["lint", "nonsense"][..],
        &["match", "mx.example.com"][..],
        &["frobnicate"][..],
    ] {
        let out = mtasts(args, None);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn sts_txt_records_are_separate_arguments() {
    let out = mtasts(
        &["lint", "sts-txt", "--json", "v=STSv1; id=1", "v=spf1 -all"],
        None,
    );
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["kind"], "sts-txt");
    assert_eq!(v["parsed"]["id"], "1");
    assert_eq!(v["findings"][0]["code"], "sts.record.discarded");

    let out = mtasts(
        &[
            "lint",
            "sts-txt",
            "--json",
            "v=STSv1; id=1",
            "v=STSv1; id=2",
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["findings"][0]["code"], "sts.record.multiple");
}

#[test]
fn zero_records_is_allowed_and_invalid() {
    let out = mtasts(&["lint", "sts-txt", "--json"], None);
    assert_eq!(code(&out), 1);
    let v = json(&out);
    assert_eq!(v["parsed"]["id"], Value::Null);
    assert_eq!(v["findings"][0]["code"], "sts.record.none");
    let out = mtasts(&["lint", "tlsrpt-txt", "--json", "--"], None);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["findings"][0]["code"], "tlsrpt.record.none");
}

#[test]
fn records_may_follow_double_dash() {
    let out = mtasts(
        &[
            "lint",
            "tlsrpt-txt",
            "--json",
            "--",
            "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x",
        ],
        None,
    );
    assert_eq!(code(&out), 0);
    assert_eq!(
        json(&out)["parsed"]["rua"],
        serde_json::json!(["mailto:a@example.com", "https://r.example.com/x"])
    );
}

#[test]
fn zone_file_presentation_form_is_split_into_strings() {
    let out = mtasts(
        &["lint", "sts-txt", "--json", r#""v=STSv1; " "id=20260101""#],
        None,
    );
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)["parsed"]["id"], "20260101");
}

#[test]
fn tlsrpt_report_plain_and_gzip() {
    let report = br#"{"organization-name":"X","date-range":{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T23:59:59Z"},
      "contact-info":"a@x.example","report-id":"1","policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},
      "summary":{"total-successful-session-count":90,"total-failure-session-count":10},
      "failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.example.com","failed-session-count":10}]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("report.json.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(report).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for out in [
        mtasts(&["lint", "tlsrpt-report", "-", "--json"], Some(report)),
        mtasts(
            &["lint", "tlsrpt-report", gz.to_str().unwrap(), "--json"],
            None,
        ),
    ] {
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        assert_eq!(v["kind"], "tlsrpt-report");
        assert_eq!(v["parsed"]["total_successful"], 90);
        assert_eq!(v["parsed"]["total_failed"], 10);
        assert_eq!(v["parsed"]["by_result_type"]["certificate-expired"], 10);
    }
    let out = mtasts(&["lint", "tlsrpt-report", "-"], Some(b"{not json"));
    assert_eq!(code(&out), 1);
}

#[test]
fn match_json_and_exit_statuses() {
    let out = mtasts(
        &[
            "match",
            "--json",
            "MX1.example.com.",
            "mail.example.net",
            "*.example.com",
        ],
        None,
    );
    assert_eq!(code(&out), 0);
    assert_eq!(
        json(&out),
        serde_json::json!({"host": "MX1.example.com.", "matched": true, "pattern": "*.example.com"})
    );
    let out = mtasts(
        &["match", "--json", "a.b.example.com", "*.example.com"],
        None,
    );
    assert_eq!(code(&out), 1);
    assert_eq!(
        json(&out),
        serde_json::json!({"host": "a.b.example.com", "matched": false, "pattern": null})
    );
    let out = mtasts(&["match", "mx.example.com", "mail*.example.com"], None);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("left-most label"));
}

#[test]
fn generated_records_pass_lint() {
    let out = mtasts(
        &[
            "generate",
            "--json",
            "--domain",
            "Example.COM",
            "--mx",
            "mx1.example.com",
            "--mx",
            "*.mail.example.net",
            "--mode",
            "enforce",
            "--id",
            "20260101",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let g = json(&out);
    assert_eq!(g["sts_name"], "_mta-sts.example.com");
    let policy = g["policy"].as_str().unwrap();
    assert!(policy.contains("mode: enforce\r\n"));
    let lint = mtasts(&["lint", "policy", "-", "--json"], Some(policy.as_bytes()));
    assert_eq!(code(&lint), 0);
    assert_eq!(
        json(&lint)["parsed"]["mx"],
        serde_json::json!(["mx1.example.com", "*.mail.example.net"])
    );
    let sts: Vec<&str> = g["sts_record"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(sts, ["v=STSv1; id=20260101"]);
    let rua = g["tlsrpt_record"][0].as_str().unwrap();
    let lint = mtasts(&["lint", "tlsrpt-txt", "--json", rua], None);
    assert_eq!(code(&lint), 0);

    let bad = mtasts(
        &["generate", "--domain", "example.com", "--mode", "enforce"],
        None,
    );
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("policy.mx.missing"));
    let bad = mtasts(
        &[
            "generate",
            "--domain",
            "192.0.2.1",
            "--mx",
            "mx.example.com",
        ],
        None,
    );
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("IP address"));
}

#[test]
fn explain_codes() {
    let out = mtasts(&["explain", "--json", "policy.max_age.out_of_range"], None);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert_eq!(v["severity"], "error");
    assert_eq!(v["rfc"], "RFC 8461 §3.2");
    assert_eq!(
        v["rfc_url"],
        "https://www.rfc-editor.org/rfc/rfc8461#section-3.2"
    );
    let out = mtasts(&["explain", "mx.uncovered"], None);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("fix:"));
    let out = mtasts(&["explain", "policy.max-age"], None);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean"));
    let out = mtasts(&["explain", "--all", "--markdown"], None);
    assert_eq!(code(&out), 0);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        mtasts_core::catalog::markdown()
    );
}

/// Input of any size is read only up to the limit: `/dev/zero` is refused (exit 2, naming the
/// option that raises the limit) instead of reading until memory runs out.
#[test]
fn input_is_read_only_up_to_its_limit() {
    let out = mtasts(&["lint", "policy", "/dev/zero"], None);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("larger than 16 MiB") && err.contains("--max-input-size"),
        "{err}"
    );
    // A report too: plain past the limit, and gzip that expands past it.
    let out = mtasts(
        &["lint", "tlsrpt-report", "--max-input-size", "1K", "-"],
        Some(&vec![b' '; 2048]),
    );
    assert_eq!(code(&out), 2);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 4 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    let out = mtasts(
        &[
            "lint",
            "tlsrpt-report",
            "--json",
            "--max-input-size",
            "1M",
            "-",
        ],
        Some(&bomb),
    );
    assert_eq!(code(&out), 1);
    assert!(json(&out)
        .to_string()
        .contains("expands to more than 1 MiB"));
    // Raising the limit lets a larger input through.
    let big = [GOOD, &vec![b'\n'; 17 << 20][..]].concat();
    assert_eq!(
        code(&mtasts(&["lint", "policy", "-"], Some(&big))),
        2,
        "past the default limit"
    );
    let out = mtasts(
        &["lint", "policy", "--json", "--max-input-size", "32M", "-"],
        Some(&big),
    );
    assert_eq!(code(&out), 1, "read, and invalid (too large, blank lines)");
    let v = json(&out);
    // Only what senders read is parsed, and repeated findings are counted, not listed.
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() <= 30, "{} findings", findings.len());
    assert!(findings
        .iter()
        .any(|f| f["code"] == "policy.size.too_large"));
    assert!(findings.iter().any(|f| f["code"] == "findings.more"));
}

/// Output into a closed pipe ends quietly (no panic, no stack trace).
#[test]
fn a_closed_pipe_ends_output_quietly() {
    for args in [
        &["explain", "--all", "--json"][..],
        &["explain", "--all"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mtasts"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(code(&out), 0, "{args:?}: {err}");
    }
}

/// Out-of-range numbers are usage errors, not panics.
#[test]
fn out_of_range_options_are_usage_errors() {
    for args in [
        &["serve", "--timeout", "18446744073709551615"][..],
        &["check", "--timeout", "0", "example.com"][..],
        &["serve", "--header-read-timeout", "0"][..],
        &[
            "lint",
            "policy",
            "--max-input-size",
            "99999999999999999999G",
            "-",
        ][..],
    ] {
        let out = mtasts(args, Some(b""));
        let err = String::from_utf8_lossy(&out.stderr);
        // check's 2 means "red"; a check that cannot run is 3.
        let want = if args[0] == "check" { 3 } else { 2 };
        assert_eq!(code(&out), want, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Reports built to exhaust memory (millions of tiny objects) are refused before parsing,
/// and output stays small whatever the input holds: long keys and lines are cut, tables and
/// policy lists show 20 rows.
#[test]
fn hostile_reports_and_lines_give_small_output() {
    let mut many = br#"{"organization-name":"x","date-range":{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T23:59:59Z"},"contact-info":"x","report-id":"1","policies":["#.to_vec();
    for i in 0..300_000 {
        if i > 0 {
            many.push(b',');
        }
        many.extend_from_slice(b"{}");
    }
    many.extend_from_slice(b"]}");
    let t = std::time::Instant::now();
    let out = mtasts(&["lint", "tlsrpt-report", "--json", "-"], Some(&many));
    assert_eq!(code(&out), 1);
    assert!(json(&out).to_string().contains("report.too_complex"));
    assert!(t.elapsed() < std::time::Duration::from_secs(20));

    let long = "m".repeat(1_000_000);
    let report = format!(
        r#"{{"organization-name":"x","date-range":{{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T23:59:59Z"}},"contact-info":"x","report-id":"1","policies":[{{"policy":{{"policy-type":"sts","policy-domain":"example.com"}},"summary":{{"total-successful-session-count":0,"total-failure-session-count":1}},"failure-details":[{{"result-type":"certificate-expired","receiving-mx-hostname":"{long}","failed-session-count":1}}]}}]}}"#
    );
    let out = mtasts(&["lint", "tlsrpt-report", "-"], Some(report.as_bytes()));
    assert!(
        out.stdout.len() < 20_000,
        "a 1 MB key printed {} bytes",
        out.stdout.len()
    );
    let line = format!(
        "version: STSv1\nmode: enforce\nmx: {}\nmax_age: 86400\n",
        "a".repeat(200_000)
    );
    let out = mtasts(&["lint", "policy", "-"], Some(line.as_bytes()));
    assert!(
        out.stdout.len() < 20_000,
        "a 200 KB line printed {} bytes",
        out.stdout.len()
    );
}

/// A bidi override in a policy line never reaches the terminal in the source snippet.
#[test]
fn bidi_overrides_are_not_printed_raw() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mtasts"))
        .args(["lint", "policy", "-"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            "version: STSv1\nmode: enforce\u{202e}gnitset\nmx: a.example\nmax_age: 86400\n"
                .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("mode"), "{text}");
    assert!(!text.contains('\u{202e}'), "{text}");
}
