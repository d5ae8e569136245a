//! `mtasts reports import PATH…`: TLS-RPT reports from files, messages, mbox files and Maildir
//! folders ([`mtasts::import`]) into the store, each said in one line; what cannot be read is
//! copied aside with the reason beside it.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
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
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files and directories to read
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where reports that cannot be read are copied, each with a .reason.txt beside it
    /// [default: the data directory's rejected/]
    #[arg(long, value_name = "DIR")]
    pub rejected: Option<PathBuf>,
    /// The most a report may expand to once decompressed; bytes
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_size: u64,
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
    let ReportsCommand::Import(args) = cmd;
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
    match rt.block_on(import_all(&args, json)) {
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

/// Stores what is pending in one transaction, then says what became of each.
async fn flush(
    store: &mtasts_store::Store,
    pending: &mut Vec<(String, NewReport)>,
    now: i64,
    t: &mut Tally,
    say: &impl Fn(serde_json::Value, String),
) -> Result<(), String> {
    if pending.is_empty() {
        return Ok(());
    }
    let items: Vec<(&NewReport, &str, i64)> =
        pending.iter().map(|(_, r)| (r, "import", now)).collect();
    let done = store.insert_reports(&items).await.map_err(|e| {
        format!(
            "{e}; the last {} reports read were not stored",
            pending.len()
        )
    })?;
    for ((origin, r), i) in pending.drain(..).zip(done) {
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
            r.day.as_deref().unwrap_or("no date"),
            domains.join(", ")
        );
        if i.duplicate {
            t.duplicates += 1;
            say(
                serde_json::json!({"origin": origin, "outcome": "duplicate", "id": i.id}),
                format!("stored before {what}  ← {origin}"),
            );
        } else {
            t.stored += 1;
            say(
                serde_json::json!({"origin": origin, "outcome": "stored", "id": i.id}),
                format!("stored    {what}  ← {origin}"),
            );
        }
    }
    Ok(())
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
    let file = dir.join(format!("{stamp}-{}-{n}", std::process::id()));
    std::fs::write(&file, bytes).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let note = file.with_extension("reason.txt");
    std::fs::write(&note, format!("from: {origin}\nreason: {reason}\n"))
        .map_err(|e| format!("cannot write {}: {e}", note.display()))?;
    Ok(file)
}

async fn import_all(args: &ImportArgs, json: bool) -> Result<Tally, String> {
    let store = args.store.open().await?;
    let rejected = args
        .rejected
        .clone()
        .unwrap_or_else(|| super::store_args::data_dir().join("rejected"));
    let mut t = Tally::default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let say = |v: serde_json::Value, text: String| {
        if json {
            println!("{v}");
        } else {
            println!("{}", super::render::safe(&text));
        }
    };
    let mut pending: Vec<(String, NewReport)> = Vec::new();
    for path in &args.paths {
        let mut found = Vec::new();
        if let Err(e) = import::scan(path, &mut found) {
            return Err(format!("cannot read {}: {e}", path.display()));
        }
        for f in found {
            let origin = f.origin().to_string();
            let (bytes, reason) = match f {
                Found::Skipped { reason, .. } => {
                    t.skipped += 1;
                    say(
                        serde_json::json!({"origin": origin, "outcome": "skipped", "reason": reason}),
                        format!("skipped   {origin}: {reason}"),
                    );
                    continue;
                }
                Found::Broken { bytes, reason, .. } => (bytes, reason),
                Found::Report {
                    bytes, media_type, ..
                } => match NewReport::read(bytes.clone(), media_type, args.max_size) {
                    Ok(r) => {
                        pending.push((origin, r));
                        if pending.len() >= BATCH {
                            flush(&store, &mut pending, now, &mut t, &say).await?;
                        }
                        continue;
                    }
                    Err(refusal) => (bytes, refusal.message),
                },
            };
            t.rejected += 1;
            let file = keep_aside(&rejected, t.rejected, &origin, &bytes, &reason)?;
            say(
                serde_json::json!({"origin": origin, "outcome": "rejected", "reason": reason, "kept": file.display().to_string()}),
                format!(
                    "KEPT ASIDE {origin}: {reason} (copied to {})",
                    file.display()
                ),
            );
        }
    }
    flush(&store, &mut pending, now, &mut t, &say).await?;
    store.close().await;
    eprintln!(
        "{} stored, {} stored before, {} messages without a report, {} kept aside{}",
        t.stored,
        t.duplicates,
        t.skipped,
        t.rejected,
        if t.rejected > 0 {
            format!(" in {}", rejected.display())
        } else {
            String::new()
        }
    );
    Ok(t)
}
