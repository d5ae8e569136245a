//! TLS for the policy fetch (RFC 8461 §3.3) and the MX probe (§4.2): the public web PKI (the
//! Mozilla roots from `webpki-roots`, plus any `--ca-file`), SNI set to the host name, and
//! certificate facts even when validation fails.
//!
//! Two TLS clients, because no single one stands in for every sender. rustls goes first; it
//! speaks TLS 1.2 and 1.3 with AEAD suites only. Senders on OpenSSL's default suites (Postfix,
//! Exim built with OpenSSL, and MTA-STS resolvers on Debian's python3, which Debian builds to
//! use OpenSSL's list) also accept TLS 1.2 CBC suites such as `ECDHE-ECDSA-AES128-SHA` (the
//! interop suite checks Postfix and both kinds of Python), so when rustls finds no protocol or cipher in
//! common with the server, the connection is made again with the system OpenSSL, limited to
//! TLS 1.2 and newer (RFC 8461 §4.2 / RFC 8996 rule out older versions), and the facts say
//! which client negotiated what. Certificates are judged the same way whichever client ran.
//!
//! The handshake runs with a verifier that asks rustls's own WebPKI verifier, records its
//! verdict and the presented chain, and lets the handshake finish. The caller then reads the
//! recorded verdict: on failure it sends nothing over the connection (no HTTP request, only
//! QUIT for SMTP) and reports the certificate it saw. Handshake signatures are still checked by
//! the real verifier, so the facts are about the server that holds the key.

use std::path::Path;
use std::sync::{Arc, Mutex};

use mtasts_core::inputs::{CertFacts, TlsError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// An established TLS connection, whichever client made it.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The first client, named in the facts.
pub const RUSTLS: &str = mtasts_core::tls::FIRST_CLIENT;

/// Trust anchors and the crypto provider, built once.
#[derive(Clone)]
pub struct Trust {
    roots: Arc<RootCertStore>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl Trust {
    /// The public roots plus the certificates in each PEM file.
    pub fn new(ca_files: &[impl AsRef<Path>]) -> Result<Self, String> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for file in ca_files {
            let file = file.as_ref();
            let certs = CertificateDer::pem_file_iter(file)
                .map_err(|e| format!("cannot read CA file {}: {e}", file.display()))?;
            let mut n = 0;
            for cert in certs {
                let cert =
                    cert.map_err(|e| format!("bad certificate in {}: {e}", file.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("unusable CA certificate in {}: {e}", file.display()))?;
                n += 1;
            }
            if n == 0 {
                return Err(format!("{} contains no PEM certificate", file.display()));
            }
        }
        Ok(Trust {
            roots: Arc::new(roots),
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        })
    }
}

impl Trust {
    /// The WebPKI verifier both TLS clients' chains are judged by.
    fn verifier(&self) -> Result<Arc<WebPkiServerVerifier>, TlsError> {
        WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone())
            .build()
            .map_err(|e| TlsError::Handshake(format!("verifier setup: {e}")))
    }

    /// A client configuration that verifies servers against these roots, for connections the
    /// program makes for itself (an IMAP mailbox), not for judging a server.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        Ok(
            rustls::ClientConfig::builder_with_provider(self.provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(self.roots.clone())
                .with_no_client_auth(),
        )
    }

    /// Adds the certificates of a PEM text (the demo world's CA).
    pub fn add_pem(&mut self, pem: &str) -> Result<(), String> {
        let roots = Arc::make_mut(&mut self.roots);
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("bad certificate: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("unusable CA certificate: {e}"))?;
        }
        Ok(())
    }
}

/// What the handshake saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub chain: Vec<CertificateDer<'static>>,
    pub verdict: Option<Result<(), Error>>,
}

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<Mutex<Seen>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ());
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        seen.verdict = Some(verdict);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The outcome of a handshake.
pub struct Handshake {
    pub stream: Option<Box<dyn Stream>>,
    /// `None` when the certificate validated.
    pub error: Option<TlsError>,
    pub version: Option<String>,
    /// The negotiated cipher suite, as the client that made the connection names it.
    pub cipher: Option<String>,
    /// Which TLS client made the connection (or tried last).
    pub client: String,
    pub certificate: Option<CertFacts>,
    /// The certificates the server presented, leaf first (DER), for DANE.
    pub chain: Vec<Vec<u8>>,
    /// rustls and the server had no protocol version or cipher suite in common (a
    /// `handshake_failure`, `protocol_version` or `insufficient_security` alert, or rustls's
    /// own "peer incompatible"): the one case where the second client is tried. Anything else
    /// (a misbehaving peer, garbage instead of TLS) is judged on rustls's word.
    incompatible: bool,
    /// The second client was still connecting when the check's time ran out: the first
    /// client's facts stand, and the caller reports a timeout (nothing is proven either way).
    pub timed_out: bool,
}

impl Handshake {
    fn failed(client: &str, e: TlsError) -> Self {
        Handshake {
            stream: None,
            error: Some(e),
            version: None,
            cipher: None,
            client: client.to_string(),
            certificate: None,
            chain: Vec::new(),
            incompatible: false,
            timed_out: false,
        }
    }

    /// True when the handshake itself failed (no protocol version or cipher suite in
    /// common), as opposed to a certificate problem, which both clients would judge alike.
    pub fn wants_other_client(&self) -> bool {
        self.stream.is_none() && self.incompatible
    }
}

/// Connects with rustls over `tcp`; if that finds nothing in common with the server, calls
/// `reconnect` for a fresh connection at the same point of the protocol and tries OpenSSL.
/// When both fail, the first client's classification stands (so TLS 1.0/1.1-only servers are
/// judged as before) and the message says what OpenSSL said. The second attempt ends at
/// `deadline` (the whole fetch's or probe's), so a slow retry cannot lose the first client's
/// facts to the caller's own time limit: it comes back `timed_out` with them.
pub async fn negotiate<F, Fut>(
    trust: &Trust,
    tcp: TcpStream,
    host: &str,
    deadline: tokio::time::Instant,
    reconnect: F,
) -> Handshake
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<TcpStream, String>>,
{
    let first = handshake(trust, tcp, host).await;
    if !first.wants_other_client() {
        return first;
    }
    let retry = async {
        match reconnect().await {
            Ok(tcp) => handshake_openssl(trust, tcp, host).await,
            Err(why) => Handshake::failed(&openssl_name(), TlsError::Handshake(why)),
        }
    };
    let Ok(second) = tokio::time::timeout_at(deadline, retry).await else {
        let why = match &first.error {
            Some(TlsError::Handshake(why)) => format!("{why}; "),
            _ => String::new(),
        };
        return Handshake {
            error: Some(TlsError::Handshake(format!(
                "{why}{} got no answer before the time limit",
                openssl_name()
            ))),
            timed_out: true,
            ..first
        };
    };
    if second.stream.is_some() {
        return second;
    }
    let also = match &second.error {
        Some(TlsError::Handshake(why)) => why.clone(),
        Some(TlsError::ProtocolVersion) => "no TLS version in common".into(),
        Some(other) => format!("{other:?}"),
        None => "no connection".into(),
    };
    let error = match first.error {
        Some(TlsError::Handshake(why)) => {
            TlsError::Handshake(format!("{why}; {} also failed: {also}", second.client))
        }
        other => other.unwrap_or(TlsError::Handshake(also)),
    };
    Handshake {
        error: Some(error),
        certificate: first.certificate.or(second.certificate),
        ..first
    }
}

/// "OpenSSL 3.0.x", the version the binary runs with.
pub fn openssl_name() -> String {
    let v = openssl::version::version();
    // "OpenSSL 3.0.17 1 Jul 2025" -> "OpenSSL 3.0.17"
    v.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// Runs a TLS handshake with the system OpenSSL, at least TLS 1.2, with OpenSSL's default
/// cipher list (which, like Postfix's default "medium" grade, includes the CBC suites). The
/// chain is then judged by the same WebPKI verifier as rustls uses; OpenSSL itself checks the
/// handshake signature, so the facts are about the server that holds the key.
pub async fn handshake_openssl(trust: &Trust, tcp: TcpStream, host: &str) -> Handshake {
    let client = openssl_name();
    let fail = |e: String| Handshake::failed(&client, TlsError::Handshake(e));
    let ssl = (|| -> Result<openssl::ssl::Ssl, openssl::error::ErrorStack> {
        let mut b = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client())?;
        b.set_min_proto_version(Some(openssl::ssl::SslVersion::TLS1_2))?;
        // Postfix's default for mandatory TLS ("medium" grade, `tls_medium_cipherlist`), not
        // the `openssl` crate's own list (which drops 3DES and others Postfix still accepts).
        // The security level stays the system's, as it does for Postfix on the same host.
        b.set_cipher_list("aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH")?;
        // Verified below by the same WebPKI code as the first client.
        b.set_verify(openssl::ssl::SslVerifyMode::NONE);
        let mut cfg = b.build().configure()?;
        cfg.set_verify_hostname(false);
        cfg.into_ssl(host)
    })();
    let ssl = match ssl {
        Ok(s) => s,
        Err(e) => return fail(format!("OpenSSL setup: {e}")),
    };
    let mut stream = match tokio_openssl::SslStream::new(ssl, tcp) {
        Ok(s) => s,
        Err(e) => return fail(format!("OpenSSL setup: {e}")),
    };
    if let Err(e) = std::pin::Pin::new(&mut stream).connect().await {
        let why = e
            .ssl_error()
            .and_then(|s| {
                s.errors()
                    .first()
                    .and_then(|e| e.reason().map(str::to_string))
            })
            .unwrap_or_else(|| e.to_string());
        // Only OpenSSL's protocol-version reasons; "wrong version number" is what it says
        // about bytes that are not TLS at all, a handshake failure.
        let error = if [
            "unsupported protocol",
            "alert protocol version",
            "no protocols available",
        ]
        .iter()
        .any(|r| why.contains(r))
        {
            TlsError::ProtocolVersion
        } else {
            TlsError::Handshake(why)
        };
        return Handshake::failed(&client, error);
    }
    let ssl = stream.ssl();
    let version = Some(ssl.version_str().to_string());
    let cipher = ssl.current_cipher().map(|c| c.name().to_string());
    let chain: Vec<CertificateDer<'static>> = ssl
        .peer_cert_chain()
        .map(|c| {
            c.iter()
                .filter_map(|x| x.to_der().ok())
                .map(CertificateDer::from)
                .collect()
        })
        .unwrap_or_default();
    let certificate = chain.first().and_then(|c| cert_facts(c));
    let error = match chain.split_first() {
        None => Some(TlsError::Handshake("the server sent no certificate".into())),
        Some((leaf, rest)) => verify(trust, leaf, rest, host).err(),
    };
    Handshake {
        stream: Some(Box::new(stream)),
        error,
        version,
        cipher,
        client,
        certificate,
        chain: chain.iter().map(|c| c.to_vec()).collect(),
        incompatible: false,
        timed_out: false,
    }
}

/// Positions in `chain` (above the leaf) that the leaf chains up to by signature: for each
/// certificate `k`, the leaf is verified by WebPKI with `chain[k]` as the only trust anchor and
/// the certificates between as intermediates. What a DANE-TA record needs (RFC 7672 §3.1.2):
/// the trust anchor is the domain's own, not a public root, so this ignores the roots.
pub fn chains_to(trust: &Trust, chain: &[Vec<u8>]) -> Vec<usize> {
    let Some(leaf) = chain.first() else {
        return Vec::new();
    };
    let leaf = CertificateDer::from(leaf.as_slice());
    let Ok(ee) = webpki::EndEntityCert::try_from(&leaf) else {
        return Vec::new();
    };
    let algs = trust.provider.signature_verification_algorithms.all;
    let mut out = Vec::new();
    for k in 1..chain.len() {
        let anchor_der = CertificateDer::from(chain[k].as_slice());
        let Ok(anchor) = webpki::anchor_from_trusted_cert(&anchor_der) else {
            continue;
        };
        let between: Vec<CertificateDer<'_>> = chain[1..k]
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let ok = ee
            .verify_for_usage(
                algs,
                &[anchor],
                &between,
                UnixTime::now(),
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .is_ok();
        if ok {
            out.push(k);
        }
    }
    out
}

/// Judges a presented chain as rustls's WebPKI verifier does, outside a handshake.
fn verify(
    trust: &Trust,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    host: &str,
) -> Result<(), TlsError> {
    let verifier = trust.verifier()?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| TlsError::Handshake(format!("{host} is not a valid TLS server name")))?;
    verifier
        .verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| classify(&e))
}

/// Runs a TLS handshake over `tcp` with SNI `host`.
pub async fn handshake(trust: &Trust, tcp: TcpStream, host: &str) -> Handshake {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let fail = |e: TlsError| Handshake::failed(RUSTLS, e);
    let inner = match trust.verifier() {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let verifier = Arc::new(Recording {
        inner,
        seen: seen.clone(),
    });
    let config = match rustls::ClientConfig::builder_with_provider(trust.provider.clone())
        .with_safe_default_protocol_versions()
    {
        Ok(b) => b
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth(),
        Err(e) => return fail(TlsError::Handshake(e.to_string())),
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return fail(TlsError::Handshake(format!(
            "{host} is not a valid TLS server name"
        )));
    };
    let result = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await;
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
    let certificate = seen.chain.first().and_then(|c| cert_facts(c));
    match result {
        Ok(stream) => {
            let version = stream.get_ref().1.protocol_version().map(|v| match v {
                rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
                rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
                other => format!("{other:?}"),
            });
            let cipher = stream
                .get_ref()
                .1
                .negotiated_cipher_suite()
                .map(|c| format!("{:?}", c.suite()));
            let error = match seen.verdict {
                Some(Ok(())) => None,
                Some(Err(e)) => Some(classify(&e)),
                None => Some(TlsError::Handshake("the server sent no certificate".into())),
            };
            Handshake {
                stream: Some(Box::new(stream)),
                error,
                version,
                cipher,
                client: RUSTLS.to_string(),
                certificate,
                chain: seen.chain.iter().map(|c| c.to_vec()).collect(),
                incompatible: false,
                timed_out: false,
            }
        }
        Err(e) => {
            let error = seen
                .verdict
                .and_then(|v| v.err())
                .map(|e| classify(&e))
                .unwrap_or_else(
                    || match e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
                        Some(inner) => classify(inner),
                        None => TlsError::Handshake(e.to_string()),
                    },
                );
            let inner = e.get_ref().and_then(|i| i.downcast_ref::<Error>());
            let incompatible = matches!(
                inner,
                Some(Error::PeerIncompatible(_))
                    | Some(Error::AlertReceived(
                        rustls::AlertDescription::HandshakeFailure
                            | rustls::AlertDescription::ProtocolVersion
                            | rustls::AlertDescription::InsufficientSecurity
                    ))
            );
            Handshake {
                certificate,
                chain: seen.chain.iter().map(|c| c.to_vec()).collect(),
                incompatible,
                ..Handshake::failed(RUSTLS, error)
            }
        }
    }
}

/// Maps a rustls error to the checker's classification.
pub fn classify(e: &Error) -> TlsError {
    match e {
        Error::InvalidCertificate(c) => match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsError::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsError::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsError::NameMismatch
            }
            CertificateError::UnknownIssuer => TlsError::Untrusted(
                "issued by an unknown CA, or self-signed, or the chain is incomplete".into(),
            ),
            other => TlsError::Untrusted(format!("{other:?}")),
        },
        Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
        | Error::PeerIncompatible(_) => TlsError::ProtocolVersion,
        other => TlsError::Handshake(other.to_string()),
    }
}

/// Subject, DNS names, issuer and validity of a DER certificate.
pub fn cert_facts(der: &CertificateDer<'_>) -> Option<CertFacts> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let dns_names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    x509_parser::extensions::GeneralName::DNSName(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(CertFacts {
        subject: Some(cert.subject().to_string()),
        dns_names,
        issuer: Some(cert.issuer().to_string()),
        not_before: Some(cert.validity().not_before.timestamp()),
        not_after: Some(cert.validity().not_after.timestamp()),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A server that answers rustls's ClientHello with a `handshake_failure` alert (nothing in
    /// common) and then, on the second client's connection, never says anything: the retry
    /// must end at the check's deadline with the first client's verdict kept, not hang until
    /// the caller's own time limit throws every fact away.
    #[tokio::test]
    async fn a_stalled_retry_ends_at_the_deadline_and_keeps_the_first_clients_facts() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut first, _) = listener.accept().await.unwrap();
            let mut hello = [0u8; 512];
            let _ = first.read(&mut hello).await;
            // TLS 1.2 record: alert, fatal (2), handshake_failure (40).
            first
                .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
                .await
                .unwrap();
            let (silent, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop((first, silent));
        });
        let trust = Trust::new(&[] as &[&str]).unwrap();
        let tcp = TcpStream::connect(addr).await.unwrap();
        let started = tokio::time::Instant::now();
        let deadline = started + Duration::from_millis(400);
        let hs = negotiate(
            &trust,
            tcp,
            "mta-sts.example.com",
            deadline,
            || async move { TcpStream::connect(addr).await.map_err(|e| e.to_string()) },
        )
        .await;
        assert!(hs.timed_out, "the retry was not cut at the deadline");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "negotiate ran {:?} past a 400 ms deadline",
            started.elapsed()
        );
        assert!(hs.stream.is_none());
        assert_eq!(hs.client, RUSTLS, "the first client's facts are kept");
        match hs.error {
            Some(TlsError::Handshake(why)) => {
                assert!(why.contains("got no answer before the time limit"), "{why}")
            }
            other => panic!("expected a handshake error naming the timeout, got {other:?}"),
        }
        server.abort();
    }
}
