//! The world's DNS: a zone built from the scenarios and one function that answers a query
//! message the way a recursive resolver would (following CNAMEs, NXDOMAIN versus NODATA,
//! SERVFAIL, no answer at all for "timeout", the AD bit when a scenario is "signed").
//! UDP, TCP and DoH servers all call [`Zone::answer`].

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, TLSA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// One TXT record: a single string, or its character-strings.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum TxtSpec {
    One(String),
    Strings(Vec<String>),
}

impl TxtSpec {
    fn strings(&self) -> Vec<String> {
        match self {
            TxtSpec::One(s) => vec![s.clone()],
            TxtSpec::Strings(v) => v.clone(),
        }
    }
}

/// How a name answers when it does not answer normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    Servfail,
    Nxdomain,
    Refused,
    /// Never answer (the client times out).
    Timeout,
}

/// The records and behaviour of one name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameSpec {
    #[serde(default)]
    pub txt: Vec<TxtSpec>,
    /// `[preference, exchange]`; a relative exchange is under the scenario domain, "." is a
    /// null MX.
    #[serde(default)]
    pub mx: Vec<(u16, String)>,
    #[serde(default)]
    pub cname: Option<String>,
    #[serde(default)]
    pub a: Vec<Ipv4Addr>,
    #[serde(default)]
    pub aaaa: Vec<Ipv6Addr>,
    /// Successive A answers: the n-th query for A gets entry n (the last one repeats). For
    /// DNS rebinding tests.
    #[serde(default)]
    pub a_sequence: Vec<Vec<Ipv4Addr>>,
    #[serde(default)]
    pub fail: Option<Failure>,
    /// TLSA records (RFC 6698 §2) as `[usage, selector, matching type, "hex data"]`, for
    /// the web app's informational DANE note (owner names like `_25._tcp.mx1`).
    #[serde(default)]
    pub tlsa: Vec<(u8, u8, u8, String)>,
    /// Hostile: this many extra TXT records of 255 bytes each (240 make an answer near the
    /// 64 KiB a DNS message can hold).
    #[serde(default)]
    pub txt_filler: usize,
    /// Hostile: answers for this name leave slowly: over UDP after this many milliseconds,
    /// over TCP one byte every this many milliseconds.
    #[serde(default)]
    pub slow_ms: Option<u64>,
}

/// Hex digits to bytes; anything that is not a pair of hex digits is skipped.
fn hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|p| std::str::from_utf8(p).ok())
        .filter_map(|p| u8::from_str_radix(p, 16).ok())
        .collect()
}

#[derive(Default)]
struct ZoneData {
    /// Lower-case name without trailing dot → its records.
    names: HashMap<String, NameSpec>,
    /// Names that are signed (the AD bit is set on their answers).
    signed: Vec<String>,
}

/// The zone: every scenario's names. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Zone {
    data: Arc<RwLock<ZoneData>>,
    queries: Arc<Mutex<BTreeMap<(String, String), usize>>>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Resolves a name written relative to `domain` ("@" is the domain itself, a trailing dot
/// makes it absolute).
pub fn absolute(name: &str, domain: &str) -> String {
    if name == "@" {
        domain.to_string()
    } else if let Some(abs) = name.strip_suffix('.') {
        abs.to_ascii_lowercase()
    } else {
        format!("{}.{domain}", name.to_ascii_lowercase())
    }
}

/// The wildcard that answers for a name that does not exist (RFC 4592 §3.3.1): `*.P` where
/// P is the name's closest existing ancestor (the closest encloser).
fn wildcard<'a>(names: &'a HashMap<String, NameSpec>, name: &str) -> Option<&'a NameSpec> {
    let mut rest = name;
    while let Some((_, parent)) = rest.split_once('.') {
        if let Some(spec) = names.get(&format!("*.{parent}")) {
            return Some(spec);
        }
        let suffix = format!(".{parent}");
        if names.contains_key(parent) || names.keys().any(|n| n.ends_with(&suffix)) {
            return None;
        }
        rest = parent;
    }
    None
}

impl Zone {
    /// Sets (replaces) the records of one absolute name.
    pub fn set(&self, name: &str, spec: NameSpec) {
        let mut d = self.data.write().unwrap_or_else(|e| e.into_inner());
        d.names.insert(key(name), spec);
    }

    /// Adds an A record to a name, keeping what it has.
    pub fn add_a(&self, name: &str, ip: Ipv4Addr) {
        let mut d = self.data.write().unwrap_or_else(|e| e.into_inner());
        d.names.entry(key(name)).or_default().a.push(ip);
    }

    /// Marks a domain (and every name under it) as DNSSEC-signed.
    pub fn sign(&self, domain: &str) {
        let mut d = self.data.write().unwrap_or_else(|e| e.into_inner());
        d.signed.push(key(domain));
    }

    /// How many queries of any type were asked for this name.
    pub fn queries(&self, name: &str) -> usize {
        let q = self.queries.lock().unwrap_or_else(|e| e.into_inner());
        q.iter()
            .filter(|((n, _), _)| *n == key(name))
            .map(|(_, c)| c)
            .sum()
    }

    /// Answers one query message; `None` means "do not answer" (a timeout).
    pub fn answer(&self, query: &Message) -> Option<Message> {
        let mut resp = Message::new(
            query.metadata.id,
            MessageType::Response,
            query.metadata.op_code,
        );
        resp.metadata.recursion_desired = query.metadata.recursion_desired;
        resp.metadata.recursion_available = true;
        let Some(q) = query.queries.first() else {
            resp.metadata.response_code = ResponseCode::FormErr;
            return Some(resp);
        };
        resp.add_query(q.clone());
        if query.metadata.op_code != OpCode::Query {
            resp.metadata.response_code = ResponseCode::NotImp;
            return Some(resp);
        }
        let qtype = q.query_type;
        let mut name = key(&q.name.to_ascii());
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        // Only the zone's own names are counted (for the tests and the rebinding sequence): a
        // stream of random names must not grow the map without bound.
        if data.names.contains_key(&name) {
            let mut counts = self.queries.lock().unwrap_or_else(|e| e.into_inner());
            *counts.entry((name.clone(), qtype.to_string())).or_default() += 1;
        }
        resp.metadata.authentic_data = data
            .signed
            .iter()
            .any(|d| name == *d || name.ends_with(&format!(".{d}")));
        let nth = {
            let counts = self.queries.lock().unwrap_or_else(|e| e.into_inner());
            counts
                .get(&(name.clone(), qtype.to_string()))
                .copied()
                .unwrap_or(1)
                - 1
        };
        for _hop in 0..8 {
            let spec = match data.names.get(&name) {
                Some(spec) => spec,
                None => {
                    let exists = data.names.keys().any(|n| n.ends_with(&format!(".{name}")));
                    match (exists, wildcard(&data.names, &name)) {
                        (false, Some(spec)) => spec,
                        (false, None) => {
                            resp.metadata.response_code = ResponseCode::NXDomain;
                            return Some(resp);
                        }
                        (true, _) => return Some(resp),
                    }
                }
            };
            match spec.fail {
                Some(Failure::Timeout) => return None,
                Some(Failure::Servfail) => {
                    resp.metadata.response_code = ResponseCode::ServFail;
                    resp.answers.clear();
                    return Some(resp);
                }
                Some(Failure::Refused) => {
                    resp.metadata.response_code = ResponseCode::Refused;
                    resp.answers.clear();
                    return Some(resp);
                }
                Some(Failure::Nxdomain) => {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                    return Some(resp);
                }
                None => {}
            }
            let owner = Name::from_ascii(format!("{name}.")).ok()?;
            if let (Some(target), false) = (&spec.cname, qtype == RecordType::CNAME) {
                let target = key(target);
                let t = Name::from_ascii(format!("{target}.")).ok()?;
                resp.add_answer(Record::from_rdata(owner, 300, RData::CNAME(CNAME(t))));
                name = target;
                continue;
            }
            let mut records: Vec<RData> = Vec::new();
            match qtype {
                RecordType::TXT => {
                    records.extend(spec.txt.iter().map(|t| RData::TXT(TXT::new(t.strings()))));
                    records.extend((0..spec.txt_filler).map(|i| {
                        let filler = format!("{i:05}{}", "x".repeat(250));
                        RData::TXT(TXT::new(vec![filler]))
                    }));
                }
                RecordType::MX => {
                    for (pref, exchange) in &spec.mx {
                        let ex = if exchange == "." {
                            Name::root()
                        } else {
                            Name::from_ascii(format!("{}.", key(exchange))).ok()?
                        };
                        records.push(RData::MX(MX::new(*pref, ex)));
                    }
                }
                RecordType::A => {
                    let list = if spec.a_sequence.is_empty() {
                        spec.a.clone()
                    } else {
                        spec.a_sequence[nth.min(spec.a_sequence.len() - 1)].clone()
                    };
                    records.extend(list.into_iter().map(|ip| RData::A(A(ip))));
                }
                RecordType::AAAA => {
                    records.extend(spec.aaaa.iter().map(|ip| RData::AAAA(AAAA(*ip))));
                }
                RecordType::TLSA => {
                    records.extend(spec.tlsa.iter().map(|(u, s, m, data)| {
                        RData::TLSA(TLSA::new((*u).into(), (*s).into(), (*m).into(), hex(data)))
                    }));
                }
                RecordType::CNAME => {
                    if let Some(target) = &spec.cname {
                        let t = Name::from_ascii(format!("{}.", key(target))).ok()?;
                        records.push(RData::CNAME(CNAME(t)));
                    }
                }
                _ => {}
            }
            for r in records {
                resp.add_answer(Record::from_rdata(owner.clone(), 300, r));
            }
            return Some(resp);
        }
        resp.metadata.response_code = ResponseCode::ServFail;
        Some(resp)
    }

    /// How slowly the answer to this query leaves (hostile names only).
    pub fn slow_ms(&self, bytes: &[u8]) -> Option<u64> {
        let query = Message::from_vec(bytes).ok()?;
        let name = key(&query.queries.first()?.name.to_ascii());
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        data.names.get(&name)?.slow_ms
    }

    /// Answers raw wire bytes; `None` for no answer.
    pub fn answer_bytes(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let query = Message::from_vec(bytes).ok()?;
        self.answer(&query)?.to_vec().ok()
    }
}

/// Serves the zone over UDP and TCP on `addr` (port 0 picks one); returns the bound address
/// and the two server tasks.
pub async fn serve(
    zone: Zone,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, [tokio::task::JoinHandle<()>; 2])> {
    let udp = Arc::new(UdpSocket::bind(addr).await?);
    let bound = udp.local_addr()?;
    let tcp = TcpListener::bind(bound).await?;
    let z = zone.clone();
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                continue;
            };
            if let Some(mut out) = z.answer_bytes(&buf[..n]) {
                if out.len() > 1232 {
                    // Too big for UDP: send the header with TC set so the client retries on TCP.
                    if let Ok(mut m) = Message::from_vec(&out) {
                        m.answers.clear();
                        m.metadata.truncation = true;
                        out = m.to_vec().unwrap_or_default();
                    }
                }
                match z.slow_ms(&buf[..n]) {
                    Some(ms) => {
                        let udp = udp.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                            let _ = udp.send_to(&out, peer).await;
                        });
                    }
                    None => {
                        let _ = udp.send_to(&out, peer).await;
                    }
                }
            }
        }
    });
    let tcp_task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = tcp.accept().await else {
                continue;
            };
            let z = zone.clone();
            tokio::spawn(async move {
                loop {
                    let mut len = [0u8; 2];
                    if stream.read_exact(&mut len).await.is_err() {
                        return;
                    }
                    let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
                    if stream.read_exact(&mut msg).await.is_err() {
                        return;
                    }
                    let Some(out) = z.answer_bytes(&msg) else {
                        // "timeout": hold the connection without answering.
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                        return;
                    };
                    let mut framed = (out.len() as u16).to_be_bytes().to_vec();
                    framed.extend(out);
                    if let Some(ms) = z.slow_ms(&msg) {
                        for b in framed {
                            if stream.write_all(&[b]).await.is_err() {
                                return;
                            }
                            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                        }
                        continue;
                    }
                    if stream.write_all(&framed).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok((bound, [udp_task, tcp_task]))
}

/// An address of any family, for the zone's A/AAAA helpers.
pub fn add_address(zone: &Zone, name: &str, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => zone.add_a(name, v4),
        IpAddr::V6(v6) => {
            let mut d = zone.data.write().unwrap_or_else(|e| e.into_inner());
            d.names.entry(key(name)).or_default().aaaa.push(v6);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;

    fn ask(zone: &Zone, name: &str, t: RecordType) -> Option<Message> {
        let mut m = Message::new(7, MessageType::Query, OpCode::Query);
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
        zone.answer(&m)
    }

    #[test]
    fn answers_like_a_resolver() {
        let z = Zone::default();
        z.set(
            "_mta-sts.a.test",
            NameSpec {
                cname: Some("_mta-sts.provider.test".into()),
                ..Default::default()
            },
        );
        z.set(
            "_mta-sts.provider.test",
            NameSpec {
                txt: vec![TxtSpec::Strings(vec!["v=STSv1; ".into(), "id=1".into()])],
                ..Default::default()
            },
        );
        z.set(
            "broken.test",
            NameSpec {
                fail: Some(Failure::Servfail),
                ..Default::default()
            },
        );
        z.set(
            "slow.test",
            NameSpec {
                fail: Some(Failure::Timeout),
                ..Default::default()
            },
        );
        z.set(
            "mx.a.test",
            NameSpec {
                a: vec![Ipv4Addr::new(127, 0, 0, 2)],
                ..Default::default()
            },
        );
        z.sign("provider.test");

        let r = ask(&z, "_mta-sts.a.test.", RecordType::TXT).unwrap();
        assert_eq!(r.answers.len(), 2, "CNAME then TXT");
        assert!(matches!(&r.answers[1].data, RData::TXT(t) if t.txt_data.len() == 2));
        assert!(!r.metadata.authentic_data);
        let r = ask(&z, "_mta-sts.provider.test.", RecordType::TXT).unwrap();
        assert!(r.metadata.authentic_data);
        assert_eq!(
            ask(&z, "nothing.test.", RecordType::TXT)
                .unwrap()
                .metadata
                .response_code,
            ResponseCode::NXDomain
        );
        let nodata = ask(&z, "mx.a.test.", RecordType::TXT).unwrap();
        assert_eq!(
            (nodata.metadata.response_code, nodata.answers.len()),
            (ResponseCode::NoError, 0)
        );
        let ent = ask(&z, "a.test.", RecordType::TXT).unwrap();
        assert_eq!(
            ent.metadata.response_code,
            ResponseCode::NoError,
            "empty non-terminal exists"
        );
        assert_eq!(
            ask(&z, "broken.test.", RecordType::MX)
                .unwrap()
                .metadata
                .response_code,
            ResponseCode::ServFail
        );
        assert!(ask(&z, "slow.test.", RecordType::A).is_none());
        assert_eq!(z.queries("mx.a.test"), 1);
    }

    /// Queries for names the zone does not have are not remembered: a flood of random names
    /// leaves the counter map as it was.
    #[test]
    fn unknown_names_are_not_counted() {
        let z = Zone::default();
        z.set("a.test", NameSpec::default());
        for i in 0..1000 {
            ask(&z, &format!("random-{i}.test."), RecordType::TXT);
        }
        ask(&z, "a.test.", RecordType::TXT);
        let counted = z.queries.lock().unwrap().len();
        assert_eq!(counted, 1, "only the zone's own name is counted");
    }

    #[test]
    fn wildcards_answer_only_for_names_that_do_not_exist() {
        let z = Zone::default();
        let txt = |t: &str| NameSpec {
            txt: vec![TxtSpec::One(t.into())],
            ..NameSpec::default()
        };
        z.set("w.test", NameSpec::default());
        z.set("*.w.test", txt("v=spf1 -all"));
        z.set("_mta-sts.w.test", txt("v=STSv1; id=1"));
        z.set("b.c.w.test", NameSpec::default());
        let text = |name: &str| {
            let m = ask(&z, name, RecordType::TXT).unwrap();
            let t: Vec<String> = m
                .answers
                .iter()
                .filter_map(|r| match &r.data {
                    RData::TXT(t) => Some(t.to_string()),
                    _ => None,
                })
                .collect();
            (m.metadata.response_code, t)
        };
        assert_eq!(
            text("_smtp._tls.w.test."),
            (ResponseCode::NoError, vec!["v=spf1 -all".to_string()])
        );
        assert_eq!(
            text("_mta-sts.w.test."),
            (ResponseCode::NoError, vec!["v=STSv1; id=1".to_string()])
        );
        // c.w.test exists (it has a child), so the wildcard does not answer for it or under it.
        assert_eq!(text("c.w.test."), (ResponseCode::NoError, vec![]));
        assert_eq!(text("x.c.w.test."), (ResponseCode::NXDomain, vec![]));
        assert_eq!(text("x.other.test."), (ResponseCode::NXDomain, vec![]));
    }

    #[test]
    fn rebinding_sequence() {
        let z = Zone::default();
        let (one, two) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(127, 0, 0, 1));
        z.set(
            "rebind.test",
            NameSpec {
                a_sequence: vec![vec![one], vec![two]],
                ..Default::default()
            },
        );
        let first = ask(&z, "rebind.test.", RecordType::A).unwrap();
        let second = ask(&z, "rebind.test.", RecordType::A).unwrap();
        assert!(matches!(first.answers[0].data, RData::A(A(ip)) if ip == one));
        assert!(matches!(second.answers[0].data, RData::A(A(ip)) if ip == two));
    }
}
