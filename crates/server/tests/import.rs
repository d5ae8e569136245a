//! `mtasts reports import` on reports in the shapes real senders mail them: a gzip attachment
//! with the RFC 8460 §5.3 headers, a JSON attachment with a date without a time zone,
//! `contact-info: null` and a failure without `sending-mta-ip`, a message with no report, a
//! broken attachment, an mbox file, a Maildir with a subfolder, and plain files.

use std::path::Path;
use std::process::Command;

use mtasts_store::reports::Days;
use mtasts_testkit::tlsrpt::messages::{broken_message, gzip_message, json_message, plain_message};
use mtasts_testkit::tlsrpt::{gzip, report};

fn write(p: &Path, s: impl AsRef<[u8]>) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

fn import(db: &str, rejected: &Path, paths: &[&Path]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mtasts"))
        .args(["reports", "import", "--database", db, "--rejected"])
        .arg(rejected)
        .args(paths)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn reports_are_imported_from_files_messages_mbox_and_maildir() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("m.db").display());
    let rejected = d.join("rejected");
    // Plain files.
    write(
        &d.join("in/a.json"),
        report("Org A", "file-1", "2026-11-01", "example.com", 10, &[]),
    );
    write(
        &d.join("in/b.json.gz"),
        gzip(&report(
            "Org B",
            "file-2",
            "2026-11-01",
            "example.com",
            10,
            &[],
        )),
    );
    // Single messages.
    write(&d.join("in/google.eml"), gzip_message("g-1", "2026-11-01"));
    write(&d.join("in/microsoft.eml"), json_message());
    write(&d.join("in/question.eml"), plain_message("A question"));
    write(&d.join("in/broken.eml"), broken_message());
    // An mbox with two messages.
    let mbox = format!(
        "From noreply@google.com Mon Nov  2 00:00:00 2026\n{}\nFrom someone@example.net Mon Nov  2 00:00:01 2026\n{}\n",
        gzip_message("g-2", "2026-11-02").replace("\r\n", "\n"),
        plain_message("Lunch?").replace("\r\n", "\n")
    );
    write(&d.join("box.mbox"), mbox);
    // A Maildir with a message in new/, one in cur/, and a subfolder.
    let md = d.join("Maildir");
    write(&md.join("new/1.host"), gzip_message("g-3", "2026-11-03"));
    write(
        &md.join("cur/2.host:2,S"),
        gzip_message("g-4", "2026-11-04"),
    );
    write(
        &md.join(".TLS-RPT/cur/3.host:2,S"),
        gzip_message("g-5", "2026-11-05"),
    );
    std::fs::create_dir_all(md.join(".TLS-RPT/new")).unwrap();
    std::fs::create_dir_all(md.join("tmp")).unwrap();

    let (code, out, err) = import(&db, &rejected, &[&d.join("in"), &d.join("box.mbox"), &md]);
    assert_eq!(code, 1, "one kept aside:\n{out}\n{err}");
    assert!(
        err.contains("8 stored, 0 stored before, 2 messages without a report, 1 kept aside"),
        "{err}"
    );
    assert!(
        out.contains("skipped") && out.contains("\"A question\""),
        "{out}"
    );
    assert!(
        out.contains("KEPT ASIDE") && out.contains("broken.eml"),
        "{out}"
    );
    // What was kept aside is there with its reason.
    let kept: Vec<_> = std::fs::read_dir(&rejected)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(kept.len(), 2, "the bytes and the reason");
    let reason = kept
        .iter()
        .find(|e| e.path().to_string_lossy().ends_with(".reason.txt"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .expect("a reason file");
    assert!(
        reason.contains("broken.eml") && reason.contains("gzip"),
        "{reason}"
    );

    // Again: everything stored before, nothing twice.
    let (_, out2, err2) = import(&db, &rejected, &[&d.join("in"), &d.join("box.mbox"), &md]);
    assert!(err2.contains("0 stored, 8 stored before"), "{out2}\n{err2}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = mtasts_store::Store::open(&db).await.unwrap();
        let list = store
            .list_reports(Some("example.com"), &Days::default(), 100)
            .await
            .unwrap();
        let mut ids: Vec<&str> = list.iter().map(|r| r.report_id.as_str()).collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "133000000000000000+example.com",
                "file-1",
                "file-2",
                "g-1",
                "g-2",
                "g-3",
                "g-4",
                "g-5"
            ],
            "{list:?}"
        );
        // The date without a zone is read as UTC; the missing sending IP is counted as such.
        let ms = list
            .iter()
            .find(|r| r.organization == "Microsoft Corporation")
            .unwrap();
        assert_eq!(ms.day.as_deref(), Some("2026-11-02"));
        let day = store.daily("example.com", &Days::default()).await.unwrap();
        let nov2 = day.iter().find(|r| r.day == "2026-11-02").unwrap();
        assert_eq!(
            nov2.by_sending_ip.get(mtasts_core::report_json::NOT_GIVEN),
            Some(&2)
        );
        let full = store.get_report(ms.id).await.unwrap().unwrap();
        assert!(
            full.findings.to_string().contains("report.contact_null"),
            "{}",
            full.findings
        );
    });
}
