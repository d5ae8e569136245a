//! DANE for SMTP (RFC 7672, with RFC 7671's operational rules): where an MX host publishes
//! TLSA records at `_25._tcp.<mx>` in a DNSSEC-validated answer, senders that validate DNSSEC
//! authenticate the host by them, and RFC 8461 §2 says such senders apply DANE in preference
//! to MTA-STS for that host. So a chain the TLSA records do not match bounces their mail
//! whatever the MTA-STS checks say; this module judges the chain each probed address
//! presented against the records.
//!
//! Usable for SMTP (RFC 7672 §3.1): DANE-TA(2) and DANE-EE(3), selectors Cert(0) and SPKI(1),
//! matching types Full(0), SHA2-256(1) and SHA2-512(2). PKIX-TA(0) and PKIX-EE(1) are not
//! (§3.1.3): with only those, DANE senders insist on TLS but authenticate nothing.
//! - DANE-EE: the leaf matches; its names and dates are not checked (RFC 7672 §3.1.1).
//! - DANE-TA: a certificate of the presented chain above the leaf matches, the leaf chains
//!   to it by signature (a fact the fetcher establishes), and the leaf's names cover the MX
//!   host and it is within its dates (RFC 7672 §3.1.2, §3.2.2).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use crate::catalog::Code;
use crate::check;
use crate::finding::{Finding, Severity};
use crate::inputs::{DnsAnswer, DnsResult, Inputs, Lookup, MxProbe, ProbeOutcome};
use crate::report::{Light, Section, SectionId};

/// One TLSA record (RFC 6698 §2.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsaRecord {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    /// The certificate association data, hex in JSON.
    #[serde(with = "hex")]
    pub data: Vec<u8>,
}

/// The TLSA answer for one MX host's `_25._tcp.<host>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostTlsa {
    pub host: String,
    pub answer: DnsAnswer<Vec<TlsaRecord>>,
}

impl TlsaRecord {
    /// Usable for SMTP (RFC 7672 §3.1).
    pub fn usable(&self) -> bool {
        matches!(self.usage, 2 | 3) && self.selector <= 1 && self.matching <= 2
    }

    /// "3 1 1 0c72ac70…": as in a zone file, the data in full.
    pub fn presentation(&self) -> String {
        format!(
            "{} {} {} {}",
            self.usage,
            self.selector,
            self.matching,
            hex::encode(&self.data)
        )
    }

    /// "3 1 1 0c72ac70…" as in a zone file, the data shortened.
    pub fn display(&self) -> String {
        let hex = hex::encode(&self.data);
        let short = if hex.len() > 16 {
            format!("{}…", &hex[..16])
        } else {
            hex
        };
        format!("{} {} {} {short}", self.usage, self.selector, self.matching)
    }

    /// Whether this record's association data matches certificate `cert` (DER).
    fn matches_cert(&self, cert: &[u8]) -> bool {
        let selected = match self.selector {
            0 => cert,
            1 => match crate::der::subject_public_key_info(cert) {
                Some(spki) => spki,
                None => return false,
            },
            _ => return false,
        };
        match self.matching {
            0 => selected == self.data.as_slice(),
            1 => Sha256::digest(selected).as_slice() == self.data.as_slice(),
            2 => Sha512::digest(selected).as_slice() == self.data.as_slice(),
            _ => false,
        }
    }
}

/// What one address presented, as the checks need it.
pub struct Presented<'a> {
    /// Leaf first, as sent.
    pub chain: &'a [Vec<u8>],
    /// Positions in `chain` (above the leaf) that the leaf chains up to by signature.
    pub chains_to: &'a [usize],
    /// The leaf's names cover the MX host.
    pub name_ok: bool,
    /// The leaf is within its validity dates.
    pub in_date: bool,
}

/// The usable record that authenticates the presented chain, or why none does.
pub fn authenticate(records: &[TlsaRecord], p: &Presented) -> Result<TlsaRecord, String> {
    let Some(leaf) = p.chain.first() else {
        return Err("the host presented no certificate".into());
    };
    let usable: Vec<&TlsaRecord> = records.iter().filter(|r| r.usable()).collect();
    let mut near = Vec::new();
    for r in &usable {
        match r.usage {
            3 if r.matches_cert(leaf) => return Ok((*r).clone()),
            2 => {
                for (k, cert) in p.chain.iter().enumerate().skip(1) {
                    if !r.matches_cert(cert) {
                        continue;
                    }
                    if !p.chains_to.contains(&k) {
                        near.push(format!(
                            "{} matches certificate {} of the chain, but the leaf does not chain to it",
                            r.display(),
                            k + 1
                        ));
                    } else if !p.name_ok {
                        near.push(format!(
                            "{} matches the issuer, but the certificate's names do not cover the host (DANE-TA checks names, RFC 7672 §3.2.2)",
                            r.display()
                        ));
                    } else if !p.in_date {
                        near.push(format!(
                            "{} matches the issuer, but the certificate is outside its dates",
                            r.display()
                        ));
                    } else {
                        return Ok((*r).clone());
                    }
                }
            }
            _ => {}
        }
    }
    let leaf_spki = crate::der::subject_public_key_info(leaf)
        .map(|s| hex::encode(&Sha256::digest(s)[..8]))
        .unwrap_or_else(|| "?".into());
    let mut why = format!(
        "{} ({}) {} the presented chain (its leaf's SPKI SHA-256 begins {leaf_spki}…)",
        if usable.len() == 1 {
            "its one usable TLSA record".to_string()
        } else {
            format!("none of its {} usable TLSA records", usable.len())
        },
        usable
            .iter()
            .map(|r| r.display())
            .collect::<Vec<_>>()
            .join("; "),
        if usable.len() == 1 {
            "does not match"
        } else {
            "matches"
        }
    );
    if !near.is_empty() {
        why.push_str(": ");
        why.push_str(&near.join("; "));
    }
    Err(why)
}

/// The DANE-EE record (`3 1 1`: the leaf's public key, SHA-256; RFC 7671 §5.1) for each
/// distinct key `host` presented at its probed addresses: what to publish so that senders
/// that check DANE accept the certificates it serves now.
pub fn records_for(inputs: &Inputs, host: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Lookup::Done(probes) = &inputs.mx_tls {
        for p in probes.iter().filter(|p| p.host == host) {
            let Some(spki) = p
                .chain
                .first()
                .and_then(|c| crate::der::subject_public_key_info(c))
            else {
                continue;
            };
            let record = format!("3 1 1 {}", hex::encode(&Sha256::digest(spki)));
            if !out.contains(&record) {
                out.push(record);
            }
        }
    }
    out
}

/// The DANE section: per MX host that publishes TLSA records, whether senders that validate
/// DNSSEC can authenticate every address probed. Grey when no MX host publishes TLSA records
/// (DANE is optional); it decides the overall light only when DANE is evidently in use.
pub(crate) fn section(inputs: &Inputs) -> Section {
    let id = SectionId::Dane;
    let answers = match &inputs.tlsa {
        Lookup::Pending => return check::pending(id),
        Lookup::NotTested(why) => return check::not_tested(id, why),
        Lookup::Done(a) => a,
    };
    let mut findings = Vec::new();
    let (mut published, mut matched) = (0, Vec::new());
    for h in answers {
        let host = h.host.as_str();
        let about = |f: Finding| f.about(host.to_string());
        let records = match &h.answer.result {
            DnsResult::Records(r) if !r.is_empty() => r,
            DnsResult::Records(_) | DnsResult::NoRecords | DnsResult::NxDomain => continue,
            DnsResult::ServFail => {
                findings.push(about(Finding::new(
                    Code::DaneLookupServfail,
                    format!("the TLSA lookup of _25._tcp.{host} fails with SERVFAIL: senders that validate DNSSEC treat {host} as unusable and defer mail to it"),
                )));
                continue;
            }
            other => {
                findings.push(about(Finding::new(
                    Code::DaneLookupFailed,
                    format!(
                        "the TLSA lookup of _25._tcp.{host} was not answered ({}): whether DANE is in use for it is not known",
                        match other {
                            DnsResult::Timeout => "timeout".to_string(),
                            DnsResult::Unreachable(w) | DnsResult::Error(w) => w.clone(),
                            _ => "no answer".into(),
                        }
                    ),
                )));
                continue;
            }
        };
        published += 1;
        if h.answer.authenticated != Some(true) {
            findings.push(about(Finding::new(
                Code::DaneUnsigned,
                format!("{host} publishes {} TLSA record(s), but the answer is not DNSSEC-validated: senders ignore them, so DANE does not protect {host}", records.len()),
            )));
            continue;
        }
        if !records.iter().any(TlsaRecord::usable) {
            findings.push(about(Finding::new(
                Code::DaneUnusable,
                format!(
                    "{host}'s TLSA records ({}) use no usage SMTP senders accept: they insist on TLS but authenticate nothing",
                    records.iter().map(TlsaRecord::display).collect::<Vec<_>>().join("; ")
                ),
            )));
            continue;
        }
        let probes: Vec<&MxProbe> = match &inputs.mx_tls {
            Lookup::Done(p) => p.iter().filter(|p| p.host == host).collect(),
            _ => Vec::new(),
        };
        if probes.is_empty() {
            findings.push(about(Finding::new(
                Code::DaneUnconfirmed,
                check::cannot_confirm(host, "it publishes TLSA records, but it was not probed, so its certificate was not seen"),
            )));
            continue;
        }
        let mut all_match = true;
        for p in probes {
            let label = match p.address {
                Some(ip) => format!("{host} [{ip}]"),
                None => host.to_string(),
            };
            match (&p.outcome, p.starttls) {
                (ProbeOutcome::Completed, Some(false)) => {
                    all_match = false;
                    findings.push(about(Finding::new(
                        Code::DaneNoTls,
                        format!("{label} publishes TLSA records but offers no STARTTLS: senders that validate DNSSEC will not deliver to it"),
                    )));
                }
                (ProbeOutcome::Completed, _) if p.chain.is_empty() => {
                    all_match = false;
                    findings.push(about(Finding::new(
                        Code::DaneNoTls,
                        format!("{label} publishes TLSA records but its TLS handshake did not complete: senders that validate DNSSEC will not deliver to it"),
                    )));
                }
                (ProbeOutcome::Completed, _) => {
                    let cert = p.certificate.as_ref();
                    let presented = Presented {
                        chain: &p.chain,
                        chains_to: &p.chains_to,
                        name_ok: cert.is_some_and(|c| crate::tls::name_matches(&c.dns_names, host)),
                        in_date: match (inputs.now, cert) {
                            (Some(now), Some(c)) => {
                                c.not_before.is_none_or(|t| t <= now)
                                    && c.not_after.is_none_or(|t| t >= now)
                            }
                            _ => true,
                        },
                    };
                    match authenticate(records, &presented) {
                        Ok(r) => findings.push(about(Finding::new(
                            Code::DaneMatch,
                            format!(
                                "{label}: TLSA {} matches the presented certificate{}",
                                r.display(),
                                if r.usage == 3 { "" } else { " chain" }
                            ),
                        ))),
                        Err(why) => {
                            all_match = false;
                            findings.push(about(Finding::new(
                                Code::DaneMismatch,
                                format!("{label}: {why}; senders that validate DNSSEC will not deliver to it"),
                            )));
                        }
                    }
                }
                _ => {
                    all_match = false;
                    findings.push(about(Finding::new(
                        Code::DaneUnconfirmed,
                        check::cannot_confirm(&label, "it publishes TLSA records, but the probe did not reach its certificate"),
                    )));
                }
            }
        }
        if all_match {
            matched.push(host.to_string());
        }
    }
    let mut refused: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .filter_map(|f| f.subject.as_deref())
        .collect();
    refused.dedup();
    let failing = !refused.is_empty();
    let summary = if published == 0 && !failing {
        "No MX host publishes TLSA records (DANE is optional)".to_string()
    } else if failing && refused.len() >= answers.len() {
        format!(
            "Senders that check DANE deliver to no MX host: {} fail{}",
            refused.join(", "),
            if refused.len() == 1 { "s" } else { "" }
        )
    } else if failing {
        format!(
            "Senders that check DANE will not deliver to {}",
            refused.join(", ")
        )
    } else if matched.is_empty() {
        "TLSA records are published but do not protect delivery".to_string()
    } else {
        format!("TLSA matches for {}", matched.join(", "))
    };
    let base = if published == 0 {
        Light::Grey
    } else {
        Light::Green
    };
    check::section(id, base, summary, findings)
}

/// Hex for the association data: the zone-file and DoH JSON form.
mod hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn encode(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let t: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !t.len().is_multiple_of(2) {
            return None;
        }
        t.chunks(2)
            .map(|p| {
                std::str::from_utf8(p)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
            })
            .collect()
    }

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        decode(&text).ok_or_else(|| serde::de::Error::custom("not hex"))
    }
}

/// Parses the association data as a zone file or DoH's JSON API writes it (hex).
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn rec(usage: u8, selector: u8, matching: u8, data: Vec<u8>) -> TlsaRecord {
        TlsaRecord {
            usage,
            selector,
            matching,
            data,
        }
    }

    /// A chain of two "certificates" whose SPKI the DER walker finds: each a minimal
    /// Certificate with a distinct key.
    pub(crate) fn cert(key: u8) -> Vec<u8> {
        let tlv = |tag: u8, body: &[u8]| [&[tag, body.len() as u8][..], body].concat();
        let spki = tlv(
            0x30,
            &[tlv(0x30, &[0x06, 0x01, 0x2a]), tlv(0x03, &[0, key, key])].concat(),
        );
        let tbs = [
            tlv(0x02, &[1]),
            tlv(0x30, &[]),
            tlv(0x30, &[]),
            tlv(0x30, &[]),
            tlv(0x30, &[]),
            spki,
        ]
        .concat();
        tlv(0x30, &tlv(0x30, &tbs))
    }

    fn spki(c: &[u8]) -> Vec<u8> {
        crate::der::subject_public_key_info(c).unwrap().to_vec()
    }

    #[test]
    fn dane_ee_matches_the_leaf_by_every_selector_and_matching_type() {
        let chain = vec![cert(1), cert(2)];
        let p = Presented {
            chain: &chain,
            chains_to: &[1],
            name_ok: false,
            in_date: false,
        };
        let leaf = &chain[0];
        for r in [
            rec(3, 0, 0, leaf.clone()),
            rec(3, 0, 1, Sha256::digest(leaf).to_vec()),
            rec(3, 0, 2, Sha512::digest(leaf).to_vec()),
            rec(3, 1, 0, spki(leaf)),
            rec(3, 1, 1, Sha256::digest(spki(leaf)).to_vec()),
            rec(3, 1, 2, Sha512::digest(spki(leaf)).to_vec()),
        ] {
            assert_eq!(
                authenticate(std::slice::from_ref(&r), &p),
                Ok(r),
                "names and dates do not matter for DANE-EE"
            );
        }
        assert!(authenticate(
            &[rec(3, 1, 1, Sha256::digest(spki(&chain[1])).to_vec())],
            &p
        )
        .is_err());
    }

    #[test]
    fn dane_ta_needs_the_chain_the_name_and_the_dates() {
        let chain = vec![cert(1), cert(2)];
        let ta = rec(2, 1, 1, Sha256::digest(spki(&chain[1])).to_vec());
        let ok = Presented {
            chain: &chain,
            chains_to: &[1],
            name_ok: true,
            in_date: true,
        };
        assert_eq!(authenticate(std::slice::from_ref(&ta), &ok), Ok(ta.clone()));
        let not_chained = Presented {
            chains_to: &[],
            ..ok
        };
        assert!(authenticate(std::slice::from_ref(&ta), &not_chained)
            .unwrap_err()
            .contains("does not chain"));
        let wrong_name = Presented {
            name_ok: false,
            ..ok
        };
        assert!(authenticate(std::slice::from_ref(&ta), &wrong_name)
            .unwrap_err()
            .contains("names"));
        // A TA record never matches the leaf itself.
        let leaf_as_ta = rec(2, 1, 1, Sha256::digest(spki(&chain[0])).to_vec());
        assert!(authenticate(&[leaf_as_ta], &ok).is_err());
    }

    #[test]
    fn unusable_records_authenticate_nothing() {
        let chain = vec![cert(1)];
        let p = Presented {
            chain: &chain,
            chains_to: &[],
            name_ok: true,
            in_date: true,
        };
        let pkix = rec(1, 0, 0, chain[0].clone());
        assert!(!pkix.usable());
        assert!(authenticate(&[pkix], &p).is_err());
        assert!(!rec(3, 2, 1, vec![]).usable());
        assert!(!rec(3, 1, 3, vec![]).usable());
    }

    #[test]
    fn hex_round_trips() {
        let r = rec(3, 1, 1, vec![0x0c, 0x72, 0xff]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"0c72ff\""), "{json}");
        assert_eq!(serde_json::from_str::<TlsaRecord>(&json).unwrap(), r);
        assert_eq!(parse_hex("0C 72 ff"), Some(vec![0x0c, 0x72, 0xff]));
        assert_eq!(parse_hex("abc"), None);
    }
}
