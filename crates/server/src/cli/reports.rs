//! `mtasts reports import PATH…` and `mtasts reports fetch --imap URL`: TLS-RPT reports from
//! files, messages, mbox files, Maildir folders ([`mtasts::import`]) and IMAP mailboxes
//! ([`mtasts::imap`]) into the store, each said in one line; what cannot be read is copied
//! aside with the reason beside it.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mtasts::imap::{Location, Mailbox};
use mtasts::import::{self, Found};
use mtasts_store::reports::NewReport;

use super::store_args::StoreArgs;

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Store the TLS-RPT reports in .json and .json.gz files, .eml messages, mbox files and
    /// Maildir folders (directories are read recursively).
    #[command(
        after_help = "Exit status: 0 when everything found was stored (or stored before), 1 when something was kept aside, 2 when the store cannot be used.\n\nExamples:\n  mtasts reports import ~/Maildir/.TLS-RPT\n  mtasts reports import --database postgres://ops@db/mtasts reports/*.json.gz"
    )]
    Import(ImportArgs),
    /// Store the TLS-RPT reports in the new (unseen) messages of an IMAP mailbox, then mark
    /// each message seen (or move it), and flag the ones that were kept aside.
    #[command(
        after_help = "Messages are read without marking them; a message is marked (or moved) only once what it held is stored, so a run that stops half-way leaves the rest to the next run. A message without a report is marked seen and left in place; a broken one is kept aside (see --rejected) and flagged.\n\nExit status: 0 when everything found was stored (or stored before), 1 when something was kept aside, 2 when the mailbox or the store cannot be used.\n\nExamples:\n  mtasts reports fetch --imap imaps://tlsrpt%40example.com@mail.example/INBOX \\\n      --password-file ~/.tlsrpt-password\n  mtasts reports fetch --imap imaps://reports@mail.example/TLS-RPT \\\n      --move-to TLS-RPT/Done   # password in $MTASTS_IMAP_PASSWORD"
    )]
    Fetch(FetchArgs),
}

/// Where reports go: shared by `import` and `fetch`.
#[derive(Debug, Args)]
pub struct Intake {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where reports that cannot be read are copied, each with a .reason.txt beside it
    /// [default: rejected/ beside the SQLite file, else in the data directory]
    #[arg(long, value_name = "DIR")]
    pub rejected: Option<PathBuf>,
    /// The most a report may expand to once decompressed; bytes
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_size: u64,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files and directories to read
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub intake: Intake,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The mailbox: imaps://USER@HOST[:PORT]/MAILBOX (user and mailbox percent-encoded, e.g.
    /// tlsrpt%40example.com; port 993 and INBOX by default)
    #[arg(long, value_name = "URL")]
    pub imap: String,
    /// A file holding the password (its first line); without it, the password itself is read
    /// from the environment variable MTASTS_IMAP_PASSWORD
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Move the messages whose reports were stored to this folder (created if missing)
    /// instead of only marking them seen
    #[arg(long, value_name = "FOLDER")]
    pub move_to: Option<String>,
    #[command(flatten)]
    pub trust: super::net::TrustArgs,
    #[command(flatten)]
    pub intake: Intake,
}

/// Counts for the closing line.
#[derive(Default)]
struct Tally {
    stored: usize,
    duplicates: usize,
    skipped: usize,
    rejected: usize,
}

pub fn run(cmd: ReportsCommand, json: bool) -> u8 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mtasts: cannot start: {e}");
            return 2;
        }
    };
    let done = match cmd {
        ReportsCommand::Import(args) => rt.block_on(import_all(&args, json)),
        ReportsCommand::Fetch(args) => rt.block_on(fetch(&args, json)),
    };
    match done {
        Ok(t) if t.rejected > 0 => 1,
        Ok(_) => 0,
        Err(e) => {
            eprintln!("mtasts: {}", super::render::safe(&e));
            2
        }
    }
}

/// Reports stored in one transaction (one flush to disk for all of them).
const BATCH: usize = 100;

/// Stores what it is given in batches and says what became of each.
struct Importer {
    store: mtasts_store::Store,
    rejected: PathBuf,
    max_size: u64,
    now: i64,
    json: bool,
    tally: Tally,
    pending: Vec<(String, NewReport)>,
}

/// What became of one thing found.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Taken {
    /// A report, stored at the next flush.
    Pending,
    Skipped,
    KeptAside,
}

impl Importer {
    async fn open(intake: &Intake, json: bool) -> Result<Importer, String> {
        Ok(Importer {
            store: intake.store.open().await?,
            rejected: intake
                .rejected
                .clone()
                .unwrap_or_else(|| intake.store.beside("rejected")),
            max_size: intake.max_size,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            json,
            tally: Tally::default(),
            pending: Vec::new(),
        })
    }

    fn say(&self, v: serde_json::Value, text: String) {
        if self.json {
            println!("{v}");
        } else {
            println!("{}", super::render::safe(&text));
        }
    }

    /// Takes one thing found: a report waits for the next flush (which comes by itself every
    /// [`BATCH`] reports), the rest is said at once.
    async fn take(&mut self, f: Found) -> Result<Taken, String> {
        let origin = f.origin().to_string();
        let (bytes, reason) = match f {
            Found::Skipped { reason, .. } => {
                self.tally.skipped += 1;
                self.say(
                    serde_json::json!({"origin": origin, "outcome": "skipped", "reason": reason}),
                    format!("skipped   {origin}: {reason}"),
                );
                return Ok(Taken::Skipped);
            }
            Found::Broken { bytes, reason, .. } => (bytes, reason),
            Found::Report {
                bytes, media_type, ..
            } => match NewReport::read(bytes.clone(), media_type, self.max_size) {
                Ok(r) => {
                    self.pending.push((origin, r));
                    if self.pending.len() >= BATCH {
                        self.flush().await?;
                    }
                    return Ok(Taken::Pending);
                }
                Err(refusal) => (bytes, refusal.message),
            },
        };
        self.tally.rejected += 1;
        let file = keep_aside(
            &self.rejected,
            self.tally.rejected,
            &origin,
            &bytes,
            &reason,
        )?;
        self.say(
            serde_json::json!({"origin": origin, "outcome": "rejected", "reason": reason, "kept": file.display().to_string()}),
            format!(
                "KEPT ASIDE {origin}: {reason} (copied to {})",
                file.display()
            ),
        );
        Ok(Taken::KeptAside)
    }

    /// Stores what is pending in one transaction, then says what became of each.
    async fn flush(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let items: Vec<(&NewReport, &str, i64)> = self
            .pending
            .iter()
            .map(|(_, r)| (r, "import", self.now))
            .collect();
        let done = self.store.insert_reports(&items).await.map_err(|e| {
            format!(
                "{e}; the last {} reports read were not stored",
                self.pending.len()
            )
        })?;
        let pending = std::mem::take(&mut self.pending);
        for ((origin, r), i) in pending.into_iter().zip(done) {
            let domains: Vec<&str> = r
                .summary
                .policies
                .iter()
                .filter_map(|p| p.policy_domain.as_deref())
                .collect();
            let what = format!(
                "{} {} ({}, {})",
                r.organization,
                r.report_id,
                r.day,
                domains.join(", ")
            );
            if i.duplicate {
                self.tally.duplicates += 1;
                self.say(
                    serde_json::json!({"origin": origin, "outcome": "duplicate", "id": i.id}),
                    format!("stored before {what}  ← {origin}"),
                );
            } else {
                self.tally.stored += 1;
                self.say(
                    serde_json::json!({"origin": origin, "outcome": "stored", "id": i.id}),
                    format!("stored    {what}  ← {origin}"),
                );
            }
        }
        Ok(())
    }

    /// Stores the rest, closes the store and says the totals.
    async fn finish(mut self) -> Result<Tally, String> {
        self.flush().await?;
        self.store.close().await;
        let t = self.tally;
        eprintln!(
            "{} stored, {} stored before, {} messages without a report, {} kept aside{}",
            t.stored,
            t.duplicates,
            t.skipped,
            t.rejected,
            if t.rejected > 0 {
                format!(" in {}", self.rejected.display())
            } else {
                String::new()
            }
        );
        Ok(t)
    }
}
/// The name of what `origin` names, safe for a file name ("google.com!example.com!r1.json.gz"
/// of "…/INBOX UID 6: google.com!example.com!r1.json.gz"), so the copy keeps it.
fn aside_name(origin: &str) -> String {
    let last = origin
        .rsplit(['/', ' '])
        .find(|p| !p.is_empty() && *p != "(" && !p.ends_with(')'))
        .unwrap_or("report");
    let clean: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._!-+@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    if clean.is_empty() {
        "report".into()
    } else {
        clean.chars().take(80).collect()
    }
}

/// Copies something unreadable aside with its reason; returns where.
fn keep_aside(
    dir: &Path,
    n: usize,
    origin: &str,
    bytes: &[u8],
    reason: &str,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let file = dir.join(format!(
        "{stamp}-{}-{n}-{}",
        std::process::id(),
        aside_name(origin)
    ));
    std::fs::write(&file, bytes).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let note = file.with_extension("reason.txt");
    std::fs::write(&note, format!("from: {origin}\nreason: {reason}\n"))
        .map_err(|e| format!("cannot write {}: {e}", note.display()))?;
    Ok(file)
}

async fn import_all(args: &ImportArgs, json: bool) -> Result<Tally, String> {
    let mut importer = Importer::open(&args.intake, json).await?;
    for path in &args.paths {
        let mut found = Vec::new();
        if let Err(e) = import::scan(path, &mut found) {
            return Err(format!("cannot read {}: {e}", path.display()));
        }
        for f in found {
            importer.take(f).await?;
        }
    }
    importer.finish().await
}

/// The password: the first line of `--password-file`, or `MTASTS_IMAP_PASSWORD`.
fn password(args: &FetchArgs) -> Result<String, String> {
    if let Some(file) = &args.password_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read the password file {}: {e}", file.display()))?;
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(format!("the password file {} is empty", file.display()));
        }
        return Ok(line.to_string());
    }
    match std::env::var("MTASTS_IMAP_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => Err("no password: give it with --password-file FILE or in MTASTS_IMAP_PASSWORD (never in the URL)".into()),
    }
}

/// Messages fetched and stored at a time: what was stored is marked before the next batch.
const MESSAGES: usize = 100;

async fn fetch(args: &FetchArgs, json: bool) -> Result<Tally, String> {
    let at = Location::parse(&args.imap)?;
    let password = password(args)?;
    let trust = args.trust.trust()?;
    let mut importer = Importer::open(&args.intake, json).await?;
    let mut mailbox = Mailbox::open(&at, &password, &trust).await?;
    let uids = mailbox.unseen().await?;
    eprintln!("{} new messages in {at}", uids.len());
    for batch in uids.chunks(MESSAGES) {
        let mut stored = Vec::new();
        let mut seen = Vec::new();
        let mut aside = Vec::new();
        for (uid, raw) in mailbox.fetch(batch).await? {
            let mut found = Vec::new();
            import::message(&format!("{at} UID {uid}"), &raw, &mut found);
            let mut taken = Vec::new();
            for f in found {
                taken.push(importer.take(f).await?);
            }
            if taken.contains(&Taken::KeptAside) {
                aside.push(uid);
            } else if taken.contains(&Taken::Pending) {
                stored.push(uid);
            } else {
                seen.push(uid);
            }
        }
        // Stored first; only then is anything marked.
        importer.flush().await?;
        mailbox
            .flag(&[stored.as_slice(), &seen].concat(), "\\Seen")
            .await?;
        if let Some(folder) = &args.move_to {
            mailbox.move_to(&stored, folder).await?;
        }
        mailbox.flag(&aside, "\\Seen \\Flagged").await?;
    }
    mailbox.logout().await;
    importer.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_aside_copies_keep_the_name_they_came_with() {
        assert_eq!(
            aside_name("imaps://u%40x@h:993/INBOX UID 6: google.com!example.com!r1.json.gz"),
            "google.com!example.com!r1.json.gz"
        );
        assert_eq!(aside_name("/tmp/in/bad report.json"), "report.json");
        assert_eq!(
            aside_name("/home/m/Maildir/cur/17.host:2,S (INBOX)"),
            "17.host_2_S"
        );
        assert_eq!(aside_name("../.."), "report");
        let store = |url: &str| StoreArgs {
            database: Some(url.into()),
        };
        assert_eq!(
            store("sqlite:///var/lib/mtasts/m.db?mode=rwc").beside("rejected"),
            PathBuf::from("/var/lib/mtasts/rejected")
        );
        assert_eq!(
            store("sqlite://m.db").beside("rejected"),
            PathBuf::from("rejected")
        );
        assert!(store("postgres://u@h/db")
            .beside("rejected")
            .ends_with("mtasts/rejected"));
    }
}
