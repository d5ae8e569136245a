//! A stub resolver: asks the configured recursive resolvers (`--resolver IP:PORT`, default
//! the system's from /etc/resolv.conf) and reports exactly what they said.
//!
//! Hand-written on hickory-proto's message types rather than hickory-resolver, because the
//! checker needs facts a full resolver hides: NXDOMAIN versus NODATA versus SERVFAIL versus
//! timeout versus "resolver unreachable", the AD bit, and the CNAME chain. One query, one
//! answer; UDP first, TCP when the answer is truncated; the next server on timeout or error.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use mtasts_core::dane::TlsaRecord;
use mtasts_core::inputs::{DnsAnswer, DnsResult};
use mtasts_core::mx::MxRecord;
use mtasts_core::TxtRecord;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

#[derive(Clone, Debug)]
pub struct Resolver {
    servers: Vec<SocketAddr>,
    timeout: Duration,
}

/// Why no server answered.
enum Failure {
    Timeout,
    Unreachable(String),
    /// The server answered, but without recursion (RA=0).
    NotRecursive(SocketAddr),
}

impl Resolver {
    pub fn new(servers: Vec<SocketAddr>, timeout: Duration) -> Self {
        Resolver { servers, timeout }
    }

    /// The system's resolvers (the `nameserver` lines of /etc/resolv.conf, port 53).
    pub fn system(timeout: Duration) -> Self {
        let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let servers = conf
            .lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .filter_map(|ip| ip.trim().split('%').next()?.parse::<IpAddr>().ok())
            .map(|ip| SocketAddr::new(ip, 53))
            .collect();
        Resolver::new(servers, timeout)
    }

    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// Asks for `name` (absolute, no trailing dot needed) and returns the records of `rtype`
    /// as RData, with the AD bit and the CNAMEs followed.
    pub async fn query(&self, name: &str, rtype: RecordType) -> DnsAnswer<Vec<RData>> {
        let Ok(qname) = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))) else {
            return DnsAnswer::new(DnsResult::Error(format!("{name} is not a DNS name")));
        };
        if self.servers.is_empty() {
            return DnsAnswer::new(DnsResult::Unreachable(
                "no DNS resolver is configured".into(),
            ));
        }
        let mut last = Failure::Unreachable("no resolver answered".into());
        for server in &self.servers {
            match self.ask(*server, &qname, rtype).await {
                // RFC 1035 §4.1.1: RA says whether the server offers recursion. One that does
                // not is authoritative-only: it cannot follow a CNAME into a zone it does not
                // serve (RFC 8461 §8.2 delegation), so its "no record" means nothing.
                Ok(msg) if !msg.metadata.recursion_available => {
                    last = Failure::NotRecursive(*server);
                }
                Ok(msg) => return interpret(msg, rtype),
                Err(f) => last = f,
            }
        }
        DnsAnswer::new(match last {
            Failure::Timeout => DnsResult::Timeout,
            Failure::Unreachable(why) => DnsResult::Unreachable(why),
            Failure::NotRecursive(server) => DnsResult::Error(format!(
                "{server} does not offer recursion (RA=0): it is an authoritative-only server, \
                 which cannot follow CNAMEs into other zones or answer for names it does not \
                 serve; give a recursive resolver with --resolver"
            )),
        })
    }

    async fn ask(
        &self,
        server: SocketAddr,
        name: &Name,
        rtype: RecordType,
    ) -> Result<Message, Failure> {
        let mut msg = Message::new(rand_id(), MessageType::Query, OpCode::Query);
        msg.metadata.recursion_desired = true;
        // RFC 6840 §5.7: ask for the AD bit.
        msg.metadata.authentic_data = true;
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        msg.set_edns(edns);
        msg.add_query(Query::query(name.clone(), rtype));
        let wire = msg
            .to_vec()
            .map_err(|e| Failure::Unreachable(e.to_string()))?;
        let reply = tokio::time::timeout(self.timeout, udp(server, &wire, msg.metadata.id))
            .await
            .map_err(|_| Failure::Timeout)??;
        if !reply.metadata.truncation {
            return Ok(reply);
        }
        tokio::time::timeout(self.timeout, tcp(server, &wire))
            .await
            .map_err(|_| Failure::Timeout)?
    }

    pub async fn txt(&self, name: &str) -> DnsAnswer<Vec<TxtRecord>> {
        txt_records(self.query(name, RecordType::TXT).await)
    }

    pub async fn mx(&self, name: &str) -> DnsAnswer<Vec<MxRecord>> {
        mx_records(self.query(name, RecordType::MX).await)
    }

    /// The TLSA records of `_25._tcp.<host>` (DANE for SMTP, RFC 7672 §2.2).
    pub async fn tlsa(&self, host: &str) -> DnsAnswer<Vec<TlsaRecord>> {
        tlsa_records(
            self.query(&format!("_25._tcp.{host}"), RecordType::TLSA)
                .await,
        )
    }

    /// A and AAAA, asked at the same time. NXDOMAIN or a failure of the A query wins; NODATA
    /// only when both are empty.
    pub async fn addresses(&self, name: &str) -> DnsAnswer<Vec<IpAddr>> {
        let (a, aaaa) = tokio::join!(
            self.query(name, RecordType::A),
            self.query(name, RecordType::AAAA)
        );
        let (a, aaaa) = (ip_records(a), ip_records(aaaa));
        match (a.result, aaaa.result) {
            (DnsResult::Records(mut v4), DnsResult::Records(v6)) => {
                v4.extend(v6);
                DnsAnswer {
                    result: DnsResult::Records(v4),
                    ..a_meta(a.authenticated, a.cname_chain)
                }
            }
            (DnsResult::Records(v), _) | (_, DnsResult::Records(v)) => DnsAnswer {
                result: DnsResult::Records(v),
                ..a_meta(a.authenticated, a.cname_chain)
            },
            (DnsResult::NoRecords, DnsResult::NoRecords) => DnsAnswer {
                result: DnsResult::NoRecords,
                ..a_meta(a.authenticated, a.cname_chain)
            },
            (DnsResult::NoRecords, other) | (other, _) => DnsAnswer {
                result: other,
                ..a_meta(a.authenticated, a.cname_chain)
            },
        }
    }
}

/// TXT records as the core reads them: each record's strings (RFC 7208 §3.3 style, joined by
/// the core), bytes that are not UTF-8 replaced.
pub fn txt_records(answer: DnsAnswer<Vec<RData>>) -> DnsAnswer<Vec<TxtRecord>> {
    map(answer, |r| match r {
        RData::TXT(t) => Some(
            t.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        _ => None,
    })
}

/// TLSA records as the core judges them.
pub fn tlsa_records(answer: DnsAnswer<Vec<RData>>) -> DnsAnswer<Vec<TlsaRecord>> {
    map(answer, |r| match r {
        RData::TLSA(t) => Some(TlsaRecord {
            usage: t.cert_usage.into(),
            selector: t.selector.into(),
            matching: t.matching.into(),
            data: t.cert_data,
        }),
        _ => None,
    })
}

/// MX records, exchanges without their trailing dot.
pub fn mx_records(answer: DnsAnswer<Vec<RData>>) -> DnsAnswer<Vec<MxRecord>> {
    map(answer, |r| match r {
        RData::MX(m) => Some(MxRecord::new(
            m.preference,
            m.exchange.to_ascii().trim_end_matches('.').to_string(),
        )),
        _ => None,
    })
}

/// A and AAAA records as addresses.
pub fn ip_records(answer: DnsAnswer<Vec<RData>>) -> DnsAnswer<Vec<IpAddr>> {
    map(answer, |r| match r {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
        _ => None,
    })
}

/// Reads an answer from the wire: the message, then [`interpret`] (for the fuzz target and
/// tests; the resolver also checks the id and RA).
pub fn decode(wire: &[u8], rtype: RecordType) -> Result<DnsAnswer<Vec<RData>>, String> {
    Message::from_vec(wire)
        .map(|m| interpret(m, rtype))
        .map_err(|e| format!("malformed answer: {e}"))
}

fn a_meta(authenticated: Option<bool>, cname_chain: Vec<String>) -> DnsAnswer<Vec<IpAddr>> {
    DnsAnswer {
        result: DnsResult::NoRecords,
        authenticated,
        cname_chain,
    }
}

fn map<T>(answer: DnsAnswer<Vec<RData>>, f: impl Fn(RData) -> Option<T>) -> DnsAnswer<Vec<T>> {
    let result = match answer
        .result
        .map(|r| r.into_iter().filter_map(f).collect::<Vec<T>>())
    {
        DnsResult::Records(v) if v.is_empty() => DnsResult::NoRecords,
        other => other,
    };
    DnsAnswer {
        result,
        authenticated: answer.authenticated,
        cname_chain: answer.cname_chain,
    }
}

/// The records of `rtype` in an answer, with the AD bit and the CNAMEs followed.
pub fn interpret(msg: Message, rtype: RecordType) -> DnsAnswer<Vec<RData>> {
    let cname_chain: Vec<String> = msg
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::CNAME(c) if rtype != RecordType::CNAME => {
                Some(c.0.to_ascii().trim_end_matches('.').to_string())
            }
            _ => None,
        })
        .collect();
    let records: Vec<RData> = msg
        .answers
        .into_iter()
        .filter(|r| r.record_type() == rtype)
        .map(|r| r.data)
        .collect();
    let result = match msg.metadata.response_code {
        ResponseCode::NoError if records.is_empty() => DnsResult::NoRecords,
        ResponseCode::NoError => DnsResult::Records(records),
        ResponseCode::NXDomain => DnsResult::NxDomain,
        ResponseCode::ServFail => DnsResult::ServFail,
        other => DnsResult::Error(format!("the resolver answered {other}")),
    };
    DnsAnswer {
        result,
        authenticated: Some(msg.metadata.authentic_data),
        cname_chain,
    }
}

async fn udp(server: SocketAddr, wire: &[u8], id: u16) -> Result<Message, Failure> {
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .map_err(|_| Failure::Timeout)?;
    let sock = UdpSocket::bind(local)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    sock.connect(server)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    sock.send(wire)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let mut buf = vec![0u8; 4096];
    loop {
        let n = sock
            .recv(&mut buf)
            .await
            .map_err(|e| Failure::Unreachable(format!("{server}: {e}")))?;
        // Ignore stray datagrams that do not answer this query.
        if let Ok(m) = Message::from_vec(&buf[..n]) {
            if m.metadata.id == id {
                return Ok(m);
            }
        }
    }
}

async fn tcp(server: SocketAddr, wire: &[u8]) -> Result<Message, Failure> {
    let mut s = TcpStream::connect(server)
        .await
        .map_err(|e| Failure::Unreachable(format!("{server}: {e}")))?;
    let mut framed = (wire.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(wire);
    s.write_all(&framed)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let mut len = [0u8; 2];
    s.read_exact(&mut len)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut buf)
        .await
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    Message::from_vec(&buf).map_err(|e| Failure::Unreachable(format!("malformed answer: {e}")))
}

/// A query id that is not predictable from outside (hash of time and a counter; the standard
/// library's RandomState is seeded per process).
fn rand_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() as u16
}
