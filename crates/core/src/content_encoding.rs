//! Content codings on a fetched policy (RFC 9110 §8.4). The fetch asks for none, but servers
//! (nginx with `gzip_static`, for one) may compress anyway. gzip and deflate are undone the way
//! the HTTP clients of common MTA-STS resolvers undo them, so the policy is judged as those
//! senders read it; the unrequested coding itself is reported (`policy_fetch.content_encoding`).
//! Anything else cannot be read.

use std::borrow::Cow;

use crate::inputs::{FetchOutcome, PolicyFetch};
use crate::policy::MAX_POLICY_SIZE;

/// A policy body as senders would read it.
#[derive(Debug, PartialEq, Eq)]
pub enum Body<'a> {
    /// No coding (or `identity`): the bytes as sent.
    AsSent(&'a [u8]),
    /// Decoded from `coding`; `cut` when it expanded past the size limit.
    Decoded {
        bytes: Vec<u8>,
        coding: String,
        cut: bool,
    },
    /// A coding that could not be undone, and why.
    Unreadable(String),
}

impl Body<'_> {
    pub fn bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Body::AsSent(b) => Some(Cow::Borrowed(b)),
            Body::Decoded { bytes, .. } => Some(Cow::Borrowed(bytes)),
            Body::Unreadable(_) => None,
        }
    }
}

/// The body of a 200 response, decoded; `None` for any other outcome.
pub fn policy_body(fetch: &PolicyFetch) -> Option<Body<'_>> {
    match (&fetch.outcome, fetch.status, fetch.body.as_deref()) {
        (FetchOutcome::Response, Some(200), Some(b)) => {
            Some(decode(fetch.content_encoding.as_deref(), b))
        }
        _ => None,
    }
}

/// Undoes `coding` (a `Content-Encoding` value) on `body`.
pub fn decode<'a>(coding: Option<&str>, body: &'a [u8]) -> Body<'a> {
    let codings: Vec<String> = coding
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    match codings.as_slice() {
        [] => Body::AsSent(body),
        [one] => match inflate(one, body) {
            Ok((bytes, cut)) => Body::Decoded {
                bytes,
                coding: one.clone(),
                cut,
            },
            Err(why) => Body::Unreadable(why),
        },
        more => Body::Unreadable(format!(
            "the policy was encoded {} times ({}); senders read no policy from that",
            more.len(),
            more.join(", ")
        )),
    }
}

#[cfg(feature = "gzip")]
fn inflate(coding: &str, body: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let r = match coding {
        "gzip" | "x-gzip" => {
            let r = crate::inflate::gunzip(body, MAX_POLICY_SIZE)?;
            if r.consumed < body.len() {
                return Err(format!(
                    "the gzip data is damaged: {} bytes after it are not gzip",
                    body.len() - r.consumed
                ));
            }
            r
        }
        "deflate" => crate::inflate::deflate(body, MAX_POLICY_SIZE)?,
        other => {
            return Err(format!(
                "\"{other}\" is not a coding senders undo (only gzip and deflate are)"
            ))
        }
    };
    Ok((r.bytes, r.cut))
}

#[cfg(not(feature = "gzip"))]
fn inflate(coding: &str, _body: &[u8]) -> Result<(Vec<u8>, bool), String> {
    Err(format!("this build cannot undo \"{coding}\""))
}

#[cfg(all(test, feature = "gzip"))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_deflate_are_undone_others_are_not() {
        let text = b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 604800\r\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        let z = z.finish().unwrap();
        for (coding, body) in [
            ("gzip", &gz),
            ("x-gzip", &gz),
            ("GZIP", &gz),
            ("deflate", &z),
        ] {
            match decode(Some(coding), body) {
                Body::Decoded { bytes, cut, .. } => {
                    assert_eq!(bytes, text, "{coding}");
                    assert!(!cut);
                }
                other => panic!("{coding}: {other:?}"),
            }
        }
        assert_eq!(decode(None, text), Body::AsSent(text));
        assert_eq!(decode(Some("identity"), text), Body::AsSent(text));
        assert!(matches!(decode(Some("br"), text), Body::Unreadable(_)));
        assert!(matches!(decode(Some("gzip"), text), Body::Unreadable(_)));
        assert!(matches!(
            decode(Some("gzip, gzip"), &gz),
            Body::Unreadable(_)
        ));
    }
}
