//! The built app's files held in memory, each with its brotli and gzip siblings, served without
//! touching the disk: `tower_http`'s `ServeDir` opens and reads every file through the blocking
//! pool on every request, which held `mtasts serve` to 1.8k requests/s for the wasm module (now
//! 13k; nginx, measured by `scripts/staticbench.sh` on the same bytes, 10-11k). What this
//! serves:
//!
//! - `GET` and `HEAD` of a file up to [`MAX_FILE`] under `dist` (`/` and `…/` are their
//!   `index.html`); anything else (other methods, range requests, percent-encoded paths, larger
//!   files, files or compressed siblings not read yet) falls through to `ServeDir`, which stays the reference
//!   behaviour;
//! - the coding the client accepts (RFC 9110 §12.5.3: `br`, then `gzip`, then none; `q=0`
//!   refuses a coding, `*` stands for the ones not named), with `Vary: Accept-Encoding`;
//! - a strong `ETag` per coding and `Last-Modified`, and `304 Not Modified` for a matching
//!   `If-None-Match` (RFC 9110 §13.1.2) or, without it, an `If-Modified-Since` not older than
//!   the file (§13.1.3).
//!
//! The set is read again whenever a file under `dist` changes size or time (checked every
//! [`RESCAN`]), so the siblings `precompress` writes after start-up, and a rebuild, are seen.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};

use crate::precompress;

/// Files larger than this are left to `ServeDir` (range requests, no memory held).
pub const MAX_FILE: u64 = 8 * 1024 * 1024;
/// How often `dist` is checked for changes.
pub const RESCAN: Duration = Duration::from_secs(2);

struct Variant {
    bytes: Bytes,
    etag: HeaderValue,
}

struct File {
    /// `precompress` writes siblings for it (until they are read, `ServeDir` serves it).
    compressible: bool,
    content_type: HeaderValue,
    last_modified: Option<SystemTime>,
    identity: Variant,
    br: Option<Variant>,
    gzip: Option<Variant>,
}

/// What `dist` held at the last scan: `/path` → file, and the listing it was read from.
#[derive(Default)]
struct Snapshot {
    files: HashMap<String, File>,
    listing: Vec<(PathBuf, u64, Option<SystemTime>)>,
}

#[derive(Clone)]
pub struct StaticFiles {
    dist: PathBuf,
    now: Arc<RwLock<Arc<Snapshot>>>,
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64, Option<SystemTime>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            walk(&e.path(), out);
        } else if meta.is_file() {
            out.push((e.path(), meta.len(), meta.modified().ok()));
        }
    }
}

fn listing(dist: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    walk(dist, &mut out);
    out.sort();
    out
}

fn variant(bytes: Vec<u8>, tag: &str) -> Variant {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let etag = format!("\"{:016x}{tag}\"", h.finish());
    Variant {
        bytes: Bytes::from(bytes),
        // Hex digits and a plain suffix: always a valid header value.
        etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
    }
}

fn read(dist: &Path, listing: Vec<(PathBuf, u64, Option<SystemTime>)>) -> Snapshot {
    // Size and time of every file, from the listing: siblings are judged without asking the
    // disk again.
    let meta: HashMap<&Path, (u64, Option<SystemTime>)> = listing
        .iter()
        .map(|(p, len, t)| (p.as_path(), (*len, *t)))
        .collect();
    let mut files = HashMap::new();
    for (path, len, modified) in &listing {
        let name = path.to_string_lossy();
        if *len > MAX_FILE
            || name.ends_with(".br")
            || name.ends_with(".gz")
            || path.extension().is_some_and(|e| e == precompress::TMP_EXT)
        {
            continue;
        }
        let Ok(rel) = path.strip_prefix(dist) else {
            continue;
        };
        let Some(key) = rel
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()
            .map(|parts| format!("/{}", parts.join("/")))
        else {
            continue;
        };
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let sibling = |ext: &str, tag: &str| {
            let p = PathBuf::from(format!("{name}.{ext}"));
            let &(len, written) = meta.get(p.as_path())?;
            (len <= MAX_FILE && precompress::is_current(written, *modified))
                .then(|| std::fs::read(&p).ok())
                .flatten()
                .map(|b| variant(b, tag))
        };
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        files.insert(
            key,
            File {
                compressible: precompress::worth_it(path),
                content_type: HeaderValue::from_str(mime.as_ref())
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                last_modified: *modified,
                br: sibling("br", "-br"),
                gzip: sibling("gz", "-gz"),
                identity: variant(bytes, ""),
            },
        );
    }
    Snapshot { files, listing }
}

/// Whether the client accepts `coding` (RFC 9110 §12.5.3).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let mut star = false;
    for v in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(v) = v.to_str() else { continue };
        for item in v.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().ok())?
                })
                .unwrap_or(1.0);
            if name.eq_ignore_ascii_case(coding) {
                return q > 0.0;
            }
            if name == "*" {
                star = q > 0.0;
            }
        }
    }
    star
}

fn not_modified(headers: &HeaderMap, etag: &HeaderValue, modified: Option<SystemTime>) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        let Ok(inm) = inm.to_str() else { return false };
        let ours = etag.to_str().unwrap_or_default();
        return inm.trim() == "*"
            || inm
                .split(',')
                .any(|t| t.trim().trim_start_matches("W/") == ours);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    match (since, modified) {
        // HTTP dates have whole seconds.
        (Some(since), Some(m)) => {
            m.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(u64::MAX)
                <= since
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
        }
        _ => false,
    }
}

impl StaticFiles {
    /// Reads `dist` now, and again whenever it changes.
    pub fn new(dist: &Path) -> StaticFiles {
        let first = read(dist, listing(dist));
        let me = StaticFiles {
            dist: dist.to_path_buf(),
            now: Arc::new(RwLock::new(Arc::new(first))),
        };
        let watcher = me.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                loop {
                    tokio::time::sleep(RESCAN).await;
                    let w = watcher.clone();
                    let _ = tokio::task::spawn_blocking(move || w.rescan()).await;
                }
            });
        }
        me
    }

    /// Reads `dist` again if any file under it changed.
    pub fn rescan(&self) {
        let now = listing(&self.dist);
        let same = self.now.read().map(|s| s.listing == now).unwrap_or(false);
        if !same {
            let fresh = Arc::new(read(&self.dist, now));
            if let Ok(mut w) = self.now.write() {
                *w = fresh;
            }
        }
    }

    /// The response for `req` from memory, or `None` to leave it to `ServeDir`.
    pub fn respond<B>(&self, req: &Request<B>) -> Option<Response<Body>> {
        let head = req.method() == Method::HEAD;
        if !(head || req.method() == Method::GET) {
            return None;
        }
        let path = req.uri().path();
        if path.contains('%') || path.contains("/.") || req.headers().contains_key(header::RANGE) {
            return None;
        }
        let key = if path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        let snap = self.now.read().ok()?.clone();
        let file = snap.files.get(&key)?;
        let h = req.headers();
        // A sibling not read yet (precompress writes them after start-up): the disk has it.
        let missing = |v: &Option<Variant>, c| file.compressible && v.is_none() && accepts(h, c);
        if missing(&file.br, "br") || (!accepts(h, "br") && missing(&file.gzip, "gzip")) {
            return None;
        }
        let (v, coding) = match (&file.br, &file.gzip) {
            (Some(br), _) if accepts(h, "br") => (br, Some("br")),
            (_, Some(gz)) if accepts(h, "gzip") => (gz, Some("gzip")),
            _ => (&file.identity, None),
        };
        let mut resp = Response::builder()
            .header(header::CONTENT_TYPE, file.content_type.clone())
            .header(header::ETAG, v.etag.clone());
        if file.br.is_some() || file.gzip.is_some() {
            resp = resp.header(header::VARY, "accept-encoding");
        }
        if let Some(m) = file.last_modified {
            resp = resp.header(header::LAST_MODIFIED, httpdate::fmt_http_date(m));
        }
        if not_modified(h, &v.etag, file.last_modified) {
            return resp
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .ok();
        }
        if let Some(c) = coding {
            resp = resp.header(header::CONTENT_ENCODING, c);
        }
        resp = resp.header(header::CONTENT_LENGTH, v.bytes.len());
        let body = if head {
            Body::empty()
        } else {
            Body::from(v.bytes.clone())
        };
        resp.status(StatusCode::OK).body(body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder().uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn codings_are_negotiated_as_rfc_9110_says() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts(&h("gzip, br"), "br"));
        assert!(!accepts(&h("gzip, br;q=0"), "br"));
        assert!(accepts(&h("gzip, br;q=0"), "gzip"));
        assert!(accepts(&h("*"), "br"));
        assert!(!accepts(&h("*;q=0, gzip"), "br"));
        assert!(accepts(&h("BR;Q=0.5"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn files_come_from_memory_with_their_siblings_and_validators() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("index.html"), "<!doctype html>hello").unwrap();
        std::fs::create_dir(d.join("tools")).unwrap();
        std::fs::write(d.join("tools/app.wasm"), b"\0asm plain").unwrap();
        std::fs::write(d.join("tools/app.wasm.br"), b"brotli bytes").unwrap();
        let files = StaticFiles::new(d);

        let r = files.respond(&req("/", &[])).expect("index");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/html");
        assert!(r.headers().get(header::VARY).is_none());

        let r = files
            .respond(&req("/tools/app.wasm", &[("accept-encoding", "gzip, br")]))
            .expect("wasm");
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "12");
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        let etag = r.headers()[header::ETAG].clone();
        assert!(
            files
                .respond(&req("/tools/app.wasm", &[("accept-encoding", "gzip")]))
                .is_none(),
            "no gzip sibling read yet: left to ServeDir, which sees the disk"
        );
        std::fs::write(d.join("tools/app.wasm.gz"), b"gzip bytes").unwrap();
        files.rescan();
        let r = files
            .respond(&req("/tools/app.wasm", &[("accept-encoding", "gzip")]))
            .unwrap();
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_ne!(
            r.headers()[header::ETAG],
            etag,
            "each coding has its own tag"
        );
        let r = files.respond(&req("/tools/app.wasm", &[])).unwrap();
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());

        let r = files
            .respond(&req(
                "/tools/app.wasm",
                &[
                    ("accept-encoding", "br"),
                    ("if-none-match", etag.to_str().unwrap()),
                ],
            ))
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let modified = r.headers()[header::LAST_MODIFIED].clone();
        let r = files
            .respond(&req(
                "/tools/app.wasm",
                &[("if-modified-since", modified.to_str().unwrap())],
            ))
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);

        // Left to ServeDir: unknown files, other methods, encoded or dotted paths.
        assert!(files.respond(&req("/nope.js", &[])).is_none());
        assert!(files.respond(&req("/index%2ehtml", &[])).is_none());
        assert!(files.respond(&req("/tools/../index.html", &[])).is_none());
        assert!(files
            .respond(&req("/", &[("range", "bytes=0-3")]))
            .is_none());
        let post = Request::builder()
            .method(Method::POST)
            .uri("/")
            .body(())
            .unwrap();
        assert!(files.respond(&post).is_none());

        // A new file (the siblings precompress writes, a rebuild) is seen after a rescan.
        std::fs::write(d.join("late.js"), "1").unwrap();
        assert!(files.respond(&req("/late.js", &[])).is_none());
        files.rescan();
        assert!(files.respond(&req("/late.js", &[])).is_some());
    }
}
