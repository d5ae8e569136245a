//! `mtasts reports fetch --imap` against a real IMAP server, Debian's Dovecot, on loopback with
//! a certificate from a test PKI made by `openssl`: reports in the shapes real senders mail
//! them are stored, each message is marked only once what it held is stored, a message without
//! a report is marked and left, a broken one is kept aside and flagged, and nothing is stored
//! twice. The flags are read from Dovecot's Maildir, not through an IMAP client.

use std::path::Path;
use std::process::Command;

use mtasts_interop::dovecot::Dovecot;
use mtasts_interop::pki::{Key, Pki, Validity};
use mtasts_testkit::tlsrpt::messages::{broken_message, gzip_message, json_message, plain_message};

const PASSWORD: &str = "correct horse 42";

fn fetch(url: &str, dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mtasts"))
        .args(["reports", "fetch", "--imap", url, "--database"])
        .arg(format!("sqlite://{}", dir.join("m.db").display()))
        .arg("--rejected")
        .arg(dir.join("rejected"))
        .args(extra)
        .env("NO_COLOR", "1")
        .env_remove("MTASTS_IMAP_PASSWORD")
        .env_remove("MTASTS_CA_FILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn flags(d: &Dovecot, folder: &str) -> Vec<(String, String)> {
    d.messages(folder)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn reports_are_fetched_from_dovecot_and_marked_once_stored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = Pki::new(&d.join("pki")).unwrap();
    let cert = pki
        .leaf("imap", &["localhost"], Validity::Current, Key::Ec)
        .unwrap();
    let imap = Dovecot::start(&cert, "tlsrpt@example.com", PASSWORD).unwrap();
    imap.deliver("google", gzip_message("g-1", "2026-11-01").as_bytes())
        .unwrap();
    imap.deliver("microsoft", json_message().as_bytes())
        .unwrap();
    imap.deliver("question", plain_message("A question").as_bytes())
        .unwrap();
    imap.deliver("broken", broken_message().as_bytes()).unwrap();
    let url = format!("imaps://tlsrpt%40example.com@localhost:{}/INBOX", imap.port);
    let pw = d.join("password");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    let pw = pw.to_str().unwrap();
    let ca = pki.root.to_str().unwrap();
    let untouched = pairs(&[
        ("broken", ""),
        ("google", ""),
        ("microsoft", ""),
        ("question", ""),
    ]);

    // A certificate from a CA the public roots do not hold: refused, with what to do.
    let (code, _, err) = fetch(&url, d, &["--password-file", pw]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--ca-file"), "{err}");
    // A wrong password: refused, and the password is not repeated.
    std::fs::write(d.join("wrong"), "not it\n").unwrap();
    let wrong = d.join("wrong");
    let (code, _, err) = fetch(
        &url,
        d,
        &["--password-file", wrong.to_str().unwrap(), "--ca-file", ca],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused the login"), "{err}");
    assert!(
        err.contains("([AUTHENTICATIONFAILED] Authentication failed.)"),
        "the server's own words, not a debug dump: {err}"
    );
    assert!(!err.contains("not it"), "{err}");
    // A port that speaks plain IMAP (as port 143 does): says to use implicit TLS.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::Write;
        if let Ok((mut s, _)) = plain.accept() {
            let _ = s.write_all(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
    });
    let (code, _, err) = fetch(
        &format!("imaps://u@127.0.0.1:{plain_port}/INBOX"),
        d,
        &["--password-file", pw],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not answer with TLS"), "{err}");
    assert!(err.contains("993"), "{err}");
    // No password at all: says where to put it.
    let (code, _, err) = fetch(&url, d, &["--ca-file", ca]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--password-file"), "{err}");
    assert_eq!(flags(&imap, ""), untouched, "failed runs mark nothing");

    // The real run: two reports stored, a question skipped, a broken report kept aside.
    let (code, out, err) = fetch(&url, d, &["--password-file", pw, "--ca-file", ca]);
    assert_eq!(code, 1, "something was kept aside\n{out}\n{err}");
    assert!(err.contains("4 new messages"), "{err}");
    assert!(
        err.contains("2 stored, 0 stored before, 1 messages without a report, 1 kept aside"),
        "{err}"
    );
    assert!(out.contains("stored    Google Inc. g-1"), "{out}");
    assert!(
        out.contains("stored    Microsoft Corporation 133000000000000000+example.com"),
        "{out}"
    );
    assert!(out.contains("KEPT ASIDE"), "{out}");
    assert_eq!(
        flags(&imap, ""),
        pairs(&[
            ("broken", "FS"),
            ("google", "S"),
            ("microsoft", "S"),
            ("question", "S")
        ]),
        "stored and skipped messages seen, the broken one flagged for a human"
    );
    let kept: Vec<_> = std::fs::read_dir(d.join("rejected"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept.len(), 2, "the message and its reason: {kept:?}");

    // Again: nothing new, nothing stored twice.
    let (code, out, err) = fetch(&url, d, &["--password-file", pw, "--ca-file", ca]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("0 new messages"), "{err}");
    assert!(!out.contains("stored"), "{out}");

    // Two more, one of them a report stored before (a sender that mailed it twice); moved to a
    // folder that does not exist yet, the password from the environment.
    imap.deliver("google-again", gzip_message("g-1", "2026-11-01").as_bytes())
        .unwrap();
    imap.deliver("google-2", gzip_message("g-2", "2026-11-02").as_bytes())
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mtasts"))
        .args(["reports", "fetch", "--imap", &url, "--database"])
        .arg(format!("sqlite://{}", d.join("m.db").display()))
        .args(["--ca-file", ca, "--move-to", "Processed", "--json"])
        .env("MTASTS_IMAP_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut outcomes: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["outcome"].to_string())
        .collect();
    outcomes.sort();
    assert_eq!(outcomes, ["\"duplicate\"", "\"stored\""], "{stdout}");
    assert_eq!(
        flags(&imap, "Processed"),
        pairs(&[("google-2", "S"), ("google-again", "S")])
    );
    assert!(
        !flags(&imap, "")
            .iter()
            .any(|(n, _)| n.starts_with("google-")),
        "moved out of the INBOX"
    );
}
