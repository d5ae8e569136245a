//! Finding TLS-RPT reports in what mail delivers (most senders use a `mailto:` rua, RFC 8460
//! §5.3): a `.json` or `.json.gz` file's bytes, a single message (`.eml`, MIME with an
//! `application/tlsrpt+gzip` or `+json` part) or an mbox file, read by the `mail-parser`
//! crate. Pure: the server's import (files, Maildir folders, IMAP) and the browser's report
//! tool (files the user opens) both hand it bytes, so they find the same reports.
//!
//! What a message holds that is no report is skipped with the reason; what cannot be read is
//! returned as broken, with its bytes, so the caller keeps it aside (never dropped silently).

use mail_parser::{MessageParser, MimeHeaders};

/// One thing found at a path.
#[derive(Debug)]
pub enum Found {
    /// A report's bytes (JSON or gzip) as they were attached or saved.
    Report {
        origin: String,
        bytes: Vec<u8>,
        media_type: &'static str,
    },
    /// A message with no report in it.
    Skipped { origin: String, reason: String },
    /// Something that should hold a report but cannot be read.
    Broken {
        origin: String,
        bytes: Vec<u8>,
        reason: String,
    },
}

impl Found {
    pub fn origin(&self) -> &str {
        match self {
            Found::Report { origin, .. }
            | Found::Skipped { origin, .. }
            | Found::Broken { origin, .. } => origin,
        }
    }
}

const GZIP: &str = "application/tlsrpt+gzip";
const JSON: &str = "application/tlsrpt+json";

/// What a file's first bytes say it is.
enum Kind {
    Gzip,
    Json,
    Mbox,
    Message,
}

fn sniff(bytes: &[u8]) -> Kind {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if first == Some(&b'{') {
        Kind::Json
    } else if bytes.starts_with(b"From ") {
        Kind::Mbox
    } else {
        Kind::Message
    }
}

/// One file's bytes.
pub fn file(origin: &str, bytes: Vec<u8>, out: &mut Vec<Found>) {
    match sniff(&bytes) {
        Kind::Gzip => out.push(Found::Report {
            origin: origin.to_string(),
            bytes,
            media_type: GZIP,
        }),
        Kind::Json => out.push(Found::Report {
            origin: origin.to_string(),
            bytes,
            media_type: JSON,
        }),
        Kind::Mbox => {
            let reader = std::io::BufReader::new(&bytes[..]);
            for (i, m) in mail_parser::mailbox::mbox::MessageIterator::new(reader).enumerate() {
                let origin = format!("{origin} (message {})", i + 1);
                match m {
                    Ok(m) => message(&origin, m.contents(), out),
                    Err(e) => out.push(Found::Broken {
                        origin,
                        bytes: Vec::new(),
                        reason: format!("the mbox cannot be read further: {e}"),
                    }),
                }
            }
        }
        Kind::Message => message(origin, &bytes, out),
    }
}

/// Whether a part carries a report: by its media type (RFC 8460 §5.3), or, as some senders
/// label it, a generic type with a report's file name.
fn report_part(ctype: &str, subtype: &str, name: &str) -> Option<&'static str> {
    let t = format!("{ctype}/{subtype}").to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    match t.as_str() {
        "application/tlsrpt+gzip" => Some(GZIP),
        "application/tlsrpt+json" => Some(JSON),
        "application/gzip" | "application/x-gzip" | "application/octet-stream"
            if name.ends_with(".gz") =>
        {
            Some(GZIP)
        }
        "application/json" | "application/octet-stream" | "text/plain"
            if name.ends_with(".json") =>
        {
            Some(JSON)
        }
        _ => None,
    }
}

/// The reports attached to one MIME message.
pub fn message(origin: &str, raw: &[u8], out: &mut Vec<Found>) {
    let Some(msg) = MessageParser::default().parse(raw) else {
        out.push(Found::Broken {
            origin: origin.to_string(),
            bytes: raw.to_vec(),
            reason: "not a mail message, a JSON report or a gzip file".into(),
        });
        return;
    };
    let mut found = 0;
    // The report may be the message itself (a single-part message) or one of its parts.
    let parts = std::iter::once(msg.root_part()).chain(msg.attachments());
    for part in parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let name = part.attachment_name().unwrap_or_default();
        let Some(media_type) = report_part(ct.ctype(), ct.subtype().unwrap_or_default(), name)
        else {
            continue;
        };
        found += 1;
        let bytes = part.contents().to_vec();
        let origin = if name.is_empty() {
            origin.to_string()
        } else {
            format!("{origin}: {name}")
        };
        if bytes.is_empty() {
            out.push(Found::Broken {
                origin,
                bytes: raw.to_vec(),
                reason: "the report attachment is empty".into(),
            });
            continue;
        }
        // What the bytes are decides, not the label: a gzip file labelled JSON is still gzip.
        let media_type = if bytes.starts_with(&[0x1f, 0x8b]) {
            GZIP
        } else if media_type == GZIP {
            JSON
        } else {
            media_type
        };
        out.push(Found::Report {
            origin,
            bytes,
            media_type,
        });
    }
    if found == 0 {
        let subject = msg.subject().unwrap_or("(no subject)");
        out.push(Found::Skipped {
            origin: origin.to_string(),
            reason: format!("no TLS-RPT report attached (subject: {subject:?})"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_parts_are_known_by_type_or_by_a_report_file_name() {
        assert_eq!(report_part("application", "tlsrpt+gzip", ""), Some(GZIP));
        assert_eq!(report_part("Application", "TLSRPT+JSON", ""), Some(JSON));
        assert_eq!(
            report_part(
                "application",
                "octet-stream",
                "google.com!example.com!1!2!001.json.gz"
            ),
            Some(GZIP)
        );
        assert_eq!(
            report_part("application", "json", "report.json"),
            Some(JSON)
        );
        assert_eq!(report_part("text", "plain", ""), None);
        assert_eq!(report_part("application", "pdf", "report.pdf"), None);
    }
}
