//! Reading TLS-RPT reports from an IMAP mailbox for `mtasts reports fetch` (most senders
//! deliver reports by mail: RFC 8460 §3, `mailto:` rua). The client is `async-imap`; the
//! connection is implicit TLS (RFC 8314 §3.3, port 993 by default), verified against the public
//! roots plus any `--ca-file`, because the password crosses it.
//!
//! "New" means without the `\Seen` flag. Messages are fetched with `BODY.PEEK[]`, so reading
//! them marks nothing: the caller marks (or moves) a message only once what it held is stored,
//! and a run that fails half-way leaves the rest to the next one.

use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use futures_util::TryStreamExt;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::tls::Trust;

/// How long connecting, logging in and each command may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Where the mailbox is: `imaps://USER@HOST[:PORT][/MAILBOX]` (the RFC 5092 IMAP URL form,
/// with the user and mailbox percent-encoded where needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub mailbox: String,
}

/// Hand-written rather than `percent-encoding`'s decoder, which keeps a `%` without two hex
/// digits as it is: a mistyped URL must be refused, not read as another user or mailbox.
fn percent_decode(s: &str, what: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("the {what} has a % not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("the {what} is not UTF-8 once decoded"))
}

impl Location {
    pub fn parse(url: &str) -> Result<Location, String> {
        const HELP: &str = "write it as imaps://USER@HOST[:PORT]/MAILBOX, e.g. imaps://tlsrpt%40example.com@imap.example.com/INBOX";
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("imaps") => rest,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("imap") => {
                return Err(format!(
                "imap:// would send the password unencrypted; use imaps:// (TLS, port 993); {HELP}"
            ))
            }
            _ => return Err(format!("{url} is not an imaps:// URL; {HELP}")),
        };
        let (authority, mailbox) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, hostport) = authority
            .rsplit_once('@')
            .ok_or_else(|| format!("the URL names no user; {HELP}"))?;
        if user.is_empty() {
            return Err(format!("the URL names no user; {HELP}"));
        }
        if user.contains(':') {
            return Err("put the password in a file (--password-file) or MTASTS_IMAP_PASSWORD, not in the URL".into());
        }
        let port_of = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("{p} is not a port number; {HELP}"))
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("an IPv6 address needs its closing ]; {HELP}"))?;
            match after.strip_prefix(':') {
                Some(p) => (h, port_of(p)?),
                None if after.is_empty() => (h, 993),
                None => return Err(format!("{hostport} is not HOST[:PORT]; {HELP}")),
            }
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, port_of(p)?),
                None => (hostport, 993),
            }
        };
        if host.is_empty() {
            return Err(format!("the URL names no host; {HELP}"));
        }
        let mailbox = percent_decode(mailbox.trim_end_matches('/'), "mailbox")?;
        Ok(Location {
            user: percent_decode(user, "user")?,
            host: host.to_string(),
            port,
            mailbox: if mailbox.is_empty() {
                "INBOX".into()
            } else {
                mailbox
            },
        })
    }
}

/// `%`, `@`, `/` and `:` percent-encoded, so that the URL reads back the same.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '@' | '/' | ':' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(
            f,
            "imaps://{}@{host}:{}/{}",
            percent_encode(&self.user),
            self.port,
            percent_encode(&self.mailbox)
        )
    }
}

/// A logged-in session with the mailbox selected.
pub struct Mailbox {
    session: Session<TlsStream<TcpStream>>,
    mailbox: String,
}

/// `f`'s outcome, or "WHAT: no answer within 60s".
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(TIMEOUT, f)
        .await
        .map_err(|_| format!("{what}: no answer within {}s", TIMEOUT.as_secs()))
}

/// [`within`], with an error said as "WHAT: ERROR".
async fn timed<T, E: std::fmt::Display>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    within(what, f).await?.map_err(|e| format!("{what}: {e}"))
}

/// Why a TLS handshake with the IMAP server failed, with what to do about it.
fn tls_failure(server: &str, e: &std::io::Error) -> String {
    let text = e.to_string();
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidMessage(_)) => format!(
            "{server} does not answer with TLS: give the port of IMAP over implicit TLS (imaps, usually 993); STARTTLS on port 143 is not supported, as the password must never cross in clear text"
        ),
        _ if text.contains("CaUsedAsEndEntity") => format!(
            "{server} presents a self-signed certificate, which cannot be its own trust anchor: give the server a certificate issued by a CA (even a private one) and pass that CA with --ca-file"
        ),
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            format!("{server}'s certificate is not issued by a CA this program trusts: for a private CA, pass its certificate with --ca-file")
        }
        Some(rustls::Error::InvalidCertificate(c)) => {
            format!("{server}'s certificate is not valid for it ({c:?}); check the host name in the URL and the server's certificate")
        }
        _ => format!("TLS with {server} failed: {text}"),
    }
}

/// The server's own words in a NO or BAD answer (async-imap gives its debug form).
fn server_words(e: &async_imap::error::Error) -> String {
    use async_imap::error::Error;
    match e {
        Error::No(s) | Error::Bad(s) => s
            .split_once("info: Some(\"")
            .and_then(|(_, rest)| rest.split_once("\")"))
            .map(|(words, _)| words.replace("\\\"", "\""))
            .unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    }
}

/// A UID set for a command: `1,5,9`.
fn set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Mailbox {
    /// Connects, verifies the server's certificate, logs in and selects the mailbox.
    pub async fn open(at: &Location, password: &str, trust: &Trust) -> Result<Mailbox, String> {
        let server = format!("{}:{}", at.host, at.port);
        let tcp = timed(
            &format!("cannot connect to the IMAP server {server} (check the host and the port: implicit TLS, usually 993)"),
            TcpStream::connect((at.host.as_str(), at.port)),
        )
        .await?;
        let name = ServerName::try_from(at.host.clone())
            .map_err(|_| format!("{} is not a valid TLS server name", at.host))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(trust.client_config()?));
        let tls = within(&format!("TLS with {server}"), connector.connect(name, tcp))
            .await?
            .map_err(|e| tls_failure(&server, &e))?;
        let mut client = async_imap::Client::new(tls);
        match timed(
            &format!("{server} sent no IMAP greeting"),
            client.read_response(),
        )
        .await?
        {
            Some(_) => {}
            None => return Err(format!("{server} closed the connection before greeting")),
        }
        let mut session = within(
            &format!("{server}, asked to log in"),
            client.login(&at.user, password),
        )
        .await?
        .map_err(|(e, _)| {
            format!(
                "{server} refused the login of {} ({}); check the user and the password",
                at.user,
                server_words(&e)
            )
        })?;
        timed(
            &format!("cannot open the mailbox {:?}", at.mailbox),
            session.select(&at.mailbox),
        )
        .await?;
        Ok(Mailbox {
            session,
            mailbox: at.mailbox.clone(),
        })
    }

    /// The UIDs of the messages not seen yet, oldest first.
    pub async fn unseen(&mut self) -> Result<Vec<u32>, String> {
        let found = timed("SEARCH UNSEEN failed", self.session.uid_search("UNSEEN")).await?;
        let mut uids: Vec<u32> = found.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The whole messages with these UIDs, without marking them seen.
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, String> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(uids.len());
        let mailbox = &self.mailbox;
        let stream = timed(
            &format!("FETCH in {mailbox} failed"),
            self.session.uid_fetch(set(uids), "(UID BODY.PEEK[])"),
        )
        .await?;
        let fetched: Vec<_> =
            timed(&format!("FETCH in {mailbox} failed"), stream.try_collect()).await?;
        for f in fetched {
            if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                out.push((uid, body.to_vec()));
            }
        }
        out.sort_by_key(|(uid, _)| *uid);
        Ok(out)
    }

    /// Adds flags (`\Seen`, `\Flagged`) to these messages.
    pub async fn flag(&mut self, uids: &[u32], flags: &str) -> Result<(), String> {
        if uids.is_empty() {
            return Ok(());
        }
        let stream = timed(
            "STORE failed",
            self.session
                .uid_store(set(uids), format!("+FLAGS.SILENT ({flags})")),
        )
        .await?;
        let _: Vec<_> = timed("STORE failed", stream.try_collect()).await?;
        Ok(())
    }

    /// Moves these messages to `folder`, creating it when it does not exist yet.
    pub async fn move_to(&mut self, uids: &[u32], folder: &str) -> Result<(), String> {
        if uids.is_empty() {
            return Ok(());
        }
        let exists = {
            let list = timed("LIST failed", self.session.list(None, Some(folder))).await?;
            let names: Vec<_> = timed("LIST failed", list.try_collect()).await?;
            !names.is_empty()
        };
        if !exists {
            timed(
                &format!("cannot create the folder {folder:?}"),
                self.session.create(folder),
            )
            .await?;
        }
        timed(
            &format!("cannot move messages to {folder:?}"),
            self.session.uid_mv(set(uids), folder),
        )
        .await
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls_are_read_as_rfc_5092_writes_them() {
        let l =
            Location::parse("imaps://tlsrpt%40example.com@imap.example.com/Reports%2FTLS").unwrap();
        assert_eq!(l.user, "tlsrpt@example.com");
        assert_eq!(l.host, "imap.example.com");
        assert_eq!(l.port, 993);
        assert_eq!(l.mailbox, "Reports/TLS");
        assert_eq!(
            l.to_string(),
            "imaps://tlsrpt%40example.com@imap.example.com:993/Reports%2FTLS"
        );
        assert_eq!(Location::parse(&l.to_string()).unwrap(), l);
        let l = Location::parse("imaps://u@localhost:10993").unwrap();
        assert_eq!((l.port, l.mailbox.as_str()), (10993, "INBOX"));
        let l = Location::parse("IMAPS://u@[::1]:994/INBOX").unwrap();
        assert_eq!((l.host.as_str(), l.port), ("::1", 994));
        assert!(Location::parse("imap://u@h/INBOX")
            .unwrap_err()
            .contains("unencrypted"));
        assert!(Location::parse("imaps://u:secret@h/INBOX")
            .unwrap_err()
            .contains("--password-file"));
        assert!(Location::parse("imaps://h/INBOX")
            .unwrap_err()
            .contains("no user"));
        assert!(Location::parse("imaps://u@h:99999/").is_err());
        assert_eq!(Location::parse("imaps://u@[::1]").unwrap().port, 993);
        assert!(Location::parse("https://u@h/").is_err());
        assert!(Location::parse("imaps://u@h/%zz").is_err());
    }
}
