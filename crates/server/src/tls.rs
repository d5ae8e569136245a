//! TLS for the policy fetch (RFC 8461 §3.3) and the MX probe (§4.2): the public web PKI (the
//! Mozilla roots from `webpki-roots`, plus any `--ca-file`), SNI set to the host name, and
//! certificate facts even when validation fails.
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
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

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
    pub stream: Option<TlsStream<TcpStream>>,
    /// `None` when the certificate validated.
    pub error: Option<TlsError>,
    pub version: Option<String>,
    pub certificate: Option<CertFacts>,
}

/// Runs a TLS handshake over `tcp` with SNI `host`.
pub async fn handshake(trust: &Trust, tcp: TcpStream, host: &str) -> Handshake {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let fail = |e: TlsError| Handshake {
        stream: None,
        error: Some(e),
        version: None,
        certificate: None,
    };
    let inner = match WebPkiServerVerifier::builder_with_provider(
        trust.roots.clone(),
        trust.provider.clone(),
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => return fail(TlsError::Handshake(format!("verifier setup: {e}"))),
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
            let error = match seen.verdict {
                Some(Ok(())) => None,
                Some(Err(e)) => Some(classify(&e)),
                None => Some(TlsError::Handshake("the server sent no certificate".into())),
            };
            Handshake {
                stream: Some(stream),
                error,
                version,
                certificate,
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
            Handshake {
                stream: None,
                error: Some(error),
                version: None,
                certificate,
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
