//! Reading TLS-RPT reports from the file system for `mtasts reports import`: files, and
//! directories (Maildir folders with their subfolders, or any directory, recursively). What a
//! file holds is the core's to say ([`mtasts_core::mail`]).

use std::path::{Path, PathBuf};

pub use mtasts_core::mail::{file, message, Found};

/// Everything at `path`: a file, or a directory (a Maildir when it has `cur/` and `new/`,
/// otherwise every file in it, recursively, in name order).
pub fn scan(path: &Path, out: &mut Vec<Found>) -> std::io::Result<()> {
    if path.is_dir() {
        if path.join("cur").is_dir() && path.join("new").is_dir() {
            return maildir(path, out);
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            scan(&e, out)?;
        }
        return Ok(());
    }
    let bytes = std::fs::read(path)?;
    file(&path.display().to_string(), bytes, out);
    Ok(())
}

fn maildir(path: &Path, out: &mut Vec<Found>) -> std::io::Result<()> {
    // Dovecot's Maildir++ layout: subfolders are `.Name` directories beside cur/ and new/.
    for folder in mail_parser::mailbox::maildir::FolderIterator::new(path, Some("."))? {
        let folder = folder?;
        let name = folder.name().unwrap_or("INBOX").to_string();
        let mut messages: Vec<_> = folder.collect::<std::io::Result<Vec<_>>>()?;
        messages.sort_by(|a, b| a.path().cmp(b.path()));
        for m in messages {
            let origin = format!("{} ({name})", m.path().display());
            message(&origin, m.contents(), out);
        }
    }
    Ok(())
}
