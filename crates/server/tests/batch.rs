//! `mtasts check --batch` against the test world: the real binary over a list with comments,
//! a repeat and a bad line, in each output format; exit statuses; nothing drawn on a pipe.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{bin, world_args};
use mtasts_testkit::{catalogue, World};
use serde_json::Value;

const LIST: &str = "# domains to check\n\
    enforce-good.test\n\
    mx-expired.test   # one MX with an expired certificate\n\
    not a domain!\n\
    \n\
    https://ENFORCE-GOOD.test/\n\
    testing.test\n";

struct Setup {
    world: World,
    _dir: tempfile::TempDir,
    args: Vec<String>,
    list: std::path::PathBuf,
}

async fn setup(names: &[&str]) -> Setup {
    let scenarios: Vec<_> = catalogue()
        .into_iter()
        .filter(|s| names.contains(&s.name.as_str()))
        .collect();
    let world = World::start(&scenarios).await.expect("world");
    let dir = tempfile::tempdir().unwrap();
    let ca = world.write_ca(dir.path()).unwrap();
    let mut args = world_args(&world, &ca, 5);
    args.push("--allow-private-addresses".into());
    let list = dir.path().join("domains.txt");
    std::fs::write(&list, LIST).unwrap();
    Setup {
        world,
        _dir: dir,
        args,
        list,
    }
}

/// Runs `mtasts [--json] check ARGS… EXTRA…` with `stdin`, off the async runtime.
async fn run(args: Vec<String>, stdin: Option<&'static str>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(bin())
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run mtasts");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).expect("write stdin");
        }
        drop(input);
        child.wait_with_output().expect("wait")
    })
    .await
    .expect("join")
}

fn check_args(s: &Setup, extra: &[&str]) -> Vec<String> {
    let mut a = vec!["check".to_string()];
    a.extend(s.args.iter().cloned());
    a.extend(extra.iter().map(|e| e.to_string()));
    a
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_in_input_order_with_bad_lines_and_the_worst_exit_status() {
    let s = setup(&["enforce-good", "mx-expired", "testing"]).await;
    let list = s.list.display().to_string();
    let out = run(
        check_args(&s, &["--json", "--batch", &list, "--concurrency", "2"]),
        None,
    )
    .await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // Three domains (the repeat is checked once) and the bad line, in the list's order.
    let shown: Vec<(u64, String)> = lines
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap_or(0),
                v["domain"]
                    .as_str()
                    .or(v["input"].as_str())
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (2, "enforce-good.test".to_string()),
            (3, "mx-expired.test".to_string()),
            (4, "not a domain!".to_string()),
            (7, "testing.test".to_string()),
        ],
        "{stdout}"
    );
    assert_eq!(lines[0]["overall"], "green");
    assert_eq!(lines[1]["overall"], "red");
    assert!(lines[2]["error"]
        .as_str()
        .unwrap_or("")
        .contains("cannot contain spaces"));
    assert_eq!(lines[3]["overall"], "amber");
    // Each report is the whole report of `check --json`: per-address rows, DANE, the hash.
    assert_eq!(lines[0]["mx"][0]["dane"], "dane.match", "{}", lines[0]);
    assert!(lines[0]["mx"][0]["addresses"][0]["ip"].is_string());
    assert_eq!(lines[0]["policy_sha256"].as_str().map(str::len), Some(64));
    // Red beats the bad line.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("line 4: cannot check \"not a domain!\"")
            && stderr.contains("line 6: enforce-good.test is already listed on line 2"),
        "{stderr}"
    );
    // The summary goes to stderr when stdout carries data; no progress bar on a pipe.
    assert!(stderr.contains("Checked 3 domains"), "{stderr}");
    assert!(
        !stderr.contains("ETA") && !stderr.contains('\r'),
        "{stderr}"
    );
    assert_eq!(s.world.mail_transactions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_has_one_row_per_line_with_lights_per_section() {
    let s = setup(&["enforce-good", "mx-expired", "testing"]).await;
    let out = run(check_args(&s, &["--csv", "--batch", "-"]), Some(LIST)).await;
    let stdout = text(&out.stdout);
    let mut rows = csv_rows(&stdout);
    let header = rows.remove(0);
    let col = |row: &Vec<String>, name: &str| {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"));
        row[i].clone()
    };
    assert_eq!(rows.len(), 4, "{stdout}");
    assert!(rows.iter().all(|r| r.len() == header.len()), "{stdout}");
    let good = &rows[0];
    assert_eq!(col(good, "domain"), "enforce-good.test");
    assert_eq!(col(good, "overall"), "green");
    assert_eq!(col(good, "readiness"), "enforced");
    assert_eq!(col(good, "mx_tls"), "green");
    assert_eq!(col(good, "dane"), "green");
    assert_eq!(col(good, "codes"), "dane.match");
    assert_eq!(col(good, "policy_sha256").len(), 64);
    let expired = &rows[1];
    assert_eq!(col(expired, "mx_tls"), "red");
    assert!(col(expired, "codes").contains("mx_tls.cert_expired"));
    assert_eq!(col(&rows[2], "line"), "4");
    assert!(col(&rows[2], "error").contains("cannot contain spaces"));
    assert_eq!(col(&rows[3], "policy"), "amber");
    assert_eq!(out.status.code(), Some(2));
}

/// A small CSV reader for the test (quoted cells, doubled quotes; no newlines in cells).
fn csv_rows(s: &str) -> Vec<Vec<String>> {
    s.lines()
        .map(|line| {
            let mut cells = vec![String::new()];
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        chars.next();
                        cells.last_mut().unwrap().push('"');
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(String::new()),
                    (c, _) => cells.last_mut().unwrap().push(c),
                }
            }
            cells
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_get_one_line_each_and_a_summary_table() {
    let s = setup(&["enforce-good", "testing"]).await;
    let out = run(
        check_args(&s, &["--batch", "-"]),
        Some("enforce-good.test\ntesting.test\n"),
    )
    .await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("enforce-good.test — Enforced and healthy")
            && stdout.contains("testing.test — Testing mode"),
        "{stdout}"
    );
    assert!(stdout.contains("Checked 2 domains in"), "{stdout}");
    assert!(stdout.contains("domains/s"), "{stdout}");
    let good = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("✔ good") && !l.contains("enforce-good"))
        .unwrap_or_default();
    assert!(good.trim_end().ends_with(" 1"), "{stdout}");
    // No colour on a pipe.
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    // Amber is the worst here.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_lists_and_options_say_what_to_do() {
    let s = setup(&[]).await;
    let out = run(
        check_args(&s, &["--batch", "-"]),
        Some("# nothing here\n\n"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("nothing to check"));

    let out = run(check_args(&s, &["--batch", "/nonexistent/list"]), None).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("cannot read the list /nonexistent/list"));

    let out = run(check_args(&s, &["--json", "--csv", "--batch", "-"]), None).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("--csv and --json"));

    // Batch options without --batch, or both a domain and a list: command lines that cannot
    // run, exit 3 (2 is "red" for check) with a message, and nothing checked.
    for args in [
        vec!["--csv", "enforce-good.test"],
        vec!["--concurrency", "4", "enforce-good.test"],
        vec!["--batch", "-", "enforce-good.test"],
        vec!["--batch", "-", "--concurrency", "0"],
        vec!["--no-such-option", "enforce-good.test"],
    ] {
        let out = run(check_args(&s, &args), Some("enforce-good.test\n")).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(
            stderr.contains("--"),
            "{args:?}: the message names the option: {stderr}"
        );
    }
    // Help is not an error.
    let out = run(vec!["check".into(), "--help".into()], None).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Exit status"));
}

/// The single check for people lists every address of every MX host under MX STARTTLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_check_for_people_lists_every_mx_address() {
    let s = setup(&["mx-two-addresses"]).await;
    let out = run(check_args(&s, &["mx-two-addresses.test"]), None).await;
    let stdout = text(&out.stdout);
    let good = s.world.host_ip("mx2.mx-two-addresses.test").expect("mx2");
    let bad = s
        .world
        .host_ip("mx2.mx-two-addresses.test#2")
        .expect("mx2's second address");
    let line = |ip: std::net::IpAddr| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{ip} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line(good).contains("✔ good") && line(good).contains("TLSv1.3"),
        "{stdout}"
    );
    assert!(
        line(bad).contains("✖ broken") && line(bad).contains("no STARTTLS"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(2));
}
