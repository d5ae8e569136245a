//! Starts everything a check touches, on loopback, with no internet: DNS (UDP, TCP, DoH), a
//! test CA, HTTPS policy hosts and SMTP hosts for the given scenarios.
//!
//! Addressing: every host gets its own address in a /24 of 127.0.0.0/8 chosen at random per
//! world, and all policy hosts share one HTTPS port and all SMTP hosts one SMTP port. Ports
//! are picked by the OS unless given, so no root is needed for 443/25 and several worlds (one
//! per test) run side by side; the proxy is told the ports with its test-only port options.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::ca::TestCa;
use crate::dns::{self, NameSpec, Zone};
use crate::https::{self, PolicyHost};
use crate::scenario::Scenario;
use crate::smtp::{self, SmtpCounters, SmtpKind};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where the world listens.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ports {
    /// 0 picks a free port.
    pub https: u16,
    pub smtp: u16,
}

struct Host {
    ip: IpAddr,
    policy: Option<Arc<AtomicUsize>>,
    smtp: Option<Arc<SmtpCounters>>,
    /// The leaf certificate it presents (DER) and its public key (SPKI DER), for TLSA data.
    cert: Option<(Vec<u8>, Vec<u8>)>,
}

pub struct World {
    pub zone: Zone,
    /// The DNS server (UDP and TCP).
    pub dns: SocketAddr,
    /// The DoH endpoint's address; the URL is `http://{doh}/dns-query`.
    pub doh: SocketAddr,
    pub https_port: u16,
    pub smtp_port: u16,
    ca: TestCa,
    base: [u8; 3],
    next: u32,
    hosts: BTreeMap<String, Host>,
    tasks: Vec<JoinHandle<()>>,
}

fn random_base() -> [u8; 3] {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    let v = h.finish();
    [127, 16 + (v % 230) as u8, (v >> 8) as u8]
}

impl World {
    /// Starts a world for these scenarios on free ports.
    pub async fn start(scenarios: &[Scenario]) -> Result<World, Error> {
        World::start_on(scenarios, Ports::default()).await
    }

    pub async fn start_on(scenarios: &[Scenario], ports: Ports) -> Result<World, Error> {
        let base = random_base();
        let zone = Zone::default();
        let server_ip = Ipv4Addr::new(base[0], base[1], base[2], 1);
        let (dns, [udp_task, tcp_task]) =
            dns::serve(zone.clone(), SocketAddr::new(server_ip.into(), 0)).await?;
        let doh_listener = TcpListener::bind(SocketAddr::new(server_ip.into(), 0)).await?;
        let doh = doh_listener.local_addr()?;
        let router = crate::doh::router(zone.clone());
        let doh_task = tokio::spawn(async move {
            let _ = axum::serve(doh_listener, router).await;
        });
        let mut world = World {
            zone,
            dns,
            doh,
            https_port: ports.https,
            smtp_port: ports.smtp,
            ca: TestCa::new()?,
            base,
            next: 2,
            hosts: BTreeMap::new(),
            tasks: vec![doh_task, udp_task, tcp_task],
        };
        for s in scenarios {
            world.add_scenario(s).await?;
        }
        Ok(world)
    }

    /// Adds one scenario's names and hosts.
    pub async fn add_scenario(&mut self, s: &Scenario) -> Result<(), Error> {
        let domain = s.domain();
        if s.dnssec {
            self.zone.sign(&domain);
        }
        // The apex always exists, so names under it are NODATA rather than NXDOMAIN unless a
        // scenario says otherwise.
        if !s.records.contains_key("@") {
            self.zone.set(&domain, NameSpec::default());
        }
        for (name, spec) in &s.records {
            let mut spec = spec.clone();
            for (_, exchange) in &mut spec.mx {
                if exchange != "." && !exchange.ends_with('.') {
                    *exchange = dns::absolute(exchange, &domain);
                }
            }
            if let Some(target) = &spec.cname {
                spec.cname = Some(dns::absolute(target, &domain));
            }
            self.zone.set(&dns::absolute(name, &domain), spec);
        }
        if let Some(p) = &s.policy {
            self.add_policy_host(&format!("mta-sts.{domain}"), p.clone())
                .await?;
        }
        for (name, host) in &s.https {
            self.add_policy_host(&dns::absolute(name, &domain), host.clone())
                .await?;
        }
        // "mx1#2" is a second address of mx1; "mx1#v6" its IPv6 address (::1).
        for (name, kind) in &s.smtp {
            let (base, variant) = name.split_once('#').unwrap_or((name, ""));
            let host = dns::absolute(base, &domain);
            let ip = (variant == "v6").then_some(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST));
            self.add_smtp_host_at(&host, variant, *kind, ip).await?;
        }
        self.fill_tlsa(s, &domain)?;
        Ok(())
    }

    /// TLSA data written as a placeholder is computed from what the world's hosts present:
    /// `@spki:NAME` and `@cert:NAME` (the leaf of SMTP host NAME, relative to the domain),
    /// `@ca-spki` and `@ca-cert` (the test CA), each digested as the record's matching type
    /// says (0 the bytes, 1 SHA-256, 2 SHA-512).
    fn fill_tlsa(&mut self, s: &Scenario, domain: &str) -> Result<(), Error> {
        use sha2::Digest;
        for (name, spec) in &s.records {
            if !spec.tlsa.iter().any(|t| t.3.starts_with('@')) {
                continue;
            }
            let mut spec = spec.clone();
            for (_, selector, matching, data) in &mut spec.tlsa {
                let Some(what) = data.strip_prefix('@') else {
                    continue;
                };
                let bytes: Vec<u8> = match what.split_once(':') {
                    Some((kind, host)) => {
                        let key = dns::absolute(host, domain);
                        let (cert, spki) = self
                            .hosts
                            .get(&key)
                            .and_then(|h| h.cert.clone())
                            .ok_or_else(|| {
                                format!("TLSA placeholder {data}: no SMTP host {key}")
                            })?;
                        if kind == "spki" {
                            spki
                        } else {
                            cert
                        }
                    }
                    None if what == "ca-spki" => self.ca.spki().to_vec(),
                    None if what == "ca-cert" => self.ca.der().to_vec(),
                    None => return Err(format!("unknown TLSA placeholder {data}").into()),
                };
                let _ = selector;
                let digest = match matching {
                    1 => sha2::Sha256::digest(&bytes).to_vec(),
                    2 => sha2::Sha512::digest(&bytes).to_vec(),
                    _ => bytes,
                };
                *data = digest.iter().map(|b| format!("{b:02x}")).collect();
            }
            self.zone.set(&dns::absolute(name, domain), spec);
        }
        Ok(())
    }

    fn allocate(&mut self) -> Result<Ipv4Addr, Error> {
        self.allocate_v4()
    }

    fn allocate_v4(&mut self) -> Result<Ipv4Addr, Error> {
        let n = self.next;
        self.next += 1;
        let (hi, lo) = (n / 254, n % 254 + 1);
        if hi > 200 {
            return Err("the world ran out of loopback addresses".into());
        }
        Ok(Ipv4Addr::new(
            self.base[0],
            self.base[1],
            self.base[2].wrapping_add(hi as u8),
            lo as u8,
        ))
    }

    async fn listen(&self, ip: impl Into<IpAddr>, port: u16) -> Result<TcpListener, Error> {
        Ok(TcpListener::bind(SocketAddr::new(ip.into(), port)).await?)
    }

    /// Starts a policy host named `name` (an A record is added for it).
    pub async fn add_policy_host(&mut self, name: &str, host: PolicyHost) -> Result<IpAddr, Error> {
        let ip = self.allocate()?;
        let listener = self.listen(ip, self.https_port).await?;
        self.https_port = listener.local_addr()?.port();
        let tls = self.ca.server_config(name, host.cert)?;
        let counter = Arc::new(AtomicUsize::new(0));
        self.tasks.push(tokio::spawn(https::serve(
            listener,
            tls,
            host,
            counter.clone(),
        )));
        self.zone.add_a(name, ip);
        self.hosts.insert(
            name.to_ascii_lowercase(),
            Host {
                ip: ip.into(),
                policy: Some(counter),
                smtp: None,
                cert: None,
            },
        );
        Ok(ip.into())
    }

    /// Starts an SMTP host named `name` (an A record is added for it).
    pub async fn add_smtp_host(&mut self, name: &str, kind: SmtpKind) -> Result<IpAddr, Error> {
        self.add_smtp_host_at(name, "", kind, None).await
    }

    /// Starts an SMTP host for `name` at `ip` (a new loopback address when `None`) and adds
    /// the address to the name. `variant` tells apart several addresses of one name
    /// (`connections("NAME#VARIANT")`).
    pub async fn add_smtp_host_at(
        &mut self,
        name: &str,
        variant: &str,
        kind: SmtpKind,
        ip: Option<IpAddr>,
    ) -> Result<IpAddr, Error> {
        let ip = match ip {
            Some(ip) => ip,
            None => self.allocate_v4()?.into(),
        };
        let listener = self.listen(ip, self.smtp_port).await?;
        self.smtp_port = listener.local_addr()?.port();
        let leaf = self.ca.leaf(name, kind.cert())?;
        let cert = (leaf.chain[0].to_vec(), leaf.spki.clone());
        let tls = crate::ca::config_for(leaf)?;
        let counters = Arc::new(SmtpCounters::default());
        if kind == SmtpKind::Refuse {
            // The address is the host's alone: with its listener closed, connections are
            // refused.
            drop(listener);
        } else {
            self.tasks.push(tokio::spawn(smtp::serve(
                listener,
                tls,
                name.to_string(),
                kind,
                counters.clone(),
            )));
        }
        dns::add_address(&self.zone, name, ip);
        let key = match variant {
            "" => name.to_ascii_lowercase(),
            v => format!("{}#{v}", name.to_ascii_lowercase()),
        };
        self.hosts.insert(
            key,
            Host {
                ip,
                policy: None,
                smtp: Some(counters),
                cert: Some(cert),
            },
        );
        Ok(ip)
    }

    /// A host that answers both HTTPS and SMTP and counts every connection, with no DNS name:
    /// tests point hostile records at it and prove nothing connected.
    pub async fn trap(&mut self, name: &str) -> Result<Ipv4Addr, Error> {
        let ip = self.allocate()?;
        let https = self.listen(ip, self.https_port).await?;
        self.https_port = https.local_addr()?.port();
        let smtp = self.listen(ip, self.smtp_port).await?;
        self.smtp_port = smtp.local_addr()?.port();
        let counter = Arc::new(AtomicUsize::new(0));
        let counters = Arc::new(SmtpCounters::default());
        let tls = self.ca.server_config(name, crate::ca::CertKind::Good)?;
        let body =
            "version: STSv1\r\nmode: enforce\r\nmx: trap.invalid\r\nmax_age: 86400\r\n".to_string();
        let host = PolicyHost {
            cert: crate::ca::CertKind::Good,
            status: 200,
            content_type: Some("text/plain".into()),
            location: None,
            body,
            body_bytes: 0,
            drip_ms: None,
            content_encoding: None,
            stall_after: None,
            head_filler: 0,
        };
        self.tasks.push(tokio::spawn(https::serve(
            https,
            tls.clone(),
            host,
            counter.clone(),
        )));
        self.tasks.push(tokio::spawn(smtp::serve(
            smtp,
            tls,
            name.to_string(),
            SmtpKind::Good,
            counters.clone(),
        )));
        self.hosts.insert(
            name.to_ascii_lowercase(),
            Host {
                ip: ip.into(),
                policy: Some(counter),
                smtp: Some(counters),
                cert: None,
            },
        );
        Ok(ip)
    }

    pub fn ca_pem(&self) -> &str {
        self.ca.pem()
    }

    /// Writes the CA certificate to `dir/testkit-ca.pem` and returns the path.
    pub fn write_ca(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let path = dir.join("testkit-ca.pem");
        std::fs::write(&path, self.ca.pem())?;
        Ok(path)
    }

    /// The public key (SubjectPublicKeyInfo, DER) of the certificate an SMTP host presents.
    pub fn host_spki(&self, name: &str) -> Option<&[u8]> {
        self.hosts
            .get(&name.to_ascii_lowercase())
            .and_then(|h| h.cert.as_ref())
            .map(|(_, spki)| spki.as_slice())
    }

    pub fn host_ip(&self, name: &str) -> Option<IpAddr> {
        self.hosts.get(&name.to_ascii_lowercase()).map(|h| h.ip)
    }

    /// Connections accepted by the host (HTTPS and SMTP together).
    pub fn connections(&self, name: &str) -> usize {
        self.hosts.get(&name.to_ascii_lowercase()).map_or(0, |h| {
            h.policy.as_ref().map_or(0, |c| c.load(Ordering::SeqCst))
                + h.smtp
                    .as_ref()
                    .map_or(0, |c| c.connections.load(Ordering::SeqCst))
        })
    }

    /// SMTP commands that would have started a mail transaction (MAIL/RCPT/DATA).
    pub fn mail_transactions(&self) -> usize {
        self.hosts
            .values()
            .filter_map(|h| h.smtp.as_ref())
            .map(|c| c.mail_from.load(Ordering::SeqCst))
            .sum()
    }

    /// The loopback addresses in use, for a `--resolver`-style summary.
    pub fn hosts(&self) -> impl Iterator<Item = (&str, IpAddr)> {
        self.hosts.iter().map(|(n, h)| (n.as_str(), h.ip))
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
