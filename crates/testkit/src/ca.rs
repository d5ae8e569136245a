//! A test certificate authority, generated at start-up, and the leaf certificates the
//! world's hosts present: good, expired, not yet valid, for the wrong name, or self-signed.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// What certificate a host presents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertKind {
    /// Issued by the test CA for the host's name, valid for 90 days around now.
    #[default]
    Good,
    /// Issued by the test CA, expired yesterday.
    Expired,
    /// Issued by the test CA, valid from next month.
    NotYetValid,
    /// Issued by the test CA, for `wrong-name.invalid` only.
    WrongName,
    /// Self-signed for the host's name.
    SelfSigned,
    /// Good, but expires in five days.
    ExpiringSoon,
}

pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
    der: CertificateDer<'static>,
    spki: Vec<u8>,
}

/// A certificate chain and its key, ready for a rustls server.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The leaf's SubjectPublicKeyInfo (DER), for TLSA selector 1.
    pub spki: Vec<u8>,
}

impl TestCa {
    pub fn new() -> Result<Self, rcgen::Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "mtasts testkit CA (local tests only)");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(400);
        params.not_after = now + Duration::days(400);
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(TestCa {
            pem: cert.pem(),
            der: cert.der().clone(),
            spki: key.subject_public_key_info(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate, PEM (what `--ca-file` takes).
    pub fn pem(&self) -> &str {
        &self.pem
    }

    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The CA's SubjectPublicKeyInfo (DER), for a DANE-TA record naming it.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// A leaf certificate for `host` of the given kind.
    pub fn leaf(&self, host: &str, kind: CertKind) -> Result<Leaf, rcgen::Error> {
        let names = match kind {
            CertKind::WrongName => vec!["wrong-name.invalid".to_string()],
            _ => vec![host.to_string()],
        };
        let mut params = CertificateParams::new(names)?;
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            if kind == CertKind::WrongName {
                "wrong-name.invalid"
            } else {
                host
            },
        );
        params.distinguished_name = dn;
        let now = OffsetDateTime::now_utc();
        let (from, to) = match kind {
            CertKind::Expired => (now - Duration::days(90), now - Duration::days(1)),
            CertKind::NotYetValid => (now + Duration::days(30), now + Duration::days(120)),
            CertKind::ExpiringSoon => (now - Duration::days(85), now + Duration::days(5)),
            _ => (now - Duration::days(30), now + Duration::days(60)),
        };
        params.not_before = from;
        params.not_after = to;
        let key = KeyPair::generate()?;
        let cert = if kind == CertKind::SelfSigned {
            params.self_signed(&key)?
        } else {
            params.signed_by(&key, &self.issuer)?
        };
        let mut chain = vec![cert.der().clone()];
        if kind != CertKind::SelfSigned {
            chain.push(self.der.clone());
        }
        Ok(Leaf {
            chain,
            spki: key.subject_public_key_info(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        })
    }

    /// A rustls server configuration presenting a leaf of this kind for `host`.
    pub fn server_config(
        &self,
        host: &str,
        kind: CertKind,
    ) -> Result<Arc<rustls::ServerConfig>, Box<dyn std::error::Error + Send + Sync>> {
        config_for(self.leaf(host, kind)?)
    }
}

/// A rustls server configuration presenting `leaf`.
pub fn config_for(
    leaf: Leaf,
) -> Result<Arc<rustls::ServerConfig>, Box<dyn std::error::Error + Send + Sync>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(leaf.chain, leaf.key)?;
    Ok(Arc::new(config))
}
