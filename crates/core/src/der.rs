//! DER, just enough to find a certificate's SubjectPublicKeyInfo (RFC 5280 §4.1), which TLSA
//! selector 1 matches (RFC 6698 §2.1.2). Hand-written on purpose: an X.509 crate would add far
//! more to the browser's wasm than this walk over five fields needs. Any input is safe: every
//! length is checked against what is left, and anything unexpected is `None`.
//!
//! ```text
//! Certificate  ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
//! TBSCertificate ::= SEQUENCE {
//!     version [0] EXPLICIT Version DEFAULT v1, serialNumber, signature AlgorithmIdentifier,
//!     issuer Name, validity Validity, subject Name, subjectPublicKeyInfo SubjectPublicKeyInfo, ... }
//! ```

/// One TLV: its tag, its whole encoding, and its contents.
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    contents: &'a [u8],
}

/// Reads the TLV at the start of `input`; returns it and the rest.
fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    // High-tag-number forms (tag & 0x1f == 0x1f) do not occur in these fields.
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        // Indefinite length (0x80) is not DER; more than 4 length bytes is not a certificate.
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            whole: &input[..header + len],
            contents: &rest[..len],
        },
        &rest[len..],
    ))
}

const SEQUENCE: u8 = 0x30;
/// `[0] EXPLICIT` (constructed, context-specific 0): the version.
const VERSION: u8 = 0xa0;

/// The DER of the certificate's SubjectPublicKeyInfo, tag and length included.
pub fn subject_public_key_info(cert: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = read(cert)?;
    if certificate.tag != SEQUENCE {
        return None;
    }
    let (tbs, _) = read(certificate.contents)?;
    if tbs.tag != SEQUENCE {
        return None;
    }
    let mut rest = tbs.contents;
    let (first, after) = read(rest)?;
    if first.tag == VERSION {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject.
    for _ in 0..5 {
        let (_, after) = read(rest)?;
        rest = after;
    }
    let (spki, _) = read(rest)?;
    (spki.tag == SEQUENCE).then_some(spki.whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real certificate (the testkit CA's shape: v3, EC P-256), built by hand here so the
    /// test needs no generator: the SPKI sits after five fields.
    fn cert(with_version: bool) -> (Vec<u8>, Vec<u8>) {
        let tlv = |tag: u8, body: &[u8]| {
            let mut v = vec![tag];
            if body.len() < 0x80 {
                v.push(body.len() as u8);
            } else {
                v.extend([0x82, (body.len() >> 8) as u8, body.len() as u8]);
            }
            v.extend_from_slice(body);
            v
        };
        let spki = tlv(
            0x30,
            &[tlv(0x30, &[0x06, 0x01, 0x2a]), tlv(0x03, &[0x00; 66])].concat(),
        );
        let mut tbs = Vec::new();
        if with_version {
            tbs.extend(tlv(0xa0, &tlv(0x02, &[2])));
        }
        tbs.extend(tlv(0x02, &[1, 2, 3]));
        tbs.extend(tlv(0x30, &[0x06, 0x01, 0x2a]));
        tbs.extend(tlv(0x30, &[0x31, 0x00]));
        tbs.extend(tlv(0x30, &[0x17, 0x00, 0x17, 0x00]));
        tbs.extend(tlv(0x30, &[0x31, 0x00]));
        tbs.extend(&spki);
        tbs.extend(tlv(0xa3, &[0x30, 0x00]));
        let cert = tlv(
            0x30,
            &[
                tlv(0x30, &tbs),
                tlv(0x30, &[0x06, 0x01, 0x2a]),
                tlv(0x03, &[0x00, 0x01]),
            ]
            .concat(),
        );
        (cert, spki)
    }

    #[test]
    fn finds_the_spki_with_and_without_a_version() {
        for v in [true, false] {
            let (c, spki) = cert(v);
            assert_eq!(subject_public_key_info(&c), Some(spki.as_slice()));
        }
    }

    #[test]
    fn truncated_or_garbage_input_is_none() {
        let (c, _) = cert(true);
        for n in 0..c.len() {
            let _ = subject_public_key_info(&c[..n]);
        }
        assert_eq!(
            subject_public_key_info(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(subject_public_key_info(&[0x30, 0x80, 0x00, 0x00]), None);
        assert_eq!(subject_public_key_info(b"not a certificate"), None);
    }
}
