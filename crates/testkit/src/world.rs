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
    ip: Ipv4Addr,
    policy: Option<Arc<AtomicUsize>>,
    smtp: Option<Arc<SmtpCounters>>,
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
        for (name, kind) in &s.smtp {
            self.add_smtp_host(&dns::absolute(name, &domain), *kind)
                .await?;
        }
        Ok(())
    }

    fn allocate(&mut self) -> Result<Ipv4Addr, Error> {
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

    async fn listen(&self, ip: Ipv4Addr, port: u16) -> Result<TcpListener, Error> {
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
                ip,
                policy: Some(counter),
                smtp: None,
            },
        );
        Ok(ip.into())
    }

    /// Starts an SMTP host named `name` (an A record is added for it).
    pub async fn add_smtp_host(&mut self, name: &str, kind: SmtpKind) -> Result<IpAddr, Error> {
        let ip = self.allocate()?;
        let listener = self.listen(ip, self.smtp_port).await?;
        self.smtp_port = listener.local_addr()?.port();
        let tls = self.ca.server_config(name, kind.cert())?;
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
        self.zone.add_a(name, ip);
        self.hosts.insert(
            name.to_ascii_lowercase(),
            Host {
                ip,
                policy: None,
                smtp: Some(counters),
            },
        );
        Ok(ip.into())
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
                ip,
                policy: Some(counter),
                smtp: Some(counters),
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

    pub fn host_ip(&self, name: &str) -> Option<Ipv4Addr> {
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
    pub fn hosts(&self) -> impl Iterator<Item = (&str, Ipv4Addr)> {
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
