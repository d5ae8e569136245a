//! DNS messages for DoH (RFC 8484 GET): build a query, read an answer. Hand-written on
//! purpose: hickory-proto would add far more to the wasm bundle than the ~150 lines needed
//! for TXT and MX (RFC 1035 §4.1 layout, §4.1.4 name compression).

use mtasts_core::inputs::{DnsAnswer, DnsResult};

pub const TYPE_CNAME: u16 = 5;
pub const TYPE_MX: u16 = 15;
pub const TYPE_TXT: u16 = 16;
/// RFC 6698 §7.1.
pub const TYPE_TLSA: u16 = 52;

/// A query for `name` (absolute, no trailing dot needed) with RD and AD set and id 0, as
/// RFC 8484 §4.1 recommends for cache-friendly GET requests.
pub fn query(name: &str, qtype: u16) -> Vec<u8> {
    let mut m = vec![0, 0, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        let l = &label.as_bytes()[..label.len().min(63)];
        m.push(l.len() as u8);
        m.extend_from_slice(l);
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m
}

/// One answer record's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rdata {
    Txt(Vec<String>),
    Mx(u16, String),
    Cname(String),
    /// A TLSA record (RFC 6698 §2.1).
    Tlsa(mtasts_core::dane::TlsaRecord),
    Other,
}

struct Reader<'a> {
    b: &'a [u8],
}

impl Reader<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        Some(u16::from_be_bytes([*self.b.get(at)?, *self.b.get(at + 1)?]))
    }

    /// Reads a (possibly compressed) name at `at`; returns it and the offset after it.
    fn name(&self, mut at: usize) -> Option<(String, usize)> {
        let mut labels = Vec::new();
        let mut end = None;
        for _ in 0..128 {
            let len = *self.b.get(at)? as usize;
            if len == 0 {
                return Some((labels.join("."), end.unwrap_or(at + 1)));
            }
            if len & 0xC0 == 0xC0 {
                let ptr = ((len & 0x3F) << 8) | *self.b.get(at + 1)? as usize;
                end.get_or_insert(at + 2);
                at = ptr;
                continue;
            }
            labels.push(
                String::from_utf8_lossy(self.b.get(at + 1..at + 1 + len)?).to_ascii_lowercase(),
            );
            at += 1 + len;
        }
        None
    }
}

/// The parts of a response the checker uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub rcode: u8,
    pub authenticated: bool,
    pub answers: Vec<(String, u16, Rdata)>,
}

pub fn parse(b: &[u8]) -> Option<Response> {
    let r = Reader { b };
    let flags = r.u16(2)?;
    let (qd, an) = (r.u16(4)?, r.u16(6)?);
    let mut at = 12;
    for _ in 0..qd {
        at = r.name(at)?.1 + 4;
    }
    let mut answers = Vec::new();
    for _ in 0..an {
        let (owner, next) = r.name(at)?;
        let rtype = r.u16(next)?;
        let rdlen = r.u16(next + 8)? as usize;
        let data_at = next + 10;
        let data = b.get(data_at..data_at + rdlen)?;
        let rdata = match rtype {
            TYPE_TXT => {
                let mut strings = Vec::new();
                let mut i = 0;
                while i < data.len() {
                    let n = data[i] as usize;
                    strings.push(String::from_utf8_lossy(data.get(i + 1..i + 1 + n)?).into_owned());
                    i += 1 + n;
                }
                Rdata::Txt(strings)
            }
            TYPE_MX => Rdata::Mx(r.u16(data_at)?, r.name(data_at + 2)?.0),
            TYPE_CNAME => Rdata::Cname(r.name(data_at)?.0),
            TYPE_TLSA => Rdata::Tlsa(mtasts_core::dane::TlsaRecord {
                usage: *data.first()?,
                selector: *data.get(1)?,
                matching: *data.get(2)?,
                data: data.get(3..)?.to_vec(),
            }),
            _ => Rdata::Other,
        };
        answers.push((owner, rtype, rdata));
        at = data_at + rdlen;
    }
    Some(Response {
        rcode: (flags & 0x000F) as u8,
        authenticated: flags & 0x0020 != 0,
        answers,
    })
}

/// A response as the core's DNS answer, keeping the records `pick` selects.
pub fn answer<T>(resp: &Response, pick: impl Fn(&Rdata) -> Option<T>) -> DnsAnswer<Vec<T>> {
    let records: Vec<T> = resp
        .answers
        .iter()
        .filter_map(|(_, _, d)| pick(d))
        .collect();
    let result = match resp.rcode {
        0 if records.is_empty() => DnsResult::NoRecords,
        0 => DnsResult::Records(records),
        2 => DnsResult::ServFail,
        3 => DnsResult::NxDomain,
        n => DnsResult::Error(format!("the resolver answered with RCODE {n}")),
    };
    let cname_chain = resp
        .answers
        .iter()
        .filter_map(|(_, _, d)| match d {
            Rdata::Cname(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    DnsAnswer {
        result,
        authenticated: Some(resp.authenticated),
        cname_chain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_layout() {
        let q = query("_mta-sts.example.com.", TYPE_TXT);
        assert_eq!(&q[..4], &[0, 0, 0x01, 0x20], "id 0, RD and AD set");
        assert_eq!(&q[12..21], b"\x08_mta-sts");
        assert_eq!(&q[q.len() - 4..], &[0, 16, 0, 1]);
    }

    #[test]
    fn parses_compressed_answers() {
        // Header: id 0, QR RD RA AD, rcode 0, 1 question, 2 answers.
        let mut m = vec![0, 0, 0x81, 0xA0, 0, 1, 0, 2, 0, 0, 0, 0];
        let q = query("a.test", TYPE_MX);
        m.extend_from_slice(&q[12..]);
        // MX 10 mx.a.test (owner compressed to the question name at offset 12).
        m.extend_from_slice(&[
            0xC0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 7, 0, 10, 2, b'm', b'x', 0xC0, 12,
        ]);
        // TXT "v=1" "x" on the same owner.
        m.extend_from_slice(&[
            0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 3, b'v', b'=', b'1', 1, b'x',
        ]);
        let r = parse(&m).unwrap();
        assert!(r.authenticated);
        assert_eq!(r.answers[0].2, Rdata::Mx(10, "mx.a.test".into()));
        assert_eq!(r.answers[1].2, Rdata::Txt(vec!["v=1".into(), "x".into()]));
        let mx = answer(&r, |d| match d {
            Rdata::Mx(p, h) => Some((*p, h.clone())),
            _ => None,
        });
        assert_eq!(
            mx.result,
            DnsResult::Records(vec![(10, "mx.a.test".to_string())])
        );
    }

    #[test]
    fn rcodes_and_garbage() {
        let mut m = vec![0, 0, 0x81, 0x83, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            answer(&parse(&m).unwrap(), |_| Some(())).result,
            DnsResult::NxDomain
        );
        m[3] = 0x82;
        assert_eq!(
            answer(&parse(&m).unwrap(), |_| Some(())).result,
            DnsResult::ServFail
        );
        assert!(parse(&[1, 2, 3]).is_none());
        assert!(
            parse(&[0, 0, 0x81, 0x80, 0, 0, 0, 5, 0, 0, 0, 0, 0xC0]).is_none(),
            "truncated answers"
        );
    }
}
