//! Brotli and gzip siblings (`app.wasm.br`, `app.wasm.gz`) for the built web app, written once
//! next to each file so [`crate::web`] serves them without compressing per request. Trunk does
//! not write them; `mtasts serve` does, in the background, the first time it sees a build.
//! Each sibling is written to a temporary name and renamed, so a half-written file is never
//! served; an up-to-date sibling is left alone.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

/// Files worth compressing (text and wasm); images and fonts are compressed already.
pub(crate) fn worth_it(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "mjs" | "css" | "wasm" | "json" | "svg" | "txt" | "map")
    )
}

/// Whether a sibling written at `sibling` is the compressed form of a file changed at
/// `source`: it must be at least as new (an older one belongs to an earlier build).
pub(crate) fn is_current(sibling: Option<SystemTime>, source: Option<SystemTime>) -> bool {
    matches!((sibling, source), (Some(s), Some(f)) if s >= f)
}

fn fresh(sibling: &Path, source: &std::fs::Metadata) -> bool {
    let written = std::fs::metadata(sibling).and_then(|m| m.modified()).ok();
    is_current(written, source.modified().ok())
}

/// The extension of a sibling being written (renamed into place when whole; never served).
pub(crate) const TMP_EXT: &str = "tmp-precompress";

fn write_atomic(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = target.with_extension(TMP_EXT);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, target)
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        // Quality 11, window 22: the smallest output; done once per build, not per request.
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        // Writing to a Vec cannot fail.
        let _ = w.write_all(bytes);
    }
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = w.write_all(bytes);
    w.finish().unwrap_or_default()
}

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub raw: u64,
    pub brotli: u64,
}

/// Writes missing or stale `.br` and `.gz` siblings for every file under `dir`.
pub fn dir(dir: &Path) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            let meta = std::fs::metadata(&path)?;
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            if !worth_it(&path) {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let br = path.with_file_name(format!("{name}.br"));
            let gz = path.with_file_name(format!("{name}.gz"));
            let (br_fresh, gz_fresh) = (fresh(&br, &meta), fresh(&gz, &meta));
            if br_fresh && gz_fresh {
                continue;
            }
            // Each sibling on its own: one the build wrote itself is kept.
            let bytes = std::fs::read(&path)?;
            if !br_fresh {
                let b = brotli(&bytes);
                write_atomic(&br, &b)?;
                summary.brotli += b.len() as u64;
            }
            if !gz_fresh {
                write_atomic(&gz, &gzip(&bytes))?;
            }
            summary.files += 1;
            summary.raw += bytes.len() as u64;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_siblings_once_and_they_decompress() {
        let d = tempfile::tempdir().unwrap();
        let text = "body { color: red; }\n".repeat(200);
        std::fs::write(d.path().join("a.css"), &text).unwrap();
        std::fs::write(d.path().join("logo.png"), b"\x89PNG").unwrap();
        let s = dir(d.path()).unwrap();
        assert_eq!(s.files, 1, "only the css is worth compressing");
        assert!(s.brotli < s.raw / 10, "{s:?}");
        let br = std::fs::read(d.path().join("a.css.br")).unwrap();
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, text.as_bytes());
        let gz = std::fs::read(d.path().join("a.css.gz")).unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out)
            .unwrap();
        assert_eq!(out, text);
        assert!(!d.path().join("logo.png.br").exists());
        assert_eq!(dir(d.path()).unwrap().files, 0, "fresh siblings are kept");
        // A sibling the build wrote itself stays; only the missing one is made.
        std::fs::write(d.path().join("b.js"), "export {}").unwrap();
        std::fs::write(d.path().join("b.js.br"), "from the build").unwrap();
        assert_eq!(dir(d.path()).unwrap().files, 1);
        assert_eq!(
            std::fs::read(d.path().join("b.js.br")).unwrap(),
            b"from the build"
        );
        assert!(d.path().join("b.js.gz").is_file());
    }
}
